"""The water network as a networkx DiGraph.

Authored layers (``nodes.geojson``, ``edges.geojson`` in a folder under gis/) hold the
physical network: sources, reservoirs, water plants, WWTPs, junctions, outlets and the
canals, rivers and pipes between them, every feature with its provenance. An edge may end at
``county:ADCODE`` with a list of sectors: the graph builder turns that into a delivery point
in the county feeding one demand node per sector (``demand:ADCODE:SECTOR``). Sewer edges
(``county:ADCODE`` → WWTP, with a ``share``) carry the county's return flow to treatment.

All quantities are converted to 万m³/yr when the graph is built.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString, Point

from ._errors import InputError, Problem, raise_if
from .scenario import SOURCE_KINDS, Scenario, _rel
from .units import to_model_volume

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "build_graph",
    "check_graph",
    "graph_to_gdfs",
    "read_layers",
    "sources_matching",
]

NODE_KINDS = (
    "intake",
    "reservoir",
    "spring",
    "wellfield",
    "groundwater",
    "mine",
    "plant",
    "wwtp",
    "junction",
    "outlet",
)
EDGE_KINDS = ("trunk", "canal", "river", "pipeline", "distribution", "reclaimed_pipe", "wells", "sewer")
SURFACE_KINDS = {"yellow_mainstem", "yellow_tributary", "surface", "spring"}


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def read_layers(folder: str | Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read ``nodes.geojson`` and ``edges.geojson`` from ``folder`` (any CRS, returned as WGS84)."""
    folder = Path(folder)
    out = []
    for layer in ("nodes", "edges"):
        path = folder / f"{layer}.geojson"
        if not path.is_file():
            raise InputError(Problem(_rel(path), "(file)", str(path), f"a GeoJSON layer of network {layer}"))
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError
            raise InputError(
                Problem(_rel(path), "(file)", str(exc).splitlines()[0], "a readable GeoJSON file")
            ) from None
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        out.append(gdf)
    return out[0], out[1]


def _volume(props: dict[str, Any], key: str, fname: str, where: str, problems: list[Problem]) -> float | None:
    value = props.get(key)
    if _blank(value):
        return None
    try:
        v = to_model_volume(value, props.get(f"{key}_unit"), file=fname, field=f"{where}.{key}")
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if v < 0:
        problems.append(Problem(fname, f"{where}.{key}", value, "zero or more"))
        return None
    return v


def _fraction(
    props: dict[str, Any], key: str, default: float, fname: str, where: str, problems: list[Problem]
) -> float:
    value: Any = props.get(key)
    if _blank(value):
        return default
    try:
        v = float(value)
    except (TypeError, ValueError):
        problems.append(Problem(fname, f"{where}.{key}", value, "a fraction between 0 and 1"))
        return default
    if not 0.0 <= v <= 1.0:
        problems.append(Problem(fname, f"{where}.{key}", value, "a fraction between 0 and 1"))
        return default
    return v


def surface_factor(hydrology: Any, source_kind: str, source_id: str) -> float:
    """The scaling of a surface source's mean yield in the scenario's hydrological year."""
    from .hydrology import YEAR_TYPES, SeriesParams, year_type_factor

    if hydrology.surface_factor is not None:
        return float(hydrology.surface_factor)
    if hydrology.year_type == "mean":
        return 1.0
    p = SeriesParams()
    cv = p.cv.get(source_id, p.regulated_cv if source_kind in p.regulated_kinds else p.default_cv)
    return year_type_factor(YEAR_TYPES[hydrology.year_type], cv)


