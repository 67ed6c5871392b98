"""Scenario files: what a planner edits.

A scenario is a YAML file (comments allowed) naming the study area, the year, the network
layers, the demand table, the sectors with their priorities and acceptable source kinds, and
the plan's policy constraints, each with an id, the clause it comes from and a unit. It is
read and checked here; every problem is collected and reported together, naming the file,
the field and the value.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import InputError, Problem, raise_if
from .boundaries import county_table, resolve_county
from .textio import read_table, read_text
from .units import is_flow, quota_volume, to_fraction, to_model_volume

__all__ = [
    "SECTOR_NAMES",
    "SOURCE_KINDS",
    "Constraint",
    "Scenario",
    "load_scenario",
]

#: Source kinds a node's ``source_kind`` may take.
SOURCE_KINDS = (
    "yellow_mainstem",
    "yellow_tributary",
    "surface",
    "spring",
    "groundwater_porous",
    "groundwater_karst",
    "reclaimed",
    "mine",
    "rainwater",
)
SECTOR_NAMES = {
    "domestic": ("生活", "Domestic"),
    "industry": ("工业", "Industry"),
    "agriculture": ("农业", "Agriculture"),
    "ecology": ("生态", "Ecology"),
    "ecology_basic": ("基本生态", "Basic ecology"),
    "municipal": ("市政杂用", "Municipal"),
}
#: what a constraint side measures (docs/data.md, "How a target is measured"): ``withdrawal`` at the
#: source (released less what reaches an outlet); ``use`` — the plan's 用水量: a user's water counted
#: gross at the source, conveyance losses on the way included; ``intake`` — what arrives at the
#: county intake (after conveyance losses; reclaimed water at the intake is 再生水利用量: it arrives
#: only through reclaimed-water pipes); ``consumption`` — 耗水: the consumed share of use at the intake plus the
#: conveyance losses (``conveyance_losses: excluded`` leaves them out); ``wastewater`` collected at WWTPs;
#: ``available`` at the sources; ``flow`` carried on named edges.
MEASURES = ("withdrawal", "use", "intake", "consumption", "wastewater", "available", "flow")
#: constraint types: ``cap`` ≤ and ``floor`` ≥ (rows of the LP), ``ratio_floor`` (numerator ≥ value ×
#: denominator), ``level`` — a level to reach (达到): ≥, pursued after the shortages as far as the
#: network allows, its shortfall reported with what limits it; ``allocation`` — a planned split
#: (配置) that may shift (the plan's total holds): reported with its deviation, not a row of the LP
CONSTRAINT_TYPES = ("cap", "floor", "ratio_floor", "level", "allocation")
Measure = Literal["withdrawal", "use", "intake", "consumption", "wastewater", "available", "flow"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSelector(_Strict):
    ids: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Side(_Strict):
    measure: Measure
    sources: SourceSelector | None = None
    edges: list[str] | None = None
    counties: list[str | int] | None = None
    sectors: list[str] | None = None


class BaseFigure(_Strict):
    """The plan's figure for its base year (基准年), as the plan writes it."""

    year: int
    value: str
    clause: str = ""


class Listing(_Strict):
    """Where a target stands in the plan's indicator list (指标清单), for the report's layout."""

    #: 指标类型, the group the list puts it in (e.g. 总体指标, 以水定人定城, 以水定地, 以水定产)
    category: str
    #: 序号, its number in the list
    number: int | None = None
    #: the base year's figure (e.g. 2025 actual use 7.53 亿m³)
    base: BaseFigure | None = None
    #: the list's figure for each target year, as written (e.g. {2027: "≤ 9.94", 2030: "≤ 10.47"})
    years: dict[int, str] = Field(default_factory=dict)


class ConstraintSpec(_Strict):
    id: str
    name_zh: str
    name_en: str = ""
    type: Literal["cap", "floor", "ratio_floor", "level", "allocation"]
    #: 约束性 (binding) or 预期性 (expected) in the plan's own table; by default caps, floors and ratio
    #: floors are binding, levels and allocations expected
    attribute: Literal["binding", "expected"] | None = None
    #: ``plan`` — the plan's own figure; ``illustrative`` — a stand-in (shown as such in every output)
    basis: Literal["plan", "illustrative"] = "plan"
    #: the year the plan sets the figure for (default: the scenario's year)
    year: int | None = None
    measure: Measure | None = None
    #: for ``consumption``: are conveyance losses counted as consumed (the plan's 耗水) or not
    conveyance_losses: Literal["included", "excluded"] = "included"
    sources: SourceSelector | None = None
    edges: list[str] | None = None
    counties: list[str | int] | None = None
    sectors: list[str] | None = None
    numerator: Side | None = None
    denominator: Side | None = None
    value: float
    unit: str | None = None
    clause: str
    note: str = ""
    #: its place in the plan's indicator list (指标清单), where the plan lists it
    listing: Listing | None = None


