"""Hand-computable networks with exact expected allocations.

Each docstring draws the network. Volumes are 万m³/yr.
"""

from __future__ import annotations

import networkx as nx
import pytest
from conftest import A, B, edge, node

from waterplan import InputError, build_graph, load_scenario, solve, tabulate

W = "万m³"


def alloc(path, solver="highs"):
    sc = load_scenario(path)
    G = build_graph(sc)
    sol = solve(G, sc, solver=solver)
    res = tabulate(sol)
    bal = res.balance.set_index(["county", "sector"])
    return sc, G, sol, res, bal


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_one_source_two_priorities(case, solver):
    """S(100) -> A:domestic (p1, 70), A:industry (p2, 50): domestic full, industry 30."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,industry")],
        demands=[(A, "domestic", 70, W), (A, "industry", 50, W)],
    )
    *_, bal = alloc(path, solver)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(70, abs=1e-4)
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] == pytest.approx(30, abs=1e-4)
    assert bal.loc[(A, "industry"), "shortage_10k_m3"] == pytest.approx(20, abs=1e-4)


def test_policy_cap_on_a_source(case):
    """S(200, cap 90 by policy) -> A:domestic (70), A:industry (50): industry gets 20."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=200, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,industry")],
        demands=[(A, "domestic", 70, W), (A, "industry", 50, W)],
        constraints=[
            {
                "id": "cap",
                "name_zh": "上限",
                "type": "cap",
                "measure": "withdrawal",
                "sources": {"ids": ["S"]},
                "value": 0.009,
                "unit": "亿m³",
                "clause": "test",
            }
        ],
    )
    _, _, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] == pytest.approx(20, abs=1e-4)
    row = res.indicators.set_index("id").loc["cap"]
    assert row["value"] == pytest.approx(90) and row["status"] == "met" and row["binding"]
    # one more 万m³ of cap removes one 万m³ of priority-2 shortage
    assert row["shadow_price"] == pytest.approx(-1.0)
    assert row["shadow_price_stage"] == "shortage of priority 2"


