"""The Taiyuan 2030 scenario: constraints hold, mass balances, two solvers agree, report complete."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import recompute
from conftest import TAIYUAN
from test_properties import check_mass_balance, check_policy

from waterplan import load_scenario, solve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def taiyuan(shipped_run, cbc_solution):
    """Taiyuan 2030 solved with HiGHS (the shared run) and with CBC."""
    run = shipped_run("taiyuan-2030")[0]
    return run.scenario, run.graph, run.solution, cbc_solution("taiyuan-2030")


def test_constraints_hold_and_mass_balances(taiyuan):
    _, _, a, b = taiyuan
    for sol in (a, b):
        check_mass_balance(sol)
        check_policy(sol)


def test_highs_and_cbc_agree_on_every_stage(taiyuan):
    _, _, a, b = taiyuan
    assert [s.name for s in a.stages] == [s.name for s in b.stages]
    for sa, sb in zip(a.stages, b.stages, strict=True):
        # shortage stages agree tightly; the tie-breaking stages inherit the 1e-7 relative
        # tolerance with which each earlier optimum is held, so they agree to 1e-5
        rel = 1e-7 if sa.priority is not None else 1e-5
        assert sa.objective == pytest.approx(sb.objective, rel=rel, abs=1e-3), sa.name


def test_domestic_fully_served_and_shortage_falls_on_low_priorities(taiyuan):
    _, G, sol, _ = taiyuan
    short = {p: 0.0 for p in range(1, 5)}
    for n, s in sol.shortage.items():
        short[G.nodes[n]["priority"]] += s
    assert short[1] == pytest.approx(0, abs=1e-4) and short[2] == pytest.approx(0, abs=1e-4)
    assert short[4] > 1000  # the growth case exceeds the 10.47 亿m³ cap: ecology gives way


def test_shadow_prices_match_finite_differences(taiyuan, shipped_run):
    """Each binding cap's dual equals the change of its stage's optimum when the cap grows by 1 万m³."""
    sc, G, sol, _ = taiyuan
    res = shipped_run("taiyuan-2030")[0]
    ind = res.results.indicators.set_index("id")
    checked = 0
    for c in sc.constraints:
        if c.type == "ratio_floor":
            continue
        row = ind.loc[c.id]
        if not row["shadow_price_stage"] or row["shadow_price"] != row["shadow_price"]:
            continue  # no dual, or an earlier (non-shortage) tier moves first: no shortage price
        stage = next(s for s in sol.stages if s.name == row["shadow_price_stage"])
        c.value += 1.0
        try:
            again = solve(G, sc)
        finally:
            c.value -= 1.0
        moved = next(s for s in again.stages if s.name == stage.name).objective - stage.objective
        assert moved == pytest.approx(row["shadow_price"], abs=2e-3), c.id
        checked += 1
    assert checked >= 3


def test_demands_match_their_derivation():
    spec = importlib.util.spec_from_file_location("derive", ROOT / "scenarios/taiyuan/derive_demands.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    derived = mod.derive()
    for year, rows in derived.items():
        with open(ROOT / f"scenarios/taiyuan/demands-{year}.csv", encoding="utf-8") as fh:
            assert list(csv.DictReader(fh)) == rows
    total_2025 = sum(float(r["demand"]) for r in derived[2025])
    assert total_2025 == pytest.approx(75300, abs=5)  # 7.53 亿m³, seed 003 二(一)
    gross_2030 = load_scenario(TAIYUAN).demands["demand_10k_m3"].sum()
    assert gross_2030 > 104700  # the growth case is above the 10.47 亿m³ cap


def test_every_feature_and_number_has_a_source():
    for layer in ("nodes", "edges"):
        gdf = gpd.read_file(ROOT / f"gis/taiyuan/{layer}.geojson")
        assert gdf["provenance"].str.len().min() > 3, layer
    with open(ROOT / "scenarios/taiyuan/demands-2030.csv", encoding="utf-8") as fh:
        assert all(r["derivation"].startswith("illustrative") for r in csv.DictReader(fh))


def test_run_folder(shipped_run):
    out = shipped_run("taiyuan-2030")[1]
    names = {p.name for p in out.iterdir()}
    assert {
        "allocation.csv",
        "balance.csv",
        "flows.csv",
        "indicators.csv",
        "manifest.json",
        "map.html",
        "report.html",
        "report.md",
    } <= names
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["solver"] == "HiGHS" and len(manifest["inputs_sha256"]) == 4
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "L.map(" in html and "清徐县" in html and "呼延水厂" in html


def test_indicator_values_are_computed_from_inputs_and_solution(taiyuan, shipped_run):
    sc, G, sol, _ = taiyuan
    ind = shipped_run("taiyuan-2030")[0].results.indicators.set_index("id")
    assert ind.loc["TY-irr-coef", "value"] == pytest.approx(0.60)
    assert ind.loc["TY-leakage", "value"] == pytest.approx(8.0)
    # irrigated area = Σ county area × agricultural coverage (area from the demand table)
    dem = sc.demands.set_index(["county", "sector"])
    area = sum(
        float(dem.loc[(G.nodes[n]["county"], "agriculture"), "quantity"]) * (1 - sol.shortage[n] / G.nodes[n]["demand"])
        for n in sol.shortage
        if G.nodes[n]["sector"] == "agriculture"
    )
    assert ind.loc["TY-irrigated-area", "value"] == pytest.approx(area)
    # GDP intensity: total withdrawal / GDP 2030 against 14 m³ per 万元 in 2025 (seed 003)
    total = sum(sol.release.values()) - sum(recompute.to_outlet(sol).values())
    expected = (1 - (total * 1e4 / 7029.5e4) / 14.0) * 100
    assert ind.loc["TY-gdp-intensity", "value"] == pytest.approx(expected, rel=1e-4)


#: seed 003 附件1 “四水四定”重点指标清单 as printed: 序号, 指标类型 (blank in the list: as above),
#: 指标名称, 指标属性, 2027 年, 2030 年
PLAN_LIST = [
    (1, "总体指标", "用水总量", "约束性", "9.94", "10.47"),
    (2, "总体指标", "地下水用水量", "约束性", "1.5", "1.5"),
    (3, "总体指标", "万元地区生产总值用水量下降幅度", "约束性", "3", "7"),
    (4, "总体指标", "万元工业增加值用水量下降幅度", "约束性", "2", "5"),
    (5, "以水定人定城", "城镇开发边界", "约束性", "735.42", "735.42"),
    (6, "以水定人定城", "城市公共供水管网漏损率", "约束性", "9", "8"),
    (7, "以水定人定城", "节水器具普及率", "预期性", "97", "97 以上"),
    (8, "以水定地", "农业灌溉面积", "预期性", "63.4", "63.4"),
    (9, "以水定地", "累计建成高标准农田面积", "预期性", "61", "65"),
    (10, "以水定地", "建成区绿化覆盖率", "预期性", "41.9", "42.2"),
    (11, "以水定产", "农田灌溉水有效利用系数", "约束性", "0.59", "0.6"),
    (12, "以水定产", "城市再生水利用率", "预期性", "30", "30以上"),
    (13, "以水定产", "非常规水源利用量", "预期性", "1.72", "1.97"),
]


def _md_rows(text: str, first_header: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose first header cell is ``first_header``."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    start = next(i for i, ln in enumerate(lines) if ln.split("|")[1].strip() == first_header)
    header = [c.strip() for c in lines[start].split("|")[1:-1]]
    rows = []
    for ln in lines[start + 2 :]:
        cells = [c.strip() for c in ln.split("|")[1:-1]]
        if len(cells) != len(header):
            break
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


@pytest.mark.parametrize("name", ["taiyuan-2030", "taiyuan-2027"])
def test_the_report_lays_the_targets_out_like_the_plans_list(shipped_run, name):
    """The report's target table follows 附件1: its categories in order, each row's number, name,
    attribute and figures for 2027 and 2030 as the list prints them (this run's year: the target as
    encoded), then the text's other targets and the allocation rules."""
    year = int(name[-4:])
    out = shipped_run(name)[1]
    rows = _md_rows((out / "report.md").read_text(encoding="utf-8"), "指标类型 category")
    category, shown = "", []
    for r in rows:
        category = r["指标类型 category"] or category
        shown.append(category)
    assert list(dict.fromkeys(shown)) == [
        "总体指标", "以水定人定城", "以水定地", "以水定产",
        "正文目标 targets in the plan's text", "分水规则 allocation rules",
    ]  # fmt: skip
    listed = [(r, c) for r, c in zip(rows, shown, strict=True) if r["序号 no."]]
    assert len(listed) == len(PLAN_LIST)
    for (r, cat), (no, plan_cat, plan_name, attr, y2027, y2030) in zip(listed, PLAN_LIST, strict=True):
        assert (int(r["序号 no."]), cat, r["指标 indicator"].split(" / ")[0], r["属性 attribute"]) == (
            no, plan_cat, plan_name, attr,
        )  # fmt: skip
        for y, figure in ((2027, y2027), (2030, y2030)):
            if y == year:  # this run's target, as encoded: the plan's figure with its direction and unit
                number = figure.split()[0].removesuffix("以上")
                assert float(re.findall(r"[\d.]+", r[f"{y} 年目标 target (this run)"])[0]) == pytest.approx(
                    float(number)
                )
            else:
                assert r[f"{y} 年目标 target"] == figure
    total = next(r for r, _c in listed if r["id"] == "TY-total")
    assert total["基准年 base year"].startswith("2025: 7.53") and total["单位 unit"] == "亿m³"
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in ("指标类型 category", "序号 no.", "基准年 base year", "2027 年目标 target", "以水定人定城"):
        assert heading in html
