"""The staged answer proved from the basis (engine.Tiered's certified path) is the staged answer.

The certified path solves one weighted LP and proves from its basis which tiers are already at
their lexicographic optima, solving a stage only for the first tier it cannot prove. These tests
hold it against the stage-by-stage loop on the same LPs: small hand-made cases of the proof, random
LPs with hand-made tiers, and generated networks (myopic and full horizon, with and without equity).
"""

from __future__ import annotations

import sys
from pathlib import Path

import highspy
import networkx as nx
import numpy as np
import pytest

import waterplan.engine as E
from waterplan.engine import Tiered, decisive, new_highs, pass_model, worse_at

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

INF = highspy.kHighsInf
EPS = np.array([1e-9, 1e-9])


def _first(reduced, value, low, high, nonbasic=None):
    """The first tier a move of a nonbasic entry betters (None: none), as the proof reads it: what
    the reduced costs decide (:func:`decisive`), then which way each entry may move (:func:`worse_at`)."""
    reduced = np.asarray(reduced, dtype=float)
    entries = np.arange(len(reduced)) if nonbasic is None else np.flatnonzero(nonbasic)
    return worse_at(entries, *decisive(reduced[entries], EPS), np.asarray(value, float), np.asarray(low, float),
                    np.asarray(high, float))  # fmt: skip


def test_a_move_that_betters_a_later_tier_is_found():
    # at its lower bound, the entry can only go up: tier 0 unchanged, tier 1 better
    assert _first([[0.0, -1.0]], [0.0], [0.0], [5.0]) == 1
    # the first tier it changes gets worse: nothing lexicographically better, whatever tier 1 does
    assert _first([[2.0, -1.0]], [0.0], [0.0], [5.0]) is None
    # at its upper bound it can only go down: the same costs read the other way
    assert _first([[0.0, -1.0]], [5.0], [0.0], [5.0]) is None
    assert _first([[0.0, 1.0]], [5.0], [0.0], [5.0]) == 1
    assert _first([[-3.0, 0.0]], [5.0], [0.0], [5.0]) is None


def test_fixed_basic_and_free_entries():
    assert _first([[-1.0, -1.0]], [2.0], [2.0], [2.0]) is None  # fixed: cannot move
    assert _first([[-1.0, -1.0]], [1.0], [0.0], [5.0], nonbasic=[False]) is None  # basic: moves with the others
    assert _first([[0.0, 1e-3]], [0.0], [-INF], [INF]) == 1  # free: either way, any change is a gain
    assert _first([[0.0, 1e-12]], [0.0], [-INF], [INF]) is None  # below the tolerance: no change
    assert _first([[1e-12, -1.0]], [0.0], [0.0], [5.0]) == 1  # a tier changed below tolerance is passed over


def test_the_first_tier_over_all_entries():
    reduced = [[0.0, -1.0], [-1.0, 0.0], [1.0, -1.0]]
    assert _first(reduced, [0, 0, 0], [0, 0, 0], [1, 1, 1]) == 0


def _random_lp(seed: int, n_sup: int = 4, n_dem: int = 5):
    """Sources × demands: flows (cost, preference), a shortage per demand (tiers by priority)."""
    rng = np.random.default_rng(seed)
    pairs = [(s, d) for s in range(n_sup) for d in range(n_dem) if rng.random() < 0.6]
    n_flow = len(pairs)
    n = n_flow + n_dem
    rows, cols, vals = [], [], []
    for j, (s, d) in enumerate(pairs):
        rows += [s, n_sup + d]
        cols += [j, j]
        vals += [1.0, 1.0 - rng.uniform(0, 0.2)]  # a loss on the way
    for d in range(n_dem):
        rows.append(n_sup + d)
        cols.append(n_flow + d)
        vals.append(1.0)
    rlo = np.concatenate([np.full(n_sup, -INF), rng.uniform(5, 20, n_dem)])
    rhi = np.concatenate([rng.uniform(5, 25, n_sup), rlo[n_sup:]])
    lb, ub = np.zeros(n), np.concatenate([rng.uniform(3, 15, n_flow), np.full(n_dem, INF)])
    prio = rng.integers(0, 3, n_dem)
    costs = []
    for p in range(3):
        c = np.zeros(n)
        c[n_flow:][prio == p] = 1.0
        costs.append(c)
    pref = np.zeros(n)
    pref[:n_flow] = [float(s % 2) for s, _d in pairs]
    cost = np.zeros(n)
    cost[:n_flow] = rng.uniform(0.1, 2.0, n_flow)
    costs += [pref, cost]
    arrays = (np.array(rows), np.array(cols), np.array(vals))
    return (lb, ub, rlo, rhi), arrays, costs