class ShareOf(_Strict):
    """A sector whose demand is a share of another sector's, where the demand table has no rows of
    its own (e.g. basic ecological water as a share of the ecological demand)."""

    sector: str
    share: float = Field(gt=0.0, lt=1.0)
    source: str


class SectorSpec(_Strict):
    share_of: ShareOf | None = None
    name_zh: str
    name_en: str = ""
    priority: int = Field(ge=1)
    accepts: list[str]
    prefers: list[str] = Field(default_factory=list)
    return_coef: float = Field(default=0.0, ge=0.0, le=1.0)
    consumptive_coef: float = Field(default=1.0, ge=0.0, le=1.0)
    clause: str = ""


class LeverSpec(_Strict):
    value: float
    clause: str = ""
    note: str = ""
    applies_to: list[str] = Field(default_factory=list)


class RuleSpec(_Strict):
    """An allocation rule of the plan, checked from the results (and applied where ``binds``).

    ``check: priority`` — the ``sectors`` are served before every other sector: broken where one of
    them is short while water it accepts, which could have reached it, went to a later sector.
    ``check: takes_first`` — the ``sectors`` (in this order) take the source ``kinds`` first:
    broken where one of them takes other water while water of those kinds, which could have
    reached it, went to a user outside the rule or later in its order. ``check: last_resort`` —
    the sectors take the ``kinds`` last (groundwater last); ``check: used_first`` — water of the
    ``kinds`` is used before other water. See :mod:`waterplan.rules`.
    """

    check: Literal["priority", "takes_first", "last_resort", "used_first"]
    sectors: list[str]
    kinds: list[str] = Field(default_factory=list)
    counties: list[str | int] | None = None
    #: ``takes_first``: the model applies the rule (a tier of the objective after its sectors'
    #: priority); false: checked only. The other checks are applied by the priorities and the
    #: source preference.
    binds: bool = True


class TargetSpec(_Strict):
    id: str
    name_zh: str
    name_en: str = ""
    unit: str
    target: str
    clause: str
    #: 约束性 (binding) or 预期性 (expected), as the plan's table gives it
    attribute: Literal["binding", "expected"] | None = None
    #: ``plan`` — the plan's own figure; ``illustrative`` — a stand-in
    basis: Literal["plan", "illustrative"] = "plan"
    #: the year the plan sets the figure for (default: the scenario's year)
    year: int | None = None
    rule: RuleSpec | None = None
    status: Literal["not_modelled", "rule"] | None = None
    reason: str = ""
    lever: str | None = None
    indicator: Literal["irrigated_area", "gdp_intensity_reduction", "industrial_intensity_reduction"] | None = None
    relation: Literal["<=", ">="] | None = None
    value: float | None = None
    #: its place in the plan's indicator list (指标清单), where the plan lists it
    listing: Listing | None = None


class Amount(_Strict):
    value: float = Field(ge=0)
    unit: str
    source: str = ""


class EconomyBase(_Strict):
    year: int
    gdp: Amount
    industrial_va: Amount
    total_use: Amount
    industry_use: Amount


class Economy(_Strict):
    """GDP and industrial value added, for the intensity indicators (m³ per 万元)."""

    base: EconomyBase
    gdp: Amount
    industrial_va: Amount


class TimeSpec(_Strict):
    """A monthly, multi-year run (``time:`` in a scenario)."""

    step: Literal["month"] = "month"
    years: int = Field(default=1, ge=1, le=200)
    start_year: int = 1971
    seed: int = 20301
    series: str | None = None
    mode: Literal["full", "myopic"] = "full"
    #: how the lexicographic tiers are solved: one after another (exact) or as one weighted LP
    objective: Literal["staged", "weighted"] = "staged"
    #: a month may draw up to this multiple of the average month from groundwater and mine water
    #: (wells and pumps are sized above the average for seasonal peaks); the year's total stays
    #: within the yearly availability
    groundwater_monthly_peak: float = Field(default=1.5, ge=1.0, le=12.0)
    demand_patterns: dict[str, list[float]] = Field(default_factory=dict)
    guarantee_targets: dict[str, float] = Field(default_factory=dict)
    note: str = ""


class Quota(_Strict):
    county: str | int
    value: float = Field(ge=0)
    unit: str


class Trading(_Strict):
    """Water-rights trading (水权交易): county quotas of tradable use, and transfers between them."""

    quotas: list[Quota]
    sectors: list[str] = Field(default_factory=lambda: ["industry", "agriculture", "municipal", "ecology"])
    cost_yuan_per_m3: float = Field(default=0.0, ge=0.0)
    enabled: bool = True
    clause: str = ""
    note: str = ""


