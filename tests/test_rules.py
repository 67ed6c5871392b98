"""The plan's allocation rules checked on hand-made results, each kind where it is kept and where it
is broken: the tables a run would write are written here by hand, so that every branch of the check
is reached whatever the solver would do. Volumes are 万m³/yr.

The network (county A = 小店区)::

    S  (surface, 100)            --s-->  A: domestic, industry, agriculture
    GW (porous groundwater, 100) --w-->  A: domestic, industry
    M  (mine water, 50)          --m-->  A: industry, agriculture
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import A, edge, node

from waterplan import build_graph, load_scenario
from waterplan.rules import check_rule
from waterplan.spec import RuleSpec, TargetSpec

W = "万m³"
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"]},
    "industry": {"name_zh": "工业", "priority": 2, "accepts": ["surface", "mine", "groundwater_porous"]},
    "agriculture": {"name_zh": "农业", "priority": 3, "accepts": ["surface", "mine"]},
}
KIND = {"S": "surface", "GW": "groundwater_porous", "M": "mine"}


def _network(case, *, s_edge: dict | None = None, constraints: list | None = None, sectors: dict | None = None):
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=100, available_unit=W),
            node("M", "mine", source_kind="mine", available=50, available_unit=W),
        ],
        edges=[
            edge("s", "S", f"county:{A}", sectors="domestic,industry,agriculture", **(s_edge or {})),
            edge("w", "GW", f"county:{A}", sectors="domestic,industry"),
            edge("m", "M", f"county:{A}", sectors="industry,agriculture"),
        ],
        demands=[(A, "domestic", 60, W), (A, "industry", 60, W), (A, "agriculture", 60, W)],
        sectors=sectors or SECTORS,
        constraints=constraints,
    )
    sc = load_scenario(path)
    return sc, build_graph(sc)


def _tables(G, took: dict[tuple[str, str], float], *, short=None, used=None) -> dict[str, pd.DataFrame]:
    """The run's tables for an allocation ``{(sector, source): volume}`` (all in county A); ``used``:
    what each cap of the plan counts (万m³)."""
    allocation = pd.DataFrame(
        [(A, sec, src, KIND[src], v) for (sec, src), v in took.items()],
        columns=["county", "sector", "source", "source_kind", "volume_10k_m3"],
    )
    short = short or {}
    balance = pd.DataFrame(
        [(A, sec, short.get(sec, 0.0)) for sec in SECTORS], columns=["county", "sector", "shortage_10k_m3"]
    )
    released = {src: sum(v for (_sec, s), v in took.items() if s == src) for src in KIND if src in G}
    layer = {"S": "s", "GW": "w", "M": "m"}
    flows = pd.DataFrame(
        [(src, f"{layer[src]}@{A}", v) for src, v in released.items()], columns=["from", "to", "flow_10k_m3"]
    )
    sources = pd.DataFrame(
        [
            (src, G.nodes[src]["kind"], G.nodes[src]["available"], released[src], None, None)
            for src in released
        ],
        columns=["source", "kind", "available_10k_m3", "released_10k_m3", "wastewater_collected_10k_m3",
                 "treatment_capacity_10k_m3"],
    )  # fmt: skip
    used = used or {}
    indicators = pd.DataFrame({"id": list(used), "numerator_10k_m3": list(used.values())})
    return {"allocation": allocation, "balance": balance, "flows": flows, "sources": sources,
            "indicators": indicators}  # fmt: skip


def _check(sc, G, rule: dict, took, **kw):
    return check_rule(RuleSpec(**rule), sc, G, _tables(G, took, **kw))


GW_LAST = {"check": "last_resort", "sectors": ["domestic", "industry"], "kinds": ["groundwater_porous"]}


def test_groundwater_taken_while_surface_water_is_left_unused_breaks_surface_first(case):
    """Domestic takes 40 of groundwater and 20 of S, which has 80 left on an open line: broken, 40
    could have moved."""
    sc, G = _network(case)
    chk = _check(sc, G, GW_LAST, {("domestic", "GW"): 40, ("domestic", "S"): 20})
    assert chk.status == "broken"
    b = chk.breaks.iloc[0]
    assert (b["sector"], b["source"], b["movable_10k_m3"]) == ("domestic", "S", pytest.approx(40))


def test_a_full_line_is_no_route(case):
    """The same, but S's line (capacity 20) is full: the surface water could not have reached: kept."""
    sc, G = _network(case, s_edge={"capacity": 20, "capacity_unit": W})
    assert _check(sc, G, GW_LAST, {("domestic", "GW"): 40, ("domestic", "S"): 20}).status == "kept"
    # one 万m³ of room on the line is a route
    sc, G = _network(case, s_edge={"capacity": 21, "capacity_unit": W})
    assert _check(sc, G, GW_LAST, {("domestic", "GW"): 40, ("domestic", "S"): 20}).status == "broken"


