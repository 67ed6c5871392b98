"""Write gis/jincheng/{nodes,edges}.geojson (one feature per line).

Jincheng's network from seed 002 and shared/reference/data-sources.md: the 张峰水库 diversion
(1 亿m³/yr, 3.49 m³/s, to 城区, 泽州, 阳城, 沁水), the 三姑泉 spring area with its overdraft
zones (高平 295 万m³ allowed; 城郊 3,760: 巴公 720, 北石店 1,230, 市区 1,810), the 延河泉 spring
area, the 沁河 and 丹河, porous groundwater, mine water, the city WWTP, an industrial-park WWTP
and county WWTPs. Positions are approximate (county seats or the named place).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _layers import (
    C,
    county_edges,
    county_point_nodes,
    reclaimed_edges,
    sewer_edges,
    wells_and_mine_edges,
    write_layers,
)

from waterplan.boundaries import county_table

NAMES = county_table().set_index("adcode")
OUT = Path(__file__).resolve().parents[1] / "gis" / "jincheng"
DS = "shared/reference/data-sources.md"
S002 = "seed 002 国家节水行动晋城实施细则"
ASSUME = "assumption (illustrative; not public): "
OVERDRAFT = f"Overdraft zone of the 三姑泉 spring system ({DS}: jizihe.com 2020-01-03)"
ALL = ["140502", "140521", "140522", "140524", "140525", "140581"]
SEAT = {
    "140502": (112.814, 35.51),
    "140521": (112.377, 35.726),
    "140522": (112.343, 35.448),
    "140524": (113.357, 35.662),
    "140525": (113.049, 35.451),
    "140581": (112.928, 35.818),
}

NODES = [
    (
        "zhangfeng_res",
        "张峰水库",
        "Zhangfeng Reservoir",
        "reservoir",
        "yellow_tributary",
        "yellow_basin,qinhe",
        "140521",
        112.30,
        35.65,
        {"available": 1.5, "available_unit": "亿m³"},
        f"On the 沁河 (a Yellow River tributary); capacity not found ({DS}). {ASSUME}1.5 亿m³/yr yield. Position approx.",
    ),
    (
        "j_zhangfeng",
        "张峰水库供水工程干线",
        "Zhangfeng diversion trunk",
        "junction",
        None,
        "",
        "140525",
        112.70,
        35.55,
        {"commissioned": 2025},
        f"1 亿m³/yr, 59.658 km, 3.49 m³/s, to 城区, 泽州, 阳城, 沁水, replacing urban groundwater ({DS}). Construction began 2023-06-30, water due end of 2024: in service from 2025, not in the 2020 and 2022 scenarios ({DS}). Position approx.",
    ),
    (
        "qinhe_yc",
        "沁河（阳城）",
        "Qin River at Yangcheng",
        "intake",
        "yellow_tributary",
        "yellow_basin,qinhe",
        "140522",
        112.50,
        35.45,
        {"available": 0.8, "available_unit": "亿m³"},
        f"{ASSUME}0.8 亿m³/yr of local 沁河 water available in 阳城 below 张峰.",
    ),
    (
        "danhe",
        "丹河",
        "Dan River",
        "intake",
        "yellow_tributary",
        "yellow_basin,danhe",
        "140581",
        112.95,
        35.70,
        {"available": 0.3, "available_unit": "亿m³"},
        f"Tributary of the 沁河; 丹河 water is part of Jincheng's Yellow River quota ({DS}). {ASSUME}0.3 亿m³/yr.",
    ),
    (
        "out_qinhe",
        "沁河出境断面",
        "Qin River outflow section",
        "outlet",
        None,
        "",
        "140522",
        112.60,
        35.25,
        {},
        "Where the 沁河 leaves Jincheng. Position approx.",
    ),
    (
        "gw_zone_gaoping",
        "三姑泉域高平超采区",
        "Sangu spring area: Gaoping overdraft zone",
        "wellfield",
        "groundwater_karst",
        "gw_karst,sangu_spring_area,overdraft_gaoping",
        "140581",
        112.95,
        35.76,
        {"available": 415, "available_unit": "万m³"},
        f"{OVERDRAFT}: 35 km², actual pumping 415 万m³/yr as available.",
    ),
    (
        "gw_zone_bagong",
        "三姑泉域巴公超采区",
        "Sangu spring area: Bagong overdraft zone",
        "wellfield",
        "groundwater_karst",
        "gw_karst,sangu_spring_area,overdraft_chengjiao,overdraft_bagong",
        "140525",
        112.90,
        35.62,
        {"available": 825, "available_unit": "万m³"},
        f"{OVERDRAFT}: 城郊 zone actual 4,308 万m³; 巴公's share {ASSUME}4,308 × 720/3,760 ≈ 825 万m³.",
    ),
    (
        "gw_zone_beishidian",
        "三姑泉域北石店超采区",
        "Sangu spring area: Beishidian overdraft zone",
        "wellfield",
        "groundwater_karst",
        "gw_karst,sangu_spring_area,overdraft_chengjiao,overdraft_beishidian",
        "140502",
        112.88,
        35.55,
        {"available": 1409, "available_unit": "万m³"},
        f"{OVERDRAFT}: 北石店's share {ASSUME}4,308 × 1,230/3,760 ≈ 1,409 万m³.",
    ),
    (
        "gw_zone_shiqu",
        "三姑泉域市区超采区",
        "Sangu spring area: city overdraft zone",
        "wellfield",
        "groundwater_karst",
        "gw_karst,sangu_spring_area,overdraft_chengjiao,overdraft_shiqu",
        "140502",
        112.84,
        35.49,
        {"available": 2074, "available_unit": "万m³"},
        f"{OVERDRAFT}: 市区's share {ASSUME}4,308 × 1,810/3,760 ≈ 2,074 万m³.",
    ),
    (
        "gw_yanhe",
        "延河泉域岩溶水",
        "Yanhe spring-area karst groundwater",
        "wellfield",
        "groundwater_karst",
        "gw_karst,yanhe_spring_area",
        "140522",
        112.40,
        35.50,
        {"available": 1500, "available_unit": "万m³"},
        f"延河泉 flows not found ({DS}). {ASSUME}1,500 万m³/yr pumpable in its spring area.",
    ),
    (
        "wwtp_city",
        "晋城市污水处理厂",
        "Jincheng city WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140502",
        112.86,
        35.47,
        {
            "capacity": 12,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 12,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Capacity not found ({DS}). {ASSUME}12 万t/d, yield 0.9.",
    ),
    (
        "wwtp_park",
        "工业集聚区污水处理厂",
        "Industrial-park WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed,industrial_park",
        "140525",
        113.00,
        35.55,
        {
            "capacity": 3,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 3,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Industrial parks build central WWTPs with reuse ({S002} 三(五)17). {ASSUME}3 万t/d, yield 0.9.",
    ),
]
COUNTY_WWTP = {"140521": 1.5, "140522": 2.5, "140524": 1.0, "140525": 2.0, "140581": 3.0}
NODES += county_point_nodes(
    COUNTY_WWTP,
    prefix="wwtp",
    kind="wwtp",
    source_kind="reclaimed",
    tags="reclaimed",
    names=NAMES,
    seat=SEAT,
    offset=(0.03, 0.02),
    name_zh="污水处理厂",
    name_en="WWTP",
    attrs=lambda cap: {
        "capacity": cap,
        "capacity_unit": "万t/d",
        "yield": 0.85,
        "reclaimed_capacity": cap,
        "reclaimed_capacity_unit": "万t/d",
    },
    provenance=ASSUME + "county WWTP(s) of {value} 万t/d together, reclaimed yield 0.85.",
)
MINES = {"140521": 2500, "140522": 2000, "140581": 2500, "140525": 2500, "140524": 500}
NODES += county_point_nodes(
    MINES,
    prefix="mine",
    kind="mine",
    source_kind="mine",
    tags="mine_water",
    names=NAMES,
    seat=SEAT,
    offset=(-0.04, 0.03),
    name_zh="矿井水",
    name_en="mine water",
    attrs=lambda v: {"available": v, "available_unit": "万m³"},
    provenance=f"Mine water, ≥ 75% to be used ({S002} 三(五)17). {ASSUME}" + "{value} 万m³/yr produced in this county.",
)

EDGES = [
    (
        "zhangfeng_trunk",
        "张峰水库供水工程",
        "Zhangfeng diversion",
        "pipeline",
        "zhangfeng_res",
        "j_zhangfeng",
        "",
        {"capacity": 3.49, "capacity_unit": "m³/s", "loss": 0.03, "commissioned": 2025},
        f"59.658 km, 3.49 m³/s, 1 亿m³/yr; built 2023–24, in service from 2025 ({DS}). {ASSUME}loss 3%.",
    ),
    (
        "zhangfeng_river",
        "沁河（张峰以下）",
        "Qin River below Zhangfeng",
        "river",
        "zhangfeng_res",
        "qinhe_yc",
        "",
        {"loss": 0.03},
        f"{ASSUME}river loss 3%.",
    ),
    (
        "qinhe_out",
        "沁河出境",
        "Qin River leaving Jincheng",
        "river",
        "qinhe_yc",
        "out_qinhe",
        "",
        {"loss": 0.0},
        "River channel.",
    ),
    (
        "qinhe_yc_use",
        "沁河引水（阳城）",
        "Qin River supply at Yangcheng",
        "canal",
        "qinhe_yc",
        C + "140522",
        "industry,agriculture,ecology",
        {"loss": 0.06},
        f"{ASSUME}loss 6%.",
    ),
    (
        "qinhe_qs_use",
        "沁河引水（沁水）",
        "Qin River supply at Qinshui",
        "canal",
        "zhangfeng_res",
        C + "140521",
        "domestic,industry,agriculture,ecology",
        {"loss": 0.06},
        f"{ASSUME}loss 6%.",
    ),
    (
        "danhe_gp",
        "丹河引水（高平）",
        "Dan River supply at Gaoping",
        "canal",
        "danhe",
        C + "140581",
        "industry,agriculture,ecology",
        {"loss": 0.06},
        f"{ASSUME}loss 6%.",
    ),
    (
        "danhe_zz",
        "丹河引水（泽州）",
        "Dan River supply at Zezhou",
        "canal",
        "danhe",
        C + "140525",
        "agriculture,ecology",
        {"loss": 0.06},
        f"{ASSUME}loss 6%.",
    ),
    (
        "danhe_city",
        "丹河（城区生态）",
        "Dan River city ecology",
        "river",
        "danhe",
        C + "140502",
        "ecology",
        {"loss": 0.02},
        f"{ASSUME}loss 2%.",
    ),
    (
        "danhe_lc",
        "丹河支流（陵川）",
        "Dan River tributaries: Lingchuan",
        "canal",
        "danhe",
        C + "140524",
        "agriculture,ecology",
        {"loss": 0.08},
        f"{ASSUME}loss 8%.",
    ),
    (
        "gaoping_zone",
        "高平超采区供水",
        "Gaoping zone wells",
        "wells",
        "gw_zone_gaoping",
        C + "140581",
        "domestic,industry",
        {"loss": 0.0},
        OVERDRAFT + ".",
    ),
    (
        "bagong_zone",
        "巴公超采区供水",
        "Bagong zone wells",
        "wells",
        "gw_zone_bagong",
        C + "140525",
        "domestic,industry",
        {"loss": 0.0},
        OVERDRAFT + ".",
    ),
    (
        "beishidian_zone",
        "北石店超采区供水",
        "Beishidian zone wells",
        "wells",
        "gw_zone_beishidian",
        C + "140502",
        "domestic,industry",
        {"loss": 0.0},
        OVERDRAFT + ".",
    ),
    (
        "shiqu_zone",
        "市区超采区供水",
        "City zone wells",
        "wells",
        "gw_zone_shiqu",
        C + "140502",
        "domestic,industry",
        {"loss": 0.0},
        OVERDRAFT + ".",
    ),
    (
        "yanhe_use",
        "延河泉域供水",
        "Yanhe spring-area wells",
        "wells",
        "gw_yanhe",
        C + "140522",
        "domestic,industry",
        {"loss": 0.0},
        "Karst wells of the 延河泉 spring area.",
    ),
]
EDGES += county_edges(
    ["140502", "140525", "140522", "140521"],
    prefix="zhangfeng",
    source="j_zhangfeng",
    kind="distribution",
    sectors="domestic,industry,municipal",
    loss=0.10,
    provenance=f"张峰 supply to 城区, 泽州, 阳城, 沁水 ({DS}); loss 10% = the leakage ceiling ({S002} 二).",
)
EDGES += wells_and_mine_edges(
    ALL,
    list(MINES),
    mine_provenance=f"Mine water to industry, irrigation and ecology ({S002} 三(五)17). {ASSUME}loss 2%.",
)
RECLAIMED = [
    (
        "wwtp_city",
        "140502",
        "industry,ecology,municipal",
        {"loss": 0.02},
        f"Reclaimed water first for irrigation and ecology/landscape ({S002} 三(五)); {ASSUME}loss 2%.",
    ),
    (
        "wwtp_city",
        "140525",
        "agriculture,industry,ecology",
        {"capacity": 4, "capacity_unit": "万t/d", "loss": 0.04},
        f"{ASSUME}a 4 万t/d line to 泽州 irrigation and industry.",
    ),
    ("wwtp_park", "140525", "industry", {"loss": 0.01}, f"Reuse inside the industrial park ({S002} 三(五)17)."),
]
for county in COUNTY_WWTP:
    RECLAIMED.append(
        (
            f"wwtp_{county}",
            county,
            "industry,ecology,municipal,agriculture",
            {"loss": 0.03},
            f"County reclaimed water ({S002} 三(五)17). {ASSUME}loss 3%.",
        )
    )
EDGES += reclaimed_edges(RECLAIMED)
SEWERS = {"140502": [("wwtp_city", 0.9)], "140525": [("wwtp_park", 0.3), ("wwtp_140525", 0.5)]}
for county in COUNTY_WWTP:
    SEWERS.setdefault(county, [(f"wwtp_{county}", 0.75)])
EDGES += sewer_edges(SEWERS, ASSUME)
COUNTY_GW = {"140502": 1200, "140521": 1800, "140522": 2200, "140524": 1500, "140525": 3500, "140581": 3500}


def main() -> None:
    write_layers(
        OUT,
        city="140500",
        nodes=NODES,
        edges=EDGES,
        county_gw=COUNTY_GW,
        name="jincheng",
        gw_provenance=f"{ASSUME}allowable pumping of the county's porous aquifer; sum {sum(COUNTY_GW.values())} "
        f"万m³ plus the karst zones vs the 1.88 亿m³ cap ({S002} 三(五)15).",
    )


if __name__ == "__main__":
    main()
