"""A scenario's policy constraints resolved: each side's selection (measure, sources, counties,
sectors) checked against the scenario, values in the model's units, and the other sections that
name counties, sectors or kinds (rules, time, trading, levers) checked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem
from .boundaries import resolve_county
from .i18n import N_, tr
from .spec import MEASURES, ConstraintSpec, Listing, ScenarioSpec, SourceSelector
from .textio import MAX_BYTES, not_readable
from .units import to_fraction, to_model_volume
from .vocabulary import kind_choices, resolve_kind

__all__ = ["Constraint", "Selection"]


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
    #: ``"hard"``, a priority after whose shortages it is pursued as a goal, or None (see ConstraintSpec)
    rank: str | int | None = None
    #: ``"falling"`` or ``"rising"``: the way the plan moves the figure year on year (see ConstraintSpec)
    direction: str | None = None

    @property
    def goal_after(self) -> int | None:
        """The priority after whose shortages the constraint is pursued as a goal, if it is one."""
        return self.rank if isinstance(self.rank, int) else None

    @property
    def relation(self) -> str:
        """``<=``, ``>=`` or ``=`` (a planned allocation)."""
        return {"cap": "<=", "allocation": "="}.get(self.type, ">=")

    @property
    def in_lp(self) -> bool:
        """Whether the constraint is a row of the LP (an allocation is only reported)."""
        return self.type != "allocation"


def _select_sources(sel: Selection, sources: SourceSelector, fname: str, where: str, problems: list[Problem]) -> None:
    sel.source_ids = set(sources.ids) or None
    sources.kinds = kinds_of(sources.kinds, fname, f"{where}.sources.kinds", problems)
    sel.source_kinds = set(sources.kinds) or None
    sel.source_tags = set(sources.tags) or None


def kinds_of(typed: list[str], fname: str, where: str, problems: list[Problem]) -> list[str]:
    """Source kinds as typed (key, Chinese name or synonym) → their keys; an unknown one is a problem
    naming the closest."""
    out = []
    for k in typed:
        key = resolve_kind(k)
        if key is None:
            problems.append(Problem(fname, where, k, kind_choices(k)))
        out.append(key or k)
    return out


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
        problems.append(Problem(fname, f"{where}.measure", None, tr("one of {0}", ", ".join(MEASURES))))
        measure = "withdrawal"
    sel = Selection(measure=measure)
    if measure == "flow":
        if not edges:
            problems.append(Problem(fname, f"{where}.edges", edges, tr("measure 'flow' needs a list of edge ids")))
        sel.edges = set(edges or [])
    if sources is not None:
        _select_sources(sel, sources, fname, where, problems)
    if counties is not None:
        sel.counties = _select_counties(counties, fname, where, study, problems)
    if sectors is not None:
        for s in sectors:
            if s not in spec.sectors:
                problems.append(Problem(fname, f"{where}.sectors", s, tr("one of {0}", ", ".join(spec.sectors))))
        sel.sectors = set(sectors)
    if measure in ("withdrawal", "available") and sectors is not None:
        problems.append(
            Problem(
                fname,
                f"{where}.sectors",
                sectors,
                tr("a withdrawal is measured at the source; use measure 'use' to select sectors"),
            )
        )
    return sel


def _same_plants(lhs: Selection, rhs: Selection, fname: str, where: str, problems: list[Problem]) -> None:
    """A utilisation rate (利用率: reclaimed water used ÷ wastewater of the plants) divides what the
    plants release by what they collect, the same plants on both sides, so it never exceeds 100 %:
    water piped in from another county's plant counts for that plant, not for the county using it."""
    if rhs.measure != "wastewater":
        return
    plants = (rhs.counties, rhs.source_ids, rhs.source_tags)
    reclaimed = lhs.source_kinds == {"reclaimed"} or (lhs.source_kinds is None and (lhs.source_ids or lhs.source_tags))
    if lhs.measure != "withdrawal" or (lhs.counties, lhs.source_ids, lhs.source_tags) != plants or not reclaimed:
        problems.append(
            Problem(
                fname,
                f"{where}.numerator",
                {
                    "measure": lhs.measure,
                    "counties": sorted(lhs.counties or []),
                    "kinds": sorted(lhs.source_kinds or []),
                },
                tr(
                    "over wastewater, the reclaimed water the same plants "
                    "release: measure 'withdrawal', sources {{kinds: [reclaimed]}} (or the denominator's "
                    "ids or tags), the denominator's counties"
                ),
            )
        )


