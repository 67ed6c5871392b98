"""Monthly runs: reservoirs by hand, myopic vs full horizon, caps over the year, bad inputs."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import A, edge, node

from waterplan import InputError, build_graph, load_scenario
from waterplan.multiperiod import solve_monthly

W = "万m³"
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"]},
    "agriculture": {"name_zh": "农业", "priority": 2, "accepts": ["surface", "groundwater_porous"]},
}


def series(values: dict[str, list[float]], year: int = 2030) -> pd.DataFrame:
    rows = [
        {"month": f"{year}-{m + 1:02d}", "source": s, "value_10k_m3": v}
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
        extra={"time": {"years": 1, "start_year": 2030, **(time or {})}},
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
    staged = solve_monthly(G, sc, mode="full", series=inflow, staged=True)
    myopic = solve_monthly(G, sc, mode="myopic", series=inflow)
    cold = solve_monthly(G, sc, mode="myopic", series=inflow, warm_start=False)
    assert cold.objective == pytest.approx(myopic.objective, abs=1e-6)  # the warm start changes only speed
    assert full.objective["shortage of priority 1"] == pytest.approx(0.0, abs=1e-5)
    assert full.objective["shortage of priority 2"] == pytest.approx(40.0, abs=1e-5)
    assert staged.objective == pytest.approx(full.objective, abs=1e-5)
    assert myopic.objective["shortage of priority 1"] == pytest.approx(40.0, abs=1e-5)
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
    assert df["value_10k_m3"].iloc[0] == pytest.approx(1 * 86400 * 31 / 1e4)  # one m³/s over January
