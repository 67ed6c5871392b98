"""The plan's meaning, on hand-computable networks: each target type, where it is measured, assets
in service by year, rules checked from the results, and equity. Volumes are 万m³/yr."""

from __future__ import annotations

import pytest
from conftest import A, B, edge, node
from test_small_networks import alloc

from waterplan import build_graph, load_scenario

W = "万m³"
C = "140107"  # 杏花岭区, a third county for the equity cases

SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"]},
    "industry": {
        "name_zh": "工业",
        "priority": 2,
        "accepts": ["surface", "mine", "groundwater_porous"],
        "prefers": ["surface", "mine"],
    },
    "agriculture": {
        "name_zh": "农业",
        "priority": 3,
        "accepts": ["surface", "mine"],
        "prefers": ["mine", "surface"],
        "consumptive_coef": 0.5,
    },
}


def _con(cid: str, **kw) -> dict:
    return {"id": cid, "name_zh": cid, "unit": W, "clause": "test", **kw}


def _rule(tid: str, **rule) -> dict:
    return {"id": tid, "name_zh": tid, "unit": "-", "target": "rule", "clause": "test", "status": "rule",
            "reason": "test", "rule": rule}  # fmt: skip


def _one_source(case, constraints, demand=60, available=100):
    """S(available) -> A:domestic (demand)."""
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=available, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", demand, W)],
        sectors=SECTORS,
        constraints=constraints,
    )


def _row(res, cid):
    return res.indicators.set_index("id").loc[cid]


def test_a_level_not_reached_is_not_met_with_its_shortfall_and_limit(case):
    """S(100) -> A:domestic (60); level "use of S reaches 80": only 60 is wanted, so the level stays
    20 short; it is "not met", never "met", and the report says what limits it."""
    path = _one_source(case, [_con("L", type="level", measure="withdrawal", sources={"ids": ["S"]}, value=80)])
    _sc, _G, _sol, res, bal = alloc(path)
    row = _row(res, "L")
    assert row["status"] == "not met" and row["attribute"] == "expected"
    assert row["value"] == pytest.approx(60, abs=1e-4) and row["deviation"] == pytest.approx(-20, abs=1e-4)
    assert "short of the level by 20.0" in row["reason"] and "every user they reach is supplied" in row["reason"]
    assert bal["shortage_10k_m3"].sum() == pytest.approx(0, abs=1e-5)


def test_a_level_is_pursued_after_the_shortages(case):
    """S(100) and GW(100) -> A:domestic (60) and A:industry (40); domestic prefers groundwater here,
    but the level "S reaches 90" moves the supply to S: S gives 90, groundwater 10."""
    sectors = {**SECTORS, "domestic": {**SECTORS["domestic"], "prefers": ["groundwater_porous", "surface"]},
               "industry": {**SECTORS["industry"], "prefers": ["groundwater_porous", "surface"]}}  # fmt: skip
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=100, available_unit=W),
        ],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,industry"), edge("w", "GW", f"county:{A}")],
        demands=[(A, "domestic", 60, W), (A, "industry", 40, W)],
        sectors=sectors,
        constraints=[_con("L", type="level", measure="withdrawal", sources={"ids": ["S"]}, value=90)],
    )
    _sc, _G, _sol, res, _bal = alloc(path)
    src = res.sources.set_index("source")["withdrawn_10k_m3"]
    assert src["S"] == pytest.approx(90, abs=1e-4) and src["GW"] == pytest.approx(10, abs=1e-4)
    assert _row(res, "L")["status"] == "met"


def test_an_expected_cap_reports_its_deviation_and_a_binding_cap_holds(case):
    """S(100) -> A:domestic (60). Cap 50 on S: binding (约束性) leaves domestic 10 short and is met;
    expected (预期性) gives way to the shortage: 60 drawn, "not met", deviation +10."""
    cap = _con("K", type="cap", measure="withdrawal", sources={"ids": ["S"]}, value=50)
    _sc, _G, _sol, res, bal = alloc(_one_source(case, [cap]))
    assert _row(res, "K")["status"] == "met" and bal["shortage_10k_m3"].sum() == pytest.approx(10, abs=1e-4)
    _sc, _G, _sol, res, bal = alloc(_one_source(case, [{**cap, "attribute": "expected"}]))
    row = _row(res, "K")
    assert row["status"] == "not met" and row["deviation"] == pytest.approx(10, abs=1e-4)
    assert bal["shortage_10k_m3"].sum() == pytest.approx(0, abs=1e-5)


