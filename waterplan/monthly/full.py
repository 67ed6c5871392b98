"""Full horizon: every month in one LP (perfect foresight).

The template's rows are replicated month by month with each month's bounds; rows that hold over
a year (policy targets, trading quotas) are summed over each year's twelve months; groundwater
and mine-water availability holds over each year; reservoirs carry storage between months.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import networkx as nx
import numpy as np
import pandas as pd

from .._errors import InfeasibleError
from ..engine import Tiered, new_highs, pass_model
from ..scenario import Scenario
from ..template import INF, Template
from .myopic import months_built
from .periods import Periods
from .reservoirs import reservoir_block, reservoirs
from .results import MonthlyResult, available_by_source, collect

__all__ = ["START_ABOVE", "full_horizon"]

#: above this many columns, ``lp_solver="auto"`` starts a weighted horizon from the myopic run's
#: answer (dual simplex from there), or solves it by interior point; at or below, by simplex
START_ABOVE = 20000


@dataclass
class _Coo:
    """Rows of an LP under construction (COO) with their bounds."""

    rows: list[np.ndarray]
    cols: list[np.ndarray]
    vals: list[np.ndarray]
    lo: list[np.ndarray]
    hi: list[np.ndarray]
    n_rows: int = 0

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo: Any, hi: Any) -> None:
        """Add rows numbered from 0 (shifted to follow the rows already there)."""
        self.rows.append(rows + self.n_rows)
        self.cols.append(cols)
        self.vals.append(vals)
        self.lo.append(np.atleast_1d(lo))
        self.hi.append(np.atleast_1d(hi))
        self.n_rows += len(np.atleast_1d(lo))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(a) for a in (self.rows, self.cols, self.vals, self.lo, self.hi))


def _monthly_rows(tpl: Template, per: Periods, coo: _Coo) -> None:
    """The template's month-by-month rows, replicated with each month's bounds and coefficients."""
    T, n = len(per.months), tpl.n_cols
    keep = tpl.row_time != "year"
    idx = np.flatnonzero(keep)
    remap = -np.ones(tpl.n_rows, dtype=np.int64)
    remap[idx] = np.arange(len(idx))
    entries = keep[tpl.rows]
    r, c = remap[tpl.rows[entries]], tpl.cols[entries]
    vals = per.entry_values(tpl)[:, entries]
    coo.add(
        (r[None, :] + (np.arange(T) * len(idx))[:, None]).ravel(),
        (c[None, :] + (np.arange(T) * n)[:, None]).ravel(),
        vals.ravel(),
        per.row_lo[:, idx].ravel(),
        per.row_hi[:, idx].ravel(),
    )


def _yearly_rows(tpl: Template, per: Periods, coo: _Coo) -> dict[str, list[int]]:
    """Year rows summed over each year's months, and the yearly availability of ``year`` columns."""
    n, n_years = tpl.n_cols, len(per.months) // 12
    offsets = [np.arange(12 * y, 12 * y + 12) * n for y in range(n_years)]
    policy: dict[str, list[int]] = {}
    for i in np.flatnonzero(tpl.row_time == "year"):
        c0, v0 = tpl.row_entries(int(i))
        for off in offsets:
            if tpl.row_kind[i] == "policy":
                policy.setdefault(tpl.row_about[i], []).append(coo.n_rows)
            cols = (c0[None, :] + off[:, None]).ravel()
            coo.add(np.zeros(len(cols), dtype=np.int64), cols, np.tile(v0, 12), tpl.row_lo[i], tpl.row_hi[i])
    for col in np.flatnonzero(tpl.col_time == "year"):
        for off in offsets:
            coo.add(np.zeros(12, dtype=np.int64), col + off, np.ones(12), -INF, tpl.ub[col])
    return policy


