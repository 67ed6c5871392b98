"""Every status of every shipped scenario's report, recomputed independently from the written
output tables with the plan's definitions (tests/recompute.py), never from the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import recompute

from waterplan import load_scenario, run_scenario
from waterplan.report import status_label
from waterplan.run import write_run

SC = Path(__file__).resolve().parents[1] / "scenarios"
ANNUAL = sorted(p.name for p in SC.glob("*.yaml") if load_scenario(p).spec.time is None)


def _indicator_status(tid: str, folder: Path, scenario) -> str:
    """A computed indicator or lever, recomputed from the tables and the scenario's inputs."""
    spec = scenario.spec
    t = next(t for t in spec.targets if t.id == tid)
    if t.lever is not None:
        value = spec.levers[t.lever].value * (100 if t.unit == "%" else 1)
    elif t.indicator == "irrigated_area":
        bal = pd.read_csv(folder / "balance.csv", dtype={"county": str}).set_index(["county", "sector"])
        dem = scenario.demands.set_index(["county", "sector"])
        area = [
            (float(dem.loc[k, "quantity"]) * (1.0 if dem.loc[k, "quantity_unit"] == "万亩" else 1e-4), k)
            for k in dem.index
            if k[1] == "agriculture" and dem.loc[k, "quantity_unit"] in ("万亩", "亩")
        ]
        if not area:
            return "not modelled"
        value = sum(a * bal.loc[k, "supplied_10k_m3"] / bal.loc[k, "demand_10k_m3"] for a, k in area)
    else:
        eco = spec.economy
        if eco is None:
            return "not modelled"
        src = pd.read_csv(folder / "sources.csv")
        bal = pd.read_csv(folder / "balance.csv")
        scale = {"亿元": 1e4, "万元": 1.0}
        unit = {"亿m³": 1e4, "万m³": 1.0}
        if t.indicator == "gdp_intensity_reduction":
            now = src["withdrawn_10k_m3"].sum() / (eco.gdp.value * scale[eco.gdp.unit])
            base = (
                eco.base.total_use.value
                * unit[eco.base.total_use.unit]
                / (eco.base.gdp.value * scale[eco.base.gdp.unit])
            )
        else:
            now = bal.loc[bal["sector"] == "industry", "supplied_10k_m3"].sum() / (
                eco.industrial_va.value * scale[eco.industrial_va.unit]
            )
            b = eco.base
            base = (
                b.industry_use.value * unit[b.industry_use.unit] / (b.industrial_va.value * scale[b.industrial_va.unit])
            )
        value = (1 - now / base) * 100
    return recompute._judge(float(value), float(t.value), t.relation or ">=", t.attribute or "binding")


