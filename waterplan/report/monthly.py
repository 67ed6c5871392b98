"""The report of a monthly run: each target's status year by year, the guarantee rates against
their targets (met / not met), shortage and storage over the horizon, the mean year's map."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from ..boundaries import county_table
from ._page import details, figure, illustrative, long_table, page, pct, sector_label, status_label, table
from .annual import _ATTRIBUTE_ZH, _as_given, _listed_order

__all__ = ["monthly_report_html"]

#: up to this many years, the targets table shows each year's status in its own column
_YEAR_COLUMNS = 6
_MODES = {"full": "全时段优化 full horizon (perfect foresight)", "myopic": "逐月滚动 month by month (myopic)"}


def _year_status_table(yearly: pd.DataFrame) -> pd.DataFrame:
    """One row per target in the plan's list order: its target and its status each year (up to six
    years), or how many years it had each status and its worst year."""
    order = _listed_order(yearly.drop_duplicates("id"))
    years = list(dict.fromkeys(str(y) for y in yearly["period"]))
    by = yearly.assign(period=yearly["period"].astype(str)).set_index(["id", "period"])
    rows = []
    for _i, t in order.iterrows():
        out: dict[str, object] = {
            "指标 indicator": f"{t['indicator_zh']} {t['indicator_en']}",
            "属性 attribute": _ATTRIBUTE_ZH.get(str(t["attribute"]), ""),
            "目标 target": str(t["target_as_given"]),
        }
        own = by.loc[t["id"]]
        if len(years) <= _YEAR_COLUMNS:
            for y in years:
                r = own.loc[y]
                out[f"{y}"] = f"{status_label(r['status'])} · {_as_given(r)}"
        else:
            counts = own["status"].value_counts()
            out["各状态年数 years by status"] = "; ".join(f"{status_label(k)} {v}" for k, v in counts.items())
            worst = own.sort_values("deviation", key=lambda d: d.abs(), ascending=False).iloc[0]
            out["偏离最大年份 year furthest from target"] = f"{worst.name}: {_as_given(worst)}"
        rows.append(out)
    return pd.DataFrame(rows)


def _yearly_rows(yearly: pd.DataFrame) -> pd.DataFrame:
    """Every target every year (the full table behind the summary)."""
    return pd.DataFrame(
        {
            "年份 year": yearly["period"].astype(str),
            "指标 indicator": [f"{a} {b}" for a, b in zip(yearly["indicator_zh"], yearly["indicator_en"], strict=True)],
            "目标 target": yearly["target_as_given"],
            "值 value": [_as_given(r) for _i, r in yearly.iterrows()],
            "状态 status": [status_label(s) for s in yearly["status"]],
        }
    )


def _guarantee_by_sector(guarantee: pd.DataFrame, sectors: dict[str, Any]) -> pd.DataFrame:
    """Per sector: its target, the worst county's rate, how many counties meet it, the status."""
    names = county_table().set_index("adcode")["name_zh"]
    rows = []
    for sector, g in guarantee.groupby("sector", sort=False):
        target = g["target_years"].iloc[0]
        worst = g.sort_values("years_fully_supplied").iloc[0]
        has = target == target and target is not None
        met = int((g["status"] == "met").sum())
        rows.append(
            {
                "部门 sector": sector_label(str(sector), sectors[sector].name_zh if sector in sectors else None),
                "保证率目标 target (share of years)": pct(target) if has else "无目标 no target",
                "最低 lowest county": f"{names.get(worst['county'], worst['county'])} "
                f"{pct(worst['years_fully_supplied'])}",
                "按月 share of months (lowest)": pct(g["months_fully_supplied"].min()),
                "达标县区 counties meeting it": f"{met} / {len(g)}" if has else "",
                "状态 status": status_label("met" if has and met == len(g) else ("not met" if has else "no target")),
            }
        )
    return pd.DataFrame(rows)


def _guarantee_rows(guarantee: pd.DataFrame, sectors: dict[str, Any]) -> pd.DataFrame:
    """County × sector rates, the lowest against its target first."""
    names = county_table().set_index("adcode")
    g = guarantee.assign(gap=guarantee["years_fully_supplied"] - guarantee["target_years"].fillna(0.0))
    g = g.sort_values(["gap", "years_fully_supplied"], kind="stable")
    return pd.DataFrame(
        {
            "县区 county": [
                f"{names.at[c, 'name_zh']} {names.at[c, 'name_en']}" if c in names.index else c for c in g["county"]
            ],
            "部门 sector": [sector_label(s, sectors[s].name_zh if s in sectors else None) for s in g["sector"]],
            "保证率 years fully supplied": [pct(v) for v in g["years_fully_supplied"]],
            "按月 months fully supplied": [pct(v) for v in g["months_fully_supplied"]],
            "目标 target": [pct(v) if v == v and v is not None else "无目标 no target" for v in g["target_years"]],
            "状态 status": [status_label(s) for s in g["status"]],
            "年均缺水 mean shortage (万m³/yr)": g["mean_shortage_10k_m3_per_year"].to_numpy(),
        }
    )


