"""A target met at a higher priority's expense is never silent, and a scenario can rank a target
against the priorities. Volumes are 万m³/yr.

The network (county A = 小店区)::

    S (surface, 200) --> A: domestic (100, priority 1, returns 0.8 to the sewer), agriculture (100, priority 3)
    A's sewer --> WW (yield 1) --rw, at most 20--> A: agriculture

A reclaimed-water utilisation floor of 50 % can only hold if the plant collects at most 40, that is
if domestic gets at most 50: held, it cuts domestic supply by 50 while agriculture is fully served.
"""

from __future__ import annotations

import pytest
from conftest import A
from test_small_networks import alloc, reuse_case
from typer.testing import CliRunner

from waterplan.cli import app

W = "万m³"
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface"], "return_coef": 0.8},
    "agriculture": {"name_zh": "农业", "priority": 3, "accepts": ["surface", "reclaimed"]},
}


def _floor_case(case, rank=None):
    floor = {
        "id": "REUSE", "name_zh": "再生水利用率", "name_en": "Reclaimed-water utilisation rate", "type": "ratio_floor",
        "numerator": {"measure": "withdrawal", "sources": {"kinds": ["reclaimed"]}},
        "denominator": {"measure": "wastewater"}, "value": 50, "unit": "%", "clause": "test",
    }  # fmt: skip
    if rank is not None:
        floor["rank"] = rank
    pipe = {"capacity": 20, "capacity_unit": W}
    return reuse_case(case, user="agriculture", sectors=SECTORS, constraints=[floor], pipe=pipe)


def test_a_floor_held_by_cutting_domestic_water_is_reported(case):
    """Held, the floor leaves domestic 50 short ("met"): the run names the target and the cut
    demand, the target's row carries the cut, and sacrifices.csv lists it."""
    _sc, _G, _sol, res, bal = alloc(_floor_case(case))
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(50, abs=1e-3)
    row = res.indicators.set_index("id").loc["REUSE"]
    assert row["status"] == "met" and row["higher_priority_cut_10k_m3"] == pytest.approx(50, abs=1e-3)
    cut = res.sacrifices.iloc[0]
    assert (cut["target"], cut["sector"], cut["priority"], cut["place"]) == ("REUSE", "domestic", 1, 3)
    assert cut["without_target_10k_m3"] == pytest.approx(0, abs=1e-3)
    assert len(res.warnings) == 1 and "REUSE" in res.warnings[0] and "domestic" in res.warnings[0].lower()
    assert "sacrifices" in res.tables()


def test_the_console_and_the_report_name_the_target_and_the_cut(case, tmp_path):
    path = _floor_case(case)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "REUSE" in said and "domestic" in said.lower() and "50" in said
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "holds only by cutting demands of a higher priority" in report and "REUSE" in report
    assert (out / "sacrifices.csv").is_file()
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--force", "--lang", "zh"])
    said = " ".join(result.output.split())
    assert result.exit_code == 0 and "目标 REUSE" in said and "生活少 50 万m³" in said, said
    assert "以削减更高优先级的用水为代价" in (out / "report.html").read_text(encoding="utf-8")


def test_a_goal_ranked_after_domestic_never_costs_domestic_water(case):
    """rank: 1 — pursued after the domestic shortage: domestic is served in full, the floor falls
    short (20 of 80 = 25 %) and says so ("violated"); nothing is sacrificed."""
    _sc, _G, _sol, res, bal = alloc(_floor_case(case, rank=1))
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(0, abs=1e-3)
    row = res.indicators.set_index("id").loc["REUSE"]
    assert row["status"] == "violated" and row["value"] == pytest.approx(25, abs=1e-3)
    assert res.sacrifices.empty and not res.warnings


def test_a_hard_limit_cuts_as_the_plan_intends_without_a_warning(case):
    _sc, _G, _sol, res, bal = alloc(_floor_case(case, rank="hard"))
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(50, abs=1e-3)
    assert not res.warnings and res.indicators.set_index("id").loc["REUSE", "rank"] == "hard"


@pytest.mark.parametrize("rank", ["soft", True, 1.5, 0])
def test_a_rank_that_is_neither_hard_nor_a_priority_is_one_clear_problem(case, rank):
    from waterplan import InputError, load_scenario

    with pytest.raises(InputError) as err:
        load_scenario(_floor_case(case, rank=rank))
    assert len(err.value.problems) == 1
    assert "rank" in str(err.value) and ("'hard'" in str(err.value))