@dataclass
class _HorizonLp:
    """The whole horizon's LP as arrays, with its reservoir block and yearly policy rows."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    block: Any
    reservoirs: list[str]
    policy_rows: dict[str, Any]


def _horizon_lp(G: nx.DiGraph, tpl: Template, per: Periods, inflow: pd.DataFrame, end_at_start: bool) -> _HorizonLp:
    """Every month's rows, the yearly rows and the reservoirs' storage balance over the horizon."""
    T, n = len(per.months), tpl.n_cols
    coo = _Coo([], [], [], [], [])
    _monthly_rows(tpl, per, coo)
    policy_rows = _yearly_rows(tpl, per, coo)
    names = reservoirs(G)
    block = reservoir_block(
        G, names, T, lambda r, t: tpl.col("release", r) + t * n, first_col=T * n, first_row=coo.n_rows
    )
    before = {r: G.nodes[r].get("initial_storage", 0.5 * G.nodes[r]["storage"]) for r in names}
    rhs = block.rhs(G, {r: inflow[r].to_numpy() for r in names}, before)
    coo.add(block.rows - coo.n_rows, block.cols, block.vals, rhs, rhs)
    rows, cols, vals, row_lo, row_hi = coo.arrays()
    lb = np.concatenate([per.lb.ravel(), block.lb])
    if end_at_start:  # a cyclic horizon: each reservoir ends at least where it began
        for r in names:
            last = int(block.storage_col[r][-1])  # the storage column of the last month
            lb[last] = max(lb[last], before[r])
    return _HorizonLp(rows, cols, vals, row_lo, row_hi, lb, np.concatenate([per.ub.ravel(), block.ub]), block, names,
                      policy_rows)  # fmt: skip


def _myopic_start(
    G: nx.DiGraph, tpl: Template, per: Periods, inflow: pd.DataFrame, lp: _HorizonLp
) -> tuple[np.ndarray, np.ndarray]:
    """The myopic run's answer as a point to start the horizon's LP from (its columns' values, its
    rows' prices): every month's columns, the reservoirs' storage and spill as it left them
    (brought inside the horizon's bounds: a cyclic horizon's end storage), a month's row's price as
    the month ended with it, a yearly row's or a yearly column's availability's the mean over the
    year's months (of the row's price; of what the column's bound was worth), a reservoir's balance
    row's as the month priced it (the weighted objective, as the horizon's). The run takes over
    ``per``'s bounds (build the LP first)."""
    loop, h, tiered = months_built(G, tpl, per, inflow, objective="weighted")
    loop.run(h, tiered, duals=True)
    T, n = len(per.months), tpl.n_cols
    x = np.concatenate([loop.x[:, :n].ravel(), np.zeros(len(lp.col_lb) - T * n)])
    y = np.zeros(len(lp.row_lo))
    month_rows = np.flatnonzero(tpl.row_time != "year")
    y[: T * len(month_rows)] = loop.row_dual[:, month_rows].ravel()
    at, n_years = T * len(month_rows), T // 12
    yearly = [loop.row_dual[:, i] for i in np.flatnonzero(tpl.row_time == "year")]
    yearly += [np.minimum(loop.col_dual[:, c], 0.0) for c in np.flatnonzero(tpl.col_time == "year")]
    for prices in yearly:  # in the order _yearly_rows adds them
        y[at : at + n_years] = prices.reshape(n_years, 12).mean(axis=1)
        at += n_years
    for k, r in enumerate(lp.reservoirs):
        x[lp.block.storage_col[r]] = loop.x[:, loop.storage_cols[k]]
        x[lp.block.spill_col[r]] = loop.x[:, loop.spill_cols[k]]
        y[lp.block.row[r]] = loop.row_dual[:, tpl.n_rows + k]
    np.clip(x, lp.col_lb, lp.col_ub, out=x)
    return x, y


