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
    #: demand share of each demand row's sector in each month, (T, n_rows) (1 where not a demand row)
    share: np.ndarray
    #: indices into the template's COO entries whose coefficient scales with the demand (equity rows)
    scaled_entries: np.ndarray
    #: demand of every demand node in every month, (T, n_demands), columns as ``demands``
    demand: np.ndarray
    demands: list[str]

    def entry_values(self, tpl: Template, t: int | slice = slice(None)) -> np.ndarray:
        """The template's coefficients in month ``t`` (or, for a slice, every month: (months, entries))."""
        k = self.scaled_entries
        if isinstance(t, int):
            vals = tpl.vals.copy()
            vals[k] = tpl.vals[k] * self.share[t, tpl.rows[k]]
            return vals
        share = self.share[t]
        vals = np.tile(tpl.vals, (len(share), 1))
        vals[:, k] = tpl.vals[k] * share[:, tpl.rows[k]]
        return vals


def _demand_share(G: nx.DiGraph, tpl: Template, T: int, patterns: dict[str, tuple[float, ...]]) -> np.ndarray:
    """(T, n_rows): the calendar month's share of the year for each demand-scaled row."""
    share = np.ones((T, tpl.n_rows))
    cal = np.arange(T) % 12
    for i in np.flatnonzero(tpl.row_time == "demand"):
        sector = G.nodes[tpl.row_about[i]]["sector"]
        pattern = np.asarray(patterns.get(sector, (1 / 12,) * 12), dtype=float)
        share[:, i] = pattern[cal]
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
    share = _demand_share(G, tpl, T, patterns)
    row_lo, row_hi = np.tile(tpl.row_lo, (T, 1)), np.tile(tpl.row_hi, (T, 1))
    for arr in (row_lo, row_hi):
        arr[:, tpl.row_time == "rate"] /= 12.0  # ±inf stays infinite
        d = tpl.row_time == "demand"
        arr[:, d] *= np.where(np.isfinite(arr[:, d]), share[:, d], 1.0)
    worst = (tpl.col_kind == "worst") | (tpl.col_kind == "excess")
    scaled = np.flatnonzero((tpl.row_time[tpl.rows] == "demand") & worst[tpl.cols])
    dem_rows = tpl.rows_of("demand")
    return Periods(
        months=months,
        lb=np.tile(tpl.lb, (T, 1)),
        ub=ub,
        row_lo=row_lo,
        row_hi=row_hi,
        share=share,
        scaled_entries=scaled,
        demand=row_lo[:, dem_rows],
        demands=[tpl.row_about[i] for i in dem_rows],
    )
