"""Every status of every shipped scenario's report, recomputed independently from the written
output tables with the plan's definitions (tests/recompute.py), never from the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import recompute

from waterplan import load_scenario
from waterplan.report import status_label

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
def test_every_status_agrees_with_a_recomputation_from_the_tables(name, shipped_run):
    run, folder = shipped_run(name.removesuffix(".yaml"))
    sc, G = run.scenario, run.graph
    ind = pd.read_csv(folder / "indicators.csv").set_index("id")
    constraints = recompute.constraint_statuses(folder, G, sc)
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
            expected = recompute.rule_status(folder, G, sc, t.rule)
        elif t.status == "rule":
            expected = "not checked"
        else:
            expected = _indicator_status(t.id, folder, sc)
        assert row["status"] == expected, (name, t.id)
        seen += 1
    assert seen == len(ind)
    # a utilisation rate (over the plants' wastewater) never exceeds 100 %
    for c in sc.constraints:
        if c.rhs is not None and c.rhs.measure == "wastewater":
            assert not constraints[c.id][1] > 100.0 + 1e-9, (name, c.id, constraints[c.id][1])
    # "binding" marks only rows of the LP at their value: a cap at its value from the tables alone
    lp = {c.id: c for c in sc.constraints if c.in_lp}
    assert set(ind.index[ind["binding"].fillna(False).astype(bool)]) <= set(lp), name
    for c in lp.values():
        if c.type == "cap":
            at_value = constraints[c.id][1] >= c.value - 1e-6 * max(1.0, c.value)
            assert bool(ind.loc[c.id, "binding"]) == at_value, (name, c.id)
    # the report shows the same status for every row
    report = (folder / "report.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.split("|")] for line in report.splitlines() if line.count("|") > 10]
    at = rows[0].index("id")
    lines = {cells[at]: " | ".join(cells) for cells in rows}
    for tid, status in ind["status"].items():
        assert status_label(status) in lines[tid], (name, tid)
    # every quantified target of the plan the docs list for this scenario is a row of its report
    ids = {k for k in lines if k != "id" and not set(k) <= set(":- ")}
    assert ids == _documented(name.removesuffix(".yaml")), name


def _documented(scenario: str) -> set[str]:
    """The target ids docs/data.md lists for a scenario (its list of every target of every plan)."""
    text = (SC.parent / "docs" / "data.md").read_text(encoding="utf-8")
    body = text.split("<!-- targets: begin")[1].split("<!-- targets: end -->")[0]
    out = set()
    for line in body.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and any(v.split(":")[0].strip() == scenario for v in cells[3].split("<br>")):
            out.add(cells[1])
    return out


@pytest.mark.parametrize("mode", ["full", "myopic"])
def test_every_yearly_status_of_the_monthly_run_agrees_with_the_tables(mode, monthly_run, annual_tables):
    res, folder = monthly_run(mode)
    sc, G = res.scenario, res.graph
    table = pd.read_csv(folder / "indicators.csv", dtype={"period": str})
    cons = {c.id: c for c in sc.constraints}
    # every target of the plan each year, the planned allocations (as planned / shifted) too
    assert set(table["id"]) == set(cons) and len(table) == 2 * len(cons)
    # recomputed from the monthly tables of each year alone, by the code that checks an annual run's
    recomputed = {year: recompute.constraint_statuses(folder, G, sc, year) for year in set(table["period"])}
    for r in table.itertuples():
        status, value = recomputed[r.period][r.id]
        assert r.value == pytest.approx(value, rel=1e-6, abs=1e-2), (mode, r.id, r.period)
        assert r.unit == ("%" if cons[r.id].rhs is not None else "万m³") and r.status == status, (mode, r.id, r.period)
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
    # the monthly tables are the annual run's, one row per month
    for name in ("allocation", "balance", "flows", "sources"):
        got = pd.read_csv(folder / f"{name}.csv", dtype={"county": str, "period": str})
        assert list(got.columns) == list(pd.read_csv(annual_tables / f"{name}.csv", nrows=0).columns), name
        assert got["period"].str.fullmatch(r"\d{4}-\d{2}").all() and got["period"].nunique() == 24, name
    bal = pd.read_csv(folder / "balance.csv", dtype={"county": str})
    assert not bal["county"].str.contains("demand:").any()


def test_the_yearly_values_agree_with_the_engines_own_row_activity(monthly_run):
    """Two computations of each year's value: the constraint's sides summed from the solution
    (what the status is judged on) and the LP row's activity less the expected target's shortfall."""
    from waterplan.monthly.results import policy_yearly

    res = monthly_run("myopic")[0]
    sc = res.scenario
    table = policy_yearly(res).set_index(["period", "id"])
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