def _cap(cid: str, **kw) -> dict:
    return {"id": cid, "name_zh": cid, "type": "cap", "unit": W, "clause": "test", **kw}


def test_a_source_whose_cap_is_at_its_value_is_not_unused_water(case):
    """A cap of 20 on S's withdrawal, at its value: S's 80 left is no excuse to pump less: kept, and
    the check says which cap was in the way. The same cap with 1,000 m³ of room left: broken."""
    sc, G = _network(case, constraints=[_cap("capS", measure="withdrawal", sources={"ids": ["S"]}, value=20)])
    took = {("domestic", "GW"): 40, ("domestic", "S"): 20}
    chk = _check(sc, G, GW_LAST, took, used={"capS": 20})
    assert chk.status == "kept" and "capS" in chk.summary
    assert _check(sc, G, GW_LAST, took, used={"capS": 19.9}).status == "broken"


def test_a_cap_on_another_sector_does_not_excuse_a_break(case):
    """A cap on agriculture's use of S at its value says nothing about domestic water from S: broken."""
    cap = _cap("capAg", measure="use", sources={"ids": ["S"]}, sectors=["agriculture"], value=10)
    sc, G = _network(case, constraints=[cap])
    took = {("domestic", "GW"): 40, ("domestic", "S"): 20, ("agriculture", "S"): 10}
    assert _check(sc, G, GW_LAST, took, used={"capAg": 10}).status == "broken"


@pytest.mark.parametrize(
    ("measure", "sectors", "status"),
    [("use", ["domestic"], "kept"), ("withdrawal", None, "kept"), ("intake", ["domestic"], "broken")],
)
def test_a_cap_counted_at_the_source_blocks_a_swap_onto_a_lossy_canal(case, measure, sectors, status):
    """S reaches A by a canal losing 20 %. A cap at its value on domestic use, or on all withdrawals
    (用水总量): counted at the source, swapping 1 of groundwater for 1 delivered from S adds 0.25 to
    it (kept); counted at the intake, the swap leaves it unchanged (broken)."""
    cap = _cap("cap", measure=measure, value=65, **({"sectors": sectors} if sectors else {}))
    sc, G = _network(case, s_edge={"kind": "canal", "loss": 0.2}, constraints=[cap])
    took = {("domestic", "GW"): 40, ("domestic", "S"): 20}
    assert _check(sc, G, GW_LAST, took, used={"cap": 65}).status == status


def test_water_of_a_kind_the_sector_refuses_is_no_alternative(case):
    """Domestic takes groundwater; S is used to its last drop and the mine water left unused is a
    kind domestic does not accept: kept."""
    sc, G = _network(case)
    took = {("domestic", "GW"): 40, ("domestic", "S"): 20, ("industry", "S"): 80}
    assert _check(sc, G, GW_LAST, took).status == "kept"


MINE_FIRST = {"check": "used_first", "sectors": ["industry", "agriculture"], "kinds": ["mine"]}


def test_a_short_sector_beside_unused_mine_water_breaks_mine_water_first(case):
    """Industry is 20 short and takes no other water while 50 of mine water is unused: broken."""
    sc, G = _network(case)
    chk = _check(sc, G, MINE_FIRST, {("industry", "S"): 0.0}, short={"industry": 20})
    assert chk.status == "broken" and chk.breaks.iloc[0]["source"] == "M"
    # every sector takes all its mine water can give: kept
    assert _check(sc, G, MINE_FIRST, {("industry", "M"): 50, ("industry", "S"): 10}).status == "kept"


def test_mine_water_a_sector_refuses_is_not_counted_against_it(case):
    """Industry does not accept mine water here: its surface water beside unused mine water is kept."""
    sectors = {**SECTORS, "industry": {**SECTORS["industry"], "accepts": ["surface", "groundwater_porous"]}}
    sc, G = _network(case, sectors=sectors)
    rule = {**MINE_FIRST, "sectors": ["industry"]}
    assert _check(sc, G, rule, {("industry", "S"): 60}).status == "kept"


