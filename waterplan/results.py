"""Tables from a solution: allocation, balance, flows, sources, indicator report, duals.

All volumes are 万m³ per year (columns end in ``_10k_m3``). Names are given both as the
official Chinese name (``*_zh``) and an English/pinyin alias (``*_en``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._validate import unreachable_demands, unreachable_text
from .i18n import language, tr
from .rules import RuleCheck, check_rule, edge_loads
from .sacrifice import sacrifices
from .scenario import SECTOR_NAMES, Constraint, Listing, Scenario, Selection, TargetSpec
from .solve import Solution
from .status import STATUSES, judge, judge_constraint, tolerance
from .tables import Horizon, period_tables
from .units import to_model_volume

__all__ = ["STATUSES", "Results", "judge", "measured_at", "read_results", "tabulate"]

TOL = 1e-6


@dataclass
class Results:
    """The tables of one run."""

    allocation: pd.DataFrame
    balance: pd.DataFrame
    flows: pd.DataFrame
    sources: pd.DataFrame
    indicators: pd.DataFrame
    duals: pd.DataFrame
    stages: pd.DataFrame
    shadow_prices: pd.DataFrame = field(default_factory=pd.DataFrame)
    trades: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: where a rule of the plan is broken, with the volume that could have moved (see waterplan.rules)
    rule_breaks: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: demands a target cut above its place among the priorities (see waterplan.sacrifice)
    sacrifices: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: what a reviewer must see, each in Chinese and English (targets held at a higher priority's
    #: expense, plants that cannot treat what they collect)
    warnings: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {
            "allocation": self.allocation,
            "balance": self.balance,
            "flows": self.flows,
            "sources": self.sources,
            "indicators": self.indicators,
            "duals": self.duals,
            "stages": self.stages,
            "shadow_prices": self.shadow_prices,
        }
        if len(self.trades):
            out["trades"] = self.trades
        if len(self.rule_breaks):
            out["rule_breaks"] = self.rule_breaks
        if len(self.sacrifices):
            out["sacrifices"] = self.sacrifices
        return out


#: text columns of the tables as written (read back as text, blanks as ''), beside county codes
_TEXT_COLUMNS = ("shadow_price_stage", "binds_with", "plan_years", "base_value", "reason", "category", "basis")


def read_results(folder: str | Path) -> Results:
    """The tables of an annual run folder written by ``waterplan run``, read back as :class:`Results`
    (county codes as text; the run's warnings from its manifest).

    >>> import tempfile
    >>> from waterplan.run import run_scenario, write_run
    >>> out = write_run(run_scenario("scenarios/taiyuan-2030.yaml"), tempfile.mkdtemp() + "/ty")
    >>> read_results(out).indicators.set_index("id").loc["TY-total", "status"]
    'met'
    """
    import json

    folder = Path(folder)

    def table(name: str) -> pd.DataFrame:
        path = folder / f"{name}.csv"
        if not path.is_file():
            return pd.DataFrame()
        df = pd.read_csv(path, dtype={"county": str, "period": str, **dict.fromkeys(_TEXT_COLUMNS, str)})
        for col in _TEXT_COLUMNS:
            if col in df:
                df[col] = df[col].fillna("")
        return df

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = ("allocation", "balance", "flows", "sources", "indicators", "duals", "stages", "shadow_prices", "trades")
    t = {n: table(n) for n in names}
    return Results(**t, rule_breaks=table("rule_breaks"), sacrifices=table("sacrifices"),
                   warnings=list(manifest.get("warnings", [])))  # fmt: skip


def _shadow(sol: Solution, cid: str) -> tuple[float, str]:
    """The shadow price of a target: its dual in the first stage where it is nonzero, if that
    stage is a shortage stage; NaN if an earlier tier (equity, an allocation rule) moves first —
    a later stage's dual then holds that tier fixed, which a change of the target would not."""
    for st in sol.stages:
        d = st.duals.get(cid, 0.0)
        if abs(d) > 1e-9:
            return (d, st.name) if st.priority is not None else (float("nan"), st.name)
    return 0.0, ""


def _computed_indicators(sol: Solution, balance: pd.DataFrame) -> dict[str, tuple[float | None, str]]:
    """Indicators computed from the solution and the scenario's inputs: (value, how)."""
    sc = sol.model.scenario
    out: dict[str, tuple[float | None, str]] = {}
    dem = sc.demands.set_index(["county", "sector"])
    ag = balance[balance["sector"] == "agriculture"]
    area = 0.0
    has_area = False
    for r in ag.itertuples():
        key = (r.county, "agriculture")
        unit = str(dem.loc[key, "quantity_unit"]) if key in dem.index else ""
        if unit in ("万亩", "亩"):
            has_area = True
            qty = float(dem.loc[key, "quantity"]) * (1.0 if unit == "万亩" else 1e-4)
            area += qty * float(r.coverage)
    if has_area:
        out["irrigated_area"] = (
            area,
            "computed: Σ over counties of irrigated area (demand table) × coverage of the agricultural demand",
        )
    else:
        out["irrigated_area"] = (None, "the demand table gives no irrigated area (quantity in 万亩) for agriculture")
    eco = sc.spec.economy
    if eco is not None:

        def per_10k_yuan(use_10k_m3: float, a: Any) -> float:  # a: an Amount (value, unit)
            factor = {"亿元": 1e4, "万元": 1.0}.get(a.unit)
            if factor is None:
                raise ValueError(a.unit)
            return float(use_10k_m3 * 1e4 / (a.value * factor))

        total = float(sum(sol.release.values()) - sum(sol.value(e) for e in sol.model.to_outlet.values()))
        industry = float(balance.loc[balance["sector"] == "industry", "supplied_10k_m3"].sum())
        b = eco.base
        base_total = to_model_volume(b.total_use.value, b.total_use.unit, file="scenario", field="economy")
        base_ind = to_model_volume(b.industry_use.value, b.industry_use.unit, file="scenario", field="economy")
        i0, i1 = per_10k_yuan(base_total, b.gdp), per_10k_yuan(total, eco.gdp)
        out["gdp_intensity_reduction"] = (
            (1 - i1 / i0) * 100,
            f"computed: {i1:.2f} m³/万元 GDP vs {i0:.2f} in {b.year} (total use / GDP)",
        )
        j0, j1 = per_10k_yuan(base_ind, b.industrial_va), per_10k_yuan(industry, eco.industrial_va)
        out["industrial_intensity_reduction"] = (
            (1 - j1 / j0) * 100,
            f"computed: {j1:.2f} m³/万元 industrial value added vs {j0:.2f} in {b.year}",
        )
    else:
        reason = "needs GDP and industrial value-added inputs (economy: in the scenario)"
        out["gdp_intensity_reduction"] = (None, reason)
        out["industrial_intensity_reduction"] = (None, reason)
    return out


_WHAT = {
    "policy": "target",
    "source": "availability",
    "edge": "capacity",
    "plant": "capacity",
    "demand": "demand",
    "quota": "quota",
}


def shadow_price_table(sol: Solution) -> pd.DataFrame:
    """Every nonzero dual of every shortage stage, in planners' units.

    ``dual`` is the change of the stage's objective — 万m³ of shortage of that priority — per
    +1 万m³ of the target, availability, capacity or demand. For a demand it is the shortage the
    next 万m³ of demand would add (1 if it would go unmet, less if water can be moved to it).
    """
    m = sol.model
    G = m.G
    rows = []
    cons = {c.id: c for c in m.scenario.constraints}
    for st in sol.stages:
        if st.priority is None:
            continue
        items: list[tuple[str, str, float]] = [("policy", cid, d) for cid, d in st.duals.items()]
        items += [("source", sid, d) for sid, d in st.source_duals.items()]
        items += [(*m.row_meaning[r], d) for r, d in st.row_duals.items()]
        for kind, ref, dual in items:
            if abs(dual) <= 1e-9:
                continue
            if kind == "policy":
                zh, en = cons[ref].name_zh, cons[ref].name_en
            elif kind == "quota":
                zh, en = f"{ref} 用水指标", f"{ref} quota"
            elif kind == "edge":
                e: dict[str, Any] = next((d for _u, _v, d in G.edges(data=True) if d.get("layer_id") == ref), {})
                zh, en = e.get("name_zh") or ref, e.get("name_en") or ref
            else:
                zh, en = G.nodes[ref]["name_zh"], G.nodes[ref]["name_en"]
            rows.append(
                {
                    "stage": st.name,
                    "priority": st.priority,
                    "kind": kind,
                    "id": ref,
                    "name_zh": zh,
                    "name_en": en,
                    "dual": dual,
                    "meaning": f"万m³ of priority-{st.priority} shortage per +1 万m³ of {_WHAT[kind]}",
                }
            )
    cols = ["stage", "priority", "kind", "id", "name_zh", "name_en", "dual", "meaning"]
    return pd.DataFrame(rows, columns=cols)


def _first_nonzero(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    sub = table[table["kind"] == kind].sort_values("priority")
    return sub.drop_duplicates("id").set_index("id")[["dual", "stage"]]


def annual_horizon(sol: Solution) -> Horizon:
    """An annual run as a horizon of one period (its year), for :mod:`waterplan.tables`."""
    m = sol.model
    G = m.G
    demands = [n for n, d in G.nodes(data=True) if d["kind"] == "demand"]
    key = {s: "reclaimed_capacity" if G.nodes[s]["kind"] == "wwtp" else "available" for s in m.q}
    avail = {s: np.asarray([G.nodes[s].get(k)], dtype=float) for s, k in key.items()}  # None → NaN
    return Horizon(
        model=m,
        periods=[m.scenario.year],
        values=sol.x[None, :],
        demand=np.asarray([[G.nodes[n]["demand"] for n in demands]], dtype=float),
        demands=demands,
        available=avail,
    )


#: the columns of the indicator table (one row per target of the plan)
INDICATOR_COLUMNS = [
    "period", "id", "indicator_zh", "indicator_en", "kind", "attribute", "basis", "year", "measured_at", "relation",
    "target", "value", "unit", "target_as_given", "status", "slack", "deviation", "binding", "shadow_price",
    "shadow_price_unit", "shadow_price_stage", "binds_with", "clause", "reason", "category", "list_no", "base_year",
    "base_value", "plan_years", "numerator_10k_m3", "denominator_10k_m3", "rank", "direction",
    "higher_priority_cut_10k_m3",
]  # fmt: skip


def _listing_cols(listing: Listing | None) -> dict[str, object]:
    """A target's place in the plan's indicator list (指标清单): category (指标类型), number (序号),
    base-year figure, and the list's figures by year (``"2027: ≤ 9.94; 2030: ≤ 10.47"``)."""
    if listing is None:
        return {"category": "", "list_no": None, "base_year": None, "base_value": "", "plan_years": ""}
    base = listing.base
    return {
        "category": listing.category,
        "list_no": listing.number,
        "base_year": base.year if base else None,
        "base_value": base.value if base else "",
        "plan_years": "; ".join(f"{y}: {v}" for y, v in sorted(listing.years.items())),
    }


#: where each measure is taken, in the words of the report
MEASURED_AT = {
    "withdrawal": "gross withdrawal at the source",
    "use": "use counted gross at the source (conveyance losses included)",
    "intake": "at the county intake (after conveyance losses)",
    "consumption": "consumption: consumed share of use plus conveyance losses",
    "consumption_excl": "consumption: consumed share of use, conveyance losses excluded",
    "wastewater": "wastewater collected at the WWTPs",
    "available": "available at the sources",
    "flow": "flow carried on the named edges",
}


def measured_at(c: Constraint) -> str:
    """Where a constraint is measured (both sides of a ratio)."""

    def one(sel: Selection) -> str:
        key = sel.measure + ("_excl" if sel.measure == "consumption" and not sel.conveyance_losses else "")
        return MEASURED_AT[key]

    return one(c.lhs) if c.rhs is None else f"{one(c.lhs)} ÷ {one(c.rhs)}"


def constraint_row(c: Constraint, lhs: float, rhs: float | None, year: int) -> dict[str, object]:
    """A policy constraint judged from its two sides (万m³; ``rhs`` a ratio's denominator): the
    indicator table's columns every run kind shares, and both sides (``numerator_10k_m3``,
    ``denominator_10k_m3``) so that a reader can recompute the value."""
    j = judge_constraint(c, lhs, rhs)
    sym = {"<=": "≤", ">=": "≥", "=": "="}[c.relation]
    return {
        "id": c.id,
        "indicator_zh": c.name_zh,
        "indicator_en": c.name_en,
        "kind": c.type,
        "attribute": c.attribute,
        "basis": c.basis,
        "year": c.year or year,
        "measured_at": measured_at(c),
        "relation": c.relation,
        "target": j.target,
        "value": j.value,
        "unit": j.unit,
        "target_as_given": f"{sym} {c.value_as_given:g} {c.unit}",
        "status": j.status,
        "slack": j.slack,
        "deviation": j.deviation,
        "binding": c.in_lp and abs(j.row_slack) <= tolerance(c.value),
        "clause": c.clause,
        "numerator_10k_m3": lhs,
        "denominator_10k_m3": rhs,
        "rank": "" if c.rank is None else str(c.rank),
        "direction": c.direction or "",
        **_listing_cols(c.listing),
    }


def _constraint_row(sol: Solution, c: Constraint, limits: dict[str, str]) -> dict[str, object]:
    """A policy constraint's row of the indicator table: value, status, deviation and shadow price."""
    lhs, rhs = sol.model.policy_expr[c.id]
    den = sol.value(rhs) if rhs is not None else None
    row = constraint_row(c, sol.value(lhs), den, sol.model.scenario.year)
    dual, stage = _shadow(sol, c.id)
    if c.type == "ratio_floor":
        shadow = dual * (den or 0.0) / 100.0  # shortage change per +1 percentage point of the floor
        shadow_unit = "万m³ shortage per +1 percentage point"
    else:
        shadow = dual
        shadow_unit = "万m³ shortage per +1 万m³ of the target value"
    reason = ""
    if c.type == "level" and row["status"] != "met":
        short = c.value - float(str(row["value"]))
        reason = f"short of the level by {short:,.1f} 万m³; limited by: {limits.get(c.id, 'n/a')}"
    elif c.type == "allocation":
        reason = "a planned allocation; surface sources may shift with the year while the plan's total holds"
    return {
        **row,
        "shadow_price": shadow,
        "shadow_price_unit": (
            shadow_unit if shadow == shadow else "none: the target moves this tier first, not a shortage"
        )
        if stage
        else "",
        "shadow_price_stage": stage,
        "reason": reason,
    }


def _target_row(
    sol: Solution, t: TargetSpec, computed: dict[str, tuple[float | None, str]], checks: dict[str, RuleCheck]
) -> dict[str, object]:
    """A target's row of the indicator table: not modelled, a rule, a lever or a computed indicator."""
    sc = sol.model.scenario
    base: dict[str, object] = {
        "id": t.id,
        "indicator_zh": t.name_zh,
        "indicator_en": t.name_en or t.id,
        "attribute": t.attribute or "",
        "basis": t.basis,
        "year": t.year or sc.year,
        "measured_at": "",
        "unit": t.unit,
        "target_as_given": t.target,
        "clause": t.clause,
        "binding": False,
        "shadow_price": None,
        "shadow_price_unit": "",
        "shadow_price_stage": "",
        "slack": None,
        "deviation": None,
        **_listing_cols(t.listing),
    }
    if t.status == "not_modelled":
        return {**base, "kind": "not modelled", "relation": "", "target": None, "value": None,
                "status": "not modelled", "reason": t.reason}  # fmt: skip
    if t.status == "rule":
        row = {**base, "kind": "rule", "relation": "", "target": None, "value": None}
        if t.rule is None:  # stated, but no check defined for it
            return {**row, "status": "not checked", "reason": f"{t.reason}; no check from the results is defined"}
        chk = checks[t.id]
        return {**row, "status": chk.status, "value": float(chk.breaks["movable_10k_m3"].sum()),
                "unit": "万m³ movable", "reason": f"{t.reason}; {chk.summary}"}  # fmt: skip
    if t.lever is not None:
        raw = sc.spec.levers[t.lever].value
        shown: float | None = raw * 100 if t.unit == "%" else raw
        reason = f"scenario input (levers.{t.lever})"
    else:
        shown, reason = computed.get(str(t.indicator), (None, "no inputs for this indicator"))
    row = {**base, "kind": "indicator", "relation": t.relation, "target": t.value, "value": shown, "reason": reason}
    if shown is None:
        return {**row, "status": "not modelled"}
    target = float(t.value or 0.0)
    relation = t.relation or ">="
    status = judge(shown, target, relation, t.attribute or "binding")
    slack = target - shown if relation == "<=" else shown - target
    return {**row, "status": status, "slack": slack, "deviation": shown - target}


def _filled_by(sol: Solution, cap: Constraint, srcs: set[str]) -> str:
    """What else fills a cap over all sources at its value: the withdrawal of the other kinds."""
    sel = cap.lhs
    if sel.measure != "withdrawal" or sel.source_ids or sel.source_kinds or sel.source_tags or sel.counties:
        return ""
    m = sol.model
    by_kind: dict[str, float] = {}
    for s, q in sol.release.items():
        if s not in srcs:
            kind = m.G.nodes[s]["source_kind"]
            by_kind[kind] = by_kind.get(kind, 0.0) + q - sol.value(m.to_outlet[s])
    parts = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]) if v > 0.5)
    return f" (the rest of it: {parts} 万m³)" if parts else ""


