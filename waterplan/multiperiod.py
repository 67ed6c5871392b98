"""Monthly, multi-year allocation: full horizon (one LP) or myopic (month by month, warm-started).

The single-period LP is the one :func:`waterplan.build_model` writes (so the annual and the
monthly models share one formulation); it is read once into a sparse *template* and then

* **full horizon** — replicated over every month into one HiGHS model, with reservoir storage
  carried between months and the plan's yearly caps, floors and ratios summed over each year's
  twelve months (perfect foresight);
* **myopic** — kept as one HiGHS model whose bounds are changed in place month by month
  (inflows, demands, storage carried over, what is left of each yearly cap), each solve
  warm-started from the previous basis; yearly floors and ratios hold month by month.

The objective is one weighted LP whose tier weights are derived from the data (each priority's
weight exceeds what the lower tiers and the tie-breaking terms can add up to, with the largest
loss ratio of the network as the exchange rate), or, for checking, the staged lexicographic
solve (``staged=True``), which the tests compare with the weighted one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import networkx as nx
import numpy as np
import pandas as pd

from ._errors import InfeasibleError, InputError, Problem, SolverError
from .hydrology import SeriesParams, check_pattern, generate_series, read_series
from .model import AllocationModel, build_model
from .scenario import Scenario

__all__ = ["MonthlyResult", "Template", "extract_template", "guarantee_rates", "solve_monthly"]

INF = highspy.kHighsInf
SURFACE = {"yellow_mainstem", "yellow_tributary", "surface", "spring"}
#: Cost of one 万m³ spilled from a reservoir: above the (normalised ≤ 1) tie-breaking terms, far
#: below any shortage weight, so water is stored rather than spilled when it can be.
SPILL_COST = 1.0
_ROW_KINDS = ("bal", "nodecap", "cap", "minflow", "dem", "ww", "yield", "policy")


@dataclass
class Template:
    """The single-period LP as arrays (columns, rows in COO form) with its parameters' handles."""

    model: AllocationModel
    n_cols: int
    lb: np.ndarray
    ub: np.ndarray
    rows: np.ndarray  # COO row index
    cols: np.ndarray
    vals: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_kind: np.ndarray  # str
    row_ref: list[Any]  # demand node for dem rows, constraint id for policy rows
    q_col: dict[str, int]
    t_col: dict[str, int]
    short_col: dict[str, int]
    tiers: dict[int, np.ndarray] = field(default_factory=dict)
    secondary: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)


def extract_template(G: nx.DiGraph, scenario: Scenario) -> Template:
    """Read the PuLP model of one period into arrays (done once per scenario)."""
    m = build_model(G, scenario)
    variables = m.prob.variables()
    index = {v.name: i for i, v in enumerate(variables)}
    n = len(variables)
    lb = np.array([v.lowBound if v.lowBound is not None else -INF for v in variables], dtype=float)
    ub = np.array([v.upBound if v.upBound is not None else INF for v in variables], dtype=float)
    rows, cols, vals, lo, hi, kind, ref = [], [], [], [], [], [], []
    policy_name = {row.name: cid for cid, row in m.policy.items()}
    dem_name = {}
    for i, con in enumerate(m.prob.constraints()):
        items = list(con.items())
        for var, coef in items:
            rows.append(i)
            cols.append(index[var.name])
            vals.append(coef)
        rhs = -con.constant
        lo.append(rhs if con.sense >= 0 else -INF)
        hi.append(rhs if con.sense <= 0 else INF)
        k = con.name.split("_")[0]
        kind.append(k if k in _ROW_KINDS else "other")
        ref.append(policy_name.get(con.name))
        if k == "dem":
            dem_name[i] = con.name
    for d, v in m.shortage.items():  # map dem rows to demand nodes through their shortage column
        for i, name in dem_name.items():
            con = m.prob.get_constraint_by_name(name)
            if v in dict(con.items()):
                ref[i] = d
    t = Template(
        model=m,
        n_cols=n,
        lb=lb,
        ub=ub,
        rows=np.asarray(rows, dtype=np.int64),
        cols=np.asarray(cols, dtype=np.int64),
        vals=np.asarray(vals, dtype=float),
        row_lo=np.asarray(lo, dtype=float),
        row_hi=np.asarray(hi, dtype=float),
        row_kind=np.asarray(kind),
        row_ref=ref,
        q_col={s: index[v.name] for s, v in m.q.items()},
        t_col={w: index[v.name] for w, v in m.treated.items()},
        short_col={d: index[v.name] for d, v in m.shortage.items()},
    )
    _objectives(t, G, scenario, index)
    return t


