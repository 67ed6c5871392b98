"""The one engine of every horizon: passing arrays to HiGHS, checked runs, the tiers solved staged or weighted.

An annual run is the one-period case (:func:`waterplan.solve`), a monthly run the model replicated
over the months (:mod:`waterplan.monthly`); both hand their LP to :class:`Tiered`, the one stage
loop: the same warm starts, the same skipped stages, the LP written to a file when a stage fails.
The tiers are the model's (:func:`waterplan.objective.tiers`). In
**staged** mode (the reference, and the default) each tier is minimised in turn and then held
by a row whose upper bound becomes its optimum plus :func:`~waterplan.objective.stage_tolerance`
(the rows exist from the start, unbounded, so a month of the myopic run only changes bounds).
In **weighted** mode the tiers are folded into one objective with weights derived from the
data (:func:`tier_weights`); the equity rule cannot be ranked exactly that way and is refused.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import highspy
import networkx as nx
import numpy as np
import pulp
from tqdm import tqdm

from ._errors import InfeasibleError, InputError, Problem, SolverError
from .objective import stage_tolerance
from .template import INF

#: HiGHS's ``simplex_strategy`` values: its own choice (dual), and primal
SIMPLEX_CHOOSE, SIMPLEX_PRIMAL = 0, 4

__all__ = [
    "PulpLp",
    "Tiered",
    "checked",
    "exchange_ratio",
    "get_solver",
    "new_highs",
    "numbers",
    "pass_model",
    "run_checked",
    "tier_weights",
]

log = logging.getLogger(__name__)


def get_solver(name: str = "highs", *, msg: bool = False, time_limit: float | None = None) -> pulp.LpSolver:
    """Return a PuLP solver: ``"highs"`` (highspy) or ``"cbc"`` (bundled with PuLP), for the
    models solved through PuLP (conflicts explained, carrying capacity).

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


def new_highs(solver: str = "simplex") -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", solver)
    return h


def pass_model(
    h: highspy.Highs,
    cost: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rlo: np.ndarray,
    rhi: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
) -> None:
    """Hand an LP in COO form to HiGHS (column-wise)."""
    n = len(cost)
    for arr, name in ((cost, "costs"), (lb, "column lower bounds"), (ub, "column upper bounds"),
                      (rlo, "row lower bounds"), (rhi, "row upper bounds"), (vals, "coefficients")):  # fmt: skip
        numbers(arr, f"the LP's {name}")
    order = np.lexsort((rows, cols))
    start = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n))]).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rlo)
    lp.col_cost_ = cost
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = rlo
    lp.row_upper_ = rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order]
    checked(h.passModel(lp), "the LP was refused by HiGHS (a bound or coefficient is not a number?)")


def numbers(values: np.ndarray, what: str, about: object = None) -> np.ndarray:
    """``values`` if none is NaN (infinities are bounds: allowed); else an error naming ``what`` and
    the first entry that is not a number (``about(i)`` describes entry ``i``). HiGHS accepts a NaN
    cost silently: nothing goes to it unchecked."""
    nan = np.isnan(values)
    if nan.any():
        bad = np.flatnonzero(nan)
        i = int(bad[0])
        where = about(i) if callable(about) else f"entry {i}"
        raise SolverError(
            f"{what}: {len(bad)} value(s) are not numbers (first: {where}); a NaN in this period's inputs "
            "(an inflow, a demand or its monthly pattern, a reservoir figure) — nothing was solved with them"
        )
    return values


def checked(status: highspy.HighsStatus, what: str) -> None:
    """Raise if HiGHS refused a call (its status is an error): never go on with old values."""
    if status == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS refused {what}")


def run_checked(h: highspy.Highs | PulpLp, what: str) -> None:
    """Run HiGHS; anything but an optimum is an error naming ``what``.

    A warm-started simplex can end without a verdict (status "unknown": small infeasibilities
    left after unscaling); such a run is repeated once from scratch before it counts as failed.
    """
    if h.run() == highspy.HighsStatus.kError:
        checked(highspy.HighsStatus.kError, f"to solve {what}")
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:  # the usual case, first
        return
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible):
        h.clearSolver()
        checked(h.run(), f"to solve {what}")
        status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return
    if status == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleError(f"{what} is infeasible")
    msg = f"{what}: HiGHS ended with {h.modelStatusToString(status)}"
    raise SolverError(msg)


def exchange_ratio(G: nx.DiGraph) -> float:
    """The largest water-loss ratio along any path (1 / lowest path efficiency)."""
    H = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if d["kind"] != "sewer":
            H.add_edge(u, v, w=-math.log(max(1e-9, 1.0 - d["loss"])))
    try:
        return math.exp(nx.dag_longest_path_length(H, weight="w"))
    except nx.NetworkXUnfeasible:
        return math.exp(sum(d["w"] for _u, _v, d in H.edges(data=True)))


