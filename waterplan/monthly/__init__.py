"""Monthly, multi-year allocation: full horizon (one LP) or myopic (month by month, warm-started).

The single-period LP is the one :func:`waterplan.build_model` writes, with its typed rows and
columns, and its objective is the one :func:`waterplan.objective.tiers` defines: the annual
and the monthly runs share one formulation. It is read once into a template
(:mod:`.template`); :mod:`.periods` gives every row and column its bound in every month from
its time scaling; then

* :mod:`.full` — every month in one HiGHS model, yearly rows summed over each year, reservoir
  storage carried between months (perfect foresight);
* :mod:`.myopic` — one HiGHS model whose bounds change in place month by month, warm-started.

The tiers are solved staged (exact, the default) or as one weighted LP (``objective="weighted"``,
refused with the equity rule). :mod:`.results` turns the solution into tables.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .._errors import InfeasibleError, InputError, Problem, raise_if
from ..engine import refuse_weighted, tier_weights
from ..explain import explained_error
from ..hydrology import SeriesParams, check_pattern, generate_series, read_series
from ..i18n import tr
from ..network import surface_factor
from ..palette import SURFACE_KINDS
from ..scenario import Scenario, TimeSpec
from ..template import Template, extract_template
from .full import full_horizon
from .myopic import myopic
from .periods import period_bounds
from .reservoirs import reservoirs
from .results import MonthlyResult, guarantee_rates

__all__ = [
    "MonthlyResult",
    "Template",
    "check_monthly",
    "extract_template",
    "guarantee_rates",
    "solve_monthly",
    "tier_weights",
]


def _surface_ids(G: nx.DiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d.get("source_kind") in SURFACE_KINDS and d["kind"] != "wwtp"]


def monthly_inflows(
    G: nx.DiGraph, scenario: Scenario, months: list[str], series: pd.DataFrame | None, params: SeriesParams
) -> pd.DataFrame:
    """Monthly inflows (万m³) per surface source.

    The series is the given one, or the illustrative generator's around each source's mean yield.
    The scenario's hydrology scales it as it scales an annual run: ``surface_factor``, or the
    year type's factor for each source (``year_type: P75`` turns the series into one whose every
    year is shifted towards that dry year — a stress test, not a frequency analysis).
    """
    surface = _surface_ids(G)
    if not surface:
        return pd.DataFrame(index=months)
    hyd = scenario.spec.hydrology
    factor = pd.Series({n: surface_factor(hyd, G.nodes[n]["source_kind"], n) for n in surface})
    if series is None:
        mean = {n: (G.nodes[n]["source_kind"], G.nodes[n]["available"] / max(float(factor[n]), 1e-12)) for n in surface}
        series = generate_series(mean, params)
    table = series.pivot(index="month", columns="source", values="volume_10k_m3").reindex(months)
    _check_inflows(table, surface, months)
    return table[surface] * factor[surface]


def _check_inflows(table: pd.DataFrame, sources: list[str], months: list[str]) -> None:
    """Every surface source has a finite, non-negative inflow every month: a gap is an error, never a silent 0."""
    raise_if(
        [
            Problem("<inflow series>", "source", s, tr("a series for every surface source of the network"))
            for s in sources
            if s not in table.columns
        ]
    )
    arr = table[sources].to_numpy(dtype=float)
    bad = np.argwhere(~(arr >= 0))  # NaN and negative values
    if len(bad):
        t, k = bad[0]
        raise InputError(
            Problem(
                "<inflow series>",
                f"{sources[k]} in {months[t]}",
                float(arr[t, k]),
                tr("a flow of zero or more, every month"),
            )
        )


def _without_storage(G: nx.DiGraph) -> nx.DiGraph:
    H = G.copy()
    for r in reservoirs(H):
        del H.nodes[r]["storage"]
    return H


def _prepare(
    G: nx.DiGraph,
    scenario: Scenario,
    mode: str,
    years: int | None,
    start_year: int | None,
    series: pd.DataFrame | None,
    objective: str | None,
    params: SeriesParams | None,
    lp_solver: str,
    storage: bool,
) -> tuple[nx.DiGraph, Any, Any, pd.DataFrame, str]:
    """Everything a monthly solve checks and builds before it solves: options, inflow series,
    template, demand patterns and monthly bounds (raises InputError on bad input)."""
    tcfg = scenario.spec.time
    objective = objective or (tcfg.objective if tcfg else "staged")
    for name, value, valid in (
        ("mode", mode, ("full", "myopic")),
        ("objective", objective, ("staged", "weighted")),
        ("lp_solver", lp_solver, ("auto", "simplex", "ipm")),
    ):
        if value not in valid:
            raise InputError(
                Problem("<argument>", name, value, tr("one of {expected}", expected=", ".join(map(repr, valid))))
            )
    if tcfg is not None and tcfg.storage_end == "at_start" and mode != "full":
        raise InputError(
            Problem(
                str(scenario.path),
                "time.storage_end",
                "at_start",
                tr(
                    "mode 'full' (a {mode} run decides each month without the months ahead, so it cannot "
                    "promise where the reservoirs end); use --mode full or storage_end: free",
                    mode=mode,
                ),
            )
        )
    G = G if storage else _without_storage(G)
    years = years or (tcfg.years if tcfg else 1)
    start_year = start_year or (tcfg.start_year if tcfg else scenario.spec.year)
    params = params or SeriesParams(years=years, start_year=start_year, seed=tcfg.seed if tcfg else SeriesParams.seed)
    months = [f"{start_year + i // 12}-{i % 12 + 1:02d}" for i in range(12 * years)]
    if series is None and tcfg is not None and tcfg.series:
        series = read_series(
            scenario.path.parent / tcfg.series, sources=set(_surface_ids(G)), start=months[0], months=len(months)
        )
    inflow = monthly_inflows(G, scenario, months, series, params)
    tpl = extract_template(G, scenario)
    patterns = {
        s: check_pattern(p, file=str(scenario.path), field=f"time.demand_patterns.{s}")
        for s, p in (tcfg.demand_patterns.items() if tcfg else [])
    }
    peak = (tcfg or TimeSpec()).groundwater_monthly_peak  # documented on TimeSpec
    per = period_bounds(G, tpl, months, inflow, patterns, peak=peak)
    if objective == "weighted":
        refuse_weighted([t.kind for t, _c in tpl.tiers], "full horizon" if mode == "full" else "myopic")
    return G, tpl, per, inflow, objective


def check_monthly(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    mode: str | None = None,
    years: int | None = None,
    objective: str | None = None,
) -> None:
    """Run every check a monthly solve makes before solving (``waterplan validate``): options,
    the inflow series (gaps, duplicated or impossible months), demand patterns, the objective."""
    tcfg = scenario.spec.time
    _prepare(G, scenario, mode or (tcfg.mode if tcfg else "full"), years, None, None, objective, None, "auto", True)


def solve_monthly(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    mode: str = "full",
    years: int | None = None,
    start_year: int | None = None,
    series: pd.DataFrame | None = None,
    objective: str | None = None,
    warm_start: bool = True,
    params: SeriesParams | None = None,
    lp_solver: str = "auto",
    storage: bool = True,
    progress: bool = False,
    lp_dump: Path | None = None,
) -> MonthlyResult:
    """Allocate month by month over many years.

    Parameters (the scenario's ``time:`` section gives the defaults)
    ----------
    mode
        ``"full"`` (one LP over the horizon) or ``"myopic"`` (month by month).
    years, start_year, series
        The horizon; monthly inflows (columns month, source, volume_10k_m3): by default the
        scenario's series file, else the illustrative generator.
    objective
        ``"staged"`` (the tiers one after another, exact; the default) or ``"weighted"`` (one LP
        with data-derived weights; refused with the equity rule).
    warm_start, lp_solver
        Myopic: keep HiGHS's basis between months. Full horizon: ``"simplex"``, ``"ipm"`` or ``"auto"``
        (above 20,000 columns: weighted, from the myopic run's answer by dual simplex; staged, ipm).
    storage
        ``False``: reservoirs release their monthly inflow without storing (no regulation).
    progress, lp_dump
        A bar on a terminal, a line every 10 s elsewhere (months solved); where to write the LP if
        a stage fails (HiGHS's .lp or .mps, by the suffix), as an annual run does.

    Raises
    ------
    InfeasibleError
        If the targets cannot all hold: the conflicting targets of the one-period model, named with
        the amount each must give (:func:`waterplan.explain`), or the month and stage that failed.
    """
    t0 = time.perf_counter()
    G, tpl, per, inflow, objective = _prepare(
        G, scenario, mode, years, start_year, series, objective, params, lp_solver, storage
    )
    t1 = time.perf_counter()
    run: dict[str, Any] = {"progress": progress, "lp_dump": lp_dump}
    try:
        if mode == "full":
            res = full_horizon(G, scenario, tpl, per, inflow, objective=objective, lp_solver=lp_solver, **run)
        else:
            res = myopic(G, scenario, tpl, per, inflow, objective=objective, warm_start=warm_start, **run)
    except InfeasibleError as exc:
        raise explained_error(G, scenario, str(exc)) from None
    res.objective_mode = objective
    res.timings["template"] = t1 - t0
    res.timings["total"] = time.perf_counter() - t0
    return res
