"""``waterplan new``: the files of a new city's scenario, ready to fill in QGIS and Excel.

For a city of Shanxi (by name or adcode) it writes, into a new folder:

- ``<slug>-<year>.yaml`` — the scenario, every key explained in a comment, naming the JSON Schema;
- ``network.gpkg`` — the network's ``nodes`` and ``edges`` layers (the fields of docs/gis.md; QGIS
  opens them styled, with drop-downs of the allowed kinds in their forms), with
  one groundwater node per county, placed inside it, and its wells edge to the county: a network
  that runs as it is, to be completed in QGIS (intakes, reservoirs, plants, WWTPs and the lines
  between them; a line's ends snap to the nodes they are drawn near);
- ``demands.xlsx`` — the demand table with Chinese headers, a row per county × sector;
- ``scenario.schema.json`` — the scenario file's JSON Schema, for the editor.

Every figure in them is a placeholder marked as such (zero, with a provenance that says "to fill"),
so a first run is honest: all demand short until the bureau's figures are in. An existing folder
is never written into.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from ._errors import InputError, Problem
from .boundaries import county_table, load_counties
from .i18n import tr
from .outputs import check_output_folder, staging
from .schema import scenario_schema
from .styles import input_styles, store_styles

__all__ = ["SECTORS", "new_city"]

#: the sectors a new scenario starts with: key → (name_zh, priority, accepts, return_coef, consumptive_coef)
SECTORS = {
    "domestic": ("生活", 1, ["surface", "spring", "groundwater_porous", "groundwater_karst"], 0.8, 0.3),
    "industry": ("工业", 2, ["reclaimed", "mine", "surface", "groundwater_porous", "groundwater_karst"], 0.4, 0.6),
    "municipal": ("市政杂用", 3, ["reclaimed", "surface", "groundwater_porous"], 0.0, 0.9),
    "agriculture": ("农业", 4, ["reclaimed", "mine", "surface", "groundwater_porous"], 0.0, 0.7),
    "ecology": ("生态", 5, ["reclaimed", "surface"], 0.0, 1.0),
}
PLACEHOLDER = "placeholder (illustrative): to fill with the bureau's figure"


def _city(city: str) -> pd.DataFrame:
    """The counties of a Shanxi city given by adcode or name (阳泉, 阳泉市, Yangquan, 140300)."""
    t = county_table()
    t = t[t["province_zh"] == "山西省"]
    key = str(city).strip()
    hit = t[
        (t["city_adcode"] == key)
        | (t["city_zh"] == key)
        | (t["city_zh"].str.removesuffix("市") == key.removesuffix("市"))
        | (t["city_en"].str.lower().str.removesuffix(" city") == key.lower().removesuffix(" city"))
    ]
    if hit.empty:
        cities = ", ".join(f"{a} {z}" for a, z in t[["city_adcode", "city_zh"]].drop_duplicates().values)
        raise InputError(
            Problem("<command line>", "CITY", city, tr("a city of Shanxi by adcode or name: {cities}", cities=cities))
        )
    return hit.sort_values("adcode")


def _inside(poly: object, at: Point) -> Point:
    """A point near ``at`` inside ``poly`` (for the end of a wells line)."""
    for dx, dy in ((0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01), (0.003, 0.003)):
        p = Point(at.x + dx, at.y + dy)
        if poly.contains(p):  # type: ignore[attr-defined]
            return p
    return Point(at.x + 1e-4, at.y)


def _layers(counties: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes, edges = [], []
    uses = ",".join(k for k, v in SECTORS.items() if "groundwater_porous" in v[2])
    for r in counties.itertuples():
        at = r.geometry.representative_point()
        gid = f"gw_{r.adcode}"
        nodes.append(
            {
                "id": gid, "name_zh": f"{r.name_zh}孔隙地下水", "name_en": f"{r.name_en} groundwater",
                "kind": "groundwater", "source_kind": "groundwater_porous", "tags": "", "county": r.adcode,
                "available": 0.0, "available_unit": "万m³", "capacity": None, "capacity_unit": "",
                "commissioned": None, "yield": None, "reclaimed_capacity": None, "reclaimed_capacity_unit": "",
                "storage": None, "storage_unit": "", "provenance": PLACEHOLDER, "geometry": at,
            }
        )  # fmt: skip
        edges.append(
            {
                "id": f"wells_{r.adcode}", "name_zh": f"{r.name_zh}地下水井群", "name_en": f"{r.name_en} wells",
                "kind": "wells", "from": gid, "to": f"county:{r.adcode}", "sectors": uses, "capacity": None,
                "capacity_unit": "", "loss": 0.0, "commissioned": None, "share": None,
                "provenance": "wells within the county (no limit besides the availability)",
                "geometry": LineString([at, _inside(r.geometry, at)]),
            }
        )  # fmt: skip
    return gpd.GeoDataFrame(nodes, crs=4326), gpd.GeoDataFrame(edges, crs=4326)


def _demands(counties: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = [
        {"县区": r.adcode, "县区名称": r.name_zh, "行业": zh, "需水量": 0.0, "单位": "万m³", "数量": None,
         "数量单位": "", "定额": None, "定额单位": "", "口径": "gross", "来源": PLACEHOLDER}
        for r in counties.itertuples()
        for zh, *_ in SECTORS.values()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _scenario_text(slug: str, city_zh: str, city_en: str, city_adcode: str, year: int) -> str:
    sectors = "\n".join(
        f"  {key}:\n    name_zh: {zh}\n    priority: {p}\n    accepts: [{', '.join(acc)}]\n"
        f"    return_coef: {rc}            # share of its use returned as wastewater (assumption: to check)\n"
        f"    consumptive_coef: {cc}       # share of its use consumed (耗水; assumption: to check)"
        for key, (zh, p, acc, rc, cc) in SECTORS.items()
    )
    return _TEXT.format(
        slug=slug,
        city_zh=city_zh,
        city_en=city_en,
        city_adcode=city_adcode,
        year=year,
        sectors=sectors,
        COOKBOOK_LEVERS=_commented(COOKBOOK_LEVERS),
        COOKBOOK_CONSTRAINTS=_commented(COOKBOOK_CONSTRAINTS),
        COOKBOOK_TARGETS=_commented(COOKBOOK_TARGETS),
    )


_TEXT = """# yaml-language-server: $schema=scenario.schema.json
# {city_zh} {year} — a new scenario written by `waterplan new`. Every figure is a PLACEHOLDER until
# the bureau's own is filled in; `waterplan validate {slug}-{year}.yaml` checks it, `waterplan run` solves it.
# The keys are described in scenario.schema.json beside this file (an editor with a YAML language
# server completes and checks them) and in docs/data.md.

