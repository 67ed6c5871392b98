"""Tables from a solution: allocation, balance, flows, sources, indicator report, duals.

All volumes are 万m³ per year (columns end in ``_10k_m3``). Names are given both as the
official Chinese name (``*_zh``) and an English/pinyin alias (``*_en``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .boundaries import county_table
from .scenario import SECTOR_NAMES, Constraint, Scenario, TargetSpec
from .solve import Solution
from .units import to_model_volume

__all__ = ["Results", "tabulate"]

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
        return out


def _names() -> pd.DataFrame:
    return county_table().set_index("adcode")[["name_zh", "name_en"]]


def _shadow(sol: Solution, cid: str) -> tuple[float, str]:
    for st in sol.stages:
        if st.priority is None:
            continue
        d = st.duals.get(cid, 0.0)
        if abs(d) > 1e-9:
            return d, st.name
    return 0.0, ""


def _status(value: float, target: float, relation: str) -> tuple[str, float]:
    slack = target - value if relation == "<=" else value - target
    scale = max(1.0, abs(target)) * 1e-6
    return ("met" if slack >= -scale else "violated"), slack


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

        def per_10k_yuan(use_10k_m3: float, amount: object) -> float:
            a = amount  # an Amount
            factor = {"亿元": 1e4, "万元": 1.0}.get(a.unit)  # type: ignore[attr-defined]
            if factor is None:
                raise ValueError(a.unit)  # type: ignore[attr-defined]
            return use_10k_m3 * 1e4 / (a.value * factor)  # type: ignore[attr-defined]

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
                e: dict = next((d for _u, _v, d in G.edges(data=True) if d.get("layer_id") == ref), {})
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


@dataclass
class _Labels:
    """Names for the rows of a run's tables."""

    sol: Solution
    names: pd.DataFrame

    def county_zh(self, a: str) -> str:
        return str(self.names.loc[a, "name_zh"]) if a in self.names.index else a

    def county_en(self, a: str) -> str:
        return str(self.names.loc[a, "name_en"]) if a in self.names.index else a

    def demand(self, node: str) -> dict[str, object]:
        sc = self.sol.model.scenario
        d = self.sol.model.G.nodes[node]
        return {
            "scenario": sc.name,
            "period": sc.year,
            "county": d["county"],
            "county_zh": self.county_zh(d["county"]),
            "county_en": self.county_en(d["county"]),
            "sector": d["sector"],
            "sector_zh": sc.spec.sectors[d["sector"]].name_zh,
        }


def _allocation_table(sol: Solution, lab: _Labels) -> pd.DataFrame:
    """County × sector × source."""
    G = sol.model.G
    rows = []
    for (d, s), expr in sol.model.arrived.items():
        v = sol.value(expr)
        if v <= TOL:
            continue
        ns = G.nodes[s]
        rows.append(
            {
                **lab.demand(d),
                "source": s,
                "source_zh": ns["name_zh"],
                "source_en": ns["name_en"],
                "source_kind": ns["source_kind"],
                "volume_10k_m3": v,
            }
        )
    return pd.DataFrame(rows).sort_values(["county", "sector", "source"]).reset_index(drop=True)


def _balance_table(sol: Solution, lab: _Labels) -> pd.DataFrame:
    rows = []
    for n, d in sol.model.G.nodes(data=True):
        if d["kind"] != "demand":
            continue
        sup = sol.value(sol.model.delivery[n])
        dem = d["demand"]
        rows.append(
            {
                **lab.demand(n),
                "priority": d["priority"],
                "demand_10k_m3": dem,
                "supplied_10k_m3": sup,
                "shortage_10k_m3": sol.shortage[n],
                "coverage": sup / dem if dem > 0 else 1.0,
            }
        )
    return pd.DataFrame(rows).sort_values(["county", "priority", "sector"]).reset_index(drop=True)


def _flows_table(sol: Solution) -> pd.DataFrame:
    sc = sol.model.scenario
    totals: dict[tuple[str, str], float] = {}
    for (a, b, _s), val in sol.flows.items():
        totals[(a, b)] = totals.get((a, b), 0.0) + val
    rows = []
    for u, v, e in sol.model.G.edges(data=True):
        if e["kind"] == "sewer":
            continue
        f = totals.get((u, v), 0.0)
        cap = e["capacity"]
        rows.append(
            {
                "scenario": sc.name,
                "period": sc.year,
                "edge": e["id"],
                "layer_id": e["layer_id"],
                "kind": e["kind"],
                "from": u,
                "to": v,
                "flow_10k_m3": f,
                "loss_10k_m3": f * e["loss"],
                "capacity_10k_m3": cap,
                "utilisation": (f / cap) if cap else None,
            }
        )
    return pd.DataFrame(rows)


def _sources_table(sol: Solution) -> pd.DataFrame:
    m = sol.model
    rows = []
    for s, q in sol.release.items():
        d = m.G.nodes[s]
        rows.append(
            {
                "scenario": m.scenario.name,
                "period": m.scenario.year,
                "source": s,
                "name_zh": d["name_zh"],
                "name_en": d["name_en"],
                "kind": d["kind"],
                "source_kind": d["source_kind"],
                "county": d.get("county", ""),
                "available_10k_m3": d.get("available"),
                "released_10k_m3": q,
                "withdrawn_10k_m3": q - sol.value(m.to_outlet[s]),
                "wastewater_collected_10k_m3": sol.value(m.wastewater[s]) if s in m.wastewater else None,
                "treated_10k_m3": sol.treated.get(s),
                "treatment_capacity_10k_m3": d.get("capacity") if d["kind"] == "wwtp" else None,
            }
        )
    return pd.DataFrame(rows)


