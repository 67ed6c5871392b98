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
from pathlib import Path
from typing import Any

import highspy
import networkx as nx
import numpy as np
import pandas as pd

from .._errors import InfeasibleError
from ..engine import Tiered, checked, new_highs, numbers, pass_model, warm_options
from ..i18n import tr
from ..progress import progress_bar
from ..scenario import Scenario
from ..template import INF, Template
from .periods import Periods
from .reservoirs import ReservoirBlock, reservoir_block, reservoirs
from .results import MonthlyResult, available_by_source, collect

__all__ = ["myopic"]

_ERROR = highspy.HighsStatus.kError


def _plan_share(per: Periods, t: int) -> float:
    """This month's share of what the year still has to supply."""
    y0 = t - t % 12
    total = per.demand[y0 : y0 + 12].sum(axis=1)
    return min(1.0, float(total[t % 12] / max(1e-12, total[t % 12 :].sum())))


def _changed(lo: np.ndarray, hi: np.ndarray, moving: np.ndarray) -> list[np.ndarray]:
    """For each month (rows of ``lo``/``hi``), the entries whose bounds differ from the month
    before, and the ``moving`` ones (every entry in the first month)."""
    diff = np.ones(lo.shape, dtype=bool)
    diff[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    diff |= moving
    return [np.flatnonzero(d).astype(np.int32) for d in diff]


def _tiers(
    tpl: Template, h: highspy.Highs, G: nx.DiGraph, slack: np.ndarray, n_cols: int, fixed_cost: np.ndarray, **kw: Any
) -> Tiered:
    """The month's tiers: the yearly floors' shortfall first (where there are floors), then the
    template's tiers over the month's columns (the storage and slack columns cost nothing)."""
    pad = np.zeros(n_cols - tpl.n_cols)
    floor_cost = np.zeros(n_cols)
    floor_cost[slack] = 1.0
    levels = ([("floor shortfall", "floor", None, floor_cost)] if len(slack) else []) + [
        (t.name, t.kind, t.priority, np.concatenate([c, pad])) for t, c in tpl.tiers
    ]
    return Tiered(h=h, names=[lv[0] for lv in levels], kinds=[lv[1] for lv in levels],
                  costs=[lv[3] for lv in levels], fixed_cost=fixed_cost, G=G,
                  priorities=[lv[2] for lv in levels], mode="myopic", **kw)  # fmt: skip


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
    lp_dump: Path | None = None,
) -> MonthlyResult:
    """Solve month by month (see the module docs); ``progress`` shows a bar (months solved, time
    left) on a terminal."""
    tb = time.perf_counter()
    available = available_by_source(tpl, per)  # (before the loop frees the horizon's bounds)
    loop, h, tiered = months_built(G, tpl, per, inflow, objective=objective, warm_start=warm_start, lp_dump=lp_dump)
    tbuilt = time.perf_counter()
    loop.run(h, tiered, progress=progress)
    n, slack, names = tpl.n_cols, loop.slack, loop.names
    X = loop.x
    storage = {k: X[:, c] for k, c in zip(names, loop.storage_cols, strict=True)}
    spill = {k: X[:, c] for k, c in zip(names, loop.spill_cols, strict=True)}
    res = collect(scenario, G, tpl, per, X[:, :n], storage, spill, "myopic", available=available)
    res.policy = loop.policy()
    res.objective = loop.objectives(tiered)
    res.objective.setdefault("floor shortfall", 0.0)
    res.floor_shortfall = pd.DataFrame(X[:, slack], index=per.months, columns=[tpl.row_about[i] for i in loop.floors])
    res.timings = {"build": tbuilt - tb, "solve": float(loop.steps.sum()), "highs_run": h.getRunTime()}
    nonzeros = len(tiered.matrix[2]) if tiered.matrix is not None else 0  # (the month's own rows)
    res.lp_size = {"columns": loop.n_cols, "rows": loop.n_model_rows, "nonzeros": nonzeros}
    res.step_seconds = loop.steps.tolist()
    res.lp_method = "simplex, month by month" + (" (warm-started)" if warm_start else "")
    return res


