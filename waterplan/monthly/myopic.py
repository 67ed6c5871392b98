"""Myopic: month by month, one HiGHS model whose bounds change in place (warm-started).

Each month sees only its own inflows, demands and the storage left by the month before. A yearly
cap (policy target, trading quota) is released as a monthly plan: what is left of it, times
this month's share of the year's remaining demand (all of it in December). Yearly floors and
ratio floors hold month by month, elastic: a month that cannot reach its twelfth records the
shortfall (a tier above every shortage, so it is used only where nothing else can help).
Groundwater and mine water may give at most what is left of their yearly availability.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import networkx as nx
import numpy as np
import pandas as pd
from tqdm import tqdm

from .._errors import InfeasibleError
from ..scenario import Scenario
from .periods import Periods
from .reservoirs import ReservoirBlock, reservoir_block, reservoirs
from .results import MonthlyResult, collect
from .solver import Tiered, checked, new_highs, numbers, pass_model
from .template import INF, Template

__all__ = ["myopic"]


@dataclass
class _Year:
    """What a myopic year has used so far of its yearly rows and yearly sources."""

    rows: np.ndarray  # yearly row indices
    cols: np.ndarray  # yearly column indices
    used_rows: np.ndarray
    used_cols: np.ndarray

    def reset(self) -> None:
        self.used_rows[:] = 0.0
        self.used_cols[:] = 0.0


def _plan_share(per: Periods, t: int) -> float:
    """This month's share of what the year still has to supply."""
    y0 = t - t % 12
    total = per.demand[y0 : y0 + 12].sum(axis=1)
    return min(1.0, float(total[t % 12] / max(1e-12, total[t % 12 :].sum())))


def _month_bounds(tpl: Template, per: Periods, year: _Year, t: int) -> tuple[np.ndarray, ...]:
    """Column and row bounds of month ``t``, yearly rows released as a monthly plan."""
    ub = per.ub[t].copy()
    ub[year.cols] = np.maximum(0.0, np.minimum(ub[year.cols], tpl.ub[year.cols] - year.used_cols))
    rlo, rhi = per.row_lo[t].copy(), per.row_hi[t].copy()
    lo, hi = tpl.row_lo[year.rows], tpl.row_hi[year.rows]
    cap = np.isfinite(hi) & ~np.isfinite(lo)
    left = np.maximum(hi - year.used_rows, np.minimum(hi, 0.0))
    rhi[year.rows] = np.where(cap, left * _plan_share(per, t), np.where(np.isfinite(hi), hi / 12, INF))
    rlo[year.rows] = np.where(cap, -INF, lo / 12.0)
    return per.lb[t], ub, rlo, rhi


