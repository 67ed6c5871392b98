"""The allocation LP, built with PuLP from the graph and the scenario.

Variables (all in 万m³/yr)
--------------------------
``x[u, v, s]``
    flow of source ``s``'s water on edge ``(u, v)`` (source tracking keeps water-quality
    matching and the allocation table exact through junctions and plants);
``q[s]``
    water released by source ``s`` (≤ its availability; for a WWTP ≤ yield × treated);
``treated[w]``
    wastewater treated by WWTP ``w`` (≤ capacity and ≤ wastewater collected);
``shortage[d]``
    unmet demand at demand node ``d``.

Constraints
-----------
balance of every source's water at every node (inflow × (1 − loss) + release = outflow);
edge and plant capacities, minimum flows; delivery + shortage = demand at every demand
node; wastewater collected at a WWTP = Σ share × return coefficient × delivery; and the
scenario's policy constraints (caps, floors, ratio floors), each a named row so that its
dual is the shadow price.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pulp

from .network import commodity_reach, sources_matching
from .scenario import Constraint, Scenario, Selection

__all__ = ["AllocationModel", "binding", "build_model"]


@dataclass
class AllocationModel:
    """A PuLP problem with handles to its variables, expressions and policy rows."""

    G: nx.DiGraph
    scenario: Scenario
    prob: pulp.LpProblem
    x: dict[tuple[str, str, str], pulp.LpVariable]
    q: dict[str, pulp.LpVariable]
    treated: dict[str, pulp.LpVariable]
    shortage: dict[str, pulp.LpVariable]
    arrived: dict[tuple[str, str], pulp.LpAffineExpression]
    delivery: dict[str, pulp.LpAffineExpression]
    wastewater: dict[str, pulp.LpAffineExpression]
    to_outlet: dict[str, pulp.LpAffineExpression]
    policy: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    policy_expr: dict[str, tuple[pulp.LpAffineExpression, pulp.LpAffineExpression | None]] = field(default_factory=dict)
    slack: dict[str, pulp.LpVariable] = field(default_factory=dict)
    #: row name → (kind, what it is about): ("plant", node), ("edge", layer id), ("demand", node),
    #: ("quota", county)
    row_meaning: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: water-rights transfers (seller county, buyer county) → variable (万m³/yr of quota)
    trades: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)

    def source_nodes(self, sel: Selection) -> list[str]:
        nodes = sources_matching(self.G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags)
        if sel.counties is not None:
            nodes = [n for n in nodes if self.G.nodes[n].get("county") in sel.counties]
        return nodes

    def demand_nodes(self, sel: Selection) -> list[str]:
        return [
            n
            for n, d in self.G.nodes(data=True)
            if d["kind"] == "demand"
            and (sel.counties is None or d["county"] in sel.counties)
            and (sel.sectors is None or d["sector"] in sel.sectors)
        ]

    def measure(self, sel: Selection) -> pulp.LpAffineExpression:
        """The linear expression a selection measures (see the scenario docs)."""
        G = self.G
        if sel.measure == "withdrawal":
            return pulp.lpSum(self.q[s] - self.to_outlet[s] for s in self.source_nodes(sel))
        if sel.measure == "available":
            return pulp.lpSum(G.nodes[s].get("available", 0.0) for s in self.source_nodes(sel))
        if sel.measure == "wastewater":
            wwtps = [
                n
                for n in self.wastewater
                if (sel.counties is None or G.nodes[n].get("county") in sel.counties)
                and (sel.source_ids is None or n in sel.source_ids)
                and (sel.source_tags is None or G.nodes[n].get("tags", set()) & sel.source_tags)
            ]
            return pulp.lpSum(self.wastewater[w] for w in wwtps)
        if sel.measure == "flow":
            assert sel.edges is not None
            return pulp.lpSum(var for (u, v, _s), var in self.x.items() if G.edges[u, v]["layer_id"] in sel.edges)
        any_source = sel.source_ids is None and sel.source_kinds is None and sel.source_tags is None
        sources = (
            None
            if any_source
            else set(sources_matching(G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags))
        )
        demands = set(self.demand_nodes(sel))
        coef = {n: 1.0 for n in demands}
        if sel.measure == "consumption":
            sectors = self.scenario.spec.sectors
            coef = {n: sectors[G.nodes[n]["sector"]].consumptive_coef for n in demands}
        return pulp.lpSum(
            coef[d] * expr
            for (d, s), expr in self.arrived.items()
            if d in demands and (sources is None or s in sources)
        )


def binding(m: AllocationModel) -> list[dict[str, object]]:
    """Every constraint with a nonzero dual in the last solve of ``m``, policy targets first.

    Each item: ``kind`` (policy target, source availability, edge/plant/quota capacity, WWTP
    capacity), ``id``, ``name`` (in the plan's words where it is a target), ``dual``, ``policy``.
    """
    cons = {c.id: c for c in m.scenario.constraints}
    found: list[dict[str, object]] = []

    def add(kind: str, ref: str, name: str, dual: float | None, policy: bool = False) -> None:
        if dual is not None and abs(dual) > 1e-9:
            found.append({"kind": kind, "id": ref, "name": name, "dual": float(dual), "policy": policy})

    for cid, row in m.policy.items():
        add("policy target", cid, f"{cid} {cons[cid].name_zh} ({cons[cid].clause})", row.pi, policy=True)
    for s, var in m.q.items():
        add("source availability", s, f"{s} {m.G.nodes[s]['name_zh']}", var.dj)
    for w, t in m.treated.items():
        add("WWTP capacity", w, f"{w} {m.G.nodes[w]['name_zh']}", t.dj)
    for name, (kind, ref) in m.row_meaning.items():
        if kind != "demand":
            row = m.prob.get_constraint_by_name(name)
            label = f"{ref} {m.G.nodes[ref]['name_zh']}" if ref in m.G else ref
            add(f"{kind} capacity", ref, label, row.pi if row is not None else None)
    found.sort(key=lambda f: (not f["policy"], -abs(float(f["dual"]))))  # type: ignore[arg-type]
    return found


def _rows_for(c: Constraint, m: AllocationModel) -> tuple[pulp.LpAffineExpression, pulp.LpAffineExpression | None]:
    lhs = m.measure(c.lhs)
    rhs = m.measure(c.rhs) if c.rhs is not None else None
    return lhs, rhs


def _trading(m: AllocationModel) -> None:
    """County quotas of tradable use, with transfers between counties (水权交易).

    use of the tradable sectors in county c ≤ quota_c + bought − sold; with trading disabled no
    transfer variable exists and the quotas bind as they are.
    """
    spec = m.scenario.spec.trading
    if spec is None:
        return
    quotas = m.scenario.quotas
    tradable = set(spec.sectors)
    counties = sorted(quotas)
    if spec.enabled:
        for a in counties:
            for b in counties:
                if a != b:
                    m.trades[(a, b)] = m.prob.add_variable(f"trade_{len(m.trades)}", lowBound=0)
    for c in counties:
        use = pulp.lpSum(
            expr
            for (d, _s), expr in m.arrived.items()
            if m.G.nodes[d]["county"] == c and m.G.nodes[d]["sector"] in tradable
        )
        bought = pulp.lpSum(v for (a, b), v in m.trades.items() if b == c)
        sold = pulp.lpSum(v for (a, b), v in m.trades.items() if a == c)
        name = f"quota_{c}"
        m.prob += use - bought + sold <= quotas[c], name
        m.row_meaning[name] = ("quota", c)


def build_model(G: nx.DiGraph, scenario: Scenario, *, elastic: bool = False) -> AllocationModel:
    """Build the LP for a checked graph.

    Parameters
    ----------
    G
        The graph from :func:`waterplan.build_graph`.
    scenario
        Its scenario.
    elastic
        Add a non-negative slack to every policy constraint (for explaining infeasibility).
    """
    spec = scenario.spec
    accepts = {name: set(s.accepts) for name, s in spec.sectors.items()}
    reach = commodity_reach(G, accepts)
    prob = pulp.LpProblem(f"waterplan_{scenario.name}".replace("-", "_"), pulp.LpMinimize)
    x: dict[tuple[str, str, str], pulp.LpVariable] = {}
    for (u, v), srcs in reach.items():
        for s in sorted(srcs):
            x[(u, v, s)] = prob.add_variable(f"x_{len(x)}", lowBound=0)
    sources = [n for n, d in G.nodes(data=True) if "source_kind" in d]
    q: dict[str, pulp.LpVariable] = {}
    treated: dict[str, pulp.LpVariable] = {}
    for s in sources:
        d = G.nodes[s]
        if d["kind"] == "wwtp":
            q[s] = prob.add_variable(f"q_{len(q)}", lowBound=0, upBound=d.get("reclaimed_capacity"))
            treated[s] = prob.add_variable(f"t_{len(treated)}", lowBound=0, upBound=d["capacity"])
        else:
            q[s] = prob.add_variable(f"q_{len(q)}", lowBound=0, upBound=d["available"])
    demands = [n for n, d in G.nodes(data=True) if d["kind"] == "demand"]
    shortage = {d: prob.add_variable(f"short_{i}", lowBound=0) for i, d in enumerate(demands)}

    counter = itertools.count()
    meaning: dict[str, tuple[str, str]] = {}
    inflow: dict[tuple[str, str], list] = defaultdict(list)
    outflow: dict[tuple[str, str], list] = defaultdict(list)
    edge_total: dict[tuple[str, str], list] = defaultdict(list)
    for (u, v, s), var in x.items():
        loss = G.edges[u, v]["loss"]
        inflow[(v, s)].append((1.0 - loss) * var)
        outflow[(u, s)].append(var)
        edge_total[(u, v)].append(var)

    # balance of each source's water at every node that is not a demand or an outlet
    for n, d in G.nodes(data=True):
        if d["kind"] in ("demand", "outlet"):
            continue
        for s in sources:
            ins = inflow.get((n, s), [])
            outs = outflow.get((n, s), [])
            release = q[s] if s == n else 0
            if not ins and not outs and s != n:
                continue
            prob += pulp.lpSum(ins) + release == pulp.lpSum(outs), f"bal_{next(counter)}"
        cap = d.get("capacity") if d["kind"] != "wwtp" else None
        if cap is not None:
            name = f"nodecap_{next(counter)}"
            prob += pulp.lpSum(v for s in sources for v in outflow.get((n, s), [])) <= cap, name
            meaning[name] = ("plant", n)
    for (u, v), vars_ in edge_total.items():
        e = G.edges[u, v]
        if e["capacity"] is not None:
            name = f"cap_{next(counter)}"
            prob += pulp.lpSum(vars_) <= e["capacity"], name
            meaning[name] = ("edge", e["layer_id"])
        if e["min_flow"]:
            prob += pulp.lpSum(vars_) >= e["min_flow"], f"minflow_{next(counter)}"
    for (u, v), _srcs in reach.items():
        e = G.edges[u, v]
        if e["min_flow"] and (u, v) not in edge_total:
            prob += pulp.LpAffineExpression() >= e["min_flow"], f"minflow_{next(counter)}"

    arrived: dict[tuple[str, str], pulp.LpAffineExpression] = {}
    delivery = {}
    for dnode in demands:
        per_source = {s: pulp.lpSum(inflow[(dnode, s)]) for s in sources if (dnode, s) in inflow}
        for s, expr in per_source.items():
            arrived[(dnode, s)] = expr
        delivery[dnode] = pulp.lpSum(per_source.values())
        name = f"dem_{next(counter)}"
        prob += delivery[dnode] + shortage[dnode] == G.nodes[dnode]["demand"], name
        meaning[name] = ("demand", dnode)

    wastewater: dict[str, pulp.LpAffineExpression] = {w: pulp.LpAffineExpression() for w in treated}
    sectors = spec.sectors
    for u, v, e in G.edges(data=True):
        if e["kind"] == "sewer":
            r = sectors[G.nodes[u]["sector"]].return_coef * e["share"]
            wastewater[v] = wastewater[v] + r * delivery[u]
    for w, t in treated.items():
        prob += t <= wastewater[w], f"ww_{next(counter)}"
        prob += q[w] <= G.nodes[w]["yield"] * t, f"yield_{next(counter)}"

    to_outlet = {s: pulp.LpAffineExpression() for s in sources}
    for (u, v, s), var in x.items():
        if G.nodes[v]["kind"] == "outlet":
            to_outlet[s] = to_outlet[s] + (1.0 - G.edges[u, v]["loss"]) * var

    m = AllocationModel(
        G=G,
        scenario=scenario,
        prob=prob,
        x=x,
        q=q,
        treated=treated,
        shortage=shortage,
        arrived=arrived,
        delivery=delivery,
        wastewater=wastewater,
        to_outlet=to_outlet,
        row_meaning=meaning,
    )
    _trading(m)
    for c in scenario.constraints:
        lhs, rhs = _rows_for(c, m)
        m.policy_expr[c.id] = (lhs, rhs)
        slack: Any = prob.add_variable(f"slack_{len(m.slack)}", lowBound=0) if elastic else 0
        if elastic:
            m.slack[c.id] = slack
        name = f"policy_{len(m.policy)}"
        if c.type == "cap":
            row = lhs - slack <= c.value
        elif c.type == "floor":
            row = lhs + slack >= c.value
        else:
            row = lhs - c.value * rhs + slack >= 0  # type: ignore[operator]
        prob += row, name
        m.policy[c.id] = prob.get_constraint_by_name(name)
    return m