def _tiered(bounds, arrays, costs, *, certify: bool):
    lb, ub, rlo, rhi = bounds
    h = new_highs()
    pass_model(h, np.zeros(len(lb)), lb, ub, rlo, rhi, *arrays)
    G = nx.DiGraph()
    G.add_edge("a", "b", kind="pipe", loss=0.2)
    kinds = ["shortage", "shortage", "shortage", "preference", "cost"]
    return Tiered(h=h, names=[f"t{k}" for k in range(5)], kinds=kinds, costs=costs, fixed_cost=np.zeros(len(lb)),
                  staged=True, G=G, priorities=[1, 2, 3, None, None], mode="myopic", ub=ub,
                  matrix=arrays if certify else None, bounds=bounds if certify else None)  # fmt: skip


def _exact(monkeypatch):
    """The stages held at their optima to 1e-9 (relative): the lexicographic optimum itself. (Held
    at the usual tolerance, a later stage may use the room an earlier one leaves: on these LPs, up to
    1e-3 on the last tier, which the certified path, holding nothing it proves, does not take.)"""
    monkeypatch.setattr(E, "stage_tolerance", lambda z: 1e-9 * max(1.0, abs(z)))


@pytest.mark.parametrize("seed", range(40))
def test_random_lps_certified_as_staged(seed, monkeypatch):
    bounds, arrays, costs = _random_lp(seed)
    proved = _tiered(bounds, arrays, costs, certify=True)
    _y, got = proved.solve_x("random LP")
    _exact(monkeypatch)
    plain = _tiered(bounds, arrays, costs, certify=False)
    assert proved.certifies and not plain.certifies
    _x, want = plain.solve_x("random LP")
    for k in range(5):
        # (HiGHS's feasibility tolerance, 1e-7 on each row, moves a tier by its prices times that)
        assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-6), (seed, k, got, want)
    assert proved.counts["solved"] + proved.counts["proven"] >= 5


def test_one_solve_proves_every_tier_of_the_random_lps():
    """The first solve ranks the source preference over the cost: on these LPs (where a preferred
    source often costs more) it proves every tier; ranked equal, half of them need more solves."""
    solved = 0
    for seed in range(40):
        bounds, arrays, costs = _random_lp(seed)
        proved = _tiered(bounds, arrays, costs, certify=True)
        proved.solve_x("random LP")
        solved += proved.counts["solved"]
    assert solved == 40


def test_a_first_solve_that_misses_a_tier_is_caught_and_the_stage_solved():
    """A first solve that weighs the tiers the wrong way round leaves a tier the proof cannot pass:
    the stage is solved and the answer is still the staged one."""
    bounds, arrays, costs = _random_lp(3)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.probes[0] = costs[-1] * 1e3 + costs[3] + sum(costs[:3])  # cost first: wrong on purpose
    _y, got = proved.solve_x("random LP")
    plain = _tiered(bounds, arrays, costs, certify=False)
    _x, want = plain.solve_x("random LP")
    for k in range(3):  # (the later tiers: within what the stages' tolerances allow, both ways)
        assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-5)
    assert got["t4"] == pytest.approx(want["t4"], rel=1e-4)
    assert proved.counts["solved"] > 1


@pytest.fixture(scope="module")
def generated():
    from bench_solve import generated_case

    from waterplan import build_graph, load_scenario

    def case(tmp: Path, counties: int, equity: bool):
        sc = load_scenario(generated_case(tmp, counties), overrides={"equity": equity})
        return sc, build_graph(sc)

    return case