name: {slug}-{year}                      # the run's name (folders, layers)
title_zh: {city_zh} {year} 年水资源配置        # the report's and the map's title
title_en: {city_en} {year} water allocation
plan: ""                                  # the plan the targets come from (document, date)
year: {year}                              # the planning year: assets commissioned later are left out
study_area: {{city: "{city_adcode}"}}      # or counties: [adcode, …]
network: network.gpkg                     # layers nodes and edges: draw them in QGIS (docs/gis.md)
snap_tolerance_m: 100                     # an edge without from/to snaps to the node within this many metres
demands: demands.xlsx                     # county × sector demand (Chinese or English headers)

# Levers (the plan's efficiency targets) and the economy (for the intensity targets); uncomment:
{COOKBOOK_LEVERS}

# Sectors: priority 1 is served first; a sector takes only the source kinds it `accepts`, in the
# order it `prefers` (default: as accepted). Source kinds: yellow_mainstem, yellow_tributary,
# surface, spring, groundwater_porous, groundwater_karst, reclaimed, mine, rainwater.
sectors:
{sectors}

# Policy targets of the plan, written the way the plan words them (docs/data.md: type, attribute,
# measure, year, listing). Each kind the plans use has an example below, commented out: delete
# "[]", uncomment the ones the plan has, and put the plan's figure, unit and clause in.
constraints: []
{COOKBOOK_CONSTRAINTS}
# Targets the report computes or lists without a row in the model (intensities, rules the
# allocation must keep, targets not modelled with the reason). Examples, commented out:
targets: []
{COOKBOOK_TARGETS}
"""


#: an example of every kind of target the plans use, as the scaffold writes it (commented out); the
#: clauses are Taiyuan's plan (太原市落实“四水四定”行动方案), as a model of how to cite
COOKBOOK_CONSTRAINTS = """\
  # 用水总量 — a total cap, 约束性 ("控制在…以内"), measured at the source:
  - id: total
    name_zh: 用水总量
    name_en: Total water use
    type: cap
    rank: hard                # a red line (红线): held above every demand
    attribute: binding        # 约束性 (附件1 lists it so)
    measure: withdrawal
    value: 10.47
    unit: 亿m³
    clause: "附件1 #1"
  # 地下水用水量 — a groundwater cap, falling year on year (压采):
  - id: groundwater
    name_zh: 地下水用水量
    name_en: Groundwater use
    type: cap
    attribute: binding
    direction: falling
    measure: withdrawal
    sources: {kinds: [groundwater_porous, groundwater_karst]}
    value: 1.5
    unit: 亿m³
    clause: "附件1 #2; (三)12"
  # 黄河干流水 — a planned allocation of one source (配置…; it may shift in wet and dry years):
  - id: yellow
    name_zh: 黄河干流水
    name_en: Yellow River mainstem water
    type: allocation
    measure: withdrawal
    sources: {kinds: [yellow_mainstem]}
    value: 4.83
    unit: 亿m³
    clause: "(一)5"
  # 耗水量 — a consumption cap (耗水: the consumed share of use):
  - id: consumption
    name_zh: 耗水总量
    name_en: Water consumed
    type: cap
    measure: consumption
    value: 6.0
    unit: 亿m³
    clause: "(the plan's clause)"
  # 城市再生水利用率 — a ratio floor: reclaimed water released ÷ wastewater collected ≥ 30 %:
  - id: reclaimed-rate
    name_zh: 城市再生水利用率
    name_en: Urban reclaimed-water utilisation rate
    type: ratio_floor
    attribute: expected       # 预期性 ("力争达到")
    numerator: {measure: withdrawal, sources: {kinds: [reclaimed]}}
    denominator: {measure: wastewater}
    value: 30
    unit: "%"
    clause: "附件1 #12; (四)17"
  # 再生水回用 — an earmark: at least this much of a source to named counties and sectors:
  - id: earmark
    name_zh: 再生水回用（生态补水及电厂）
    name_en: Reclaimed water earmarked for ecology and a power plant
    type: floor
    measure: intake
    sources: {kinds: [reclaimed]}
    sectors: [ecology, industry]
    value: 1700
    unit: 万m³
    clause: "(四)17"
  # 利用量达到 — a level to reach (达到 is not a cap: pursued as far as the network allows):
  - id: surface-level
    name_zh: 地表水利用量
    name_en: Surface water use (level to reach)
    type: level
    measure: withdrawal
    sources: {kinds: [yellow_mainstem, surface]}
    value: 6.68
    unit: 亿m³
    clause: "(五)18"
  # 农业用水总量 — a sector cap, counted gross at the source (用水量), from a given year:
  - id: agriculture
    name_zh: 农业用水总量
    name_en: Agricultural water use
    type: cap
    measure: use
    sectors: [agriculture]
    value: 1.4
    unit: 亿m³
    year: 2027
    clause: "(三)9"
