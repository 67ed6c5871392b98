"""A table of bad inputs, as a new user makes them. Each one must end in one clear message naming
the file, the field and the value (exit code 2), never a traceback; every input file and every
earlier output must be byte-for-byte unchanged afterwards; and ``validate`` must say what ``run``
says. A property test then mutates scenario and layer fields at random: a clean run or one clean
error, never a traceback."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import A, B, edge, node, write_case
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from waterplan import InputError, build_graph, load_scenario
from waterplan._errors import Problem
from waterplan.cli import app
from waterplan.i18n import set_language
from waterplan.monthly import check_monthly

W = "万m³"
runner = CliRunner()

SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"], "return_coef": 0.8},
    "industry": {"name_zh": "工业", "priority": 2, "accepts": ["reclaimed", "surface", "groundwater_porous"]},
    "agriculture": {"name_zh": "农业", "priority": 3, "accepts": ["surface", "reclaimed"]},
}


def _base(folder: Path) -> Path:
    """A small valid case: a river intake, wells and a WWTP serving two districts."""
    return write_case(
        folder,
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=30, available_unit=W, county=B),
            node("WW", "wwtp", source_kind="reclaimed", capacity=40, capacity_unit=W, **{"yield": 0.9}),
            node("J", "junction"),
        ],
        edges=[
            edge("s_j", "S", "J", kind="canal", capacity=90, capacity_unit=W, loss=0.05),
            edge("j_a", "J", f"county:{A}", sectors="domestic,industry,agriculture"),
            edge("j_b", "J", f"county:{B}", sectors="domestic,agriculture"),
            edge("w_b", "GW", f"county:{B}", kind="wells", sectors="*"),
            edge("sew_a", f"county:{A}", "WW", kind="sewer", sectors="domestic", share=1.0),
            edge("rw_a", "WW", f"county:{A}", kind="reclaimed_pipe", sectors="industry,agriculture"),
        ],
        demands=[(A, "domestic", 40, W), (A, "industry", 30, W), (B, "domestic", 20, W), (B, "agriculture", 25, W)],
        sectors=SECTORS,
        constraints=[
            {
                "id": "K",
                "name_zh": "用水总量",
                "type": "cap",
                "measure": "withdrawal",
                "value": 1.2,
                "unit": "亿m³",
                "clause": "test",
            },
        ],
        extra={
            "targets": [
                {
                    "id": "R",
                    "name_zh": "生活优先",
                    "unit": "-",
                    "target": "rule",
                    "clause": "test",
                    "status": "rule",
                    "rule": {"check": "priority", "sectors": ["domestic"]},
                },
            ]
        },
    )


# --- mutators: each edits the case folder in place ----------------------------------------------


def _yaml(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        p = folder / "case.yaml"
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        change(data)
        p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return apply


def _text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        p = folder / name
        text = p.read_text(encoding="utf-8")
        assert old in text, (name, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def _row(old: str, new: str) -> Callable[[Path], None]:
    """Edit a row of the demand table."""
    return _text("demands.csv", old, new)


def _raw(name: str, data: bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return apply


def _feature(layer: str, fid: str, **props: Any) -> Callable[[Path], None]:
    """Set (or, with None, blank) properties of one layer feature."""

    def apply(folder: Path) -> None:
        p = folder / "net" / f"{layer}.geojson"
        data = json.loads(p.read_text(encoding="utf-8"))
        f = next(f for f in data["features"] if f["properties"]["id"] == fid)
        f["properties"].update(props)
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return apply


def _add_feature(layer: str, feature: dict) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        p = folder / "net" / f"{layer}.geojson"
        data = json.loads(p.read_text(encoding="utf-8"))
        data["features"].append(feature)
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return apply


def _series(skip: str) -> Callable[[Path], None]:
    """A monthly scenario whose inflow series of S misses one month."""

    def apply(folder: Path) -> None:
        lines = ["month,source,value,unit"] + [
            f"2030-{m:02d},S,8,万m³" for m in range(1, 13) if f"2030-{m:02d}" != skip
        ]
        (folder / "series.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        _yaml(_set("time", {"years": 1, "start_year": 2030, "series": "series.csv"}))(folder)

    return apply


def _con(**kw: Any) -> Callable[[dict], None]:
    return lambda d: d["constraints"][0].update(kw)


def _rule(**kw: Any) -> Callable[[dict], None]:
    return lambda d: d["targets"][0]["rule"].update(kw)


def _sector(name: str, **kw: Any) -> Callable[[dict], None]:
    return lambda d: d["sectors"][name].update(kw)


def _basic_ecology(parent: str, share: float) -> Callable[[dict], None]:
    """Add a basic-ecology sector that is a share of ``parent``."""
    basic = {
        **SECTORS["agriculture"],
        "name_zh": "基本生态",
        "share_of": {"sector": parent, "share": share, "source": "t"},
    }
    return lambda d: d["sectors"].update(ecology_basic=basic)


def _set(key: str, value: Any) -> Callable[[dict], None]:
    return lambda d: d.update({key: value})


def _append_constraint(c: dict) -> Callable[[dict], None]:
    return lambda d: d["constraints"].append(c)


CAP = {"id": "K2", "name_zh": "x", "type": "cap", "measure": "withdrawal", "value": 1, "unit": W, "clause": "t"}

#: (case id, mutation, words the message must contain: file, field and value)
CASES: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
    # --- the scenario file
    ("unknown top-level key", _yaml(_set("equitty", True)), ("case.yaml", "equitty", "unknown key")),
    (
        "duplicate YAML key",
        _text("case.yaml", "year: 2030", "year: 2030\nyear: 2031"),
        ("case.yaml", "year", "duplicate key"),
    ),
    ("missing year", _yaml(lambda d: d.pop("year")), ("case.yaml", "year")),
    ("year as text", _yaml(_set("year", "二〇三〇")), ("case.yaml", "year", "二〇三〇")),
    (
        "unknown sector",
        _yaml(lambda d: d["sectors"].update(farming=d["sectors"]["agriculture"])),
        ("case.yaml", "farming"),
    ),
    ("priority 0", _yaml(_sector("domestic", priority=0)), ("case.yaml", "priority", "0")),
    ("unknown source kind accepted", _yaml(_sector("industry", accepts=["rain"])), ("case.yaml", "accepts", "rain")),
    ("constraint type unknown", _yaml(_con(type="ceiling")), ("case.yaml", "type", "ceiling")),
    ("constraint value text", _yaml(_con(value="ten")), ("case.yaml", "value", "ten")),
    ("constraint unit unknown", _yaml(_con(unit="万立方")), ("case.yaml", "unit", "万立方")),
    ("constraint unit a pint expression", _yaml(_con(unit="10**4*meter**3")), ("case.yaml", "unit", "10**4*meter**3")),
    ("constraint unit missing", _yaml(lambda d: d["constraints"][0].pop("unit")), ("case.yaml", "unit")),
    ("constraint negative", _yaml(_con(value=-3)), ("case.yaml", "value", "-3")),
    (
        "ratio above 100 %",
        _yaml(
            _append_constraint(
                {
                    **CAP,
                    "type": "ratio_floor",
                    "unit": "%",
                    "value": 150,
                    "numerator": {"measure": "intake"},
                    "denominator": {"measure": "wastewater"},
                }
            )
        ),
        ("case.yaml", "value", "150"),
    ),
    (
        "ratio without denominator",
        _yaml(_append_constraint({**CAP, "type": "ratio_floor", "unit": "%", "numerator": {"measure": "intake"}})),
        ("case.yaml", "K2", "denominator"),
    ),
    ("duplicate constraint id", _yaml(_append_constraint({**CAP, "id": "K"})), ("case.yaml", "id", "K")),
    ("constraint on a missing source", _yaml(_con(sources={"ids": ["NOPE"]})), ("case.yaml", "ids", "NOPE")),
    ("constraint on a missing tag", _yaml(_con(sources={"tags": ["nope"]})), ("case.yaml", "tags", "nope")),
    (
        "constraint on an unknown county",
        _yaml(_con(measure="use", counties=["小店去"])),
        ("case.yaml", "counties", "小店去"),
    ),
    ("withdrawal by sector", _yaml(_con(sectors=["industry"])), ("case.yaml", "sectors", "industry")),
    ("unknown measure", _yaml(_con(measure="usage")), ("case.yaml", "measure", "usage")),
    ("attribute invalid", _yaml(_con(attribute="mandatory")), ("case.yaml", "attribute", "mandatory")),
    ("basis invalid", _yaml(_con(basis="guess")), ("case.yaml", "basis", "guess")),
    (
        "conveyance losses invalid",
        _yaml(_con(conveyance_losses="sometimes")),
        ("case.yaml", "conveyance_losses", "sometimes"),
    ),
    ("rule of an unknown sector", _yaml(_rule(sectors=["farming"])), ("case.yaml", "sectors", "farming")),
    ("rule check unknown", _yaml(_rule(check="first")), ("case.yaml", "check", "first")),
    ("takes_first without kinds", _yaml(_rule(check="takes_first")), ("case.yaml", "kinds")),
    ("rule on an unknown county", _yaml(_rule(counties=["Atlantis"])), ("case.yaml", "counties", "Atlantis")),
    ("share_of an unknown sector", _yaml(_basic_ecology("forest", 0.3)), ("case.yaml", "share_of", "forest")),
    ("share_of above 1", _yaml(_basic_ecology("agriculture", 1.5)), ("case.yaml", "share", "1.5")),
    ("network folder missing", _yaml(_set("network", "nowhere")), ("case.yaml", "network", "nowhere")),
    ("demand table missing", _yaml(_set("demands", "missing.csv")), ("missing.csv",)),
    ("YAML syntax error", _text("case.yaml", "year: 2030", "year: [2030"), ("case.yaml",)),
    ("binary scenario file", _raw("case.yaml", b"\x00\x01\x02PK\x03\x04" * 20), ("case.yaml",)),
    ("extends a missing file", _yaml(_set("extends", "base.yaml")), ("base.yaml",)),
    ("unknown year type", _yaml(_set("hydrology", {"year_type": "drought"})), ("case.yaml", "year_type", "drought")),
    ("equity not a boolean", _yaml(_set("equity", "yes please")), ("case.yaml", "equity", "yes please")),
    (
        "leakage above 1",
        _yaml(_set("levers", {"network_leakage": {"value": 1.5}})),
        ("case.yaml", "network_leakage", "1.5"),
    ),
    ("monthly years 0", _yaml(_set("time", {"years": 0})), ("case.yaml", "years", "0")),
    ("monthly unknown mode", _yaml(_set("time", {"mode": "daily"})), ("case.yaml", "mode", "daily")),
    ("monthly series with a gap", _series(skip="2030-07"), ("series.csv", "month", "2030-07")),
    # --- the demand table
    ("unknown county", _text("demands.csv", f"{A},domestic", "小店去,domestic"), ("demands.csv", "county", "小店去")),
    (
        "unknown sector in the table",
        _row(f"{A},industry", f"{A},mining"),
        ("demands.csv", "sector", "mining"),
    ),
    (
        "negative demand",
        _row(f"{A},domestic,40", f"{A},domestic,-40"),
        ("demands.csv", "demand", "-40"),
    ),
    (
        "demand without unit",
        _row(f"{A},domestic,40,万m³", f"{A},domestic,40,"),
        ("demands.csv", "unit"),
    ),
    (
        "demand unit unknown",
        _row(f"{A},domestic,40,万m³", f"{A},domestic,40,万吨水"),
        ("demands.csv", "万吨水"),
    ),
    (
        "county × sector twice",
        _row(f"{B},agriculture,25", f"{A},industry,25"),
        ("demands.csv", "industry"),
    ),
    ("demand NaN", _row(f"{A},domestic,40", f"{A},domestic,NaN"), ("demands.csv", "demand", "NaN")),
    (
        "demand infinite",
        _row(f"{A},domestic,40", f"{A},domestic,inf"),
        ("demands.csv", "demand", "inf"),
    ),
    (
        "demand absurdly large",
        _row(f"{A},domestic,40", f"{A},domestic,1e400"),
        ("demands.csv", "1e400"),
    ),
    (
        "table header wrong",
        _text("demands.csv", "county,sector,demand,unit", "place,use,amount"),
        ("demands.csv", "header"),
    ),
    ("binary demand table", _raw("demands.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256))), ("demands.csv",)),
    # --- the network layers
    ("node kind unknown", _feature("nodes", "J", kind="hub"), ("nodes.geojson", "kind", "hub")),
    ("node without provenance", _feature("nodes", "J", provenance=""), ("nodes.geojson", "provenance")),
    (
        "source without availability",
        _feature("nodes", "S", available=None, available_unit=None),
        ("nodes.geojson", "available"),
    ),
    ("availability NaN text", _feature("nodes", "S", available="NaN"), ("nodes.geojson", "(S).available")),
    ("capacity unit without capacity", _feature("edges", "s_j", capacity=None), ("edges.geojson", "capacity")),
    (
        "capacity in a pint expression",
        _feature("edges", "s_j", capacity_unit="1e4*m**3"),
        ("edges.geojson", "1e4*m**3"),
    ),
    ("capacity negative", _feature("edges", "s_j", capacity=-5), ("edges.geojson", "capacity", "-5")),
    ("self-loop", _feature("edges", "s_j", to="S"), ("edges.geojson", "S")),
    ("duplicate edge id", _feature("edges", "j_b", id="j_a"), ("edges.geojson", "j_a")),
    ("edge from an unknown node", _feature("edges", "s_j", **{"from": "X9"}), ("edges.geojson", "from", "X9")),
    (
        "edge to a county outside the area",
        _feature("edges", "j_b", to="county:140107"),
        ("edges.geojson", "county:140107"),
    ),
    ("loss above 1", _feature("edges", "s_j", loss=1.5), ("edges.geojson", "loss", "1.5")),
    ("edge for an unknown sector", _feature("edges", "j_a", sectors="domestic,mining"), ("edges.geojson", "mining")),
    ("duplicate node id", _add_feature("nodes", node("S", "junction")), ("nodes.geojson", "S")),
    ("in-service year as text", _feature("nodes", "J", commissioned="soon"), ("nodes.geojson", "commissioned", "soon")),
    ("sewer into a junction", _feature("edges", "sew_a", to="J"), ("edges.geojson", "J")),
    ("layer not JSON", _raw("net/edges.geojson", b"{ not json"), ("edges.geojson",)),
    ("yield above 1", _feature("nodes", "WW", **{"yield": 1.4}), ("nodes.geojson", "yield", "1.4")),
]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    """A good run of the base case, whose output a failed run must leave untouched."""
    folder = tmp_path_factory.mktemp("good")
    _base(folder / "case")
    result = runner.invoke(app, ["run", str(folder / "case" / "case.yaml"), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


def test_the_table_has_sixty_cases():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


def _one_message(result) -> str:
    text = result.output
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return text


@pytest.mark.parametrize(("name", "mutate", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_ends_in_one_clear_message(tmp_path, earlier_run, name, mutate, words):
    folder = tmp_path / "case"
    _base(folder)
    mutate(folder)
    inputs = _snapshot(folder)
    outputs = _snapshot(earlier_run)
    ran = runner.invoke(app, ["run", str(folder / "case.yaml"), "--out", str(earlier_run), "--force"])
    checked = runner.invoke(app, ["validate", str(folder / "case.yaml")])
    assert ran.exit_code == 2, (name, ran.output)
    text = _one_message(ran)
    for w in words:
        assert w in text, (name, w, text)
    assert checked.exit_code == 2, (name, "validate passed what run refused", checked.output)
    assert _one_message(checked).strip() == text.strip(), (name, "validate and run differ")
    assert _snapshot(folder) == inputs, (name, "an input changed")
    assert _snapshot(earlier_run) == outputs, (name, "the earlier output changed")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--out", "{case}/case.yaml"], ("case.yaml",)),
        (["--out", "{case}"], ("demands.csv",)),
        (["--solver", "gurobi"], ("gurobi",)),
        (["--lang", "fr"], ("fr",)),
        (["--years", "0"], ("--years", "1")),
        (["--basemap", "tianditu"], ("tianditu",)),
    ],
)
def test_bad_options_end_in_one_clear_message(tmp_path, args, words):
    folder = tmp_path / "case"
    _base(folder)
    inputs = _snapshot(folder)
    args = [a.replace("{case}", str(folder)) for a in args]
    result = runner.invoke(app, ["run", str(folder / "case.yaml"), "--force", *args])
    assert result.exit_code == 2, result.output
    text = _one_message(result)
    for w in words:
        assert w in text, (w, text)
    assert _snapshot(folder) == inputs


# --- property test: random field mutations ------------------------------------------------------

NUMBERS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.text(max_size=8),
    st.sampled_from(["", "NaN", "-1", "1e999", "十", "[古交]", "0"]),
)
UNITS = st.one_of(
    st.none(), st.text(max_size=6), st.sampled_from(["", "万方", "m³/s", "亿m³", "kg", "万t/d", "1e4*m**3"])
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layer=st.sampled_from(["nodes", "edges"]),
    which=st.integers(0, 5),
    key=st.sampled_from(
        ["available", "capacity", "loss", "share", "yield", "commissioned", "kind", "from", "to", "id"]
    ),
    value=NUMBERS,
    unit=UNITS,
    yaml_key=st.sampled_from(["year", "equity", "constraints", "sectors", "levers", "targets"]),
    yaml_value=st.one_of(st.none(), st.integers(-5, 3000), st.text(max_size=5), st.booleans(), st.just([])),
    touch_yaml=st.booleans(),
)
@example(  # found by this test: a junction of capacity 0 leaves the first edge dry (the print map's widths)
    layer="nodes", which=3, key="capacity", value=0.0, unit="方", yaml_key="year", yaml_value=None, touch_yaml=False
)
def test_random_mutations_give_a_run_or_one_clean_error(
    tmp_path, layer, which, key, value, unit, yaml_key, yaml_value, touch_yaml
):
    folder = tmp_path / f"p{abs(hash((layer, which, key, str(value), str(unit), yaml_key, str(yaml_value))))}"
    _base(folder)
    p = folder / "net" / f"{layer}.geojson"
    data = json.loads(p.read_text(encoding="utf-8"))
    feats = data["features"]
    props = feats[which % len(feats)]["properties"]
    props[key] = value
    if key in ("available", "capacity"):
        props[f"{key}_unit"] = unit
    p.write_text(json.dumps(data, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    if touch_yaml:
        _yaml(_set(yaml_key, yaml_value))(folder)
    inputs = _snapshot(folder)
    result = runner.invoke(
        app, ["run", str(folder / "case.yaml"), "--out", str(folder.parent / (folder.name + "_out"))]
    )
    assert result.exit_code in (0, 2, 3), result.output
    _one_message(result)
    assert _snapshot(folder) == inputs


def test_an_edge_without_capacity_runs_and_exports(tmp_path):
    """A null capacity means an unlimited edge: the run writes its layers (capacity left empty)."""
    folder = tmp_path / "case"
    _base(folder)
    p = folder / "net" / "edges.geojson"
    data = json.loads(p.read_text(encoding="utf-8"))
    data["features"][0]["properties"].update({"capacity": None, "capacity_unit": None})
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(folder / "case.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    edges = json.loads((out / "network_edges.geojson").read_text(encoding="utf-8"))["features"]
    assert any(f["properties"]["capacity_10k_m3"] is None for f in edges)


# --- the same table in Chinese ------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def _problems(path: Path, lang: str) -> list[Problem]:
    """What loading, building and the monthly checks raise, in ``lang``."""
    before = set_language(lang)
    try:
        sc = load_scenario(path)
        G = build_graph(sc)
        if sc.spec.time is not None:
            check_monthly(G, sc)
    except InputError as exc:
        return exc.problems
    finally:
        set_language(before)
    return []


@pytest.mark.parametrize(("name", "mutate", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_said_in_chinese(tmp_path, name, mutate, words):
    """With ``--lang zh`` every problem says in Chinese what would be valid, naming the same fields
    and values (the user's own keys and headers) as in English."""
    folder = tmp_path / "case"
    _base(folder)
    mutate(folder)
    result = runner.invoke(app, ["validate", str(folder / "case.yaml"), "--lang", "zh"])
    assert result.exit_code == 2 and result.output.startswith("输入错误"), (name, result.output)
    zh, en = _problems(folder / "case.yaml", "zh"), _problems(folder / "case.yaml", "en")
    for w in words:  # what the user wrote is named as written (the English explanation is not)
        explained = any(w in p.expected or (w in p.field and p.field[:1] in "(<") for p in en)
        assert w in result.output or explained, (name, w, result.output)
    assert zh and [(p.field, repr(p.value)) for p in zh] == [(p.field, repr(p.value)) for p in en], (name, zh, en)
    assert "字段「" in result.output, (name, result.output)
    for p in zh:
        assert CJK.search(p.expected), (name, p)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--solver", "gurobi"], "用法错误: --solver 的值无效：'gurobi' 不是以下之一：'highs', 'cbc'"),
        (["--years", "0"], "用法错误: --years 的值无效：不小于 1 的数"),
        (["--solv", "highs"], "用法错误: 没有这个选项：--solv（是否是 --solver？）"),
        (["extra"], "用法错误: 参数多于命令所需：extra"),
        (["--basemap", "tianditu"], "输入错误: <命令行>：字段「--tianditu-key」"),
    ],
)
def test_bad_options_are_said_in_chinese(tmp_path, args, said):
    """The command line's own errors (click's words) in Chinese too, naming the option as typed."""
    folder = tmp_path / "case"
    _base(folder)
    result = runner.invoke(app, ["--lang", "zh", "run", str(folder / "case.yaml"), "--force", *args])
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output
    assert "run --help'" in result.output or "输入错误" in result.output  # (CliRunner names the program 'root')
