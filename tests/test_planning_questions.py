"""Carrying capacity, conflicts explained, scenario comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TAIYUAN, A, edge, node, write_case
from typer.testing import CliRunner

from waterplan import build_graph, load_scenario
from waterplan.capacity import carrying_capacity
from waterplan.cli import app
from waterplan.explain import explain

W = "万m³"
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface"]},
    "agriculture": {"name_zh": "农业", "priority": 2, "accepts": ["surface"]},
}


def _capacity_case(tmp_path: Path, constraints=None) -> Path:
    """S(100) -> A: domestic 0.5 万人 × 164.38 L/(人·d) ≈ 30 (p1); agriculture 2 万亩 × 20 m³/亩 net,
    irrigation efficiency 0.5 → 80 gross (p2)."""
    path = write_case(
        tmp_path,
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,agriculture")],
        demands=[],
        sectors=SECTORS,
        constraints=constraints,
        extra={"levers": {"irrigation_efficiency": {"value": 0.5}}},
    )
    (tmp_path / "demands.csv").write_text(
        "county,sector,quantity,quantity_unit,quota,quota_unit,basis\n"
        f"{A},domestic,0.5,万人,164.3835616,L/(人·d),gross\n"
        f"{A},agriculture,2,万亩,20,m³/亩,net\n",
        encoding="utf-8",
    )
    return path


def test_capacity_closed_form(tmp_path):
    sc = load_scenario(_capacity_case(tmp_path))
    res = carrying_capacity(build_graph(sc), sc).counties.set_index("sector")
    # agriculture: domestic keeps its 30, so 70 万m³ gross → 70 × 0.5 / 20 = 1.75 万亩
    assert res.loc["agriculture", "capacity_10k_m3"] == pytest.approx(70.0, abs=1e-4)
    assert res.loc["agriculture", "quantity_capacity"] == pytest.approx(1.75, abs=1e-5)
    assert res.loc["agriculture", "quantity_unit"] == "万亩"
    # population: agriculture gives way, all 100 → 0.5 × 100 / 30 = 1.667 万人
    assert res.loc["domestic", "capacity_10k_m3"] == pytest.approx(100.0, abs=1e-4)
    assert res.loc["domestic", "quantity_capacity"] == pytest.approx(0.5 * 100 / 30, rel=1e-6)
    assert "source availability" in res.loc["agriculture", "limited_by_kind"]


def test_capacity_names_the_limiting_cap(tmp_path):
    cap = [
        {
            "id": "ag-cap",
            "name_zh": "农业用水总量",
            "type": "cap",
            "measure": "use",
            "sectors": ["agriculture"],
            "value": 60,
            "unit": W,
            "clause": "t",
        }
    ]
    sc = load_scenario(_capacity_case(tmp_path, cap))
    res = carrying_capacity(build_graph(sc), sc).counties.set_index("sector")
    assert res.loc["agriculture", "quantity_capacity"] == pytest.approx(60 * 0.5 / 20, abs=1e-5)  # 1.5 万亩
    assert res.loc["agriculture", "limited_by"].startswith("ag-cap 农业用水总量")


def test_taiyuan_capacity_names_a_limit_for_every_county():
    sc = load_scenario(TAIYUAN)
    res = carrying_capacity(build_graph(sc), sc)
    assert len(res.counties) == 30 and (res.counties["limited_by"].str.len() > 0).all()
    ag = res.city.set_index("sector").loc["agriculture"]
    assert ag["plan_figure"] == 63.4 and ag["quantity_unit"] == "万亩"
    assert ag["headroom_vs_plan"] == pytest.approx(ag["quantity_capacity"] - 63.4)


def test_conflicting_scenario_is_explained():
    sc = load_scenario(ROOT / "tests" / "data" / "taiyuan-conflict.yaml")
    ex = explain(build_graph(sc), sc)
    assert not ex.feasible
    assert [c["id"] for c in ex.conflicts] == ["TY-nonconventional"]
    assert ex.conflicts[0]["give_10k_m3"] > 0
    assert any(a["kind"] in ("source availability", "WWTP capacity") for a in ex.against)
    result = runner.invoke(app, ["explain", str(ROOT / "tests" / "data" / "taiyuan-conflict.yaml")])
    assert result.exit_code == 0 and "TY-nonconventional" in result.output


def test_feasible_scenario_gets_no_explanation():
    sc = load_scenario(TAIYUAN)
    ex = explain(build_graph(sc), sc)
    assert ex.feasible and ex.conflicts == []
    assert "No conflict" in ex.text()


def test_compare_normal_and_dry(tmp_path, taiyuan_comparison):
    out = taiyuan_comparison
    import pandas as pd

    sectors = pd.read_csv(out / "compare_sectors.csv", index_col=0)
    assert "taiyuan-2030-dry: shortage_10k_m3" in sectors.columns  # readable headers, no tuples
    short = sectors[["taiyuan-2030: shortage_10k_m3", "taiyuan-2030-dry: shortage_10k_m3"]].sum()
    assert short.iloc[1] >= short.iloc[0] - 1e-6
    assert "('" not in (out / "compare.md").read_text(encoding="utf-8")
    assert (out / "chart_shortage.png").read_bytes()[:4] == b"\x89PNG"
    shown = runner.invoke(app, ["compare", str(TAIYUAN), str(TAIYUAN), "--out", str(tmp_path / "y")])
    assert shown.exit_code == 0 and "Shortage by sector" in shown.output and "ecology" in shown.output
    html = (out / "diff_taiyuan-2030-dry.html").read_text(encoding="utf-8")
    assert "L.map(" in html and "cdn.jsdelivr" not in html
    result = runner.invoke(app, ["compare", str(TAIYUAN), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "two or more" in result.output


def test_taiyuan_trading_reduces_shortage_against_fixed_quotas():
    from waterplan import run_scenario

    path = ROOT / "scenarios" / "taiyuan-2030-trading.yaml"
    on = run_scenario(load_scenario(path))
    off = run_scenario(load_scenario(path, overrides={"trading": {"enabled": False}}))
    assert len(on.results.trades) > 0 and (on.results.trades["volume_10k_m3"] > 0).all()
    assert on.results.balance["shortage_10k_m3"].sum() < off.results.balance["shortage_10k_m3"].sum() - 1.0
    # domestic is never a tradable use, and every county's tradable use stays within quota + net purchases
    net = {c: 0.0 for c in on.scenario.quotas}
    for r in on.results.trades.itertuples():
        net[r.buyer] += r.volume_10k_m3
        net[r.seller] -= r.volume_10k_m3
    alloc = on.results.allocation
    for c, quota in on.scenario.quotas.items():
        used = alloc[(alloc["county"] == c) & (alloc["sector"] != "domestic")]["volume_10k_m3"].sum()
        assert used <= quota + net[c] + 1e-4


def test_a_monthly_scenario_is_not_compared_as_if_annual(tmp_path):
    result = runner.invoke(
        app,
        ["compare", str(TAIYUAN), str(ROOT / "scenarios" / "taiyuan-2030-monthly.yaml"), "--out", str(tmp_path / "c")],
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "taiyuan-2030-monthly.yaml: field 'time' = 'monthly': an annual scenario" in result.output
    assert not (tmp_path / "c").exists()
