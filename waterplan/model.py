"""The allocation LP, built with PuLP from the graph and the scenario.

Variables (all in 万m³ per period; one period is a year in an annual run)
-------------------------------------------------------------------------
``x[u, v, s]``
    flow of source ``s``'s water on edge ``(u, v)`` (source tracking keeps water-quality
    matching and the allocation table exact through junctions and plants);
``q[s]``
    water released by source ``s`` (≤ its availability; for a WWTP ≤ yield × treated);
``treated[w]``
    wastewater treated by WWTP ``w`` (≤ capacity and ≤ wastewater collected);
``shortage[d]``
    unmet demand at demand node ``d``;
``worst[p]``, ``excess[d]``
    the common shortage fraction of priority ``p`` and a demand's fraction above it (the equity
    rule, see :func:`_equity`);
``trades[a, b]``
    water-rights transfers from county ``a`` to county ``b`` (quota, 万m³).

Constraints
-----------
balance of every source's water at every node (inflow × (1 − loss) + release = outflow);
edge and plant capacities, minimum flows; delivery + shortage = demand at every demand
node; wastewater collected at a WWTP = Σ share × return coefficient × delivery; county quotas
of tradable use; shortage ≤ demand × worst fraction of its priority; and the scenario's policy
constraints (caps, floors, ratio floors), each a named row so that its dual is the shadow price.

Every row and column is **typed** when it is created (:class:`RowInfo`, :class:`ColInfo`): its
kind, what it is about, and how it scales in time. The monthly engine reads the model through
these records alone; nothing downstream parses names.

Time scaling (``RowInfo.time`` / ``ColInfo.time``) says what a row's bound or a column's bound
becomes in a period shorter than the year:

``"rate"``
    a yearly rate spread over the year (capacities, minimum flows, WWTP capacity): × the
    period's share of the year;
``"demand"``
    a demand: × the demand pattern's share of its sector for that month;
``"year"``
    summed over the periods of one year and held against the yearly value (policy targets,
    trading quotas, yearly availability of groundwater and mine water);
``"inflow"``
    a surface source's yield: the period's inflow from the hydrological series;
``"none"``
    a balance or definition with a zero right-hand side (unchanged).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pulp

from .palette import SURFACE_KINDS
from .reach import commodity_reach, sources_matching
from .scenario import Constraint, Scenario, Selection

__all__ = ["AllocationModel", "ColInfo", "RowInfo", "binding", "build_model"]

#: row kinds whose dual is reported as the value of a physical limit (and ``binding`` lists)
CAPACITY_ROWS = {"plant": "plant", "edge": "edge", "quota": "quota"}


@dataclass(frozen=True)
class RowInfo:
    """What a row of the LP is: ``kind``, what it is ``about`` and how it scales in ``time``.

    Kinds: ``balance`` (a source's water at a node), ``plant`` (a node's capacity), ``edge`` (an
    edge's capacity), ``min_flow``, ``demand``, ``wastewater`` (treated ≤ collected), ``yield``
    (reclaimed ≤ yield × treated), ``quota`` (tradable use of a county), ``equity`` (a demand's
    shortage fraction ≤ its priority's worst fraction), ``policy`` (a scenario constraint; about
    its id).
    """

    kind: str
    about: Any
    time: str


@dataclass(frozen=True)
class ColInfo:
    """What a column of the LP is: ``kind``, what it is ``about`` and how its bound scales in ``time``.

    Kinds: ``flow`` (about ``(u, v, source)``), ``release`` (a source), ``treated`` (a WWTP),
    ``shortage`` (a demand node), ``worst`` (a priority), ``excess`` (a demand, equity rule),
    ``trade`` (``(seller, buyer)``), ``gap`` (an expected target's shortfall, about its id),
    ``slack`` (a constraint id, elastic models only).
    """

    kind: str
    about: Any
    time: str


@dataclass
class AllocationModel:
    """A PuLP problem with handles to its variables, expressions and typed rows and columns."""

    G: nx.DiGraph
    scenario: Scenario
    prob: pulp.LpProblem
    x: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    q: dict[str, pulp.LpVariable] = field(default_factory=dict)
    treated: dict[str, pulp.LpVariable] = field(default_factory=dict)
    shortage: dict[str, pulp.LpVariable] = field(default_factory=dict)
    arrived: dict[tuple[str, str], pulp.LpAffineExpression] = field(default_factory=dict)
    delivery: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    wastewater: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    to_outlet: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    policy: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    policy_expr: dict[str, tuple[pulp.LpAffineExpression, pulp.LpAffineExpression | None]] = field(default_factory=dict)
    slack: dict[str, pulp.LpVariable] = field(default_factory=dict)
    #: water-rights transfers (seller county, buyer county) → variable (万m³ of quota)
    trades: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    #: priority → the common shortage fraction of its demands (equity rule)
    worst: dict[int, pulp.LpVariable] = field(default_factory=dict)
    #: demand → its shortage fraction above the common one (equity rule)
    excess: dict[str, pulp.LpVariable] = field(default_factory=dict)
    #: (demand node, source) → conveyance efficiency of the best route from the source to the
    #: demand (Π (1 − loss) over its edges): use at the source = arrived ÷ efficiency
    efficiency: dict[tuple[str, str], float] = field(default_factory=dict)
    #: an expected (预期性) target's shortfall column (constraint id → variable)
    gap: dict[str, pulp.LpVariable] = field(default_factory=dict)
    #: demand nodes left out of the equity rule: no source they accept can reach them
    unservable: set[str] = field(default_factory=set)
    #: (demand, source) pairs joined by a route on which no edge has zero capacity
    open_routes: set[tuple[str, str]] = field(default_factory=set)
    #: row name → what it is
    rows: dict[str, RowInfo] = field(default_factory=dict)
    #: column name → what it is
    cols: dict[str, ColInfo] = field(default_factory=dict)

    @property
    def row_meaning(self) -> dict[str, tuple[str, str]]:
        """Row name → (kind, what it is about) for plant, edge, quota and demand rows (dual reporting)."""
        return {
            name: (info.kind, info.about)
            for name, info in self.rows.items()
            if info.kind in CAPACITY_ROWS or info.kind == "demand"
        }

    def add_col(self, kind: str, about: Any, time: str, lb: float | None = 0.0, ub: float | None = None) -> Any:
        """Add a typed column."""
        name = f"{kind}_{len(self.cols)}"
        var = self.prob.add_variable(name, lowBound=lb, upBound=ub)
        self.cols[name] = ColInfo(kind, about, time)
        return var

    def add_row(self, con: pulp.LpConstraint, kind: str, about: Any, time: str) -> str:
        """Add a typed row; returns its name."""
        name = f"{kind}_{len(self.rows)}"
        self.prob += con, name
        self.rows[name] = RowInfo(kind, about, time)
        return name

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
        return self._use(sel)

    def use_factor(self, sel: Selection, d: str, s: str) -> float:
        """What one 万m³ arriving at demand ``d`` from source ``s`` counts for in ``sel``'s measure."""
        if sel.measure == "intake":
            return 1.0
        gross = 1.0 / self.efficiency[(d, s)]
        if sel.measure == "use":
            return gross
        coef = self.scenario.spec.sectors[self.G.nodes[d]["sector"]].consumptive_coef
        return coef + (gross - 1.0 if sel.conveyance_losses else 0.0)

    def _use(self, sel: Selection) -> pulp.LpAffineExpression:
        G = self.G
        any_source = sel.source_ids is None and sel.source_kinds is None and sel.source_tags is None
        sources = (
            None
            if any_source
            else set(sources_matching(G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags))
        )
        demands = set(self.demand_nodes(sel))
        return pulp.lpSum(
            self.use_factor(sel, d, s) * expr
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
    for name, info in m.rows.items():
        if info.kind in CAPACITY_ROWS:
            row = m.prob.get_constraint_by_name(name)
            ref = info.about
            label = f"{ref} {m.G.nodes[ref]['name_zh']}" if ref in m.G else ref
            add(f"{CAPACITY_ROWS[info.kind]} capacity", ref, label, row.pi if row is not None else None)
    found.sort(key=lambda f: (not f["policy"], -abs(float(f["dual"]))))  # type: ignore[arg-type]
    return found


def release_time(d: dict[str, Any]) -> str:
    """How a source's release bound scales in time (see the module docs)."""
    if d["kind"] == "wwtp":
        return "rate"
    if d["kind"] == "reservoir" and d.get("storage"):
        return "storage"
    if d["source_kind"] in SURFACE_KINDS:
        return "inflow"
    return "year"


def _columns(m: AllocationModel, reach: dict[tuple[str, str], set[str]]) -> list[str]:
    G = m.G
    for (u, v), srcs in reach.items():
        for s in sorted(srcs):
            m.x[(u, v, s)] = m.add_col("flow", (u, v, s), "none")
    sources = [n for n, d in G.nodes(data=True) if "source_kind" in d]
    for s in sources:
        d = G.nodes[s]
        if d["kind"] == "wwtp":
            m.q[s] = m.add_col("release", s, "rate", ub=d.get("reclaimed_capacity"))
            m.treated[s] = m.add_col("treated", s, "rate", ub=d["capacity"])
        else:
            m.q[s] = m.add_col("release", s, release_time(d), ub=d["available"])
    for n, d in G.nodes(data=True):
        if d["kind"] == "demand":
            m.shortage[n] = m.add_col("shortage", n, "none")
    return sources


def _network_rows(m: AllocationModel, sources: list[str]) -> dict[tuple[str, str], list[Any]]:
    """Per-source balance at every node, plant and edge capacities, minimum flows."""
    G = m.G
    inflow: dict[tuple[str, str], list[Any]] = defaultdict(list)
    outflow: dict[tuple[str, str], list[Any]] = defaultdict(list)
    edge_total: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for (u, v, s), var in m.x.items():
        inflow[(v, s)].append((1.0 - G.edges[u, v]["loss"]) * var)
        outflow[(u, s)].append(var)
        edge_total[(u, v)].append(var)
    # the sources whose water is at each node (a source always at itself), in the sources' order
    order = {s: i for i, s in enumerate(sources)}
    at_node: dict[str, set[str]] = defaultdict(set)
    for n, s in (*inflow, *outflow, *((s, s) for s in sources)):
        if s in order:
            at_node[n].add(s)
    for n, d in G.nodes(data=True):
        if d["kind"] in ("demand", "outlet"):
            continue
        here = sorted(at_node.get(n, ()), key=order.__getitem__)
        for s in here:
            ins, outs = inflow.get((n, s), []), outflow.get((n, s), [])
            release = m.q[s] if s == n else 0
            m.add_row(pulp.lpSum(ins) + release == pulp.lpSum(outs), "balance", (n, s), "none")
        cap = d.get("capacity") if d["kind"] != "wwtp" else None
        if cap is not None:
            out = pulp.lpSum(v for s in here for v in outflow.get((n, s), []))
            m.add_row(out <= cap, "plant", n, "rate")
    for (u, v), vars_ in edge_total.items():
        e = G.edges[u, v]
        if e["capacity"] is not None:
            m.add_row(pulp.lpSum(vars_) <= e["capacity"], "edge", e["layer_id"], "rate")
    for u, v, e in G.edges(data=True):
        if e.get("min_flow"):
            m.add_row(pulp.lpSum(edge_total.get((u, v), [])) >= e["min_flow"], "min_flow", e["layer_id"], "rate")
    return inflow


def _efficiency(m: AllocationModel, reach: dict[tuple[str, str], set[str]]) -> None:
    """Conveyance efficiency of the best route from every source to every demand it reaches."""
    G = m.G
    by_source: dict[str, nx.DiGraph] = defaultdict(nx.DiGraph)
    for (u, v), srcs in reach.items():
        loss = G.edges[u, v]["loss"]
        if loss >= 1.0:
            continue
        for s in srcs:
            by_source[s].add_edge(u, v, w=-math.log1p(-loss))
    for s, H in by_source.items():
        if s not in H:
            continue
        dist = nx.single_source_dijkstra_path_length(H, s, weight="w")
        for d, w in dist.items():
            if G.nodes[d]["kind"] == "demand":
                m.efficiency[(d, s)] = math.exp(-w)
        closed = [(u, v) for u, v in H.edges if G.edges[u, v]["capacity"] == 0]
        H.remove_edges_from(closed)
        m.open_routes.update((d, s) for d in nx.descendants(H, s) if G.nodes[d]["kind"] == "demand")


def _demand_rows(m: AllocationModel, sources: list[str], inflow: dict[tuple[str, str], list[Any]]) -> None:
    G = m.G
    for dnode, short in m.shortage.items():
        per_source = {s: pulp.lpSum(inflow[(dnode, s)]) for s in sources if (dnode, s) in inflow}
        for s, expr in per_source.items():
            m.arrived[(dnode, s)] = expr
        m.delivery[dnode] = pulp.lpSum(per_source.values())
        m.add_row(m.delivery[dnode] + short == G.nodes[dnode]["demand"], "demand", dnode, "demand")


def _wastewater_rows(m: AllocationModel) -> None:
    G = m.G
    m.wastewater = {w: pulp.LpAffineExpression() for w in m.treated}
    sectors = m.scenario.spec.sectors
    for u, v, e in G.edges(data=True):
        if e["kind"] == "sewer":
            r = sectors[G.nodes[u]["sector"]].return_coef * e["share"]
            m.wastewater[v] = m.wastewater[v] + r * m.delivery[u]
    for w, t in m.treated.items():
        m.add_row(t <= m.wastewater[w], "wastewater", w, "none")
        m.add_row(m.q[w] <= G.nodes[w]["yield"] * t, "yield", w, "none")
    m.to_outlet = {s: pulp.LpAffineExpression() for s in m.q}
    for (u, v, s), var in m.x.items():
        if G.nodes[v]["kind"] == "outlet":
            m.to_outlet[s] = m.to_outlet[s] + (1.0 - G.edges[u, v]["loss"]) * var


def _trading(m: AllocationModel) -> None:
    """County quotas of tradable use, with transfers between counties (水权交易).

    use of the tradable sectors in county c ≤ quota_c + bought − sold, over a year; with trading
    disabled no transfer variable exists and the quotas bind as they are.
    """
    spec = m.scenario.spec.trading
    if spec is None:
        return
    quotas = m.scenario.quotas
    sectors = m.scenario.spec.sectors
    # a sector that is a share of a tradable one (basic ecology of ecology) is tradable with it
    tradable = set(spec.sectors) | {n for n, s in sectors.items() if s.share_of and s.share_of.sector in spec.sectors}
    counties = sorted(quotas)
    if spec.enabled:
        for a, b in itertools.permutations(counties, 2):
            m.trades[(a, b)] = m.add_col("trade", (a, b), "none")
    for c in counties:
        use = pulp.lpSum(
            expr
            for (d, _s), expr in m.arrived.items()
            if m.G.nodes[d]["county"] == c and m.G.nodes[d]["sector"] in tradable
        )
        bought = pulp.lpSum(v for (a, b), v in m.trades.items() if b == c)
        sold = pulp.lpSum(v for (a, b), v in m.trades.items() if a == c)
        m.add_row(use - bought + sold <= quotas[c], "quota", c, "year")


def _equity(m: AllocationModel) -> None:
    """The equity rule: within a priority, shortage shared in proportion among the demands that
    can be served.

    For every demand ``d`` of priority ``p`` that some source can reach (:attr:`unservable` are left
    out): ``shortage_d ≤ demand_d × (worst_p + excess_d)``. The equity tier minimises
    ``worst_p + Σ demand_d × excess_d / (½ Σ demand)``: at its optimum, the mean shortage fraction
    over the worst half of the priority's demand volume (a conditional value at risk written as
    an LP, after Rockafellar and Uryasev). Moving shortage onto any demand whose fraction is above
    the others' raises it, so the fractions are levelled — equal coverage where the network
    allows — and a demand that cannot reach the common level (the network or a higher priority
    leaves it no water) does not hold the others back, as long as it is less than half the volume.

    The demand coefficients scale with the period's demand (``time = "demand"`` on the row).
    """
    if not m.scenario.spec.equity:
        return
    G = m.G
    by_priority: dict[int, list[str]] = defaultdict(list)
    for d in m.shortage:
        if G.nodes[d]["demand"] > 0 and d not in m.unservable:
            by_priority[G.nodes[d]["priority"]].append(d)
    for p, demands in sorted(by_priority.items()):
        m.worst[p] = m.add_col("worst", p, "none")
        for d in demands:
            m.excess[d] = m.add_col("excess", d, "none")
            dem = G.nodes[d]["demand"]
            m.add_row(m.shortage[d] - dem * m.worst[p] - dem * m.excess[d] <= 0, "equity", d, "demand")


def _unservable(m: AllocationModel) -> set[str]:
    """Demands no water can reach: no accepted source with water, or no route with capacity."""
    G = m.G
    with_water = {s for s in {s for _d, s in m.open_routes} if _has_water(G, s)}
    served = {d for d, s in m.open_routes if s in with_water}
    return set(m.shortage) - served


def _has_water(G: nx.DiGraph, s: str) -> bool:
    d = G.nodes[s]
    if d["kind"] == "wwtp":
        return (d.get("capacity") or 0) > 0 and (d.get("reclaimed_capacity") is None or d["reclaimed_capacity"] > 0)
    return (d.get("available") or 0) > 0 or bool(d.get("storage"))


def _policy(m: AllocationModel, c: Constraint, elastic: bool) -> None:
    lhs = m.measure(c.lhs)
    rhs = m.measure(c.rhs) if c.rhs is not None else None
    m.policy_expr[c.id] = (lhs, rhs)
    if not c.in_lp:
        return
    slack: Any = 0
    if elastic:
        slack = m.slack[c.id] = m.add_col("slack", c.id, "none")
    if c.attribute == "expected" or c.goal_after is not None:
        # 预期性, or a goal ranked after a priority: its shortfall is a column, minimised in its tier
        m.gap[c.id] = m.add_col("gap", c.id, "none")
        slack = slack + m.gap[c.id]
    if c.type == "cap":
        row = lhs - slack <= c.value
    elif c.type in ("floor", "level"):
        row = lhs + slack >= c.value
    else:
        row = lhs - c.value * rhs + slack >= 0  # type: ignore[operator]
    name = m.add_row(row, "policy", c.id, "year")
    m.policy[c.id] = m.prob.get_constraint_by_name(name)


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
    accepts = {name: set(s.accepts) for name, s in scenario.spec.sectors.items()}
    reach = commodity_reach(G, accepts)
    # the LP's name in ASCII letters, digits and _ (a scenario's name may hold spaces, Chinese, '/')
    prob = pulp.LpProblem(re.sub(r"[^A-Za-z0-9_]", "_", f"waterplan_{scenario.name}"), pulp.LpMinimize)
    m = AllocationModel(G=G, scenario=scenario, prob=prob)
    sources = _columns(m, reach)
    _efficiency(m, reach)
    m.unservable = _unservable(m)
    inflow = _network_rows(m, sources)
    _demand_rows(m, sources, inflow)
    _wastewater_rows(m)
    _trading(m)
    _equity(m)
    for c in scenario.constraints:
        _policy(m, c, elastic)
    return m
