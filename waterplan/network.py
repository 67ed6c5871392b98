"""The water network as a networkx DiGraph.

Authored layers (``nodes.geojson``, ``edges.geojson`` in a folder under gis/) hold the
physical network: sources, reservoirs, water plants, WWTPs, junctions, outlets and the
canals, rivers and pipes between them, every feature with its provenance. An edge may end at
``county:ADCODE`` with a list of sectors: the graph builder turns that into a delivery point
in the county feeding one demand node per sector (``demand:ADCODE:SECTOR``). Sewer edges
(``county:ADCODE`` → WWTP, with a ``share``) carry the county's return flow to treatment.

All quantities are converted to 万m³/yr when the graph is built.

This module builds the graph; its neighbours do the other stages (as OSMnx splits its own):
:mod:`waterplan.layers` reads and writes the layers and snaps lines to their nodes,
:mod:`waterplan._validate` checks the built graph, :mod:`waterplan.reach` answers what reaches
what, :mod:`waterplan.convert` turns a graph into GeoDataFrames and back. Their public names are
importable from here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from ._errors import InputError, Problem, raise_if
from ._validate import check_graph
from .convert import graph_from_gdfs, graph_to_gdfs
from .i18n import tr
from .layers import _blank, layer_file, read_layers, snap_ends, write_layers
from .layout import check_layout
from .palette import EDGE_KINDS, NODE_KINDS, SURFACE_KINDS
from .reach import commodity_reach, sources_matching
from .reading import _rel
from .scenario import SECTOR_NAMES, SOURCE_KINDS, Scenario
from .units import is_flow, to_model_volume
from .vocabulary import kind_choices, resolve_kind, resolve_sector, sector_choices, split_names

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "build_graph",
    "check_graph",
    "commodity_reach",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "layer_file",
    "read_layers",
    "snap_ends",
    "sources_matching",
    "write_layers",
]


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
                    tr(
                        "a number in {0} (leave both {key} and {key}_unit empty for no limit)",
                        props.get(f"{key}_unit"),
                        key=key,
                    ),
                )
            )
        return None
    try:
        v = to_model_volume(value, props.get(f"{key}_unit"), file=fname, field=f"{where}.{key}")
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if v < 0:
        problems.append(Problem(fname, f"{where}.{key}", value, tr("zero or more")))
        return None
    return v


#: the largest loss an edge may have: a canal losing more than this is a slip of units (5 for 0.05)
MAX_LOSS = 0.95


def _fraction(
    props: dict[str, Any],
    key: str,
    default: float,
    fname: str,
    where: str,
    problems: list[Problem],
    *,
    below_one: str = "",
) -> float:
    """``props[key]`` as a fraction in [0, 1] (``below_one``: why it must be less than 1, if it must)."""
    value: Any = props.get(key)
    if _blank(value):
        return default
    valid = tr("a fraction between 0 and 1")
    if below_one:
        valid = tr(
            "a fraction from 0 to {MAX_LOSS}, e.g. 0.05 for 5 % ({below_one})",
            MAX_LOSS=MAX_LOSS,
            below_one=below_one,
        )
    try:
        v = float(value)
    except (TypeError, ValueError):
        problems.append(Problem(fname, f"{where}.{key}", value, valid))
        return default
    if not 0.0 <= v <= (MAX_LOSS if below_one else 1.0):
        problems.append(Problem(fname, f"{where}.{key}", value, valid))
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
            Problem(fname, f"{where}.commissioned", c, tr("the first year the asset carries water, e.g. 2027"))
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
    skind = resolve_kind(row.get("source_kind")) if not _blank(row.get("source_kind")) else None
    if skind not in SOURCE_KINDS:
        b.problems.append(Problem(b.nfile, f"{where}.source_kind", row.get("source_kind"),
                                  kind_choices(row.get("source_kind"))))  # fmt: skip
        return False
    attrs["source_kind"] = skind
    raw_tags = "" if _blank(row.get("tags")) else str(row.get("tags"))
    attrs["tags"] = {t.strip() for t in raw_tags.split(",") if t.strip()}
    if kind == "wwtp":
        attrs["capacity"] = _volume(row, "capacity", b.nfile, where, b.problems)
        attrs["reclaimed_capacity"] = _volume(row, "reclaimed_capacity", b.nfile, where, b.problems)
        attrs["yield"] = _fraction(row, "yield", 1.0, b.nfile, where, b.problems)
        if attrs["capacity"] is None:
            b.problems.append(Problem(b.nfile, f"{where}.capacity", None, tr("a WWTP needs a treatment capacity")))
        return True
    avail = _volume(row, "available", b.nfile, where, b.problems)
    overrides = b.spec.sources
    if nid in overrides:
        o = overrides[nid]
        avail = to_model_volume(o.available, o.unit, file=_rel(b.scenario.path), field=f"sources.{nid}.available")
    if avail is None:
        if _blank(row.get("available_unit")):  # (a unit without its number is reported by _volume)
            b.problems.append(
                Problem(b.nfile, f"{where}.available", None, tr("a source needs an available volume with its unit"))
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
                valid = tr("at most the storage capacity ({0} {1})", row.get("storage"), row.get("storage_unit"))
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
        b.problems.append(Problem(fname, f"{where}.kind", kind, tr("one of {0}", ", ".join(kinds))))
        return None
    if _blank(row.get("provenance")):
        b.problems.append(Problem(fname, f"{where}.provenance", None, tr("a source or derivation for the feature")))
    if not _in_service(b, fname, where, row):
        return None
    return str(fid), str(kind), where


def _add_node(b: _Builder, i: int, row: dict[str, Any]) -> None:
    head = _feature(b, b.nfile, i, row, NODE_KINDS, "a node id")
    if head is None:
        return
    nid, kind, where = head
    if nid in b.G:
        b.problems.append(Problem(b.nfile, f"{where}.id", nid, tr("a unique node id")))
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
    if raw in ("*", ""):
        names = list(sectors)
    else:  # keys, English or Chinese names, synonyms; any of , ， 、 ; ； between them
        names = []
        for typed in split_names(raw):
            key = resolve_sector(typed, sectors) or resolve_sector(typed, SECTOR_NAMES)
            if key is None:
                b.problems.append(Problem(b.efile, f"{where}.sectors", typed, sector_choices(sectors, typed)))
            elif key not in names:
                names.append(key)
    # a sector that is a share of another (basic ecology of ecology) is served by the parent's edges
    names += [n for n, spec in sectors.items() if spec.share_of and spec.share_of.sector in names and n not in names]
    return names


def _add_sewer(b: _Builder, row: dict[str, Any], where: str, sectors: list[str]) -> None:
    eid, a, w = row.get("id"), str(row.get("from")), str(row.get("to"))
    if w not in b.G and w in b.node_ids:
        return  # the WWTP is not in service this year
    if not a.startswith("county:") or w not in b.G or b.G.nodes[w]["kind"] != "wwtp":
        b.problems.append(
            Problem(b.efile, f"{where}.from/to", f"{a} → {w}", tr("a sewer runs from county:ADCODE to a WWTP node"))
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
        b.problems.append(Problem(b.efile, f"{where}.to", to, tr("a county of the study area")))
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
            hub, t, id=f"{eid}>{b.G.nodes[t]['sector']}", layer_id=eid, kind="service",
            capacity=None, loss=_service_leak(b, attrs["kind"], b.G.nodes[t]["sector"]), cost=0.0, min_flow=0.0,
        )  # fmt: skip


def _service_leak(b: _Builder, kind: str, sector: str) -> float:
    """The public supply network's leakage on the last step to a user, counted once: a sector the
    scenario's ``levers.network_leakage`` applies to, served by a potable line that is not a
    ``distribution`` edge (which loses the leakage itself), loses it here; reclaimed water and other
    sectors lose nothing on this step."""
    leak = b.spec.levers.get("network_leakage")
    if leak is None or sector not in leak.applies_to or kind in ("distribution", "reclaimed_pipe"):
        return 0.0
    return float(leak.value) if 0.0 <= leak.value < 1.0 else 0.0


def _edge_loss(b: _Builder, row: dict[str, Any], kind: str, where: str) -> float:
    """An edge's loss: the layer's ``loss``; on the supply network's ``distribution`` edges, the
    scenario's ``levers.network_leakage`` where it is given (the plan's leakage rate is the loss of
    the public supply network, so a demand stays what its users take and is not grossed up). Water
    for a sector the leakage ``applies_to`` that reaches its county by another potable line loses
    it on the last step instead (:func:`_service_leak`): counted exactly once on every route."""
    why = tr("a line losing more is a slip of units; one that loses all it carries delivers nothing: remove it")
    loss = _fraction(row, "loss", 0.0, b.efile, where, b.problems, below_one=why)
    leak = b.spec.levers.get("network_leakage")
    if kind == "distribution" and leak is not None:
        if not 0.0 <= leak.value < 1.0:
            b.problems.append(
                Problem(_rel(b.scenario.path), "levers.network_leakage.value", leak.value, tr("a fraction in [0, 1)"))
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
        b.problems.append(
            Problem(b.efile, f"{where}.from/to", f"{a} → {to}", tr("an edge between two different nodes"))
        )
        return
    if eid in b.edge_ids:
        b.problems.append(Problem(b.efile, f"{where}.id", eid, tr("a unique edge id (this one is used twice)")))
        return
    b.edge_ids.add(str(eid))
    sectors = _edge_sectors(b, row, where)
    if kind == "sewer":
        _add_sewer(b, row, where, sectors)
        return
    if a not in b.G:
        if not (a.startswith("county:") or a in b.node_ids):  # else: an end out of service or outside the area
            b.problems.append(Problem(b.efile, f"{where}.from", a, tr("the id of a node in nodes.geojson")))
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
        b.problems.append(Problem(b.efile, f"{where}.to", to, tr("the id of a node in nodes.geojson or county:ADCODE")))


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
        On any bad layer value, dangling edge, or (with the scenario's ``strict: true``) a demand no
    acceptable source can reach.
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
                    _rel(scenario.path),
                    f"sources.{nid}",
                    nid,
                    tr("a source node id in the network layer (no such source)"),
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
