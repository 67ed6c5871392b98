"""Checks of a built graph before it is solved (as Pywr's ``check_graph``): every demand reachable
by a source its sector accepts, every route ending somewhere, every selection of the plan naming
something that exists, sewer shares adding up."""

from __future__ import annotations

from typing import Any

import networkx as nx

from ._errors import Problem, raise_if
from .boundaries import county_table
from .i18n import language, tr
from .layers import layer_file
from .palette import KIND_ZH
from .reach import _commodity_edges, _downstream, _upstream, commodity_reach, sources_matching
from .reading import _rel
from .scenario import SECTOR_NAMES, Scenario

__all__ = ["check_graph"]


def unreachable_demands(G: nx.DiGraph, accepts: dict[str, set[str]]) -> list[str]:
    """The demand nodes (with a volume) that no source of a kind their sector accepts can reach."""
    fed = {v for (_u, v), srcs in commodity_reach(G, accepts).items() if srcs}
    return [n for n, d in G.nodes(data=True) if d["kind"] == "demand" and d["demand"] > 0 and n not in fed]


def unreachable_text(G: nx.DiGraph, node: str, accepts: set[str]) -> str:
    """Why a demand gets nothing, naming the county, the sector and the kinds it accepts (in the
    language of :func:`waterplan.i18n.language`)."""
    d = G.nodes[node]
    zh = language() == "zh"
    kinds = ("、" if zh else ", ").join(KIND_ZH.get(k, k) if zh else k for k in sorted(accepts))
    names = county_table().set_index("adcode")
    code = str(d["county"])
    county = names.loc[code, "name_zh" if zh else "name_en"] if code in names.index else code
    sector = SECTOR_NAMES[d["sector"]][0] if zh else d["sector"]
    return tr(
        "no source that {sector} accepts ({kinds}) reaches {county} ({code}): its demand is supplied nothing",
        sector=sector,
        kinds=kinds,
        county=county,
        code=code,
    )


def _check_demands(G: nx.DiGraph, scenario: Scenario, problems: list[Problem]) -> None:
    """Unreachable demands: errors with ``strict: true``, else the graph's warnings (the run goes on
    and supplies them nothing)."""
    accepts = {name: set(s.accepts) for name, s in scenario.spec.sectors.items()}
    dfile = _rel(scenario.demands_path)
    efile = layer_file(scenario.network_dir, "edges")
    for n in unreachable_demands(G, accepts):
        d = G.nodes[n]
        if not scenario.spec.strict:
            G.graph.setdefault("warnings", []).append(
                tr(
                    "{where}: {why}",
                    where=tr("{file} row {row}", file=dfile, row=d["row"]),
                    why=unreachable_text(G, n, accepts[d["sector"]]),
                )
                + tr(
                    "; to supply it, add an edge to county:{county} with this sector in {efile}",
                    county=d["county"],
                    efile=efile,
                )
            )
            continue
        problems.append(
            Problem(
                tr("{file} row {row}", file=dfile, row=d["row"]),
                "county/sector",
                f"{d['county']}/{d['sector']}",
                tr(
                    "unreachable demand (strict: true): no source of a kind the sector accepts ({0}) "
                    "reaches it; add an edge to county:{1} with this sector in {efile}, or set 'strict: "
                    "false' to report it as a shortage",
                    ", ".join(sorted(accepts[d["sector"]])),
                    d["county"],
                    efile=efile,
                ),
            )
        )


def _check_routes(G: nx.DiGraph, scenario: Scenario, problems: list[Problem]) -> None:
    """Every node of the layers lies on a route from a source to a demand or an outlet."""
    H = _commodity_edges(G)
    sources = {n for n, d in H.nodes(data=True) if "source_kind" in d}
    sinks = {n for n, d in H.nodes(data=True) if d["kind"] in ("demand", "outlet")}
    downstream = _downstream(H, sources)
    upstream = _upstream(H, sinks)
    nfile = layer_file(scenario.network_dir, "nodes")
    for n, d in G.nodes(data=True):
        if d["kind"] in ("demand", "delivery"):
            continue
        if n not in downstream:
            why = tr("no source's water reaches it")
        elif n not in upstream:
            why = tr("its water reaches no demand or outlet")
        else:
            continue
        problems.append(
            Problem(
                nfile,
                f"id ({d.get('name_zh', n)})",
                n,
                tr(
                    "a node on a route from a source to a demand or an outlet ({why}); connect it with an"
                    " edge in edges.geojson, or remove it, or give it the `commissioned` year of its "
                    "lines",
                    why=why,
                ),
            )
        )


