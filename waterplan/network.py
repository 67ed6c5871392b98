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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyogrio
from shapely.geometry import LineString, Point

from ._errors import InputError, Problem, raise_if
from .boundaries import load_counties
from .layout import check_layout, metric_crs
from .outputs import check_output_file
from .palette import EDGE_KINDS, NODE_KINDS, SURFACE_KINDS
from .scenario import SECTOR_NAMES, SOURCE_KINDS, Scenario, _rel
from .styles import input_styles, store_styles
from .units import is_flow, to_model_volume

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "build_graph",
    "check_graph",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "layer_file",
    "read_layers",
    "snap_ends",
    "sources_matching",
    "write_layers",
]


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
        if not path.is_file():
            want = "a GeoPackage with layers nodes and edges" if gpkg else f"a GeoJSON layer of network {layer}"
            raise InputError(Problem(name, "(file)", str(path), want))
        try:
            if gpkg and layer not in pyogrio.list_layers(path)[:, 0]:
                have = ", ".join(str(x) for x in pyogrio.list_layers(path)[:, 0])
                raise InputError(Problem(_rel(path), "(layer)", layer, f"a layer named {layer} (the file has: {have})"))
            gdf = gpd.read_file(path, layer=layer) if gpkg else gpd.read_file(path)
        except InputError:
            raise
        except Exception as exc:  # pyogrio raises its own DataSourceError
            kind = "a readable GeoPackage" if gpkg else "a readable GeoJSON file"
            raise InputError(Problem(name, "(file)", str(exc).splitlines()[0], kind)) from None
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        out.append(gdf)
    return out[0], out[1]


def write_layers(network: str | Path, out: str | Path, *, force: bool = False) -> Path:
    """Write a network (a GeoJSON folder or a GeoPackage) as a GeoPackage with layers ``nodes`` and
    ``edges``, every field and geometry kept: the form to edit in QGIS and give back as ``network:``.
    QGIS opens it styled (nodes and edges coloured by kind) with drop-downs of the allowed ``kind``
    and ``source_kind`` values in its forms (styles in the ``layer_styles`` table).

    ``out`` is never replaced unless ``force`` is given and it is a GeoPackage waterplan wrote."""
    nodes, edges = read_layers(network)
    out = Path(out)
    if out.suffix.lower() != GPKG_SUFFIX:
        raise InputError(Problem("<command line>", "--out", str(out), "a file name ending in .gpkg"))
    check_output_file(out, force, is_own=out.is_file() and _written_by_us(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{GPKG_SUFFIX}")
    tmp.unlink(missing_ok=True)
    try:
        for name, gdf in (("nodes", nodes), ("edges", edges)):
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", metadata={"written_by": NETWORK_CREATOR})
        store_styles(tmp, input_styles())
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


#: the metadata waterplan leaves in a network GeoPackage it wrote (so ``force`` may replace it)
NETWORK_CREATOR = "waterplan network"


def _written_by_us(path: Path) -> bool:
    try:
        meta = pyogrio.read_info(path, layer="nodes").get("layer_metadata") or {}
    except Exception:  # not a GeoPackage, or no nodes layer
        return False
    return meta.get("written_by") == NETWORK_CREATOR


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
                    f"a node id, or a line whose {'first' if col == 'from' else 'last'} point lies within "
                    f"{tolerance_m:g} m of a node ({near}) or inside a county of the study area",
                )
            )
    return edges, problems


def _volume(props: dict[str, Any], key: str, fname: str, where: str, problems: list[Problem]) -> float | None:
    """A volume field with its ``_unit``; ``None`` where both are left empty (no limit)."""
    value = props.get(key)
    if _blank(value):
        if not _blank(props.get(f"{key}_unit")):  # a unit without its number: not "no limit" by accident
            problems.append(
                Problem(
                    fname,
                    f"{where}.{key}",
                    value,
                    f"a number in {props.get(f'{key}_unit')} (leave both {key} and {key}_unit empty for no limit)",
                )
            )
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


def is_illustrative(text: object) -> bool:
    """Whether a provenance or derivation marks its figures as a stand-in (an assumption, an
    illustrative figure) rather than a public fact or the plan's own."""
    t = str(text or "").lower()
    return "assumption" in t or "illustrative" in t or "示意" in t


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