def months_built(
    G: nx.DiGraph,
    tpl: Template,
    per: Periods,
    inflow: pd.DataFrame,
    *,
    objective: str,
    warm_start: bool = True,
    lp_dump: Path | None = None,
) -> tuple[_Loop, highspy.Highs, Tiered]:
    """The month's LP in HiGHS (month 0's bounds), its tiers, and the loop that solves the months
    (it takes over ``per``'s bounds: :meth:`Periods.hand_over`)."""
    n, r = tpl.n_cols, tpl.n_rows
    names = reservoirs(G)
    block = reservoir_block(G, names, 1, lambda res, _t: tpl.col("release", res), first_col=n, first_row=r)
    year_rows = np.flatnonzero(tpl.row_time == "year")
    floors = year_rows[np.isfinite(tpl.row_lo[year_rows])]
    vals = np.concatenate([per.entry_values(tpl, 0), block.vals, np.ones(len(floors))])  # (before the loop)
    loop = _Loop(G, tpl, per, inflow, block, names, floors, n + len(block.lb) + len(floors), warm_start)
    rows = np.concatenate([tpl.rows, block.rows, floors])
    cols = np.concatenate([tpl.cols, block.cols, loop.slack])
    h = new_highs()
    warm_options(h)  # (a month starts from the basis the month before ended with)
    # passed with month 0's bounds; the loop sets each month's (month 0's again) before it is solved
    pass_model(h, np.zeros(loop.n_cols), loop.lo, loop.hi, loop.rlo, loop.rhi, rows, cols, vals)
    tiered = _tiers(tpl, h, G, loop.slack, loop.n_cols,
                    np.concatenate([np.zeros(n), block.cost, np.zeros(len(floors))]),
                    staged=objective == "staged", ub=loop.hi.copy(), lp_dump=lp_dump,
                    matrix=(rows, cols, vals.copy()))  # fmt: skip
    return loop, h, tiered