def test_a_planned_allocation_is_shifted_or_as_planned_and_constrains_nothing(case):
    """S(100) -> A:domestic (60): a planned allocation of 70 from S is "shifted" by −10 (no row of
    the LP holds it); one of 60 is "as planned"."""
    for value, status in ((70, "shifted"), (60, "as planned")):
        path = _one_source(
            case, [_con("P", type="allocation", measure="withdrawal", sources={"ids": ["S"]}, value=value)]
        )
        _sc, _G, sol, res, _bal = alloc(path)
        row = _row(res, "P")
        assert row["status"] == status and row["deviation"] == pytest.approx(60 - value, abs=1e-4)
        assert "P" not in sol.model.policy


@pytest.mark.parametrize(
    ("measure", "extra", "delivered"),
    [
        ("use", {}, 72.0),  # 90 at the source × 0.8
        ("intake", {}, 80.0),  # 80 at the intake ≤ 90: the demand is met
        ("consumption", {}, 200 / 3),  # 0.5 x + (x / 0.8 − x) = 0.75 x ≤ 50
        ("consumption", {"conveyance_losses": "excluded"}, 80.0),  # 0.5 x ≤ 50 → demand-limited
    ],
)
def test_a_cap_measured_at_the_source_or_at_the_intake(case, measure, extra, delivered):
    """S(200) → canal (loss 20 %) → A:agriculture (80); a cap of 90 on agriculture (50 for
    consumption) gives a different delivery depending on where it is measured."""
    value = 50 if measure == "consumption" else 90
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=200, available_unit=W)],
        edges=[edge("c", "S", f"county:{A}", kind="canal", sectors="agriculture", loss=0.2)],
        demands=[(A, "agriculture", 80, W)],
        sectors=SECTORS,
        constraints=[_con("AG", type="cap", measure=measure, sectors=["agriculture"], value=value, **extra)],
    )
    _sc, _G, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "agriculture"), "supplied_10k_m3"] == pytest.approx(delivered, abs=1e-4)
    a = res.allocation.iloc[0]
    assert a["use_at_source_10k_m3"] == pytest.approx(delivered / 0.8, abs=1e-4)
    assert a["conveyance_efficiency"] == pytest.approx(0.8)


@pytest.mark.parametrize(("year", "carries"), [(2029, False), (2030, True)])
def test_an_asset_before_its_in_service_year_carries_nothing(case, year, carries):
    """S(100) -> A:domestic (60) over an old line of 30 and a new line (in service 2030): in 2029 the
    new line is not in the graph and the old one carries all there is (30); from 2030 both carry."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[
            edge("old", "S", f"county:{A}", sectors="domestic", capacity=30, capacity_unit=W),
            edge("new", "S", f"county:{A}", sectors="domestic", commissioned=2030),
        ],
        demands=[(A, "domestic", 60, W)],
        sectors=SECTORS,
        extra={"year": year},
    )
    _sc, G, _sol, res, bal = alloc(path)
    flows = res.flows.groupby("layer_id")["flow_10k_m3"].sum()
    assert ("new" in set(res.flows["layer_id"])) is carries
    assert bal.loc[(A, "domestic"), "supplied_10k_m3"] == pytest.approx(60 if carries else 30, abs=1e-4)
    if carries:
        assert flows["new"] > 0
    assert any(d.get("layer_id") == "new" for *_e, d in G.edges(data=True)) is carries


def _rule_case(case, rules, constraints=None, mine=50):
    """M(mine) and S(100) -> A:industry (50, prefers surface), A:agriculture (50, prefers mine)."""
    return case(
        nodes=[
            node("M", "mine", source_kind="mine", available=mine, available_unit=W),
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
        ],
        edges=[
            edge("m", "M", f"county:{A}", sectors="industry,agriculture"),
            edge("s", "S", f"county:{A}", sectors="industry,agriculture"),
        ],
        demands=[(A, "industry", 50, W), (A, "agriculture", 50, W)],
        sectors=SECTORS,
        constraints=constraints,
        extra={"targets": rules},
    )


@pytest.mark.parametrize(("binds", "status", "industry_mine"), [(False, "broken", 0.0), (True, "kept", 50.0)])
def test_a_broken_rule_is_reported_broken(case, binds, status, industry_mine):
    """Rule "industry takes mine water first". Checked only (binds: false), the preferences give
    industry surface water and agriculture the mine water: broken, 50 could have moved. Applied,
    industry takes the 50 of mine water and the rule is kept."""
    rule = _rule("R", check="takes_first", sectors=["industry"], kinds=["mine"], binds=binds)
    _sc, _G, _sol, res, _bal = alloc(_rule_case(case, [rule]))
    a = res.allocation.set_index(["sector", "source"])["volume_10k_m3"]
    assert a.get(("industry", "M"), 0.0) == pytest.approx(industry_mine, abs=1e-4)
    row = _row(res, "R")
    assert row["status"] == status
    if status == "broken":
        assert row["value"] == pytest.approx(50, abs=1e-3)
        b = res.rule_breaks.iloc[0]
        assert (b["sector"], b["source"], b["went_to_sector"]) == ("industry", "M", "agriculture")


def test_domestic_first_is_broken_where_a_floor_forces_water_to_a_lower_priority(case):
    """S(100) -> A:domestic (80), A:agriculture (50); a binding floor of 50 for agriculture leaves
    domestic 30 short: the rule "domestic first" is reported broken with 30 movable."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("s", "S", f"county:{A}", sectors="domestic,agriculture")],
        demands=[(A, "domestic", 80, W), (A, "agriculture", 50, W)],
        sectors=SECTORS,
        constraints=[_con("F", type="floor", measure="intake", sectors=["agriculture"], value=50)],
        extra={"targets": [_rule("D", check="priority", sectors=["domestic"])]},
    )
    _sc, _G, _sol, res, bal = alloc(path)
    assert bal.loc[(A, "domestic"), "shortage_10k_m3"] == pytest.approx(30, abs=1e-4)
    row = _row(res, "D")
    assert row["status"] == "broken" and row["value"] == pytest.approx(30, abs=1e-3)