def _in_service(b: _Builder, fname: str, where: str, row: dict[str, Any]) -> bool:
    """Whether a feature carries water in the scenario's year: no ``commissioned`` year, or one not
    after it. A ``commissioned`` that is not a year is a problem (and the feature is left out)."""
    c: Any = row.get("commissioned")
    if _blank(c):
        return True
    try:
        year = float(c)
        ok = year == int(year) and 1900 <= year <= 2200
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        b.problems.append(
            Problem(fname, f"{where}.commissioned", c, "the first year the asset carries water, e.g. 2027")
        )
        return False
    return bool(int(year) <= b.spec.year)


@dataclass
class _Builder:
    """What building a graph needs at hand: the scenario, the layers' file names, the problems."""

    scenario: Scenario
    G: nx.DiGraph
    nfile: str
    efile: str
    node_ids: set[str]
    problems: list[Problem] = field(default_factory=list)
    demand_node: dict[tuple[str, str], str] = field(default_factory=dict)
    edge_ids: set[str] = field(default_factory=set)

    @property
    def spec(self) -> Any:
        return self.scenario.spec


def _source_attrs(b: _Builder, row: dict[str, Any], nid: str, kind: str, where: str, attrs: dict[str, Any]) -> bool:
    """Source attributes of a node (kind, tags, availability or WWTP capacities); False if unusable."""
    skind = row.get("source_kind")
    if skind not in SOURCE_KINDS:
        b.problems.append(Problem(b.nfile, f"{where}.source_kind", skind, f"one of {', '.join(SOURCE_KINDS)}"))
        return False
    attrs["source_kind"] = skind
    raw_tags = "" if _blank(row.get("tags")) else str(row.get("tags"))
    attrs["tags"] = {t.strip() for t in raw_tags.split(",") if t.strip()}
    if kind == "wwtp":
        attrs["capacity"] = _volume(row, "capacity", b.nfile, where, b.problems)
        attrs["reclaimed_capacity"] = _volume(row, "reclaimed_capacity", b.nfile, where, b.problems)
        attrs["yield"] = _fraction(row, "yield", 1.0, b.nfile, where, b.problems)
        if attrs["capacity"] is None:
            b.problems.append(Problem(b.nfile, f"{where}.capacity", None, "a WWTP needs a treatment capacity"))
        return True
    avail = _volume(row, "available", b.nfile, where, b.problems)
    overrides = b.spec.sources
    if nid in overrides:
        o = overrides[nid]
        avail = to_model_volume(o.available, o.unit, file=_rel(b.scenario.path), field=f"sources.{nid}.available")
    if avail is None:
        if _blank(row.get("available_unit")):  # (a unit without its number is reported by _volume)
            b.problems.append(
                Problem(b.nfile, f"{where}.available", None, "a source needs an available volume with its unit")
            )
        avail = 0.0
    if skind in SURFACE_KINDS:
        avail *= surface_factor(b.spec.hydrology, skind, nid)
    attrs["available"] = avail
    return True


def _storage_attrs(b: _Builder, row: dict[str, Any], where: str, attrs: dict[str, Any]) -> None:
    """A reservoir's storage, dead storage, initial storage and monthly evaporation."""
    storage = _volume(row, "storage", b.nfile, where, b.problems)
    if storage is None:
        return
    dead = _volume(row, "dead_storage", b.nfile, where, b.problems)
    init = _volume(row, "initial_storage", b.nfile, where, b.problems)
    attrs["storage"] = storage
    attrs["dead_storage"] = dead if dead is not None else 0.0
    attrs["initial_storage"] = init if init is not None else 0.5 * storage
    attrs["evaporation"] = _fraction(row, "evaporation", 0.0, b.nfile, where, b.problems)
    checks = (
        (attrs["initial_storage"] > storage, "initial_storage", "at most the storage capacity"),
        (attrs["dead_storage"] > storage, "dead_storage", "at most the storage capacity"),
        (attrs["initial_storage"] < attrs["dead_storage"], "initial_storage", "at least the dead storage"),
    )
    for bad, key, valid in checks:
        if bad:
            given = row.get(key)
            if key == "initial_storage" and valid.startswith("at most"):
                valid = f"at most the storage capacity ({row.get('storage')} {row.get('storage_unit')})"
            b.problems.append(Problem(b.nfile, f"{where}.{key}", given, valid))