class _Loop:
    """The month-by-month loop. Everything a month needs is prepared for the whole horizon here (the
    horizon's bounds checked for NaN once) and kept as each month's changes: the columns and rows
    whose bounds differ from the month before, or follow the months before, with their values; the
    horizon's (months × columns) arrays are then freed. A month applies its changes to the current
    bounds, writes what depends on the months before it (what is left of the yearly caps and of
    groundwater, the storage carried over), hands HiGHS the entries that change (one call per kind),
    and keeps the solution vector. Tables are made at the end."""

    def __init__(
        self,
        G: nx.DiGraph,
        tpl: Template,
        per: Periods,
        inflow: pd.DataFrame,
        block: ReservoirBlock,
        names: list[str],
        floors: np.ndarray,
        n_cols: int,
        warm_start: bool,
    ) -> None:
        self.tpl, self.per, self.names, self.floors = tpl, per, names, floors
        self.n_cols, self.warm_start = n_cols, warm_start
        self.slack = np.arange(n_cols - len(floors), n_cols)  # the floors' shortfall columns, the last
        self.n_model_rows = tpl.n_rows + len(names)
        T = len(per.months)
        self._fixed(G, inflow, block, floors)
        self._yearly()
        self._scaled()
        self._check()
        self._changes()
        per.hand_over()  # the months' changes hold what the loop needs of the horizon's bounds
        # what the months record
        self.x = np.zeros((T, n_cols))
        self.year_act = np.zeros((T, len(self.year_rows)))
        self.stage_objectives: list[dict[str, float]] = []
        self.steps = np.zeros(T)
        #: each month's row and column prices as HiGHS ended with them (:meth:`run` with ``duals``)
        self.row_dual, self.col_dual = np.zeros((0, 0)), np.zeros((0, 0))

    def _fixed(self, G: nx.DiGraph, inflow: pd.DataFrame, block: ReservoirBlock, floors: np.ndarray) -> None:
        """What is not in the horizon's arrays: the bounds of the reservoirs' storage and spill
        columns and of the floors' slack (the same every month), the reservoirs' inflows (their
        storage balance rows' right-hand side before the storage carried over)."""
        tpl, names = self.tpl, self.names
        T, extra = len(self.per.months), self.n_cols - tpl.n_cols
        self.extra_lo = np.concatenate([block.lb, np.zeros(len(floors))])[:extra]
        self.extra_hi = np.concatenate([block.ub, np.full(len(floors), INF)])[:extra]
        self.inflow = np.column_stack([inflow[k].to_numpy(dtype=float) for k in names]) if names else np.zeros((T, 0))
        self.keep = block.kept(G)  # block.row is in the order of names
        self.res_rows = np.array([block.row[k][0] for k in names], dtype=np.int32)
        self.storage_cols = np.array([block.storage_col[k][0] for k in names], dtype=np.int64)
        self.spill_cols = np.array([block.spill_col[k][0] for k in names], dtype=np.int64)
        self.before = np.array([G.nodes[k].get("initial_storage", 0.5 * G.nodes[k]["storage"]) for k in names])

    def _yearly(self) -> None:
        """Yearly rows and columns: what each month may take of the year (written into the horizon's
        arrays, which the loop alone uses from here on)."""
        tpl, per = self.tpl, self.per
        T = len(per.months)
        # yearly rows: floors and other bounds a twelfth each month; caps released as a monthly plan
        self.year_rows = np.flatnonzero(tpl.row_time == "year")
        lo, hi = tpl.row_lo[self.year_rows], tpl.row_hi[self.year_rows]
        cap = np.isfinite(hi) & ~np.isfinite(lo)
        per.row_lo[:, self.year_rows] = np.where(cap, -INF, lo / 12.0)
        per.row_hi[:, self.year_rows] = np.where(np.isfinite(hi), hi / 12.0, INF)
        self.cap_of_year = np.flatnonzero(cap)  # positions among the yearly rows
        self.cap_rows = self.year_rows[cap]
        self.cap_hi = hi[cap]
        self.cap_least = np.minimum(hi[cap], 0.0)
        self.plan_share = np.array([_plan_share(per, t) for t in range(T)])
        # yearly rows' activity from the solution vector (their template entries; not the slack)
        sel = np.isin(tpl.rows, self.year_rows)
        self.year_entry_row = np.searchsorted(self.year_rows, tpl.rows[sel])
        self.year_entry_col = tpl.cols[sel]
        self.year_entry_val = tpl.vals[sel]
        # yearly columns (groundwater, mine water): at most what is left of the year
        self.year_cols = np.flatnonzero(tpl.col_time == "year")
        self.year_cols_cap = tpl.ub[self.year_cols]
        per.ub[:, self.year_cols] = np.minimum(per.ub[:, self.year_cols], self.year_cols_cap)

    def _scaled(self) -> None:
        tpl, per = self.tpl, self.per
        T = len(per.months)
        # the coefficients that follow the demand pattern, every month, and the months they change in
        k = per.scaled_entries
        self.scaled = k
        share = per.share[np.ix_(np.arange(T) % 12, tpl.rows[k])]  # (months, entries)
        self.scaled_vals = tpl.vals[k] * share if len(k) else np.zeros((T, 0))
        self.scaled_change = np.zeros(T, dtype=bool)
        if len(k):
            self.scaled_change[1:] = np.any(self.scaled_vals[1:] != self.scaled_vals[:-1], axis=1)

    def _changes(self) -> None:
        """Each month's changes: the columns and rows whose bounds differ from the month before, or
        follow the months before (yearly columns, caps, reservoirs; every one in the first month),
        with the month's bounds; and the current bounds (the first month's), which the months
        update in place and the proof of the tiers reads."""
        tpl, per = self.tpl, self.per
        n, r = tpl.n_cols, tpl.n_rows
        moving_c = np.zeros(n, dtype=bool)
        moving_c[self.year_cols] = True
        moving_r = np.zeros(r, dtype=bool)
        moving_r[self.cap_rows] = True
        extra = np.arange(n, self.n_cols, dtype=np.int32)
        res = self.res_rows
        self.col_idx, self.col_lo_t, self.col_hi_t = [], [], []
        for t, c in enumerate(_changed(per.lb, per.ub, moving_c)):
            lo, hi = per.lb[t, c], per.ub[t, c]
            if t == 0:  # the storage, spill and slack columns: the same every month
                c, lo, hi = (
                    np.concatenate([c, extra]),
                    np.concatenate([lo, self.extra_lo]),
                    np.concatenate([hi, self.extra_hi]),
                )
            self.col_idx.append(c)
            self.col_lo_t.append(lo)
            self.col_hi_t.append(hi)
        self.row_idx, self.row_lo_t, self.row_hi_t = [], [], []
        for t, i in enumerate(_changed(per.row_lo, per.row_hi, moving_r)):
            self.row_idx.append(np.concatenate([i, res]))  # the reservoirs' rows: set each month
            self.row_lo_t.append(np.concatenate([per.row_lo[t, i], self.inflow[t]]))
            self.row_hi_t.append(np.concatenate([per.row_hi[t, i], self.inflow[t]]))
        self.lo = np.concatenate([per.lb[0], self.extra_lo])
        self.hi = np.concatenate([per.ub[0], self.extra_hi])
        self.rlo = np.concatenate([per.row_lo[0], self.inflow[0]])
        self.rhi = np.concatenate([per.row_hi[0], self.inflow[0]])

    def _col(self, i: int) -> str:
        tpl = self.tpl
        return f"{tpl.col_kind[i]} {tpl.col_about[i]}" if i < len(tpl.col_kind) else f"storage column {i}"

    def _row(self, i: int) -> str:
        tpl = self.tpl
        if i < len(tpl.row_kind):
            return f"{tpl.row_kind[i]} {tpl.row_about[i]}"
        return f"the storage balance of reservoir {self.names[i - len(tpl.row_kind)]} (its inflow)"

    def _check(self) -> None:
        """No NaN reaches HiGHS: the first month and entry that is not a number is named."""
        tpl, per, n, r = self.tpl, self.per, self.tpl.n_cols, self.tpl.n_rows
        scaled_row = lambda i: self._row(int(tpl.rows[self.scaled[i]]))  # noqa: E731
        extra_col = lambda j: self._col(n + j)  # noqa: E731
        reservoir = lambda j: self._row(r + j)  # noqa: E731
        for arr, name, about in ((per.lb, "column lower bounds", self._col),
                                 (per.ub, "column upper bounds", self._col),
                                 (self.extra_lo[None], "column lower bounds", extra_col),
                                 (self.extra_hi[None], "column upper bounds", extra_col),
                                 (per.row_lo, "row lower bounds", self._row),
                                 (per.row_hi, "row upper bounds", self._row),
                                 (self.inflow, "row lower bounds", reservoir),
                                 (self.scaled_vals, "coefficients", scaled_row)):  # fmt: skip
            nan = np.isnan(arr).any(axis=1)
            if nan.any():
                t = int(np.argmax(nan))
                numbers(arr[t], f"month {per.months[t]}: {name}", about)

    def _set_month(self, h: highspy.Highs, t: int, used_rows: np.ndarray, used_cols: np.ndarray) -> None:
        lo, hi, rlo, rhi = self.lo, self.hi, self.rlo, self.rhi
        c, r = self.col_idx[t], self.row_idx[t]
        lo[c], hi[c] = self.col_lo_t[t], self.col_hi_t[t]
        rlo[r], rhi[r] = self.row_lo_t[t], self.row_hi_t[t]
        if len(self.year_cols):
            hi[self.year_cols] = np.maximum(0.0, np.minimum(hi[self.year_cols], self.year_cols_cap - used_cols))
        if len(self.cap_rows):
            left = np.maximum(self.cap_hi - used_rows[self.cap_of_year], self.cap_least)
            rhi[self.cap_rows] = left * self.plan_share[t]
        if len(self.names):
            rhs = self.inflow[t] + self.keep * self.before
            rlo[self.res_rows] = rhs
            rhi[self.res_rows] = rhs
        if len(c) and h.changeColsBounds(len(c), c, lo[c], hi[c]) == _ERROR:
            checked(_ERROR, f"month {self.per.months[t]}: column bounds")
        if len(r) and h.changeRowsBounds(len(r), r, rlo[r], rhi[r]) == _ERROR:  # type: ignore[attr-defined]
            checked(_ERROR, f"month {self.per.months[t]}: row bounds")
        if self.scaled_change[t]:
            tpl, vals = self.tpl, self.scaled_vals[t]
            for j, e in enumerate(self.scaled):
                checked(h.changeCoeff(int(tpl.rows[e]), int(tpl.cols[e]), float(vals[j])),
                        f"month {self.per.months[t]}: a coefficient")  # fmt: skip
        if not self.warm_start:
            h.clearSolver()

    def run(self, h: highspy.Highs, tiered: Tiered, *, progress: bool = False, duals: bool = False) -> None:
        """Solve the months in turn (``h`` holds the model, ``tiered`` its tiers); ``duals``: keep
        each month's row and column prices (of the model's own rows, not the tiers' held rows)."""
        per = self.per
        if duals:
            self.row_dual = np.zeros((len(per.months), self.n_model_rows))
            self.col_dual = np.zeros((len(per.months), self.n_cols))
        used_rows, used_cols = np.zeros(len(self.year_rows)), np.zeros(len(self.year_cols))
        ny = len(self.year_rows)
        months = progress_bar(per.months, desc=tr("myopic run"), unit=tr("month"), show=progress)
        clock = time.perf_counter
        for t, month in enumerate(months):
            ts = clock()
            if t % 12 == 0:
                used_rows[:] = 0.0
                used_cols[:] = 0.0
            self._set_month(h, t, used_rows, used_cols)
            # the proof of the tiers reads the month's bounds and coefficients as HiGHS has them
            tiered.bounds = (self.lo, self.hi, self.rlo, self.rhi)
            if self.scaled_change[t] and tiered.matrix is not None:
                tiered.matrix[2][self.scaled] = self.scaled_vals[t]
            try:
                x, stages = tiered.solve_x(tr("month {month} of the myopic run", month=month))
            except InfeasibleError as exc:
                raise InfeasibleError(
                    tr(
                        "{exc}: a target cannot hold in this month (myopic mode holds yearly floors month by month)",
                        exc=exc,
                    )
                ) from None
            self.x[t] = x
            if duals:
                sol = h.getSolution()
                self.row_dual[t] = sol.row_dual[: self.n_model_rows]
                self.col_dual[t] = sol.col_dual
            if stages is not None:
                self.stage_objectives.append(stages)
            if ny:
                act = np.bincount(self.year_entry_row, self.year_entry_val * x[self.year_entry_col], minlength=ny)
                self.year_act[t] = act
                used_rows += act
            if len(self.year_cols):
                used_cols += x[self.year_cols]
            if len(self.names):
                self.before = x[self.storage_cols]
            self.steps[t] = clock() - ts

    def objectives(self, tiered: Tiered) -> dict[str, float]:
        """Each tier's optimum summed over the months (staged: as each stage found it)."""
        if self.stage_objectives:
            return {name: float(sum(z[name] for z in self.stage_objectives)) for name in tiered.names}
        total = self.x.sum(axis=0)
        return {name: float(c @ total) for name, c in zip(tiered.names, tiered.costs, strict=True)}

    def policy(self) -> pd.DataFrame:
        """Each policy target's own value (its row's activity less the expected target's shortfall), per year."""
        tpl = self.tpl
        pos = [j for j, i in enumerate(self.year_rows) if tpl.row_kind[i] == "policy"]
        if not pos:
            return pd.DataFrame()
        own = self.year_act[:, pos].copy()
        for k, j in enumerate(pos):
            gap = tpl.gap_entry(int(self.year_rows[j]))
            if gap:
                own[:, k] -= gap[1] * self.x[:, gap[0]]
        names = [tpl.row_about[self.year_rows[j]] for j in pos]
        years = [m[:4] for m in self.per.months]
        return pd.DataFrame(own, columns=names).groupby(years, sort=False).sum()