class StudyArea(_Strict):
    city: str | None = None
    counties: list[str | int] | None = None


class SourceOverride(_Strict):
    available: float
    unit: str
    note: str = ""


class Hydrology(_Strict):
    """Hydrological year of an annual run: ``mean`` (the sources' mean yields), a year type with
    its exceedance probability (wet P25, normal P50, dry P75, very_dry P95 — each surface source
    scaled by its lognormal quantile, see :func:`waterplan.hydrology.year_type_factor`), or an
    explicit ``surface_factor``."""

    year_type: Literal["mean", "wet", "normal", "dry", "very_dry", "P25", "P50", "P75", "P95"] = "mean"
    surface_factor: float | None = Field(default=None, ge=0.0)
    note: str = ""


class ScenarioSpec(_Strict):
    name: str
    title_zh: str = ""
    title_en: str = ""
    plan: str = ""
    year: int
    study_area: StudyArea
    #: the network: a folder of nodes.geojson and edges.geojson, or a GeoPackage (.gpkg) with layers
    #: nodes and edges
    network: str
    #: an edge whose from/to is left empty takes the node within this many metres of its line's end
    #: (else the study county the end lies in)
    snap_tolerance_m: float = Field(default=100.0, gt=0.0)
    demands: str
    sectors: dict[str, SectorSpec]
    source_preference: list[str] = Field(default_factory=list)
    levers: dict[str, LeverSpec] = Field(default_factory=dict)
    constraints: list[ConstraintSpec] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)
    sources: dict[str, SourceOverride] = Field(default_factory=dict)
    hydrology: Hydrology = Field(default_factory=Hydrology)
    economy: Economy | None = None
    time: TimeSpec | None = None
    capacity_targets: dict[str, LeverSpec] = Field(default_factory=dict)
    trading: Trading | None = None
    #: after each priority's total shortage, spread it evenly: minimise the largest shortage
    #: fraction of any demand of that priority (equal % coverage where the network allows)
    equity: bool = True

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, v: dict[str, SectorSpec]) -> dict[str, SectorSpec]:
        for name in v:
            if name not in SECTOR_NAMES:
                msg = f"unknown sector {name!r}; valid: {', '.join(SECTOR_NAMES)}"
                raise ValueError(msg)
        return v


@dataclass
class Selection:
    """A resolved filter over sources × counties × sectors (``None`` = all)."""

    measure: str
    conveyance_losses: bool = True
    source_ids: set[str] | None = None
    source_kinds: set[str] | None = None
    source_tags: set[str] | None = None
    counties: set[str] | None = None
    sectors: set[str] | None = None
    edges: set[str] | None = None


@dataclass
class Constraint:
    """A policy constraint in model units (万m³/yr, or a fraction for ratios)."""

    id: str
    name_zh: str
    name_en: str
    type: str
    value: float
    unit: str
    value_as_given: float
    clause: str
    lhs: Selection
    rhs: Selection | None = None
    note: str = ""
    attribute: str = "binding"
    basis: str = "plan"
    year: int | None = None
    listing: Listing | None = None

    @property
    def relation(self) -> str:
        """``<=``, ``>=`` or ``=`` (a planned allocation)."""
        return {"cap": "<=", "allocation": "="}.get(self.type, ">=")

    @property
    def in_lp(self) -> bool:
        """Whether the constraint is a row of the LP (an allocation is only reported)."""
        return self.type != "allocation"


@dataclass
class Scenario:
    """A loaded, checked scenario (inputs only; the graph is built by ``build_graph``)."""

    spec: ScenarioSpec
    path: Path
    counties: list[str]
    demands: pd.DataFrame
    constraints: list[Constraint]
    network_dir: Path
    demands_path: Path
    inputs: dict[str, str] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)  # trading quotas by county, 万m³/yr
    #: the text encoding each scenario file and table was read in (UTF-8, UTF-16 or GB18030)
    encodings: dict[str, str] = field(default_factory=dict)

    def flow_readings(self) -> list[dict[str, object]]:
        """Every number of the scenario and its demand table given as a flow rate where a yearly
        volume is expected (read over 365 days): file, field, value, unit."""
        fname = _rel(self.path)
        out: list[dict[str, object]] = []
        items = [(f"constraints ({c.id}).value", c.value, c.unit) for c in self.spec.constraints]
        items += [(f"sources.{k}.available", o.available, o.unit) for k, o in self.spec.sources.items()]
        if self.spec.trading is not None:
            items += [(f"trading.quotas[{i}].value", q.value, q.unit) for i, q in enumerate(self.spec.trading.quotas)]
        out += [{"file": fname, "field": f, "value": v, "unit": u} for f, v, u in items if is_flow(u)]
        dfile = _rel(self.demands_path)
        out += [
            {"file": f"{dfile} row {r.row}", "field": "demand", "value": r.net_10k_m3, "unit": r.unit}
            for r in self.demands.itertuples()
            if is_flow(r.unit)
        ]
        return out

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def year(self) -> int:
        return self.spec.year


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML's safe loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )  # fmt: skip
            seen.add(key)
        return dict(super().construct_mapping(node, deep=deep))