def _both(sc, G, mode, years, monkeypatch):
    from waterplan.monthly import solve_monthly

    real, calls = E.run_checked, []
    with monkeypatch.context() as m:
        m.setattr(E, "run_checked", lambda h, what: (calls.append(what), real(h, what)))
        proved = solve_monthly(G, sc, mode=mode, years=years, start_year=1971, objective="staged")
    proved.solver_calls = len(calls)
    with monkeypatch.context() as m:
        m.setattr(E.Tiered, "certifies", property(lambda self: False))
        m.setattr(E, "stage_tolerance", lambda z: 1e-9 * max(1.0, abs(z)))  # (see _exact)
        plain = solve_monthly(G, sc, mode=mode, years=years, start_year=1971, objective="staged")
    return proved, plain


@pytest.mark.parametrize(("equity", "mode", "years"), [(False, "myopic", 3), (True, "myopic", 3), (False, "full", 1),
                                                        (True, "full", 1)])  # fmt: skip
def test_generated_networks_certified_as_staged(tmp_path, generated, monkeypatch, equity, mode, years):
    sc, G = generated(tmp_path, 10, equity)
    proved, plain = _both(sc, G, mode, years, monkeypatch)
    # a myopic run carries each month's storage into the next: where a month has several optima
    # (or a solved stage its tolerance), the months after may part by a little
    rel = 1e-5 if mode == "myopic" else 1e-6
    for name, want in plain.objective.items():
        assert proved.objective[name] == pytest.approx(want, rel=rel, abs=1e-4), name
    # the answer itself, sector by sector (which month of the horizon goes short is not ranked: a
    # shortage moved from February to April is the same answer to every tier)
    a, b = (r.tables()["balance"].groupby("sector")["shortage_10k_m3"].sum() for r in (proved, plain))
    assert np.allclose(a, b, rtol=rel, atol=1e-3), (a, b)
    # and little more than one LP a period (the stage loop: one per tier, here 6 to 10)
    periods = 12 * years if mode == "myopic" else 1
    # (with equity: the weighted solves learn the weights of the equity tiers in the first months;
    # without that learning, two LPs a month)
    # (the full horizon: one solve more, where the learning happens)
    assert proved.solver_calls <= {False: 1.1, True: 1.5}[equity] * periods + 1, proved.solver_calls


def test_taiyuan_monthly_certified_as_staged(monkeypatch):
    """The shipped monthly scenario (allocation rules, equity, levels to reach, floors): a year of
    the myopic run proved from the basis gives the stage loop's tiers, in fewer LPs than its stages."""
    from waterplan import build_graph, load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "taiyuan-2030-monthly.yaml")
    from waterplan.monthly import solve_monthly

    G = build_graph(sc)
    real, calls = E.run_checked, []
    with monkeypatch.context() as m:
        m.setattr(E, "run_checked", lambda h, what: (calls.append(what), real(h, what)))
        proved = solve_monthly(G, sc, mode="myopic", years=1)
    with monkeypatch.context() as m:  # (at the stages' own tolerance: 1e-9 leaves a later month no room)
        m.setattr(E.Tiered, "certifies", property(lambda self: False))
        plain = solve_monthly(G, sc, mode="myopic", years=1)
    for name, want in plain.objective.items():
        assert proved.objective[name] == pytest.approx(want, rel=1e-5, abs=1e-3), name
    a, b = (r.tables()["balance"].groupby("sector")["shortage_10k_m3"].sum() for r in (proved, plain))
    assert np.allclose(a, b, rtol=1e-5, atol=1e-2), (a, b)
    assert len(calls) <= 3 * 12, len(calls)  # (the stage loop: 16 tiers a month)