def _constraint_row(sol: Solution, c: Constraint) -> dict[str, object]:
    """A policy constraint's row of the indicator table: value, status and shadow price."""
    lhs, rhs = sol.model.policy_expr[c.id]
    lv = sol.value(lhs)
    relation = "<=" if c.type == "cap" else ">="
    dual, stage = _shadow(sol, c.id)
    if c.type == "ratio_floor":
        den = sol.value(rhs) if rhs is not None else 0.0
        value = lv / den if den > TOL else float("nan")
        status, slack_v = _status(lv - c.value * den, 0.0, ">=")
        shown_value, shown_target, unit = value * 100, c.value * 100, "%"
        slack_shown = (value - c.value) * 100 if den > TOL else float("nan")
        shadow = dual * den / 100.0  # shortage change per +1 percentage point of the floor
        shadow_unit = "万m³ shortage per +1 percentage point"
    else:
        status, slack_v = _status(lv, c.value, relation)
        shown_value, shown_target, unit, slack_shown = lv, c.value, "万m³", slack_v
        shadow = dual
        shadow_unit = "万m³ shortage per +1 万m³ of the target value"
    return {
        "id": c.id,
        "indicator_zh": c.name_zh,
        "indicator_en": c.name_en,
        "kind": c.type,
        "relation": relation,
        "target": shown_target,
        "value": shown_value,
        "unit": unit,
        "target_as_given": f"{relation} {c.value_as_given:g} {c.unit}",
        "status": status,
        "slack": slack_shown,
        "binding": abs(slack_v) <= max(1.0, abs(c.value)) * 1e-6,
        "shadow_price": shadow,
        "shadow_price_unit": shadow_unit if stage else "",
        "shadow_price_stage": stage,
        "clause": c.clause,
        "reason": "",
    }


def _target_row(sol: Solution, t: TargetSpec, computed: dict[str, tuple[float | None, str]]) -> dict[str, object]:
    """A target's row of the indicator table: not modelled, a rule, a lever or a computed indicator."""
    sc = sol.model.scenario
    base: dict[str, object] = {
        "id": t.id,
        "indicator_zh": t.name_zh,
        "indicator_en": t.name_en or t.id,
        "unit": t.unit,
        "target_as_given": t.target,
        "clause": t.clause,
        "binding": False,
        "shadow_price": None,
        "shadow_price_unit": "",
        "shadow_price_stage": "",
        "slack": None,
    }
    if t.status == "not_modelled":
        return {**base, "kind": "not modelled", "relation": "", "target": None, "value": None,
                "status": "not modelled", "reason": t.reason}  # fmt: skip
    if t.status == "rule":  # applied in the model; never "met" until it is checked from the results
        return {**base, "kind": "rule", "relation": "", "target": None, "value": None, "status": "not checked",
                "reason": f"applied in the model ({t.reason}); not yet checked from the results"}  # fmt: skip
    if t.lever is not None:
        raw = sc.spec.levers[t.lever].value
        shown: float | None = raw * 100 if t.unit == "%" else raw
        reason = f"scenario input (levers.{t.lever})"
    else:
        shown, reason = computed.get(str(t.indicator), (None, "no inputs for this indicator"))
    row = {**base, "kind": "indicator", "relation": t.relation, "target": t.value, "value": shown, "reason": reason}
    if shown is None:
        return {**row, "status": "not modelled"}
    status, slack = _status(shown, float(t.value or 0.0), t.relation or ">=")
    return {**row, "status": status, "slack": slack}


def _trades_table(sol: Solution, sp: pd.DataFrame, lab: _Labels) -> pd.DataFrame:
    sc = sol.model.scenario
    quota_value = _first_nonzero(sp, "quota")["dual"].to_dict() if len(sp) else {}
    return pd.DataFrame(
        [
            {
                "seller": a,
                "seller_zh": lab.county_zh(a),
                "buyer": b,
                "buyer_zh": lab.county_zh(b),
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


def tabulate(sol: Solution) -> Results:
    """Turn a :class:`~waterplan.solve.Solution` into the run's tables."""
    sc: Scenario = sol.model.scenario
    lab = _Labels(sol, _names())
    balance = _balance_table(sol, lab)
    flows, sources = _flows_table(sol), _sources_table(sol)
    computed = _computed_indicators(sol, balance)
    indicators = pd.DataFrame(
        [_constraint_row(sol, c) for c in sc.constraints] + [_target_row(sol, t, computed) for t in sc.spec.targets]
    )
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
        trades=_trades_table(sol, sp, lab),
        allocation=_allocation_table(sol, lab),
        balance=balance,
        flows=flows,
        sources=sources,
        indicators=indicators,
        duals=duals,
        stages=stages,
        shadow_prices=sp,
    )


def sector_label(sector: str, lang: str = "zh") -> str:
    zh, en = SECTOR_NAMES[sector]
    return zh if lang == "zh" else en
