"""Geometry and plumbing checks of a network's layers, as ``validate`` and every run make them.

Errors (the run stops, one message each): a node without a point; a point outside China, named as
swapped where latitude and longitude were exchanged; a node given a county outside the study area;
an edge without a line; an edge whose line ends far (more than :data:`FAR_M`) from the node or the
county it joins. Warnings (the run goes on; ``validate`` and ``run`` print them and the manifest
keeps them): a plant, WWTP or junction far outside the county it is given; a WWTP no sewer reaches,
or whose sewered sectors return nothing (no ``return_coef``). A source no edge leaves is an error of
:func:`waterplan.network.check_graph` (a node on no route from a source to a demand).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import Point

from ._errors import Problem
from .boundaries import load_counties
from .i18n import tr

__all__ = ["CHINA_LAT", "CHINA_LON", "FAR_M", "check_layout", "metric_crs"]

#: the longitudes and latitudes of China (a point outside them is a mistake)
CHINA_LON, CHINA_LAT = (73.0, 136.0), (3.0, 54.0)
#: an edge's end further than this from the node (or county) it joins is drawn in the wrong place, m
FAR_M = 5_000.0
#: node kinds that may well lie outside the county they are given (intakes of a diversion, a
#: reservoir upstream): not warned about
_MAY_BE_OUTSIDE = {"intake", "reservoir", "spring", "wellfield", "groundwater", "mine", "outlet"}


def metric_crs(geoms: gpd.GeoSeries) -> str:
    """The WGS84 UTM zone (north) of the layers' centre, for distances in metres (found by arithmetic:
    pyproj's own estimate queries its database, a tenth of a second per call)."""
    minx, _miny, maxx, _maxy = geoms.total_bounds
    centre = (minx + maxx) / 2 if np.isfinite(minx + maxx) else 112.5  # no geometry at all: Shanxi
    zone = int(((centre + 180.0) // 6.0) % 60) + 1
    return f"EPSG:{32600 + zone}"


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def _in_china(x: float, y: float) -> bool:
    return CHINA_LON[0] <= x <= CHINA_LON[1] and CHINA_LAT[0] <= y <= CHINA_LAT[1]


def _points(nodes: gpd.GeoDataFrame, nfile: str, study: set[str], errors: list[Problem]) -> dict[str, Point]:
    """Each node's usable point; errors for a missing or impossible point or a county outside the area."""
    pts: dict[str, Point] = {}
    for i, r in enumerate(nodes.to_dict("records")):
        nid, geom = r.get("id"), r.get("geometry")
        where = f"features[{i}] ({nid})"
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            errors.append(Problem(nfile, f"{where}.geometry", None if geom is None else geom.geom_type, tr("a point")))
            continue
        x, y = geom.x, geom.y
        if not _in_china(x, y):
            expected = (
                tr(
                    "a point in China: this one has its latitude and longitude swapped (x is the "
                    "longitude, east; y the latitude, north: ({y:g}, {x:g}))",
                    y=y,
                    x=x,
                )
                if _in_china(y, x)
                else tr(
                    "a point in China (longitude {0:g}–{1:g} °E, latitude {2:g}–{3:g} °N, WGS84)",
                    CHINA_LON[0],
                    CHINA_LON[1],
                    CHINA_LAT[0],
                    CHINA_LAT[1],
                )
            )
            errors.append(Problem(nfile, f"{where}.geometry", f"({x:g}, {y:g})", expected))
            continue
        county = r.get("county")
        if not _blank(county) and str(county) not in study:
            errors.append(
                Problem(
                    nfile, f"{where}.county", county, tr("a county of the study area: {0}", ", ".join(sorted(study)))
                )
            )
        pts[str(nid)] = geom
    return pts


def check_layout(
    G: nx.DiGraph,
    scenario: Any,
    nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    *,
    nfile: str,
    efile: str,
) -> tuple[list[Problem], list[Problem]]:
    """The layers' geometry and plumbing problems: (errors, warnings). ``nodes`` and ``edges`` are the
    layers as read (WGS84), after the edges' ends are snapped; ``G`` the graph built from them."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    study = {str(c) for c in scenario.counties}
    pts = _points(nodes, nfile, study, errors)
    crs = metric_crs(gpd.GeoSeries(list(pts.values()) or [Point(112.5, 37.8)], crs=4326))
    wanted: list[object] = [*sorted(study)]
    counties = load_counties(wanted).set_index("adcode").to_crs(crs).geometry
    metric = gpd.GeoSeries(pts, crs=4326).to_crs(crs) if pts else gpd.GeoSeries([], crs=crs)

    def far_from(end: Point, target: str) -> float | None:
        """How far (m) the end lies from the node or county it joins; None where unknown."""
        if target.startswith("county:"):
            poly = counties.get(target.split(":", 1)[1])
            return None if poly is None else float(poly.distance(end))
        return float(metric[target].distance(end)) if target in metric.index else None

    _line_ends(edges.to_crs(crs), far_from, efile, errors)
    _nodes_in_counties(G, metric, counties, nfile, warnings)
    _plumbing(G, scenario, efile, warnings)
    return errors, warnings


def _line_ends(lines: gpd.GeoDataFrame, far_from: Any, efile: str, errors: list[Problem]) -> None:
    """Each line drawn, and its first and last points at the node or county it joins."""
    for i, r in enumerate(lines.to_dict("records")):
        eid, geom = r.get("id"), r.get("geometry")
        where = f"features[{i}] ({eid})"
        if _blank(eid):
            continue
        if geom is None or geom.is_empty:
            errors.append(
                Problem(
                    efile, f"{where}.geometry", None, tr("a line from {0} to {1} (draw it)", r.get("from"), r.get("to"))
                )
            )
            continue
        line = geom.geoms[0] if geom.geom_type == "MultiLineString" else geom
        coords = list(line.coords)
        for col, xy in (("from", coords[0]), ("to", coords[-1])):
            target = str(r.get(col))
            d = far_from(Point(xy[:2]), target)
            if d is not None and d > FAR_M:
                first = "first" if col == "from" else "last"
                errors.append(
                    Problem(
                        efile,
                        f"{where}.geometry",
                        f"its {first} point, {d / 1000:,.1f} km from {target} (its {col})",
                        tr(
                            "a line whose {first} point lies at {target} (within {0:g} km)",
                            FAR_M / 1000,
                            first=first,
                            target=target,
                        ),
                    )
                )


def _nodes_in_counties(
    G: nx.DiGraph, metric: gpd.GeoSeries, counties: gpd.GeoSeries, nfile: str, warnings: list[Problem]
) -> None:
    """A node far outside the county it is given (a warning: it may serve that county from afar)."""
    for nid, d in G.nodes(data=True):
        county = str(d.get("county") or "")
        if d["kind"] in _MAY_BE_OUTSIDE or d["kind"] in ("demand", "delivery") or county not in counties.index:
            continue
        if nid in metric.index:
            dist = float(counties[county].distance(metric[nid]))
            if dist > FAR_M:
                warnings.append(
                    Problem(
                        nfile,
                        f"{nid}.geometry",
                        tr("{km:,.1f} km outside county {county}", km=dist / 1000, county=county),
                        tr("a point in its county {county} (or the county it serves given as `county`)", county=county),
                    )
                )


def _plumbing(G: nx.DiGraph, scenario: Any, efile: str, warnings: list[Problem]) -> None:
    returning = {name for name, s in scenario.spec.sectors.items() if s.return_coef > 0}
    for nid, d in G.nodes(data=True):
        if d["kind"] == "wwtp":
            sewers = [G.edges[u, nid] for u in G.predecessors(nid) if G.edges[u, nid]["kind"] == "sewer"]
            if not sewers:
                warnings.append(
                    Problem(
                        efile,
                        "sewer edges",
                        nid,
                        tr("a sewer edge (county:ADCODE → {nid}): no wastewater reaches it", nid=nid),
                    )
                )
            elif not returning:
                warnings.append(
                    Problem(
                        scenario.path.name,
                        "sectors.*.return_coef",
                        0,
                        tr(
                            "a return coefficient above 0 for a sector whose wastewater reaches {nid}: no sector "
                            "returns water, so it treats nothing and supplies no reclaimed water",
                            nid=nid,
                        ),
                    )
                )