"""

COOKBOOK_TARGETS = """\
  # 万元地区生产总值用水量下降幅度 — an intensity (needs `economy:` with the base year's GDP and use):
  - id: gdp-intensity
    name_zh: 万元地区生产总值用水量下降幅度
    name_en: Water per 万元 GDP reduction
    unit: "%"
    target: "≥ 7"
    attribute: binding
    indicator: gdp_intensity_reduction
    relation: ">="
    value: 7
    clause: "附件1 #3"
  # the standard rules (checked from the allocation; a rule broken is listed in the report):
  - id: domestic-first
    name_zh: 优质水源优先保障城乡居民生活
    name_en: Domestic use first
    unit: "-"
    target: rule
    status: rule
    reason: domestic has priority 1
    rule: {check: priority, sectors: [domestic]}
    clause: "(一)5"
  - id: surface-first
    name_zh: 地表水优先，地下水压采
    name_en: Surface water before groundwater
    unit: "-"
    target: rule
    status: rule
    reason: groundwater is every sector's last source
    rule: {check: last_resort, sectors: [domestic, industry, municipal, agriculture, ecology],
           kinds: [groundwater_porous, groundwater_karst]}
    clause: "(三)12"
  - id: reclaimed-first
    name_zh: 工业生产优先配置再生水、疏干水
    name_en: Industry takes reclaimed and mine water first
    unit: "-"
    target: rule
    status: rule
    reason: reclaimed and mine water go to industry first
    rule: {check: takes_first, sectors: [industry], kinds: [reclaimed, mine]}
    clause: "(一)5"
  # a target the model does not decide, listed with the reason:
  - id: irrigation-area
    name_zh: 高效节水灌溉面积
    name_en: Efficient irrigation area built
    unit: 万亩
    target: "5"
    status: not_modelled
    reason: a construction target; its water effect is in levers.irrigation_efficiency
    clause: "(三)10"
