"""Lexicographic solve of an annual run: the one-period case of the engine (:mod:`waterplan.engine`).

One LP stage per tier of :func:`waterplan.objective.tiers` — for each priority, its total shortage,
its equity tier and the plan's allocation rules for its sectors, each stage holding every earlier
one at its optimum (to a small tolerance); then the shortfall of the expected targets, the
source-preference ranks (e.g. industry takes reclaimed water first) and the cost and total
conveyance, which make ties deterministic. The stage loop is the monthly engine's
(:class:`~waterplan.engine.Tiered`): HiGHS (highspy) by default, each stage warm-started from the
last one's basis, an equity stage skipped where its priority has no shortage; CBC (bundled with
PuLP) runs the same loop through the PuLP model, as a cross-check.

Nothing is relaxed silently: if the policy constraints cannot all hold, the problem is
re-solved with an elastic slack on every policy constraint and the error names the targets
in conflict and by how much each would have to give.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import networkx as nx
import numpy as np
import pulp

from ._errors import InfeasibleError
from .engine import PulpLp, Tiered, get_solver, new_highs, pass_model
from .explain import explained_error
from .model import AllocationModel, build_model
from .objective import Tier
from .scenario import Scenario
from .template import Template, extract_template

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
    #: every column's value, in the order of ``model.cols`` (what :mod:`waterplan.tables` reads)
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def value(self, expr: pulp.LpAffineExpression | float) -> float:
        """Evaluate a linear expression of the model at the solution."""
        return float(pulp.value(expr)) if not isinstance(expr, (int, float)) else float(expr)


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
    tpl = extract_template(G, scenario, model or build_model(G, scenario))
    h, name = _lp(tpl, solver)
    stages: list[Stage] = []
    on_stage = _stage_recorder(tpl, h, stages)
    try:
        x, _ = _tiered(tpl, G, h, on_stage, lp_dump).solve_x(scenario.name, progress=progress)
    except InfeasibleError as exc:
        if stages:  # an earlier stage was solved: the targets hold together; a numerical failure
            raise
        raise explained_error(G, scenario, str(exc), solver=solver) from None
    _write_back(tpl, x, h.getSolution())
    return _solution(tpl.model, name, stages, np.asarray(x, dtype=float), time.perf_counter() - t0)


def _solution(m: AllocationModel, solver: str, stages: list[Stage], x: np.ndarray, seconds: float) -> Solution:
    """The solution of the last stage, keyed the model's way (flows, releases, …) and as the array."""
    value = dict(zip(m.cols, x, strict=True))
    return Solution(
        model=m,
        solver=solver,
        stages=stages,
        flows={k: float(value[v.name]) for k, v in m.x.items()},
        release={k: float(value[v.name]) for k, v in m.q.items()},
        treated={k: float(value[v.name]) for k, v in m.treated.items()},
        shortage={k: float(value[v.name]) for k, v in m.shortage.items()},
        trades={k: float(value[v.name]) for k, v in m.trades.items()},
        seconds=seconds,
        x=x,
    )


def _stage_recorder(
    tpl: Template, h: highspy.Highs | PulpLp, stages: list[Stage]
) -> Callable[[int, float | None], None]:
    """The engine's stage hook: each stage's optimum, time and duals appended to ``stages`` while the
    solver still holds that stage's solution."""
    read = _StageReader(tpl)
    clock = [time.perf_counter()]

    def on_stage(k: int, z: float | None) -> None:
        now = time.perf_counter()
        stages.append(read(tpl.tiers[k][0], z, now - clock[0], None if z is None else h.getSolution()))
        clock[0] = now
        log.info("stage %s: objective %.6g (%.3f s)", stages[-1].name, stages[-1].objective, stages[-1].seconds)

    return on_stage


def _tiered(
    tpl: Template, G: nx.DiGraph, h: highspy.Highs | PulpLp, on_stage: Callable[[int, float | None], None],
    lp_dump: Path | None,
) -> Tiered:  # fmt: skip
    """The engine's stage loop over the one-period LP's tiers, staged (an annual run is exact)."""
    return Tiered.of_template(
        tpl,
        [c for _t, c in tpl.tiers],
        h=h,
        fixed_cost=np.zeros(tpl.n_cols),
        staged=True,
        G=G,
        mode="annual",
        on_stage=on_stage,
        lp_dump=lp_dump,
    )


def _lp(tpl: Template, solver: str) -> tuple[highspy.Highs | PulpLp, str]:
    """The one-period LP handed to HiGHS, or to CBC through the PuLP model; the solver's name."""
    lp = get_solver(solver)
    if isinstance(lp, pulp.HiGHS):
        h = new_highs()
        pass_model(h, np.zeros(tpl.n_cols), tpl.lb, tpl.ub, tpl.row_lo, tpl.row_hi, tpl.rows, tpl.cols, tpl.vals)
        return h, "HiGHS"
    return PulpLp(tpl.model.prob, list(tpl.model.cols), list(tpl.model.rows), lp), "CBC"


def _write_back(tpl: Template, x: np.ndarray, sol: Any) -> None:
    """Put the last stage's values, reduced costs and duals into the PuLP model, so that its
    expressions (:meth:`Solution.value`) evaluate at the solution."""
    m = tpl.model
    var = m.prob.variablesDict()
    dj = np.asarray(sol.col_dual)
    for i, name in enumerate(m.cols):
        var[name].varValue = float(x[i])
        var[name].dj = float(dj[i])
    pi = np.asarray(sol.row_dual)
    cons = {c.name: c for c in m.prob.constraints()}
    for i, name in enumerate(m.rows):
        cons[name].pi = float(pi[i])


class _StageReader:
    """Reads a solved stage's duals: of the policy rows, the physical rows and the releases (their
    positions in the template found once, not at every stage)."""

    def __init__(self, tpl: Template) -> None:
        m = tpl.model
        row = {name: i for i, name in enumerate(m.rows)}
        col = {name: i for i, name in enumerate(m.cols)}
        self.policy = {cid: row[r.name] for cid, r in m.policy.items()}
        self.physical = {name: row[name] for name in m.row_meaning}
        self.release = {s: col[v.name] for s, v in m.q.items()}

    def __call__(self, tier: Tier, z: float | None, seconds: float, sol: Any | None) -> Stage:
        """The stage of ``tier``; a skipped one (``z`` None) has optimum 0 and no dual."""
        stage = Stage(name=tier.name, priority=tier.priority if tier.kind == "shortage" else None,
                      objective=float(z or 0.0), seconds=seconds)  # fmt: skip
        if sol is not None:
            pi, dj = np.asarray(sol.row_dual), np.asarray(sol.col_dual)
            stage.duals = {cid: float(pi[i]) for cid, i in self.policy.items()}
            stage.row_duals = {name: float(pi[i]) for name, i in self.physical.items()}
            stage.source_duals = {s: float(dj[i]) for s, i in self.release.items()}
        return stage
