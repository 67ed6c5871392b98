"""Scenario inheritance, levers, consumption accounting, ratio denominators."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
import yaml
from conftest import TAIYUAN, A, edge, node
from test_small_networks import alloc

from waterplan import InputError, build_graph, load_scenario

W = "万m³"
ROOT = TAIYUAN.parent


def _child(tmp_path: Path, body: dict, name: str = "child.yaml", parent: Path = TAIYUAN) -> Path:
    body = {"extends": str(parent), **body}
    p = tmp_path / name
    p.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return p


def test_dry_year_is_a_few_lines_and_shrinks_surface_water():
    normal = load_scenario(ROOT / "taiyuan-2030.yaml")
    dry = load_scenario(ROOT / "taiyuan-2030-dry.yaml")
    assert len((ROOT / "taiyuan-2030-dry.yaml").read_text(encoding="utf-8").splitlines()) < 12
    g0, g1 = build_graph(normal), build_graph(dry)
    # P75 of a lognormal with mean 1: exp(−σ²/2 + σ·z₀.₂₅), σ² = ln(1 + CV²), z₀.₂₅ = −0.67449
    # (worked by hand: CV 0.35 → 0.75046; CV 0.08 for the regulated Yellow River → 0.94453)
    assert g1.nodes["fen_res1"]["available"] == pytest.approx(0.750463 * g0.nodes["fen_res1"]["available"], rel=1e-5)
    assert g1.nodes["yr_wjz"]["available"] == pytest.approx(0.944535 * g0.nodes["yr_wjz"]["available"], rel=1e-5)
    assert g1.nodes["gw_140121"]["available"] == g0.nodes["gw_140121"]["available"]  # groundwater unchanged
    assert [c.id for c in dry.constraints] == [c.id for c in normal.constraints]


def test_2027_overrides_values_and_drops_2030_allocations():
    sc = load_scenario(ROOT / "taiyuan-2027.yaml")
    cons = {c.id: c for c in sc.constraints}
    assert cons["TY-total"].value == pytest.approx(99400)
    assert cons["TY-total"].name_zh == "用水总量"  # inherited
    assert cons["TY-nonconventional"].value == pytest.approx(17200)
    assert "TY-yellow" not in cons and "TY-gujiao-earmark" in cons
    assert sc.spec.levers["irrigation_efficiency"].value == 0.59
    assert sc.spec.levers["network_leakage"].applies_to == ["domestic", "municipal"]  # merged, not replaced
    G = build_graph(sc)
    assert "plant_jinquan" in G and "j_eastwest" not in G  # commissioned 2027 and 2028


def test_levers_turn_net_into_gross(tmp_path):
    base = load_scenario(TAIYUAN).demands.set_index(["county", "sector"])
    child = load_scenario(
        _child(tmp_path, {"levers": {"irrigation_efficiency": {"value": 0.5}, "network_leakage": {"value": 0.2}}})
    )
    d = child.demands.set_index(["county", "sector"])
    ag, dom, ind = ("140121", "agriculture"), ("140121", "domestic"), ("140121", "industry")
    assert d.loc[ag, "demand_10k_m3"] == pytest.approx(d.loc[ag, "net_10k_m3"] / 0.5)
    assert base.loc[ag, "demand_10k_m3"] == pytest.approx(base.loc[ag, "net_10k_m3"] / 0.6)
    # the leakage is the loss of the supply network's distribution edges, not a gross-up of the
    # demand (counting it in both places would count it twice)
    assert d.loc[dom, "demand_10k_m3"] == pytest.approx(d.loc[dom, "net_10k_m3"])
    G = build_graph(child)
    dist = [e["loss"] for _u, _v, e in G.edges(data=True) if e["kind"] == "distribution"]
    assert dist and all(x == 0.2 for x in dist)
    # the leak is on the last step for water reaching domestic or municipal users by another potable
    # line (wells, canals, pipelines), and nowhere else
    leaky = [e for _u, _v, e in G.edges(data=True) if e["kind"] not in ("distribution", "service")]
    assert all(e["loss"] != 0.2 for e in leaky)
    assert d.loc[ind, "demand_10k_m3"] == pytest.approx(base.loc[ind, "demand_10k_m3"])  # gross rows untouched
    # 34.40 万人 × 1.05 × 120 L/(人·d) = 1582.0 万m³/yr net
    assert d.loc[dom, "net_10k_m3"] == pytest.approx(34.40 * 1.05 * 120 * 365 / 1000, rel=1e-3)


def test_override_of_missing_constraint(tmp_path):
    p = _child(tmp_path, {"constraints": [{"id": "TY-totl", "value": 9}]})
    with pytest.raises(
        InputError,
        match=r"child.yaml: field 'constraints\[0\].id' = 'TY-totl': an override of an "
        r"item that does not exist",
    ):
        load_scenario(p)


def test_drop_of_missing_constraint(tmp_path):
    p = _child(tmp_path, {"constraints": [{"id": "TY-nope", "drop": True}]})
    with pytest.raises(InputError, match=r"'TY-nope': the id of an item of .* to drop"):
        load_scenario(p)


def test_override_of_unknown_key(tmp_path):
    p = _child(tmp_path, {"hydrology": {"surfce_factor": 0.5}})
    with pytest.raises(InputError, match=r"field 'hydrology.surfce_factor' .*unknown key"):
        load_scenario(p)


def test_extends_cycle(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nname: a\n", encoding="utf-8")
    b.write_text("extends: a.yaml\nname: b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'extends' = '.*a.yaml → .*b.yaml → .*a.yaml'.*without a cycle"):
        load_scenario(a)


def test_extends_missing_parent(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("extends: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'extends' = 'nowhere.yaml'"):
        load_scenario(p)


def test_consumptive_coefficient_outside_unit_interval(tmp_path):
    p = _child(tmp_path, {"sectors": {"industry": {"consumptive_coef": 1.3}}})
    with pytest.raises(InputError, match=r"field 'sectors.industry.consumptive_coef' = 1.3: .*at most 1"):
        load_scenario(p)


SECTORS = {"agriculture": {"name_zh": "农业", "priority": 1, "accepts": ["surface"], "consumptive_coef": 0.5}}


@pytest.mark.parametrize(
    ("measure", "delivered", "withdrawn", "consumed"),
    [
        ("consumption", 80.0, 80.0, 40.0),  # consumption ≤ 40 lets 80 be withdrawn: breaks a withdrawal cap of 40
        ("withdrawal", 40.0, 40.0, 20.0),  # withdrawal ≤ 40 consumes only 20: well inside a consumption cap of 40
    ],
)
def test_consumption_versus_withdrawal_cap(case, measure, delivered, withdrawn, consumed):
    """S(100) -> A:agriculture (100, consumptive coefficient 0.5), one cap of 40 万m³."""
    sel = {"sources": {"ids": ["S"]}}
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="agriculture")],
        demands=[(A, "agriculture", 100, W)],
        sectors=SECTORS,
        constraints=[
            {
                "id": "cap",
                "name_zh": "耗水" if measure == "consumption" else "取水",
                "type": "cap",
                "measure": measure,
                **sel,
                "value": 40,
                "unit": W,
                "clause": "t",
            }
        ],
    )
    _, _, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "agriculture"), "supplied_10k_m3"] == pytest.approx(delivered, abs=1e-4)
    assert res.sources.set_index("source").loc["S", "withdrawn_10k_m3"] == pytest.approx(withdrawn, abs=1e-4)
    assert 0.5 * bal.loc[(A, "agriculture"), "supplied_10k_m3"] == pytest.approx(consumed, abs=1e-4)


def test_ratio_with_zero_denominator(case):
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("M", "mine", source_kind="mine", available=0, available_unit=W),
        ],
        edges=[edge("e", "S", f"county:{A}", sectors="industry"), edge("m", "M", f"county:{A}", sectors="industry")],
        demands=[(A, "industry", 10, W)],
        constraints=[
            {
                "id": "mine-rate",
                "name_zh": "矿井水利用率",
                "type": "ratio_floor",
                "numerator": {"measure": "withdrawal", "sources": {"kinds": ["mine"]}},
                "denominator": {"measure": "available", "sources": {"kinds": ["mine"]}},
                "value": 75,
                "unit": "%",
                "clause": "t",
            }
        ],
    )
    with pytest.raises(
        InputError,
        match=r"constraints \(mine-rate\).denominator' = 'available': a denominator that "
        r"can be positive",
    ):
        build_graph(load_scenario(path))


def test_ecological_minimum_flow_on_an_edge(case):
    """S(100) -river-> OUT and S -> A:domestic(100): a flow floor of 30 on the river leaves 70."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W), node("OUT", "outlet")],
        edges=[edge("river", "S", "OUT", kind="river"), edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 100, W)],
        constraints=[
            {
                "id": "eflow",
                "name_zh": "生态流量",
                "type": "floor",
                "measure": "flow",
                "edges": ["river"],
                "value": 30,
                "unit": W,
                "clause": "t",
            }
        ],
    )
    *_, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(70, abs=1e-4)