def _read_yaml(path: Path) -> tuple[dict[str, Any], str]:
    """A scenario file's mapping and the encoding it was read in."""
    fname = _rel(path)
    if not path.is_file():
        raise InputError(Problem(fname, "(file)", str(path), "no such scenario file"))
    text, enc = read_text(path, fname=fname, what="a scenario file")
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        valid = (
            "each key once in a mapping (a second one would silently replace the first)"
            if str(problem).startswith("duplicate key")
            else "well-formed YAML"
        )
        raise InputError(Problem(fname, where, problem, valid)) from None
    if not isinstance(data, dict):
        raise InputError(Problem(fname, "(top level)", type(data).__name__, "a mapping of scenario keys"))
    return data, enc


_PATH_KEYS = ("network", "demands")  # resolved against the file that names them
_ID_LISTS = ("constraints", "targets")


def _merge(
    parent: dict[str, Any], child: dict[str, Any], *, fname: str, parent_name: str, where: str, problems: list[Problem]
) -> dict[str, Any]:
    """Deep-merge ``child`` onto ``parent``: mappings merge key by key, lists of items with an
    ``id`` (constraints, targets) merge item by item (``drop: true`` removes one), anything
    else is replaced."""
    out = dict(parent)
    for key, value in child.items():
        here = f"{where}{key}"
        if key in _ID_LISTS and not where:
            out[key] = _merge_ids(
                parent.get(key, []), value, fname=fname, parent_name=parent_name, where=here, problems=problems
            )
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            out[key] = _merge(
                parent[key], value, fname=fname, parent_name=parent_name, where=f"{here}.", problems=problems
            )
        else:
            out[key] = value
    return out


def _merge_ids(
    parent: list[Any], child: Any, *, fname: str, parent_name: str, where: str, problems: list[Problem]
) -> list[Any]:
    if not isinstance(child, list):
        problems.append(Problem(fname, where, type(child).__name__, "a list of items with an id"))
        return parent
    items = {item.get("id"): dict(item) for item in parent if isinstance(item, dict)}
    order = list(items)
    for i, item in enumerate(child):
        if not isinstance(item, dict) or "id" not in item:
            problems.append(Problem(fname, f"{where}[{i}]", item, "an item with an id"))
            continue
        iid = item["id"]
        if item.get("drop") is True:
            if iid not in items:
                problems.append(
                    Problem(
                        fname,
                        f"{where}[{i}].id",
                        iid,
                        f"the id of an item of {parent_name} to drop; it has: {', '.join(str(o) for o in order)}",
                    )
                )
            else:
                del items[iid]
                order.remove(iid)
            continue
        if iid in items:
            items[iid] = _merge(
                items[iid], item, fname=fname, parent_name=parent_name, where=f"{where}[{i}].", problems=problems
            )
        elif "type" in item or "target" in item:
            items[iid] = item
            order.append(iid)
        else:
            problems.append(
                Problem(
                    fname,
                    f"{where}[{i}].id",
                    iid,
                    f"an override of an item that does not exist in {parent_name} "
                    f"(it has: {', '.join(str(o) for o in order)}); "
                    "a new item needs all its fields",
                )
            )
    return [items[i] for i in order]


def _load_dict(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[Path, str]]:
    """Read a scenario file and everything it extends; paths made absolute. Also: the files read,
    each with the encoding it was read in."""
    fname = _rel(path)
    resolved = path.resolve()
    if resolved in chain:
        cycle = " → ".join(_rel(p) for p in (*chain, resolved))
        raise InputError(Problem(fname, "extends", cycle, "a chain of scenarios without a cycle"))
    data, enc = _read_yaml(path)
    for key in _PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str((path.parent / data[key]).resolve())
    files = {path: enc}
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, files
    parent_path = path.parent / str(parent_ref)
    if not parent_path.is_file():
        raise InputError(Problem(fname, "extends", parent_ref, "the path of an existing scenario file"))
    parent, parent_files = _load_dict(parent_path, (*chain, resolved))
    problems: list[Problem] = []
    merged = _merge(parent, data, fname=fname, parent_name=_rel(parent_path), where="", problems=problems)
    raise_if(problems)
    return merged, {**parent_files, **files}


def _spec_from_dict(data: dict[str, Any], fname: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            value = err.get("input")
            if isinstance(value, dict):
                value = "{…}"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check its spelling)"
            elif err["type"] == "missing":
                msg, value = "required key is missing", None
            problems.append(Problem(fname, loc, value, msg))
        raise InputError(problems) from None