def _limits(sol: Solution, c: Constraint, flows: pd.DataFrame) -> str:
    """What keeps a level target's sources from delivering more: sources at their availability,
    edges and plants at capacity on their routes, and caps of the plan at their value."""
    m = sol.model
    G = m.G
    srcs = set(m.source_nodes(c.lhs))
    found = [
        f"{s} {G.nodes[s]['name_zh']} (available)"
        for s in sorted(srcs)
        if G.nodes[s].get("available") is not None and sol.release[s] >= G.nodes[s]["available"] - 1e-3
    ]
    carried, out_of = edge_loads(flows)
    routes = {(u, v) for (u, v, s) in m.x if s in srcs}
    for u, v in sorted(routes):
        e = G.edges[u, v]
        if e["capacity"] is not None and carried.get((u, v), 0.0) >= e["capacity"] - 1e-3:
            found.append(f"edge {e['layer_id']} {e.get('name_zh') or ''} (capacity)".replace("  ", " "))
    for n in sorted({u for u, _v in routes}):
        cap = G.nodes[n].get("capacity") if G.nodes[n]["kind"] == "plant" else None
        if cap is not None and out_of.get(n, 0.0) >= cap - 1e-3:
            found.append(f"plant {n} {G.nodes[n]['name_zh']} (capacity)")
    for other in m.scenario.constraints:
        if other.type == "cap" and other.id in m.policy:
            lhs, _ = m.policy_expr[other.id]
            if sol.value(lhs) >= other.value - tolerance(other.value):
                found.append(f"cap {other.id} {other.name_zh}{_filled_by(sol, other, srcs)}")
    if not found:
        return "no other demand these sources can reach takes more (every user they reach is supplied)"
    return "; ".join(dict.fromkeys(found))