def _objectives(t: Template, G: nx.DiGraph, scenario: Scenario, index: dict[str, int]) -> None:
    from .solve import _source_rank

    m = t.model
    for d, col in t.short_col.items():
        p = G.nodes[d]["priority"]
        t.tiers.setdefault(p, np.zeros(t.n_cols))[col] = 1.0
    sec = np.zeros(t.n_cols)
    for (d, s), expr in m.arrived.items():
        rank = _source_rank(scenario, G.nodes[d]["sector"], G.nodes[s]["source_kind"])
        for var, coef in expr.items():
            sec[index[var.name]] += rank * coef
    for (u, v, _s), var in m.x.items():
        sec[index[var.name]] += G.edges[u, v]["cost"] + 1.0
    for s, var in m.q.items():
        sec[index[var.name]] += G.nodes[s].get("cost", 0.0)
    t.secondary = sec


def _exchange_ratio(G: nx.DiGraph) -> float:
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
    G: nx.DiGraph, tiers: list[int], *, resolution: float = 1e-3, safety: float = 10.0
) -> dict[int, float]:
    """Weights for the one-LP lexicographic objective.

    The lowest tier's weight makes ``resolution`` 万m³ of its shortage outweigh the whole
    (normalised, ≤ 1) tie-breaking objective; each higher tier's weight exceeds the lower one
    times the network's exchange ratio (× ``safety``, for return flows and ratio rows) plus that.
    """
    ratio = _exchange_ratio(G) * safety
    weights: dict[int, float] = {}
    w = 2.0 / resolution
    for p in sorted(tiers, reverse=True):
        weights[p] = w
        w = w * ratio * 2.0 + 1.0 / resolution
    return weights


@dataclass
class MonthlyResult:
    """Values of a monthly run, in 万m³ per month."""

    scenario: Scenario
    graph: nx.DiGraph
    months: list[str]
    mode: str
    shortage: pd.DataFrame  # index month, columns demand nodes
    demand: pd.DataFrame
    release: pd.DataFrame  # index month, columns sources
    storage: pd.DataFrame  # index month, columns reservoirs
    spill: pd.DataFrame
    policy: pd.DataFrame  # index year, columns constraint ids: the measured yearly value (lhs)
    objective: dict[str, float]
    timings: dict[str, float]
    lp_size: dict[str, int]
    step_seconds: list[float] = field(default_factory=list)
    floor_shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)


def _monthly_inputs(
    G: nx.DiGraph, scenario: Scenario, months: list[str], series: pd.DataFrame | None, params: SeriesParams
) -> pd.DataFrame:
    """Monthly inflows (万m³) per surface source: the given series (scaled by an explicit
    ``surface_factor``), or the generator around each source's mean yield."""
    from .network import surface_factor

    hyd = scenario.spec.hydrology
    factor = {
        n: surface_factor(hyd, d["source_kind"], n)
        for n, d in G.nodes(data=True)
        if d.get("source_kind") in SURFACE and d["kind"] != "wwtp"
    }
    if series is None:  # undo the annual year-type scaling: a long series has its own dry years
        surface = {n: (G.nodes[n]["source_kind"], G.nodes[n]["available"] / max(f, 1e-12)) for n, f in factor.items()}
        series = generate_series(surface, params)
        scale = 1.0 if hyd.surface_factor is None else hyd.surface_factor
        return series.pivot(index="month", columns="source", values="value_10k_m3").reindex(months) * scale
    table = series.pivot(index="month", columns="source", values="value_10k_m3").reindex(months)
    return table * (1.0 if hyd.surface_factor is None else hyd.surface_factor)


