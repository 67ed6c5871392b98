"""One engine for every horizon: an annual run is the one-period case of the stage loop the monthly
runs use, so it fails, explains itself and writes its LP the same way as a monthly one."""

from __future__ import annotations

import pytest
from conftest import A, edge, node
from typer.testing import CliRunner

import waterplan.engine as engine
from waterplan import InfeasibleError, SolverError, build_graph, load_scenario, solve
from waterplan.cli import app
from waterplan.monthly import solve_monthly

W = "万m³"
CONFLICT = [
    {"id": "cap", "name_zh": "总量", "type": "cap", "measure": "withdrawal", "value": 30, "unit": W, "clause": "c1"},
    {"id": "floor", "name_zh": "下限", "type": "floor", "measure": "withdrawal", "sources": {"ids": ["S"]},
     "value": 45, "unit": W, "clause": "c2"},
]  # fmt: skip


def _case(case, constraints, monthly, equity=False, available=100):
    """S(100) → A: domestic 50 (industry may take it too)."""
    extra = {"time": {"years": 1, "start_year": 2030}, "equity": equity} if monthly else {"equity": equity or None}
    extra = {k: v for k, v in extra.items() if v is not None}
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=available, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,industry")],
        demands=[(A, "domestic", 50, W)],
        constraints=constraints,
        extra=extra,
    )


def _solve(horizon: str, path, **kw):
    sc = load_scenario(path)
    G = build_graph(sc)
    if horizon.startswith("annual"):
        return solve(G, sc, solver=horizon.split("-")[1], **kw)
    return solve_monthly(G, sc, mode=horizon, **kw)


HORIZONS = ["annual-highs", "annual-cbc", "full", "myopic"]


@pytest.mark.parametrize("horizon", ["annual-highs", "annual-cbc", "full"])
def test_conflicting_targets_are_explained_in_every_horizon(case, tmp_path, horizon):
    """A floor of 45 on S under a cap of 30 on all withdrawal: every horizon that sees the whole year
    names the two targets and the 15 万m³ they must give between them (by hand: 45 − 30), and writes
    the LP it failed on."""
    path = _case(case, CONFLICT, monthly=not horizon.startswith("annual"))
    dump = tmp_path / "failed.lp"
    with pytest.raises(InfeasibleError, match=r"cannot all hold") as info:
        _solve(horizon, path, lp_dump=dump)
    conflicts = {c["id"]: c["give_10k_m3"] for c in info.value.conflicts}
    assert set(conflicts) <= {"cap", "floor"} and sum(conflicts.values()) == pytest.approx(15)
    assert f"LP written to {dump}" in str(info.value)
    assert dump.stat().st_size > 0


def test_the_myopic_run_reports_the_floor_it_cannot_reach(case):
    """Month by month the yearly floor is held as far as the cap allows: the 15 万m³ it misses are
    its shortfall (by hand: 45 − 30), and its year's value is the 30 the cap lets through."""
    res = _solve("myopic", _case(case, CONFLICT, monthly=True))
    assert float(res.floor_shortfall.to_numpy().sum()) == pytest.approx(15, abs=1e-3)
    assert float(res.policy.loc["2030", "floor"]) == pytest.approx(30, abs=1e-3)


@pytest.mark.parametrize("horizon", HORIZONS)
def test_a_failed_later_stage_writes_the_lp_in_every_horizon(case, tmp_path, monkeypatch, horizon):
    """The solver fails from the last solve of a run on (after others were solved): the error names
    the stage and the file, the LP is written, and no conflict search hides the failure. (A weighted
    solve of the tiers proven from the basis that fails is followed by its tier's stage.)"""
    path = _case(case, [], monthly=not horizon.startswith("annual"))
    calls = {"n": 0, "fail": 0}
    real = engine.run_checked

    def last_fails(h, what):
        calls["n"] += 1
        if calls["fail"] and calls["n"] >= calls["fail"]:  # (and every solve after: a weighted solve's stage too)
            raise SolverError(f"{what}: HiGHS ended with a numerical failure")
        real(h, what)

    monkeypatch.setattr(engine, "run_checked", last_fails)
    _solve(horizon, path)
    calls["n"], calls["fail"] = 0, calls["n"]
    assert calls["fail"] >= (1 if horizon == "full" else 2)  # (the full horizon: one LP proves every tier)
    dump = tmp_path / "failed.lp"
    with pytest.raises(SolverError, match=r"stage '.*': HiGHS ended with a numerical failure") as info:
        _solve(horizon, path, lp_dump=dump)
    assert f"(LP written to {dump})" in str(info.value)
    assert dump.stat().st_size > 0


@pytest.mark.parametrize("horizon", HORIZONS)
def test_an_equity_stage_with_nothing_to_share_is_skipped_in_every_horizon(case, monkeypatch, horizon):
    """No shortage at priority 1 (S holds 2,000 a year, 40 times the demand, so even a dry month of
    the monthly series has enough): its equity stage is not solved (one solver call fewer than tiers),
    in the annual run as in the monthly ones; the annual run still lists it, with optimum 0."""
    path = _case(case, [], monthly=not horizon.startswith("annual"), equity=True, available=2000)
    names: list[str] = []
    real = engine.run_checked
    monkeypatch.setattr(engine, "run_checked", lambda h, what: (names.append(what), real(h, what)))
    res = _solve(horizon, path)
    assert names and not any("equity of priority 1" in n for n in names)
    if horizon.startswith("annual"):
        stages = {s.name: s for s in res.stages}
        assert stages["equity of priority 1"].objective == 0.0 and not stages["equity of priority 1"].duals
        assert len(res.stages) == len(names) + 1


def test_the_command_line_writes_the_lp_of_a_failed_run(case, tmp_path):
    path = _case(case, CONFLICT, monthly=False)
    dump = tmp_path / "failed.mps"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--lp-dump", str(dump)])
    assert result.exit_code == 3, result.output
    assert "cannot all hold" in result.output and dump.stat().st_size > 0
    assert not (tmp_path / "out").exists()
