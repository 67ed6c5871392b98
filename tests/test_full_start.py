"""A long full horizon with the weighted objective starts from the myopic run's answer.

The myopic run's columns, storage and prices are placed month by month into the horizon's LP;
HiGHS forms a basis there (crossover) and goes on by dual simplex. These tests hold that path
against interior point and simplex from scratch on the same LP (the same optimum), check the start
from the LP's own rows (the myopic answer is a feasible point of the horizon), check its prices by
what they leave the simplex to do (nothing, where the myopic answer is already the horizon's
optimum), and check what happens where HiGHS cannot form a basis (a cold solve, the same answer).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest
from conftest import A, edge

import waterplan.monthly.full as F
from waterplan import build_graph, load_scenario
from waterplan.engine import new_highs, pass_model
from waterplan.monthly import _prepare, solve_monthly

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

SHORTAGE = [f"shortage of priority {p}" for p in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    from bench_solve import generated_case

    sc = load_scenario(generated_case(tmp_path_factory.mktemp("g3"), 3), overrides={"equity": False})
    return sc, build_graph(sc)


def _horizon(network, storage: bool = True, years: int = 2, series=None):
    sc, G = network
    G2, tpl, per, inflow, _ = _prepare(G, sc, "full", years, None, series, "weighted", None, "auto", storage)
    return G2, tpl, per, inflow, F._horizon_lp(G2, tpl, per, inflow, False)


def test_a_long_weighted_horizon_starts_from_the_myopic_answer_and_reaches_the_same_optimum(network, monkeypatch):
    sc, G = network
    cold = {s: solve_monthly(G, sc, mode="full", years=2, objective="weighted", lp_solver=s)
            for s in ("ipm", "simplex")}  # fmt: skip
    monkeypatch.setattr(F, "START_ABOVE", 0)  # this small horizon counts as long
    res = solve_monthly(G, sc, mode="full", years=2, objective="weighted")
    assert res.lp_method == "dual simplex from the myopic run" and res.timings["start"] > 0
    assert cold["ipm"].lp_method == "ipm" and "start" not in cold["ipm"].timings
    for other in cold.values():
        for tier in SHORTAGE:
            assert res.objective[tier] == pytest.approx(other.objective[tier], rel=1e-7, abs=1e-6), tier
        # the reservoirs are operated over the horizon as well as from scratch: the same spills
        assert res.spill.to_numpy().sum() == pytest.approx(other.spill.to_numpy().sum(), rel=1e-6, abs=1e-6)


def test_the_start_is_the_myopic_answer_month_by_month_and_a_point_of_the_horizon(network):
    sc, G = network
    G2, tpl, per, inflow, lp = _horizon(network)
    x, _y = F._myopic_start(G2, tpl, per, inflow, lp)
    my = solve_monthly(G, sc, mode="myopic", years=2, objective="weighted")
    T, n = len(per.months), tpl.n_cols
    assert np.array_equal(x[: T * n].reshape(T, n), my.horizon.values)
    for r in lp.reservoirs:
        assert np.array_equal(x[lp.block.storage_col[r]], my.storage[r].to_numpy())
        assert np.array_equal(x[lp.block.spill_col[r]], my.spill[r].to_numpy())
    assert np.all(x >= lp.col_lb) and np.all(x <= lp.col_ub)
    activity = np.zeros(len(lp.row_lo))
    for r, c, v in zip(lp.rows, lp.cols, lp.vals, strict=True):  # entry by entry, not the start's own sum
        activity[r] += v * x[c]
    assert np.all(activity >= lp.row_lo - 1e-6) and np.all(activity <= lp.row_hi + 1e-6)


def _iterations(lp, tpl, G2, per, start: tuple[np.ndarray, np.ndarray], prices: bool = True) -> tuple[int, float]:
    """Simplex iterations after the start, and the objective (``prices=False``: the start's point
    alone, handed to HiGHS without its prices)."""
    nc = len(lp.col_lb)
    h = new_highs("simplex")
    pass_model(h, np.zeros(nc), lp.col_lb, lp.col_ub, lp.row_lo, lp.row_hi, lp.rows, lp.cols, lp.vals)
    tiered = F._tiered(G2, tpl, lp, h, len(per.months), "weighted", None)
    if prices:
        tiered.start = start
        tiered.solve("the horizon")
        assert tiered.started
    else:
        assert tiered.weighted_cost is not None
        h.changeColsCost(nc, np.arange(nc, dtype=np.int32), tiered.weighted_cost)
        bare = highspy.HighsSolution()
        bare.col_value, bare.value_valid = start[0], True
        bare.row_value = np.bincount(lp.rows, weights=lp.vals * start[0][lp.cols], minlength=len(lp.row_lo))
        assert h.crossover(bare) != highspy.HighsStatus.kError
        h.setOptionValue("solver", "simplex")
        h.run()
    return int(h.getInfo().simplex_iteration_count), float(h.getInfo().objective_function_value)


def _drawn_down(case):
    """One reservoir, empty to its dead storage, fed 5 a month, for a county needing 10 a month: every
    month it releases its inflow, and a 万m³ of inflow is worth a 万m³ less shortage, so the
    reservoir's balance rows have a price; month by month is already the horizon's optimum."""
    from test_monthly import SECTORS, W, reservoir, series

    path = case(nodes=[reservoir(100, 10, dead=10)], edges=[edge("e", "R", f"county:{A}", sectors="domestic")],
                demands=[(A, "domestic", 120, W)], sectors=SECTORS,
                extra={"time": {"years": 2, "start_year": 2030}, "equity": False})  # fmt: skip
    sc = load_scenario(path)
    return (sc, build_graph(sc)), pd.concat([series({"R": [5.0] * 12}, year=y) for y in (2030, 2031)])


def test_with_its_prices_a_drawn_down_reservoirs_months_are_the_horizons_optimum_at_once(case):
    network, inflows = _drawn_down(case)
    G2, tpl, per, inflow, lp = _horizon(network, series=inflows)
    start = F._myopic_start(G2, tpl, per, inflow, lp)
    assert np.all(start[1][lp.block.row["R"]] < 0)  # the inflow is worth something
    assert _iterations(lp, tpl, G2, per, start)[0] == 0


@pytest.mark.parametrize("storage", [False, True])
def test_with_its_prices_the_start_leaves_the_simplex_nothing_to_do_where_it_is_the_optimum(network, storage):
    """On this network the myopic answer is the horizon's optimum (the months never need water moved
    between them); with the months' prices HiGHS's basis there is optimal at once, without them it
    takes hundreds of iterations to reach the same objective."""
    G2, tpl, per, inflow, lp = _horizon(network, storage)
    start = F._myopic_start(G2, tpl, per, inflow, lp)
    with_prices, without = _iterations(lp, tpl, G2, per, start), _iterations(lp, tpl, G2, per, start, prices=False)
    assert with_prices[0] == 0 and without[0] > 100
    assert with_prices[1] == pytest.approx(without[1], rel=1e-9)


def test_where_highs_cannot_form_a_basis_the_horizon_is_solved_cold(network, monkeypatch):
    sc, G = network
    monkeypatch.setattr(F, "START_ABOVE", 0)
    started = solve_monthly(G, sc, mode="full", years=2, objective="weighted")
    monkeypatch.setattr(highspy.Highs, "crossover", lambda self, sol: highspy.HighsStatus.kError)
    res = solve_monthly(G, sc, mode="full", years=2, objective="weighted")
    assert res.lp_method == "ipm"
    for tier in SHORTAGE:
        assert res.objective[tier] == pytest.approx(started.objective[tier], rel=1e-7, abs=1e-6)


def test_a_start_in_a_process_where_highs_has_not_run_yet(tmp_path):
    """HiGHS's crossover reads a thread scheduler only a run starts: the first solve of a process
    that starts from a point must not take the process down."""
    code = textwrap.dedent("""
        import highspy, networkx as nx, numpy as np
        from waterplan.engine import Tiered, new_highs, pass_model
        rows, cols, vals = np.array([0, 0]), np.array([0, 1]), np.array([1.0, 1.0])
        h = new_highs("ipm")
        # two sources for one demand of 10: the cheaper (cost 1) up to 6, the other (cost 2)
        pass_model(h, np.zeros(2), np.zeros(2), np.array([6.0, 20.0]), np.array([10.0]), np.array([10.0]),
                   rows, cols, vals)
        t = Tiered(h=h, names=["cost"], kinds=["cost"], costs=[np.array([1.0, 2.0])], fixed_cost=np.zeros(2),
                   staged=False, G=nx.DiGraph(), priorities=[None], matrix=(rows, cols, vals))
        t.start = (np.array([2.0, 8.0]), np.array([0.0]))
        x, _ = t.solve_x("two sources")
        print(t.started, list(np.round(x, 9)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "[np.float64(6.0),", "np.float64(4.0)]"]


def test_the_myopic_run_says_how_it_was_solved(network):
    sc, G = network
    assert solve_monthly(G, sc, mode="myopic", years=1).lp_method == "simplex, month by month (warm-started)"


def test_a_start_outside_the_horizons_bounds_is_brought_inside_and_the_simplex_restores_the_rows(network):
    """A horizon whose reservoirs must end full (as a cyclic horizon must end where it began): the
    myopic run promises no such thing, so its end storage is raised to the bound, which leaves the
    reservoir's last balance row short; the dual simplex restores it, to the optimum interior point finds."""
    G2, tpl, per, inflow, lp = _horizon(network)
    last = [int(lp.block.storage_col[r][-1]) for r in lp.reservoirs]
    lp.col_lb[last] = lp.col_ub[last]
    start = F._myopic_start(G2, tpl, per, inflow, lp)
    x = start[0]
    assert np.all(x >= lp.col_lb) and np.all(x <= lp.col_ub)
    assert np.array_equal(x[last], lp.col_ub[last])
    _, objective = _iterations(lp, tpl, G2, per, start)
    nc = len(lp.col_lb)
    h = new_highs("ipm")
    pass_model(h, np.zeros(nc), lp.col_lb, lp.col_ub, lp.row_lo, lp.row_hi, lp.rows, lp.cols, lp.vals)
    F._tiered(G2, tpl, lp, h, len(per.months), "weighted", None).solve("the horizon")
    assert objective == pytest.approx(float(h.getInfo().objective_function_value), rel=1e-9)


def test_where_the_myopic_run_cannot_plan_a_month_the_horizon_is_solved_cold(network, monkeypatch):
    """A month the myopic run cannot plan (say a minimum release it has no water left for) may be
    planned with foresight: the horizon is then solved from scratch, never refused with the myopic
    run's message."""
    from waterplan import InfeasibleError

    sc, G = network
    monkeypatch.setattr(F, "START_ABOVE", 0)

    def cannot(*_a, **_k):
        raise InfeasibleError("month 2030-03 of the myopic run: a target cannot hold in this month")

    monkeypatch.setattr(F, "_myopic_start", cannot)
    res = solve_monthly(G, sc, mode="full", years=2, objective="weighted")
    cold = solve_monthly(G, sc, mode="full", years=2, objective="weighted", lp_solver="ipm")
    assert res.lp_method == "ipm" and "start" in res.timings
    for tier in SHORTAGE:
        assert res.objective[tier] == pytest.approx(cold.objective[tier], rel=1e-7, abs=1e-6)


def test_the_manifest_says_how_the_lp_was_solved(network, monkeypatch, shipped_run):
    from waterplan.manifest import monthly_manifest

    sc, G = network
    monkeypatch.setattr(F, "START_ABOVE", 0)
    res = solve_monthly(G, sc, mode="full", years=1, objective="weighted")
    assert monthly_manifest(res)["lp_method"] == "dual simplex from the myopic run"
    myopic = solve_monthly(G, sc, mode="myopic", years=1)
    assert monthly_manifest(myopic)["lp_method"] == "simplex, month by month (warm-started)"
    run, _out = shipped_run("taiyuan-2030")
    assert run.manifest["lp_method"] == "stage by stage"


def test_the_horizon_started_from_the_myopic_answer_runs_without_cost_perturbation(network):
    """From the start, HiGHS's dual simplex runs without perturbing the costs (WARM_OPTIONS: 38,972
    instead of 94,124 iterations at 117 × 720); a cold solve keeps HiGHS's default."""
    from waterplan.engine import WARM_OPTIONS

    def option(h, name):
        got = h.getOptionValue(name)  # ((status, value) in some highspy versions)
        return got[1] if isinstance(got, tuple) else got

    G2, tpl, per, inflow, lp = _horizon(network)
    start = F._myopic_start(G2, tpl, per, inflow, lp)
    nc = len(lp.col_lb)
    for given, want in ((start, WARM_OPTIONS), (None, {})):
        h = new_highs("simplex")
        default = {k: option(h, k) for k in WARM_OPTIONS}
        pass_model(h, np.zeros(nc), lp.col_lb, lp.col_ub, lp.row_lo, lp.row_hi, lp.rows, lp.cols, lp.vals)
        tiered = F._tiered(G2, tpl, lp, h, len(per.months), "weighted", None)
        tiered.start = given
        tiered.solve("the horizon")
        assert tiered.started == (given is not None)
        for name, value in WARM_OPTIONS.items():
            got = option(h, name)
            assert got == (value if name in want else default[name]), (name, got)
    assert WARM_OPTIONS == {"dual_simplex_cost_perturbation_multiplier": 0.0}