def test_a_learnt_gap_raises_a_tier_and_every_tier_above():
    G = nx.DiGraph()
    G.add_edge("a", "b", kind="pipe", loss=0.0)
    plain = E.tier_weights(G, [1.0, 2.0, 3.0], safety=1.0)
    wide = E.tier_weights(G, [1.0, 2.0, 3.0], safety=1.0, gaps={2.0: 10.0})
    assert wide[3.0] == plain[3.0]
    assert wide[2.0] == pytest.approx(10 * plain[2.0])
    assert wide[1.0] > 9 * plain[1.0]


def test_the_last_proofs_reduced_costs_are_reused_only_at_the_same_basis_and_matrix():
    """A month that ends at the basis the month before ended at reuses its reduced costs; another
    basis, or a matrix changed in place (a myopic run's monthly coefficients), solves them anew."""
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    n, m0, tiers = len(bounds[0]), len(bounds[2]), list(range(len(costs)))

    def now():
        _st, basic = proved.h.getBasicVariables()
        return np.asarray(basic)

    def fresh(basic):
        proved.last_reduced = None
        return proved._reduced(tiers, basic, n, m0)

    first = now()
    want = fresh(first)
    assert proved._reduced(tiers, first, n, m0) is proved.last_reduced[2]  # the same basis: reused
    # another basis: the cost tier alone, minimised from this one
    h = proved.h
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -costs[-1])
    h.run()
    other = now()
    assert not np.array_equal(first, other)
    got = proved._reduced(tiers, other, n, m0)
    assert np.allclose(got, fresh(other)) and not np.allclose(got, want)
    # the matrix changed in place, at the same basis
    proved._reduced(tiers, other, n, m0)
    before = proved.last_reduced[2].copy()
    proved.matrix[2][0] *= 1.5
    got = proved._reduced(tiers, other, n, m0)
    assert np.allclose(got, fresh(other)) and not np.allclose(got, before)


