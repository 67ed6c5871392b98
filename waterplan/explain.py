"""Why a scenario's targets cannot all hold: the smallest set to relax, by how much, against what.

1. The LP is solved with an elastic slack on every policy constraint, minimising the total slack
   (万m³): the constraints with positive slack can restore feasibility together.
2. A deletion filter makes that set minimal: each member in turn is made hard again; if the rest
   of the set still suffices, it leaves the set. What remains is an irreducible set of targets
   that must give (no smaller subset of it would do).
3. With only that set elastic, the slack each must give is reported, and the hard targets and
   physical limits with nonzero duals in that solve are named as what they conflict with.

Nothing is relaxed in a run: this only explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import pulp

from ._errors import InfeasibleError
from .engine import get_solver
from .i18n import tr
from .model import AllocationModel, binding, build_model
from .scenario import Scenario

__all__ = ["Explanation", "explain", "explained_error"]


@dataclass
class Explanation:
    """``conflicts``: the targets to relax, each with the amount; ``against``: what binds them."""

    feasible: bool
    conflicts: list[dict[str, object]] = field(default_factory=list)
    against: list[dict[str, object]] = field(default_factory=list)
    physical_infeasibility: bool = False

    def text(self) -> str:
        if self.feasible:
            return tr("No conflict: every target of the scenario can hold at the same time.")
        if self.physical_infeasibility:
            return tr(
                "The network cannot balance even with every policy target relaxed: check minimum flows "
                "(min_flow) on edges against capacities and upstream availability."
            )
        lines = [tr("These targets cannot all hold; relaxing only these, by the amounts shown, is enough:")]
        for c in self.conflicts:
            lines.append(
                tr(
                    "  - {id} {name} ({clause}): {type} {target:g} {unit} would have to give {give:,.1f} 万m³",
                    id=c["id"],
                    name=c["name_zh"],
                    clause=c["clause"],
                    type=c["type"],
                    target=c["target"],
                    unit=c["unit"],
                    give=c["give_10k_m3"],
                )
            )
        if self.against:
            lines.append(tr("They conflict with:"))
            for a in self.against:
                lines.append(f"  - {a['kind']}: {a['name']}")
        return "\n".join(lines)


def _elastic(G: nx.DiGraph, scenario: Scenario, elastic_ids: set[str], solver: str) -> tuple[bool, AllocationModel]:
    m = build_model(G, scenario, elastic=True)
    for cid, s in m.slack.items():
        if cid not in elastic_ids:
            s.upBound = 0.0
    m.prob.setObjective(pulp.lpSum(s for cid, s in m.slack.items() if cid in elastic_ids))
    m.prob.solve(get_solver(solver))
    return pulp.LpStatus[m.prob.status] == "Optimal", m


def explain(G: nx.DiGraph, scenario: Scenario, *, solver: str = "highs") -> Explanation:
    """Explain a conflict between a scenario's targets (see the module doc).

    Returns
    -------
    Explanation
        ``feasible=True`` and no conflicts when every target can hold.
    """
    ids = {c.id for c in scenario.constraints}
    ok, m = _elastic(G, scenario, set(), solver)
    if ok:
        return Explanation(feasible=True)
    ok, m = _elastic(G, scenario, ids, solver)
    if not ok:
        return Explanation(feasible=False, physical_infeasibility=True)
    chosen = {cid for cid, s in m.slack.items() if (s.value() or 0.0) > 1e-6}
    for cid in sorted(chosen):  # deletion filter: keep only what is needed
        trial = chosen - {cid}
        if trial and _elastic(G, scenario, trial, solver)[0]:
            chosen = trial
    ok, m = _elastic(G, scenario, chosen, solver)
    cons = {c.id: c for c in scenario.constraints}
    conflicts = [
        {
            "id": cid,
            "name_zh": cons[cid].name_zh,
            "name_en": cons[cid].name_en,
            "clause": cons[cid].clause,
            "type": cons[cid].type,
            "target": cons[cid].value_as_given,
            "unit": cons[cid].unit,
            "give_10k_m3": float(m.slack[cid].value() or 0.0),
        }
        for cid in sorted(chosen)
    ]
    against = [a for a in binding(m) if a["id"] not in chosen]
    against.sort(key=lambda a: -abs(float(a["dual"])))  # type: ignore[arg-type]
    return Explanation(feasible=False, conflicts=conflicts, against=against[:8])


def explained_error(G: nx.DiGraph, scenario: Scenario, failed: str, *, solver: str = "highs") -> InfeasibleError:
    """The error of a run whose first stage is infeasible, annual or monthly: the targets in conflict
    in the one-period model with the amount each must give, or — if that model holds — ``failed``
    (the stage's own message: the conflict then lies in the months, e.g. storage or a monthly peak)."""
    ex = explain(G, scenario, solver=solver)
    if ex.feasible:
        return InfeasibleError(failed)
    dumped = failed[failed.find(" (LP written to ") :] if " (LP written to " in failed else ""
    return InfeasibleError(ex.text() + (f"\n{dumped.strip()}" if dumped else ""), ex.conflicts)
