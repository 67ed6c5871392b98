"""The project's shared vocabulary of kinds, colours and classes: node and edge kinds, each
indicator's colours and class edges, each node kind's colour — one scheme for the web map, the
print map and the QGIS styles. Light: no mapping or GIS stack is imported here."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = [
    "CHOROPLETHS",
    "CLASS_BOUNDS",
    "EDGE_KINDS",
    "KIND_ZH",
    "NODE_COLOURS",
    "NODE_KINDS",
    "SURFACE_KINDS",
    "class_bounds",
    "class_colour",
    "class_labels",
]

NODE_KINDS = (
    "intake",
    "reservoir",
    "spring",
    "wellfield",
    "groundwater",
    "mine",
    "plant",
    "wwtp",
    "junction",
    "outlet",
)
EDGE_KINDS = ("trunk", "canal", "river", "pipeline", "distribution", "reclaimed_pipe", "wells", "sewer")
SURFACE_KINDS = {"yellow_mainstem", "yellow_tributary", "surface", "spring"}

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
    "rainwater": "雨水",
}
#: variable → (Chinese label, English label, colours low → high, fixed range or None for data range)
CHOROPLETHS = {
    "coverage": (
        "供水满足率",
        "Coverage (supplied / demand)",
        ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"],
        (0.5, 1.0),
    ),
    "shortage_10k_m3": (
        "缺水量（万m³）",
        "Shortage (10⁴ m³)",
        ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"],
        None,
    ),
    "reclaimed_share": (
        "非常规水占比",
        "Reclaimed and mine water share",
        ["#f7fcf5", "#c7e9c0", "#74c476", "#238b45", "#00441b"],
        (0.0, 1.0),
    ),
    "groundwater_share": (
        "地下水占比",
        "Groundwater share",
        ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"],
        (0.0, 1.0),
    ),
}
#: the colour of each node kind, on the web map, the print map and in QGIS
NODE_COLOURS = {
    "intake": "#1f4e9c",
    "reservoir": "#1f78b4",
    "spring": "#33a0c8",
    "wellfield": "#8c510a",
    "groundwater": "#bf812d",
    "mine": "#4d4d4d",
    "plant": "#6a3d9a",
    "wwtp": "#1b9e77",
    "outlet": "#999999",
}

#: class edges of each indicator's colours, shared by the web map, the print map and the QGIS
#: styles (one scheme per indicator); None: five equal classes up to the largest value
CLASS_BOUNDS: dict[str, list[float] | None] = {
    "coverage": [0.0, 0.6, 0.8, 0.9, 0.99, 1.0001],
    "shortage_10k_m3": None,
    "reclaimed_share": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0001],
    "groundwater_share": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0001],
}


def class_bounds(var: str, values: pd.Series | None = None) -> list[float]:
    """The class edges of an indicator (from the data where the indicator has no fixed classes)."""
    fixed = CLASS_BOUNDS[var]
    if fixed is not None:
        return fixed
    top = float(values.max()) if values is not None and len(values.dropna()) else 1.0
    top = max(top, 1.0)
    return [top * i / 5 for i in range(5)] + [top * 1.0001]


def class_colour(var: str, value: float, bounds: list[float]) -> str:
    """The colour of a value: the colour of its class (values beyond the edges take the end class)."""
    colours = CHOROPLETHS[var][2]
    i = int(np.searchsorted(bounds, value, side="right")) - 1
    return colours[min(max(i, 0), len(colours) - 1)]


def class_labels(var: str, bounds: list[float]) -> list[str]:
    """The legend's label of each class."""
    if var == "shortage_10k_m3":
        return [f"{a:,.0f} – {b:,.0f}" for a, b in itertools.pairwise(bounds)]
    out = [f"{a:.0%} – {min(b, 1.0):.0%}" for a, b in itertools.pairwise(bounds)]
    if var == "coverage":
        out = ["< 60%", "60–80%", "80–90%", "90–99%", "≥ 99%"]
    return out