def _storage_section(res: Any, yearly: pd.DataFrame) -> str:
    """Each year's storage drawn, and each target's value that came partly from it."""
    from ..monthly.results import storage_drawn, targets_from_storage

    drawn = storage_drawn(res)
    if drawn.empty:
        return ""
    total = drawn.groupby("period", as_index=False)[["start_10k_m3", "end_10k_m3", "drawn_10k_m3"]].sum()
    shown = pd.DataFrame({
        "年 year": total["period"], "年初蓄水 start (万m³)": [f"{v:,.0f}" for v in total["start_10k_m3"]],
        "年末蓄水 end": [f"{v:,.0f}" for v in total["end_10k_m3"]],
        "消耗 drawn (start − end)": [f"{v:,.0f}" for v in total["drawn_10k_m3"]],
    })  # fmt: skip
    helped = targets_from_storage(res, yearly)
    rows = pd.DataFrame({
        "年 year": helped["period"], "指标 target": helped["id"] + " " + helped["indicator_zh"],
        "值 value (万m³)": [f"{v:,.0f}" for v in helped["value"]],
        "状态 status": [status_label(s) for s in helped["status"]],
        "其中来自蓄水消耗 of which from storage (at most)": [f"{v:,.0f}" for v in helped["from_storage_10k_m3"]],
        "不计蓄水消耗 without it": [f"{v:,.0f}" for v in helped["without_storage"]],
    })  # fmt: skip
    tcfg = res.scenario.spec.time
    ends = (
        "期末蓄水不低于期初 The reservoirs end at least where they began (time.storage_end: at_start)."
        if tcfg is not None and tcfg.storage_end == "at_start"
        else "期末蓄水未约束 Where they end is free (time.storage_end: at_start makes the horizon cyclic)."
    )
    note = (
        "首年从假定的初始蓄水量起算 The first year starts from the assumed initial storage (initial_storage of "
        "the network layer). " + ends
    )
    helped_html = ""
    if len(rows):
        helped_html = "<p>指标值中来自水库蓄水消耗的部分 Targets whose value came partly from storage drawn below "
        helped_html += f"the year's start:</p>{table(rows)}"
    return table(shown) + f"<p class='note'>{html.escape(note)}</p>" + helped_html


def monthly_report_html(
    res: Any,
    guarantee: pd.DataFrame,
    yearly: pd.DataFrame,
    charts: dict[str, bytes],
    manifest: dict[str, Any],
    image: bytes | None = None,
) -> str:
    """The monthly run's report as one self-contained page (charts and the mean year's map embedded,
    no scripts)."""
    e = html.escape
    sc = res.scenario
    sectors = sc.spec.sectors
    years = sorted(dict.fromkeys(m[:4] for m in res.months))
    bal = res.demand.sum().sum(), res.shortage.sum().sum()
    n_years = max(1, len(years))
    head = (
        f"<p><b>{e(sc.spec.title_en)}</b> — scenario <code>{e(sc.name)}</code>. "
        f"{e(_MODES.get(res.mode, res.mode))}; {len(res.months)} 个月 months, {years[0]}–{years[-1]} "
        f"({len(years)} 年 years); 来水 hydrology: {e(str(manifest.get('hydrology', '')))}.</p>{illustrative()}"
        f"<h2>概况 Summary</h2><p>年均需水 Mean yearly demand {bal[0] / n_years:,.0f} 万m³, 年均缺水 mean yearly "
        f"shortage {bal[1] / n_years:,.0f} 万m³ ({pct(bal[1] / bal[0] if bal[0] else 0.0)} of demand).</p>"
    )
    targets = (
        table(_year_status_table(yearly))
        + details(f"逐年明细 every target every year ({len(yearly)} 行 rows)", table(_yearly_rows(yearly)))
        if len(yearly)
        else "<p class='note'>无指标 No policy target.</p>"
    )
    body = (
        head
        + f"<h2>指标逐年核算 Targets year by year</h2>{targets}"
        + "<h2>供水保证率 Supply guarantee rates against their targets</h2>"
        + table(_guarantee_by_sector(guarantee, sectors))
        + long_table(_guarantee_rows(guarantee, sectors), 12, "county × sector 县区 × 部门")
        + figure(charts.get("guarantee"), "guarantee rates", width=900)
        + "<h2>缺水 Shortage</h2>"
        + figure(charts.get("shortage"), "monthly shortage", width=1100)
        + figure(charts.get("exceedance"), "exceedance of yearly shortage", width=700)
        + "<h2>水库 Reservoirs</h2>"
        + _storage_section(res, yearly)
        + (
            figure(charts.get("storage"), "reservoir storage", width=1100)
            or "<p class='note'>无调蓄水库 No reservoir with storage.</p>"
        )
        + (
            "<h2>多年平均配置图 Map of the mean year</h2>"
            + figure(image, "map of the mean year", width=1000)
            + "<p class='note'>交互式地图 Interactive map: <a href='map.html'>map.html</a>.</p>"
            if image
            else ""
        )
        + "<p class='note'>表格 Tables: allocation.csv, balance.csv, flows.csv, sources.csv (month by month), "
        "storage.csv, guarantee.csv, indicators.csv (year by year).</p>"
    )
    return page(f"{sc.name} monthly", f"{sc.spec.title_zh or sc.name} — 逐月配置 monthly run", body)