def test_lossy_canal(case):
    """S(100) -canal, loss 20%-> A:domestic (100): delivered 80, withdrawn 100, loss 20."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("c", "S", f"county:{A}", kind="canal", sectors="domestic", loss=0.2)],
        demands=[(A, "domestic", 100, W)],
    )
    _, _, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(80, abs=1e-4)
    src = res.sources.set_index("source").loc["S"]
    assert src["withdrawn_10k_m3"] == pytest.approx(100, abs=1e-4)
    flows = res.flows.set_index("edge")
    assert flows.loc["c", "loss_10k_m3"] == pytest.approx(20, abs=1e-4)


def test_capacity_on_an_edge_and_two_sources(case):
    """S1(100) -pipe cap 30 (m³ → 万m³ conversion: 0.3 hm³)-> A:domestic(80) <- wells G(40).

    Pipe carries 30, wells 40: domestic gets 70, shortage 10.
    """
    path = case(
        nodes=[
            node("S1", "intake", source_kind="surface", available=100, available_unit=W),
            node("G", "groundwater", source_kind="groundwater_porous", available=40, available_unit=W),
        ],
        edges=[
            edge("p", "S1", f"county:{A}", sectors="domestic", capacity=0.3, capacity_unit="hm³"),
            edge("w", "G", f"county:{A}", kind="wells", sectors="domestic"),
        ],
        demands=[(A, "domestic", 80, W)],
    )
    _, _, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(70, abs=1e-4)
    mix = res.allocation.set_index("source")["volume_10k_m3"]
    assert mix["S1"] == pytest.approx(30) and mix["G"] == pytest.approx(40, abs=1e-4)


def _wwtp_case(case, capacity):
    """S(100) -> A:domestic (50, return 0.8, sewer share 1) -> WWTP (yield 0.5) -> A:industry;
    S also feeds industry (100, p2)."""
    return case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("WW", "wwtp", source_kind="reclaimed", capacity=capacity, capacity_unit=W, **{"yield": 0.5}),
        ],
        edges=[
            edge("e", "S", f"county:{A}", sectors="domestic,industry"),
            edge("sw", f"county:{A}", "WW", kind="sewer", sectors="domestic", share=1.0),
            edge("rw", "WW", f"county:{A}", kind="reclaimed_pipe", sectors="industry"),
        ],
        demands=[(A, "domestic", 50, W), (A, "industry", 100, W)],
    )


def test_wwtp_loop(case):
    """Wastewater = 0.8 × 50 = 40; reclaimed = 20. Industry: 50 surface + 20 reclaimed = 70,
    shortage 30. Industry prefers reclaimed."""
    _, _, _sol, res, bal = alloc(_wwtp_case(case, 1000))
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(50, abs=1e-4)
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] == pytest.approx(70, abs=1e-4)
    a = res.allocation.set_index(["sector", "source"])["volume_10k_m3"]
    assert a[("industry", "WW")] == pytest.approx(20, abs=1e-4)
    assert a[("industry", "S")] == pytest.approx(50, abs=1e-4)
    ww = res.sources.set_index("source").loc["WW"]
    assert ww["wastewater_collected_10k_m3"] == pytest.approx(40, abs=1e-4)


def test_wwtp_capacity_limits_reclaimed(case):
    """As the loop above, but the WWTP treats at most 10: reclaimed = 0.5 × 10 = 5. It collects 40,
    treats 10 and lets 30 overflow untreated, which the run reports."""
    *_, res, bal = alloc(_wwtp_case(case, 10))
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] == pytest.approx(55, abs=1e-4)
    ww = res.sources.set_index("source").loc["WW"]
    assert ww["wastewater_collected_10k_m3"] == pytest.approx(40, abs=1e-4)
    assert ww["treated_10k_m3"] == pytest.approx(10, abs=1e-4) and ww["released_10k_m3"] == pytest.approx(5, abs=1e-4)
    assert ww["overflow_10k_m3"] == pytest.approx(30, abs=1e-4)
    assert any("overflow_10k_m3" in w and "30" in w for w in res.warnings)


def test_a_plant_within_its_capacity_treats_all_it_collects(case):
    """Capacity 1000: treated = collected = 40 (not the 20 its reclaimed line needs), no overflow."""
    *_, res, _bal = alloc(_wwtp_case(case, 1000))
    ww = res.sources.set_index("source").loc["WW"]
    assert ww["treated_10k_m3"] == pytest.approx(40, abs=1e-4) and ww["overflow_10k_m3"] == pytest.approx(0, abs=1e-6)
    assert not res.warnings


def test_quality_matching_keeps_reclaimed_from_domestic(case):
    """WWTP fed by industry-free sewage can only serve sectors accepting reclaimed water.

    S(30) -> A:domestic(50); WW (reclaimed, 100 produced from domestic? no: zero inflow) — domestic
    never takes reclaimed, so domestic shortage is 20 whatever reclaimed exists.
    """
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=30, available_unit=W),
            node("R", "intake", source_kind="reclaimed", available=100, available_unit=W),
        ],
        edges=[
            edge("e", "S", f"county:{A}", sectors="domestic"),
            edge("r", "R", f"county:{A}", kind="reclaimed_pipe", sectors="domestic,industry"),
        ],
        demands=[(A, "domestic", 50, W), (A, "industry", 10, W)],
    )
    _, _, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(30, abs=1e-4)
    assert not ((res.allocation["sector"] == "domestic") & (res.allocation["source"] == "R")).any()
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] == pytest.approx(10, abs=1e-4)


def reuse_case(case, *, user: str, constraints: list[dict], sectors: dict | None = None, pipe: dict | None = None):
    """S(200) -> A:domestic (100, returns its wastewater to WW) and A:``user`` (100); WW (yield 1,
    capacity 1000) -> A:``user`` over a reclaimed pipe (``pipe``: its extra fields)."""
    return case(
        nodes=[
            node("S", "intake", source_kind="surface", available=200, available_unit=W),
            node("WW", "wwtp", source_kind="reclaimed", capacity=1000, capacity_unit=W, **{"yield": 1.0}),
        ],
        edges=[
            edge("e", "S", f"county:{A}", sectors=f"domestic,{user}"),
            edge("sw", f"county:{A}", "WW", kind="sewer", sectors="domestic", share=1.0),
            edge("rw", "WW", f"county:{A}", kind="reclaimed_pipe", sectors=user, **(pipe or {})),
        ],
        demands=[(A, "domestic", 100, W), (A, user, 100, W)],
        sectors=sectors,
        constraints=constraints,
    )


def test_ratio_floor_forces_reuse(case):
    """Reclaimed use ≥ 60% of wastewater: S(200) serves A:domestic(100, return 0.8 → 80 wastewater)
    and A:agriculture(100, prefers surface when cheaper); WW yield 1.0. Floor: reclaimed ≥ 48."""
    sectors = {
        "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface"], "return_coef": 0.8},
        "agriculture": {
            "name_zh": "农业",
            "priority": 2,
            "accepts": ["surface", "reclaimed"],
            "prefers": ["surface", "reclaimed"],
        },
    }
    path = reuse_case(
        case,
        user="agriculture",
        sectors=sectors,
        constraints=[
            {
                "id": "reuse",
                "name_zh": "再生水利用率",
                "type": "ratio_floor",
                "numerator": {"measure": "withdrawal", "sources": {"kinds": ["reclaimed"]}},
                "denominator": {"measure": "wastewater"},
                "value": 60,
                "unit": "%",
                "clause": "test",
            }
        ],
    )
    _, _, _sol, res, _bal = alloc(path)
    a = res.allocation.set_index(["sector", "source"])["volume_10k_m3"]
    assert a[("agriculture", "WW")] == pytest.approx(48, abs=1e-4)
    assert a[("agriculture", "S")] == pytest.approx(52, abs=1e-4)
    row = res.indicators.set_index("id").loc["reuse"]
    assert row["value"] == pytest.approx(60) and row["status"] == "met"


@pytest.mark.parametrize(
    "numerator",
    [
        {"measure": "intake", "sources": {"kinds": ["reclaimed"]}},  # at the users, not at the plants
        {"measure": "withdrawal", "sources": {"kinds": ["reclaimed"]}, "counties": ["140106"]},  # other plants
        {"measure": "withdrawal"},  # every source, not the reclaimed water
    ],
)
def test_a_utilisation_rate_divides_the_same_plants_water(case, numerator):
    """A rate over the wastewater of 小店区's plants must count what those plants release: water
    counted at the users, another county's plants or every source is refused with the way out."""
    path = reuse_case(
        case,
        user="industry",
        constraints=[
            {
                "id": "rate",
                "name_zh": "再生水利用率",
                "type": "ratio_floor",
                "numerator": numerator,
                "denominator": {"measure": "wastewater", "counties": ["140105"]},
                "value": 30,
                "unit": "%",
                "clause": "test",
            },
        ],
    )
    with pytest.raises(InputError, match=r"constraints\[0\] \(rate\)\.numerator.*same plants"):
        load_scenario(path)


