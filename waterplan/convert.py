"""A network graph to GeoDataFrames and back, every attribute kept (as OSMnx's ``graph_to_gdfs``)."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString, Point

__all__ = ["graph_from_gdfs", "graph_to_gdfs"]


def _position(d: dict[str, Any]) -> Point | None:
    lon, lat = d.get("lon"), d.get("lat")
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return Point(lon, lat)


def graph_to_gdfs(G: nx.DiGraph, *, physical: bool = False) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert a graph to two GeoDataFrames, nodes and edges, keeping every attribute.

    Nodes: a column ``id`` and one column per attribute; the position (``lon``/``lat``) is the
    point geometry (demand nodes, which have no position, have none). Edges: ``from``, ``to`` and one column per
    attribute; the authored line as geometry (none for service and sewer edges). Values keep their
    Python types (object columns); the graph's own attributes are in ``gdf_edges.attrs["graph"]``.
    :func:`graph_from_gdfs` turns them back into the same graph.

    Parameters
    ----------
    physical
        Only what is drawn on a map: no demand nodes, no service or sewer edges; an edge without
        an authored line is drawn straight between its ends.
    """
    crs = G.graph.get("crs", "EPSG:4326")
    nrows = []
    for n, d in G.nodes(data=True):
        if physical and d["kind"] == "demand":
            continue
        nrows.append({"id": n, **{k: x for k, x in d.items() if k not in ("lon", "lat")}, "geometry": _position(d)})
    erows = []
    for u, v, d in G.edges(data=True):
        geom = d.get("geometry")
        if physical:
            if d["kind"] in ("service", "sewer"):
                continue
            a, b = _position(G.nodes[u]), _position(G.nodes[v])
            if geom is None and a is not None and b is not None:
                geom = LineString([a, b])
        erows.append({"from": u, "to": v, **{k: x for k, x in d.items() if k != "geometry"}, "geometry": geom})
    gdf_nodes = gpd.GeoDataFrame(pd.DataFrame(nrows, dtype=object), geometry="geometry", crs=crs)
    gdf_edges = gpd.GeoDataFrame(
        pd.DataFrame(erows, dtype=object, columns=None if erows else ["from", "to", "geometry"]),
        geometry="geometry",
        crs=crs,
    )
    gdf_edges.attrs["graph"] = dict(G.graph)
    return gdf_nodes, gdf_edges


def _present(v: object) -> bool:
    return not (v is None or (isinstance(v, float) and math.isnan(v)))


def graph_from_gdfs(
    gdf_nodes: gpd.GeoDataFrame, gdf_edges: gpd.GeoDataFrame, *, graph_attrs: dict[str, Any] | None = None
) -> nx.DiGraph:
    """The graph two GeoDataFrames describe (the inverse of :func:`graph_to_gdfs`).

    Frames in another CRS are converted to WGS84 (the graph's ``lon``/``lat`` are degrees).
    Missing values (NaN or None) leave the attribute out, except an edge's ``capacity``, where
    ``None`` means "no limit". Node positions come from the point geometry.
    """
    if gdf_nodes.crs is not None and gdf_nodes.crs.to_epsg() != 4326:
        gdf_nodes = gdf_nodes.to_crs(4326)
    if gdf_edges.crs is not None and gdf_edges.crs.to_epsg() != 4326:
        gdf_edges = gdf_edges.to_crs(4326)
    attrs = dict(graph_attrs if graph_attrs is not None else gdf_edges.attrs.get("graph", {}))
    attrs["crs"] = "EPSG:4326"
    G = nx.DiGraph(**attrs)
    for row in gdf_nodes.to_dict("records"):
        geom = row.pop("geometry", None)
        d = {k: v for k, v in row.items() if k != "id" and _present(v)}
        if geom is not None and not geom.is_empty:
            d["lon"], d["lat"] = geom.x, geom.y
        G.add_node(row["id"], **d)
    for row in gdf_edges.to_dict("records"):
        d = {k: v for k, v in row.items() if k not in ("from", "to") and _present(v)}
        if "capacity" in row:
            d.setdefault("capacity", None)
        G.add_edge(row["from"], row["to"], **d)
    return G