def myopic(
    G: nx.DiGraph,
    scenario: Scenario,
    tpl: Template,
    per: Periods,
    inflow: pd.DataFrame,
    *,
    objective: str = "staged",
    warm_start: bool = True,
    progress: bool = False,
) -> MonthlyResult:
    """Solve month by month (see the module docs); ``progress`` shows a bar (months solved, time
    left) on a terminal."""
    tb = time.perf_counter()
    n, r = tpl.n_cols, tpl.n_rows
    names = reservoirs(G)
    block = reservoir_block(G, names, 1, lambda res, _t: tpl.col("release", res), first_col=n, first_row=r)
    year_rows = np.flatnonzero(tpl.row_time == "year")
    floors = year_rows[np.isfinite(tpl.row_lo[year_rows])]
    n_cols = n + len(block.lb) + len(floors)
    slack = np.arange(n + len(block.lb), n_cols)
    rows = np.concatenate([tpl.rows, block.rows, floors])
    cols = np.concatenate([tpl.cols, block.cols, slack])
    vals = np.concatenate([per.entry_values(tpl, 0), block.vals, np.ones(len(floors))])
    year = _Year(year_rows, np.flatnonzero(tpl.col_time == "year"), np.zeros(len(year_rows)), np.zeros(0))
    year.used_cols = np.zeros(len(year.cols))
    h = new_highs()
    lb0, ub0, rlo0, rhi0 = _month_bounds(tpl, per, year, 0)
    s_lb = np.concatenate([block.lb, np.zeros(len(floors))])
    s_ub = np.concatenate([block.ub, np.full(len(floors), INF)])
    zero = np.zeros(len(block.row))
    pass_model(
        h,
        np.zeros(n_cols),
        np.concatenate([lb0, s_lb]),
        np.concatenate([ub0, s_ub]),
        np.concatenate([rlo0, zero]),
        np.concatenate([rhi0, zero]),
        rows,
        cols,
        vals,
    )
    pad = np.zeros(n_cols - n)
    floor_cost = np.zeros(n_cols)
    floor_cost[slack] = 1.0
    levels = ([("floor shortfall", "floor", None, floor_cost)] if len(floors) else []) + [
        (t.name, t.kind, t.priority, np.concatenate([c, pad])) for t, c in tpl.tiers
    ]
    tiered = Tiered(
        h=h,
        names=[lv[0] for lv in levels],
        kinds=[lv[1] for lv in levels],
        costs=[lv[3] for lv in levels],
        fixed_cost=np.concatenate([np.zeros(n), block.cost, np.zeros(len(floors))]),
        staged=objective == "staged",
        G=G,
        priorities=[lv[2] for lv in levels],
        mode="myopic",
        ub=np.concatenate([ub0, s_ub]),
    )
    tbuilt = time.perf_counter()
    out = _Loop(tpl, per, year, h, tiered, block, names, floors, slack, n_cols, warm_start)
    out.run(G, inflow, progress=progress)
    res = collect(scenario, G, tpl, per, out.values, out.storage, out.spill, "myopic")
    res.policy = pd.DataFrame(out.policy)
    res.objective = {name: float(sum(z[name] for z in out.objectives)) for name in tiered.names}
    res.objective.setdefault("floor shortfall", 0.0)
    res.floor_shortfall = pd.DataFrame(out.shortfall, index=per.months, columns=[tpl.row_about[i] for i in floors])
    res.timings = {"build": tbuilt - tb, "solve": float(sum(out.steps)), "highs_run": h.getRunTime()}
    res.lp_size = {"columns": int(n_cols), "rows": int(r + len(block.row)), "nonzeros": len(vals)}
    res.step_seconds = out.steps
    return res


