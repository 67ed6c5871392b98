"""Recomputing a run's measures and statuses independently of the model.

Two levels:

* from a :class:`~waterplan.solve.Solution`'s values (flows per edge and source, releases,
  treated volumes) and the graph — :func:`measure` — for the property tests;
* from the **written output tables** (allocation.csv, balance.csv, flows.csv, sources.csv) and the
  inputs (the graph built from the layers, the scenario's definitions) — :func:`statuses` — for
  every status of every report.

Nothing of the model's own expressions is used. The definitions are the plan's (docs/data.md,
"How a target is measured"):

* withdrawal — released at the source less what reaches an outlet;
* use (用水量) — what arrives at a user, counted gross at the source: ÷ the conveyance efficiency of
  the best route from the source (Π (1 − loss) over its edges, found here by its own search);
* intake — what arrives at the county intake;
* consumption (耗水) — intake × the sector's consumptive coefficient, plus the conveyance losses
  (use − intake) unless the constraint leaves them out;
* wastewater — Σ over sewers: share × the sector's return coefficient × the demand's delivery;
* flow — carried on the named layer edges; available — the sources' availability.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pandas as pd


def arrived(sol) -> dict[tuple[str, str], float]:
    """(demand node, source) → water arrived, from the flows."""
    G = sol.model.G
    out: dict[tuple[str, str], float] = defaultdict(float)
    for (u, v, s), f in sol.flows.items():
        if G.nodes[v]["kind"] == "demand":
            out[(v, s)] += f * (1.0 - G.edges[u, v]["loss"])
    return out


def delivery(sol) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (d, _s), v in arrived(sol).items():
        out[d] += v
    return out


def to_outlet(sol) -> dict[str, float]:
    G = sol.model.G
    out: dict[str, float] = defaultdict(float)
    for (u, v, s), f in sol.flows.items():
        if G.nodes[v]["kind"] == "outlet":
            out[s] += f * (1.0 - G.edges[u, v]["loss"])
    return out


def wastewater(sol, scenario) -> dict[str, float]:
    return _wastewater(sol.model.G, scenario, delivery(sol))


def _wastewater(G, scenario, dl: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for u, v, e in G.edges(data=True):
        if e["kind"] == "sewer":
            out[v] += e["share"] * scenario.spec.sectors[G.nodes[u]["sector"]].return_coef * dl.get(u, 0.0)
    return out


def efficiency(G: nx.DiGraph, source: str, demand: str) -> float:
    """The largest Π (1 − loss) over routes from ``source`` to ``demand`` (sewers left out)."""
    best = {source: 1.0}
    heap = [(-1.0, source)]
    while heap:
        neg, u = heapq.heappop(heap)
        if u == demand:
            return -neg
        if -neg < best.get(u, 0.0):
            continue
        for v in G.successors(u):
            e = G.edges[u, v]
            if e["kind"] == "sewer" or (G.nodes[v]["kind"] == "demand" and v != demand):
                continue
            eff = -neg * (1.0 - e["loss"])
            if eff > best.get(v, 0.0):
                best[v] = eff
                heapq.heappush(heap, (-eff, v))
    return math.nan


def _sources(G, sel) -> set[str]:
    found = set()
    for n, d in G.nodes(data=True):
        if "source_kind" not in d:
            continue
        none = sel.source_ids is None and sel.source_kinds is None and sel.source_tags is None
        if (
            none
            or (sel.source_ids and n in sel.source_ids)
            or (sel.source_kinds and d["source_kind"] in sel.source_kinds)
            or (sel.source_tags and d.get("tags", set()) & sel.source_tags)
        ):
            found.add(n)
    return found


def _factor(G, scenario, sel, d: str, s: str) -> float:
    if sel.measure == "intake":
        return 1.0
    gross = 1.0 / efficiency(G, s, d)
    if sel.measure == "use":
        return gross
    coef = scenario.spec.sectors[G.nodes[d]["sector"]].consumptive_coef
    return coef + (gross - 1.0 if sel.conveyance_losses else 0.0)


def _by_demand(G, scenario, sel, pairs: dict[tuple[str, str], float]) -> float:
    srcs = _sources(G, sel)
    total = 0.0
    for (d, s), v in pairs.items():
        nd = G.nodes[d]
        if sel.counties is not None and nd["county"] not in sel.counties:
            continue
        if sel.sectors is not None and nd["sector"] not in sel.sectors:
            continue
        if s in srcs:
            total += _factor(G, scenario, sel, d, s) * v
    return total


def measure(sol, scenario, sel) -> float:
    """The value of a constraint side (a resolved Selection) at the solution."""
    G = sol.model.G
    srcs = _sources(G, sel)
    in_counties = {n for n in srcs if sel.counties is None or G.nodes[n].get("county") in sel.counties}
    if sel.measure == "withdrawal":
        out = to_outlet(sol)
        return sum(sol.release[s] - out.get(s, 0.0) for s in in_counties)
    if sel.measure == "available":
        return sum(G.nodes[s].get("available", 0.0) for s in in_counties)
    if sel.measure == "wastewater":
        ww = wastewater(sol, scenario)
        return sum(v for w, v in ww.items() if w in in_counties or (sel.source_kinds is None and _wwtp_ok(G, w, sel)))
    if sel.measure == "flow":
        return sum(f for (u, v, _s), f in sol.flows.items() if G.edges[u, v]["layer_id"] in sel.edges)
    return _by_demand(G, scenario, sel, arrived(sol))


def _wwtp_ok(G, w, sel) -> bool:
    d = G.nodes[w]
    return (
        (sel.counties is None or d.get("county") in sel.counties)
        and (sel.source_ids is None or w in sel.source_ids)
        and (sel.source_tags is None or bool(d.get("tags", set()) & sel.source_tags))
    )


# ---------------------------------------------------------------------------------------------
# statuses from the written tables


def read_tables(folder: Path, year: str | None = None) -> dict[str, pd.DataFrame]:
    """allocation, balance, flows and sources as written; for ``year``, the months of that year of a
    monthly run summed (its tables have the annual ones' columns, one row per month)."""
    out = {}
    keys = {"allocation": ["county", "sector", "source"], "balance": ["county", "sector"], "flows": ["layer_id"],
            "sources": ["source"]}  # fmt: skip
    for name, key in keys.items():
        df = pd.read_csv(folder / f"{name}.csv", dtype={"county": str, "period": str})
        if year is not None:
            df = df[df["period"].str[:4] == year]
            df = df.groupby(key, as_index=False)[[c for c in df.columns if c.endswith("_10k_m3")]].sum()
        out[name] = df
    return out


def _table_measure(tables: dict[str, pd.DataFrame], G, scenario, sel) -> float:
    alloc = tables["allocation"]
    sources = tables["sources"].set_index("source")
    srcs = _sources(G, sel)
    in_counties = {n for n in srcs if sel.counties is None or G.nodes[n].get("county") in sel.counties}
    if sel.measure == "withdrawal":
        return float(sources.loc[sorted(in_counties), "withdrawn_10k_m3"].sum())
    if sel.measure == "available":
        return sum(G.nodes[s].get("available", 0.0) for s in in_counties)
    if sel.measure == "wastewater":
        bal = tables["balance"]
        dl = {f"demand:{r.county}:{r.sector}": r.supplied_10k_m3 for r in bal.itertuples()}
        ww = _wastewater(G, scenario, dl)
        return sum(v for w, v in ww.items() if w in in_counties or (sel.source_kinds is None and _wwtp_ok(G, w, sel)))
    if sel.measure == "flow":
        flows = tables["flows"]
        return float(flows.loc[flows["layer_id"].isin(sel.edges), "flow_10k_m3"].sum())
    pairs = {(f"demand:{r.county}:{r.sector}", r.source): r.volume_10k_m3 for r in alloc.itertuples()}
    return _by_demand(G, scenario, sel, pairs)


def _judge(value: float, target: float, relation: str, attribute: str) -> str:
    tol = max(1.0, abs(target)) * 1e-5
    if relation == "=":
        return "as planned" if abs(value - target) <= tol else "shifted"
    ok = value <= target + tol if relation == "<=" else value >= target - tol
    return "met" if ok else ("violated" if attribute == "binding" else "not met")


def constraint_statuses(folder: Path, G, scenario, year: str | None = None) -> dict[str, tuple[str, float]]:
    """Every constraint's status and value (万m³, or % for a ratio) from the written tables (of one
    ``year`` of a monthly run)."""
    out = {}
    tables = read_tables(folder, year)
    for c in scenario.constraints:
        lhs = _table_measure(tables, G, scenario, c.lhs)
        relation = {"cap": "<=", "allocation": "="}.get(c.type, ">=")
        if c.rhs is not None:
            den = _table_measure(tables, G, scenario, c.rhs)
            status = _judge(lhs - c.value * den, 0.0, ">=", c.attribute)
            out[c.id] = (status, 100.0 * lhs / den if den > 0 else math.nan)
        else:
            out[c.id] = (_judge(lhs, c.value, relation, c.attribute), lhs)
    return out


# rules ---------------------------------------------------------------------------------------


def _parent(scenario, sector: str) -> str:
    share = scenario.spec.sectors[sector].share_of
    return share.sector if share is not None else sector


def _position(scenario, sectors: list[str], sector: str) -> int | None:
    for name in (sector, _parent(scenario, sector)):
        if name in sectors:
            return sectors.index(name)
    return None


def _open_network(G, folder: Path) -> nx.DiGraph:
    flows = pd.read_csv(folder / "flows.csv")
    carried = {(r[0], r[1]): r[2] for r in flows[["from", "to", "flow_10k_m3"]].itertuples(index=False)}
    sent: dict[str, float] = defaultdict(float)
    for (u, _v), f in carried.items():
        sent[u] += f
    H = nx.DiGraph()
    for u, v, e in G.edges(data=True):
        full_edge = e["capacity"] is not None and carried.get((u, v), 0.0) >= e["capacity"] - 0.05
        plant = G.nodes[u]["kind"] == "plant" and G.nodes[u].get("capacity") is not None
        full_plant = plant and sent[u] >= G.nodes[u]["capacity"] - 0.05
        if e["kind"] != "sewer" and not full_edge and not full_plant:
            H.add_edge(u, v)
    return H


def _left_unused(folder: Path, G) -> dict[str, float]:
    src = pd.read_csv(folder / "sources.csv", dtype={"county": str})
    out = {}
    for r in src.itertuples():
        d = G.nodes[r.source]
        if d.get("storage"):
            continue
        if d["kind"] == "wwtp":
            can = d["yield"] * min(r.wastewater_collected_10k_m3, d["capacity"])
            if d.get("reclaimed_capacity") is not None:
                can = min(can, d["reclaimed_capacity"])
        else:
            can = d["available"]
        if can - r.released_10k_m3 > 0.05:
            out[r.source] = can - r.released_10k_m3
    return out


def at_value(folder: Path, G, scenario) -> list:
    """The caps at their value, judged from the tables (less than 500 m³ of room left)."""
    tables = read_tables(folder)
    return [
        c
        for c in scenario.constraints
        if c.type == "cap" and _table_measure(tables, G, scenario, c.lhs) >= c.value - 0.05
    ]


def _one_more(G, scenario, sel, s: str | None, d: str) -> float:
    """What one 万m³ more from ``s`` arriving at demand ``d`` adds to a constraint side."""
    if s is None or sel.measure in ("available", "wastewater", "flow") or s not in _sources(G, sel):
        return 0.0
    nd = G.nodes[d]
    if sel.measure == "withdrawal":  # what leaves the source for one 万m³ delivered
        return 1.0 / efficiency(G, s, d) if sel.counties is None or G.nodes[s].get("county") in sel.counties else 0.0
    if (sel.counties is not None and nd["county"] not in sel.counties) or (
        sel.sectors is not None and nd["sector"] not in sel.sectors
    ):
        return 0.0
    if sel.measure == "consumption" and scenario.spec.sectors[nd["sector"]].consumptive_coef <= 0:
        return 0.0
    return _factor(G, scenario, sel, d, s)


def _swap_allowed(G, scenario, limits, new: str, old: str | None, d: str) -> bool:
    """No cap at its value is pushed past it when ``d`` takes one 万m³ of ``new`` for one of ``old``."""
    return all(_one_more(G, scenario, c.lhs, new, d) - _one_more(G, scenario, c.lhs, old, d) <= 1e-9 for c in limits)


def _firsts(scenario) -> dict[str, set[str]]:
    spec = scenario.spec
    out: dict[str, set[str]] = defaultdict(set)
    for t in spec.targets:
        if t.rule is not None and t.rule.check == "takes_first":
            for sec in spec.sectors:
                if _position(scenario, t.rule.sectors, sec) is not None:
                    out[sec] |= set(t.rule.kinds)
    return out


def _unused_break(rule, G, scenario, own, short: float, accepts: set[str], unused, could, n, limits) -> bool:
    """last_resort / used_first: water of another (or of the rule's) kind left unused could have served n
    in place of what it took (or lacked), with no constraint at its value in the way."""
    kinds = set(rule.kinds)
    if rule.check == "last_resort":
        mine = own[own["source_kind"].isin(kinds) & (own["volume_10k_m3"] > 0.05)]
        olds, wanted = list(mine["source"]), accepts - kinds
    else:
        other = own[~own["source_kind"].isin(kinds) & (own["volume_10k_m3"] > 0.05)]
        olds, wanted = list(other["source"]) + ([None] if short > 0.05 else []), accepts & kinds
        mine = other
    if mine["volume_10k_m3"].sum() + (0.0 if rule.check == "last_resort" else short) <= 0.05:
        return False
    return any(
        G.nodes[s]["source_kind"] in wanted
        and could(s, n)
        and any(_swap_allowed(G, scenario, limits, s, o, n) for o in olds)
        for s in unused
    )


def _ranked_break(rule, scenario, G, alloc, sector: str, lack: float, wanted: set[str], could, n) -> bool:
    """priority / takes_first: wanted water went to a later user of a lower priority and could have served n."""
    spec = scenario.spec
    p = spec.sectors[sector].priority
    for r in alloc.itertuples():
        if G.nodes[r.source]["source_kind"] not in wanted or spec.sectors[r.sector].priority <= p:
            continue
        if rule.check == "takes_first":
            mine, theirs = _position(scenario, rule.sectors, sector), _position(scenario, rule.sectors, r.sector)
            if theirs is not None and theirs <= mine:
                continue
        if min(lack, r.volume_10k_m3) > 0.05 and could(r.source, n):
            return True
    return False


def rule_status(folder: Path, G, scenario, rule) -> str:
    """``kept`` or ``broken``, recomputed from the tables (see waterplan.rules for the definitions)."""
    spec = scenario.spec
    alloc = pd.read_csv(folder / "allocation.csv", dtype={"county": str})
    bal = pd.read_csv(folder / "balance.csv", dtype={"county": str})
    short = {(r.county, r.sector): r.shortage_10k_m3 for r in bal.itertuples()}
    H = _open_network(G, folder)
    limits = at_value(folder, G, scenario)
    flow_capped = {e for c in limits if c.lhs.measure == "flow" for e in c.lhs.edges}
    H.remove_edges_from([(u, v) for u, v in list(H.edges) if G.edges[u, v]["layer_id"] in flow_capped])
    unused = _left_unused(folder, G)
    firsts = _firsts(scenario)

    def could(s: str, d: str) -> bool:
        return s in H and d in H and nx.has_path(H, s, d)

    counties = None if rule.counties is None else {str(c) for c in rule.counties}
    for n, nd in G.nodes(data=True):
        if nd["kind"] != "demand" or _position(scenario, rule.sectors, nd["sector"]) is None:
            continue
        if counties is not None and nd["county"] not in counties:
            continue
        county, sector = nd["county"], nd["sector"]
        accepts = set(spec.sectors[sector].accepts)
        own = alloc[(alloc["county"] == county) & (alloc["sector"] == sector)]
        if rule.check in ("last_resort", "used_first"):
            broken = _unused_break(rule, G, scenario, own, short[(county, sector)], accepts, unused, could, n, limits)
        elif rule.check == "priority":
            lack = short[(county, sector)]
            broken = lack > 0.05 and _ranked_break(rule, scenario, G, alloc, sector, lack, accepts, could, n)
        else:
            lack = own.loc[~own["source_kind"].isin(firsts[sector] | set(rule.kinds)), "volume_10k_m3"].sum()
            wanted = accepts & set(rule.kinds)
            broken = lack > 0.05 and _ranked_break(rule, scenario, G, alloc, sector, lack, wanted, could, n)
        if broken:
            return "broken"
    return "kept"
