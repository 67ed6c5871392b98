"""QGIS styles (QML) waterplan writes: of a run's layers (counties by coverage, the network by
flow, sources by kind, in the web map's colours) and of a network's input form (kinds coloured,
drop-downs of the allowed values), stored in a GeoPackage's ``layer_styles`` table or beside a
Shapefile."""

from __future__ import annotations

import html
import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd

from .palette import (
    CHOROPLETHS,
    EDGE_KIND_NAMES,
    EDGE_KINDS,
    FIELD_ALIASES_ZH,
    NODE_COLOURS,
    NODE_KIND_NAMES,
    NODE_KINDS,
    class_bounds,
    class_labels,
)
from .scenario import SOURCE_KINDS

__all__ = ["QML_MARK", "counties_qml", "edges_qml", "field_aliases", "input_styles", "layer_styles", "nodes_qml",
           "store_styles", "write_qml"]  # fmt: skip

#: written into every QGIS style waterplan writes (so that only its own is ever replaced)
QML_MARK = "written by waterplan"


def _rgb(colour: str) -> str:
    return ",".join(str(int(colour[k : k + 2], 16)) for k in (1, 3, 5))


def _qml(renderer: str, geometry_type: int, note: str, aliases: str = "") -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28.0" styleCategories="Symbology|Fields">\n'
        f"{renderer}\n{aliases}  <layerGeometryType>{geometry_type}</layerGeometryType>\n  <!-- {note} -->\n"
        f"  <!-- {QML_MARK} -->\n</qgis>\n"
    )


def _label(names: dict[str, tuple[str, str]], kind: str) -> str:
    """A category's label: its Chinese and English names (the kind itself if it has none)."""
    zh, en = names.get(kind, (kind, kind))
    return html.escape(f"{zh} {en}", quote=True)


def field_aliases(columns: list[str], fields: dict[str, str] | None = None) -> str:
    """QGIS field aliases (Chinese, with the long name in English) of a layer's ``columns``, keyed by
    the written field names (``fields``: long → written, a Shapefile's 10 characters)."""
    rows = []
    for i, col in enumerate(c for c in columns if c != "geometry"):
        if col in FIELD_ALIASES_ZH:
            name = html.escape(f"{FIELD_ALIASES_ZH[col]} {col}", quote=True)
            rows.append(f'<alias field="{(fields or {}).get(col, col)}" index="{i}" name="{name}"/>')
    return f"  <aliases>{''.join(rows)}</aliases>\n" if rows else ""


def _symbol(kind: str, name: str, layer: str, options: dict[str, str]) -> str:
    opts = "".join(f'<Option name="{k}" type="QString" value="{v}"/>' for k, v in options.items())
    return (
        f'<symbol type="{kind}" name="{name}" alpha="1" force_rhr="0" clip_to_extent="1"><layer class="{layer}" '
        f'enabled="1" pass="0" locked="0"><Option type="Map">{opts}</Option></layer></symbol>'
    )


def counties_qml(field: str = "coverage", aliases: str = "") -> str:
    """QGIS style of the counties: graduated fill on ``field`` with the web map's coverage colours."""
    _zh, en, colours, _rng = CHOROPLETHS["coverage"]
    bounds = class_bounds("coverage")
    labels = class_labels("coverage", bounds)
    ranges, symbols = [], []
    for i, colour in enumerate(colours):
        a, b = bounds[i], bounds[i + 1]
        label = html.escape(labels[i], quote=True)  # "< 60%" must be escaped in XML
        ranges.append(f'<range lower="{a:.4f}" upper="{b:.4f}" symbol="{i}" label="{label}" render="true"/>')
        fill = {"color": f"{_rgb(colour)},255", "outline_color": "51,51,51,255", "outline_width": "0.26"}
        symbols.append(_symbol("fill", str(i), "SimpleFill", {**fill, "style": "solid"}))
    renderer = (
        f'  <renderer-v2 type="graduatedSymbol" attr="{field}" graduatedMethod="GraduatedColor" '
        'symbollevels="0" enableorderby="0" forceraster="0">\n'
        f"    <ranges>{''.join(ranges)}</ranges>\n    <symbols>{''.join(symbols)}</symbols>\n  </renderer-v2>"
    )
    return _qml(renderer, 2, en, aliases)


def edges_qml(field: str, max_flow: float, aliases: str = "") -> str:
    """QGIS style of the network: line width grows with the flow (five classes up to ``max_flow``)."""
    top = max(max_flow, 1.0)
    ranges, symbols = [], []
    for i in range(5):
        a, b = (top * i / 5 if i else 0.0), top * (i + 1) / 5 * (1.0001 if i == 4 else 1.0)
        ranges.append(
            f'<range lower="{a:.1f}" upper="{b:.1f}" symbol="{i}" label="{a:,.0f} – {b:,.0f} 万m³" render="true"/>'
        )
        line = {"line_color": "31,78,156,255", "line_width": f"{0.3 + 0.6 * i:.1f}", "line_style": "solid"}
        symbols.append(_symbol("line", str(i), "SimpleLine", line))
    renderer = (
        f'  <renderer-v2 type="graduatedSymbol" attr="{field}" graduatedMethod="GraduatedSize" '
        'symbollevels="0" enableorderby="0" forceraster="0">\n'
        f"    <ranges>{''.join(ranges)}</ranges>\n    <symbols>{''.join(symbols)}</symbols>\n  </renderer-v2>"
    )
    return _qml(renderer, 1, "Network: line width by flow (万m³/yr)", aliases)