def test_what_a_basis_decides_is_reused_only_at_the_same_reduced_costs_and_tolerances():
    """Which tier a nonbasic entry's move changes first follows from the basis alone: at the last
    proof's reduced costs and tolerances it is reused; other tolerances decide anew."""
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    n, m0, tiers = len(bounds[0]), len(bounds[2]), list(range(len(costs)))
    _st, basic = proved.h.getBasicVariables()
    basic = np.asarray(basic)
    eps = np.full(len(tiers), 1e-9)
    first = proved._decided(tiers, basic, n, m0, eps)
    assert proved._decided(tiers, basic, n, m0, eps.copy()) is first
    reduced = proved._reduced(tiers, basic, n, m0)
    entries, tier, _sign = first
    assert (np.asarray(basic)[basic >= 0][:, None] != entries[None, :]).all()  # nonbasic entries only
    # a tolerance above every reduced cost: no entry's move changes any tier
    wide = np.full(len(tiers), 10.0 * float(np.abs(reduced).max()) + 1.0)
    _e, none, _s = proved._decided(tiers, basic, n, m0, wide)
    assert (tier >= 0).any() and (none == -1).all()
    # another basis (the cost tier alone, minimised from this one): decided anew, as from scratch
    proved._decided(tiers, basic, n, m0, eps)
    proved.h.changeColsCost(n, np.arange(n, dtype=np.int32), -costs[-1])
    proved.h.run()
    _st, other = proved.h.getBasicVariables()
    other = np.asarray(other)
    got = proved._decided(tiers, other, n, m0, eps)
    proved.last_reduced = proved.last_decided = None
    fresh = proved._decided(tiers, other, n, m0, eps)
    assert all(np.array_equal(a, b) for a, b in zip(got, fresh, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(got, first, strict=True))


def test_a_period_proved_by_its_first_solve_holds_no_tier():
    """Holding a tier's optimum is for the solves after it: a period whose first solve proves every
    tier leaves the tiers' rows free, and the next period has nothing to let go."""
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    assert proved.counts["solved"] == 1
    assert np.isinf(proved.held_hi).all()
    lp = proved.h.getLp()
    assert np.isinf(np.asarray(lp.row_upper_)[proved.fix_rows]).all()
    # a first solve that misses a tier: the tiers proven before the next solve are held for it
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.probes[0] = costs[-1] * 1e3 + costs[3] + sum(costs[:3])  # (cost first: wrong on purpose)
    seen = []
    real = proved._aim
    proved._aim = lambda k, probe, what, first: (seen.append(proved.held_hi.copy()), real(k, probe, what, first))[1]
    proved.solve_x("random LP")
    assert proved.counts["solved"] > 1 and np.isfinite(seen[-1]).any()


def _period(tiered, bounds):
    """A next period of ``tiered``'s LP with new bounds (as a myopic month sets them): its answer,
    its tiers' optima, and whether it was read at the last basis without a solve."""
    lb, ub, rlo, rhi = (np.asarray(b, dtype=float).copy() for b in bounds)
    n, m = len(lb), len(rlo)
    tiered.h.changeColsBounds(n, np.arange(n, dtype=np.int32), lb, ub)
    tiered.h.changeRowsBounds(m, np.arange(m, dtype=np.int32), rlo, rhi)
    tiered.bounds = (lb, ub, rlo, rhi)
    before = tiered.counts["solved"]
    x, out = tiered.solve_x("a period")
    return x, out, tiered.counts["solved"] == before


def _staged(bounds, arrays, costs):
    """The stage loop's optima of the same LP (held at 1e-9: :func:`_exact`)."""
    _x, want = _tiered(bounds, arrays, costs, certify=False).solve_x("random LP")
    return want


def test_a_period_the_last_basis_still_proves_is_read_there_without_a_solve(monkeypatch):
    """Demands moved by up to 2 %: where the basis the last period ended with stays within its
    bounds, the period's answer is read there (no solve); it is HiGHS's own point at that basis
    (HiGHS, run there, makes no iteration and lands on it) and every tier is the stage loop's."""
    _exact(monkeypatch)
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    rng = np.random.default_rng(0)
    read = 0
    for _t in range(30):
        lb, ub, rlo, rhi = (b.copy() for b in bounds)
        f = 1.0 + rng.uniform(-0.02, 0.02, len(rlo))
        moved = (lb, ub, rlo * f, rhi * f)
        x, got, unmoved = _period(proved, moved)
        want = _staged(moved, arrays, costs)
        for k in range(5):
            assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-6), (k, unmoved)
        if unmoved:
            read += 1
            checked_run = proved.h.run()
            assert checked_run == highspy.HighsStatus.kOk
            assert proved.h.getInfoValue("simplex_iteration_count")[1] == 0
            assert np.allclose(proved.h.getSolution().col_value, x, rtol=1e-9, atol=1e-9)
            lo, hi = np.concatenate([moved[0], moved[2]]), np.concatenate([moved[1], moved[3]])
            act = np.concatenate([x, np.bincount(arrays[0], arrays[2] * x[arrays[1]], minlength=len(rlo))])
            assert (act >= lo - 1e-9).all() and (act <= hi + 1e-9).all()
    assert 5 <= read < 30, read


def test_a_basis_the_new_bounds_leave_is_solved_from(monkeypatch):
    """A supply cut to a tenth: the last basis's basic values fall outside their bounds, so the
    period is solved (from that basis), and its answer is the stage loop's."""
    _exact(monkeypatch)
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    lb, ub, rlo, rhi = (b.copy() for b in bounds)
    rhi[:4] *= 0.1  # (the random LP's first four rows are its sources)
    _x, got, unmoved = _period(proved, (lb, ub, rlo, rhi))
    assert not unmoved
    want = _staged((lb, ub, rlo, rhi), arrays, costs)
    for k in range(5):
        assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-6)