def _feature(
    b: _Builder, fname: str, i: int, row: dict[str, Any], kinds: tuple[str, ...], what: str
) -> tuple[str, str, str] | None:
    """A layer feature's id, kind and where it is named; None if unusable or out of service this year."""
    fid = row.get("id")
    where = f"features[{i}] ({fid})"
    if _blank(fid):
        b.problems.append(Problem(fname, f"features[{i}].id", fid, what))
        return None
    kind = row.get("kind")
    if kind not in kinds:
        b.problems.append(Problem(fname, f"{where}.kind", kind, f"one of {', '.join(kinds)}"))
        return None
    if _blank(row.get("provenance")):
        b.problems.append(Problem(fname, f"{where}.provenance", None, "a source or derivation for the feature"))
    if not _in_service(b, fname, where, row):
        return None
    return str(fid), str(kind), where


def _add_node(b: _Builder, i: int, row: dict[str, Any]) -> None:
    head = _feature(b, b.nfile, i, row, NODE_KINDS, "a node id")
    if head is None:
        return
    nid, kind, where = head
    if nid in b.G:
        b.problems.append(Problem(b.nfile, f"{where}.id", nid, "a unique node id"))
        return
    geom = row["geometry"]
    if geom is None or geom.is_empty or geom.geom_type != "Point":
        return  # reported by the layout checks
    attrs: dict[str, Any] = {
        "kind": kind,
        "name_zh": row.get("name_zh") or nid,
        "name_en": row.get("name_en") or nid,
        "county": "" if _blank(row.get("county")) else str(row.get("county")),
        "lon": geom.x,
        "lat": geom.y,
        "provenance": row.get("provenance", ""),
    }
    if not _blank(row.get("source_kind")):
        if not _source_attrs(b, row, str(nid), kind, where, attrs):
            return
    elif kind != "wwtp":
        cap = _volume(row, "capacity", b.nfile, where, b.problems)
        if cap is not None:
            attrs["capacity"] = cap
    if kind == "reservoir":
        _storage_attrs(b, row, where, attrs)
    attrs["cost"] = float(row["cost"]) if not _blank(row.get("cost")) else 0.0
    b.G.add_node(nid, **attrs)


def _add_demands(b: _Builder) -> None:
    sectors = b.spec.sectors
    for r in b.scenario.demands.itertuples():
        node = f"demand:{r.county}:{r.sector}"
        b.demand_node[(r.county, r.sector)] = node
        b.G.add_node(
            node,
            kind="demand",
            county=r.county,
            sector=r.sector,
            priority=sectors[r.sector].priority,
            demand=float(r.demand_10k_m3),
            row=int(r.row),
            derivation=str(r.derivation or ""),
            name_zh=f"{r.county}:{sectors[r.sector].name_zh}",
            name_en=f"{r.county}:{r.sector}",
        )


def _edge_sectors(b: _Builder, row: dict[str, Any], where: str) -> list[str]:
    sectors = b.spec.sectors
    raw = "" if _blank(row.get("sectors")) else str(row.get("sectors")).strip()
    names = list(sectors) if raw in ("*", "") else [s.strip() for s in raw.split(",")]
    for s in names:
        if s not in sectors and s not in SECTOR_NAMES:
            b.problems.append(Problem(b.efile, f"{where}.sectors", s, f"sector names: {', '.join(sectors)}"))
    # a sector that is a share of another (basic ecology of ecology) is served by the parent's edges
    names += [n for n, spec in sectors.items() if spec.share_of and spec.share_of.sector in names and n not in names]
    return names


def _add_sewer(b: _Builder, row: dict[str, Any], where: str, sectors: list[str]) -> None:
    eid, a, w = row.get("id"), str(row.get("from")), str(row.get("to"))
    if w not in b.G and w in b.node_ids:
        return  # the WWTP is not in service this year
    if not a.startswith("county:") or w not in b.G or b.G.nodes[w]["kind"] != "wwtp":
        b.problems.append(
            Problem(b.efile, f"{where}.from/to", f"{a} → {w}", "a sewer runs from county:ADCODE to a WWTP node")
        )
        return
    share = _fraction(row, "share", 1.0, b.efile, where, b.problems)
    county = a.split(":", 1)[1]
    for s in sectors:
        d = b.demand_node.get((county, s))
        if d is not None:
            b.G.add_edge(
                d, w, id=f"{eid}>{s}", layer_id=eid, kind="sewer", share=share, capacity=None, loss=0.0, cost=0.0,
                min_flow=0.0,
            )  # fmt: skip