def _study_counties(spec: ScenarioSpec, fname: str) -> list[str]:
    area = spec.study_area
    if area.counties:
        return [resolve_county(c, file=fname, field="study_area.counties") for c in area.counties]
    if area.city:
        table = county_table()
        text = str(area.city)
        rows = table[(table["city_adcode"] == text) | (table["city_zh"] == text)]
        if rows.empty:
            raise InputError(Problem(fname, "study_area.city", area.city, "a city adcode such as 140100 or 太原市"))
        return list(rows["adcode"])
    raise InputError(Problem(fname, "study_area", None, "give city or counties"))


_DEMAND_COLUMNS = [
    "county",
    "sector",
    "demand_10k_m3",
    "net_10k_m3",
    "quantity",
    "quantity_unit",
    "quota",
    "quota_unit",
    "unit",
    "basis",
    "row",
    "derivation",
]


def _gross(net: float, sector: str, basis: str, spec: ScenarioSpec, where: str, problems: list[Problem]) -> float:
    """Net → gross agricultural demand with the irrigation efficiency coefficient (losses in the
    county's canals and fields; trunk conveyance to the county intake is on the network's edges)."""
    if basis in ("", "gross"):
        return net
    if basis != "net":
        problems.append(Problem(where, "basis", basis, "'gross' (default) or 'net'"))
        return net
    levers = spec.levers
    if sector == "agriculture":
        eff = levers.get("irrigation_efficiency")
        if eff is None or not 0 < eff.value <= 1:
            problems.append(
                Problem(
                    where,
                    "basis",
                    basis,
                    "a net agricultural demand needs levers.irrigation_efficiency in (0, 1] in the scenario",
                )
            )
            return net
        return net / eff.value
    # other sectors: the net demand is what the county's users take; the supply network's leakage
    # (levers.network_leakage) is the loss of the distribution edges on the way, not a gross-up here
    return net


#: the demand table's headers in Chinese (as a bureau's workbook writes them) → its column names
DEMAND_HEADERS = {
    "县区": "county", "区县": "county", "县（市、区）": "county", "县(市、区)": "county", "行政区划代码": "county",
    "县区名称": "county_zh", "行业": "sector", "用水行业": "sector", "部门": "sector", "需水量": "demand",
    "单位": "unit", "数量": "quantity", "数量单位": "quantity_unit", "定额": "quota", "用水定额": "quota",
    "定额单位": "quota_unit", "口径": "basis", "来源": "derivation", "依据": "derivation",
}  # fmt: skip


def _read_demands(
    path: Path, counties: list[str], spec: ScenarioSpec, problems: list[Problem], encodings: dict[Path, str]
) -> pd.DataFrame:
    fname = _rel(path)
    sectors = spec.sectors
    empty = pd.DataFrame(columns=_DEMAND_COLUMNS)
    if not path.is_file():
        problems.append(Problem(fname, "(file)", str(path), "no such demand table (CSV or Excel .xlsx)"))
        return empty
    try:
        raw, encodings[path] = read_table(path, fname=fname, what="a demand table", headers=DEMAND_HEADERS)
    except InputError as exc:
        problems.extend(exc.problems)
        return empty
    has_volume = {"demand", "unit"} <= set(raw.columns)
    has_quota = {"quantity", "quantity_unit", "quota", "quota_unit"} <= set(raw.columns)
    if "county" not in raw.columns or "sector" not in raw.columns or not (has_volume or has_quota):
        wanted = "columns county, sector and either demand, unit or quantity, quantity_unit, quota, quota_unit"
        problems.append(Problem(fname, "(header)", list(raw.columns), wanted))
        return empty
    rows = []
    seen: dict[tuple[str, str], int] = {}
    by_zh = {s.name_zh: name for name, s in sectors.items()}  # a sector may be given by its Chinese name
    for i, r in enumerate(raw.to_dict("records"), start=2):
        where = f"{fname} row {i}"
        try:
            adcode = resolve_county(r["county"], file=where, field="county", within=counties)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        sector = by_zh.get(r["sector"].strip(), r["sector"].strip())
        if sector not in sectors:
            names = ", ".join(f"{k} ({s.name_zh})" for k, s in sectors.items())
            problems.append(Problem(where, "sector", sector, f"one of the scenario's sectors: {names}"))
            continue
        net = _row_volume(r, where, has_volume, has_quota, problems)
        if net is None:
            continue
        if (adcode, sector) in seen:
            problems.append(
                Problem(
                    where,
                    "county/sector",
                    f"{r['county']}/{sector}",
                    f"each county × sector once (already on row {seen[(adcode, sector)]})",
                )
            )
            continue
        seen[(adcode, sector)] = i
        basis = str(r.get("basis", "")).strip()
        gross = _gross(net, sector, basis, spec, where, problems)
        rows.append({"county": adcode, "sector": sector, "demand_10k_m3": gross, "net_10k_m3": net,
                     **{k: r.get(k, "") for k in ("quantity", "quantity_unit", "quota", "quota_unit", "unit")},
                     "basis": basis or "gross", "row": i, "derivation": r.get("derivation", "")})  # fmt: skip
    return pd.DataFrame(rows, columns=_DEMAND_COLUMNS)


