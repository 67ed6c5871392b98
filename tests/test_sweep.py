"""A sweep of one target: each point an ordinary run with that target overridden; between points
where the same targets bind, the slope of the stage's shortage is the target's shadow price."""

from __future__ import annotations

import pytest

from waterplan import load_scenario, run_scenario
from waterplan._errors import InputError
from waterplan.sweep import sweep, sweep_values, write_sweep

TY = "scenarios/taiyuan-2030.yaml"


@pytest.fixture(scope="module")
def curve():
    return sweep(TY, "TY-total", [10.2, 10.3, 10.4])


def test_each_point_is_the_run_with_the_target_overridden(curve):
    sc = load_scenario(TY, overrides={"constraints": [{"id": "TY-total", "value": 10.3}]})
    bal = run_scenario(sc).results.balance
    row = curve.set_index("value").loc[10.3]
    assert row["shortage_10k_m3"] == pytest.approx(bal["shortage_10k_m3"].sum(), abs=1e-6)
    assert row["coverage"] == pytest.approx(bal["supplied_10k_m3"].sum() / bal["demand_10k_m3"].sum())
    assert row["unit"] == "亿m³" and row["status"] == "met" and bool(row["binding"])


def test_the_slope_of_the_curve_is_the_shadow_price(curve):
    """+0.1 亿m³ = +1,000 万m³ of cap: the priority-4 shortage falls by 1,000 × |shadow price|."""
    assert set(curve["shadow_price_stage"]) == {"shortage of priority 4"}
    slope = curve["shortage_p4_10k_m3"].diff().dropna() / 1000.0
    for s, p in zip(slope, curve["shadow_price"].iloc[1:], strict=True):
        assert s == pytest.approx(p, abs=1e-6)
    assert (curve["shortage_10k_m3"].diff().dropna() < 0).all()


def test_a_range_and_a_target_are_checked():
    assert sweep_values(9, 10, 3) == [9.0, 9.5, 10.0]
    with pytest.raises(InputError, match="steps"):
        sweep_values(9, 10, 1)
    with pytest.raises(InputError, match="TY-groundwater"):
        sweep(TY, "TY-nope", [1.0])


def test_the_curve_is_written(curve, tmp_path):
    out = write_sweep(curve, tmp_path / "sw", scenario="taiyuan-2030", target="TY-total")
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG" and (out / "sweep.csv").is_file()


def test_a_lever_is_swept_too():
    """A better irrigation efficiency lowers the gross agricultural demand: the shortage falls."""
    df = sweep(TY, "levers.irrigation_efficiency", [0.55, 0.7])
    assert df["shortage_10k_m3"].iloc[1] < df["shortage_10k_m3"].iloc[0]
    assert not df["binding"].any() and df["shadow_price"].isna().all()


def test_a_levers_sweep_page_has_no_raw_blanks(tmp_path):
    import re

    from waterplan.app_pages import result_page

    df = sweep(TY, "levers.network_leakage", [0.06, 0.1])
    out = write_sweep(df, tmp_path / "sw", scenario="taiyuan-2030", target="levers.network_leakage")
    _title, body = result_page(out, "runs/sw")
    assert not re.findall(r"\bnan\b|None|True|False", body) and "0.06" in body
