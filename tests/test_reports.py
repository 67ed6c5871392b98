"""The report pages' shared parts, by hand: figures as the plan writes them, nothing blank shown as
NaN/None/True, long tables cut with the whole one click away, a difference map's symmetric scale,
and the monthly report's targets year by year (from the shared two-year run)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from waterplan.charts import diff_span
from waterplan.report._page import long_table, num, pct, sector_label, status_label, table


def test_figures_are_shown_as_the_plan_writes_them():
    assert num(104700.0) == "104,700" and num(-0.0001) == "0" and num(1.25, 2) == "1.25"
    assert num(None) == num(math.nan) == "" and num(True) == "是 yes"
    assert pct(0.9531) == "95.3%" and pct(-0.024, signed=True) == "-2.4 pp" and pct(None) == ""
    assert status_label("not met") == "未达到 not met" and status_label(None) == ""
    assert sector_label("domestic") == "生活 Domestic" and sector_label("ecology", "生态环境") == "生态环境 Ecology"


def test_a_table_never_shows_a_raw_blank_or_boolean():
    df = pd.DataFrame({"a 甲": [1234.5, math.nan, None], "b 乙": [True, False, "达标 met"]})
    page = table(df)
    for raw in ("NaN", "None", "True", "False", "nan"):
        assert raw not in page
    assert "1,234" in page or "1,235" in page
    assert "是 yes" in page and "否 no" in page and "class='good'" in page


def test_a_long_table_is_cut_with_the_whole_one_click_away():
    df = pd.DataFrame({"n": range(30)})
    out = long_table(df, 10, "rows")
    head, _, rest = out.partition("<details>")
    assert head.count("<tr>") == 11 and rest.count("<tr>") == 31 and "全部 30 行 all 30 rows" in rest


@pytest.mark.parametrize(("top", "span"), [(0.024, 0.05), (0.05, 0.05), (0.07, 0.1), (0.31, 0.5), (2.0, 1.0)])
def test_a_difference_map_scale_is_symmetric_and_a_small_change_stays_pale(top, span):
    """The scale is ±span around zero: a 2.4-point change fills half of ±5 points, not all of it."""
    assert diff_span(pd.Series([-top / 2, top])) == span


def test_the_monthly_report_shows_each_targets_status_each_year(monthly_run):
    from waterplan.report.annual import _as_given
    from waterplan.report.monthly import _year_status_table

    _res, folder = monthly_run("myopic")
    yearly = pd.read_csv(folder / "indicators.csv", dtype={"period": str})
    shown = _year_status_table(yearly)
    assert list(shown.columns[-2:]) == ["1971", "1972"] and len(shown) == yearly["id"].nunique()
    by = yearly.set_index(["indicator_zh", "period"])["status"]
    rows = yearly.set_index(["indicator_zh", "period"])
    for _i, row in shown.iterrows():
        zh = next(z for z in yearly["indicator_zh"].unique() if row["指标 indicator"].startswith(f"{z} "))
        for year in ("1971", "1972"):
            assert row[year] == f"{status_label(by[(zh, year)])} · {_as_given(rows.loc[(zh, year)])}", (zh, year)


def test_the_mean_year_is_the_months_summed_over_the_years(monthly_run):
    """The mean year of a two-year run: every volume of the monthly tables summed and halved."""
    from waterplan.monthly.results import mean_year_results

    res, folder = monthly_run("myopic")
    avg = mean_year_results(res)
    bal = pd.read_csv(folder / "balance.csv", dtype={"county": str})
    want = bal.groupby(["county", "sector"])[["demand_10k_m3", "shortage_10k_m3"]].sum() / 2
    got = avg.balance.set_index(["county", "sector"])[["demand_10k_m3", "shortage_10k_m3"]]
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-9, atol=1e-6)
    src = pd.read_csv(folder / "sources.csv").groupby("source")["withdrawn_10k_m3"].sum() / 2
    assert avg.sources.set_index("source")["withdrawn_10k_m3"].to_dict() == pytest.approx(src.to_dict())
    assert set(avg.balance["period"]) == {"1971–1972"}


def test_the_comparison_shades_exactly_the_targets_that_changed(shipped_run):
    from waterplan.report.compare import _counties, _targets

    base, dry = shipped_run("taiyuan-2030")[0], shipped_run("taiyuan-2030-dry")[0]
    same, changed = _targets([base, base])
    assert not any(changed) and len(same) == len(base.results.indicators)
    _shown, changed = _targets([base, dry])
    a = base.results.indicators.set_index("id")
    b = dry.results.indicators.set_index("id")
    moved = [
        a.at[i, "status"] != b.at[i, "status"]
        or (a.at[i, "value"] == a.at[i, "value"] and abs(float(a.at[i, "value"]) - float(b.at[i, "value"])) > 1e-3)
        for i in a.index
        if i in b.index
    ]
    assert sum(changed) == sum(moved) > 0
    counties = _counties([base, dry])
    change = counties.iloc[:, -1].str.replace(" pp", "").astype(float).abs()
    assert change.is_monotonic_decreasing  # the counties that moved most first


def test_a_comparison_of_plan_years_flags_pumping_that_rises_against_the_plan(shipped_run, tmp_path):
    """Taiyuan 2027 → 2030: the groundwater caps the plan cuts (压采, direction: falling) and each
    county's groundwater, recomputed here from sources.csv of both runs; a rise is flagged, a fall
    is not, and the page shows the section."""
    from waterplan.compare import write_comparison

    runs = [shipped_run("taiyuan-2030"), shipped_run("taiyuan-2027")]
    out = write_comparison([r for r, _f in runs], tmp_path / "cmp")
    d = pd.read_csv(out / "compare_direction.csv", index_col=0).set_index("id")
    gw = {}
    for _run, folder in runs:
        src = pd.read_csv(folder / "sources.csv", dtype={"county": str})
        gw[int(src["period"].iloc[0])] = (
            src[src["source_kind"].str.startswith("groundwater")].groupby("county")["withdrawn_10k_m3"].sum()
        )
    total = {y: float(v.sum()) for y, v in gw.items()}
    assert d.loc["TY-groundwater", "taiyuan-2027 (2027)"] == pytest.approx(total[2027], abs=1e-3)
    assert bool(d.loc["TY-groundwater", "against_plan"]) == (total[2030] > total[2027] + 0.05)
    by_county = pd.read_csv(out / "compare_groundwater.csv", index_col=0, dtype={0: str})
    for county, row in by_county.iterrows():
        rises = gw[2030].get(str(county), 0.0) > gw[2027].get(str(county), 0.0) + 0.05
        assert bool(row["rises"]) == rises, county
    assert by_county["rises"].any() and not by_county["rises"].all()
    assert "逆规划方向" in (out / "compare.html").read_text(encoding="utf-8")


def test_a_cap_beside_its_split_says_in_the_report_which_caps_hold_the_water_first(annual_tables):
    """Taiyuan's groundwater total (1.5 亿m³, 003 (一)1) is not at its limit because the county
    caps and Lancun's pumping hold the same wells first: its row in indicators.csv and the report's
    note name them (a sweep of the total alone is flat, and this is why)."""
    ind = pd.read_csv(annual_tables / "indicators.csv", dtype={"binds_with": str}).set_index("id")
    total = ind.loc["TY-groundwater"]
    assert not total["binding"] and "TY-gw-counties" in total["binds_with"]
    assert all(ind.loc[o, "binding"] for o in total["binds_with"].split(", "))  # each named one binds
    report = (annual_tables / "report.html").read_text(encoding="utf-8")
    assert f"同一部分水量先受 {total['binds_with']} 约束" in report