def _row_volume(
    r: dict[str, Any], where: str, has_volume: bool, has_quota: bool, problems: list[Problem]
) -> float | None:
    """A demand row's volume (万m³/yr): its demand and unit, or its quantity × quota; None if wrong."""
    try:
        if has_volume and str(r.get("demand", "")).strip() != "":
            net = to_model_volume(r["demand"], r["unit"], file=where, field="demand")
            if net < 0:
                problems.append(Problem(where, "demand", r["demand"], "a demand of zero or more"))
                return None
            return net
        if has_quota and str(r.get("quantity", "")).strip() != "":
            return quota_volume(r["quantity"], r["quantity_unit"], r["quota"], r["quota_unit"], file=where)
        problems.append(Problem(where, "demand", "", "a demand with its unit, or a quantity and a quota"))
    except InputError as exc:
        problems.extend(exc.problems)
    return None


def _split_shares(df: pd.DataFrame, spec: ScenarioSpec, fname: str, problems: list[Problem]) -> pd.DataFrame:
    """Demands of ``share_of`` sectors the table does not give: that share of the parent's rows."""
    for name, s in spec.sectors.items():
        if s.share_of is None or (df["sector"] == name).any():
            continue
        parent = s.share_of.sector
        if parent not in spec.sectors or spec.sectors[parent].share_of is not None:
            problems.append(Problem(fname, f"sectors.{name}.share_of.sector", parent, "another sector of the scenario"))
            continue
        rows = df[df["sector"] == parent]
        child = rows.copy()
        child["sector"] = name
        for col in ("demand_10k_m3", "net_10k_m3"):
            child[col] = rows[col] * s.share_of.share
            df.loc[rows.index, col] = rows[col] * (1.0 - s.share_of.share)
        child["derivation"] = f"{s.share_of.share:g} × the {parent} demand of this row ({s.share_of.source})"
        df = pd.concat([df, child], ignore_index=True)
    return df


def _select_sources(sel: Selection, sources: SourceSelector, fname: str, where: str, problems: list[Problem]) -> None:
    sel.source_ids = set(sources.ids) or None
    sel.source_kinds = set(sources.kinds) or None
    sel.source_tags = set(sources.tags) or None
    for k in sources.kinds:
        if k not in SOURCE_KINDS:
            problems.append(Problem(fname, f"{where}.sources.kinds", k, f"one of {', '.join(SOURCE_KINDS)}"))


def _select_counties(
    counties: list[Any], fname: str, where: str, study: list[str], problems: list[Problem]
) -> set[str]:
    codes = set()
    for c in counties:
        try:
            codes.add(resolve_county(c, file=fname, field=f"{where}.counties", within=study))
        except InputError as exc:
            problems.extend(exc.problems)
    return codes


def _selection(
    measure: str | None,
    sources: SourceSelector | None,
    counties: list[Any] | None,
    sectors: list[str] | None,
    *,
    where: str,
    fname: str,
    study: list[str],
    spec: ScenarioSpec,
    problems: list[Problem],
    edges: list[str] | None = None,
) -> Selection:
    if measure is None:
        problems.append(Problem(fname, f"{where}.measure", None, f"one of {', '.join(MEASURES)}"))
        measure = "withdrawal"
    sel = Selection(measure=measure)
    if measure == "flow":
        if not edges:
            problems.append(Problem(fname, f"{where}.edges", edges, "measure 'flow' needs a list of edge ids"))
        sel.edges = set(edges or [])
    if sources is not None:
        _select_sources(sel, sources, fname, where, problems)
    if counties is not None:
        sel.counties = _select_counties(counties, fname, where, study, problems)
    if sectors is not None:
        for s in sectors:
            if s not in spec.sectors:
                problems.append(Problem(fname, f"{where}.sectors", s, f"one of {', '.join(spec.sectors)}"))
        sel.sectors = set(sectors)
    if measure in ("withdrawal", "available") and sectors is not None:
        problems.append(
            Problem(
                fname,
                f"{where}.sectors",
                sectors,
                "a withdrawal is measured at the source; use measure 'use' to select sectors",
            )
        )
    return sel