@pytest.mark.parametrize(
    ("order", "status"), [(["industry", "agriculture"], "broken"), (["agriculture", "industry"], "kept")]
)
def test_the_order_inside_a_takes_first_rule(case, order, status):
    """Agriculture (priority 3) took the 50 of mine water, industry (priority 2) took surface water.
    "Industry, then agriculture, take mine water first": broken (agriculture comes later). The order
    reversed puts agriculture first: kept (and a rule never takes water from a higher priority)."""
    sc, G = _network(case)
    rule = {"check": "takes_first", "sectors": order, "kinds": ["mine"]}
    took = {("agriculture", "M"): 50, ("industry", "S"): 50}
    chk = _check(sc, G, rule, took)
    assert chk.status == status
    if status == "broken":
        b = chk.breaks.iloc[0]
        assert (b["sector"], b["went_to_sector"], b["movable_10k_m3"]) == ("industry", "agriculture", pytest.approx(50))


def test_water_of_kinds_another_rule_gives_first_is_not_other_water(case):
    """Industry takes surface water, and another rule gives industry surface water first: the mine
    water that went to agriculture breaks nothing."""
    sc, G = _network(case)
    rules = [
        {"id": "first", "name_zh": "x", "unit": "-", "target": "rule", "clause": "t", "status": "rule", "reason": "t",
         "rule": {"check": "takes_first", "sectors": ["industry"], "kinds": ["surface"]}},
    ]  # fmt: skip
    sc.spec.targets.extend(TargetSpec(**r) for r in rules)
    rule = {"check": "takes_first", "sectors": ["industry", "agriculture"], "kinds": ["mine"]}
    assert _check(sc, G, rule, {("agriculture", "M"): 50, ("industry", "S"): 50}).status == "kept"


DOMESTIC_FIRST = {"check": "priority", "sectors": ["domestic"]}


@pytest.mark.parametrize(("capacity", "status"), [(None, "broken"), (20, "kept")])
def test_domestic_short_while_its_water_went_to_a_lower_priority(case, capacity, status):
    """Domestic is 40 short, took 20 of S; agriculture took 30 of S. Over an open line: broken (30
    could have moved); over a line of 50 that is full: kept."""
    s_edge = {} if capacity is None else {"capacity": 50, "capacity_unit": W}
    sc, G = _network(case, s_edge=s_edge)
    took = {("domestic", "S"): 20, ("agriculture", "S"): 30}
    chk = _check(sc, G, DOMESTIC_FIRST, took, short={"domestic": 40})
    assert chk.status == status
    if status == "broken":
        assert chk.breaks["movable_10k_m3"].max() == pytest.approx(30)


def test_a_small_break_is_still_a_break(case):
    """One 万m³ of groundwater pumped while surface water is left: broken (the check's tolerance is
    500 m³, far below)."""
    sc, G = _network(case)
    assert _check(sc, G, GW_LAST, {("domestic", "GW"): 1.0, ("domestic", "S"): 59}).status == "broken"
    assert _check(sc, G, GW_LAST, {("domestic", "GW"): 0.01, ("domestic", "S"): 59.99}).status == "kept"


@pytest.mark.parametrize(("plant_capacity", "status"), [(20, "kept"), (21, "broken")])
def test_a_plant_at_its_capacity_is_no_route(case, plant_capacity, status):
    """S reaches domestic only through a treatment plant P: with P at its capacity (20, all used)
    the surface water left could not have reached the demand; with 1 万m³ of room it could."""
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("P", "plant", capacity=plant_capacity, capacity_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=100, available_unit=W),
        ],
        edges=[
            edge("sp", "S", "P"),
            edge("d", "P", f"county:{A}", kind="distribution", sectors="domestic"),
            edge("w", "GW", f"county:{A}", sectors="domestic"),
        ],
        demands=[(A, "domestic", 60, W)],
        sectors=SECTORS,
    )
    sc = load_scenario(path)
    G = build_graph(sc)
    t = _tables(G, {("domestic", "GW"): 40, ("domestic", "S"): 20})
    t["flows"] = pd.DataFrame([("S", "P", 20.0), ("P", f"d@{A}", 20.0), ("GW", f"w@{A}", 40.0)],
                              columns=["from", "to", "flow_10k_m3"])  # fmt: skip
    assert check_rule(RuleSpec(**GW_LAST), sc, G, t).status == status