@pytest.mark.parametrize(("floor", "status"), [(None, "kept"), (30, "broken")])
def test_groundwater_last_is_checked_against_unused_surface_water(case, floor, status):
    """S(100), GW(100) -> A:domestic (60). Groundwater is the last preference: none is pumped and
    the rule is kept. A binding floor of 30 on groundwater forces pumping while S has water left
    that could reach the demand: broken."""
    constraints = (
        [] if floor is None else [_con("G", type="floor", measure="withdrawal", sources={"ids": ["GW"]}, value=floor)]
    )
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("GW", "groundwater", source_kind="groundwater_porous", available=100, available_unit=W),
        ],
        edges=[edge("s", "S", f"county:{A}", sectors="domestic"), edge("w", "GW", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 60, W)],
        sectors={**SECTORS, "domestic": {**SECTORS["domestic"], "prefers": ["surface", "groundwater_porous"]}},
        constraints=constraints,
        extra={"targets": [_rule("L", check="last_resort", sectors=["domestic"], kinds=["groundwater_porous"])]},
    )
    _sc, _G, _sol, res, _bal = alloc(path)
    assert _row(res, "L")["status"] == status


@pytest.mark.parametrize(("floor", "status"), [(None, "kept"), (50, "broken")])
def test_mine_water_used_first_is_checked_against_unused_mine_water(case, floor, status):
    """M(50), S(100) -> industry, agriculture (50 each): the mine water is all used (kept); a binding
    floor of 100 on surface water leaves the mine water unused while both users take surface water."""
    constraints = (
        [] if floor is None else [_con("S100", type="floor", measure="withdrawal", sources={"ids": ["S"]}, value=100)]
    )
    rule = _rule("U", check="used_first", sectors=["industry", "agriculture"], kinds=["mine"])
    _sc, _G, _sol, res, _bal = alloc(_rule_case(case, [rule], constraints))
    assert _row(res, "U")["status"] == status


def test_equity_leaves_out_a_demand_no_water_can_reach(case):
    """S(60) -> A:domestic (50), B:domestic (50); C:domestic (200) has only a line of capacity 0.
    C cannot be served, so it is left out of the equity rule (it is more than half the priority's
    volume, so it would otherwise fill the whole tail the rule levels): A and B share the shortage
    in proportion, 30 each (60 %), and C is 200 short."""
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=60, available_unit=W)],
        edges=[
            edge("a", "S", f"county:{A}", sectors="domestic"),
            edge("b", "S", f"county:{B}", sectors="domestic"),
            edge("c", "S", f"county:{C}", sectors="domestic", capacity=0, capacity_unit=W),
        ],
        demands=[(A, "domestic", 50, W), (B, "domestic", 50, W), (C, "domestic", 200, W)],
        sectors=SECTORS,
        extra={"study_area": {"counties": [A, B, C]}},
    )
    _sc, _G, sol, _res, bal = alloc(path)
    assert sol.model.unservable == {f"demand:{C}:domestic"}
    for county in (A, B):
        assert bal.loc[(county, "domestic"), "supplied_10k_m3"] == pytest.approx(30, abs=1e-3)
    assert bal.loc[(C, "domestic"), "shortage_10k_m3"] == pytest.approx(200, abs=1e-6)