def _in_service(props: dict[str, Any], year: int) -> bool:
    c: Any = props.get("commissioned")
    return _blank(c) or int(float(c)) <= year


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """Build the allocation graph of a scenario.

    Parameters
    ----------
    scenario
        A loaded scenario (:func:`waterplan.load_scenario`).

    Returns
    -------
    networkx.DiGraph
        Nodes carry ``kind``, ``name_zh``, ``name_en``, ``county``, ``lon``/``lat`` and, for
        sources, ``source_kind``, ``tags`` and ``available`` (万m³/yr); WWTPs carry
        ``capacity``, ``yield`` and ``reclaimed_capacity``; demand nodes carry ``sector``,
        ``priority``, ``demand`` and ``row``. Edges carry ``id``, ``kind``, ``capacity``
        (万m³/yr or ``None``), ``loss``, ``cost``, ``min_flow``; sewer edges carry ``share``.
        The graph is checked with :func:`check_graph` before it is returned.

    Raises
    ------
    InputError
        On any bad layer value, dangling edge, or a demand no acceptable source can reach.
    """
    spec = scenario.spec
    gdf_nodes, gdf_edges = read_layers(scenario.network_dir)
    nfile = _rel(scenario.network_dir / "nodes.geojson")
    efile = _rel(scenario.network_dir / "edges.geojson")
    problems: list[Problem] = []
    G = nx.DiGraph(name=scenario.name, year=spec.year, crs="EPSG:4326")
    study = set(scenario.counties)
    overrides = dict(spec.sources)

    for i, row in enumerate(gdf_nodes.to_dict("records")):
        nid = row.get("id")
        where = f"features[{i}] ({nid})"
        if _blank(nid):
            problems.append(Problem(nfile, f"features[{i}].id", nid, "a node id"))
            continue
        if nid in G:
            problems.append(Problem(nfile, f"{where}.id", nid, "a unique node id"))
            continue
        kind = row.get("kind")
        if kind not in NODE_KINDS:
            problems.append(Problem(nfile, f"{where}.kind", kind, f"one of {', '.join(NODE_KINDS)}"))
            continue
        if _blank(row.get("provenance")):
            problems.append(Problem(nfile, f"{where}.provenance", None, "a source or derivation for the feature"))
        if not _in_service(row, spec.year):
            continue
        geom = row["geometry"]
        attrs: dict[str, Any] = {
            "kind": kind,
            "name_zh": row.get("name_zh") or nid,
            "name_en": row.get("name_en") or nid,
            "county": "" if _blank(row.get("county")) else str(row.get("county")),
            "lon": geom.x,
            "lat": geom.y,
            "provenance": row.get("provenance", ""),
        }
        skind = row.get("source_kind")
        if not _blank(skind):
            if skind not in SOURCE_KINDS:
                problems.append(Problem(nfile, f"{where}.source_kind", skind, f"one of {', '.join(SOURCE_KINDS)}"))
                continue
            attrs["source_kind"] = skind
            raw_tags = "" if _blank(row.get("tags")) else str(row.get("tags"))
            attrs["tags"] = {t.strip() for t in raw_tags.split(",") if t.strip()}
            if kind == "wwtp":
                attrs["capacity"] = _volume(row, "capacity", nfile, where, problems)
                attrs["reclaimed_capacity"] = _volume(row, "reclaimed_capacity", nfile, where, problems)
                attrs["yield"] = _fraction(row, "yield", 1.0, nfile, where, problems)
                if attrs["capacity"] is None:
                    problems.append(Problem(nfile, f"{where}.capacity", None, "a WWTP needs a treatment capacity"))
            else:
                avail = _volume(row, "available", nfile, where, problems)
                if nid in overrides:
                    o = overrides.pop(nid)
                    avail = to_model_volume(
                        o.available, o.unit, file=_rel(scenario.path), field=f"sources.{nid}.available"
                    )
                if avail is None:
                    problems.append(
                        Problem(nfile, f"{where}.available", None, "a source needs an available volume with its unit")
                    )
                    avail = 0.0
                if skind in SURFACE_KINDS:
                    avail *= surface_factor(spec.hydrology, skind, nid)
                attrs["available"] = avail
        elif kind != "wwtp":
            attrs["capacity"] = _volume(row, "capacity", nfile, where, problems)
        if kind == "reservoir":
            storage = _volume(row, "storage", nfile, where, problems)
            if storage is not None:
                attrs["storage"] = storage
                dead = _volume(row, "dead_storage", nfile, where, problems)
                init = _volume(row, "initial_storage", nfile, where, problems)
                attrs["dead_storage"] = dead if dead is not None else 0.0
                attrs["initial_storage"] = init if init is not None else 0.5 * storage
                attrs["evaporation"] = _fraction(row, "evaporation", 0.0, nfile, where, problems)
                if attrs["initial_storage"] > storage:
                    problems.append(
                        Problem(
                            nfile,
                            f"{where}.initial_storage",
                            row.get("initial_storage"),
                            f"at most the storage capacity ({row.get('storage')} {row.get('storage_unit')})",
                        )
                    )
                if attrs["dead_storage"] > storage:
                    problems.append(
                        Problem(nfile, f"{where}.dead_storage", row.get("dead_storage"), "at most the storage capacity")
                    )
                if attrs["initial_storage"] < attrs["dead_storage"]:
                    problems.append(
                        Problem(
                            nfile, f"{where}.initial_storage", row.get("initial_storage"), "at least the dead storage"
                        )
                    )
        attrs["cost"] = float(row["cost"]) if not _blank(row.get("cost")) else 0.0
        G.add_node(nid, **attrs)
    for nid in overrides:
        problems.append(
            Problem(
                _rel(scenario.path), f"sources.{nid}", nid, "a source node id in the network layer (no such source)"
            )
        )

    # demand nodes
    sectors = spec.sectors
    lookup = {}
    for r in scenario.demands.itertuples():
        node = f"demand:{r.county}:{r.sector}"
        lookup[(r.county, r.sector)] = node
        G.add_node(
            node,
            kind="demand",
            county=r.county,
            sector=r.sector,
            priority=sectors[r.sector].priority,
            demand=float(r.demand_10k_m3),
            row=int(r.row),
            name_zh=f"{r.county}:{sectors[r.sector].name_zh}",
            name_en=f"{r.county}:{r.sector}",
        )

    for i, row in enumerate(gdf_edges.to_dict("records")):
        eid = row.get("id")
        where = f"features[{i}] ({eid})"
        if _blank(eid):
            problems.append(Problem(efile, f"features[{i}].id", eid, "an edge id"))
            continue
        kind = row.get("kind")
        if kind not in EDGE_KINDS:
            problems.append(Problem(efile, f"{where}.kind", kind, f"one of {', '.join(EDGE_KINDS)}"))
            continue
        if _blank(row.get("provenance")):
            problems.append(Problem(efile, f"{where}.provenance", None, "a source or derivation for the feature"))
        if not _in_service(row, spec.year):
            continue
        a, b = str(row.get("from")), str(row.get("to"))
        raw_sectors = "" if _blank(row.get("sectors")) else str(row.get("sectors")).strip()
        sector_list = list(sectors) if raw_sectors in ("*", "") else [s.strip() for s in raw_sectors.split(",")]
        for s in sector_list:
            if s not in sectors and s not in ("domestic", "industry", "agriculture", "ecology", "municipal"):
                problems.append(Problem(efile, f"{where}.sectors", s, f"sector names: {', '.join(sectors)}"))
        if kind == "sewer":
            if b not in G and any(n == b for n in gdf_nodes["id"]):
                continue  # the WWTP is not in service this year
            if not a.startswith("county:") or b not in G or G.nodes[b]["kind"] != "wwtp":
                problems.append(
                    Problem(efile, f"{where}.from/to", f"{a} → {b}", "a sewer runs from county:ADCODE to a WWTP node")
                )
                continue
            share = _fraction(row, "share", 1.0, efile, where, problems)
            county = a.split(":", 1)[1]
            for s in sector_list:
                d = lookup.get((county, s))
                if d is not None:
                    G.add_edge(
                        d,
                        b,
                        id=f"{eid}>{s}",
                        layer_id=eid,
                        kind="sewer",
                        share=share,
                        capacity=None,
                        loss=0.0,
                        cost=0.0,
                        min_flow=0.0,
                    )
            continue
        if a not in G:
            if a.startswith("county:") or any(n == a for n in gdf_nodes["id"]):
                continue  # an end out of service (commissioned later) or not in the study area
            problems.append(Problem(efile, f"{where}.from", a, "the id of a node in nodes.geojson"))
            continue
        attrs = {
            "id": eid,
            "layer_id": eid,
            "kind": kind,
            "name_zh": row.get("name_zh") or "",
            "name_en": row.get("name_en") or "",
            "capacity": _volume(row, "capacity", efile, where, problems),
            "loss": _fraction(row, "loss", 0.0, efile, where, problems),
            "cost": float(row["cost"]) if not _blank(row.get("cost")) else 0.0,
            "min_flow": _volume(row, "min_flow", efile, where, problems) or 0.0,
            "provenance": row.get("provenance", ""),
        }
        if b.startswith("county:"):
            county = b.split(":", 1)[1]
            if county not in study:
                problems.append(Problem(efile, f"{where}.to", b, "a county of the study area"))
                continue
            targets = [lookup[(county, s)] for s in sector_list if (county, s) in lookup]
            if not targets:
                continue
            hub = f"{eid}@{county}"
            end = row["geometry"].coords[-1] if row.get("geometry") is not None else (math.nan, math.nan)
            G.add_node(
                hub,
                kind="delivery",
                county=county,
                name_zh=attrs["name_zh"] or eid,
                name_en=attrs["name_en"] or eid,
                lon=end[0],
                lat=end[1],
            )
            G.add_edge(a, hub, **attrs)
            for t in targets:
                G.add_edge(
                    hub,
                    t,
                    id=f"{eid}>{G.nodes[t]['sector']}",
                    layer_id=eid,
                    kind="service",
                    capacity=None,
                    loss=0.0,
                    cost=0.0,
                    min_flow=0.0,
                )
        elif b in G:
            G.add_edge(a, b, **attrs)
        elif any(n == b for n in gdf_nodes["id"]):
            continue  # out of service this year
        else:
            problems.append(Problem(efile, f"{where}.to", b, "the id of a node in nodes.geojson or county:ADCODE"))
    raise_if(problems)
    check_graph(G, scenario)
    return G


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
        nodes: set[str] = set(sinks)
        for t in sinks:
            nodes |= nx.ancestors(H, t)
        useful[kind] = nodes
    out: dict[tuple[str, str], set[str]] = {(u, v): set() for u, v in H.edges}
    for s in sources:
        kind = H.nodes[s]["source_kind"]
        reach = nx.descendants(H, s) | {s}
        for u, v in H.edges:
            if u in reach and v in useful[kind]:
                if H.nodes[v]["kind"] == "demand" and kind not in accepts[H.nodes[v]["sector"]]:
                    continue
                out[(u, v)].add(s)
    return out