def _constraints(spec: ScenarioSpec, fname: str, study: list[str], problems: list[Problem]) -> list[Constraint]:
    out = []
    seen: set[str] = set()
    for i, c in enumerate(spec.constraints):
        where = f"constraints[{i}] ({c.id})"
        if c.id in seen:
            problems.append(Problem(fname, f"{where}.id", c.id, "a unique id"))
        seen.add(c.id)
        common: dict[str, Any] = {"fname": fname, "study": study, "spec": spec, "problems": problems}
        if c.type == "ratio_floor":
            if c.numerator is None or c.denominator is None:
                problems.append(Problem(fname, where, c.type, "a ratio_floor needs numerator and denominator"))
                continue
            try:
                value = to_fraction(c.value, c.unit, file=fname, field=f"{where}.value")
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if not 0 <= value <= 1:
                problems.append(Problem(fname, f"{where}.value", c.value, "a ratio between 0 and 100 %"))
            n, d = c.numerator, c.denominator
            lhs = _selection(
                n.measure, n.sources, n.counties, n.sectors, where=f"{where}.numerator", edges=n.edges, **common
            )
            rhs = _selection(
                d.measure, d.sources, d.counties, d.sectors, where=f"{where}.denominator", edges=d.edges, **common
            )
        else:
            try:
                value = to_model_volume(c.value, c.unit, file=fname, field=f"{where}.value")
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if value < 0:
                problems.append(Problem(fname, f"{where}.value", c.value, "a volume of zero or more"))
            lhs = _selection(c.measure, c.sources, c.counties, c.sectors, where=where, edges=c.edges, **common)
            lhs.conveyance_losses = c.conveyance_losses == "included"
            rhs = None
        out.append(
            Constraint(
                id=c.id,
                name_zh=c.name_zh,
                name_en=c.name_en or c.id,
                type=c.type,
                value=value,
                unit=str(c.unit),
                value_as_given=c.value,
                clause=c.clause,
                lhs=lhs,
                rhs=rhs,
                note=c.note,
                attribute=c.attribute or ("expected" if c.type in ("level", "allocation") else "binding"),
                basis=c.basis,
                year=c.year,
                listing=c.listing,
            )
        )
    return out


def _check_source_kinds(spec: ScenarioSpec, fname: str, problems: list[Problem]) -> None:
    for name, s in spec.sectors.items():
        for k in [*s.accepts, *s.prefers]:
            if k not in SOURCE_KINDS:
                problems.append(
                    Problem(fname, f"sectors.{name}.accepts/prefers", k, f"one of {', '.join(SOURCE_KINDS)}")
                )
    for k in spec.source_preference:
        if k not in SOURCE_KINDS:
            problems.append(Problem(fname, "source_preference", k, f"one of {', '.join(SOURCE_KINDS)}"))


def _check_time(spec: ScenarioSpec, path: Path, fname: str, problems: list[Problem]) -> None:
    if spec.time is None:
        return
    from .hydrology import check_pattern

    for sector, pattern in spec.time.demand_patterns.items():
        field = f"time.demand_patterns.{sector}"
        if sector not in spec.sectors:
            problems.append(Problem(fname, field, sector, f"one of the scenario's sectors: {', '.join(spec.sectors)}"))
            continue
        try:
            check_pattern(pattern, file=fname, field=field)
        except InputError as exc:
            problems.extend(exc.problems)
    for sector, share in spec.time.guarantee_targets.items():
        if sector not in spec.sectors or not 0 <= share <= 1:
            problems.append(
                Problem(
                    fname,
                    f"time.guarantee_targets.{sector}",
                    share,
                    "a sector of the scenario and a share of years between 0 and 1",
                )
            )
    series = spec.time.series
    if series and not (path.parent / series).is_file() and not Path(series).is_file():
        problems.append(Problem(fname, "time.series", series, "a CSV series (month, source, value, unit)"))


def _trading_quotas(spec: ScenarioSpec, fname: str, study: list[str], problems: list[Problem]) -> dict[str, float]:
    quotas: dict[str, float] = {}
    if spec.trading is None:
        return quotas
    for i, q in enumerate(spec.trading.quotas):
        try:
            code = resolve_county(q.county, file=fname, field=f"trading.quotas[{i}].county", within=study)
            quotas[code] = to_model_volume(q.value, q.unit, file=fname, field=f"trading.quotas[{i}].value")
        except InputError as exc:
            problems.extend(exc.problems)
    for sname in spec.trading.sectors:
        if sname == "domestic":
            problems.append(
                Problem(
                    fname,
                    "trading.sectors",
                    sname,
                    "tradable sectors other than domestic: water is never traded away from domestic use (003 (六)20)",
                )
            )
        elif sname not in spec.sectors:
            problems.append(Problem(fname, "trading.sectors", sname, f"one of {', '.join(spec.sectors)}"))
    return quotas


