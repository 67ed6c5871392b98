"""Monthly results: tables from the solution arrays, once at the end; guarantee rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..results import INDICATOR_COLUMNS, Results, constraint_row
from ..scenario import Scenario
from ..status import judge_guarantee
from ..tables import TABLES, Horizon, mean_year_of, period_table
from ..template import Template
from .periods import Periods

__all__ = ["MonthlyResult", "available_by_source", "collect", "guarantee_rates", "mean_year_results", "policy_yearly",
           "storage_drawn", "storage_table", "targets_from_storage"]  # fmt: skip


@dataclass
class MonthlyResult:
    """Values of a monthly run, in 万m³ per month.

    The run's tables — allocation, balance, flows, sources, one row per month × item, with the
    annual run's columns — are :meth:`tables` (built once, on first use, by :mod:`waterplan.tables`);
    the wide frames below (index month) are what the guarantee rates and charts read.
    """

    scenario: Scenario
    graph: nx.DiGraph
    months: list[str]
    mode: str
    shortage: pd.DataFrame  # index month, columns demand nodes
    demand: pd.DataFrame
    release: pd.DataFrame  # index month, columns sources
    storage: pd.DataFrame  # index month, columns reservoirs
    spill: pd.DataFrame
    #: water-rights transfers per year: columns year, seller, buyer, volume_10k_m3
    trades: pd.DataFrame
    #: the solved horizon's arrays (every column of the one-period model in every month)
    horizon: Horizon
    policy: pd.DataFrame = field(default_factory=pd.DataFrame)  # index year, columns constraint ids
    objective: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    lp_size: dict[str, int] = field(default_factory=dict)
    step_seconds: list[float] = field(default_factory=list)
    floor_shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: how HiGHS solved the LP(s): "simplex" or "ipm" (a full horizon), "dual simplex from the myopic
    #: run" (a long full horizon: a myopic run first, its answer and prices the start), "simplex, month by month"
    lp_method: str = ""
    #: how the tiers were solved: "staged" or "weighted"
    objective_mode: str = "staged"
    #: both sides of every policy constraint per year (万m³): index year, columns (id, "lhs" | "rhs")
    sides: pd.DataFrame = field(default_factory=pd.DataFrame)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """allocation, balance, flows and sources month by month (``period`` = ``YYYY-MM``), with
        the columns of an annual run's tables (:mod:`waterplan.tables`). Held whole once built (a
        720-month run of the province: 1.44 million flow rows); a run's files are written five years
        at a time instead (:func:`waterplan.tables.write_period_tables`)."""
        return {name: self.table(name) for name in TABLES}

    def table(self, name: str) -> pd.DataFrame:
        """One of :meth:`tables`, built on first use (only that one)."""
        if name not in self._tables:
            self._tables[name] = period_table(self.horizon, name)
        return self._tables[name]

    @property
    def allocation(self) -> pd.DataFrame:
        """Water arrived by month, county, sector and source (``volume_10k_m3``), and at the source."""
        return self.table("allocation")

    @property
    def years(self) -> list[str]:
        return list(dict.fromkeys(m[:4] for m in self.months))


def available_by_source(tpl: Template, per: Periods) -> dict[str, np.ndarray]:
    """What each source may release in each month: its inflow, or a twelfth of its yearly
    availability; NaN where storage bounds the release instead."""
    per.bounds_held()
    out = {}
    T = len(per.months)
    for s, c in tpl.cols_of("release").items():
        kind = tpl.col_time[c]
        if kind == "inflow":
            out[s] = per.ub[:, c].astype(float)
        elif kind == "storage" or not np.isfinite(tpl.ub[c]):
            out[s] = np.full(T, np.nan)
        else:
            out[s] = np.full(T, tpl.ub[c] / 12.0)
    return out


def _trades(tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    trade = tpl.cols_of("trade")
    years = np.asarray([m[:4] for m in months])
    rows = []
    for (a, b), col in trade.items():
        for y in dict.fromkeys(years):
            rows.append({"year": y, "seller": a, "buyer": b, "volume_10k_m3": float(values[years == y, col].sum())})
    return pd.DataFrame(rows, columns=["year", "seller", "buyer", "volume_10k_m3"])


def _sides(tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    """Both sides of every policy constraint of the scenario (a ratio's numerator and denominator),
    summed over each year from the month × column solution: what its status is judged on."""
    index = {name: i for i, name in enumerate(tpl.model.cols)}
    years = [m[:4] for m in months]
    out: dict[tuple[str, str], pd.Series] = {}
    for cid, exprs in tpl.model.policy_expr.items():
        for side, expr in zip(("lhs", "rhs"), exprs, strict=True):
            if expr is None:
                continue
            cols = np.asarray([index[v.name] for v in expr], dtype=np.int64)
            coef = np.asarray(list(expr.values()), dtype=float)
            monthly = values[:, cols] @ coef if len(cols) else np.zeros(len(months))
            out[(cid, side)] = pd.Series(monthly).groupby(years, sort=False).sum() + float(expr.constant)
    return pd.DataFrame(out)


def policy_yearly(res: MonthlyResult) -> pd.DataFrame:
    """Every policy constraint of the scenario, year by year (``period``): the annual indicator
    table's columns, judged by the same code from the year's two sides (万m³, or % for a ratio).
    A monthly run has no shadow prices (those columns are empty)."""
    rows = []
    for c in res.scenario.constraints:
        if (c.id, "lhs") not in res.sides.columns:
            continue
        for year, lhs in res.sides[(c.id, "lhs")].items():
            rhs = float(res.sides[(c.id, "rhs")][year]) if c.rhs is not None else None
            row = constraint_row(c, float(lhs), rhs, res.scenario.year)
            rows.append({**row, "period": year, "shadow_price": None, "shadow_price_unit": "",
                         "shadow_price_stage": "", "reason": ""})  # fmt: skip
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def collect(
    scenario: Scenario,
    G: nx.DiGraph,
    tpl: Template,
    per: Periods,
    values: np.ndarray,
    storage: dict[str, np.ndarray],
    spill: dict[str, np.ndarray],
    mode: str,
    *,
    available: dict[str, np.ndarray] | None = None,
) -> MonthlyResult:
    """A solved horizon from its month × column solution array (its tables are built on first use);
    ``available``: what each source may release (by default read from ``per``'s bounds)."""
    months = per.months
    short_col = tpl.cols_of("shortage")
    q_col = tpl.cols_of("release")
    demands = per.demands
    short = pd.DataFrame(values[:, [short_col[d] for d in demands]], index=months, columns=demands)
    release = pd.DataFrame(values[:, list(q_col.values())], index=months, columns=list(q_col))
    available = available_by_source(tpl, per) if available is None else available
    horizon = Horizon(model=tpl.model, periods=months, values=values, demand=per.demand, demands=list(demands),
                      available=available, fraction=1 / 12)  # fmt: skip
    return MonthlyResult(
        scenario=scenario,
        graph=G,
        months=months,
        mode=mode,
        shortage=short.clip(lower=0.0),
        demand=pd.DataFrame(per.demand, index=months, columns=demands),
        release=release,
        storage=pd.DataFrame(storage, index=months),
        spill=pd.DataFrame(spill, index=months),
        trades=_trades(tpl, months, values),
        horizon=horizon,
        sides=_sides(tpl, months, values),
    )


def guarantee_rates(res: MonthlyResult, *, tol: float = 1e-3) -> pd.DataFrame:
    """Supply guarantee rates (供水保证率) per county × sector.

    A month is fully supplied when its shortage is at most ``tol`` 万m³ (10 m³); a year when all
    its months are. Returns the share of months and of years fully supplied, the sector's target
    (``time.guarantee_targets``, share of years) and the status.
    """
    G = res.graph
    ok = res.shortage.le(tol + 1e-9 * res.demand)
    years = pd.Index([m[:4] for m in res.months])
    yearly_ok = ok.groupby(years).all()
    targets = res.scenario.spec.time.guarantee_targets if res.scenario.spec.time else {}
    rows = []
    for d in res.shortage.columns:
        nd = G.nodes[d]
        target = targets.get(nd["sector"])
        year_rate = float(yearly_ok[d].mean())
        rows.append(
            {
                "county": nd["county"],
                "sector": nd["sector"],
                "priority": nd["priority"],
                "months_fully_supplied": float(ok[d].mean()),
                "years_fully_supplied": year_rate,
                "target_years": target,
                "status": judge_guarantee(year_rate, target),
                "mean_shortage_10k_m3_per_year": float(res.shortage[d].sum() / max(1, len(set(years)))),
            }
        )
    return pd.DataFrame(rows).sort_values(["county", "priority", "sector"]).reset_index(drop=True)


def span(res: MonthlyResult) -> str:
    """The years of the horizon, as the mean year's ``period`` (``"1971–2030"``)."""
    return f"{res.months[0][:4]}–{res.months[-1][:4]}"


def mean_year_indicators(res: MonthlyResult) -> pd.DataFrame:
    """Every policy constraint judged on the mean year: each side's yearly values averaged (a
    ratio is the mean numerator over the mean denominator)."""
    mean = res.sides.mean() if len(res.sides.columns) else pd.Series(dtype=float)
    rows = []
    for c in res.scenario.constraints:
        if (c.id, "lhs") not in mean.index:
            continue
        rhs = float(mean[(c.id, "rhs")]) if c.rhs is not None else None
        row = constraint_row(c, float(mean[(c.id, "lhs")]), rhs, res.scenario.year)
        rows.append({**row, "period": span(res), "shadow_price": None, "shadow_price_unit": "",
                     "shadow_price_stage": "", "reason": "mean year of the horizon"})  # fmt: skip
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def mean_year_results(res: MonthlyResult, guarantee: pd.DataFrame | None = None) -> Results:
    """The monthly run as an average year, with an annual run's tables and columns (万m³ per year:
    :func:`waterplan.tables.mean_year_of` over the months, five years at a time), for the map, the
    GIS layers and the print map. A monthly run has no shadow prices: those columns are empty. The balance carries each
    county × sector's guarantee rates (``years_fully_supplied``, ``months_fully_supplied``) when
    ``guarantee`` is given."""
    t = mean_year_of(res.horizon, len(res.months) / 12.0, span(res))
    balance, sources, flows = t["balance"], t["sources"], t["flows"]
    if guarantee is not None and len(guarantee):
        g = guarantee[["county", "sector", "years_fully_supplied", "months_fully_supplied"]]
        balance = balance.merge(g, on=["county", "sector"], how="left")
    return Results(allocation=t["allocation"], balance=balance, flows=flows, sources=sources,
                   indicators=mean_year_indicators(res), duals=pd.DataFrame(), stages=pd.DataFrame())  # fmt: skip


def storage_table(res: MonthlyResult) -> pd.DataFrame:
    """Each reservoir in each month: end-of-month storage, spill and release (万m³)."""
    G = res.graph
    cols = ["scenario", "period", "reservoir", "name_zh", "name_en", "storage_10k_m3", "spill_10k_m3",
            "released_10k_m3"]  # fmt: skip
    parts = [
        pd.DataFrame(
            {
                "scenario": res.scenario.name,
                "period": res.months,
                "reservoir": r,
                "name_zh": G.nodes[r]["name_zh"],
                "name_en": G.nodes[r]["name_en"],
                "storage_10k_m3": res.storage[r].to_numpy(),
                "spill_10k_m3": res.spill[r].to_numpy(),
                "released_10k_m3": res.release[r].to_numpy(),
            }
        )
        for r in res.storage.columns
    ]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def storage_drawn(res: MonthlyResult) -> pd.DataFrame:
    """Each reservoir each year: storage at the start (the first year's is the assumed initial
    storage), at the end, and what the year drew from it (start less end; negative: stored)."""
    G = res.graph
    rows = []
    for r in res.storage.columns:
        start = float(G.nodes[r]["initial_storage"])
        by_year = res.storage[r].groupby([m[:4] for m in res.storage.index], sort=True)
        for year, s in by_year:
            end = float(s.iloc[-1])
            rows.append({"period": year, "reservoir": r, "name_zh": G.nodes[r]["name_zh"], "start_10k_m3": start,
                         "end_10k_m3": end, "drawn_10k_m3": start - end})  # fmt: skip
            start = end
    cols = ["period", "reservoir", "name_zh", "start_10k_m3", "end_10k_m3", "drawn_10k_m3"]
    return pd.DataFrame(rows, columns=cols)


def _reservoir_water(res: MonthlyResult, sel: Any, reservoirs: set[str], year: str) -> float:
    """What a year's value of a constraint side counts of the given reservoirs' water (at the user,
    or released for a withdrawal): the most that storage drawn from them can account for."""
    if sel.measure == "withdrawal":
        src = res.table("sources")
        mine = src[src["source"].isin(reservoirs) & src["period"].str.startswith(year)]
        return float(mine["withdrawn_10k_m3"].sum())
    a = res.table("allocation")
    mine = a[a["source"].isin(reservoirs) & a["period"].str.startswith(year)]
    if sel.sectors is not None:
        mine = mine[mine["sector"].isin(sel.sectors)]
    if sel.counties is not None:
        mine = mine[mine["county"].isin(sel.counties)]
    return float(mine["use_at_source_10k_m3" if sel.measure != "intake" else "volume_10k_m3"].sum())


def targets_from_storage(res: MonthlyResult, yearly: pd.DataFrame) -> pd.DataFrame:
    """Each year's targets whose value counts a reservoir's water, where that year drew storage down:
    the value, at most how much of it came from storage drawn below the year's start, and the value
    without it (what the year's inflows alone would have given at most)."""
    from ..reach import sources_matching

    drawn = storage_drawn(res)
    drawn = drawn[drawn["drawn_10k_m3"] > 0.05]
    cons = {c.id: c for c in res.scenario.constraints}
    rows = []
    for r in yearly.itertuples():
        c = cons.get(r.id)
        if c is None or c.rhs is not None or c.lhs.measure not in ("withdrawal", "use", "intake", "consumption"):
            continue
        sel = c.lhs
        mine = set(sources_matching(res.graph, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags))
        part = drawn[(drawn["period"] == str(r.period)) & drawn["reservoir"].isin(mine)]
        if len(part):
            d = min(
                float(part["drawn_10k_m3"].sum()), _reservoir_water(res, sel, set(part["reservoir"]), str(r.period))
            )
            rows.append({"period": r.period, "id": r.id, "indicator_zh": r.indicator_zh, "value": float(r.value),
                         "target": r.target, "status": r.status, "from_storage_10k_m3": d,
                         "without_storage": float(r.value) - d})  # fmt: skip
    cols = ["period", "id", "indicator_zh", "value", "target", "status", "from_storage_10k_m3", "without_storage"]
    return pd.DataFrame(rows, columns=cols)
