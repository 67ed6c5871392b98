"""Reservoir storage rows, one builder for both modes.

For reservoir *r* and month *t* (storage ``S``, release ``q``, spill ``sp``, monthly
evaporation fraction ``e``)::

    S_t + q_t + sp_t − (1 − e) S_{t−1} = inflow_t

with ``S_{−1}`` the storage before the first month (the initial storage, or in myopic mode
last month's result): its term moves to the right-hand side. Storage stays between dead
storage and capacity; a spilled 万m³ costs :data:`SPILL_COST`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..template import INF

__all__ = ["SPILL_COST", "ReservoirBlock", "reservoir_block", "reservoirs"]

#: Cost of one 万m³ spilled: above the (normalised ≤ 1) tie-breaking terms, far below any
#: shortage, so water is stored rather than spilled when it can be.
SPILL_COST = 1.0


def reservoirs(G: nx.DiGraph) -> list[str]:
    """Reservoir nodes with a storage capacity (in service, in the graph)."""
    return [n for n, d in G.nodes(data=True) if d["kind"] == "reservoir" and d.get("storage")]


@dataclass
class ReservoirBlock:
    """Columns and rows the reservoirs add to an LP of ``T`` months."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    cost: np.ndarray
    storage_col: dict[str, np.ndarray]  # reservoir → column of S_t for each t
    spill_col: dict[str, np.ndarray]
    row: dict[str, np.ndarray]  # reservoir → row of month t

    def kept(self, G: nx.DiGraph) -> np.ndarray:
        """Each reservoir's share of last month's storage left after evaporation (1 − e), in row order."""
        return np.array([1.0 - G.nodes[r].get("evaporation", 0.0) for r in self.row])

    def rhs(self, G: nx.DiGraph, inflow: dict[str, np.ndarray], before: dict[str, float]) -> np.ndarray:
        """Right-hand sides, in row order: the months' inflows, plus (1 − e) × the storage before."""
        out = []
        for r, keep in zip(self.row, self.kept(G), strict=True):
            b = np.array(inflow[r], dtype=float)
            b[0] += keep * before[r]
            out.append(b)
        return np.concatenate(out) if out else np.zeros(0)


def reservoir_block(
    G: nx.DiGraph, names: list[str], T: int, release_col: Callable[[str, int], int], first_col: int, first_row: int
) -> ReservoirBlock:
    """Storage and spill columns from ``first_col`` and balance rows from ``first_row`` for ``T`` months."""
    rows, cols, vals, lb, ub, cost = [], [], [], [], [], []
    s_col, sp_col, row = {}, {}, {}
    c, r = first_col, first_row
    for res in names:
        d = G.nodes[res]
        e = d.get("evaporation", 0.0)
        s_col[res] = c + np.arange(T)
        sp_col[res] = c + T + np.arange(T)
        row[res] = r + np.arange(T)
        c += 2 * T
        r += T
        lb += [d.get("dead_storage", 0.0)] * T + [0.0] * T
        ub += [d["storage"]] * T + [INF] * T
        cost += [0.0] * T + [SPILL_COST] * T
        for t in range(T):
            entries = [(s_col[res][t], 1.0), (release_col(res, t), 1.0), (sp_col[res][t], 1.0)]
            if t > 0:
                entries.append((s_col[res][t - 1], -(1.0 - e)))
            for col, v in entries:
                rows.append(row[res][t])
                cols.append(col)
                vals.append(v)
    return ReservoirBlock(
        rows=np.asarray(rows, dtype=np.int64),
        cols=np.asarray(cols, dtype=np.int64),
        vals=np.asarray(vals, dtype=float),
        lb=np.asarray(lb, dtype=float),
        ub=np.asarray(ub, dtype=float),
        cost=np.asarray(cost, dtype=float),
        storage_col=s_col,
        spill_col=sp_col,
        row=row,
    )