def tier_weights(
    G: nx.DiGraph, tiers: list[float], *, resolution: float = 1e-3, safety: float = 10.0
) -> dict[float, float]:
    """Weights of the shortage tiers (by priority) for the one-LP objective.

    The lowest tier's weight makes ``resolution`` 万m³ of its shortage outweigh the whole
    (normalised, ≤ 1) tie-breaking objective; each higher tier's weight exceeds the lower one
    times the network's exchange ratio (× ``safety``, for return flows and ratio rows) plus that.
    """
    ratio = exchange_ratio(G) * safety
    weights: dict[float, float] = {}
    w = 2.0 / resolution
    for p in sorted(tiers, reverse=True):
        weights[p] = w
        w = w * ratio * 2.0 + 1.0 / resolution
    return weights


def refuse_weighted(kinds: list[str], mode: str) -> None:
    """A weighted LP cannot rank the equity rule or allocation rules between the priorities exactly:
    refuse them with a message that names the feature and the way out."""
    if "equity" in kinds:
        raise InputError(
            Problem(
                "<options>",
                "objective",
                "weighted",
                f"the staged objective with the equity rule ({mode} mode): a weighted LP cannot "
                "rank equity exactly; use the staged objective (--objective staged, time.objective: staged) "
                "or set 'equity: false' in the scenario",
            )
        )
    if "rule" in kinds:
        raise InputError(
            Problem(
                "<options>",
                "objective",
                "weighted",
                f"the staged objective with allocation rules the model applies ({mode} mode): a weighted "
                "LP cannot rank them between the priorities (its weights would span more than HiGHS can "
                "solve); use the staged objective (--objective staged, time.objective: staged) or set "
                "'binds: false' on the scenario's targets[].rule",
            )
        )


class PulpLp:
    """The LP of a PuLP model behind the few calls of HiGHS that :class:`Tiered` makes, so that a
    solver PuLP drives (CBC, the cross-check) runs the same stage loop as HiGHS.

    ``cols`` and ``rows`` name the model's columns and rows in the template's order; the tiers' held
    rows are added to the PuLP problem only while they have a bound.
    """

    _STATUS: ClassVar[dict[str, highspy.HighsModelStatus]] = {
        "Optimal": highspy.HighsModelStatus.kOptimal,
        "Infeasible": highspy.HighsModelStatus.kInfeasible,
    }

    def __init__(self, prob: pulp.LpProblem, cols: list[str], rows: list[str], solver: pulp.LpSolver) -> None:
        self.prob, self.solver = prob, solver
        var = prob.variablesDict()
        self.vars = [var[n] for n in cols]
        by_name = {c.name: c for c in prob.constraints()}
        self.rows: list[pulp.LpConstraint | None] = [by_name[r] for r in rows]
        self.held: dict[int, pulp.LpAffineExpression] = {}
        self.status = highspy.HighsModelStatus.kNotset
        self.seconds = 0.0

    def _expr(self, idx: np.ndarray, vals: np.ndarray) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression([(self.vars[int(i)], float(v)) for i, v in zip(idx, vals, strict=True) if v])

    def getOptionValue(self, name: str) -> str:
        return "simplex"

    def setOptionValue(self, name: str, value: object) -> highspy.HighsStatus:
        return highspy.HighsStatus.kOk

    def getNumRow(self) -> int:
        return len(self.rows)

    def addRow(self, lo: float, hi: float, nnz: int, idx: np.ndarray, vals: np.ndarray) -> highspy.HighsStatus:
        self.held[len(self.rows)] = self._expr(idx, vals)
        self.rows.append(None)
        return highspy.HighsStatus.kOk

    def changeRowBounds(self, r: int, lo: float, hi: float) -> highspy.HighsStatus:
        """A held row: added at its first bound, its bound moved after (``hi`` infinite: left loose)."""
        row = self.rows[r]
        if row is None:
            if hi >= INF:
                return highspy.HighsStatus.kOk
            name = f"hold_stage_{r}"
            self.prob += self.held[r] <= hi, name
            self.rows[r] = self.prob.get_constraint_by_name(name)
        else:  # the row reads held − hi ≤ 0
            row.constant = -min(hi, 1e20)
        return highspy.HighsStatus.kOk

    def changeColsCost(self, n: int, idx: np.ndarray, cost: np.ndarray) -> highspy.HighsStatus:
        self.prob.setObjective(self._expr(idx, cost))
        return highspy.HighsStatus.kOk

    def run(self) -> highspy.HighsStatus:
        try:
            status = self.prob.solve(self.solver)
        except pulp.PulpSolverError as exc:
            raise SolverError(f"the solver failed: {exc}") from None
        self.seconds += float(self.prob.solutionTime or 0.0)
        self.status = self._STATUS.get(pulp.LpStatus[status], highspy.HighsModelStatus.kSolveError)
        return highspy.HighsStatus.kOk

    def getModelStatus(self) -> highspy.HighsModelStatus:
        return self.status

    def modelStatusToString(self, status: highspy.HighsModelStatus) -> str:
        return str(status).rsplit(".", 1)[-1]

    def clearSolver(self) -> highspy.HighsStatus:
        return highspy.HighsStatus.kOk

    def getRunTime(self) -> float:
        return self.seconds

    def getSolution(self) -> SimpleNamespace:
        def pi(row: pulp.LpConstraint | None) -> float:
            return float(row.pi or 0.0) if row is not None else 0.0

        return SimpleNamespace(
            col_value=[float(v.varValue or 0.0) for v in self.vars],
            col_dual=[float(v.dj or 0.0) for v in self.vars],
            row_dual=[pi(r) for r in self.rows],
        )

    def writeModel(self, path: str) -> highspy.HighsStatus:
        self.prob.writeLP(path)
        return highspy.HighsStatus.kOk