def _add_to_county(b: _Builder, row: dict[str, Any], where: str, sectors: list[str], attrs: dict[str, Any]) -> None:
    """An edge into a county: to a delivery point there, which serves one demand node per sector."""
    eid, a, to = row.get("id"), str(row.get("from")), str(row.get("to"))
    county = to.split(":", 1)[1]
    if county not in set(b.scenario.counties):
        b.problems.append(Problem(b.efile, f"{where}.to", to, "a county of the study area"))
        return
    targets = [b.demand_node[(county, s)] for s in sectors if (county, s) in b.demand_node]
    if not targets:
        return
    hub = f"{eid}@{county}"
    end = row["geometry"].coords[-1] if row.get("geometry") is not None else (math.nan, math.nan)
    b.G.add_node(
        hub,
        kind="delivery",
        county=county,
        name_zh=attrs["name_zh"] or eid,
        name_en=attrs["name_en"] or eid,
        lon=end[0],
        lat=end[1],
    )
    b.G.add_edge(a, hub, **attrs)
    for t in targets:
        b.G.add_edge(
            hub, t, id=f"{eid}>{b.G.nodes[t]['sector']}", layer_id=eid, kind="service", capacity=None, loss=0.0,
            cost=0.0, min_flow=0.0,
        )  # fmt: skip


def _edge_loss(b: _Builder, row: dict[str, Any], kind: str, where: str) -> float:
    """An edge's loss: the layer's ``loss``; on the supply network's ``distribution`` edges, the
    scenario's ``levers.network_leakage`` where it is given (the plan's leakage rate is the loss of
    the public supply network, so a demand stays what its users take and is not grossed up)."""
    loss = _fraction(row, "loss", 0.0, b.efile, where, b.problems)
    leak = b.spec.levers.get("network_leakage")
    if kind == "distribution" and leak is not None:
        if not 0.0 <= leak.value < 1.0:
            b.problems.append(
                Problem(_rel(b.scenario.path), "levers.network_leakage.value", leak.value, "a fraction in [0, 1)")
            )
            return loss
        return float(leak.value)
    return loss


def _add_edge(b: _Builder, i: int, row: dict[str, Any]) -> None:
    head = _feature(b, b.efile, i, row, EDGE_KINDS, "an edge id")
    if head is None:
        return
    eid, kind, where = head
    a, to = str(row.get("from")), str(row.get("to"))
    if a == to:
        b.problems.append(Problem(b.efile, f"{where}.from/to", f"{a} → {to}", "an edge between two different nodes"))
        return
    if eid in b.edge_ids:
        b.problems.append(Problem(b.efile, f"{where}.id", eid, "a unique edge id (this one is used twice)"))
        return
    b.edge_ids.add(str(eid))
    sectors = _edge_sectors(b, row, where)
    if kind == "sewer":
        _add_sewer(b, row, where, sectors)
        return
    if a not in b.G:
        if not (a.startswith("county:") or a in b.node_ids):  # else: an end out of service or outside the area
            b.problems.append(Problem(b.efile, f"{where}.from", a, "the id of a node in nodes.geojson"))
        return
    attrs = {
        "id": eid,
        "layer_id": eid,
        "kind": kind,
        "name_zh": row.get("name_zh") or "",
        "name_en": row.get("name_en") or "",
        "capacity": _volume(row, "capacity", b.efile, where, b.problems),
        "loss": _edge_loss(b, row, kind, where),
        "cost": float(row["cost"]) if not _blank(row.get("cost")) else 0.0,
        "min_flow": _volume(row, "min_flow", b.efile, where, b.problems) or 0.0,
        "provenance": row.get("provenance", ""),
        "geometry": row.get("geometry"),
    }
    if to.startswith("county:"):
        _add_to_county(b, row, where, sectors, attrs)
    elif to in b.G:
        b.G.add_edge(a, to, **attrs)
    elif to not in b.node_ids:  # else: out of service this year
        b.problems.append(Problem(b.efile, f"{where}.to", to, "the id of a node in nodes.geojson or county:ADCODE"))


