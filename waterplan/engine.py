"""The one engine of every horizon: passing arrays to HiGHS, checked runs, the tiers solved staged or weighted.

An annual run is the one-period case (:func:`waterplan.solve`), a monthly run the model replicated
over the months (:mod:`waterplan.monthly`); both hand their LP to :class:`Tiered`, the one stage
loop: the same warm starts, the same skipped stages, the LP written to a file when a stage fails.
The tiers are the model's (:func:`waterplan.objective.tiers`). In
**staged** mode (the reference, and the default) each tier is minimised in turn and then held
by a row whose upper bound becomes its optimum plus :func:`~waterplan.objective.stage_tolerance`
(the rows exist from the start, unbounded, so a month of the myopic run only changes bounds).
Given the model's matrix and bounds (the monthly runs), the stages are not solved one by one:
a first solve aims at every tier, and the tiers are proven at their optima from its basis
(:meth:`Tiered._certified`); a stage is solved only where the proof stops. A later period (a
myopic month) whose new bounds leave the last basis within its bounds is read at that basis and
proven there, without a solve (:meth:`Tiered._unmoved`).
In **weighted** mode the tiers are folded into one objective with weights derived from the
data (:func:`tier_weights`); the equity rule cannot be ranked exactly that way and is refused.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator
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
from .i18n import tr
from .objective import stage_tolerance
from .template import INF

#: HiGHS's ``simplex_strategy`` values: its own choice (dual), and primal
SIMPLEX_CHOOSE, SIMPLEX_PRIMAL = 0, 4
#: HiGHS's options for a solve that starts near its optimum (a myopic month from the basis the month
#: before ended with, a full horizon from the myopic run's answer): the dual simplex without cost
#: perturbation. Perturbing costs that span many orders (the tiers' weights) costs iterations there:
#: at 117 counties a month takes 1.5 instead of 2.1 ms of HiGHS, the horizon of 720 months 38,972
#: instead of 94,124 iterations. Whatever path HiGHS takes, a month is proven from the basis it ends
#: with and the horizon solved to HiGHS's optimum.
WARM_OPTIONS: dict[str, float] = {"dual_simplex_cost_perturbation_multiplier": 0.0}


def warm_options(h: highspy.Highs) -> None:
    """Give ``h`` the options of a solve that starts near its optimum (WARM_OPTIONS)."""
    for option, value in WARM_OPTIONS.items():
        checked(h.setOptionValue(option, value), f"HiGHS option {option}")


def _basic_entries(basic: np.ndarray, n: int) -> np.ndarray:
    """Each basis position's entry (HiGHS's basic variables: a column's index, or −1 − a row's; the
    entries number the ``n`` columns, then the rows)."""
    return np.where(basic >= 0, basic, n - 1 - basic)


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
            if not _made["highs"]:  # (PuLP makes its own models: the process's first, and its banner, here)
                new_highs()
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


#: whether this process has made a HiGHS model (HiGHS prints its banner on the first, before any option)
_made = {"highs": False, "scheduler": False}


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """File descriptor 1 to /dev/null for the duration (HiGHS's banner is printed in C, not via
    ``sys.stdout``); Python's own buffered output is flushed first and fd 1 restored after."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(solver: str = "simplex") -> highspy.Highs:
    """A HiGHS model with its output off (and, the first in a process, without HiGHS's banner)."""
    if _made["highs"]:
        h = highspy.Highs()
    else:
        with _stdout_silenced():
            h = highspy.Highs()
        _made["highs"] = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", solver)
    return h