@dataclass
class Tiered:
    """The tiers of one LP already passed to ``h``: names, cost vectors, and how to solve them.

    ``costs`` are full-length cost vectors, highest tier first; ``fixed_cost`` is added to the
    last (tie-breaking) tier (spills); ``kinds`` are the tiers' kinds ("shortage", "equity",
    "preference", "cost", "floor").
    """

    h: highspy.Highs | PulpLp
    names: list[str]
    kinds: list[str]
    costs: list[np.ndarray]
    fixed_cost: np.ndarray
    staged: bool
    G: nx.DiGraph
    priorities: list[int | None]
    mode: str = "full"
    #: column upper bounds and the number of months (to normalise the tie-breaking terms)
    ub: np.ndarray | None = None
    periods: int = 1
    fix_rows: list[int] = field(default_factory=list)
    weighted_cost: np.ndarray | None = None
    #: the weighted costs are in HiGHS already (a myopic run's later months keep them)
    cost_passed: bool = False
    #: called after each stage with its index and optimum (None: skipped, nothing to solve), while
    #: the solver still holds that stage's solution (an annual run reads its duals there)
    on_stage: Callable[[int, float | None], None] | None = None
    #: where to write the LP (HiGHS: .lp or .mps by the suffix) when a stage fails
    lp_dump: Path | None = None
    #: the solver the LP was given (the first stage's; the later stages' is primal simplex)
    first_solver: str = field(default="simplex", init=False)

    @classmethod
    def of_template(cls, tpl: Any, costs: list[np.ndarray], **kw: Any) -> Tiered:
        """The tiers of a template (:class:`waterplan.template.Template`): its tiers' names, kinds
        and priorities, with ``costs`` (each tier's cost vector over the LP's columns)."""
        return cls(names=[t.name for t, _c in tpl.tiers], kinds=[t.kind for t, _c in tpl.tiers], costs=costs,
                   priorities=[t.priority for t, _c in tpl.tiers], **kw)  # fmt: skip

    def __post_init__(self) -> None:
        n = len(self.fixed_cost)
        chosen = self.h.getOptionValue("solver")  # (status, value) in some highspy versions
        self.first_solver = str(chosen[1] if isinstance(chosen, tuple) else chosen)
        if self.staged:
            first = self.h.getNumRow()
            for c in self.costs[:-1]:
                nz = np.flatnonzero(c)
                checked(self.h.addRow(-INF, INF, len(nz), nz.astype(np.int32), numbers(c[nz], "a tier's costs")),
                        "a tier's row")  # fmt: skip
            self.fix_rows = list(range(first, first + len(self.costs) - 1))
            return
        refuse_weighted(self.kinds, self.mode)
        self.weighted_cost = self._weighted(n)

    def _ranks(self) -> list[float | None]:
        """Each tier's place among the weighted tiers: a shortage tier its priority, an allocation
        rule tier just after its priority, the expected targets after every priority; None for
        the tie-breaking tiers (preference, cost)."""
        last = max((p for p in self.priorities if p is not None), default=0)
        ranks: list[float | None] = []
        for k, p in zip(self.kinds, self.priorities, strict=True):
            if k == "shortage":
                ranks.append(p)
            elif k == "rule":
                ranks.append(p + 0.5)  # type: ignore[operator]
            elif k == "goal":
                ranks.append(p + 0.75)  # type: ignore[operator]
            elif k == "level":
                ranks.append(last + 1.0)
            else:
                ranks.append(None)
        return ranks

    def _weighted(self, n: int) -> np.ndarray:
        ranks = self._ranks()
        w = tier_weights(self.G, [r for r in ranks if r is not None])
        secondary = np.zeros(n)
        for k, c in zip(self.kinds, self.costs, strict=True):
            if k in ("preference", "cost"):
                secondary += c
        ub = self.ub if self.ub is not None else np.ones(n)
        size = float(np.sum(np.minimum(ub, 1e7)[np.isfinite(ub)])) / max(1, self.periods)
        bound = float(np.sum(np.abs(secondary))) * max(1.0, size)
        cost = secondary / max(bound, 1.0) + self.fixed_cost
        top = max(w.values(), default=1.0) * exchange_ratio(self.G) * 20.0
        for k, r, c in zip(self.kinds, ranks, self.costs, strict=True):
            if k in ("level", "goal"):
                # one 万m³ of water can close the gaps of several expected targets at once (a
                # reclaimed 万m³ counts for the non-conventional floor and the reclaimed rate):
                # divide by how many there are, so the shortages above still outweigh them
                per_period = max(1, int(np.count_nonzero(c)) // max(1, self.periods))
                cost = cost + w[float(r or 0.0)] * c / float(per_period)
            elif r is not None:
                cost = cost + w[r] * c
            elif k == "floor":
                cost = cost + top * c
        return np.asarray(cost, dtype=float)

    def solve(self, what: str, *, progress: bool = False) -> dict[str, float]:
        """Solve all tiers; return each tier's optimum (``progress``: a bar of the stages solved)."""
        x, out = self.solve_x(what, progress=progress)
        if out is None:
            out = {name: float(c @ x) for name, c in zip(self.names, self.costs, strict=True)}
        return out

    def solve_x(self, what: str, *, progress: bool = False) -> tuple[np.ndarray, dict[str, float] | None]:
        """Solve all tiers; return the solution vector and, staged, each tier's optimum as its stage
        found it (weighted: None, the tiers' values are the costs times the vector)."""
        n = len(self.fixed_cost)
        x: np.ndarray
        if self.weighted_cost is not None:
            if not self.cost_passed:
                idx = np.arange(n, dtype=np.int32)  # the same weighted costs every month: passed once
                checked(self.h.changeColsCost(n, idx, numbers(self.weighted_cost, f"{what}: costs")), f"{what}: costs")
                self.cost_passed = True
            self._run(what)
            return np.asarray(self.h.getSolution().col_value), None
        idx = np.arange(n, dtype=np.int32)
        for r in self.fix_rows:
            checked(self.h.changeRowBounds(r, -INF, INF), f"{what}: a tier's row bounds")
        out: dict[str, float] = {}
        stages = tqdm(list(zip(self.names, self.costs, strict=True)), desc=what, unit="stage",
                      disable=not progress or None, leave=False)  # fmt: skip
        x = np.zeros(n)
        for k, (name, c) in enumerate(stages):
            last = k == len(self.costs) - 1
            if self.kinds[k] == "equity" and out[self.names[k - 1]] <= stage_tolerance(0.0):
                out[name] = 0.0  # no shortage at this priority: nothing to share
                if self.on_stage is not None:
                    self.on_stage(k, None)
                continue
            cost = numbers(c + self.fixed_cost if last else c, f"{what}, stage '{name}': costs")
            checked(self.h.changeColsCost(n, idx, cost), f"{what}, stage '{name}': costs")
            if k == 0 or (self.kinds[k] == "shortage" and self.first_solver == "ipm"):
                self.h.setOptionValue("solver", self.first_solver)
                self.h.setOptionValue("simplex_strategy", SIMPLEX_CHOOSE)
            else:  # primal simplex from the basis the stage before ended with
                self.h.setOptionValue("solver", "simplex")
                self.h.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
            self._run(f"{what}, stage '{name}'")
            x = np.asarray(self.h.getSolution().col_value)
            z = float(c @ x)
            out[name] = z
            if self.on_stage is not None:
                self.on_stage(k, z)
            if not last:
                bound = z + stage_tolerance(z)
                if not math.isfinite(bound):
                    raise SolverError(f"{what}, stage '{name}': its optimum is not a number ({z})")
                checked(self.h.changeRowBounds(self.fix_rows[k], -INF, bound), f"{what}, stage '{name}': holding it")
        return x, out

    def _run(self, what: str) -> None:
        """Run the solver; on failure write the LP to ``lp_dump`` (if given) and say so in the error."""
        try:
            run_checked(self.h, what)
        except (InfeasibleError, SolverError) as exc:
            if self.lp_dump is None:
                raise
            self.h.writeModel(str(self.lp_dump))
            raise type(exc)(f"{exc} (LP written to {self.lp_dump})") from None
