"""Charts of an annual run for the report: the source mix and the shortage by county × sector.

Drawn with matplotlib's object API (no pyplot: no backend or other global state is changed), in a
CJK font shipped with the dependencies (Noto Sans SC).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .printmap import font_rc
from .results import Results

__all__ = ["annual_charts", "chart_style", "png"]

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


#: the source kinds in Chinese
KIND_ZH = {
    "yellow_mainstem": "黄河干流",
    "yellow_tributary": "黄河支流",
    "surface": "地表水",
    "spring": "泉水",
    "groundwater_porous": "孔隙地下水",
    "groundwater_karst": "岩溶地下水",
    "reclaimed": "再生水",
    "mine": "矿井水",
}


def png(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
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