def _scheduler_started() -> None:
    """Start HiGHS's task scheduler once in the process: ``run()`` starts it, but HiGHS 1.16's
    ``crossover()`` reads it without starting it (and crashes the process if no model has run yet)."""
    if not _made["scheduler"]:
        h = new_highs()
        h.addVar(0.0, 1.0)
        checked(h.run(), "starting HiGHS")
        _made["scheduler"] = True


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
        raise InfeasibleError(tr("{what} is infeasible", what=what))
    msg = tr("{what}: HiGHS ended with {0}", h.modelStatusToString(status), what=what)
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
    G: nx.DiGraph, tiers: list[float], *, resolution: float = 1e-3, safety: float = 10.0,
    gaps: dict[float, float] | None = None, exchange: float | None = None,
) -> dict[float, float]:  # fmt: skip
    """Weights of the shortage tiers (by priority) for the one-LP objective.

    The lowest tier's weight makes ``resolution`` 万m³ of its shortage outweigh the whole
    (normalised, ≤ 1) tie-breaking objective; each higher tier's weight exceeds the lower one
    times the network's exchange ratio (× ``safety``, for return flows and ratio rows) plus that.
    ``gaps``: by tier, a factor on its weight over the tiers below it (and so on every tier above);
    ``exchange``: ``G``'s exchange ratio, if known (:func:`exchange_ratio`).
    """
    ratio = (exchange_ratio(G) if exchange is None else exchange) * safety
    weights: dict[float, float] = {}
    w = 2.0 / resolution
    for p in sorted(tiers, reverse=True):
        w *= (gaps or {}).get(p, 1.0)
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
                tr(
                    "the staged objective with the equity rule ({mode} mode): a weighted LP cannot rank "
                    "equity exactly; use the staged objective (--objective staged, time.objective: "
                    "staged) or set 'equity: false' in the scenario",
                    mode=mode,
                ),
            )
        )
    if "rule" in kinds:
        raise InputError(
            Problem(
                "<options>",
                "objective",
                "weighted",
                tr(
                    "the staged objective with allocation rules the model applies ({mode} mode): a "
                    "weighted LP cannot rank them between the priorities (its weights would span more "
                    "than HiGHS can solve); use the staged objective (--objective staged, time.objective:"
                    " staged) or set 'binds: false' on the scenario's targets[].rule",
                    mode=mode,
                ),
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


#: reduced costs this small (× the tier's largest cost) count as zero in the proof of a tier; the
#: tier whose stage was just solved is read to HiGHS's own dual feasibility tolerance
CERTIFY_TOLERANCE, HIGHS_DUAL_TOLERANCE = 1e-9, 1e-7
#: a period's answer read at the basis the period before ended with (:meth:`Tiered._unmoved`) holds
#: only if every basic value is within its bounds to this (× the bound, at least 1); HiGHS's own
#: primal feasibility tolerance is 1e-7
UNMOVED_TOLERANCE = 1e-9
#: a try at that basis costs about a third of what a solve it spares costs at 10–30 counties: it is
#: made while the tries' recent share that held (each try counting a quarter) is at least this,
#: and otherwise once in UNMOVED_EVERY periods (a month of 10 counties ends where the month before
#: did 3 times in 4, of 30 counties 1 in 5, of 117 counties 1 in 40)
UNMOVED_SHARE, UNMOVED_EVERY = 0.4, 8


@dataclass
class _Kept:
    """A basis to read the next period's answer at (:meth:`Tiered._unmoved`): the basic variables
    (HiGHS's), the nonbasic columns and rows (own rows only; the held rows are all basic) and whether
    each sat at its upper bound, the positions in the basis of the basic columns and own rows, and
    the matrix's values and held rows' coefficients then."""

    basic: np.ndarray
    nb_cols: np.ndarray
    nb_cols_upper: np.ndarray
    nb_rows: np.ndarray
    nb_rows_upper: np.ndarray
    at_cols: np.ndarray
    basic_cols: np.ndarray
    at_rows: np.ndarray
    basic_rows: np.ndarray
    vals: np.ndarray
    held: np.ndarray


#: a weighted solve with weights above this is not tried (tier by tier instead); the proof, not the
#: weights, makes the answer exact, so they may span far
PROBE_MAX_WEIGHT = 1e12
#: in that first solve, the source preference's weight over the last tier's
PROBE_PREFERENCE = 1e3
#: a tier the weighted solve left short (the proof stopped there): its weight over the tiers below
#: grows by this factor for the next solves, up to PROBE_GAP_MAX in all
PROBE_GAP_STEP, PROBE_GAP_MAX = 10.0, 1e6


def decisive(reduced: np.ndarray, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per entry (row of ``reduced``: the change of each tier, a column, per unit move of the entry
    up), the first tier it changes by more than ``eps`` (−1: none) and the sign of that change."""
    big = np.abs(reduced) > eps[None, :]
    first = np.where(big.any(axis=1), np.argmax(big, axis=1), -1)
    sign = np.sign(reduced[np.arange(len(first)), np.maximum(first, 0)]) if len(first) else np.zeros(0)
    return first, sign


def worse_at(
    entries: np.ndarray, first: np.ndarray, sign: np.ndarray, value: np.ndarray, low: np.ndarray, high: np.ndarray
) -> int | None:
    """The first tier made better by moving one of ``entries`` (nonbasic; ``first`` and ``sign``
    from :func:`decisive`) off its bound; ``value``, ``low``, ``high``: every entry's value and
    bounds. An entry at its lower bound can only go up, at its upper only down, a fixed one not at
    all, a free one both ways. None: no move betters a tier before it worsens one."""
    changes = first >= 0
    e, first, sign = entries[changes], first[changes], sign[changes]
    v, lo, hi = value[e], low[e], high[e]
    up = np.abs(v - lo) <= np.abs(hi - v)  # at (or nearest) its lower bound
    free = ~np.isfinite(lo) & ~np.isfinite(hi)
    better = (lo < hi) & ((np.where(up, sign, -sign) < 0) | free)
    return int(first[better].min()) if better.any() else None


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
    #: the model's own rows in COO form (rows, columns, values; not the tiers' held rows): given, a
    #: staged solve proves tiers optimal from the basis instead of solving each (:meth:`_certified`)
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: the model's rows' and columns' bounds as HiGHS has them now (column lower, upper, row lower,
    #: upper; the caller keeps them current), for the proof
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    #: the held rows' upper bounds as HiGHS has them now
    held_hi: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False)
    #: the tiers' objectives as columns (the last with the fixed costs), and each one's largest cost (at least 1)
    tier_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), init=False)
    tier_scale: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False)
    #: the costs in HiGHS are the first solve's (:meth:`_probe` of tier 0), nothing else since
    probe_in_highs: bool = field(default=False, init=False)
    #: the solver the LP was given (the first stage's; the later stages' is primal simplex)
    first_solver: str = field(default="simplex", init=False)
    #: the certified path's solves aiming at tiers k on at once (:meth:`_probe`), by k
    probes: dict[int, np.ndarray | None] = field(default_factory=dict, init=False)
    #: how many LPs the certified path solved, and how many tiers it proved without a solve
    counts: dict[str, int] = field(default_factory=lambda: {"solved": 0, "proven": 0}, init=False)
    #: by tier, the factor learnt on its weight in the weighted solves (:meth:`_widen`)
    gaps: dict[int, float] = field(default_factory=dict, init=False)
    #: a point to start the weighted solve from: the columns' values and the model's rows' prices (a
    #: full horizon's: the myopic run's answer); HiGHS forms a basis there and goes on by simplex
    #: (:meth:`_start`; needs :attr:`matrix`)
    start: tuple[np.ndarray, np.ndarray] | None = None
    #: HiGHS formed a basis at :attr:`start` and the solve went on from it
    started: bool = field(default=False, init=False)
    #: the last proof's tiers and basis, the matrix's values then, and its reduced costs (:meth:`_reduced`)
    last_reduced: tuple[Any, np.ndarray, np.ndarray] | None = field(default=None, init=False)
    #: the last proof's reduced costs and tolerances, and what they decide (:meth:`_decided`)
    last_decided: tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = field(
        default=None, init=False
    )
    #: the last proof's basis, and its entries' values and bounds (:meth:`_certified`)
    last_proof: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, init=False)
    #: the basis the last period's answer was read at without a solve (:meth:`_unmoved`)
    kept: _Kept | None = field(default=None, init=False)
    #: the proof (:attr:`last_proof`) and the matrix's values of the last period, if it was one solve
    #: that proved every tier (:meth:`_keep`)
    kept_proof: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = field(
        default=None, init=False
    )
    #: the recent share of tries at the kept basis that held, and the periods since the last try
    unmoved_share: list[float] = field(default_factory=lambda: [1.0, 0.0], init=False)

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
            if self.certifies:
                self.tier_matrix = np.column_stack([self._cost(k) for k in range(len(self.costs))])
                self.tier_scale = np.maximum(1.0, np.max(np.abs(self.tier_matrix), axis=0))
                self._probe(0)  # (the first solve's costs, found with the LP, not in its first period)
            return
        refuse_weighted(self.kinds, self.mode)
        self.weighted_cost = self._weighted(n)

    @functools.cached_property
    def exchange(self) -> float:
        """The graph's exchange ratio (:func:`exchange_ratio`; found once: the graph does not change)."""
        return exchange_ratio(self.G)

    @property
    def certifies(self) -> bool:
        """Whether the staged solve proves tiers from the basis (HiGHS, the model's matrix known, no
        stage hook reading each stage's duals)."""
        return self.staged and self.matrix is not None and self.on_stage is None and isinstance(self.h, highspy.Highs)

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
        w = tier_weights(self.G, [r for r in ranks if r is not None], exchange=self.exchange)
        secondary = np.zeros(n)
        for k, c in zip(self.kinds, self.costs, strict=True):
            if k in ("preference", "cost"):
                secondary += c
        ub = self.ub if self.ub is not None else np.ones(n)
        size = float(np.sum(np.minimum(ub, 1e7)[np.isfinite(ub)])) / max(1, self.periods)
        bound = float(np.sum(np.abs(secondary))) * max(1.0, size)
        cost = secondary / max(bound, 1.0) + self.fixed_cost
        return self._fold(cost, ranks, w)

    def _fold(
        self, cost: np.ndarray, ranks: list[float | None], w: dict[float, float], *, start: int = 0,
        scale: dict[int, float] | None = None,
    ) -> np.ndarray:  # fmt: skip
        """``cost`` plus each ranked tier from ``start`` on times its weight (``scale``: extra factors
        by tier), the expected targets divided among themselves, the floors above everything."""
        top = max(w.values(), default=1.0) * self.exchange * 20.0
        for i, (k, r, c) in enumerate(zip(self.kinds, ranks, self.costs, strict=True)):
            if k in ("level", "goal") and r is not None:
                # one 万m³ of water can close the gaps of several expected targets at once (a
                # reclaimed 万m³ counts for the non-conventional floor and the reclaimed rate):
                # divide by how many there are, so the shortages above still outweigh them
                per_period = max(1, int(np.count_nonzero(c)) // max(1, self.periods))
                cost = cost + w[r] * c / float(per_period)
            elif r is not None:
                cost = cost + w[r] * (scale or {}).get(i, 1.0) * c
            elif k == "floor" and i >= start:
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
            return self._solve_weighted(what, self.weighted_cost), None
        idx = np.arange(n, dtype=np.int32)
        if self.certifies:
            return self._solve_certified(what)
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

    def _solve_weighted(self, what: str, cost: np.ndarray) -> np.ndarray:
        """The weighted LP's solution (its costs passed once: a myopic run's months keep them)."""
        if not self.cost_passed:
            n = len(cost)
            checked(self.h.changeColsCost(n, np.arange(n, dtype=np.int32), numbers(cost, f"{what}: costs")),
                    f"{what}: costs")  # fmt: skip
            self.cost_passed = True
        if self.start is not None:  # (a full horizon's one solve; never a myopic month)
            self._start(cost)
        self._run(what)
        return np.asarray(self.h.getSolution().col_value)

    def _probe(self, k: int) -> np.ndarray | None:
        """The costs of a solve that aims at tiers ``k`` on at once (the certified path): each tier
        weighted over the ones after it, the source preference over the last tier (both scaled to
        costs of at most 1, the preference × 1000), the fixed costs in the last tier as its stage has
        them. Each ranked tier counts per unit of its largest cost; an equity tier (a fraction) comes
        just after the shortage of its priority, weighted by that priority's demand when it is the
        first. No weight holds for every month (a 万m³ for one priority can cost another many): where
        the proof stops, :meth:`_widen` raises that tier's weight for the solves after. None: the
        weights span too far for HiGHS; tier ``k`` is solved alone."""
        if k in self.probes:
            return self.probes[k]
        n, K = len(self.fixed_cost), len(self.costs)
        ranks = [None if i < k else r for i, r in enumerate(self._ranks())]
        for i in range(k + 1, K):
            if self.kinds[i] == "equity":  # just after the shortage of its priority
                ranks[i] = self.priorities[i] + 0.25  # type: ignore[operator]
        ranks[k] = -1.0  # first, above everything after it
        secondary = np.zeros(n)
        for i in range(k, K):
            if self.kinds[i] in ("preference", "cost"):
                c = self._cost(i)
                top = float(np.max(np.abs(c), initial=0.0))
                secondary += (PROBE_PREFERENCE if self.kinds[i] == "preference" else 1.0) * c / max(top, 1e-12)
        gaps = {ranks[i]: g for i, g in self.gaps.items() if i >= k and ranks[i] is not None}
        w = tier_weights(self.G, [r for r in ranks if r is not None], resolution=1.0 / (2 * PROBE_PREFERENCE),
                         safety=1.0, gaps=gaps, exchange=self.exchange)  # type: ignore[arg-type]  # fmt: skip
        # each ranked tier per unit of its largest cost (a rule's 万m³ may count several times)
        scale = {i: 1.0 / float(self.tier_scale[i]) for i in range(k, K)}
        if self.kinds[k] == "equity":  # a fraction: per 万m³ of its priority's demand
            scale[k] = self._demand(self.priorities[k])
        cost = self._fold(secondary, ranks, w, start=k, scale=scale)
        probe = cost if float(np.max(np.abs(cost), initial=0.0)) < PROBE_MAX_WEIGHT else None
        self.probes[k] = probe
        return probe

    def _demand(self, priority: int | None) -> float:
        """The yearly demand of a priority (万m³; at least 1), from the graph."""
        total = sum(d.get("demand", 0.0) for _n, d in self.G.nodes(data=True)
                    if d.get("kind") == "demand" and d.get("priority") == priority)  # fmt: skip
        return max(1.0, float(total))

    def _cost(self, k: int) -> np.ndarray:
        """Tier ``k``'s objective as its stage minimises it (the last with the fixed costs)."""
        return self.costs[k] + self.fixed_cost if k == len(self.costs) - 1 else self.costs[k]

    def _solve_certified(self, what: str) -> tuple[np.ndarray, dict[str, float]]:
        """The staged answer, solving only what the basis does not already prove.

        A first solve aims at all tiers at once (:meth:`_probe`); then, from the basis HiGHS ends
        with, :meth:`_certified` proves the leading tiers lexicographically optimal without a solve.
        The proven tiers are held like solved stages (their optima plus the stage tolerance); from
        the first tier not proven, a solve aims at that tier and the ones after it (primal simplex
        from the basis), and the proof goes on. Where that proves nothing new, the tier is solved
        alone, as its stage. A month without shortage is usually one LP."""
        K = len(self.costs)
        if len(self.fix_rows) and np.isfinite(self.held_hi).any():  # last period's holds let go
            free = np.array(self.fix_rows, dtype=np.int32)
            checked(self.h.changeRowsBounds(len(free), free, np.full(len(free), -INF), np.full(len(free), INF)),  # type: ignore[union-attr]
                    f"{what}: the tiers' row bounds")  # fmt: skip
        self.held_hi = np.full(len(self.fix_rows), INF)
        out: dict[str, float] = {}
        x = self._unmoved()
        if x is not None:  # the basis the period before ended with proves this period's answer
            self._hold(0, K, x, out, what)
            self.counts["proven"] += K
            return x, out
        k, alone, first = 0, False, True
        while True:
            probe = None if alone else self._probe(k)
            if probe is not None and not self._aim(k, probe, what, first):
                probe = None  # the weighted solve failed (its weights span far): tier k as its stage
                self.h.clearSolver()
            if probe is None:
                self._aim(k, None, what, first)
            solved = None if probe is not None else k
            first = False
            x = np.asarray(self.h.getSolution().col_value)
            proven = self._certified(k, solved, x, out)
            if solved is None and proven < K:
                self._widen(proven)
            if solved == k:  # the stage just solved is at its optimum, whatever the proof reads
                proven = max(proven, k + 1)
            self._hold(k, proven, x, out, what)
            self.counts["proven"] += proven - k - (solved == k)
            alone = proven == k  # the aim at tiers k on proved nothing: tier k alone next
            if k == 0 and proven >= K and probe is not None:  # one solve proved it all: its basis is kept
                self._keep()
            k = proven
            if k >= K:
                return x, out

    def _keep(self) -> None:
        """After a period solved by one solve that proved every tier: the next period may try its basis
        first (:meth:`_unmoved`)."""
        self.kept = self.kept_proof = None
        if self.last_proof is not None and self.matrix is not None:
            self.kept_proof = (self.last_proof, self.matrix[2].copy())

    def _kept(self, proof: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], vals: np.ndarray) -> _Kept | None:
        """The basis of a proof (:attr:`last_proof`) to read periods at: which entries are nonbasic and
        at which bound, where the basic ones sit in the basis. None: a held row is nonbasic."""
        basic, value, low, high = proof
        n, nh = len(self.fixed_cost), len(self.fix_rows)
        m0 = len(value) - n - nh
        at = basic >= 0
        entry = _basic_entries(basic, n)
        nonbasic = np.ones(len(value), dtype=bool)
        nonbasic[entry] = False
        if nonbasic[n + m0 :].any():
            return None
        upper = np.abs(value - low) > np.abs(high - value)
        nb = np.flatnonzero(nonbasic)
        nb_cols, nb_rows = nb[nb < n], nb[nb >= n] - n
        own = ~at & (entry < n + m0)
        return _Kept(basic=basic, nb_cols=nb_cols, nb_cols_upper=upper[nb_cols], nb_rows=nb_rows,
                     nb_rows_upper=upper[n + nb_rows], at_cols=np.flatnonzero(at), basic_cols=basic[at],
                     at_rows=np.flatnonzero(own), basic_rows=entry[own] - n, vals=vals,
                     held=np.ascontiguousarray(self.tier_matrix[:, :nh]))  # fmt: skip

    def _unmoved(self) -> np.ndarray | None:
        """This period's answer at the basis the last period ended with after one solve (or read its
        answer at), if it proves this one: the basic solution there (:meth:`_basic_solution`),
        within its bounds, with every tier proven (:meth:`_certified`). None: solve as usual
        (HiGHS starts from that basis). Tried while such tries hold often enough (UNMOVED_SHARE)."""
        kept, self.kept = self.kept, None
        proof, self.kept_proof = self.kept_proof, None
        if (kept is None and proof is None) or self.bounds is None or self.matrix is None:
            return None
        share = self.unmoved_share  # (recent share held, periods since the last try)
        share[1] += 1
        if share[0] < UNMOVED_SHARE and share[1] < UNMOVED_EVERY:
            return None
        share[1], K = 0.0, len(self.costs)
        if kept is None and proof is not None:
            kept = self._kept(*proof)
        x = None
        if kept is not None and np.array_equal(self.matrix[2], kept.vals):
            x = self._basic_solution(kept)
        held = x is not None and kept is not None and self._certified(0, None, x, {}, basic=kept.basic) >= K
        share[0] = 0.75 * share[0] + 0.25 * held  # (each try counts a quarter of the share)
        if not held:
            return None
        self.kept = kept
        return x

    def _basic_solution(self, kept: _Kept) -> np.ndarray | None:
        """The columns' values at the basis ``kept`` with the current bounds: each nonbasic column and
        row at the bound it sat at, the basic ones solved from the basis (HiGHS's factors). None: a
        bound it sat at is gone, or a basic value falls outside its bounds (by more than
        UNMOVED_TOLERANCE × the bound, at least 1)."""
        assert self.bounds is not None and self.matrix is not None
        rows, cols, vals = self.matrix
        lo, hi, rlo, rhi = self.bounds
        xn = np.where(kept.nb_cols_upper, hi[kept.nb_cols], lo[kept.nb_cols])
        rn = np.where(kept.nb_rows_upper, rhi[kept.nb_rows], rlo[kept.nb_rows])
        if not (np.isfinite(xn).all() and np.isfinite(rn).all()):
            return None
        x = np.zeros(len(lo))
        x[kept.nb_cols] = xn
        # HiGHS's basis matrix holds the basic columns of [A I]: a row's own column is minus its activity
        rhs = -np.concatenate([np.bincount(rows, vals * x[cols], minlength=len(rlo)), x @ kept.held])
        rhs[kept.nb_rows] += rn
        h: Any = self.h
        st, v = h.getBasisSolve(rhs)
        if st != highspy.HighsStatus.kOk:
            return None
        xb, rb = v[kept.at_cols], -v[kept.at_rows]
        x[kept.basic_cols] = xb
        for got, low, high in ((xb, lo[kept.basic_cols], hi[kept.basic_cols]),
                               (rb, rlo[kept.basic_rows], rhi[kept.basic_rows])):  # fmt: skip
            if not ((got >= low - UNMOVED_TOLERANCE * (1.0 + np.abs(low))).all()
                    and (got <= high + UNMOVED_TOLERANCE * (1.0 + np.abs(high))).all()):  # fmt: skip
                return None
        return x

    def _widen(self, k: int) -> None:
        """The weighted solve left tier ``k`` short of its optimum (the tiers after it outweighed it, or
        the proof could not read it): its weight over the tiers below grows for the next solves, while
        every weighted solve's weights stay within PROBE_MAX_WEIGHT (the later months of a myopic run
        start from weights that held)."""
        gap = self.gaps.get(k, 1.0) * PROBE_GAP_STEP
        if gap > PROBE_GAP_MAX:
            return
        before, self.gaps[k] = self.gaps.get(k), gap
        self.probes.clear()
        if self._probe(0) is None:  # too wide for the first solve: keep the weights that were
            if before is None:
                del self.gaps[k]
            else:
                self.gaps[k] = before
            self.probes.clear()
        self.probe_in_highs = False

    def _aim(self, k: int, probe: np.ndarray | None, what: str, first: bool) -> bool:
        """Solve with ``probe``'s costs (None: tier ``k``'s, as its stage): the period's first solve
        by the first solver, the later ones by primal simplex from the basis. Whether it reached an
        optimum (a weighted solve that did not says False; a stage that did not raises)."""
        n = len(self.fixed_cost)
        cost = probe if probe is not None else self._cost(k)
        name = "the tiers weighted" if probe is not None else f"stage '{self.names[k]}'"
        label = f"{what}, first solve, {name}" if first and probe is not None else f"{what}, {name}"
        if not (first and probe is not None and self.probe_in_highs and k == 0):
            checked(self.h.changeColsCost(n, np.arange(n, dtype=np.int32), numbers(cost, f"{label}: costs")),
                    f"{label}: costs")  # fmt: skip
        self.probe_in_highs = probe is not None and k == 0
        if first:
            self.h.setOptionValue("solver", self.first_solver)
            self.h.setOptionValue("simplex_strategy", SIMPLEX_CHOOSE)
        else:
            self.h.setOptionValue("solver", "simplex")
            self.h.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
        self.counts["solved"] += 1
        if probe is None:
            self._run(label)
            return True
        try:
            run_checked(self.h, label)
        except (InfeasibleError, SolverError):
            self.probe_in_highs = False
            return False
        return True

    def _hold(self, k0: int, k1: int, x: np.ndarray, out: dict[str, float], what: str) -> None:
        """Tiers ``k0`` to ``k1`` (excluded) proven or solved at ``x``: their optima recorded and, if a
        solve follows (tiers are left), held (an equity tier after a priority without shortage: 0,
        not held, as the stages do)."""
        values = x @ self.tier_matrix[:, k0:k1]
        held, bounds = [], []
        for k in range(k0, k1):
            name = self.names[k]
            if self._skipped_at(k, x, out):
                out[name] = 0.0
                continue
            z = float(values[k - k0]) if k < len(self.costs) - 1 else float(self.costs[k] @ x)
            out[name] = z
            if k < len(self.fix_rows):
                bound = z + stage_tolerance(z)
                if not math.isfinite(bound):
                    raise SolverError(f"{what}, stage '{name}': its optimum is not a number ({z})")
                held.append(k)
                bounds.append(bound)
        if held and k1 < len(self.costs):
            self.held_hi[held] = bounds
            rows = np.array(self.fix_rows, dtype=np.int32)[held]
            checked(self.h.changeRowsBounds(len(rows), rows, np.full(len(rows), -INF), np.array(bounds)),  # type: ignore[union-attr]
                    f"{what}: holding the tiers proven")  # fmt: skip

    def _skipped_at(self, k: int, x: np.ndarray, out: dict[str, float]) -> bool:
        """An equity tier after a priority without shortage (the tier before at its value at ``x`` if it
        is not recorded yet): nothing to share, no stage."""
        if self.kinds[k] != "equity" or k == 0:
            return False
        before = out.get(self.names[k - 1], float(self.costs[k - 1] @ x))
        return before <= stage_tolerance(0.0)

    def _certified(
        self, k0: int, solved: int | None, x: np.ndarray, out: dict[str, float], *, basic: np.ndarray | None = None
    ) -> int:
        """The first tier from ``k0`` on that the current basis does not prove optimal (all: the tiers' count).

        At a basis, every other point of the LP differs from this one by moves of the nonbasic
        columns and rows off their bounds; tier ``t`` changes by the move times its reduced cost
        (its costs less the rows' prices, the prices solved from the basis for that tier's costs).
        If, for every nonbasic column and row, the first tier on which a move off its bound changes
        anything makes that tier worse, no point is lexicographically better: the tiers are at their
        optima in order. ``solved`` is the tier whose stage was just solved to HiGHS's tolerances
        (its reduced costs are read to those tolerances); an equity tier skipped is left out.
        ``basic``: the basis (HiGHS's basic variables), if not HiGHS's current one."""
        K = len(self.costs)
        tiers = [k for k in range(k0, K) if not self._skipped_at(k, x, out)]
        h: Any = self.h  # (HiGHS: :attr:`certifies`)
        st = highspy.HighsStatus.kOk
        if basic is None:
            st, basic = h.getBasicVariables()
        if not tiers or st != highspy.HighsStatus.kOk or self.bounds is None or self.matrix is None:
            return K if not tiers else k0
        basic = np.asarray(basic)
        rows, cols, vals = self.matrix
        n, m0, nh = len(x), len(self.bounds[2]), len(self.fix_rows)
        lo, hi, rlo, rhi = self.bounds
        value = np.concatenate([x, np.bincount(rows, vals * x[cols], minlength=m0), x @ self.tier_matrix[:, :nh]])
        low = np.concatenate([lo, rlo, np.full(nh, -INF)])
        high = np.concatenate([hi, rhi, self.held_hi])
        eps = np.where(np.array(tiers) == solved, HIGHS_DUAL_TOLERANCE, CERTIFY_TOLERANCE) * self.tier_scale[tiers]
        self.last_proof = (basic, value, low, high)
        first = worse_at(*self._decided(tiers, basic, n, m0, eps), value, low, high)
        return K if first is None else tiers[first]

    def _decided(
        self, tiers: list[int], basic: np.ndarray, n: int, m0: int, eps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The nonbasic entries at the basis ``basic`` (columns, then rows, then held rows), and each
        one's first tier changed by a move and its sign (:func:`decisive`). These follow from the
        basis alone: at the basis of the last proof (and the same tiers, matrix and tolerances), the
        last proof's, without a solve; what differs from month to month is only which way an
        entry may move (:func:`worse_at`)."""
        reduced = self._reduced(tiers, basic, n, m0)
        last = self.last_decided
        if last is not None and last[0] is reduced and np.array_equal(last[1], eps):
            return last[2]
        nonbasic = np.ones(len(reduced), dtype=bool)
        nonbasic[_basic_entries(basic, n)] = False
        entries = np.flatnonzero(nonbasic)
        decided = (entries, *decisive(reduced[entries], eps))
        self.last_decided = (reduced, eps, decided)
        return decided

    def _reduced(self, tiers: list[int], basic: np.ndarray, n: int, m0: int) -> np.ndarray:
        """Per tier (columns), the reduced costs of the columns and then the prices of the rows at the
        basis ``basic`` (HiGHS's order). The same basis, tiers and matrix as the last call (a month
        of a myopic run often ends where the month before did): the last call's, without a solve."""
        assert self.matrix is not None
        rows, cols, vals = self.matrix
        key = (tuple(tiers), basic.tobytes())
        if self.last_reduced is not None and self.last_reduced[0] == key and np.array_equal(self.last_reduced[1], vals):
            return self.last_reduced[2]
        h: Any = self.h
        C = self.tier_matrix[:, tiers]
        nh, T = len(self.fix_rows), len(tiers)
        at = basic >= 0
        CB = np.where(at[:, None], C[np.where(at, basic, 0)], 0.0)
        Y = np.zeros((m0 + nh, T))
        D: np.ndarray = C.copy()
        for t in np.flatnonzero(CB.any(axis=0)):  # (a tier with no basic column has prices 0)
            st, y = h.getBasisTransposeSolve(CB[:, t])
            checked(st, "a basis solve")
            Y[:, t] = y
            D[:, t] -= np.bincount(cols, vals * Y[rows, t], minlength=n)
        if nh and Y[m0:].any():  # the held rows' coefficients are the tiers' costs
            D -= self.tier_matrix[:, :nh] @ Y[m0:]
        reduced = np.vstack([D, Y])
        self.last_reduced = (key, vals.copy(), reduced)
        return reduced

    def _start(self, cost: np.ndarray) -> None:
        """Form a basis at :attr:`start` (HiGHS's crossover) for the weighted solve that follows with
        ``cost``, by simplex (dual simplex: the basis is near the optimum; where the start is
        infeasible, say a yearly floor the myopic run fell short of, the dual simplex restores it).
        The start's rows' values and the columns' prices follow from the matrix (c − Aᵀy). If HiGHS
        cannot form a basis, the solve starts cold with the LP's solver."""
        start, self.start = self.start, None
        if start is None or not isinstance(self.h, highspy.Highs) or self.matrix is None:
            return  # (CBC, or no matrix to price the start with: a cold solve)
        x, y = start
        rows, cols, vals = self.matrix
        point = highspy.HighsSolution()
        point.col_value = x
        point.row_value = np.bincount(rows, weights=vals * x[cols], minlength=len(y)).astype(float)
        point.row_dual = y
        point.col_dual = cost - np.bincount(cols, weights=vals * y[rows], minlength=len(x))
        point.value_valid = point.dual_valid = True
        _scheduler_started()
        if self.h.crossover(point) == highspy.HighsStatus.kError:
            self.h.clearSolver()
            return
        self.h.setOptionValue("solver", "simplex")
        warm_options(self.h)
        self.started = True

    def _run(self, what: str) -> None:
        """Run the solver; on failure write the LP to ``lp_dump`` (if given) and say so in the error."""
        try:
            run_checked(self.h, what)
        except (InfeasibleError, SolverError) as exc:
            if self.lp_dump is None:
                raise
            self.h.writeModel(str(self.lp_dump))
            raise type(exc)(f"{exc} (LP written to {self.lp_dump})") from None
