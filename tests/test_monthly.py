"""Monthly runs: reservoirs by hand, myopic vs full horizon, caps over the year, bad inputs."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import A, B, edge, node

from waterplan import InputError, build_graph, load_scenario
from waterplan.monthly import solve_monthly

W = "万m³"
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"]},
    "agriculture": {"name_zh": "农业", "priority": 2, "accepts": ["surface", "groundwater_porous"]},
}


def series(values: dict[str, list[float]], year: int = 2030) -> pd.DataFrame:
    rows = [
        {"month": f"{year}-{m + 1:02d}", "source": s, "volume_10k_m3": v}
        for s, vs in values.items()
        for m, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def reservoir(storage: float, initial: float, dead: float = 0.0, **kw) -> dict:
    return node(
        "R",
        "reservoir",
        source_kind="surface",
        available=0,
        available_unit=W,
        storage=storage,
        storage_unit=W,
        initial_storage=initial,
        initial_storage_unit=W,
        dead_storage=dead,
        dead_storage_unit=W,
        **kw,
    )


def _case(case, res_node, demands, time=None):
    return case(
        nodes=[res_node],
        edges=[edge("e", "R", f"county:{A}", sectors="domestic,agriculture")],
        demands=demands,
        sectors=SECTORS,
        extra={"time": {"years": 1, "start_year": 2030, **(time or {})}, "equity": False},
    )


@pytest.mark.parametrize("mode", ["full", "myopic"])
@pytest.mark.parametrize(("capacity", "shortage"), [(100, 20.0), (80, 40.0)])
def test_reservoir_dead_storage_spill_and_carry_over(case, mode, capacity, shortage):
    """R: initial 50, dead 10, inflow 60 in January only; A:domestic needs 10 a month (120 a year).

    Usable water = 50 − 10 (dead) + 60 = 100 if the reservoir can hold it; with a capacity of 80
    the January inflow overflows by 20 (50 + 60 − 10 released − 80 = 20 spilled), leaving 80.
    """
    path = _case(case, reservoir(capacity, 50, dead=10), [(A, "domestic", 120, W)])
    sc = load_scenario(path)
    G = build_graph(sc)
    res = solve_monthly(G, sc, mode=mode, series=series({"R": [60] + [0] * 11}))
    assert res.shortage.to_numpy().sum() == pytest.approx(shortage, abs=1e-4)
    assert res.spill["R"].sum() == pytest.approx(max(0.0, 50 + 60 - 10 - capacity), abs=1e-4)
    assert res.storage["R"].min() >= 10 - 1e-6  # never below dead storage
    assert res.storage["R"].max() <= capacity + 1e-6
    # carry-over: storage falls by the monthly release once the inflow has stopped
    s = res.storage["R"].to_numpy()
    assert s[1] - s[2] == pytest.approx(res.release["R"].iloc[2], abs=1e-6)


def test_myopic_never_beats_full_horizon(case):
    """60 in storage, no inflow. Domestic (p1) needs 5 a month; agriculture (p2) 40 in January.

    With foresight, all 60 go to domestic (agriculture short 40). Myopic January takes 45, and
    domestic runs short by 40 later in the year.
    """
    path = _case(
        case,
        reservoir(100, 60),
        [(A, "domestic", 60, W), (A, "agriculture", 40, W)],
        time={"demand_patterns": {"agriculture": [1] + [0] * 11}},
    )
    sc = load_scenario(path)
    G = build_graph(sc)
    inflow = series({"R": [0] * 12})
    full = solve_monthly(G, sc, mode="full", series=inflow)
    weighted = solve_monthly(G, sc, mode="full", series=inflow, objective="weighted")
    myopic = solve_monthly(G, sc, mode="myopic", series=inflow)
    cold = solve_monthly(G, sc, mode="myopic", series=inflow, warm_start=False)
    assert cold.objective == pytest.approx(myopic.objective, abs=1e-6)  # the warm start changes only speed
    assert full.objective["shortage of priority 1"] == pytest.approx(0.0, abs=1e-5)
    assert full.objective["shortage of priority 2"] == pytest.approx(40.0, abs=1e-5)
    for k in ("shortage of priority 1", "shortage of priority 2"):
        assert weighted.objective[k] == pytest.approx(full.objective[k], abs=1e-5)
    assert myopic.objective["shortage of priority 1"] == pytest.approx(40.0, abs=1e-4)  # stage tolerances: < 1 m³
    assert myopic.objective["shortage of priority 1"] >= full.objective["shortage of priority 1"]


def test_initial_storage_above_capacity(case):
    path = _case(case, reservoir(100, 150), [(A, "domestic", 60, W)])
    with pytest.raises(InputError, match=r"initial_storage' = 150: at most the storage capacity"):
        build_graph(load_scenario(path))


def test_pattern_that_does_not_sum_to_one(case):
    path = _case(
        case, reservoir(100, 50), [(A, "domestic", 60, W)], time={"demand_patterns": {"agriculture": [0.2] * 12}}
    )
    with pytest.raises(InputError, match=r"time.demand_patterns.agriculture' = 2.4: shares that sum to 1"):
        load_scenario(path)


def _series_file(tmp_path, rows):
    p = tmp_path / "inflow.csv"
    p.write_text("month,source,value,unit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_series_with_missing_months_or_negative_flows(case, tmp_path):
    from waterplan.hydrology import read_series

    p = _series_file(tmp_path, [f"2030-{m:02d},R,5,万m³" for m in range(1, 12) if m != 7])
    with pytest.raises(InputError, match=r"field 'month' = '2030-07, 2030-12': every month from 2030-01"):
        read_series(p, sources={"R"}, start="2030-01", months=12)
    p = _series_file(tmp_path, [f"2030-{m:02d},R,{-1 if m == 3 else 5},万m³" for m in range(1, 13)])
    with pytest.raises(InputError, match=r"row 4: field 'value' = '-1': a flow of zero or more"):
        read_series(p, sources={"R"}, start="2030-01", months=12)
    p = _series_file(tmp_path, [f"2030-{m:02d},R,1,m³/s" for m in range(1, 13)])
    df = read_series(p, sources={"R"}, start="2030-01", months=12)
    assert df["volume_10k_m3"].iloc[0] == pytest.approx(1 * 86400 * 31 / 1e4)  # one m³/s over January


def test_series_as_a_workbook_with_chinese_headers(tmp_path):
    """An inflow series kept in Excel with Chinese headers (月份, 水源, 来水量, 单位) reads as the CSV does."""
    import pandas as pd

    from waterplan.hydrology import read_series

    rows = [(f"2030-{m:02d}", "R", str(m), "m³/s") for m in range(1, 13)]
    pd.DataFrame(rows, columns=["月份", "水源", "来水量", "单位"]).to_excel(tmp_path / "inflow.xlsx", index=False)
    got = read_series(tmp_path / "inflow.xlsx", sources={"R"}, start="2030-01", months=12)
    ref = read_series(_series_file(tmp_path, [",".join(r) for r in rows]), sources={"R"}, start="2030-01", months=12)
    assert got["volume_10k_m3"].tolist() == pytest.approx(ref["volume_10k_m3"].tolist())
    assert got["volume_10k_m3"].iloc[1] == pytest.approx(2 * 86400 * 28 / 1e4)  # 2 m³/s over February


# --- hand-computable monthly cases: one formulation for every horizon ---------------------------

MONTHLY_SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"]},
    "industry": {"name_zh": "工业", "priority": 2, "accepts": ["surface", "mine"]},
}


def _one_source_case(case, **extra):
    """S(100 a year) -> A:domestic (60 a year)."""
    return _monthly_case(
        case,
        [node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        [edge("e", "S", f"county:{A}", sectors="domestic")],
        [(A, "domestic", 60, W)],
        **extra,
    )


def _monthly_case(case, nodes, edges, demands, *, time=None, **extra):
    return case(
        nodes=nodes,
        edges=edges,
        demands=demands,
        sectors=MONTHLY_SECTORS,
        extra={"time": {"years": 1, "start_year": 2030, **(time or {})}, **extra},
    )


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_evaporation_takes_its_share_of_storage_every_month(case, mode):
    """R holds 100 at the start, loses 10 % of its storage a month, gets no inflow. Domestic needs
    100, all in December: what is left then is 100 × 0.9¹² = 28.243, so the shortage is 71.757."""
    res_node = reservoir(200, 100, evaporation=0.1)
    path = _monthly_case(
        case,
        [res_node],
        [edge("e", "R", f"county:{A}", sectors="domestic")],
        [(A, "domestic", 100, W)],
        time={"demand_patterns": {"domestic": [0] * 11 + [1]}},
    )
    sc = load_scenario(path)
    res = solve_monthly(build_graph(sc), sc, mode=mode, series=series({"R": [0] * 12}))
    assert res.shortage.to_numpy().sum() == pytest.approx(100 - 100 * 0.9**12, abs=1e-4)
    assert res.storage["R"].iloc[0] == pytest.approx(90.0, abs=1e-6)  # January: 100 × 0.9
    assert res.storage["R"].iloc[10] == pytest.approx(100 * 0.9**11, abs=1e-6)


@pytest.mark.parametrize("mode", ["full", "myopic"])
@pytest.mark.parametrize(
    ("kind", "source_kind", "sector"), [("wellfield", "groundwater_porous", "domestic"), ("mine", "mine", "industry")]
)
def test_yearly_groundwater_and_mine_water_hold_over_the_year(case, mode, kind, source_kind, sector):
    """G gives 120 a year, at most 1.5 × 10 = 15 in any month; the sector needs 20 a month.

    Over the year 120 is supplied and 120 is short, never more than 15 in a month. Myopic months
    take 15 while the year lasts: January–August 15 each, then nothing.
    """
    path = _monthly_case(
        case,
        [node("G", kind, source_kind=source_kind, available=120, available_unit=W)],
        [edge("e", "G", f"county:{A}", sectors=sector)],
        [(A, sector, 240, W)],
    )
    sc = load_scenario(path)
    res = solve_monthly(build_graph(sc), sc, mode=mode)
    supplied = res.demand.sum(axis=1) - res.shortage.sum(axis=1)
    assert supplied.sum() == pytest.approx(120.0, abs=1e-4)
    assert res.release["G"].sum() == pytest.approx(120.0, abs=1e-4)
    assert (res.release["G"] <= 15.0 + 1e-6).all()
    if mode == "myopic":
        assert list(res.release["G"].round(4)) == [15.0] * 8 + [0.0] * 4


def _trading_case(case, enabled: bool):
    """S gives plenty (1,200 a year). Industry: A needs 120, B 12; tradable quotas A 24, B 60."""
    return _monthly_case(
        case,
        [node("S", "intake", source_kind="surface", available=1200, available_unit=W)],
        [edge("e", "S", f"county:{A}", sectors="industry"), edge("f", "S", f"county:{B}", sectors="industry")],
        [(A, "industry", 120, W), (B, "industry", 12, W)],
        trading={
            "quotas": [{"county": A, "value": 24, "unit": W}, {"county": B, "value": 60, "unit": W}],
            "sectors": ["industry"],
            "enabled": enabled,
        },
    )


@pytest.mark.parametrize("mode", ["full", "myopic"])
@pytest.mark.parametrize(("enabled", "a_gets", "b_gets"), [(False, 24.0, 12.0), (True, 120 * 84 / 132, 12 * 84 / 132)])
def test_trading_quotas_hold_over_the_year(case, mode, enabled, a_gets, b_gets):
    """Without trading A gets its quota, 24 a year (not 24 a month), and B its 12.

    With trading the two quotas allow 24 + 60 = 84 of the 132 asked; the equity rule shares the
    48 short in proportion (48/132 each): A gets 120 × 84/132 = 76.364, B 12 × 84/132 = 7.636,
    so A buys 52.364 of B's quota.
    """
    sc = load_scenario(_trading_case(case, enabled))
    res = solve_monthly(build_graph(sc), sc, mode=mode, series=series({"S": [100] * 12}))
    got = res.allocation.groupby("county")["volume_10k_m3"].sum()
    assert got[A] == pytest.approx(a_gets, abs=1e-3)
    assert got[B] == pytest.approx(b_gets, abs=1e-3)
    assert res.trades["volume_10k_m3"].sum() == pytest.approx(a_gets - 24.0, abs=1e-3)


@pytest.mark.parametrize(("mode", "lp_solver"), [("full", "simplex"), ("full", "ipm"), ("myopic", "auto")])
def test_equity_shares_each_month_in_proportion(case, mode, lp_solver):
    """S gives 100 a year (8.333 a month); domestic in A needs 60, in B 70. Shared in proportion,
    each month both are 30/130 = 23.08 % short: A 13.846 and B 16.154 over the year. The same
    whether the first stage is solved by simplex or by interior point (the later stages go on by
    primal simplex from the basis the stage before ended with)."""
    path = _monthly_case(
        case,
        [node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        [edge("e", "S", f"county:{A}", sectors="domestic"), edge("f", "S", f"county:{B}", sectors="domestic")],
        [(A, "domestic", 60, W), (B, "domestic", 70, W)],
    )
    sc = load_scenario(path)
    res = solve_monthly(build_graph(sc), sc, mode=mode, series=series({"S": [100 / 12] * 12}), lp_solver=lp_solver)
    frac = res.shortage / res.demand
    assert frac.to_numpy() == pytest.approx(30 / 130, abs=1e-5)  # stage tolerances: ~1e-6
    short = res.shortage.sum()
    assert short[f"demand:{A}:domestic"] == pytest.approx(60 * 30 / 130, abs=1e-4)
    assert short[f"demand:{B}:domestic"] == pytest.approx(70 * 30 / 130, abs=1e-4)


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_a_level_reports_its_own_value_not_its_shortfall(case, mode):
    """S(1200) -> A:domestic (600 a year); level "S reaches 900 a year": 600 is drawn, so the
    yearly value is 600 (not 900 with the shortfall column) and the status "not met"."""
    path = _monthly_case(
        case,
        [node("S", "intake", source_kind="surface", available=1200, available_unit=W)],
        [edge("e", "S", f"county:{A}", sectors="domestic")],
        [(A, "domestic", 600, W)],
        equity=False,
        constraints=[{"id": "L", "name_zh": "L", "type": "level", "measure": "withdrawal",
                      "sources": {"ids": ["S"]}, "value": 900, "unit": W, "clause": "test"}],
    )  # fmt: skip
    sc = load_scenario(path)
    res = solve_monthly(build_graph(sc), sc, mode=mode, series=series({"S": [100] * 12}))
    assert res.policy["L"].iloc[0] == pytest.approx(600, abs=1e-3)


def test_weighted_objective_refuses_binding_allocation_rules(case):
    path = _monthly_case(
        case,
        [
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=100, available_unit=W),
        ],
        [edge("e", "S", f"county:{A}", sectors="domestic"), edge("w", "GW", f"county:{A}", sectors="domestic")],
        [(A, "domestic", 60, W)],
        equity=False,
        targets=[
            {"id": "R", "name_zh": "R", "unit": "-", "target": "rule", "clause": "c", "status": "rule",
             "rule": {"check": "takes_first", "sectors": ["domestic"], "kinds": ["surface"]}}
        ],
    )  # fmt: skip
    sc = load_scenario(path)
    with pytest.raises(InputError, match=r"objective' = 'weighted': the staged objective with allocation rules"):
        solve_monthly(build_graph(sc), sc, objective="weighted", series=series({"S": [1] * 12}))


def test_weighted_objective_refuses_the_equity_rule(case):
    path = _one_source_case(case)
    sc = load_scenario(path)
    with pytest.raises(InputError, match=r"objective' = 'weighted': the staged objective with the equity rule"):
        solve_monthly(build_graph(sc), sc, objective="weighted", series=series({"S": [1] * 12}))


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_a_gap_in_the_inflow_series_is_an_error_not_a_zero(case, mode):
    path = _one_source_case(case)
    sc = load_scenario(path)
    gap = series({"S": [5.0] * 5 + [float("nan")] + [5.0] * 6})
    with pytest.raises(InputError, match=r"field 'S in 2030-06' = nan: a flow of zero or more, every month"):
        solve_monthly(build_graph(sc), sc, mode=mode, series=gap)
    with pytest.raises(InputError, match=r"field 'source' = 'S': a series for every surface source"):
        solve_monthly(build_graph(sc), sc, mode=mode, series=series({"X": [5.0] * 12}))


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_equity_uses_each_months_own_demand(case, mode):
    """One priority, two sectors with different seasons. S gives 5 a month. Domestic in A needs 5
    every month (60 a year); industry (same priority here) needs 20 a month from January to June
    (120 a year), nothing after. January–June: 25 asked, 5 given, both 80 % short (domestic gets
    1, industry 4); July–December domestic gets its 5."""
    sectors = {
        "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface"]},
        "industry": {"name_zh": "工业", "priority": 1, "accepts": ["surface"]},
    }
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=60, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,industry")],
        demands=[(A, "domestic", 60, W), (A, "industry", 120, W)],
        sectors=sectors,
        extra={"time": {"years": 1, "start_year": 2030, "demand_patterns": {"industry": [1 / 6] * 6 + [0] * 6}}},
    )
    sc = load_scenario(path)
    res = solve_monthly(build_graph(sc), sc, mode=mode, series=series({"S": [5.0] * 12}))
    frac = (res.shortage / res.demand.where(res.demand > 0)).iloc[:6]
    assert frac.to_numpy() == pytest.approx(0.8, abs=1e-5)
    assert res.shortage[f"demand:{A}:domestic"].iloc[6:].to_numpy() == pytest.approx(0.0, abs=1e-5)


def test_a_month_whose_bounds_are_not_numbers_is_an_error_never_the_last_months_bounds(case, monkeypatch):
    """Whatever puts a NaN into a month's bounds, that month is not solved with the previous month's:
    the run stops naming the month and the bound."""
    import importlib

    import numpy as np

    from waterplan import SolverError

    monthly = importlib.import_module("waterplan.monthly")

    path = _one_source_case(case)
    sc = load_scenario(path)
    G = build_graph(sc)
    real = monthly.period_bounds

    def with_nan(*args, **kwargs):
        per = real(*args, **kwargs)
        t = per.months.index("2030-03")
        per.ub[t, int(np.flatnonzero(np.isfinite(per.ub[t]))[0])] = np.nan
        return per

    monkeypatch.setattr(monthly, "period_bounds", with_nan)
    with pytest.raises(
        SolverError, match=r"month 2030-03: column upper bounds: 1 value\(s\) are not numbers \(first: "
    ):
        solve_monthly(G, sc, mode="myopic")


@pytest.mark.parametrize("kind", ["column", "row"])
def test_bounds_highs_refuses_stop_the_run_naming_the_month(case, monkeypatch, kind):
    """A month whose bounds HiGHS refuses (its call returns an error) is never solved with the
    bounds of the month before: the run stops, naming the month."""
    import importlib

    import highspy

    from waterplan import SolverError

    myopic = importlib.import_module("waterplan.monthly.myopic")
    # the inflow and the demand change every month: both kinds of bounds are handed over each month
    path = _one_source_case(case, time={"demand_patterns": {"domestic": [(i + 1) / 78 for i in range(12)]}})
    sc = load_scenario(path)
    G = build_graph(sc)

    class Refusing(highspy.Highs):
        refuse = False
        calls = 0

        def changeColsBounds(self, *args):
            if self.refuse and kind == "column":
                Refusing.calls += 1
                return highspy.HighsStatus.kError
            return super().changeColsBounds(*args)

        def changeRowsBounds(self, *args):
            if self.refuse and kind == "row":
                Refusing.calls += 1
                return highspy.HighsStatus.kError
            return super().changeRowsBounds(*args)

    def new_highs(solver="simplex"):
        h = Refusing()
        h.setOptionValue("output_flag", False)
        return h

    real_set_month = myopic._Loop._set_month

    def set_month(self, h, t, *args):
        h.refuse = t == 4  # May
        return real_set_month(self, h, t, *args)

    monkeypatch.setattr(myopic, "new_highs", new_highs)
    monkeypatch.setattr(myopic._Loop, "_set_month", set_month)
    with pytest.raises(SolverError, match=rf"HiGHS refused month 2030-05: {kind} bounds"):
        solve_monthly(G, sc, mode="myopic", series=series({"S": [5.0 + i for i in range(12)]}))
    assert Refusing.calls == 1


def test_nan_costs_or_bounds_never_reach_highs(case):
    """HiGHS takes a NaN cost silently: the driver refuses it first."""
    import numpy as np

    from waterplan import SolverError
    from waterplan.engine import new_highs, pass_model

    h = new_highs()
    one = np.array([1.0])
    with pytest.raises(SolverError, match=r"the LP's costs: 1 value\(s\) are not numbers"):
        pass_model(h, np.array([np.nan]), one * 0, one, one * 0, one, np.array([0]), np.array([0]), one)


def test_a_monthly_run_from_the_command_line_names_counties_in_the_language_asked(case, tmp_path):
    """`waterplan run --lang en` on a monthly scenario: the mean year's map and print map carry the
    counties' English names (小店区 → Xiaodian); without it, the official Chinese names."""
    from typer.testing import CliRunner

    from waterplan.cli import app

    path = _one_source_case(case)
    runner = CliRunner()
    for lang, want, not_want in (("en", "Xiaodian", "小店区"), ("zh", "小店区", "Xiaodian")):
        out = tmp_path / f"run-{lang}"
        r = runner.invoke(app, ["run", str(path), "--out", str(out), "--lang", lang])
        assert r.exit_code == 0, r.output
        html = (out / "map.html").read_text(encoding="utf-8")
        assert want in html
        assert not_want not in html
