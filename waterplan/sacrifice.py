"""Targets held at a higher priority's expense: which demands a target of the plan cut, and by how
much, recomputed by solving the scenario again without it.

A target's place among the priorities (``rank`` in the scenario): ``hard`` puts it above every
demand; an integer k makes it a goal pursued after the shortages of priorities 1..k (it then never
costs them water); unset, its place is the lowest priority among the sectors it counts (every
sector when it names none). A target *sacrifices* a demand when holding it leaves that demand, of a
priority above its place, short of water it would get without the target. The run looks for this
where a stage that minimised the shortage of such a priority has a nonzero dual on the target's row,
solves again without the target, and compares every demand's shortage.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from .constraints import Constraint
from .scenario import Scenario

if TYPE_CHECKING:
    from .solve import Solution

__all__ = ["CUT_COLUMNS", "place", "sacrifices"]

#: a cut below this (万m³, i.e. 500 m³) is no cut
TOL = 0.05

CUT_COLUMNS = ["target", "county", "sector", "priority", "place", "shortage_10k_m3", "without_target_10k_m3",
               "cut_10k_m3"]  # fmt: skip


def place(c: Constraint, scenario: Scenario) -> int | None:
    """The lowest priority a constraint may cut without a warning (None: ``hard``, any)."""
    if c.rank == "hard":
        return None
    if c.goal_after is not None:
        return c.goal_after + 1
    sectors = scenario.spec.sectors
    names: set[str] = set()
    for sel in (c.lhs, c.rhs):
        if sel is not None and sel.sectors is not None:
            names |= sel.sectors
    chosen = [sectors[n].priority for n in (names or set(sectors)) if n in sectors]
    return max(chosen) if chosen else None


def _suspects(sol: Solution, scenario: Scenario) -> list[tuple[Constraint, int]]:
    """Constraints with a nonzero dual in a stage minimising the shortage of a priority above
    their place: the ones worth solving again without."""
    out = []
    for c in scenario.constraints:
        where = place(c, scenario)
        if not c.in_lp or c.attribute == "expected" or where is None:
            continue
        stages = [st for st in sol.stages if st.priority is not None and st.priority < where]
        if any(abs(st.duals.get(c.id, 0.0)) > 1e-9 for st in stages):
            out.append((c, where))
    return out


def sacrifices(sol: Solution) -> pd.DataFrame:
    """Every demand a target of the plan cut above its place (one row per target and demand)."""
    from .solve import solve

    m = sol.model
    scenario: Scenario = m.scenario
    G = m.G
    rows = []
    for c, where in _suspects(sol, scenario):
        without = replace(scenario, constraints=[x for x in scenario.constraints if x.id != c.id])
        other = solve(G, without)
        for d, short in sol.shortage.items():
            nd = G.nodes[d]
            cut = short - other.shortage.get(d, 0.0)
            if nd["priority"] < where and cut > TOL:
                rows.append([c.id, nd["county"], nd["sector"], nd["priority"], where, short, short - cut, cut])
    return pd.DataFrame(rows, columns=CUT_COLUMNS)