class _Loop:
    """The month-by-month loop and what it records."""

    def __init__(
        self,
        tpl: Template,
        per: Periods,
        year: _Year,
        h: highspy.Highs,
        tiered: Tiered,
        block: ReservoirBlock,
        names: list[str],
        floors: np.ndarray,
        slack: np.ndarray,
        n_cols: int,
        warm_start: bool,
    ) -> None:
        self.tpl, self.per, self.year, self.h, self.tiered = tpl, per, year, h, tiered
        self.block, self.names, self.floors, self.slack = block, names, floors, slack
        self.n_cols, self.warm_start = n_cols, warm_start
        T = len(per.months)
        self.values = np.zeros((T, tpl.n_cols))
        self.storage = {k: np.zeros(T) for k in names}
        self.spill = {k: np.zeros(T) for k in names}
        self.shortfall = np.zeros((T, len(floors)))
        self.policy: dict[str, dict[str, float]] = {}
        self.objectives: list[dict[str, float]] = []
        self.steps: list[float] = []
        # the yearly policy rows and, in each, the expected target's shortfall column (found once)
        self.policy_rows = np.asarray([int(i) for i in year.rows if tpl.row_kind[i] == "policy"], dtype=int)
        gaps = [tpl.gap_entry(int(i)) for i in self.policy_rows]
        self.gap_cols = np.asarray([g[0] if g else 0 for g in gaps], dtype=int)
        self.gap_coef = np.asarray([g[1] if g else 0.0 for g in gaps], dtype=float)
        self.policy_names = [tpl.row_about[i] for i in self.policy_rows]

    def _set_month(self, G: nx.DiGraph, inflow: dict[str, np.ndarray], t: int, before: dict[str, float]) -> None:
        tpl, per, h, block = self.tpl, self.per, self.h, self.block
        lb, ub, rlo, rhi = _month_bounds(tpl, per, self.year, t)
        rhs = block.rhs(G, {k: inflow[k][t : t + 1] for k in self.names}, before)
        all_c = np.arange(self.n_cols, dtype=np.int32)
        s_lb = np.concatenate([block.lb, np.zeros(len(self.floors))])
        s_ub = np.concatenate([block.ub, np.full(len(self.floors), INF)])
        col_lo, col_hi = np.concatenate([lb, s_lb]), np.concatenate([ub, s_ub])
        row_lo, row_hi = np.concatenate([rlo, rhs]), np.concatenate([rhi, rhs])
        month = f"month {per.months[t]}"

        def col(i: int) -> str:
            return f"{tpl.col_kind[i]} {tpl.col_about[i]}" if i < len(tpl.col_kind) else f"storage column {i}"

        def row(i: int) -> str:
            return f"{tpl.row_kind[i]} {tpl.row_about[i]}" if i < len(tpl.row_kind) else f"reservoir row {i}"

        for arr, name, about in ((col_lo, "column lower bounds", col), (col_hi, "column upper bounds", col),
                                 (row_lo, "row lower bounds", row), (row_hi, "row upper bounds", row)):  # fmt: skip
            numbers(arr, f"{month}: {name}", about)
        checked(h.changeColsBounds(self.n_cols, all_c, col_lo, col_hi), f"{month}: column bounds")
        checked(
            h.changeRowsBounds(len(row_lo), np.arange(len(row_lo), dtype=np.int32), row_lo, row_hi),  # type: ignore[attr-defined]
            f"{month}: row bounds",
        )
        k = per.scaled_entries
        if len(k) and t > 0 and not np.array_equal(per.share[t, tpl.rows[k]], per.share[t - 1, tpl.rows[k]]):
            vals = per.entry_values(tpl, t)
            for e in k:
                v = float(numbers(vals[e : e + 1], f"{month}: coefficients", lambda _i, e=e: row(int(tpl.rows[e])))[0])
                checked(h.changeCoeff(int(tpl.rows[e]), int(tpl.cols[e]), v), f"{month}: a coefficient")
        if not self.warm_start:
            h.clearSolver()

    def run(self, G: nx.DiGraph, inflow: pd.DataFrame, *, progress: bool = False) -> None:
        arrays = {k: inflow[k].to_numpy(dtype=float) for k in self.names}  # read once, not every month
        tpl, per, year = self.tpl, self.per, self.year
        before = {k: G.nodes[k].get("initial_storage", 0.5 * G.nodes[k]["storage"]) for k in self.names}
        months = tqdm(per.months, desc="myopic run", unit="month", disable=not progress or None, leave=False)
        for t, month in enumerate(months):
            ts = time.perf_counter()
            if t % 12 == 0:
                year.reset()
            self._set_month(G, arrays, t, before)
            try:
                self.objectives.append(self.tiered.solve(f"month {month} of the myopic run"))
            except InfeasibleError as exc:
                raise InfeasibleError(
                    f"{exc}: a target cannot hold in this month (myopic mode holds yearly floors month by month)"
                ) from None
            sol = self.h.getSolution()
            x, act = np.asarray(sol.col_value), np.asarray(sol.row_value)
            self.values[t] = x[: tpl.n_cols]
            for k in self.names:
                self.storage[k][t] = x[self.block.storage_col[k][0]]
                self.spill[k][t] = x[self.block.spill_col[k][0]]
                before[k] = self.storage[k][t]
            act[self.floors] -= x[self.slack]  # the rows' own value, without the elastic shortfall
            year.used_rows += act[year.rows]
            year.used_cols += x[year.cols]
            own = act[self.policy_rows] - self.gap_coef * x[self.gap_cols]  # each target's own value
            for name, v in zip(self.policy_names, own, strict=True):
                cell = self.policy.setdefault(name, {})
                cell[month[:4]] = cell.get(month[:4], 0.0) + float(v)
            self.shortfall[t] = x[self.slack]
            self.steps.append(time.perf_counter() - ts)