def nodes_qml(field: str = "kind", aliases: str = "") -> str:
    """QGIS style of the sources and plants: one colour per kind, as on the web map."""
    cats, symbols = [], []
    for i, (kind, colour) in enumerate(NODE_COLOURS.items()):
        cats.append(f'<category value="{kind}" symbol="{i}" label="{_label(NODE_KIND_NAMES, kind)}" render="true"/>')
        marker = {"color": f"{_rgb(colour)},255", "outline_color": "255,255,255,255", "size": "2.6", "name": "circle"}
        symbols.append(_symbol("marker", str(i), "SimpleMarker", marker))
    renderer = (
        f'  <renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" forceraster="0">\n'
        f"    <categories>{''.join(cats)}</categories>\n    <symbols>{''.join(symbols)}</symbols>\n  </renderer-v2>"
    )
    return _qml(renderer, 0, "Sources, plants and WWTPs by kind", aliases)


def _value_map(field: str, values: tuple[str, ...]) -> str:
    """A QGIS form's drop-down of the values a field allows (edit widget ValueMap)."""
    items = "".join(f'<Option type="Map"><Option name="{v}" type="QString" value="{v}"/></Option>' for v in values)
    return (
        f'<field name="{field}" configurationFlags="NoFlag"><editWidget type="ValueMap"><config>'
        f'<Option type="Map"><Option name="map" type="List">{items}</Option></Option></config></editWidget></field>'
    )


def input_styles() -> dict[str, str]:
    """QGIS styles of a network's input form (the ``nodes`` and ``edges`` layers of a network GeoPackage):
    nodes coloured by kind, edges by kind, and drop-downs of the allowed ``kind`` and ``source_kind``
    values in the layers' forms."""
    edge_colours = {
        "trunk": "#1f4e9c", "canal": "#1f78b4", "river": "#33a0c8", "pipeline": "#3d5a80",
        "distribution": "#6a3d9a", "reclaimed_pipe": "#1b9e77", "wells": "#8c510a", "sewer": "#999999",
    }  # fmt: skip
    cats, symbols = [], []
    for i, kind in enumerate(EDGE_KINDS):
        cats.append(f'<category value="{kind}" symbol="{i}" label="{_label(EDGE_KIND_NAMES, kind)}" render="true"/>')
        line = {"line_color": f"{_rgb(edge_colours.get(kind, '#555555'))},255", "line_width": "0.6",
                "line_style": "dash" if kind == "sewer" else "solid"}  # fmt: skip
        symbols.append(_symbol("line", str(i), "SimpleLine", line))
    edge_renderer = (
        '  <renderer-v2 type="categorizedSymbol" attr="kind" symbollevels="0" enableorderby="0" forceraster="0">\n'
        f"    <categories>{''.join(cats)}</categories>\n    <symbols>{''.join(symbols)}</symbols>\n  </renderer-v2>"
    )
    node_renderer = nodes_qml("kind").split("\n", 2)[2].rsplit("\n  <layerGeometryType>", 1)[0]
    forms = {
        "nodes": _value_map("kind", NODE_KINDS) + _value_map("source_kind", ("", *SOURCE_KINDS)),
        "edges": _value_map("kind", EDGE_KINDS),
    }
    out = {}
    for layer, renderer, geometry_type in (("nodes", node_renderer, 0), ("edges", edge_renderer, 1)):
        out[layer] = (
            "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology|Fields|Forms">\n'
            f"{renderer}\n  <fieldConfiguration>{forms[layer]}</fieldConfiguration>\n"
            f"  <layerGeometryType>{geometry_type}</layerGeometryType>\n"
            f"  <!-- the input form of a waterplan network: fields in docs/gis.md -->\n  <!-- {QML_MARK} -->\n</qgis>\n"
        )
    return out


def layer_styles(layers: dict[str, gpd.GeoDataFrame], fields: dict[str, str] | None = None) -> dict[str, str]:
    """The QGIS style (QML) of each exported layer; ``fields`` maps long field names to the written ones."""
    f = fields or {}
    flow = f.get("flow_10k_m3", "flow_10k_m3")
    max_flow = float(layers["network_edges"]["flow_10k_m3"].max()) if len(layers["network_edges"]) else 1.0
    alias = {name: field_aliases(list(gdf.columns), f) for name, gdf in layers.items()}
    return {
        "counties": counties_qml(f.get("coverage", "coverage"), alias.get("counties", "")),
        "network_edges": edges_qml(flow, max_flow, alias.get("network_edges", "")),
        "network_nodes": nodes_qml(f.get("kind", "kind"), alias.get("network_nodes", "")),
    }


def write_qml(path: Path, *, field: str = "coverage") -> None:
    """Write the counties' QGIS style (graduated fill on ``field``) to ``path``."""
    path.write_text(counties_qml(field), encoding="utf-8")


def store_styles(gpkg: Path, styles: dict[str, str]) -> None:
    """Store QGIS styles in a GeoPackage's ``layer_styles`` table (QGIS's GeoPackage styling
    extension), each the default of its layer, so that QGIS opens the layers styled."""
    with closing(sqlite3.connect(gpkg)) as db, db:
        db.execute(
            'CREATE TABLE IF NOT EXISTS "layer_styles" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
            '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
            '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
            '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
            "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')"
        )
        geom = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for layer, qml in styles.items():
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL)",
                (layer, geom.get(layer, "geom"), f"{layer} (waterplan)", qml, QML_MARK),
            )
