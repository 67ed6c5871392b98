"""The single-period LP as arrays, read once through the model's typed rows and columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import highspy
import networkx as nx
import numpy as np

from .model import AllocationModel, build_model
from .objective import Tier, tiers
from .scenario import Scenario

__all__ = ["INF", "Template", "extract_template"]

INF = highspy.kHighsInf


@dataclass
class Template:
    """One period of the LP as arrays: columns, rows (COO), their types and the objective tiers.

    Bounds are the model's yearly values; :mod:`waterplan.monthly.periods` turns them into one
    month's by each row's and column's time scaling.
    """

    model: AllocationModel
    lb: np.ndarray
    ub: np.ndarray
    rows: np.ndarray  # COO row index
    cols: np.ndarray
    vals: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_kind: np.ndarray  # str, RowInfo.kind
    row_time: np.ndarray  # str, RowInfo.time
    row_about: list[Any]
    col_kind: np.ndarray  # str, ColInfo.kind
    col_time: np.ndarray  # str, ColInfo.time
    col_about: list[Any]
    tiers: list[tuple[Tier, np.ndarray]]  # each tier with its cost vector over the columns

    @property
    def n_cols(self) -> int:
        return len(self.lb)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)

    def col(self, kind: str, about: object) -> int:
        """The index of the column of ``kind`` about ``about``."""
        return self._col_index[(kind, about)]

    def cols_of(self, kind: str) -> dict[Any, int]:
        """``about`` → column index for every column of ``kind``."""
        return {a: i for (k, a), i in self._col_index.items() if k == kind}

    def rows_of(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.row_kind == kind)

    def row_entries(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns and coefficients of row ``i``."""
        sel = self.rows == i
        return self.cols[sel], self.vals[sel]

    def gap_entry(self, i: int) -> tuple[int, float] | None:
        """The expected target's shortfall column in policy row ``i`` and its coefficient (None if
        the row has none): the row's activity less coefficient × shortfall is the target's value."""
        cols, vals = self.row_entries(i)
        for c, v in zip(cols, vals, strict=True):
            if self.col_kind[c] == "gap":
                return int(c), float(v)
        return None

    def __post_init__(self) -> None:
        self._col_index = {(str(k), a): i for i, (k, a) in enumerate(zip(self.col_kind, self.col_about, strict=True))}


def _bound(v: float | None, default: float) -> float:
    return default if v is None else float(v)


def extract_template(G: nx.DiGraph, scenario: Scenario, model: AllocationModel | None = None) -> Template:
    """Build the model of one period (or take ``model``, built by :func:`~waterplan.build_model`) and
    read it into arrays (done once per scenario)."""
    m = model or build_model(G, scenario)
    names = list(m.cols)
    index = {name: i for i, name in enumerate(names)}
    var = m.prob.variablesDict()
    lb = np.array([_bound(var[n].lowBound, -INF) for n in names])
    ub = np.array([_bound(var[n].upBound, INF) for n in names])
    rows, cols, vals, lo, hi = [], [], [], [], []
    by_name = {c.name: c for c in m.prob.constraints()}
    for i, name in enumerate(m.rows):
        con = by_name[name]
        for v, coef in con.items():
            rows.append(i)
            cols.append(index[v.name])
            vals.append(coef)
        rhs = -con.constant
        lo.append(rhs if con.sense >= 0 else -INF)
        hi.append(rhs if con.sense <= 0 else INF)
    levels = []
    for tier in tiers(m):
        cost = np.zeros(len(names))
        for n, c in tier.coef.items():
            cost[index[n]] += c
        levels.append((tier, cost))
    return Template(
        model=m,
        lb=lb,
        ub=ub,
        rows=np.asarray(rows, dtype=np.int64),
        cols=np.asarray(cols, dtype=np.int64),
        vals=np.asarray(vals, dtype=float),
        row_lo=np.asarray(lo, dtype=float),
        row_hi=np.asarray(hi, dtype=float),
        row_kind=np.asarray([r.kind for r in m.rows.values()]),
        row_time=np.asarray([r.time for r in m.rows.values()]),
        row_about=[r.about for r in m.rows.values()],
        col_kind=np.asarray([c.kind for c in m.cols.values()]),
        col_time=np.asarray([c.time for c in m.cols.values()]),
        col_about=[c.about for c in m.cols.values()],
        tiers=levels,
    )