@pytest.mark.parametrize("name", sorted(p.name for p in TAIYUAN.parent.glob("*.yaml")))
def test_leakage_is_counted_exactly_once_on_every_potable_route(name):
    """Every route that brings potable water to a user of a sector the network leakage applies to
    loses it exactly once — on the supply network's distribution line, or on the last step where
    another line (wells, canal, pipeline) brings the water — and reclaimed water never loses it."""
    sc = load_scenario(TAIYUAN.parent / name)
    G = build_graph(sc)
    leak = sc.spec.levers.get("network_leakage")
    if leak is None:
        return
    checked = 0
    for h, d, e in G.edges(data=True):
        if e["kind"] != "service" or G.nodes[d]["sector"] not in leak.applies_to:
            continue
        (line,) = [f for _a, _b, f in G.in_edges(h, data=True)]
        upstream = {f["kind"] for a, b, f in G.edges(data=True) if b in nx.ancestors(G, h) | {h}}
        times = (e["loss"] == leak.value) + (line["kind"] == "distribution" and line["loss"] == leak.value)
        if line["kind"] == "reclaimed_pipe":
            assert times == 0, (name, h, d)
        else:
            assert times == 1 and (line["kind"] == "distribution" or "distribution" not in upstream), (name, h, d)
        checked += 1
    assert checked > 0, name