def _constraints(spec: ScenarioSpec, fname: str, study: list[str], problems: list[Problem]) -> list[Constraint]:
    out = []
    seen: set[str] = set()
    for i, c in enumerate(spec.constraints):
        where = f"constraints[{i}] ({c.id})"
        if c.id in seen:
            problems.append(Problem(fname, f"{where}.id", c.id, tr("a unique id")))
        seen.add(c.id)
        common: dict[str, Any] = {"fname": fname, "study": study, "spec": spec, "problems": problems}
        if c.type == "ratio_floor":
            sides = _ratio(c, where, common)
            if sides is None:
                continue
            value, lhs, rhs = sides
        else:
            try:
                value = to_model_volume(c.value, c.unit, file=fname, field=f"{where}.value")
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if value < 0:
                problems.append(Problem(fname, f"{where}.value", c.value, tr("a volume of zero or more")))
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
                rank=c.rank,
                direction=c.direction,
            )
        )
        _check_rank(out[-1], fname, where, problems)
    return out


def _ratio(c: ConstraintSpec, where: str, common: dict[str, Any]) -> tuple[float, Selection, Selection] | None:
    """A ratio floor's value (a fraction) and its two sides; None (with the problems) if unusable."""
    fname, problems = common["fname"], common["problems"]
    if c.numerator is None or c.denominator is None:
        problems.append(Problem(fname, where, c.type, tr("a ratio_floor needs numerator and denominator")))
        return None
    try:
        value = to_fraction(c.value, c.unit, file=fname, field=f"{where}.value")
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if not 0 <= value <= 1:
        problems.append(Problem(fname, f"{where}.value", c.value, tr("a ratio between 0 and 100 %")))
    n, d = c.numerator, c.denominator
    lhs = _selection(n.measure, n.sources, n.counties, n.sectors, where=f"{where}.numerator", edges=n.edges, **common)
    rhs = _selection(d.measure, d.sources, d.counties, d.sectors, where=f"{where}.denominator", edges=d.edges, **common)
    _same_plants(lhs, rhs, fname, where, problems)
    return value, lhs, rhs


def _check_rank(c: Constraint, fname: str, where: str, problems: list[Problem]) -> None:
    if c.type == "allocation" and c.rank is not None:
        problems.append(
            Problem(
                fname,
                f"{where}.rank",
                c.rank,
                tr("no rank: a planned allocation is only reported"),
            )
        )
    if isinstance(c.rank, int) and c.rank < 1:
        problems.append(Problem(fname, f"{where}.rank", c.rank, tr("'hard' or a priority (1, 2, …)")))


def _check_source_kinds(spec: ScenarioSpec, fname: str, problems: list[Problem]) -> None:
    for name, s in spec.sectors.items():
        s.accepts = kinds_of(s.accepts, fname, f"sectors.{name}.accepts", problems)
        s.prefers = kinds_of(s.prefers, fname, f"sectors.{name}.prefers", problems)
    spec.source_preference = kinds_of(spec.source_preference, fname, "source_preference", problems)


def _check_time(spec: ScenarioSpec, path: Path, fname: str, problems: list[Problem]) -> None:
    if spec.time is None:
        return
    from .hydrology import check_pattern

    for sector, pattern in spec.time.demand_patterns.items():
        field = f"time.demand_patterns.{sector}"
        if sector not in spec.sectors:
            problems.append(
                Problem(fname, field, sector, tr("one of the scenario's sectors: {0}", ", ".join(spec.sectors)))
            )
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
                    tr("a sector of the scenario and a share of years between 0 and 1"),
                )
            )
    series = spec.time.series
    if series:
        where = path.parent / series
        why = not_readable(where, "a CSV series (month, source, value, unit)", MAX_BYTES["table"])
        if why:
            problems.append(Problem(fname, "time.series", series, why))


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
                    tr(
                        "tradable sectors other than domestic: water is never traded away from domestic use "
                        "(003 (六)20)"
                    ),
                )
            )
        elif sname not in spec.sectors:
            problems.append(Problem(fname, "trading.sectors", sname, tr("one of {0}", ", ".join(spec.sectors))))
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
                problems.append(Problem(fname, f"{where}.sectors", s, tr("one of {0}", ", ".join(spec.sectors))))
        r.kinds = kinds_of(r.kinds, fname, f"{where}.kinds", problems)
        if r.check != "priority" and not r.kinds:
            problems.append(Problem(fname, f"{where}.kinds", [], tr("the source kinds the sectors take first")))
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
    "network_leakage": (0.0, 1.0, N_("a fraction in [0, 1)")),
    "irrigation_efficiency": (0.0, 1.0, N_("a coefficient in (0, 1]")),
}


def _check_target_levers(spec: ScenarioSpec, fname: str, problems: list[Problem]) -> None:
    for name, lever in spec.levers.items():
        lo, hi, valid = LEVER_RANGES.get(name, (-math.inf, math.inf, ""))
        ok = lo <= lever.value < hi if name == "network_leakage" else lo < lever.value <= hi
        if not ok:
            problems.append(Problem(fname, f"levers.{name}.value", lever.value, tr(valid)))
    for t in spec.targets:
        if t.lever is not None and t.lever not in spec.levers:
            problems.append(
                Problem(
                    fname,
                    f"targets ({t.id}).lever",
                    t.lever,
                    tr("a key of levers: {0}", ", ".join(spec.levers) or "(none defined)"),
                )
            )