@pytest.mark.parametrize("name", ANNUAL)
def test_every_status_agrees_with_a_recomputation_from_the_tables(name, tmp_path):
    run = run_scenario(SC / name)
    folder = write_run(run, tmp_path / "run")
    sc, G = run.scenario, run.graph
    ind = pd.read_csv(folder / "indicators.csv").set_index("id")
    constraints = recompute.constraint_statuses(folder, G, sc)
    binding_caps = {
        c.id for c in sc.constraints if c.type == "cap" and constraints[c.id][1] >= c.value - 1e-5 * max(1.0, c.value)
    }
    seen = 0
    for cid, (status, value) in constraints.items():
        assert ind.loc[cid, "status"] == status, (name, cid, ind.loc[cid, "value"], value)
        assert ind.loc[cid, "value"] == pytest.approx(value, rel=1e-6, abs=1e-3), (name, cid)
        seen += 1
    for t in sc.spec.targets:
        row = ind.loc[t.id]
        if t.status == "not_modelled":
            expected = "not modelled"
        elif t.rule is not None:
            expected = recompute.rule_status(folder, G, sc, t.rule, binding_caps)
        elif t.status == "rule":
            expected = "not checked"
        else:
            expected = _indicator_status(t.id, folder, sc)
        assert row["status"] == expected, (name, t.id)
        seen += 1
    assert seen == len(ind)
    # the report shows the same status for every row
    report = (folder / "report.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.split("|")] for line in report.splitlines() if line.count("|") > 10]
    at = rows[0].index("id")
    lines = {cells[at]: " | ".join(cells) for cells in rows}
    for tid, status in ind["status"].items():
        assert status_label(status) in lines[tid], (name, tid)


def _monthly_measure(folder: Path, G, scenario, sel, year: str) -> float:
    """A constraint side over one year, from the tidy monthly tables."""
    srcs = recompute._sources(G, sel)
    in_counties = {n for n in srcs if sel.counties is None or G.nodes[n].get("county") in sel.counties}
    if sel.measure == "withdrawal":
        src = pd.read_csv(folder / "sources_monthly.csv")
        src = src[(src["year"] == int(year)) & src["source"].isin(in_counties)]
        return float(src["withdrawn_10k_m3"].sum())
    if sel.measure == "wastewater":
        bal = pd.read_csv(folder / "balance_monthly.csv", dtype={"county": str})
        dl = bal[bal["year"] == int(year)].groupby(["county", "sector"])["supplied_10k_m3"].sum()
        ww = recompute._wastewater(G, scenario, {f"demand:{c}:{s}": v for (c, s), v in dl.items()})
        return sum(
            v for w, v in ww.items() if w in in_counties or (sel.source_kinds is None and recompute._wwtp_ok(G, w, sel))
        )
    if sel.measure == "available":
        return sum(G.nodes[s].get("available", 0.0) for s in in_counties)
    alloc = pd.read_csv(folder / "allocation_monthly.csv", dtype={"county": str})
    sums = alloc[alloc["year"] == int(year)].groupby(["county", "sector", "source"])["value_10k_m3"].sum()
    pairs = {(f"demand:{c}:{s}", src): v for (c, s, src), v in sums.items()}
    return recompute._by_demand(G, scenario, sel, pairs)


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_every_yearly_status_of_the_monthly_run_agrees_with_the_tables(mode, tmp_path):
    from waterplan import build_graph
    from waterplan.monthly import solve_monthly
    from waterplan.run import write_monthly_run

    sc = load_scenario(SC / "taiyuan-2030-monthly.yaml", overrides={"time": {"years": 2}})
    G = build_graph(sc)
    folder = write_monthly_run(solve_monthly(G, sc, mode=mode), tmp_path / "m")
    table = pd.read_csv(folder / "policy_yearly.csv", dtype={"year": str})
    cons = {c.id: c for c in sc.constraints}
    # every target of the plan each year, the planned allocations (as planned / shifted) too
    assert set(table["id"]) == set(cons) and len(table) == 2 * len(cons)
    for r in table.itertuples():
        c = cons[r.id]
        lhs = _monthly_measure(folder, G, sc, c.lhs, r.year)
        relation = {"cap": "<=", "allocation": "="}.get(c.type, ">=")
        if c.rhs is not None:
            den = _monthly_measure(folder, G, sc, c.rhs, r.year)
            status = recompute._judge(lhs - c.value * den, 0.0, ">=", c.attribute)
            value, unit = 100.0 * lhs / den, "%"  # a ratio as the plan defines it, in %
        else:
            value, unit = lhs, "万m³"
            status = recompute._judge(value, c.value, relation, c.attribute)
        assert r.value == pytest.approx(value, rel=1e-6, abs=1e-2), (mode, r.id, r.year)
        assert r.unit == unit and r.status == status, (mode, r.id, r.year)
    assert {"as planned", "shifted"} & set(table.loc[table["kind"] == "allocation", "status"])
    guarantee = pd.read_csv(folder / "guarantee.csv")
    for g in guarantee.itertuples():
        expected = (
            "no target"
            if pd.isna(g.target_years)
            else ("met" if g.years_fully_supplied >= g.target_years - 1e-9 else "not met")
        )
        assert g.status == expected, (mode, g.county, g.sector)
    assert "指标逐年核算" in (folder / "report.md").read_text(encoding="utf-8")
    bal = pd.read_csv(folder / "balance_monthly.csv", dtype={"county": str})
    assert {"date", "year", "month", "county", "county_zh", "sector", "sector_zh"} <= set(bal.columns)
    assert pd.to_datetime(bal["date"]).dt.day.eq(1).all() and not bal["county"].str.contains("demand:").any()


def test_the_yearly_values_agree_with_the_engines_own_row_activity():
    """Two computations of each year's value: the constraint's sides summed from the solution
    (what the status is judged on) and the LP row's activity less the expected target's shortfall."""
    from waterplan import build_graph
    from waterplan.monthly import solve_monthly
    from waterplan.monthly.results import policy_yearly

    sc = load_scenario(SC / "taiyuan-2030-monthly.yaml", overrides={"time": {"years": 2}})
    res = solve_monthly(build_graph(sc), sc, mode="myopic")
    table = policy_yearly(res).set_index(["year", "id"])
    checked = 0
    for c in sc.constraints:
        if not c.in_lp or c.rhs is not None:
            continue
        for year, activity in res.policy[c.id].items():
            assert table.loc[(year, c.id), "numerator_10k_m3"] == pytest.approx(activity, rel=1e-7, abs=1e-4)
            checked += 1
    assert checked >= 18


def test_every_status_word_has_its_chinese_label():
    """The report never shows a raw status key: each word the status module can give has its label."""
    from waterplan.status import STATUSES

    for word in STATUSES:
        assert status_label(word) != word and word in status_label(word)