def test_earmark_floor(case):
    """S(100) -> A:industry (p2, 100) and B:industry (p2, 100); earmark: B gets ≥ 70 from S."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("ea", "S", f"county:{A}", sectors="industry"), edge("eb", "S", f"county:{B}", sectors="industry")],
        demands=[(A, "industry", 100, W), (B, "industry", 100, W)],
        constraints=[
            {
                "id": "em",
                "name_zh": "专项",
                "type": "floor",
                "measure": "use",
                "sources": {"ids": ["S"]},
                "counties": ["迎泽区"],
                "sectors": ["industry"],
                "value": 70,
                "unit": W,
                "clause": "test",
            }
        ],
    )
    *_, bal = alloc(path)
    assert bal.loc[(B, "industry"), "supplied_10k_m3"] >= 70 - 1e-6
    assert bal.loc[(A, "industry"), "supplied_10k_m3"] + bal.loc[(B, "industry"), "supplied_10k_m3"] == pytest.approx(
        100
    )


def _pure_flow_case(case):
    """Two sources, a junction, two counties; no losses, enough water: a min-cost-flow problem.

    S1(60) -cost 1-> J ; S2(80) -cost 4-> J ; S1 -cost 7-> A ; J -cap 50, cost 2-> A ; J -cost 1-> B
    A:domestic 70, B:domestic 40 (one priority), costs in yuan per m³.
    """
    return case(
        nodes=[
            node("S1", "intake", source_kind="surface", available=60, available_unit=W),
            node("S2", "intake", source_kind="surface", available=80, available_unit=W),
            node("J", "junction"),
        ],
        edges=[
            edge("s1j", "S1", "J", cost=1),
            edge("s2j", "S2", "J", cost=4),
            edge("s1a", "S1", f"county:{A}", sectors="domestic", cost=7),
            edge("ja", "J", f"county:{A}", sectors="domestic", capacity=50, capacity_unit=W, cost=2),
            edge("jb", "J", f"county:{B}", sectors="domestic", cost=1),
        ],
        demands=[(A, "domestic", 70, W), (B, "domestic", 40, W)],
    )


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_cross_check_with_networkx_min_cost_flow(case, solver):
    _sc, G, sol, _res, bal = alloc(_pure_flow_case(case), solver)
    assert bal["shortage_10k_m3"].sum() == pytest.approx(0, abs=1e-5)
    # the same graph as a min-cost-flow problem: weight = cost + 1 (the model's conveyance term)
    F = nx.DiGraph()
    total = sum(d["demand"] for _n, d in G.nodes(data=True) if d["kind"] == "demand")
    F.add_node("super", demand=-total)
    for n, d in G.nodes(data=True):
        F.add_node(n, demand=d["demand"] if d["kind"] == "demand" else 0)
        if "source_kind" in d:
            F.add_edge("super", n, capacity=d["available"], weight=0)
    for u, v, d in G.edges(data=True):
        attrs = {"weight": d["cost"] + 1}
        if d["capacity"] is not None:
            attrs["capacity"] = d["capacity"]
        F.add_edge(u, v, **attrs)
    flow = nx.min_cost_flow(F)
    expected = nx.cost_of_flow(F, flow)
    # the cost of the model's flows (from its flows table), at the edges' own costs: the model's
    # tie-break (< 0.001 per 万m³ and edge) changes which of equally good flows it picks, not the cost
    carried = {}
    for (u, v, _s), x in sol.flows.items():
        carried[(u, v)] = carried.get((u, v), 0.0) + x
    assert sum(x * (G.edges[e]["cost"] + 1) for e, x in carried.items()) == pytest.approx(expected, abs=1e-4)
    assert sol.stages[-1].objective == pytest.approx(expected, abs=1e-3 * 5 * total)
    # by hand (each edge costs cost + 1, delivery edges 1): A takes 50 via J (ja is full) and
    # 20 direct from S1; S1's other 40 go through J, S2 gives 50:
    # s1a 20×8 + s1j 40×2 + s2j 50×5 + ja 50×3 + jb 40×2 + delivery 110×1 = 830
    assert expected == 830


def test_features_may_leave_optional_properties_out(case):
    """S -> J (no 'sectors', no 'tags' keys at all) -> A:domestic: the blanks read as 'none given'."""
    s = node("S", "intake", source_kind="surface", available=10, available_unit=W)
    del s["properties"]["tags"]
    j = node("J", "junction")
    e1 = edge("sj", "S", "J")
    del e1["properties"]["sectors"]
    path = case(
        nodes=[s, j], edges=[e1, edge("ja", "J", f"county:{A}", sectors="domestic")], demands=[(A, "domestic", 20, W)]
    )
    *_, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(10, abs=1e-4)


def _trading_case(case, *, link: float, enabled: bool = True, equity: bool = False):
    """S(200) -> A:industry (60, quota 100); S -link (capacity)-> B:industry (70, quota 20).

    Trade = min(A's surplus 40, B's deficit 50, link room − B's own quota) (closed form).
    """
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=200, available_unit=W)],
        edges=[
            edge("ea", "S", f"county:{A}", sectors="industry"),
            edge("eb", "S", f"county:{B}", sectors="industry", capacity=link, capacity_unit=W),
        ],
        demands=[(A, "industry", 60, W), (B, "industry", 70, W)],
        extra={
            "trading": {
                "quotas": [{"county": A, "value": 100, "unit": W}, {"county": B, "value": 20, "unit": W}],
                "sectors": ["industry"],
                "cost_yuan_per_m3": 0.3,
                "enabled": enabled,
                "clause": "003 (六)20",
            },
            "equity": equity,
        },
    )


@pytest.mark.parametrize(("link", "traded"), [(45.0, 25.0), (100.0, 40.0), (65.0, 40.0)])
def test_trading_moves_the_closed_form_volume(case, link, traded):
    _, _, sol, res, bal = alloc(_trading_case(case, link=link))
    assert sol.trades[(A, B)] == pytest.approx(traded, abs=1e-4)
    assert sol.trades.get((B, A), 0.0) == pytest.approx(0.0, abs=1e-6)
    assert bal.loc[(B, "industry"), "supplied_10k_m3"] == pytest.approx(20 + traded, abs=1e-4)
    assert bal.loc[(B, "industry"), "supplied_10k_m3"] <= link + 1e-6  # never more than the link carries
    t = res.trades.set_index(["seller", "buyer"]).loc[(A, B)]
    link_price = res.flows.set_index("edge").loc["eb", "shadow_price"]
    if traded < 40:  # the link limits: more quota is worth nothing, more link capacity 1 for 1
        assert (t["seller_value"], t["buyer_value"], link_price) == pytest.approx((0.0, 0.0, -1.0), abs=1e-6)
    else:  # A's surplus is sold out: a 万m³ more quota on either side removes a 万m³ of B's shortage
        assert (t["seller_value"], t["buyer_value"], link_price) == pytest.approx((-1.0, -1.0, 0.0), abs=1e-6)


def test_without_trading_quotas_bind(case):
    _, _, sol, _res, bal = alloc(_trading_case(case, link=100.0, enabled=False))
    assert not sol.trades
    assert bal.loc[(B, "industry"), "supplied_10k_m3"] == pytest.approx(20, abs=1e-4)


def test_equity_spreads_a_priority_shortage_in_proportion(case):
    """With the equity rule, the 10 万m³ that A (60) and B (70) cannot both have is shared so that
    both are short by the same fraction: 10/130 = 7.69 %; A sells 60 − 4.615 … = 44.615 of quota."""
    _, _, sol, _res, bal = alloc(_trading_case(case, link=100.0, equity=True))
    frac = 10 / 130
    assert bal.loc[(A, "industry"), "shortage_10k_m3"] == pytest.approx(60 * frac, abs=1e-4)
    assert bal.loc[(B, "industry"), "shortage_10k_m3"] == pytest.approx(70 * frac, abs=1e-4)
    assert sol.trades[(A, B)] == pytest.approx(100 - 60 * (1 - frac), abs=1e-4)


def _river_case(case, available: float, constraints=None):
    """S → river → outlet O with a minimum flow of 30; S → A:domestic 50."""
    return case(
        nodes=[
            node("S", "intake", source_kind="surface", available=available, available_unit=W),
            node("O", "outlet"),
        ],
        edges=[
            edge("river", "S", "O", kind="river", min_flow=30, min_flow_unit=W),
            edge("e", "S", f"county:{A}", sectors="domestic"),
        ],
        demands=[(A, "domestic", 50, W)],
        constraints=constraints,
    )


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_minimum_flow_is_held(case, solver):
    """S gives 70: the river keeps its 30, domestic gets 40 (10 short)."""
    _sc, _G, _sol, res, bal = alloc(_river_case(case, 70), solver)
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(10.0, abs=1e-5)
    river = res.flows.set_index("layer_id").loc["river", "flow_10k_m3"]
    assert river == pytest.approx(30.0, abs=1e-5)


def test_water_left_in_the_river_is_not_withdrawn(case):
    """S gives 100; 30 stay in the river to the outlet, 50 go to domestic. A cap of 55 on what is
    withdrawn at S holds: 50 are withdrawn (80 released, 30 of them back to the river)."""
    cap = [
        {
            "id": "cap",
            "name_zh": "取水",
            "type": "cap",
            "value": 55,
            "unit": W,
            "measure": "withdrawal",
            "sources": {"ids": ["S"]},
            "clause": "test",
        }
    ]
    _sc, _G, _sol, res, bal = alloc(_river_case(case, 100, cap))
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(0.0, abs=1e-5)
    src = res.sources.set_index("source").loc["S"]
    assert src["withdrawn_10k_m3"] == pytest.approx(50.0, abs=1e-5)
    assert src["released_10k_m3"] == pytest.approx(80.0, abs=1e-5)


def test_a_total_beside_its_split_names_the_caps_that_hold_the_water_first(case):
    """Wells G1(100), G2(100) -> A:domestic (200). Caps: G1 ≤ 40, G2 ≤ 30 (the split), G1+G2 ≤ 100
    (the total). The split binds (70 pumped), the total is 30 short of its limit and names the split
    as what holds the same water; each part of the split names no other binding cap (disjoint wells);
    a cap on a river the wells never feed names nothing."""
    cap = {"name_zh": "上限", "type": "cap", "measure": "withdrawal", "unit": "万m³", "clause": "test"}
    path = case(
        nodes=[
            node("G1", "wellfield", source_kind="groundwater_porous", available=100, available_unit=W, county=A),
            node("G2", "wellfield", source_kind="groundwater_porous", available=100, available_unit=W, county=A),
            node("S", "intake", source_kind="surface", available=0.001, available_unit=W),
        ],
        edges=[
            edge("w1", "G1", f"county:{A}", kind="wells", sectors="*"),
            edge("w2", "G2", f"county:{A}", kind="wells", sectors="*"),
            edge("s", "S", f"county:{A}", sectors="*"),
        ],
        demands=[(A, "domestic", 200, W)],
        constraints=[
            {**cap, "id": "G1cap", "sources": {"ids": ["G1"]}, "value": 40},
            {**cap, "id": "G2cap", "sources": {"ids": ["G2"]}, "value": 30},
            {**cap, "id": "total", "sources": {"ids": ["G1", "G2"]}, "value": 100},
            {**cap, "id": "river", "sources": {"ids": ["S"]}, "value": 50},
        ],
    )
    *_, res, _bal = alloc(path)
    ind = res.indicators.set_index("id")
    assert ind.loc["total", "value"] == pytest.approx(70, abs=1e-3) and not ind.loc["total", "binding"]
    assert ind.loc["total", "binds_with"] == "G1cap, G2cap"
    assert ind.loc["G1cap", "binds_with"] == "" and ind.loc["G2cap", "binds_with"] == ""
    assert ind.loc["river", "binds_with"] == ""