def _trades_table(sol: Solution, sp: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    sc = sol.model.scenario
    zh = names["name_zh"].to_dict()
    quota_value = _first_nonzero(sp, "quota")["dual"].to_dict() if len(sp) else {}
    return pd.DataFrame(
        [
            {
                "seller": a,
                "seller_zh": zh.get(a, a),
                "buyer": b,
                "buyer_zh": zh.get(b, b),
                "volume_10k_m3": v,
                "seller_value": quota_value.get(a, 0.0),
                "buyer_value": quota_value.get(b, 0.0),
                "value_unit": "万m³ of shortage removed per +1 万m³ of quota (first binding priority)",
                "cost_yuan_per_m3": sc.spec.trading.cost_yuan_per_m3 if sc.spec.trading else 0.0,
            }
            for (a, b), v in sol.trades.items()
            if v > TOL
        ]
    )


def _attach_shadow_prices(sp: pd.DataFrame, sources: pd.DataFrame, flows: pd.DataFrame, balance: pd.DataFrame) -> None:
    for df, kind, key in ((sources, "source", "source"), (flows, "edge", "layer_id")):
        first = _first_nonzero(sp, kind)
        df["shadow_price"] = df[key].map(first["dual"]) if len(first) else 0.0
        df["shadow_price_stage"] = df[key].map(first["stage"]) if len(first) else ""
        df["shadow_price"] = df["shadow_price"].fillna(0.0)
        df["shadow_price_stage"] = df["shadow_price_stage"].fillna("")
    own = sp[(sp["kind"] == "demand")]
    own_dual = {(r.id, r.priority): r.dual for r in own.itertuples()}
    balance["shadow_price"] = [
        own_dual.get((f"demand:{r.county}:{r.sector}", r.priority), 0.0) for r in balance.itertuples()
    ]


def binds_with(sol: Solution, indicators: pd.DataFrame) -> dict[str, str]:
    """Each policy constraint of the LP → the other binding ones that limit some of the same water
    (a flow both count), ids joined by ", ". It says why moving one target may change nothing: the
    groundwater total beside its per-source split, a city cap beside its counties' caps."""
    m = sol.model
    counted = {
        cid: {v.name for v in lhs} | ({v.name for v in rhs} if rhs is not None else set())
        for cid, (lhs, rhs) in m.policy_expr.items()
        if cid in m.policy
    }
    bound = set(indicators.loc[indicators["binding"].eq(True), "id"]) & set(counted)
    return {
        cid: ", ".join(sorted(o for o in bound if o != cid and not counted[o].isdisjoint(flows)))
        for cid, flows in counted.items()
    }


def tabulate(sol: Solution) -> Results:
    """Turn a :class:`~waterplan.solve.Solution` into the run's tables."""
    sc: Scenario = sol.model.scenario
    h = annual_horizon(sol)
    tables = period_tables(h, shadow_prices=True)
    balance, flows, sources, allocation = tables["balance"], tables["flows"], tables["sources"], tables["allocation"]
    computed = _computed_indicators(sol, balance)
    limits = {c.id: _limits(sol, c, flows) for c in sc.constraints if c.type == "level" or c.attribute == "expected"}
    constraint_rows = pd.DataFrame([_constraint_row(sol, c, limits) for c in sc.constraints], columns=INDICATOR_COLUMNS)
    read = {"allocation": allocation, "balance": balance, "flows": flows, "sources": sources,
            "indicators": constraint_rows}  # fmt: skip
    checks = {t.id: check_rule(t.rule, sc, sol.model.G, read) for t in sc.spec.targets if t.rule is not None}
    targets = pd.DataFrame([_target_row(sol, t, computed, checks) for t in sc.spec.targets], columns=INDICATOR_COLUMNS)
    parts = [df for df in (constraint_rows, targets) if len(df)]
    indicators = pd.concat(parts, ignore_index=True) if parts else constraint_rows
    indicators["period"] = sc.year
    together = binds_with(sol, indicators)
    indicators["binds_with"] = [together.get(i, "") for i in indicators["id"]]
    cuts = sacrifices(sol)
    indicators["higher_priority_cut_10k_m3"] = indicators["id"].map(cuts.groupby("target")["cut_10k_m3"].sum())
    breaks = [chk.breaks.assign(rule=tid) for tid, chk in checks.items() if len(chk.breaks)]
    duals = pd.DataFrame(
        [
            {"stage": st.name, "priority": st.priority, "constraint": cid, "dual": dv}
            for st in sol.stages
            for cid, dv in st.duals.items()
        ]
    )
    stages = pd.DataFrame(
        [
            {"stage": st.name, "priority": st.priority, "objective": st.objective, "seconds": st.seconds}
            for st in sol.stages
        ]
    )
    sp = shadow_price_table(sol)
    _attach_shadow_prices(sp, sources, flows, balance)
    return Results(
        trades=_trades_table(sol, sp, h.names),
        allocation=allocation,
        balance=balance,
        rule_breaks=pd.concat(breaks, ignore_index=True) if breaks else pd.DataFrame(),
        flows=flows,
        sources=sources,
        indicators=indicators,
        duals=duals,
        stages=stages,
        shadow_prices=sp,
        sacrifices=cuts,
        warnings=[
            *unserved_warnings(sol.model.G, sc, sol.model.unservable),
            *run_warnings(indicators, cuts, sources, balance),
        ],
    )


def unserved_warnings(G: Any, sc: Scenario, unservable: set[str]) -> list[str]:
    """Each demand the run could supply nothing (a finding, not a stop): why, in Chinese and English."""
    if not any(G.nodes[n]["demand"] > 0 for n in unservable):
        return []  # (the usual case: no reach search on the way)
    accepts = {name: set(s.accepts) for name, s in sc.spec.sectors.items()}
    unreachable = set(unreachable_demands(G, accepts))
    out = []
    for node in sorted(unservable):
        if G.nodes[node]["demand"] <= 0:
            continue
        d = G.nodes[node]
        if node in unreachable:
            out.append(unreachable_text(G, node, accepts[d["sector"]]))
        else:
            out.append(
                tr(
                    "{county} {sector}: the sources that reach it have no water, or their lines no capacity, this "
                    "year: its demand is supplied nothing",
                    county=d["county"],
                    sector=sector_label(d["sector"], language()),
                )
            )
    return out


def _vol(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1 else f"{v:.2f}"


def run_warnings(
    indicators: pd.DataFrame, cuts: pd.DataFrame, sources: pd.DataFrame, balance: pd.DataFrame
) -> list[str]:
    """What a reviewer must see before signing, in Chinese and English: each target held by cutting
    a demand above its place among the priorities (the demands and the volumes), each plant that
    collects more wastewater than it can treat (the overflow, discharged untreated)."""
    out = []
    zh = language() == "zh"
    names = indicators.drop_duplicates("id").set_index("id")
    col = "county_zh" if zh else "county_en"
    name_of = dict(zip(balance["county"], balance[col], strict=True)) if len(balance) else {}
    for tid, part in cuts.groupby("target", sort=False):
        row = names.loc[tid]
        cut = part.sort_values("cut_10k_m3", ascending=False).head(5)
        each = ("；" if zh else "; ").join(
            tr("{county} {sector} {volume} 万m³ less", county=name_of.get(r.county, r.county),
               sector=sector_label(r.sector, "zh" if zh else "en"), volume=_vol(r.cut_10k_m3))
            for r in cut.itertuples()
        )  # fmt: skip
        more = f" (+{len(part) - 5})" if len(part) > 5 else ""
        out.append(
            tr(
                "Target {tid} ({name}) holds only by cutting demands of a higher priority than its own (priority "
                "{place}): {cuts}{more} than without it. Give it a rank in the scenario (rank: hard, or rank: k) "
                "to state the plan's intent.",
                tid=tid,
                name=row["indicator_zh" if zh else "indicator_en"],
                place=int(cut["place"].iloc[0]),
                cuts=each,
                more=more,
            )
        )
    wwtp = sources[sources["kind"] == "wwtp"] if len(sources) else sources
    over = wwtp.groupby(["source", "name_zh"], as_index=False)["overflow_10k_m3"].sum() if len(wwtp) else wwtp
    over = over[over["overflow_10k_m3"] > 0.05].sort_values("overflow_10k_m3", ascending=False) if len(over) else over
    if len(over):
        top = over.head(5)
        each = ("、" if zh else ", ").join(
            f"{r.name_zh if zh else r.source} {_vol(r.overflow_10k_m3)}" for r in top.itertuples()
        )
        more = f" (+{len(over) - 5})" if len(over) > 5 else ""
        out.append(
            tr(
                "{n} WWTP(s) collect more wastewater than they can treat: {total} 万m³ discharged untreated "
                "(sources.csv overflow_10k_m3): {plants}{more}.",
                n=len(over),
                total=_vol(float(over["overflow_10k_m3"].sum())),
                plants=each,
                more=more,
            )
        )
    return out


def sector_label(sector: str, lang: str = "zh") -> str:
    zh, en = SECTOR_NAMES[sector]
    return zh if lang == "zh" else en
