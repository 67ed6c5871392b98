"""The scenario file's schema: what a planner may write in a scenario (pydantic models, strict:
an unknown key is an error), and the vocabularies it uses (source kinds, sectors, measures).
The published JSON Schema (:mod:`waterplan.schema`) is made from these models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from .i18n import tr

__all__ = ["CONSTRAINT_TYPES", "MEASURES", "SECTOR_NAMES", "SOURCE_KINDS", "ConstraintSpec", "Listing", "RuleSpec",
           "ScenarioSpec", "SectorSpec", "TargetSpec", "TimeSpec"]  # fmt: skip


Measure = Literal["withdrawal", "use", "intake", "consumption", "wastewater", "available", "flow"]

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


def _integral(v: object) -> object:
    """A float with no fractional part (``2030.0``, ``1e3``) as the integer it is, as JSON Schema
    reads it; anything else as given (``true``, ``"1"``, ``1.5`` are then refused, as the schema does)."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


#: an integer as JSON Schema means it: a number with no fractional part, never a flag or text
Int = Annotated[int, BeforeValidator(_integral)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class SourceSelector(_Strict):
    ids: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Side(_Strict):
    measure: Measure
    sources: SourceSelector | None = None
    edges: list[str] | None = None
    counties: list[str | Int] | None = None
    sectors: list[str] | None = None


class BaseFigure(_Strict):
    """The plan's figure for its base year (基准年), as the plan writes it."""

    year: Int
    value: str
    clause: str = ""


class Listing(_Strict):
    """Where a target stands in the plan's indicator list (指标清单), for the report's layout."""

    #: 指标类型, the group the list puts it in (e.g. 总体指标, 以水定人定城, 以水定地, 以水定产)
    category: str
    #: 序号, its number in the list
    number: Int | None = None
    #: the base year's figure (e.g. 2025 actual use 7.53 亿m³)
    base: BaseFigure | None = None
    #: the list's figure for each target year, as written (e.g. {2027: "≤ 9.94", 2030: "≤ 10.47"})
    years: dict[Int, str] = Field(default_factory=dict)


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
    year: Int | None = None
    measure: Measure | None = None
    #: for ``consumption``: are conveyance losses counted as consumed (the plan's 耗水) or not
    conveyance_losses: Literal["included", "excluded"] = "included"
    sources: SourceSelector | None = None
    edges: list[str] | None = None
    counties: list[str | Int] | None = None
    sectors: list[str] | None = None
    numerator: Side | None = None
    denominator: Side | None = None
    value: float
    unit: str | None = None
    clause: str
    note: str = ""
    #: its place in the plan's indicator list (指标清单), where the plan lists it
    listing: Listing | None = None
    #: where it ranks against the demands' priorities: ``hard`` — a limit above every demand (a
    #: shortage it forces anywhere is the plan's intent); an integer k — a goal pursued after the
    #: shortages of priorities 1..k, so it never costs them water (its shortfall is reported);
    #: unset — a limit, and the run warns where holding it cuts a demand of a higher priority than
    #: the sectors it counts (see docs/data.md, "Where a target ranks")
    rank: Literal["hard"] | Int | None = None
    #: the way the plan moves the figure from one target year to the next (压采: ``falling``);
    #: ``waterplan compare`` of runs of different years flags a move against it
    direction: Literal["falling", "rising"] | None = None


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
    priority: Int = Field(ge=1)
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
    counties: list[str | Int] | None = None
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
    year: Int | None = None
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
    year: Int
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
    years: Int = Field(default=1, ge=1, le=200)
    start_year: Int = Field(default=1971, ge=1800, le=2200)
    seed: Int = Field(default=20301, ge=0, lt=2**63)
    series: str | None = None
    mode: Literal["full", "myopic"] = "full"
    #: how the lexicographic tiers are solved: one after another (exact) or as one weighted LP
    objective: Literal["staged", "weighted"] = "staged"
    #: a month may draw up to this multiple of the average month from groundwater and mine water
    #: (wells and pumps are sized above the average for seasonal peaks); the year's total stays
    #: within the yearly availability
    groundwater_monthly_peak: float = Field(default=1.5, ge=1.0, le=12.0)
    #: where the reservoirs end the horizon: ``free``, or ``at_start`` — at least where they began
    #: (a cyclic horizon: a long run does not borrow from an assumed initial storage; full mode)
    storage_end: Literal["free", "at_start"] = "free"
    demand_patterns: dict[str, list[Annotated[float, Field(ge=0.0, le=1.0)]]] = Field(default_factory=dict)
    guarantee_targets: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=dict)
    note: str = ""


class Quota(_Strict):
    county: str | Int
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
    counties: list[str | Int] | None = None


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
    surface_factor: float | None = Field(default=None, ge=0.0, le=10.0)
    note: str = ""


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    title_zh: str = ""
    title_en: str = ""
    plan: str = ""
    year: Int = Field(ge=1900, le=2200)
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
    #: a demand no source its sector accepts can reach: an error (true), or a finding (false, the
    #: default: it is supplied nothing and the run says why, in the console, the report and validate)
    strict: bool = False

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, v: dict[str, SectorSpec]) -> dict[str, SectorSpec]:
        for name in v:
            if name not in SECTOR_NAMES:
                msg = tr("unknown sector {name!r}; valid: {0}", ", ".join(SECTOR_NAMES), name=name)
                raise ValueError(msg)
        return v
