"""Time parameters: what each column's and row's bound is in each month of the horizon.

Everything that changes month to month is prepared for the whole horizon up front, as arrays
of shape (months, columns) and (months, rows), from the template's time scaling (see
:mod:`waterplan.model`):

* ``rate`` — the yearly value / 12 (capacities, minimum flows, WWTP capacity);
* ``demand`` — the yearly demand × its sector's share of the year in that calendar month (the
  equity rows' demand coefficients scale the same way);
* ``inflow`` — the month's inflow of a surface source from the series;
* ``year`` columns (groundwater and mine water) — at most ``groundwater_monthly_peak`` × the
  average month, the year's total held by a yearly row (or, myopic, by what is left of it);
* ``storage`` — a reservoir's release, bounded by its storage balance instead;
* ``year`` rows (policy targets, trading quotas) — left to the mode: summed over the year
  (full horizon) or released month by month (myopic).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from ..template import INF, Template

__all__ = ["Periods", "period_bounds"]


@dataclass
class Periods:
    """Bounds of every column and row in every month: arrays (T, n_cols) and (T, n_rows)."""

    months: list[str]
    lb: np.ndarray
    ub: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    #: demand share of each demand row's sector in each calendar month, (12, n_rows) (1 where not a
    #: demand row); month ``t`` of the horizon (which starts in January) is row ``t % 12``
    share: np.ndarray
    #: indices into the template's COO entries whose coefficient scales with the demand (equity rows)
    scaled_entries: np.ndarray
    #: demand of every demand node in every month, (T, n_demands), columns as ``demands``
    demand: np.ndarray
    demands: list[str]

    def hand_over(self) -> None:
        """Free the horizon's bounds and demand shares (a myopic loop keeps each month's changes
        instead); ``months``, ``demand`` and ``demands`` stay. Reading the bounds afterwards is an
        error (:meth:`bounds_held`), never an empty array taken for the horizon."""
        empty = np.empty((0, 0))
        self.lb, self.ub, self.row_lo, self.row_hi, self.share = empty, empty, empty, empty, empty

    def bounds_held(self) -> None:
        """Raise if :meth:`hand_over` has freed the bounds."""
        if len(self.ub) != len(self.months):
            raise RuntimeError("the horizon's bounds were handed over to the myopic loop and freed")

    def entry_values(self, tpl: Template, t: int | slice = slice(None)) -> np.ndarray:
        """The template's coefficients in month ``t`` (or, for a slice, every month: (months, entries))."""
        self.bounds_held()
        k = self.scaled_entries
        if isinstance(t, int):
            vals = tpl.vals.copy()
            vals[k] = tpl.vals[k] * self.share[t % 12, tpl.rows[k]]
            return vals
        share = self.share[np.arange(len(self.months))[t] % 12]
        vals = np.tile(tpl.vals, (len(share), 1))
        vals[:, k] = tpl.vals[k] * share[:, tpl.rows[k]]
        return vals


def _demand_share(G: nx.DiGraph, tpl: Template, patterns: dict[str, tuple[float, ...]]) -> np.ndarray:
    """(12, n_rows): each calendar month's share of the year for each demand-scaled row."""
    share = np.ones((12, tpl.n_rows))
    for i in np.flatnonzero(tpl.row_time == "demand"):
        sector = G.nodes[tpl.row_about[i]]["sector"]
        share[:, i] = np.asarray(patterns.get(sector, (1 / 12,) * 12), dtype=float)
    return share


def period_bounds(
    G: nx.DiGraph,
    tpl: Template,
    months: list[str],
    inflow: pd.DataFrame,
    patterns: dict[str, tuple[float, ...]],
    *,
    peak: float,
) -> Periods:
    """Bounds for every month of the horizon (see the module docs)."""
    T = len(months)
    ub = np.tile(tpl.ub, (T, 1))
    rate = tpl.col_time == "rate"
    ub[:, rate] = tpl.ub[rate] / 12.0
    yearly = tpl.col_time == "year"
    ub[:, yearly] = tpl.ub[yearly] / 12.0 * peak
    ub[:, tpl.col_time == "storage"] = INF
    surface = np.flatnonzero(tpl.col_time == "inflow")
    if len(surface):
        ub[:, surface] = inflow[[tpl.col_about[c] for c in surface]].to_numpy(dtype=float)
    share = _demand_share(G, tpl, patterns)
    row_lo, row_hi = np.tile(tpl.row_lo, (T, 1)), np.tile(tpl.row_hi, (T, 1))
    d = np.flatnonzero(tpl.row_time == "demand")
    month_share = share[np.ix_(np.arange(T) % 12, d)]
    for arr in (row_lo, row_hi):
        arr[:, tpl.row_time == "rate"] /= 12.0  # ±inf stays infinite
        arr[:, d] *= np.where(np.isfinite(arr[:, d]), month_share, 1.0)
    worst = (tpl.col_kind == "worst") | (tpl.col_kind == "excess")
    scaled = np.flatnonzero((tpl.row_time[tpl.rows] == "demand") & worst[tpl.cols])
    dem_rows = tpl.rows_of("demand")
    return Periods(
        months=months,
        lb=np.broadcast_to(tpl.lb, (T, tpl.n_cols)),  # the same every month: held once (read-only)
        ub=ub,
        row_lo=row_lo,
        row_hi=row_hi,
        share=share,
        scaled_entries=scaled,
        demand=row_lo[:, dem_rows],
        demands=[tpl.row_about[i] for i in dem_rows],
    )