def test_a_basis_still_within_its_bounds_but_no_longer_optimal_is_refused(monkeypatch):
    """A flow held at zero in one period and let go in the next: the last basis still holds every
    bound (the flow stays at zero, nonbasic), but a move of that flow betters a tier; the proof
    refuses the basis, the period is solved, and its answer is the stage loop's."""
    _exact(monkeypatch)
    bounds, arrays, costs = _random_lp(5)
    lb, ub, rlo, rhi = (b.copy() for b in bounds)
    first = _tiered(bounds, arrays, costs, certify=True)
    x0, _out = first.solve_x("random LP")
    n_flow = len(lb) - 5
    j = int(np.argmax(x0[:n_flow]))  # the flow the answer uses most
    held = ub.copy()
    held[j] = 0.0
    proved = _tiered((lb, held, rlo, rhi), arrays, costs, certify=True)
    proved.solve_x("random LP")
    feasible = []
    real = proved._basic_solution
    monkeypatch.setattr(proved, "_basic_solution", lambda kept: (feasible.append(real(kept)), feasible[-1])[1])
    x, got, unmoved = _period(proved, (lb, ub, rlo, rhi))
    assert feasible and feasible[0] is not None and feasible[0][j] == 0.0  # still within its bounds
    assert not unmoved and x[j] > 0.0
    want = _staged((lb, ub, rlo, rhi), arrays, costs)
    for k in range(5):
        assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-6)


def test_tries_at_the_last_basis_thin_out_where_they_rarely_hold(monkeypatch):
    """Where the last basis never holds, it is tried while the recent share that held stays at
    UNMOVED_SHARE or above, then once in UNMOVED_EVERY periods."""
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    proved.solve_x("random LP")
    tries = []
    monkeypatch.setattr(proved, "_basic_solution", lambda kept: tries.append(1))  # (never holds)
    for _t in range(40):
        _period(proved, bounds)
    share, n = 1.0, 0
    while share >= E.UNMOVED_SHARE:
        share, n = 0.75 * share, n + 1
    assert len(tries) == n + (40 - n) // E.UNMOVED_EVERY, (len(tries), n)


def test_a_myopic_months_model_solves_without_cost_perturbation(generated, tmp_path):
    """The month's model starts from the basis the month before ended with: HiGHS's dual simplex
    runs there without perturbing the costs (WARM_OPTIONS; 117 counties: 2.1 against 1.5 ms of
    HiGHS a month), and the months still give the stage loop's answer (tests above)."""
    import importlib

    myopic = importlib.import_module("waterplan.monthly.myopic")
    from waterplan.monthly import solve_monthly

    sc, G = generated(tmp_path, 10, False)
    seen = []
    real = myopic.months_built

    def spy(*a, **k):
        out = real(*a, **k)
        seen.append(out[1].getOptionValue("dual_simplex_cost_perturbation_multiplier"))
        return out

    myopic.months_built = spy
    try:
        solve_monthly(G, sc, mode="myopic", years=1, start_year=1971)
    finally:
        myopic.months_built = real
    assert seen and all(v in (0.0, (highspy.HighsStatus.kOk, 0.0)) for v in seen), seen


def test_a_source_cut_below_what_the_last_basis_draws_from_it_is_solved_again(monkeypatch):
    """Only a source's capacity moves, to just below what the last answer draws from it (its row
    basic: the source had room): every column of the last basis still holds its bounds, the row
    does not, so the period is solved; the new answer keeps within the cut."""
    _exact(monkeypatch)
    bounds, arrays, costs = _random_lp(5)
    proved = _tiered(bounds, arrays, costs, certify=True)
    x0, _out = proved.solve_x("random LP")
    rows, cols, vals = arrays
    act = np.bincount(rows, vals * x0[cols], minlength=len(bounds[2]))
    _st, basic = proved.h.getBasicVariables()
    room = [r for r in range(4) if -(r + 1) in set(np.asarray(basic).tolist()) and 0 < act[r] < bounds[3][r] - 1e-6]
    assert room, "no source with room in the last answer"
    r = room[0]
    lb, ub, rlo, rhi = (b.copy() for b in bounds)
    rhi[r] = 0.99 * act[r]
    x, got, unmoved = _period(proved, (lb, ub, rlo, rhi))
    assert not unmoved
    assert np.bincount(rows, vals * x[cols], minlength=len(rlo))[r] <= rhi[r] + 1e-7
    want = _staged((lb, ub, rlo, rhi), arrays, costs)
    for k in range(5):
        assert got[f"t{k}"] == pytest.approx(want[f"t{k}"], rel=1e-6, abs=1e-6)
