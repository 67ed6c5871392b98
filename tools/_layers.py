"""Shared writer for authored network layers (one GeoJSON feature per line)."""

from __future__ import annotations

import json
from pathlib import Path

from waterplan.boundaries import load_counties

C = "county:"


def _line(feature: dict) -> str:
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def write_layers(
    out: Path, *, city: str, nodes: list, edges: list, county_gw: dict[str, float], gw_provenance: str, name: str
) -> None:
    """Write ``nodes.geojson`` and ``edges.geojson``.

    ``nodes``: (id, name_zh, name_en, kind, source_kind, tags, county, lon, lat, attrs, provenance);
    ``edges``: (id, name_zh, name_en, kind, from, to, sectors, attrs, provenance); ``county_gw``:
    porous groundwater available per county (万m³/yr), drawn beside the county's representative point.
    """
    counties = load_counties(city=city).set_index("adcode")
    pos: dict[str, tuple[float, float]] = {}
    node_feats = []
    for nid, zh, en, kind, skind, tags, county, lon, lat, attrs, prov in nodes:
        pos[nid] = (lon, lat)
        props = {
            "id": nid,
            "name_zh": zh,
            "name_en": en,
            "kind": kind,
            "source_kind": skind,
            "tags": tags,
            "county": county,
            **attrs,
            "provenance": prov,
        }
        node_feats.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        )
    for county, avail in county_gw.items():
        p = counties.loc[county].geometry.representative_point()
        lon, lat = round(p.x + 0.03, 4), round(p.y - 0.02, 4)
        nid = f"gw_{county}"
        pos[nid] = (lon, lat)
        props = {
            "id": nid,
            "name_zh": f"{counties.loc[county, 'name_zh']}孔隙地下水",
            "name_en": f"{counties.loc[county, 'name_en']} porous groundwater",
            "kind": "groundwater",
            "source_kind": "groundwater_porous",
            "tags": "gw_county",
            "county": county,
            "available": avail,
            "available_unit": "万m³",
            "provenance": gw_provenance,
        }
        node_feats.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        )
    for county in counties.index:
        p = counties.loc[county].geometry.representative_point()
        pos[C + county] = (round(p.x, 4), round(p.y, 4))
    edge_feats = []
    for eid, zh, en, kind, a, b, sectors, attrs, prov in edges:
        props = {
            "id": eid,
            "name_zh": zh,
            "name_en": en,
            "kind": kind,
            "from": a,
            "to": b,
            "sectors": sectors,
            **attrs,
            "provenance": prov,
        }
        edge_feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": [list(pos[a]), list(pos[b])]},
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    for layer, feats in (("nodes", node_feats), ("edges", edge_feats)):
        body = ",\n".join(_line(f) for f in feats)
        text = (
            '{"type":"FeatureCollection","name":"' + name + "_" + layer + '",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[\n'
            + body
            + "\n]}\n"
        )
        (out / f"{layer}.geojson").write_text(text, encoding="utf-8")
    print(f"wrote {len(node_feats)} nodes and {len(edge_feats)} edges to {out}")


def county_point_nodes(
    table: dict[str, float],
    *,
    prefix: str,
    kind: str,
    source_kind: str,
    tags: str,
    names: object,
    seat: dict[str, tuple[float, float]],
    offset: tuple[float, float],
    attrs: object,
    name_zh: str,
    name_en: str,
    provenance: str,
) -> list:
    """One node per county (e.g. a county WWTP or its mine water) placed beside the county seat.

    ``attrs(value)`` gives the node's attributes; ``provenance`` may use ``{value}``.
    """
    out = []
    for county, value in table.items():
        lon, lat = seat[county]
        zh = names.loc[county, "name_zh"]  # type: ignore[attr-defined]
        en = names.loc[county, "name_en"]  # type: ignore[attr-defined]
        out.append(
            (
                f"{prefix}_{county}",
                f"{zh}{name_zh}",
                f"{en} {name_en}",
                kind,
                source_kind,
                tags,
                county,
                lon + offset[0],
                lat + offset[1],
                attrs(value),
                provenance.format(value=value),
            )
        )  # type: ignore[operator]
    return out


def reclaimed_edges(pipes: list) -> list:
    """Edges for (wwtp, county, sectors, attrs, provenance) reclaimed-water pipes."""
    return [
        (f"rw_{w[5:]}_{county}_{i}", "", "", "reclaimed_pipe", w, C + county, sectors, attrs, prov)
        for i, (w, county, sectors, attrs, prov) in enumerate(pipes)
    ]


def sewer_edges(sewers: dict[str, list[tuple[str, float]]], assume: str) -> list:
    """Edges carrying a share of each county's domestic and industrial return flow to a WWTP."""
    return [
        (
            f"sewer_{county}_{w[5:]}",
            "",
            "",
            "sewer",
            C + county,
            w,
            "domestic,industry",
            {"share": share},
            f"{assume}share {share} of the county's domestic and industrial return flow collected here.",
        )
        for county, plants in sewers.items()
        for w, share in plants
    ]


def county_edges(
    counties: list[str], *, prefix: str, source: str, kind: str, sectors: str, loss: float, provenance: str
) -> list:
    """One edge per county from ``source`` (``{county}`` in ``source`` is replaced)."""
    return [
        (
            f"{prefix}_{county}" if "{county}" not in prefix else prefix.format(county=county),
            "",
            "",
            kind,
            source.format(county=county),
            C + county,
            sectors,
            {"loss": loss},
            provenance,
        )
        for county in counties
    ]


def wells_and_mine_edges(counties: list[str], mines: list[str], *, mine_provenance: str) -> list:
    """Each county's self-supply wells (all sectors) and its mine water to industry, irrigation, ecology."""
    return county_edges(
        counties,
        prefix="gw_{county}_use",
        source="gw_{county}",
        kind="wells",
        sectors="*",
        loss=0.0,
        provenance="Self-supply wells inside the county.",
    ) + county_edges(
        mines,
        prefix="mine_{county}_use",
        source="mine_{county}",
        kind="pipeline",
        sectors="industry,agriculture,ecology",
        loss=0.02,
        provenance=mine_provenance,
    )