def check_graph(G: nx.DiGraph, scenario: Scenario) -> None:
    """Check the graph before solving, as Pywr's ``check_graph`` does.

    Every demand with a positive volume must be reachable from a source its sector accepts;
    every source a constraint names must exist; sewer shares of a county must not exceed 1.

    Raises
    ------
    InputError
        Listing every problem.
    """
    spec = scenario.spec
    problems: list[Problem] = []
    accepts = {name: set(s.accepts) for name, s in spec.sectors.items()}
    reach = commodity_reach(G, accepts)
    fed = {v for (_u, v), srcs in reach.items() if srcs}
    dfile = _rel(scenario.demands_path)
    for n, d in G.nodes(data=True):
        if d["kind"] == "demand" and d["demand"] > 0 and n not in fed:
            problems.append(
                Problem(
                    f"{dfile} row {d['row']}",
                    "county/sector",
                    f"{d['county']}/{d['sector']}",
                    "unreachable demand: no source of a kind the sector accepts "
                    f"({', '.join(sorted(accepts[d['sector']]))}) "
                    f"reaches it; add an edge to county:{d['county']} with this sector in "
                    f"{_rel(scenario.network_dir / 'edges.geojson')}",
                )
            )
    sfile = _rel(scenario.path)
    for c in scenario.constraints:
        for side_name, sel in (("", c.lhs), (".denominator", c.rhs)):
            if sel is None:
                continue
            field = f"constraints ({c.id}){side_name}.sources"
            if sel.source_ids:
                for sid in sorted(sel.source_ids):
                    if sid not in G or "source_kind" not in G.nodes[sid]:
                        problems.append(Problem(sfile, f"{field}.ids", sid, "the id of a source node in the network"))
            if sel.source_tags:
                all_tags = set().union(*(d.get("tags", set()) for _n, d in G.nodes(data=True)))
                for tag in sorted(sel.source_tags - all_tags):
                    problems.append(
                        Problem(
                            sfile, f"{field}.tags", tag, f"a tag some source carries: {', '.join(sorted(all_tags))}"
                        )
                    )
            if sel.source_kinds:
                present = {d["source_kind"] for _n, d in G.nodes(data=True) if "source_kind" in d}
                if not sel.source_kinds & present:  # spelling is checked on load; here: does any exist?
                    problems.append(
                        Problem(
                            sfile,
                            f"{field}.kinds",
                            sorted(sel.source_kinds),
                            f"at least one kind some source in the network has: {', '.join(sorted(present))}",
                        )
                    )
    layer_ids = {d["layer_id"] for _u, _v, d in G.edges(data=True)}
    for c in scenario.constraints:
        for side_name, sel in (("", c.lhs), (".denominator", c.rhs)):
            if sel is not None and sel.edges:
                for eid in sorted(sel.edges - layer_ids):
                    problems.append(
                        Problem(
                            sfile,
                            f"constraints ({c.id}){side_name}.edges",
                            eid,
                            "the id of an edge in service in the network layer",
                        )
                    )
        if c.rhs is not None and _structurally_zero(G, scenario, c.rhs):
            problems.append(
                Problem(
                    sfile,
                    f"constraints ({c.id}).denominator",
                    c.rhs.measure,
                    "a denominator that can be positive: nothing in the network matches it, so the "
                    "ratio is undefined (0/0); check its sources, counties and sectors",
                )
            )
    for n, d in G.nodes(data=True):
        if d["kind"] != "demand":
            continue
        total = sum(e["share"] for _u, _v, e in G.out_edges(n, data=True) if e["kind"] == "sewer")
        if total > 1.0 + 1e-9:
            problems.append(
                Problem(
                    _rel(scenario.network_dir / "edges.geojson"),
                    "share",
                    round(total, 6),
                    f"sewer shares from county:{d['county']} ({d['sector']}) add up to at most 1",
                )
            )
    raise_if(problems)


