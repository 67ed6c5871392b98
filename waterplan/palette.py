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
    "EDGE_KIND_NAMES",
    "FIELD_ALIASES_ZH",
    "KIND_ZH",
    "NODE_COLOURS",
    "NODE_KINDS",
    "NODE_KIND_NAMES",
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

#: the node kinds in legends and styles: Chinese, English
NODE_KIND_NAMES = {
    "intake": ("取水口", "Intake"),
    "reservoir": ("水库", "Reservoir"),
    "spring": ("泉水", "Spring"),
    "wellfield": ("水源地（井群）", "Wellfield"),
    "groundwater": ("地下水", "Groundwater"),
    "mine": ("矿井水", "Mine water"),
    "plant": ("水厂", "Water plant"),
    "wwtp": ("污水处理厂", "WWTP"),
    "junction": ("节点", "Junction"),
    "outlet": ("退水口", "Outlet"),
}
#: the edge kinds in styles: Chinese, English
EDGE_KIND_NAMES = {
    "trunk": ("输水干线", "Trunk line"),
    "canal": ("渠道", "Canal"),
    "river": ("河道", "River"),
    "pipeline": ("输水管道", "Pipeline"),
    "distribution": ("配水管网", "Distribution"),
    "reclaimed_pipe": ("再生水管道", "Reclaimed-water pipe"),
    "wells": ("机井", "Wells"),
    "sewer": ("污水管道", "Sewer"),
}
#: a layer field's Chinese alias (QGIS shows it in the attribute table and forms)
FIELD_ALIASES_ZH = {
    "scenario": "情景", "period": "时段", "adcode": "行政区划代码", "name_zh": "名称", "name_en": "英文名",
    "city_adcode": "地市代码", "city_zh": "地市", "city_en": "地市英文名", "demand_10k_m3": "需水量（万m³）",
    "supplied_10k_m3": "供水量（万m³）", "shortage_10k_m3": "缺水量（万m³）", "coverage": "供水满足率",
    "reclaimed_share": "非常规水占比", "groundwater_share": "地下水占比", "id": "编号", "kind": "类型",
    "from": "起点", "to": "终点", "flow_10k_m3": "流量（万m³）", "loss_10k_m3": "损失量（万m³）",
    "capacity_10k_m3": "输水能力（万m³）", "utilisation": "利用率", "source_kind": "水源类型", "county": "所在县区",
    "available_10k_m3": "可供水量（万m³）", "withdrawn_10k_m3": "取水量（万m³）", "provenance": "数据来源",
    "illustrative": "示意数据", "demand_illustrative": "需水为示意数据", "years": "年数",
    "shortage_dom_10k_m3": "生活缺水量（万m³）", "shortage_ind_10k_m3": "工业缺水量（万m³）",
    "shortage_agr_10k_m3": "农业缺水量（万m³）", "shortage_mun_10k_m3": "市政杂用缺水量（万m³）",
    "shortage_eco_10k_m3": "生态缺水量（万m³）", "shortage_ecb_10k_m3": "基本生态缺水量（万m³）",
    "coverage_dom": "生活满足率", "coverage_ind": "工业满足率", "coverage_agr": "农业满足率",
    "coverage_mun": "市政杂用满足率", "coverage_eco": "生态满足率", "coverage_ecb": "基本生态满足率",
    "guarantee_dom": "生活保证率", "guarantee_ind": "工业保证率", "guarantee_agr": "农业保证率",
    "guarantee_mun": "市政杂用保证率", "guarantee_eco": "生态保证率", "guarantee_ecb": "基本生态保证率",
}  # fmt: skip

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
