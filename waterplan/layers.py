"""The network's layers on disk: reading ``nodes`` and ``edges`` from a folder of GeoJSON or a
GeoPackage (any CRS, returned as WGS84), writing the GeoPackage form to edit in QGIS, and snapping
the ends of lines drawn near their nodes."""

from __future__ import annotations

import hashlib
import math
import sqlite3
import warnings
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import Point

from ._errors import InputError, Problem
from .boundaries import load_counties
from .i18n import tr
from .layout import metric_crs
from .outputs import check_output_file, refuse, write_file
from .reading import _rel
from .styles import input_styles, store_styles
from .textio import MAX_BYTES, not_readable

__all__ = ["GPKG_SUFFIX", "NETWORK_CREATOR", "layer_file", "read_layers", "snap_ends", "write_layers"]


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


#: the GeoPackage form of a network: one file, layers ``nodes`` and ``edges``
GPKG_SUFFIX = ".gpkg"


def layer_file(network: str | Path, layer: str) -> str:
    """How messages name a network layer: its GeoJSON file, or the GeoPackage and the layer."""
    network = Path(network)
    if network.suffix.lower() == GPKG_SUFFIX:
        return f"{_rel(network)} (layer {layer})"
    return _rel(network / f"{layer}.geojson")


def read_layers(network: str | Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read the network's ``nodes`` and ``edges`` layers (any CRS, returned as WGS84): from a folder
    of ``nodes.geojson`` and ``edges.geojson``, or from a GeoPackage with layers ``nodes`` and ``edges``
    (as drawn in QGIS)."""
    network = Path(network)
    gpkg = network.suffix.lower() == GPKG_SUFFIX
    out = []
    for layer in ("nodes", "edges"):
        path = network if gpkg else network / f"{layer}.geojson"
        name = layer_file(network, layer)
        want = (
            tr("a GeoPackage with layers nodes and edges")
            if gpkg
            else tr("a GeoJSON layer of network {layer}", layer=layer)
        )
        why = not_readable(path, want, MAX_BYTES["layer"])
        if why:
            raise InputError(Problem(name, "(file)", str(path), why))
        try:
            if gpkg and layer not in pyogrio.list_layers(path)[:, 0]:
                have = ", ".join(str(x) for x in pyogrio.list_layers(path)[:, 0])
                raise InputError(
                    Problem(
                        _rel(path),
                        "(layer)",
                        layer,
                        tr("a layer named {layer} (the file has: {have})", layer=layer, have=have),
                    )
                )
            with warnings.catch_warnings(record=True) as said:  # GDAL's warnings about the file's content
                warnings.simplefilter("always")
                gdf = gpd.read_file(path, layer=layer) if gpkg else gpd.read_file(path)
            damaged = [str(w.message) for w in said if issubclass(w.category, RuntimeWarning)]
            if damaged:  # e.g. a geometry GDAL cannot read, which it would turn into an empty one
                why = tr("a layer whose geometries and fields GDAL can read (Point nodes, LineString edges)")
                raise InputError(Problem(name, "(file)", damaged[0].splitlines()[0], why))
        except InputError:
            raise
        except Exception as exc:  # pyogrio raises its own DataSourceError
            kind = tr("a readable GeoPackage") if gpkg else tr("a readable GeoJSON file")
            raise InputError(Problem(name, "(file)", str(exc).splitlines()[0], kind)) from None
        if gdf.crs is None and len(gdf) and gdf.geometry.notna().any():
            why = tr(
                "a layer with a coordinate system (in QGIS: Layer Properties → Source → Assigned CRS, "
                "e.g. EPSG:4326 WGS 84 or EPSG:4490 CGCS2000)"
            )
            raise InputError(Problem(name, "(CRS)", "none", why))
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        out.append(gdf)
    return out[0], out[1]


def write_layers(network: str | Path, out: str | Path, *, force: bool = False) -> Path:
    """Write a network (a GeoJSON folder or a GeoPackage) as a GeoPackage with layers ``nodes`` and
    ``edges``, every field and geometry kept: the form to edit in QGIS and give back as ``network:``.
    QGIS opens it styled (nodes and edges coloured by kind) with drop-downs of the allowed ``kind``
    and ``source_kind`` values in its forms (styles in the ``layer_styles`` table).

    ``out`` is never replaced unless ``force`` is given and it is a GeoPackage this function wrote,
    unedited since (an edited one is the user's network), and never the network it reads."""
    out = Path(out)
    if out.suffix.lower() != GPKG_SUFFIX:
        raise InputError(Problem("<command line>", "--out", str(out), tr("a file name ending in .gpkg")))
    if out.exists() and out.resolve() == Path(network).resolve():
        raise refuse(out, tr("another file: this is the network being read, which is never replaced"))
    check_output_file(out, force, is_own=out.is_file() and _written_by_us(out))  # before reading the layers
    nodes, edges = read_layers(network)

    def write(tmp: Path) -> None:
        for name, gdf in (("nodes", nodes), ("edges", edges)):
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", metadata={"written_by": NETWORK_CREATOR})
        store_styles(tmp, input_styles())
        with closing(sqlite3.connect(tmp)) as db, db:
            db.execute(f'CREATE TABLE "{_DIGEST_TABLE}" ("digest" TEXT)')
            db.execute(f'INSERT INTO "{_DIGEST_TABLE}" VALUES (?)', (_digest(db),))

    return write_file(out, force, write, is_own=_written_by_us)


#: the metadata waterplan leaves in a network GeoPackage it wrote (so ``force`` may replace it)
NETWORK_CREATOR = "waterplan network"


#: the table (not a layer: unregistered, so GIS programs do not list it) holding the digest of
#: the layers as written: a GeoPackage edited since is the user's, and never replaced
_DIGEST_TABLE = "waterplan_written"


def _digest(db: sqlite3.Connection) -> str:
    h = hashlib.sha256()
    for layer in ("nodes", "edges"):
        for row in db.execute(f'SELECT * FROM "{layer}" ORDER BY 1'):
            h.update(repr(row).encode())
    return h.hexdigest()


def _written_by_us(path: Path) -> bool:
    """Whether ``path`` is a network GeoPackage :func:`write_layers` wrote, unedited since."""
    try:
        meta = pyogrio.read_info(path, layer="nodes").get("layer_metadata") or {}
        if meta.get("written_by") != NETWORK_CREATOR:
            return False
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            stored = db.execute(f'SELECT digest FROM "{_DIGEST_TABLE}"').fetchall()
            return stored == [(_digest(db),)]
    except Exception:  # not a GeoPackage, no nodes layer, no digest
        return False


def _nearest(points: gpd.GeoSeries, at: Point) -> tuple[int, float]:
    d = points.distance(at)
    i = int(d.values.argmin())
    return i, float(d.iloc[i])


def snap_ends(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, study: list[str], *, tolerance_m: float, efile: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill an edge's missing ``from``/``to`` from its line's end points, as a QGIS user draws: the
    node nearest the end within ``tolerance_m`` metres, else the study county the end lies in
    (``county:ADCODE``, a delivery to the county or, for a sewer, the county's wastewater). An end
    given explicitly is kept. ``study`` are the study area's county adcodes. Returns the edges and
    the ends that could not be placed."""
    ends = [edges[c] if c in edges else pd.Series(None, index=edges.index) for c in ("from", "to")]
    need = [
        i for i, g, a, b in zip(edges.index, edges.geometry, *ends, strict=True)
        if g is not None and not g.is_empty and (_blank(a) or _blank(b))
    ]  # fmt: skip
    problems: list[Problem] = []
    if not need:
        return edges, problems
    crs = metric_crs(nodes.geometry if len(nodes) else edges.geometry)
    pts = nodes.set_geometry(nodes.geometry).to_crs(crs).geometry.reset_index(drop=True)
    ids = [str(x) for x in nodes["id"]]
    polys = load_counties(list(study)).to_crs(crs)
    lines = edges.loc[need].to_crs(crs)
    edges = edges.copy()
    for col in ("from", "to"):
        if col not in edges:
            edges[col] = None
        edges[col] = edges[col].astype(object)
    for pos, (i, line) in enumerate(lines.geometry.items()):
        coords = list(line.geoms[0].coords if line.geom_type == "MultiLineString" else line.coords)
        for col, xy in (("from", coords[0]), ("to", coords[-1])):
            if not _blank(edges.at[i, col]):
                continue
            end = Point(xy[:2])
            k, dist = _nearest(pts, end) if len(pts) else (-1, math.inf)
            if dist <= tolerance_m:
                edges.at[i, col] = ids[k]
                continue
            inside = polys[polys.contains(end)]
            if len(inside):
                edges.at[i, col] = f"county:{inside['adcode'].iloc[0]}"
                continue
            near = f"the nearest, {ids[k]}, is {dist:,.0f} m away" if k >= 0 else "there are no nodes"
            problems.append(
                Problem(
                    efile,
                    f"features[{need[pos]}] ({edges.at[i, 'id']}).{col}",
                    "",
                    tr(
                        "a node id, or a line whose {0} point lies within {tolerance_m:g} m of a node "
                        "({near}) or inside a county of the study area",
                        "first" if col == "from" else "last",
                        tolerance_m=tolerance_m,
                        near=near,
                    ),
                )
            )
    return edges, problems
