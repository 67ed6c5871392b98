"""Lexicographic solve: one LP stage per priority level, then source preference, then cost.

Stage *k* minimises the total shortage of the demands with priority *k*, holding every
earlier stage at its optimum (to a small tolerance); the two last stages minimise the
source-preference ranks (e.g. industry takes reclaimed water first) and then the cost and
total conveyance, which makes ties deterministic. HiGHS (through PuLP's highspy interface)
is the default solver; CBC, bundled with PuLP, is the fallback and a cross-check.

Nothing is relaxed silently: if the policy constraints cannot all hold, the problem is
re-solved with an elastic slack on every policy constraint and the error names the targets
in conflict and by how much each would have to give.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pulp
from tqdm import tqdm

from ._errors import InfeasibleError, SolverError
from .model import AllocationModel, build_model
from .scenario import Scenario

__all__ = ["Solution", "Stage", "get_solver", "solve"]

log = logging.getLogger(__name__)


@dataclass
class Stage:
    """One lexicographic stage: what it minimised, the optimum, and the policy duals."""

    name: str
    priority: int | None
    objective: float
    seconds: float
    duals: dict[str, float] = field(default_factory=dict)
    #: duals of the physical rows (plant and edge capacities, demands) by row name
    row_duals: dict[str, float] = field(default_factory=dict)
    #: reduced costs of the source releases (the value of one more 万m³ available at a source)
    source_duals: dict[str, float] = field(default_factory=dict)


@dataclass
class Solution:
    """The values of a solved model, in 万m³/yr."""

    model: AllocationModel
    solver: str
    stages: list[Stage]
    flows: dict[tuple[str, str, str], float]
    release: dict[str, float]
    treated: dict[str, float]
    shortage: dict[str, float]
    seconds: float
    trades: dict[tuple[str, str], float] = field(default_factory=dict)

    def value(self, expr: pulp.LpAffineExpression | float) -> float:
        """Evaluate a linear expression of the model at the solution."""
        return float(pulp.value(expr)) if not isinstance(expr, (int, float)) else float(expr)


def get_solver(name: str = "highs", *, msg: bool = False, time_limit: float | None = None) -> pulp.LpSolver:
    """Return a PuLP solver: ``"highs"`` (highspy) or ``"cbc"`` (bundled with PuLP).

    If HiGHS is asked for but not importable, CBC is returned with a warning.
    """
    name = name.lower()
    if name == "highs":
        solver = pulp.HiGHS(msg=msg, timeLimit=time_limit)
        if solver.available():
            return solver
        log.warning("HiGHS (highspy) is not available; falling back to CBC")
        name = "cbc"
    if name == "cbc":
        # PuLP's bundled CBC (a released build). PuLP 3 flags it as deprecated in favour of the
        # 'cbcbox' development build, which proved feasible LPs infeasible in our tests.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit)
    msg_ = f"unknown solver {name!r}; use 'highs' or 'cbc'"
    raise SolverError(msg_)


def _run(prob: pulp.LpProblem, solver: pulp.LpSolver, stage: str, lp_dump: Path | None) -> float:
    try:
        status = prob.solve(solver)
    except pulp.PulpSolverError as exc:
        msg = f"the solver failed at stage '{stage}': {exc}"
        raise SolverError(msg) from None
    text = pulp.LpStatus[status]
    if text != "Optimal":
        if lp_dump is not None:
            prob.writeLP(str(lp_dump))
        where = f" (LP written to {lp_dump})" if lp_dump is not None else ""
        if text == "Infeasible":
            raise InfeasibleError(f"stage '{stage}' is infeasible{where}")
        msg = f"stage '{stage}' ended with solver status {text}{where}"
        raise SolverError(msg)
    return float(pulp.value(prob.objective) or 0.0)


def _source_rank(scenario: Scenario, sector: str, kind: str) -> int:
    spec = scenario.spec
    order = list(spec.sectors[sector].prefers)
    order += [k for k in spec.source_preference if k not in order]
    return order.index(kind) if kind in order else len(order)


def _explain(G: nx.DiGraph, scenario: Scenario, solver: pulp.LpSolver) -> InfeasibleError:
    from .explain import explain

    name = "highs" if isinstance(solver, pulp.HiGHS) else "cbc"
    ex = explain(G, scenario, solver=name)
    return InfeasibleError(ex.text(), ex.conflicts)


def solve(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    solver: str = "highs",
    lp_dump: Path | None = None,
    model: AllocationModel | None = None,
    progress: bool = False,
) -> Solution:
    """Allocate water by lexicographic priorities.

    Parameters
    ----------
    G
        The checked graph (:func:`waterplan.build_graph`).
    scenario
        Its scenario.
    solver
        ``"highs"`` (default) or ``"cbc"``.
    lp_dump
        Where to write the LP if a stage fails (for inspection).
    progress
        Show a progress bar over the stages (on the terminal).
    progress
        Show a progress bar over the stages (on the terminal).

    Returns
    -------
    Solution

    Raises
    ------
    InfeasibleError
        If the policy constraints cannot all hold; ``.conflicts`` lists the targets in
        conflict and the amount each would have to give.
    SolverError
        If the solver fails otherwise.
    """
    t0 = time.perf_counter()
    m = model or build_model(G, scenario)
    lp = get_solver(solver)
    solver_name = "HiGHS" if isinstance(lp, pulp.HiGHS) else "CBC"
    stages: list[Stage] = []
    priorities = sorted({d["priority"] for _n, d in G.nodes(data=True) if d["kind"] == "demand"})
    objectives: list[tuple[str, int | None, pulp.LpAffineExpression]] = []
    for p in priorities:
        if sum(G.nodes[n]["demand"] for n in m.shortage if G.nodes[n]["priority"] == p) <= 0:
            continue  # nothing to allocate at this priority (and CBC reports such LPs as 'unknown')
        expr = pulp.lpSum(v for n, v in m.shortage.items() if G.nodes[n]["priority"] == p)
        objectives.append((f"shortage of priority {p}", p, expr))
        if scenario.spec.equity:
            worst = m.prob.add_variable(f"worst_fraction_{p}", lowBound=0)
            for n, v in m.shortage.items():
                dem = G.nodes[n]["demand"]
                if G.nodes[n]["priority"] == p and dem > 0:
                    m.prob += v - dem * worst <= 0, f"equity_{p}_{len(m.prob.constraints())}"
            objectives.append((f"equity of priority {p}", None, pulp.LpAffineExpression(worst)))
    pref = pulp.lpSum(
        _source_rank(scenario, G.nodes[d]["sector"], G.nodes[s]["source_kind"]) * expr
        for (d, s), expr in m.arrived.items()
    )
    objectives.append(("source preference", None, pref))
    cost = pulp.lpSum(G.edges[u, v]["cost"] * var + var for (u, v, _s), var in m.x.items())
    cost += pulp.lpSum(G.nodes[s].get("cost", 0.0) * var for s, var in m.q.items())
    if m.trades:  # transaction cost (元/m³ → per 万m³ it is the same number in 万元), at least a tie-breaker
        unit_cost = max(scenario.spec.trading.cost_yuan_per_m3, 1e-3) if scenario.spec.trading else 1e-3
        cost += pulp.lpSum(unit_cost * v for v in m.trades.values())
    objectives.append(("cost and conveyance", None, cost))
    bar = tqdm(objectives, desc=f"{scenario.name}: solving", unit="stage", disable=not progress, leave=False)
    for i, (name, prio, expr) in enumerate(bar):
        ts = time.perf_counter()
        expr = pulp.LpAffineExpression(expr)
        if not any(coef for coef in expr.values()):
            continue  # a constant objective decides nothing (and CBC reports such LPs as 'unknown')
        m.prob.setObjective(expr)
        try:
            z = _run(m.prob, lp, name, lp_dump)
        except InfeasibleError:
            if i == 0:
                raise _explain(G, scenario, lp) from None
            raise
        duals = {cid: float(row.pi) if row.pi is not None else 0.0 for cid, row in m.policy.items()}
        row_duals = {}
        for rname in m.row_meaning:
            row = m.prob.get_constraint_by_name(rname)
            row_duals[rname] = float(row.pi) if row is not None and row.pi is not None else 0.0
        source_duals = {s: float(v.dj) if v.dj is not None else 0.0 for s, v in m.q.items()}
        stages.append(
            Stage(
                name=name,
                priority=prio,
                objective=z,
                seconds=time.perf_counter() - ts,
                duals=duals,
                row_duals=row_duals,
                source_duals=source_duals,
            )
        )
        log.info("stage %s: objective %.6g (%.3f s)", name, z, stages[-1].seconds)
        if i < len(objectives) - 1:
            tol = 1e-7 * max(1.0, abs(z)) + 1e-6  # 0.01 m³: above the solvers' feasibility tolerances
            m.prob += expr <= z + tol, f"fix_stage_{i}"
    sol = Solution(
        model=m,
        solver=solver_name,
        stages=stages,
        flows={k: float(v.value() or 0.0) for k, v in m.x.items()},
        release={k: float(v.value() or 0.0) for k, v in m.q.items()},
        treated={k: float(v.value() or 0.0) for k, v in m.treated.items()},
        shortage={k: float(v.value() or 0.0) for k, v in m.shortage.items()},
        trades={k: float(v.value() or 0.0) for k, v in m.trades.items()},
        seconds=time.perf_counter() - t0,
    )
    return sol