def _flow_readings(b: _Builder, gdf_nodes: pd.DataFrame, gdf_edges: pd.DataFrame) -> list[dict[str, Any]]:
    """Every layer number given as a flow rate (read as a yearly volume over 365 days): a capacity is
    a rate by nature; an availability or a storage given as a flow is listed as such in the report."""
    out = []
    for fname, gdf in ((b.nfile, gdf_nodes), (b.efile, gdf_edges)):
        for i, row in enumerate(gdf.to_dict("records")):
            for key, unit in row.items():
                if not str(key).endswith("_unit") or not is_flow(unit):
                    continue
                name = str(key)[: -len("_unit")]
                if _blank(row.get(name)):
                    continue
                out.append(
                    {
                        "file": fname,
                        "field": f"features[{i}] ({row.get('id')}).{name}",
                        "value": row.get(name),
                        "unit": unit,
                        "as": "capacity" if "capacity" in name or name == "min_flow" else "volume",
                    }
                )
    return out


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
        (万m³/yr or ``None``), ``loss``, ``cost``, ``min_flow`` and the authored ``geometry``
        (WGS84); sewer edges carry ``share``. The graph is checked with :func:`check_graph`
        before it is returned.

    Raises
    ------
    InputError
        On any bad layer value, dangling edge, or a demand no acceptable source can reach.
    """
    gdf_nodes, gdf_edges = read_layers(scenario.network_dir)
    efile = layer_file(scenario.network_dir, "edges")
    gdf_edges, snapped = snap_ends(
        gdf_nodes, gdf_edges, scenario.counties, tolerance_m=scenario.spec.snap_tolerance_m, efile=efile
    )
    raise_if(snapped)
    b = _Builder(
        scenario=scenario,
        G=nx.DiGraph(name=scenario.name, year=scenario.spec.year, crs="EPSG:4326"),
        nfile=layer_file(scenario.network_dir, "nodes"),
        efile=efile,
        node_ids={str(n) for n in gdf_nodes["id"] if not _blank(n)},
    )
    for i, row in enumerate(gdf_nodes.to_dict("records")):
        _add_node(b, i, row)
    for nid in scenario.spec.sources:
        if nid not in b.node_ids:
            b.problems.append(
                Problem(
                    _rel(scenario.path), f"sources.{nid}", nid, "a source node id in the network layer (no such source)"
                )
            )
    _add_demands(b)
    for i, row in enumerate(gdf_edges.to_dict("records")):
        _add_edge(b, i, row)
    layout_errors, layout_warnings = check_layout(b.G, scenario, gdf_nodes, gdf_edges, nfile=b.nfile, efile=b.efile)
    raise_if([*b.problems, *layout_errors])
    b.G.graph["warnings"] = [str(w) for w in layout_warnings]
    b.G.graph["flow_readings"] = _flow_readings(b, gdf_nodes, gdf_edges)
    check_graph(b.G, scenario)
    return b.G


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


def _check_demands(G: nx.DiGraph, scenario: Scenario, problems: list[Problem]) -> None:
    accepts = {name: set(s.accepts) for name, s in scenario.spec.sectors.items()}
    fed = {v for (_u, v), srcs in commodity_reach(G, accepts).items() if srcs}
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
                    f"{layer_file(scenario.network_dir, 'edges')}",
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
            why = "no source's water reaches it"
        elif n not in upstream:
            why = "its water reaches no demand or outlet"
        else:
            continue
        problems.append(
            Problem(
                nfile,
                f"id ({d.get('name_zh', n)})",
                n,
                f"a node on a route from a source to a demand or an outlet ({why}); connect it with an edge "
                "in edges.geojson, or remove it, or give it the `commissioned` year of its lines",
            )
        )


def _check_selection(G: nx.DiGraph, sfile: str, field: str, sel: Any, problems: list[Problem]) -> None:
    if sel.source_ids:
        for sid in sorted(sel.source_ids):
            if sid not in G or "source_kind" not in G.nodes[sid]:
                problems.append(Problem(sfile, f"{field}.ids", sid, "the id of a source node in the network"))
    if sel.source_tags:
        all_tags = set().union(*(d.get("tags", set()) for _n, d in G.nodes(data=True)))
        for tag in sorted(sel.source_tags - all_tags):
            problems.append(
                Problem(sfile, f"{field}.tags", tag, f"a tag some source carries: {', '.join(sorted(all_tags))}")
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
                    f"sewer shares from county:{d['county']} ({d['sector']}) add up to at most 1",
                )
            )


def check_graph(G: nx.DiGraph, scenario: Scenario) -> None:
    """Check the graph before solving, as Pywr's ``check_graph`` does.

    Every demand with a positive volume must be reachable from a source its sector accepts;
    every node must lie on a route from a source to a demand or an outlet; every source, tag,
    kind and edge a constraint names must exist; sewer shares of a county must not exceed 1.

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
