"""Recomputing a solution's measures from its output tables, independently of the model.

Only the graph (inputs), the scenario's definitions and the solution's values (flows per edge
and source, releases, treated volumes) are used: nothing of the model's own expressions. Each
measure follows its definition in docs/planner.md:

* withdrawal — released at the source less what reaches an outlet;
* use — what arrives at the demands (after conveyance losses), by source;
* consumption — use × the sector's consumptive coefficient;
* wastewater — Σ over sewers: share × the sector's return coefficient × the demand's delivery;
* flow — carried on the named layer edges; available — the sources' availability.
"""

from __future__ import annotations

from collections import defaultdict


def arrived(sol) -> dict[tuple[str, str], float]:
    """(demand node, source) → water arrived, from the flows table."""
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
    G = sol.model.G
    dl = delivery(sol)
    out: dict[str, float] = defaultdict(float)
    for u, v, e in G.edges(data=True):
        if e["kind"] == "sewer":
            out[v] += e["share"] * scenario.spec.sectors[G.nodes[u]["sector"]].return_coef * dl[u]
    return out


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
    total = 0.0
    for (d, s), v in arrived(sol).items():
        nd = G.nodes[d]
        if sel.counties is not None and nd["county"] not in sel.counties:
            continue
        if sel.sectors is not None and nd["sector"] not in sel.sectors:
            continue
        if s not in srcs:
            continue
        coef = scenario.spec.sectors[nd["sector"]].consumptive_coef if sel.measure == "consumption" else 1.0
        total += coef * v
    return total


def _wwtp_ok(G, w, sel) -> bool:
    d = G.nodes[w]
    return (
        (sel.counties is None or d.get("county") in sel.counties)
        and (sel.source_ids is None or w in sel.source_ids)
        and (sel.source_tags is None or bool(d.get("tags", set()) & sel.source_tags))
    )
