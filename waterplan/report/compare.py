"""The comparison of annual runs (``waterplan compare``): the targets side by side with the
changes highlighted, the balance by sector, the counties whose coverage moved most, the source
mix, and the difference maps on a symmetric scale centred on zero."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from ..boundaries import county_table
from ..outputs import file_stem
from ._page import figure, illustrative, kind_label, long_table, num, page, pct, sector_label, status_label, table
from .annual import _as_given, _listed_order

__all__ = ["compare_html"]


def _scenarios(runs: list[Any]) -> pd.DataFrame:
    rows = []
    for r in runs:
        b = r.results.balance
        d, s = float(b["demand_10k_m3"].sum()), float(b["supplied_10k_m3"].sum())
        spec = r.scenario.spec
        rows.append({"方案 scenario": r.scenario.name, "标题 title": spec.title_zh or spec.title_en,
                     "年份 year": str(spec.year), "水文年 hydrology": spec.hydrology.year_type,
                     "需水 demand (万m³)": d, "供水 supplied (万m³)": s, "缺水 shortage (万m³)": d - s,
                     "满足率 coverage": pct(s / d if d else 1.0)})  # fmt: skip
    return pd.DataFrame(rows)


def _targets(runs: list[Any]) -> tuple[pd.DataFrame, list[bool]]:
    """Each target of the first run, with every run's value (in the plan's unit) and status, and the
    change from the first; a row is marked where a status or a value changed."""
    names = [r.scenario.name for r in runs]
    ref = _listed_order(runs[0].results.indicators)
    others = [r.results.indicators.set_index("id") for r in runs]
    rows, changed = [], []
    for _i, row in ref.iterrows():
        out: dict[str, str] = {"指标 indicator": f"{row['indicator_zh']} {row['indicator_en']}",
                               "目标 target": str(row["target_as_given"] or "")}  # fmt: skip
        statuses, values = [], []
        for name, ind in zip(names, others, strict=True):
            if row["id"] not in ind.index:
                out[f"{name} 值 value"], out[f"{name} 状态 status"] = "", "无此指标 not in this scenario"
                continue
            r = ind.loc[row["id"]]
            shown = _as_given(pd.Series({**r.to_dict(), "target_as_given": row["target_as_given"]}))
            binds = "（约束 binds）" if r.get("binding") is True else ""
            out[f"{name} 值 value"] = shown
            out[f"{name} 状态 status"] = status_label(r["status"]) + binds
            statuses.append(r["status"])
            values.append(r["value"])
        nums = [float(v) for v in values if isinstance(v, int | float) and v == v]
        moved = len(nums) > 1 and max(nums) - min(nums) > 1e-6 * max(1.0, max(abs(x) for x in nums))
        changed.append(len(set(statuses)) > 1 or moved)
        rows.append(out)
    return pd.DataFrame(rows), changed


def _sectors(runs: list[Any]) -> pd.DataFrame:
    per = {r.scenario.name: r.results.balance.groupby(["sector", "sector_zh"])[["demand_10k_m3", "supplied_10k_m3",
                                                                               "shortage_10k_m3"]].sum()
           for r in runs}  # fmt: skip
    keys = list(dict.fromkeys(k for df in per.values() for k in df.index))
    rows = []
    ref = runs[0].scenario.name
    for sector, zh in keys:
        out: dict[str, object] = {"部门 sector": sector_label(sector, zh)}
        for name, df in per.items():
            d, s = (float(df.at[(sector, zh), c]) if (sector, zh) in df.index else 0.0
                    for c in ("demand_10k_m3", "supplied_10k_m3"))  # fmt: skip
            out[f"{name} 缺水 shortage (万m³)"] = d - s
            out[f"{name} 满足率 coverage"] = pct(s / d if d else 1.0)
            if name != ref:
                base = per[ref]
                d0 = float(base.at[(sector, zh), "demand_10k_m3"]) if (sector, zh) in base.index else 0.0
                s0 = float(base.at[(sector, zh), "supplied_10k_m3"]) if (sector, zh) in base.index else 0.0
                out[f"{name} − {ref} 缺水变化 change (万m³)"] = (d - s) - (d0 - s0)
        rows.append(out)
    return pd.DataFrame(rows)


def county_coverage(runs: list[Any]) -> pd.DataFrame:
    """Coverage by county in each run (index adcode; columns the runs' names, and names)."""
    cov = {}
    names = None
    for r in runs:
        b = r.results.balance.groupby(["county", "county_zh", "county_en"])[["demand_10k_m3", "supplied_10k_m3"]].sum()
        cov[r.scenario.name] = (b["supplied_10k_m3"] / b["demand_10k_m3"].where(b["demand_10k_m3"] > 0)).fillna(1.0)
        names = b.index
    df = pd.DataFrame(cov)
    return df.reset_index().set_index("county") if names is not None else df


def _counties(runs: list[Any]) -> pd.DataFrame:
    """Coverage by county, the counties that moved most first."""
    cov = county_coverage(runs)
    names = [r.scenario.name for r in runs]
    ref = names[0]
    delta = pd.DataFrame({n: cov[n] - cov[ref] for n in names[1:]})
    order = delta.abs().max(axis=1).sort_values(ascending=False, kind="stable").index if len(names) > 1 else cov.index
    rows = []
    for a in order:
        out: dict[str, object] = {"县区 county": f"{cov.at[a, 'county_zh']} {cov.at[a, 'county_en']}"}
        for n in names:
            out[f"{n} 满足率 coverage"] = pct(cov.at[a, n])
        for n in names[1:]:
            out[f"{n} − {ref} 变化 change"] = pct(delta.at[a, n], signed=True)
        rows.append(out)
    return pd.DataFrame(rows)


def _sources(runs: list[Any]) -> pd.DataFrame:
    per = {r.scenario.name: r.results.sources.groupby("source_kind")["withdrawn_10k_m3"].sum() for r in runs}
    kinds = list(dict.fromkeys(k for s in per.values() for k in s.index))
    ref = runs[0].scenario.name
    rows = []
    for k in kinds:
        out: dict[str, object] = {"水源 source kind": kind_label(str(k))}
        for n, s in per.items():
            out[f"{n} 取水 withdrawn (万m³)"] = float(s.get(k, 0.0))
        for n, s in list(per.items())[1:]:
            out[f"{n} − {ref} 变化 change (万m³)"] = float(s.get(k, 0.0)) - float(per[ref].get(k, 0.0))
        rows.append(out)
    return pd.DataFrame(rows)


def _direction(d: pd.DataFrame, gw: pd.DataFrame) -> str:
    """Runs of different years: the targets the plan moves one way year on year (``d``,
    :func:`waterplan.compare.against_direction`) and each county's groundwater (``gw``), the moves
    against the plan shaded."""
    if d.empty and gw.empty:
        return ""
    years = [c for c in d.columns if c.endswith(")")]
    shown = pd.DataFrame({
        "指标 target": d["id"] + " " + d["indicator_zh"],
        "规划方向 plan's direction": d["direction"].map({"falling": "逐年下降 falling", "rising": "逐年上升 rising"}),
        **{f"{c} (万m³)": [num(v, 0) for v in d[c]] for c in years},
        "逆规划方向 against the plan": ["是 yes" if a else "否 no" for a in d["against_plan"]],
    }) if len(d) else pd.DataFrame()  # fmt: skip
    gcols = [c for c in gw.columns if c != "rises"]
    names = county_table().set_index("adcode")["name_zh"] if len(gw) else pd.Series(dtype=str)
    county = pd.DataFrame({
        "县区 county": [f"{names.get(k, k)} {k}" for k in gw.index],
        **{f"{c} (万m³)": [num(v, 0) for v in gw[c]] for c in gcols},
        "上升 rises (压采 cuts it)": ["是 yes" if a else "否 no" for a in gw["rises"]],
    }) if len(gw) else pd.DataFrame()  # fmt: skip
    return (
        "<h2>逆规划方向 Against the plan's direction (year on year)</h2>"
        + (table(shown, highlight=list(d["against_plan"])) if len(shown) else "")
        + "<p>各县地下水开采量 Groundwater withdrawn by county:</p>"
        + (table(county, highlight=list(gw["rises"])) if len(county) else "")
    )


def _diff(name: str) -> str:
    return f"diff_{file_stem(name)}.html"


def compare_html(
    runs: list[Any],
    chart: bytes,
    diff_maps: dict[str, bytes],
    direction: pd.DataFrame | None = None,
    groundwater: pd.DataFrame | None = None,
) -> str:
    """The comparison as one self-contained page (no scripts; charts and difference maps embedded)."""
    e = html.escape
    names = [r.scenario.name for r in runs]
    targets, changed = _targets(runs)
    none = pd.DataFrame()
    moves = _direction(direction if direction is not None else none, groundwater if groundwater is not None else none)
    maps = "".join(
        figure(png, f"coverage {n} − {names[0]}", width=900)
        + f"<p class='note'>交互式 Interactive: <a href='{e(_diff(n))}'>{e(_diff(n))}</a></p>"
        for n, png in diff_maps.items()
    )
    body = (
        f"<p>参照方案 Reference: <b>{e(names[0])}</b>; 变化 changes are each scenario less the reference. "
        f"标黄的行 Rows shaded yellow changed.</p>{illustrative()}"
        f"<h2>方案 Scenarios</h2>{table(_scenarios(runs))}"
        f"<h2>指标对比 Targets side by side</h2>{table(targets, highlight=changed)}"
        f"<h2>各部门 Balance by sector</h2>{table(_sectors(runs))}{figure(chart, 'shortage by sector', width=900)}"
        f"<h2>各县满足率 Coverage by county (largest change first)</h2>"
        f"{long_table(_counties(runs), 10, 'counties 县区')}"
        f"<h2>水源结构 Source mix (万m³/yr withdrawn)</h2>{table(_sources(runs))}"
        f"{moves}"
        f"<h2>差异图 Difference maps of coverage</h2>{maps or '<p class=note>只有一个方案 one scenario only.</p>'}"
        "<p class='note'>表格 Tables: compare_sectors.csv, compare_counties.csv, compare_sources.csv, "
        "compare_targets.csv, compare_binding.csv.</p>"
    )
    return page(" vs ".join(names), f"方案比较 Comparison: {' / '.join(names)}", body)


_ = num
