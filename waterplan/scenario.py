"""Scenario files: what a planner edits.

A scenario is a YAML file (comments allowed) naming the study area, the year, the network
layers, the demand table, the sectors with their priorities and acceptable source kinds, and
the plan's policy constraints, each with an id, the clause it comes from and a unit. It is
read and checked here; every problem is collected and reported together, naming the file,
the field and the value.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import InputError, Problem, raise_if
from .boundaries import county_table, resolve_county
from .units import to_fraction, to_model_volume

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
    "municipal": ("市政杂用", "Municipal"),
}
MEASURES = ("withdrawal", "use", "consumption", "wastewater", "available")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSelector(_Strict):
    ids: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Side(_Strict):
    measure: Literal["withdrawal", "use", "consumption", "wastewater", "available"]
    sources: SourceSelector | None = None
    counties: list[str | int] | None = None
    sectors: list[str] | None = None


class ConstraintSpec(_Strict):
    id: str
    name_zh: str
    name_en: str = ""
    type: Literal["cap", "floor", "ratio_floor"]
    measure: Literal["withdrawal", "use", "consumption", "wastewater", "available"] | None = None
    sources: SourceSelector | None = None
    counties: list[str | int] | None = None
    sectors: list[str] | None = None
    numerator: Side | None = None
    denominator: Side | None = None
    value: float
    unit: str | None = None
    clause: str
    note: str = ""


class SectorSpec(_Strict):
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


class TargetSpec(_Strict):
    id: str
    name_zh: str
    name_en: str = ""
    unit: str
    target: str
    clause: str
    status: Literal["not_modelled", "rule"] | None = None
    reason: str = ""
    lever: str | None = None
    indicator: Literal["irrigated_area"] | None = None
    relation: Literal["<=", ">="] | None = None
    value: float | None = None


class StudyArea(_Strict):
    city: str | None = None
    counties: list[str | int] | None = None


class SourceOverride(_Strict):
    available: float
    unit: str
    note: str = ""


class Hydrology(_Strict):
    year_type: str = "normal"
    surface_factor: float = Field(default=1.0, ge=0.0)
    note: str = ""


class ScenarioSpec(_Strict):
    name: str
    title_zh: str = ""
    title_en: str = ""
    plan: str = ""
    year: int
    study_area: StudyArea
    network: str
    demands: str
    sectors: dict[str, SectorSpec]
    source_preference: list[str] = Field(default_factory=list)
    levers: dict[str, LeverSpec] = Field(default_factory=dict)
    constraints: list[ConstraintSpec] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)
    sources: dict[str, SourceOverride] = Field(default_factory=dict)
    hydrology: Hydrology = Field(default_factory=Hydrology)

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
    source_ids: set[str] | None = None
    source_kinds: set[str] | None = None
    source_tags: set[str] | None = None
    counties: set[str] | None = None
    sectors: set[str] | None = None


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


def _read_yaml(path: Path) -> dict[str, Any]:
    fname = _rel(path)
    if not path.is_file():
        raise InputError(Problem(fname, "(file)", str(path), "no such scenario file"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(Problem(fname, where, problem, "well-formed YAML")) from None
    if not isinstance(data, dict):
        raise InputError(Problem(fname, "(top level)", type(data).__name__, "a mapping of scenario keys"))
    return data


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


def _read_demands(
    path: Path, counties: list[str], sectors: dict[str, SectorSpec], problems: list[Problem]
) -> pd.DataFrame:
    fname = _rel(path)
    if not path.is_file():
        problems.append(Problem(fname, "(file)", str(path), "no such demand table (CSV)"))
        return pd.DataFrame(columns=["county", "sector", "demand_10k_m3", "row"])
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        problems.append(Problem(fname, "(file)", str(exc).splitlines()[0], "a UTF-8 CSV table"))
        return pd.DataFrame(columns=["county", "sector", "demand_10k_m3", "row"])
    missing = [c for c in ("county", "sector", "demand", "unit") if c not in raw.columns]
    if missing:
        problems.append(
            Problem(
                fname,
                "(header)",
                list(raw.columns),
                f"columns county, sector, demand, unit are required; missing {missing}",
            )
        )
        return pd.DataFrame(columns=["county", "sector", "demand_10k_m3", "row"])
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for i, r in enumerate(raw.to_dict("records"), start=2):
        where = f"row {i}"
        try:
            adcode = resolve_county(r["county"], file=f"{fname} {where}", field="county", within=counties)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        sector = r["sector"].strip()
        if sector not in sectors:
            problems.append(
                Problem(f"{fname} {where}", "sector", sector, f"one of the scenario's sectors: {', '.join(sectors)}")
            )
            continue
        try:
            value = to_model_volume(r["demand"], r["unit"], file=f"{fname} {where}", field="demand")
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if value < 0:
            problems.append(Problem(f"{fname} {where}", "demand", r["demand"], "a demand of zero or more"))
            continue
        if (adcode, sector) in seen:
            problems.append(
                Problem(
                    f"{fname} {where}",
                    "county/sector",
                    f"{r['county']}/{sector}",
                    f"each county × sector once (already on row {seen[(adcode, sector)]})",
                )
            )
            continue
        seen[(adcode, sector)] = i
        rows.append(
            {
                "county": adcode,
                "sector": sector,
                "demand_10k_m3": value,
                "row": i,
                "derivation": r.get("derivation", ""),
            }
        )
    return pd.DataFrame(rows, columns=["county", "sector", "demand_10k_m3", "row", "derivation"])


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
) -> Selection:
    if measure is None:
        problems.append(Problem(fname, f"{where}.measure", None, f"one of {', '.join(MEASURES)}"))
        measure = "withdrawal"
    sel = Selection(measure=measure)
    if sources is not None:
        sel.source_ids = set(sources.ids) or None
        sel.source_kinds = set(sources.kinds) or None
        sel.source_tags = set(sources.tags) or None
        for k in sources.kinds:
            if k not in SOURCE_KINDS:
                problems.append(Problem(fname, f"{where}.sources.kinds", k, f"one of {', '.join(SOURCE_KINDS)}"))
    if counties is not None:
        codes = set()
        for c in counties:
            try:
                codes.add(resolve_county(c, file=fname, field=f"{where}.counties", within=study))
            except InputError as exc:
                problems.extend(exc.problems)
        sel.counties = codes
    if sectors is not None:
        for s in sectors:
            if s not in spec.sectors:
                problems.append(Problem(fname, f"{where}.sectors", s, f"one of {', '.join(spec.sectors)}"))
        sel.sectors = set(sectors)
    if measure == "withdrawal" and sectors is not None:
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
            lhs = _selection(n.measure, n.sources, n.counties, n.sectors, where=f"{where}.numerator", **common)
            rhs = _selection(d.measure, d.sources, d.counties, d.sectors, where=f"{where}.denominator", **common)
        else:
            try:
                value = to_model_volume(c.value, c.unit, file=fname, field=f"{where}.value")
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if value < 0:
                problems.append(Problem(fname, f"{where}.value", c.value, "a volume of zero or more"))
            lhs = _selection(c.measure, c.sources, c.counties, c.sectors, where=where, **common)
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
            )
        )
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file and its demand table.

    Parameters
    ----------
    path
        The scenario's YAML file.

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
    data = _read_yaml(path)
    spec = _spec_from_dict(data, fname)
    problems: list[Problem] = []
    for name, s in spec.sectors.items():
        for k in [*s.accepts, *s.prefers]:
            if k not in SOURCE_KINDS:
                problems.append(
                    Problem(fname, f"sectors.{name}.accepts/prefers", k, f"one of {', '.join(SOURCE_KINDS)}")
                )
    for k in spec.source_preference:
        if k not in SOURCE_KINDS:
            problems.append(Problem(fname, "source_preference", k, f"one of {', '.join(SOURCE_KINDS)}"))
    study = _study_counties(spec, fname)
    base = path.parent
    network_dir = (base / spec.network).resolve()
    if not network_dir.is_dir():
        problems.append(Problem(fname, "network", spec.network, "a folder holding nodes.geojson and edges.geojson"))
    demands_path = (base / spec.demands).resolve()
    demands = _read_demands(demands_path, study, spec.sectors, problems)
    constraints = _constraints(spec, fname, study, problems)
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
    raise_if(problems)
    inputs = {fname: _sha256(path), _rel(demands_path): _sha256(demands_path)}
    for layer in ("nodes.geojson", "edges.geojson"):
        p = network_dir / layer
        if p.is_file():
            inputs[_rel(p)] = _sha256(p)
    return Scenario(
        spec=spec,
        path=path,
        counties=study,
        demands=demands,
        constraints=constraints,
        network_dir=network_dir,
        demands_path=demands_path,
        inputs=inputs,
    )