def _tiered(G: nx.DiGraph, tpl: Template, lp: _HorizonLp, h: highspy.Highs, T: int, objective: str,
            lp_dump: Path | None) -> Tiered:  # fmt: skip
    """The horizon's tiers: each template tier's costs every month, the spills' in the last."""
    n, n_cols = tpl.n_cols, len(lp.col_lb)
    pad = np.zeros(n_cols - T * n)
    return Tiered.of_template(tpl, [np.concatenate([np.tile(c, T), pad]) for _t, c in tpl.tiers], h=h,
                              fixed_cost=np.concatenate([np.zeros(T * n), lp.block.cost]),
                              staged=objective == "staged", G=G, mode="full horizon", ub=lp.col_ub, periods=T,
                              lp_dump=lp_dump, matrix=(lp.rows, lp.cols, lp.vals),
                              bounds=(lp.col_lb, lp.col_ub, lp.row_lo, lp.row_hi))  # fmt: skip


def _policy_by_year(tpl: Template, per: Periods, X: np.ndarray, activity: np.ndarray, lp: _HorizonLp) -> pd.DataFrame:
    """Each policy row's yearly activity, less an expected target's shortfall (the target's own value)."""
    years = sorted(dict.fromkeys(m[:4] for m in per.months))
    policy = {cid: activity[idx].copy() for cid, idx in lp.policy_rows.items()}
    for i in np.flatnonzero(tpl.row_kind == "policy"):
        gap = tpl.gap_entry(int(i))
        if gap is not None:
            per_year = X[:, gap[0]].reshape(-1, 12).sum(axis=1)
            policy[tpl.row_about[i]] = policy[tpl.row_about[i]] - gap[1] * per_year
    return pd.DataFrame(policy, index=years)


def full_horizon(
    G: nx.DiGraph,
    scenario: Scenario,
    tpl: Template,
    per: Periods,
    inflow: pd.DataFrame,
    *,
    objective: str = "staged",
    lp_solver: str = "auto",
    progress: bool = False,
    lp_dump: Path | None = None,
) -> MonthlyResult:
    """Solve the whole horizon as one LP (see the module docs)."""
    tb = time.perf_counter()
    T, n = len(per.months), tpl.n_cols
    tcfg = scenario.spec.time
    lp = _horizon_lp(G, tpl, per, inflow, tcfg is not None and tcfg.storage_end == "at_start")
    n_cols = len(lp.col_lb)
    available = available_by_source(tpl, per)
    start, tstart = None, time.perf_counter()
    trying = lp_solver == "auto" and n_cols > START_ABOVE and objective == "weighted"
    if trying:
        try:  # (it takes over per's bounds: the horizon's LP holds its own)
            start = _myopic_start(G, tpl, per, inflow, lp)
        except InfeasibleError:  # a month the myopic run cannot plan may be planned with foresight
            start = None
    tstart = time.perf_counter() - tstart
    if lp_solver == "auto":
        lp_solver = "ipm" if n_cols > START_ABOVE else "simplex"
    h = new_highs(lp_solver)
    pass_model(h, np.zeros(n_cols), lp.col_lb, lp.col_ub, lp.row_lo, lp.row_hi, lp.rows, lp.cols, lp.vals)
    tiered = _tiered(G, tpl, lp, h, T, objective, lp_dump)
    tiered.start = start
    tbuilt = time.perf_counter()
    obj = tiered.solve("the full-horizon LP", progress=progress)
    tsolved = time.perf_counter()
    x = np.asarray(h.getSolution().col_value)
    block, names = lp.block, lp.reservoirs
    res = collect(
        scenario,
        G,
        tpl,
        per,
        x[: T * n].reshape(T, n),
        {r: x[block.storage_col[r]] for r in names},
        {r: x[block.spill_col[r]] for r in names},
        "full",
        available=available,
    )
    res.policy = _policy_by_year(tpl, per, x[: T * n].reshape(T, n), np.asarray(h.getSolution().row_value), lp)
    res.objective = {"floor shortfall": 0.0, **obj}
    res.timings = {"build": tbuilt - tb - tstart, "solve": tsolved - tbuilt, "highs_run": h.getRunTime()}
    if trying:
        res.timings["start"] = tstart
    res.lp_method = "dual simplex from the myopic run" if tiered.started else lp_solver
    res.lp_size = {"columns": int(n_cols), "rows": len(lp.row_lo), "nonzeros": len(lp.vals)}
    return res