def _check_rules(spec: ScenarioSpec, fname: str, study: list[str], problems: list[Problem]) -> None:
    """A rule's sectors and source kinds must exist; its counties become adcodes."""
    for t in spec.targets:
        r = t.rule
        if r is None:
            continue
        where = f"targets ({t.id}).rule"
        for s in r.sectors:
            if s not in spec.sectors:
                problems.append(Problem(fname, f"{where}.sectors", s, f"one of {', '.join(spec.sectors)}"))
        for k in r.kinds:
            if k not in SOURCE_KINDS:
                problems.append(Problem(fname, f"{where}.kinds", k, f"one of {', '.join(SOURCE_KINDS)}"))
        if r.check != "priority" and not r.kinds:
            problems.append(Problem(fname, f"{where}.kinds", [], "the source kinds the sectors take first"))
        if r.counties is not None:
            codes: list[str | int] = []
            for c in r.counties:
                try:
                    codes.append(resolve_county(c, file=fname, field=f"{where}.counties", within=study))
                except InputError as exc:
                    problems.extend(exc.problems)
            r.counties = codes


#: the levers the model reads, with the range of their values
LEVER_RANGES = {
    "network_leakage": (0.0, 1.0, "a fraction in [0, 1)"),
    "irrigation_efficiency": (0.0, 1.0, "a coefficient in (0, 1]"),
}


def _check_target_levers(spec: ScenarioSpec, fname: str, problems: list[Problem]) -> None:
    for name, lever in spec.levers.items():
        lo, hi, valid = LEVER_RANGES.get(name, (-math.inf, math.inf, ""))
        ok = lo <= lever.value < hi if name == "network_leakage" else lo < lever.value <= hi
        if not ok:
            problems.append(Problem(fname, f"levers.{name}.value", lever.value, valid))
    for t in spec.targets:
        if t.lever is not None and t.lever not in spec.levers:
            problems.append(
                Problem(
                    fname,
                    f"targets ({t.id}).lever",
                    t.lever,
                    f"a key of levers: {', '.join(spec.levers) or '(none defined)'}",
                )
            )


def _input_hashes(files: dict[Path, str], demands_path: Path, network_dir: Path) -> dict[str, str]:
    inputs = {_rel(f): _sha256(f) for f in files}
    inputs[_rel(demands_path)] = _sha256(demands_path)
    layers = (
        [network_dir]
        if network_dir.suffix.lower() == ".gpkg"
        else [network_dir / "nodes.geojson", network_dir / "edges.geojson"]
    )
    for p in layers:
        if p.is_file():
            inputs[_rel(p)] = _sha256(p)
    return inputs


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and check a scenario file and its demand table.

    Parameters
    ----------
    path
        The scenario's YAML file.
    overrides
        Changes merged onto the file as a scenario that ``extends`` it would: mappings key by
        key, constraints and targets by id (``{"constraints": [{"id": "TY-groundwater",
        "value": 1.2}]}``). For sweeps and sensitivity studies from Python.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every problem found, each with file, field, value and what would be valid.

    Examples
    --------
    >>> sc = load_scenario("scenarios/taiyuan-2030.yaml")
    >>> sc.name, len(sc.counties)
    ('taiyuan-2030', 10)
    """
    path = Path(path)
    fname = _rel(path)
    data, files = _load_dict(path)
    if overrides:
        problems_o: list[Problem] = []
        data = _merge(data, overrides, fname="<overrides>", parent_name=fname, where="", problems=problems_o)
        raise_if(problems_o)
    spec = _spec_from_dict(data, fname)
    problems: list[Problem] = []
    _check_source_kinds(spec, fname, problems)
    study = _study_counties(spec, fname)
    network_dir = (path.parent / spec.network).resolve()
    if not (network_dir.is_dir() or (network_dir.suffix.lower() == ".gpkg" and network_dir.is_file())):
        problems.append(
            Problem(
                fname,
                "network",
                spec.network,
                "a folder holding nodes.geojson and edges.geojson, or a GeoPackage (.gpkg) with layers nodes and edges",
            )
        )
    demands_path = (path.parent / spec.demands).resolve()
    demands = _split_shares(_read_demands(demands_path, study, spec, problems, files), spec, fname, problems)
    constraints = _constraints(spec, fname, study, problems)
    _check_time(spec, path, fname, problems)
    quotas = _trading_quotas(spec, fname, study, problems)
    _check_target_levers(spec, fname, problems)
    _check_rules(spec, fname, study, problems)
    raise_if(problems)
    return Scenario(
        spec=spec,
        path=path,
        counties=study,
        demands=demands,
        constraints=constraints,
        network_dir=network_dir,
        demands_path=demands_path,
        inputs=_input_hashes(files, demands_path, network_dir),
        quotas=quotas,
        encodings={_rel(f): enc for f, enc in files.items()},
    )