"""

#: the levers and the economy a new scenario may set (commented out in the scaffold)
COOKBOOK_LEVERS = """\
levers:
  irrigation_efficiency: {value: 0.60, clause: "附件1 #11"}   # 农田灌溉水有效利用系数
  network_leakage: {value: 0.08, clause: "附件1 #6", applies_to: [domestic, municipal]}   # 公共供水管网漏损率
economy:
  base:
    year: 2025
    gdp: {value: 5378.6, unit: 亿元, source: "statistical yearbook"}
    industrial_va: {value: 1500, unit: 亿元, source: "statistical yearbook"}
    total_use: {value: 7.53, unit: 亿m³, source: "water resources bulletin"}
    industry_use: {value: 12801, unit: 万m³, source: "water resources bulletin"}
  gdp: {value: 7029.5, unit: 亿元, source: "the plan's growth assumption"}
  industrial_va: {value: 2007.3, unit: 亿元, source: "the plan's growth assumption"}
"""


def _commented(block: str) -> str:
    """``block`` commented out line by line: removing "# " (an editor's toggle) gives it back."""
    return "\n".join(f"# {line}" for line in block.rstrip("\n").splitlines())


def new_city(city: str, out: str | Path, *, year: int = 2030) -> Path:
    """Write a new city's scenario, network GeoPackage and demand workbook into the new folder ``out``.

    Parameters
    ----------
    city
        A city of Shanxi by adcode or name (``"140300"``, ``"阳泉"``, ``"阳泉市"``, ``"Yangquan"``).
    out
        A folder that does not exist yet, or is empty (nothing is ever written over).
    year
        The planning year.

    Returns
    -------
    pathlib.Path
        The scenario file.
    """
    out = Path(out)
    check_output_folder(out, force=False)  # a new or empty folder: nothing is ever written over
    table = _city(city)
    city_adcode, city_zh, city_en = table.iloc[0][["city_adcode", "city_zh", "city_en"]]
    counties = load_counties(list(table["adcode"]))
    slug = str(city_en).lower().removesuffix(" city").replace(" ", "-")
    with staging(out) as tmp_parent:
        tmp = tmp_parent / out.name
        tmp.mkdir()
        nodes, edges = _layers(counties)
        for name, gdf in (("nodes", nodes), ("edges", edges)):
            gdf.to_file(tmp / "network.gpkg", layer=name, driver="GPKG", engine="pyogrio")
        store_styles(tmp / "network.gpkg", input_styles())
        _demands(counties).to_excel(tmp / "demands.xlsx", index=False, sheet_name="需水 demands")
        schema = json.dumps(scenario_schema(), ensure_ascii=False, indent=2) + "\n"
        (tmp / "scenario.schema.json").write_text(schema, encoding="utf-8")
        scenario = tmp / f"{slug}-{year}.yaml"
        scenario.write_text(_scenario_text(slug, city_zh, city_en, city_adcode, year), encoding="utf-8")
        # no output marker: these files are the user's to edit, and no later --force may replace them
        check_output_folder(out, force=False)
        if out.exists():
            out.rmdir()  # empty, checked above
        tmp.rename(out)
    return out / scenario.name