def _check_selection(G: nx.DiGraph, sfile: str, field: str, sel: Any, problems: list[Problem]) -> None:
    if sel.source_ids:
        for sid in sorted(sel.source_ids):
            if sid not in G or "source_kind" not in G.nodes[sid]:
                problems.append(Problem(sfile, f"{field}.ids", sid, tr("the id of a source node in the network")))
    if sel.source_tags:
        all_tags = set().union(*(d.get("tags", set()) for _n, d in G.nodes(data=True)))
        for tag in sorted(sel.source_tags - all_tags):
            problems.append(
                Problem(sfile, f"{field}.tags", tag, tr("a tag some source carries: {0}", ", ".join(sorted(all_tags))))
            )
    if sel.source_kinds:
        present = {d["source_kind"] for _n, d in G.nodes(data=True) if "source_kind" in d}
        if not sel.source_kinds & present:  # spelling is checked on load; here: does any exist?
            problems.append(
                Problem(
                    sfile,
                    f"{field}.kinds",
                    sorted(sel.source_kinds),
                    tr("at least one kind some source in the network has: {0}", ", ".join(sorted(present))),
                )
            )


def _check_constraints(G: nx.DiGraph, scenario: Scenario, problems: list[Problem]) -> None:
    sfile = _rel(scenario.path)
    layer_ids = {d["layer_id"] for _u, _v, d in G.edges(data=True)}
    for c in scenario.constraints:
        for side_name, sel in (("", c.lhs), (".denominator", c.rhs)):
            if sel is None:
                continue
            _check_selection(G, sfile, f"constraints ({c.id}){side_name}.sources", sel, problems)
            for eid in sorted((sel.edges or set()) - layer_ids):
                problems.append(
                    Problem(
                        sfile,
                        f"constraints ({c.id}){side_name}.edges",
                        eid,
                        tr("the id of an edge in service in the network layer"),
                    )
                )
        if c.rhs is not None and _structurally_zero(G, scenario, c.rhs):
            problems.append(
                Problem(
                    sfile,
                    f"constraints ({c.id}).denominator",
                    c.rhs.measure,
                    tr(
                        "a denominator that can be positive: nothing in the network matches it, so the ratio "
                        "is undefined (0/0); check its sources, counties and sectors"
                    ),
                )
            )


def _check_sewer_shares(G: nx.DiGraph, scenario: Scenario, problems: list[Problem]) -> None:
    for n, d in G.nodes(data=True):
        if d["kind"] != "demand":
            continue
        total = sum(e["share"] for _u, _v, e in G.out_edges(n, data=True) if e["kind"] == "sewer")
        if total > 1.0 + 1e-9:
            problems.append(
                Problem(
                    layer_file(scenario.network_dir, "edges"),
                    "share",
                    round(total, 6),
                    tr("sewer shares from county:{0} ({1}) add up to at most 1", d["county"], d["sector"]),
                )
            )


def check_graph(G: nx.DiGraph, scenario: Scenario) -> None:
    """Check the graph before solving, as Pywr's ``check_graph`` does.

    A demand with a positive volume that no source its sector accepts can reach is a warning in
    ``G.graph["warnings"]`` (it is supplied nothing and the run reports why), or, with the
    scenario's ``strict: true``, an error; every node must lie on a route from a source to a demand
    or an outlet; every source, tag, kind and edge a constraint names must exist; sewer shares of a
    county must not exceed 1.

    Raises
    ------
    InputError
        Listing every problem.
    """
    problems: list[Problem] = []
    _check_demands(G, scenario, problems)
    _check_routes(G, scenario, problems)
    _check_constraints(G, scenario, problems)
    _check_sewer_shares(G, scenario, problems)
    raise_if(problems)


def _structurally_zero(G: nx.DiGraph, scenario: Scenario, sel: Any) -> bool:
    """True if a selection can only ever measure zero (no matching source, WWTP or demand)."""
    srcs = sources_matching(G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags)
    if sel.counties is not None and sel.measure in ("withdrawal", "available", "wastewater"):
        srcs = [n for n in srcs if G.nodes[n].get("county") in sel.counties]
    if sel.measure == "available":
        return bool(sum(G.nodes[n].get("available", 0.0) for n in srcs) <= 0)
    if sel.measure == "wastewater":
        wwtps = [n for n in srcs if G.nodes[n]["kind"] == "wwtp"]
        return not any(G.in_edges(w) for w in wwtps)
    if sel.measure == "withdrawal":
        return not srcs
    if sel.measure == "flow":
        return not sel.edges
    demands = [
        n
        for n, d in G.nodes(data=True)
        if d["kind"] == "demand"
        and d["demand"] > 0
        and (sel.counties is None or d["county"] in sel.counties)
        and (sel.sectors is None or d["sector"] in sel.sectors)
    ]
    return not demands or not srcs
