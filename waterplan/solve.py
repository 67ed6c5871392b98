"""Lexicographic solve of an annual run: one LP stage per tier of :func:`waterplan.objective.tiers`.

For each priority, its total shortage, its equity tier and the plan's allocation rules for its
sectors, each stage holding every earlier one at its optimum (to a small tolerance); then the
shortfall of the expected targets, the source-preference ranks (e.g. industry takes reclaimed
water first) and the cost and total conveyance, which make ties deterministic. The monthly engine solves the same tiers.
HiGHS (through PuLP's highspy interface) is the default solver; CBC, bundled with PuLP, is the
fallback and a cross-check.

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
from .objective import Tier, stage_tolerance, tiers
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
    stages: list[Stage] = []
    levels = tiers(m)
    bar = tqdm(levels, desc=f"{scenario.name}: solving", unit="stage", disable=not progress, leave=False)
    for i, tier in enumerate(bar):
        ts = time.perf_counter()
        expr = tier.expr(m)
        m.prob.setObjective(expr)
        try:
            z = _run(m.prob, lp, tier.name, lp_dump)
        except InfeasibleError:
            if i == 0:
                raise _explain(G, scenario, lp) from None
            raise
        stages.append(_stage(m, tier, z, time.perf_counter() - ts))
        log.info("stage %s: objective %.6g (%.3f s)", tier.name, z, stages[-1].seconds)
        if i < len(levels) - 1:
            m.prob += expr <= z + stage_tolerance(z), f"fix_stage_{i}"
    return Solution(
        model=m,
        solver="HiGHS" if isinstance(lp, pulp.HiGHS) else "CBC",
        stages=stages,
        flows={k: float(v.value() or 0.0) for k, v in m.x.items()},
        release={k: float(v.value() or 0.0) for k, v in m.q.items()},
        treated={k: float(v.value() or 0.0) for k, v in m.treated.items()},
        shortage={k: float(v.value() or 0.0) for k, v in m.shortage.items()},
        trades={k: float(v.value() or 0.0) for k, v in m.trades.items()},
        seconds=time.perf_counter() - t0,
    )


def _stage(m: AllocationModel, tier: Tier, z: float, seconds: float) -> Stage:
    """A solved stage with the duals of the policy rows, the physical rows and the releases."""

    def pi(row: pulp.LpConstraint | None) -> float:
        return float(row.pi) if row is not None and row.pi is not None else 0.0

    return Stage(
        name=tier.name,
        priority=tier.priority if tier.kind == "shortage" else None,
        objective=z,
        seconds=seconds,
        duals={cid: pi(row) for cid, row in m.policy.items()},
        row_duals={name: pi(m.prob.get_constraint_by_name(name)) for name in m.row_meaning},
        source_duals={s: float(v.dj) if v.dj is not None else 0.0 for s, v in m.q.items()},
    )