def _structurally_zero(G: nx.DiGraph, scenario: Scenario, sel: Any) -> bool:
    """True if a selection can only ever measure zero (no matching source, WWTP or demand)."""
    srcs = sources_matching(G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags)
    if sel.counties is not None and sel.measure in ("withdrawal", "available", "wastewater"):
        srcs = [n for n in srcs if G.nodes[n].get("county") in sel.counties]
    if sel.measure == "available":
        return sum(G.nodes[n].get("available", 0.0) for n in srcs) <= 0
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


def graph_to_gdfs(
    G: nx.DiGraph,
    *,
    edge_flows: pd.Series | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert the physical part of ``G`` (no demand or delivery nodes) to two GeoDataFrames.

    Edges into a county's delivery point are drawn to the point where it sits.
    """
    rows = []
    for n, d in G.nodes(data=True):
        if d["kind"] == "demand":
            continue
        rows.append(
            {
                "id": n,
                "kind": d["kind"],
                "name_zh": d["name_zh"],
                "name_en": d["name_en"],
                "source_kind": d.get("source_kind", ""),
                "county": d.get("county", ""),
                "available_10k_m3": d.get("available"),
                "capacity_10k_m3": d.get("capacity"),
                "geometry": Point(d["lon"], d["lat"]),
            }
        )
    gdf_nodes = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    pos = {r["id"]: (r["geometry"].x, r["geometry"].y) for r in rows}
    erows = []
    for u, v, d in G.edges(data=True):
        if d["kind"] in ("service", "sewer"):
            continue
        if u not in pos or v not in pos:
            continue
        end = pos[v]
        erows.append(
            {
                "id": d["id"],
                "kind": d["kind"],
                "from": u,
                "to": v,
                "name_zh": d.get("name_zh", ""),
                "name_en": d.get("name_en", ""),
                "capacity_10k_m3": d["capacity"],
                "loss": d["loss"],
                "geometry": LineString([pos[u], end]),
            }
        )
    gdf_edges = gpd.GeoDataFrame(erows, geometry="geometry", crs="EPSG:4326")
    return gdf_nodes, gdf_edges
