"""What reaches what in a network graph: the sources each edge can carry water of to a sector that
accepts it (the model's columns), and the sources a selection of the plan names."""

from __future__ import annotations

import networkx as nx

__all__ = ["commodity_reach", "sources_matching"]


def _commodity_edges(G: nx.DiGraph) -> nx.DiGraph:
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, d) for u, v, d in G.edges(data=True) if d["kind"] != "sewer")
    return H


def commodity_reach(G: nx.DiGraph, accepts: dict[str, set[str]]) -> dict[tuple[str, str], set[str]]:
    """For each (non-sewer) edge, the sources whose water can usefully travel on it.

    A source's water may use an edge if the edge's tail is downstream of the source and its
    head can still reach a demand whose sector accepts the source's kind (or an outlet).
    """
    H = _commodity_edges(G)
    sources = [n for n, d in H.nodes(data=True) if "source_kind" in d]
    useful: dict[str, set[str]] = {}
    for kind in {H.nodes[s]["source_kind"] for s in sources}:
        sinks = [
            n
            for n, d in H.nodes(data=True)
            if (d["kind"] == "demand" and kind in accepts[d["sector"]]) or d["kind"] == "outlet"
        ]
        useful[kind] = _upstream(H, sinks)
    out: dict[tuple[str, str], set[str]] = {(u, v): set() for u, v in H.edges}
    for s in sources:
        kind = H.nodes[s]["source_kind"]
        for u in nx.descendants(H, s) | {s}:  # the edges leaving what the source reaches
            for v in H.successors(u):
                if v in useful[kind]:
                    if H.nodes[v]["kind"] == "demand" and kind not in accepts[H.nodes[v]["sector"]]:
                        continue
                    out[(u, v)].add(s)
    return out


def _upstream(H: nx.DiGraph, targets: list[str] | set[str]) -> set[str]:
    """``targets`` and every node with a path to one of them (one search for all of them)."""
    return set(nx.multi_source_dijkstra_path_length(H.reverse(copy=False), set(targets))) if targets else set()


def _downstream(H: nx.DiGraph, starts: list[str] | set[str]) -> set[str]:
    """``starts`` and every node one of them has a path to (one search for all of them)."""
    return set(nx.multi_source_dijkstra_path_length(H, set(starts))) if starts else set()


def sources_matching(
    G: nx.DiGraph, *, ids: set[str] | None, kinds: set[str] | None, tags: set[str] | None
) -> list[str]:
    """Source nodes matching any of the given ids, kinds or tags (all sources if none given)."""
    out = []
    for n, d in G.nodes(data=True):
        if "source_kind" not in d:
            continue
        if (
            (ids is None and kinds is None and tags is None)
            or (ids and n in ids)
            or (kinds and d["source_kind"] in kinds)
            or (tags and d.get("tags", set()) & tags)
        ):
            out.append(n)
    return out