def _reservoirs(G: nx.DiGraph) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d["kind"] == "reservoir" and d.get("storage")]


def _csc(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_cols: int) -> tuple[np.ndarray, ...]:
    order = np.lexsort((rows, cols))
    counts = np.bincount(cols, minlength=n_cols)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return start, rows[order].astype(np.int32), vals[order]


def _highs(solver: str = "simplex") -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", solver)
    return h


def _pass(
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
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(rlo)
    lp.col_cost_ = cost
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = rlo
    lp.row_upper_ = rhi
    start, index, value = _csc(rows, cols, vals, len(cost))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    h.passModel(lp)


def _run(h: highspy.Highs, what: str) -> None:
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return
    if status == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleError(f"{what} is infeasible")
    msg = f"{what}: HiGHS ended with {h.modelStatusToString(status)}"
    raise SolverError(msg)


def solve_monthly(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    mode: str = "full",
    years: int | None = None,
    start_year: int | None = None,
    series: pd.DataFrame | None = None,
    staged: bool = False,
    warm_start: bool = True,
    params: SeriesParams | None = None,
    lp_solver: str = "auto",
) -> MonthlyResult:
    """Allocate month by month over many years.

    Parameters
    ----------
    G, scenario
        The graph and scenario (the scenario's ``time:`` section gives the defaults).
    mode
        ``"full"`` (one LP over the horizon) or ``"myopic"`` (month by month).
    years, start_year
        Length and start of the horizon.
    series
        Monthly inflows (columns month, source, value_10k_m3); by default the scenario's series
        file, else the illustrative generator.
    staged
        Solve the full-horizon LP stage by stage (reference) instead of one weighted LP.
    warm_start
        Myopic mode: keep HiGHS's basis between months (``False`` clears it each month).
    lp_solver
        Full horizon: ``"simplex"``, ``"ipm"`` or ``"auto"`` (interior point above 20,000 columns,
        where it is several times faster on these LPs).
    """
    t0 = time.perf_counter()
    spec = scenario.spec
    tcfg = spec.time
    years = years or (tcfg.years if tcfg else 1)
    start_year = start_year or (tcfg.start_year if tcfg else spec.year)
    params = params or SeriesParams(years=years, start_year=start_year, seed=tcfg.seed if tcfg else SeriesParams.seed)
    months = [f"{start_year + i // 12}-{i % 12 + 1:02d}" for i in range(12 * years)]
    if series is None and tcfg is not None and tcfg.series:
        surface_ids = {n for n, d in G.nodes(data=True) if d.get("source_kind") in SURFACE and d["kind"] != "wwtp"}
        series = read_series(
            scenario.path.parent / tcfg.series, sources=surface_ids, start=months[0], months=len(months)
        )
    inflow = _monthly_inputs(G, scenario, months, series, params)
    tpl = extract_template(G, scenario)
    t1 = time.perf_counter()
    patterns = {
        s: check_pattern(p, file=str(scenario.path), field=f"time.demand_patterns.{s}")
        for s, p in (tcfg.demand_patterns.items() if tcfg else [])
    }
    if mode == "full":
        res = _full_horizon(G, scenario, tpl, months, inflow, patterns, staged=staged, lp_solver=lp_solver)
    elif mode == "myopic":
        res = _myopic(G, scenario, tpl, months, inflow, patterns, warm_start=warm_start)
    else:
        raise InputError(Problem("<argument>", "mode", mode, "'full' or 'myopic'"))
    res.timings["template"] = t1 - t0
    res.timings["total"] = time.perf_counter() - t0
    return res


def _month_params(
    G: nx.DiGraph,
    tpl: Template,
    month_idx: int,
    inflow: pd.DataFrame,
    patterns: dict[str, tuple],
    reservoirs: list[str],
    gw_flex: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column bounds and row bounds of the template for one calendar month (annual values / 12)."""
    cal = month_idx % 12
    lb, ub = tpl.lb.copy(), tpl.ub.copy()
    for s, col in tpl.q_col.items():
        d = G.nodes[s]
        if s in reservoirs:
            ub[col] = INF
        elif d["kind"] == "wwtp":
            ub[col] = tpl.ub[col] / 12.0
        elif d["source_kind"] in SURFACE:
            ub[col] = float(inflow.iloc[month_idx][s])
        else:
            ub[col] = tpl.ub[col] / 12.0 * gw_flex
    for _w, col in tpl.t_col.items():
        ub[col] = tpl.ub[col] / 12.0
    rlo, rhi = tpl.row_lo.copy(), tpl.row_hi.copy()
    for kind in ("nodecap", "cap", "minflow"):
        sel = tpl.row_kind == kind
        rlo[sel] = np.where(np.isfinite(rlo[sel]), rlo[sel] / 12.0, rlo[sel])
        rhi[sel] = np.where(np.isfinite(rhi[sel]), rhi[sel] / 12.0, rhi[sel])
    for i in np.flatnonzero(tpl.row_kind == "dem"):
        d = tpl.row_ref[i]
        share = patterns.get(G.nodes[d]["sector"], (1 / 12,) * 12)[cal]
        rlo[i] = rhi[i] = tpl.row_lo[i] * share
    return lb, ub, rlo, rhi


def _annual_sources(G: nx.DiGraph, tpl: Template, reservoirs: list[str]) -> list[str]:
    return [
        s
        for s in tpl.q_col
        if s not in reservoirs and G.nodes[s]["kind"] != "wwtp" and G.nodes[s]["source_kind"] not in SURFACE
    ]


def _full_horizon(
    G: nx.DiGraph,
    scenario: Scenario,
    tpl: Template,
    months: list[str],
    inflow: pd.DataFrame,
    patterns: dict[str, tuple],
    *,
    staged: bool,
    lp_solver: str = "simplex",
) -> MonthlyResult:
    tb = time.perf_counter()
    T, n, r = len(months), tpl.n_cols, tpl.n_rows
    reservoirs = _reservoirs(G)
    gw_flex = 1.5
    phys = tpl.row_kind != "policy"
    phys_rows = np.flatnonzero(phys)
    nr = len(phys_rows)
    remap = -np.ones(r, dtype=np.int64)
    remap[phys_rows] = np.arange(nr)
    in_phys = phys[tpl.rows]
    pr, pc, pv = remap[tpl.rows[in_phys]], tpl.cols[in_phys], tpl.vals[in_phys]
    offs_r, offs_c = np.arange(T) * nr, np.arange(T) * n
    rows = [(pr[None, :] + offs_r[:, None]).ravel()]
    cols = [(pc[None, :] + offs_c[:, None]).ravel()]
    vals = [np.tile(pv, T)]
    lb = np.empty(T * n)
    ub = np.empty(T * n)
    rlo = np.empty(T * nr)
    rhi = np.empty(T * nr)
    for t in range(T):
        a, b, c, d = _month_params(G, tpl, t, inflow, patterns, reservoirs, gw_flex)
        lb[t * n : (t + 1) * n], ub[t * n : (t + 1) * n] = a, b
        rlo[t * nr : (t + 1) * nr], rhi[t * nr : (t + 1) * nr] = c[phys_rows], d[phys_rows]
    n_phys_rows = T * nr
    extra_lo: list[float] = []
    extra_hi: list[float] = []
    next_row = n_phys_rows
    n_years = T // 12
    # yearly policy rows: the template's policy row summed over the year's months
    policy_rows = np.flatnonzero(~phys)
    pol_index: dict[str, list[int]] = {}
    for i in policy_rows:
        sel = tpl.rows == i
        c0, v0 = tpl.cols[sel], tpl.vals[sel]
        for y in range(n_years):
            mcols = (c0[None, :] + (np.arange(12 * y, 12 * y + 12) * n)[:, None]).ravel()
            rows.append(np.full(len(mcols), next_row))
            cols.append(mcols)
            vals.append(np.tile(v0, 12))
            extra_lo.append(tpl.row_lo[i])
            extra_hi.append(tpl.row_hi[i])
            pol_index.setdefault(tpl.row_ref[i], []).append(next_row)
            next_row += 1
    # yearly availability of groundwater and mine water
    for s in _annual_sources(G, tpl, reservoirs):
        col = tpl.q_col[s]
        for y in range(n_years):
            rows.append(np.full(12, next_row))
            cols.append(col + np.arange(12 * y, 12 * y + 12) * n)
            vals.append(np.ones(12))
            extra_lo.append(-INF)
            extra_hi.append(tpl.ub[col])
            next_row += 1
    # reservoirs: S_t − (1 − evap) S_{t−1} + release_t + spill_t = inflow_t
    n_cols = T * n
    s_col, sp_col = {}, {}
    s_lb, s_ub, s_cost = [], [], []
    for res_id in reservoirs:
        d = G.nodes[res_id]
        s_col[res_id] = n_cols + np.arange(T)
        sp_col[res_id] = n_cols + T + np.arange(T)
        n_cols += 2 * T
        s_lb += [d.get("dead_storage", 0.0)] * T + [0.0] * T
        s_ub += [d["storage"]] * T + [INF] * T
        s_cost += [0.0] * T + [SPILL_COST] * T
        evap = d.get("evaporation", 0.0)
        init = d.get("initial_storage", 0.5 * d["storage"])
        q = tpl.q_col[res_id] + np.arange(T) * n
        for t in range(T):
            rc = [s_col[res_id][t], q[t], sp_col[res_id][t]]
            rv = [1.0, 1.0, 1.0]
            if t > 0:
                rc.append(s_col[res_id][t - 1])
                rv.append(-(1.0 - evap))
            rows.append(np.full(len(rc), next_row))
            cols.append(np.asarray(rc))
            vals.append(np.asarray(rv))
            rhs = float(inflow.iloc[t][res_id]) + ((1.0 - evap) * init if t == 0 else 0.0)
            extra_lo.append(rhs)
            extra_hi.append(rhs)
            next_row += 1
    all_rows, all_cols, all_vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    col_lb = np.concatenate([lb, np.asarray(s_lb)])
    col_ub = np.concatenate([ub, np.asarray(s_ub)])
    row_lo = np.concatenate([rlo, np.asarray(extra_lo)])
    row_hi = np.concatenate([rhi, np.asarray(extra_hi)])
    tiers = sorted(tpl.tiers)
    sec = np.tile(tpl.secondary, T)
    bound = float(np.sum(np.abs(sec))) * max(
        1.0, float(np.sum(np.minimum(col_ub[: T * n], 1e7)[np.isfinite(col_ub[: T * n])])) / max(1, T)
    )
    sec_n = np.concatenate([sec / max(bound, 1.0), np.asarray(s_cost)])
    tier_cost = {p: np.concatenate([np.tile(tpl.tiers[p], T), np.zeros(n_cols - T * n)]) for p in tiers}
    if lp_solver == "auto":
        lp_solver = "ipm" if n_cols > 20000 else "simplex"
    h = _highs(lp_solver)
    tbuilt = time.perf_counter()
    objective: dict[str, float] = {}
    if staged:
        _pass(h, np.zeros(n_cols), col_lb, col_ub, row_lo, row_hi, all_rows, all_cols, all_vals)
        for p in tiers:
            h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), tier_cost[p])
            _run(h, f"priority {p} stage of the full-horizon LP")
            z = h.getInfo().objective_function_value
            objective[f"shortage of priority {p}"] = z
            nz = np.flatnonzero(tier_cost[p])
            h.addRow(-INF, z + 1e-7 * max(1.0, abs(z)) + 1e-6, len(nz), nz.astype(np.int32), tier_cost[p][nz])
        h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), sec_n)
        _run(h, "tie-breaking stage of the full-horizon LP")
        solve_s = h.getRunTime()  # HiGHS's clock runs over all stages
    else:
        w = tier_weights(G, tiers)
        cost = sec_n + sum(w[p] * tier_cost[p] for p in tiers)
        _pass(h, cost, col_lb, col_ub, row_lo, row_hi, all_rows, all_cols, all_vals)
        _run(h, "the full-horizon LP")
        solve_s = h.getRunTime()
    x = np.asarray(h.getSolution().col_value)
    objective = {"floor shortfall": 0.0, **objective}
    for p in tiers:
        objective.setdefault(f"shortage of priority {p}", float(tier_cost[p] @ x))
    values = x[: T * n].reshape(T, n)
    policy = {
        cid: [float(np.dot(x[all_cols[all_rows == ri]], all_vals[all_rows == ri])) for ri in rlist]
        for cid, rlist in pol_index.items()
    }
    res = _collect(
        G,
        scenario,
        tpl,
        months,
        values,
        inflow,
        patterns,
        {k: x[v] for k, v in s_col.items()},
        {k: x[v] for k, v in sp_col.items()},
        "full",
    )
    res.policy = pd.DataFrame(policy, index=sorted({m[:4] for m in months}))
    res.objective = objective
    res.timings = {"build": tbuilt - tb, "solve": solve_s, "highs_run": solve_s}
    res.lp_size = {"columns": int(n_cols), "rows": len(row_lo), "nonzeros": len(all_vals)}
    return res


def _myopic(
    G: nx.DiGraph,
    scenario: Scenario,
    tpl: Template,
    months: list[str],
    inflow: pd.DataFrame,
    patterns: dict[str, tuple],
    *,
    warm_start: bool,
) -> MonthlyResult:
    tb = time.perf_counter()
    reservoirs = _reservoirs(G)
    gw_flex = 1.5
    n, r = tpl.n_cols, tpl.n_rows
    res_cols = {res_id: (n + 2 * k, n + 2 * k + 1) for k, res_id in enumerate(reservoirs)}  # storage, spill
    n_cols = n + 2 * len(reservoirs)
    rows, cols, vals = [tpl.rows], [tpl.cols], [tpl.vals]
    extra_lo, extra_hi = [], []
    s_row = {}
    for k, res_id in enumerate(reservoirs):
        sc_, sp_ = res_cols[res_id]
        rows.append(np.full(3, r + k))
        cols.append(np.asarray([sc_, tpl.q_col[res_id], sp_]))
        vals.append(np.ones(3))
        extra_lo.append(0.0)
        extra_hi.append(0.0)
        s_row[res_id] = r + k
    policy_rows = np.flatnonzero(tpl.row_kind == "policy")
    pol_coef = {i: (tpl.cols[tpl.rows == i], tpl.vals[tpl.rows == i]) for i in policy_rows}
    floor_rows = [i for i in policy_rows if np.isfinite(tpl.row_lo[i])]
    slack_col = {i: n_cols + k for k, i in enumerate(floor_rows)}  # elastic floors: a shortfall column each
    for i, c in slack_col.items():
        rows.append(np.asarray([i]))
        cols.append(np.asarray([c]))
        vals.append(np.asarray([1.0]))
    n_cols += len(floor_rows)
    all_rows, all_cols, all_vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    annual = _annual_sources(G, tpl, reservoirs)
    tiers = sorted(tpl.tiers)
    w = tier_weights(G, tiers)
    sec = tpl.secondary
    bound = float(np.sum(np.abs(sec))) * max(1.0, float(np.sum(np.minimum(tpl.ub, 1e7)[np.isfinite(tpl.ub)])))
    w_floor = max(w.values()) * _exchange_ratio(G) * 20.0  # above every shortage tier
    cost = np.concatenate(
        [
            sec / max(bound, 1.0) + sum(w[p] * tpl.tiers[p] for p in tiers),
            np.tile([0.0, SPILL_COST], len(reservoirs)),
            np.full(len(floor_rows), w_floor),
        ]
    )
    h = _highs()
    lb0, ub0, rlo0, rhi0 = _month_params(G, tpl, 0, inflow, patterns, reservoirs, gw_flex)
    s_lb = []
    s_ub = []
    for res_id in reservoirs:
        d = G.nodes[res_id]
        s_lb += [d.get("dead_storage", 0.0), 0.0]
        s_ub += [d["storage"], INF]
    s_lb += [0.0] * len(floor_rows)
    s_ub += [INF] * len(floor_rows)
    _pass(
        h,
        cost,
        np.concatenate([lb0, s_lb]),
        np.concatenate([ub0, s_ub]),
        np.concatenate([rlo0, extra_lo]),
        np.concatenate([rhi0, extra_hi]),
        all_rows,
        all_cols,
        all_vals,
    )
    tbuilt = time.perf_counter()
    storage_prev = {k: G.nodes[k].get("initial_storage", 0.5 * G.nodes[k]["storage"]) for k in reservoirs}
    T = len(months)
    month_demand = np.asarray(
        [
            sum(
                G.nodes[d]["demand"] * patterns.get(G.nodes[d]["sector"], (1 / 12,) * 12)[t % 12] for d in tpl.short_col
            )
            for t in range(T)
        ]
    )
    shortfall = np.zeros((T, len(floor_rows)))
    values = np.zeros((T, n))
    s_vals = {k: np.zeros(T) for k in reservoirs}
    sp_vals = {k: np.zeros(T) for k in reservoirs}
    used: dict[Any, float] = {}
    used_src: dict[str, float] = {}
    policy_year: dict[str, dict[str, float]] = {}
    steps = []
    all_c = np.arange(n_cols, dtype=np.int32)
    for t in range(T):
        if t % 12 == 0:
            used = dict.fromkeys(policy_rows, 0.0)
            used_src = dict.fromkeys(annual, 0.0)
        lb, ub, rlo, rhi = _month_params(G, tpl, t, inflow, patterns, reservoirs, gw_flex)
        for s in annual:
            col = tpl.q_col[s]
            ub[col] = max(0.0, min(ub[col], tpl.ub[col] - used_src[s]))
        share = month_demand[t] / max(1e-12, month_demand[t - t % 12 : t - t % 12 + 12][t % 12 :].sum())
        for i in policy_rows:
            if np.isfinite(tpl.row_hi[i]) and not np.isfinite(tpl.row_lo[i]):
                # a monthly plan: what is left of the yearly cap, released with this month's share of
                # the year's remaining demand (all of it in December)
                rhi[i] = (tpl.row_hi[i] - used[i]) * min(1.0, share)
            else:
                rlo[i] = tpl.row_lo[i] / 12.0  # yearly floors and ratios hold month by month (elastic)
                rhi[i] = tpl.row_hi[i] / 12.0 if np.isfinite(tpl.row_hi[i]) else INF
        row_lo = np.concatenate([rlo, np.zeros(len(reservoirs))])
        row_hi = np.concatenate([rhi, np.zeros(len(reservoirs))])
        for k, res_id in enumerate(reservoirs):
            evap = G.nodes[res_id].get("evaporation", 0.0)
            rhs = float(inflow.iloc[t][res_id]) + (1.0 - evap) * storage_prev[res_id]
            row_lo[r + k] = row_hi[r + k] = rhs
        h.changeColsBounds(n_cols, all_c, np.concatenate([lb, s_lb]), np.concatenate([ub, s_ub]))
        h.changeRowsBounds(  # type: ignore[attr-defined]
            len(row_lo), np.arange(len(row_lo), dtype=np.int32), row_lo, row_hi
        )
        if not warm_start:
            h.clearSolver()
        ts = time.perf_counter()
        try:
            _run(h, f"month {months[t]} of the myopic run")
        except InfeasibleError as exc:
            raise InfeasibleError(
                f"{exc}: a yearly floor or ratio cannot hold in this month (myopic mode "
                "spreads yearly floors evenly over the months)"
            ) from None
        steps.append(time.perf_counter() - ts)
        x = np.asarray(h.getSolution().col_value)
        values[t] = x[:n]
        for res_id in reservoirs:
            sc_, sp_ = res_cols[res_id]
            s_vals[res_id][t] = x[sc_]
            sp_vals[res_id][t] = x[sp_]
            storage_prev[res_id] = x[sc_]
        year = months[t][:4]
        for i in policy_rows:
            c0, v0 = pol_coef[i]
            val = float(np.dot(x[c0], v0))
            used[i] += val
            cid = tpl.row_ref[i]
            policy_year.setdefault(cid, {}).setdefault(year, 0.0)
            policy_year[cid][year] += val
        for s in annual:
            used_src[s] += x[tpl.q_col[s]]
        shortfall[t] = [x[slack_col[i]] for i in floor_rows]
    res = _collect(G, scenario, tpl, months, values, inflow, patterns, s_vals, sp_vals, "myopic")
    res.policy = pd.DataFrame(policy_year)
    res.objective = {
        "floor shortfall": float(shortfall.sum()),
        **{f"shortage of priority {p}": float(np.sum(values @ tpl.tiers[p])) for p in tiers},
    }
    res.floor_shortfall = pd.DataFrame(shortfall, index=months, columns=[tpl.row_ref[i] for i in floor_rows])
    res.timings = {"build": tbuilt - tb, "solve": float(sum(steps)), "highs_run": h.getRunTime()}
    res.lp_size = {"columns": int(n_cols), "rows": int(r + len(reservoirs)), "nonzeros": len(all_vals)}
    res.step_seconds = steps
    return res


def _collect(
    G: nx.DiGraph,
    scenario: Scenario,
    tpl: Template,
    months: list[str],
    values: np.ndarray,
    inflow: pd.DataFrame,
    patterns: dict[str, tuple],
    storage: dict[str, np.ndarray],
    spill: dict[str, np.ndarray],
    mode: str,
) -> MonthlyResult:
    demands = list(tpl.short_col)
    short = pd.DataFrame(values[:, [tpl.short_col[d] for d in demands]], index=months, columns=demands)
    dem = pd.DataFrame(
        {
            d: [
                G.nodes[d]["demand"] * patterns.get(G.nodes[d]["sector"], (1 / 12,) * 12)[i % 12]
                for i in range(len(months))
            ]
            for d in demands
        },
        index=months,
    )
    release = pd.DataFrame(values[:, list(tpl.q_col.values())], index=months, columns=list(tpl.q_col))
    return MonthlyResult(
        scenario=scenario,
        graph=G,
        months=months,
        mode=mode,
        shortage=short.clip(lower=0.0),
        demand=dem,
        release=release,
        storage=pd.DataFrame(storage, index=months),
        spill=pd.DataFrame(spill, index=months),
        policy=pd.DataFrame(),
        objective={},
        timings={},
        lp_size={},
    )


def guarantee_rates(res: MonthlyResult, *, tol: float = 1e-3) -> pd.DataFrame:
    """Supply guarantee rates (供水保证率) per county × sector.

    A month is fully supplied when its shortage is at most ``tol`` 万m³ (10 m³); a year when all
    its months are. Returns the share of months and of years fully supplied, the sector's target
    (``time.guarantee_targets``, share of years) and the status.
    """
    G = res.graph
    ok = res.shortage.le(tol + 1e-9 * res.demand)
    years = pd.Index([m[:4] for m in res.months])
    yearly_ok = ok.groupby(years).all()
    targets = res.scenario.spec.time.guarantee_targets if res.scenario.spec.time else {}
    rows = []
    for d in res.shortage.columns:
        nd = G.nodes[d]
        target = targets.get(nd["sector"])
        year_rate = float(yearly_ok[d].mean())
        rows.append(
            {
                "county": nd["county"],
                "sector": nd["sector"],
                "priority": nd["priority"],
                "months_fully_supplied": float(ok[d].mean()),
                "years_fully_supplied": year_rate,
                "target_years": target,
                "status": "" if target is None else ("met" if year_rate >= target - 1e-12 else "violated"),
                "mean_shortage_10k_m3_per_year": float(res.shortage[d].sum() / max(1, len(set(years)))),
            }
        )
    return pd.DataFrame(rows).sort_values(["county", "priority", "sector"]).reset_index(drop=True)
