"""Every chart of the reports: an annual run's (source mix, shortage by county × sector), a monthly
run's (storage, monthly shortage, guarantee rates, exceedance of yearly shortage), a comparison's
(shortage by sector, difference maps on a symmetric scale) and an ensemble's (risk map, exceedance).

Drawn with matplotlib's object API (no pyplot: no backend or other global state is changed), in a
CJK font shipped with the dependencies (Noto Sans SC).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .boundaries import county_table, load_counties
from .monthly.results import MonthlyResult, storage_table
from .palette import KIND_ZH
from .printmap import PNG_COMPRESS_LEVEL, font_rc
from .results import Results

__all__ = [
    "annual_charts",
    "chart_style",
    "compare_chart",
    "diff_span",
    "difference_map_png",
    "ensemble_charts",
    "monthly_charts",
    "png",
]

#: a colour per source kind (surface blues, groundwater browns, non-conventional greens)
KIND_COLOURS = {
    "yellow_mainstem": "#1f4e9c",
    "yellow_tributary": "#3b6fb6",
    "surface": "#6baed6",
    "spring": "#9ecae1",
    "groundwater_porous": "#bf812d",
    "groundwater_karst": "#8c510a",
    "reclaimed": "#1b9e77",
    "mine": "#66a61e",
}


def png(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


def chart_style() -> dict[str, Any]:
    """matplotlib settings for the charts (the shipped CJK font)."""
    return font_rc()


def annual_charts(results: Results) -> dict[str, bytes]:
    """PNG charts of an annual run: ``source_mix`` (withdrawal by source kind) and ``shortage``
    (shortage by county, stacked by sector)."""
    out: dict[str, bytes] = {}
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        mix = results.sources.groupby("source_kind")["withdrawn_10k_m3"].sum().sort_values()
        mix = mix[mix > 0.5]
        fig = Figure(figsize=(7, 0.45 * len(mix) + 1.2), layout="constrained")
        ax = fig.subplots()
        labels = [f"{KIND_ZH.get(k, k)} {k}" for k in mix.index]
        ax.barh(labels, mix.to_numpy() / 1e4, color=[KIND_COLOURS.get(k, "#999999") for k in mix.index])
        ax.set_xlabel("取水 withdrawal (亿m³)")
        ax.set_title("水源结构 Source mix")
        out["source_mix"] = png(fig)
        b = results.balance
        short = b.pivot_table(index="county_zh", columns="sector_zh", values="shortage_10k_m3", aggfunc="sum")
        short = short.loc[:, short.sum() > 0.5]
        fig = Figure(figsize=(8, 3.8), layout="constrained")
        ax = fig.subplots()
        if short.shape[1]:
            bottom = np.zeros(len(short))
            for sector in short.columns:
                ax.bar(short.index, short[sector].to_numpy(), bottom=bottom, label=sector)
                bottom += short[sector].to_numpy()
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "无缺水 no shortage", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("缺水 shortage (万m³)")
        ax.set_title("各县缺水 Shortage by county and sector")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        out["shortage"] = png(fig)
    return out


def monthly_charts(res: MonthlyResult, guarantee: pd.DataFrame) -> dict[str, bytes]:
    """PNG charts: reservoir storage, monthly shortage by sector, guarantee rates by county × sector,
    and the exceedance curve of yearly shortage."""
    storage = storage_table(res)
    out: dict[str, bytes] = {}
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        if len(storage):
            fig = Figure(figsize=(10, 3.6), layout="constrained")
            ax = fig.subplots()
            for (_r, name), g in storage.groupby(["reservoir", "name_zh"]):
                ax.plot(pd.to_datetime(g["period"]), g["storage_10k_m3"], lw=0.9, label=name)
            ax.set_ylabel("蓄水量 storage (万m³)")
            ax.set_title("水库蓄水过程 Reservoir storage")
            ax.legend(fontsize=8)
            out["storage"] = png(fig)
        # shortage by month × sector from the month × demand frame (the balance table is not built)
        sector_zh = [res.scenario.spec.sectors[res.graph.nodes[d]["sector"]].name_zh for d in res.shortage.columns]
        short = res.shortage.T.groupby(sector_zh, sort=True).sum().T
        fig = Figure(figsize=(10, 3.6), layout="constrained")
        ax = fig.subplots()
        ax.stackplot(pd.to_datetime(short.index), short.T.to_numpy(), labels=list(short.columns), alpha=0.85)
        ax.set_ylabel("缺水 shortage (万m³/月)")
        ax.set_title("逐月缺水 Monthly shortage by sector")
        ax.legend(fontsize=8, ncol=3)
        out["shortage"] = png(fig)
        total = res.shortage.sum(axis=1)
        yearly = total.groupby(total.index.str[:4]).sum().sort_values(ascending=False).to_numpy()
        p = np.arange(1, len(yearly) + 1) / (len(yearly) + 1)  # Weibull plotting position
        fig = Figure(figsize=(6, 3.6), layout="constrained")
        ax = fig.subplots()
        ax.plot(p * 100, yearly, marker="o", ms=3)
        ax.set_xlabel("超过概率 exceedance probability (%)")
        ax.set_ylabel("年缺水 yearly shortage (万m³)")
        ax.set_title("年缺水频率曲线 Exceedance of yearly shortage")
        out["exceedance"] = png(fig)
        out["guarantee"] = _guarantee_chart(res, guarantee)
    return out


#: at most this many county × sector bars in the guarantee chart (the lowest against their target)
_MAX_BARS = 30


def _guarantee_chart(res: Any, guarantee: pd.DataFrame) -> bytes:
    """The county × sector guarantee rates that have a target, the lowest against it first (at most
    30 bars, labels at 9 pt), each with its target marked."""
    names = county_table().set_index("adcode")["name_zh"]
    sectors = res.scenario.spec.sectors
    g = guarantee[guarantee["target_years"].notna()] if guarantee["target_years"].notna().any() else guarantee
    g = g.assign(gap=g["years_fully_supplied"] - g["target_years"].fillna(0.0)).sort_values("gap").head(_MAX_BARS)
    g = g.iloc[::-1]
    labels = [f"{names.get(c, c)} {sectors[s].name_zh}" for c, s in zip(g["county"], g["sector"], strict=True)]
    fig = Figure(figsize=(8, max(2.6, 0.32 * len(g) + 1.0)), layout="constrained")
    ax = fig.subplots()
    ax.barh(labels, g["years_fully_supplied"] * 100, color="#2c7bb6")
    has = g["target_years"].notna().to_numpy()
    if has.any():
        ax.scatter(g["target_years"][has] * 100, [lb for lb, h in zip(labels, has, strict=True) if h], marker="|",
                   color="#d7191c", s=140, linewidths=2, label="目标 target", zorder=3)  # fmt: skip
        ax.legend(fontsize=9, loc="lower right")
    ax.set_xlim(0, 105)
    ax.set_xlabel("保证率 share of years fully supplied (%)")
    ax.set_title("供水保证率 Supply guarantee rates (lowest against target first)")
    ax.tick_params(axis="y", labelsize=9)
    return png(fig)


def compare_chart(short: pd.DataFrame) -> bytes:
    """A grouped bar chart of the shortage (万m³) by sector (rows: sector labels) in each scenario (columns)."""
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(9, 3.8), layout="constrained")
        ax = fig.subplots()
        width = 0.8 / max(1, short.shape[1])
        x = np.arange(len(short))
        for i, name in enumerate(short.columns):
            ax.bar(x + i * width, short[name].to_numpy(), width=width, label=name)
        ax.set_xticks(x + width * (short.shape[1] - 1) / 2, list(short.index), fontsize=9)
        ax.set_ylabel("缺水 shortage (万m³)")
        ax.set_title("各方案缺水 Shortage by sector and scenario")
        ax.legend(fontsize=9)
        return png(fig)


#: the half-widths a difference map's scale takes (a share: 0.05 = 5 percentage points)
_SPANS = (0.05, 0.1, 0.2, 0.5, 1.0)


def diff_span(diff: pd.Series) -> float:
    """The half-width of a difference map's symmetric scale: the smallest of ±5, 10, 20, 50, 100
    percentage points that holds every county (a change of 2 points stays pale)."""
    top = float(diff.abs().max()) if len(diff.dropna()) else 0.0
    return next((s for s in _SPANS if top <= s + 1e-12), _SPANS[-1])


def difference_map_png(diff: pd.Series, *, label: str) -> bytes:
    """A county map of a coverage difference (index adcode; shares), red lower, green higher, on a
    symmetric scale centred on zero (:func:`diff_span`), each county named with its change."""
    from matplotlib.colors import TwoSlopeNorm

    span = diff_span(diff)
    gdf = load_counties(sorted(diff.index))
    gdf["diff"] = gdf["adcode"].map(diff) * 100
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(7.5, 6.5), layout="constrained")
        ax = fig.subplots()
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-span * 100, vmax=span * 100)
        gdf.plot(ax=ax, column="diff", cmap="RdYlGn", norm=norm, edgecolor="#333333", linewidth=0.6,
                 legend=True, legend_kwds={"label": "满足率变化 change of coverage (percentage points)",
                                           "shrink": 0.7})  # fmt: skip
        for r in gdf.itertuples():
            q = r.geometry.representative_point()
            ax.annotate(f"{r.name_zh}\n{r.diff:+.1f}", (q.x, q.y), ha="center", va="center", fontsize=8)
        ax.set_title(label, fontsize=11)
        ax.set_axis_off()
        return png(fig)


def _risk_map(summary: pd.DataFrame) -> bytes:
    """Per variant, each county coloured by the highest probability, over its sectors, of missing a
    guarantee target (two maps a row, each about 550 px wide)."""
    risk = summary.dropna(subset=["p_miss_target"]).groupby(["variant", "county"])["p_miss_target"].max()
    variants = list(dict.fromkeys(risk.index.get_level_values(0)))
    counties = load_counties(sorted(set(summary["county"].astype(str))))
    cols = min(2, len(variants))
    rows = -(-len(variants) // cols)
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(5.2 * cols, 5.0 * rows), layout="constrained")
        for k, v in enumerate(variants):
            ax = fig.add_subplot(rows, cols, k + 1)
            gdf = counties.assign(p=counties["adcode"].map(risk.loc[v]) * 100)
            gdf.plot(ax=ax, column="p", cmap="Reds", vmin=0.0, vmax=100.0, edgecolor="#333333", linewidth=0.5,
                     legend=True, legend_kwds={"label": "未达目标概率 P(miss) %", "shrink": 0.7},
                     missing_kwds={"color": "#eeeeee"})  # fmt: skip
            for r in gdf.itertuples():
                q = r.geometry.representative_point()
                ax.annotate(str(r.name_zh), (q.x, q.y), ha="center", fontsize=8)
            ax.set_title(f"{v}: 未达保证率目标的概率 P(miss a guarantee target)", fontsize=10)
            ax.set_axis_off()
        return png(fig)


def _exceedance(s: pd.DataFrame) -> bytes:
    """The exceedance curve of yearly shortage (all counties) over member-years, one line a variant."""
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(8, 4), layout="constrained")
        ax = fig.add_subplot()
        for variant, grp in s.groupby("variant"):
            total = np.sort(grp.groupby(["member", "year"])["shortage_10k_m3"].sum().to_numpy())[::-1]
            ax.plot(np.arange(1, len(total) + 1) / (len(total) + 1) * 100, total, label=str(variant))
        ax.set_xlabel("超过概率 exceedance probability (% of member-years)")
        ax.set_ylabel("年缺水 yearly shortage (万m³)")
        ax.set_title("年缺水频率曲线 Exceedance of yearly shortage")
        ax.legend(fontsize=9)
        return png(fig)


def ensemble_charts(summary: pd.DataFrame, shortage_yearly: pd.DataFrame) -> dict[str, bytes]:
    """An ensemble's ``risk`` map (where a guarantee target exists) and ``exceedance`` curve."""
    out = {}
    if not shortage_yearly.empty:
        out["exceedance"] = _exceedance(shortage_yearly)
    if len(summary) and summary["p_miss_target"].notna().any():
        out["risk"] = _risk_map(summary)
    return out