def test_equity_is_not_held_back_by_a_demand_starved_by_a_higher_priority(case):
    """S(60) -> A:industry (50), B:industry (50); T(10) -> C:domestic (10) and C:industry (50).
    Domestic (priority 1) takes all of T, so C:industry can be reached but gets nothing. A and B
    still share S in proportion: 30 each."""
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=60, available_unit=W),
            node("T", "intake", source_kind="surface", available=10, available_unit=W, county=C),
        ],
        edges=[
            edge("a", "S", f"county:{A}", sectors="industry"),
            edge("b", "S", f"county:{B}", sectors="industry"),
            edge("c", "T", f"county:{C}", sectors="domestic,industry"),
        ],
        demands=[(A, "industry", 50, W), (B, "industry", 50, W), (C, "industry", 50, W), (C, "domestic", 10, W)],
        sectors=SECTORS,
        extra={"study_area": {"counties": [A, B, C]}},
    )
    _sc, _G, sol, _res, bal = alloc(path)
    assert not sol.model.unservable
    assert bal.loc[(C, "domestic"), "supplied_10k_m3"] == pytest.approx(10, abs=1e-4)
    for county in (A, B):
        assert bal.loc[(county, "industry"), "supplied_10k_m3"] == pytest.approx(30, abs=1e-3)


def test_basic_ecology_is_a_share_of_ecology_served_by_its_edges(case):
    """A:ecology (100) with basic ecology 30 % at priority 1: S(40) -> A serves the basic 30 first."""
    sectors = {
        "ecology": {"name_zh": "生态", "priority": 3, "accepts": ["surface"]},
        "ecology_basic": {"name_zh": "基本生态", "priority": 1, "accepts": ["surface"],
                          "share_of": {"sector": "ecology", "share": 0.3, "source": "test"}},
    }  # fmt: skip
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=40, available_unit=W)],
        edges=[edge("s", "S", f"county:{A}", sectors="ecology")],
        demands=[(A, "ecology", 100, W)],
        sectors=sectors,
    )
    sc = load_scenario(path)
    d = sc.demands.set_index("sector")["demand_10k_m3"]
    assert d["ecology_basic"] == pytest.approx(30) and d["ecology"] == pytest.approx(70)
    assert "demand:140105:ecology_basic" in build_graph(sc)
    *_, bal = alloc(path)
    assert bal.loc[(A, "ecology_basic"), "supplied_10k_m3"] == pytest.approx(30, abs=1e-4)
    assert bal.loc[(A, "ecology"), "supplied_10k_m3"] == pytest.approx(10, abs=1e-4)


def test_a_flow_given_where_a_volume_is_expected_is_stated_in_the_report(case):
    """S available "0.1 m³/s" is a flow: it is read over 365 days (315.36 万m³) and the report says so."""
    from waterplan import run_scenario
    from waterplan.report import report_markdown

    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=0.1, available_unit="m³/s")],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic", capacity=1, capacity_unit="万t/d")],
        demands=[(A, "domestic", 60, W)],
        sectors=SECTORS,
    )
    run = run_scenario(path)
    assert run.graph.nodes["S"]["available"] == pytest.approx(0.1 * 86400 * 365 / 1e4)
    flows = run.manifest["flows_read_as_yearly_volumes"]
    assert [(f["field"], f["unit"]) for f in flows] == [("features[0] (S).available", "m³/s")]
    assert run.manifest["capacities_given_as_rates"] == 1
    text = report_markdown(run.scenario, run.results, run.manifest)
    assert "(S).available' = 0.1 m³/s is a flow where a yearly volume is expected" in text


def test_user_text_is_printed_literally_in_the_reports(case):
    """A title or clause with Markdown or HTML in it stays text: no table break, no markup, no script."""
    from waterplan import run_scenario
    from waterplan.report import report_html, report_markdown

    evil = "水|<script>alert(1)</script> *x*"
    path = _one_source(case, [_con("K", type="cap", measure="withdrawal", value=80, clause=evil)])
    path.write_text(path.read_text(encoding="utf-8") + f"title_zh: '{evil}'\n", encoding="utf-8")
    run = run_scenario(path)
    md = report_markdown(run.scenario, run.results, run.manifest)
    assert "<script>" not in md and "水\\|\\<script\\>" in md and "\\*x\\*" in md
    header = next(line for line in md.splitlines() if line.startswith("|") and "指标 indicator" in line)
    row = next(line for line in md.splitlines() if line.startswith("|") and "| K " in line)
    assert row.count("|") - row.count("\\|") == header.count("|")  # the clause's "|" does not split the row
    html = report_html(run.scenario, run.results, run.manifest)
    assert "<script>" not in html and "&lt;script&gt;" in html
