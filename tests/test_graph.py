"""The graph as GeoDataFrames and back, and the route check."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import A, edge, node

from waterplan import InputError, build_graph, graph_from_gdfs, graph_to_gdfs, load_scenario, solve, tabulate

ROOT = Path(__file__).resolve().parents[1]
CITIES = ["taiyuan-2030", "changzhi-2025", "jincheng-2035"]
W = "万m³"


def _same(a, b) -> None:
    assert a.graph == b.graph
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert set(a.edges) == set(b.edges)
    for u, v, d in a.edges(data=True):
        e = b.edges[u, v]
        assert {k: x for k, x in d.items() if k != "geometry"} == {k: x for k, x in e.items() if k != "geometry"}
        if d.get("geometry") is None:
            assert e.get("geometry") is None
        else:
            assert d["geometry"].equals_exact(e["geometry"], 1e-9), (u, v)


@pytest.mark.parametrize("name", CITIES)
def test_every_city_round_trips_through_geodataframes(name):
    sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    G = build_graph(sc)
    nodes, edges = graph_to_gdfs(G)
    assert nodes.crs.to_epsg() == 4326 and edges.crs.to_epsg() == 4326
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    # the authored geometry travels with the edge: a canal is drawn as it was, not end to end
    authored = edges.dropna(subset=["geometry"])
    assert len(authored) > 0 and (authored.geometry.geom_type == "LineString").all()
    H = graph_from_gdfs(nodes, edges)
    _same(G, H)
    # in a projected CRS (CGCS2000 3° Gauss–Krüger) and back: the same graph to 1e-9°
    K = graph_from_gdfs(nodes.to_crs(4546), edges.to_crs(4546))
    for n, d in G.nodes(data=True):
        if "lon" in d and d["lon"] == d["lon"]:
            assert K.nodes[n]["lon"] == pytest.approx(d["lon"], abs=1e-9)
            assert K.nodes[n]["lat"] == pytest.approx(d["lat"], abs=1e-9)


def test_a_round_tripped_graph_solves_the_same():
    sc = load_scenario(ROOT / "scenarios" / "taiyuan-2030.yaml")
    G = build_graph(sc)
    H = graph_from_gdfs(*graph_to_gdfs(G))
    a, b = tabulate(solve(G, sc)), tabulate(solve(H, sc))
    assert a.allocation["volume_10k_m3"].to_numpy() == pytest.approx(b.allocation["volume_10k_m3"].to_numpy())


def _isolated(case, extra_nodes, extra_edges):
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W), *extra_nodes],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic"), *extra_edges],
        demands=[(A, "domestic", 50, W)],
    )


def test_a_node_no_water_reaches_is_refused(case):
    path = _isolated(case, [node("J", "junction")], [])
    with pytest.raises(
        InputError, match=r"id \(J\)' = 'J': a node on a route from a source .* \(no source's water reaches it\)"
    ):
        build_graph(load_scenario(path))


def test_a_node_whose_water_goes_nowhere_is_refused(case):
    path = _isolated(
        case, [node("G", "wellfield", source_kind="groundwater_porous", available=10, available_unit=W)], []
    )
    with pytest.raises(InputError, match=r"'G': a node on a route .*its water reaches no demand or outlet"):
        build_graph(load_scenario(path))


def test_a_dead_end_junction_is_refused(case):
    path = _isolated(case, [node("J", "junction")], [edge("sj", "S", "J")])
    with pytest.raises(InputError, match=r"'J': a node on a route .*reaches no demand or outlet"):
        build_graph(load_scenario(path))


def test_a_node_moved_in_the_geodataframe_moves_in_the_graph():
    """As a GIS analyst would: drag a point, and the graph follows (the geometry is the position)."""
    from shapely.geometry import Point

    sc = load_scenario(ROOT / "scenarios" / "taiyuan-2030.yaml")
    nodes, edges = graph_to_gdfs(build_graph(sc))
    assert "lon" not in nodes.columns and "lat" not in nodes.columns
    i = nodes.index[nodes["id"] == "jinci_spring"][0]
    nodes.loc[i, "geometry"] = Point(112.5, 37.7)
    H = graph_from_gdfs(nodes, edges)
    assert (H.nodes["jinci_spring"]["lon"], H.nodes["jinci_spring"]["lat"]) == (112.5, 37.7)


def test_sewer_shares_of_a_county_above_one_are_refused(case):
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("W1", "wwtp", source_kind="reclaimed", capacity=50, capacity_unit=W),
            node("W2", "wwtp", source_kind="reclaimed", capacity=50, capacity_unit=W),
            node("O", "outlet"),
        ],
        edges=[
            edge("e", "S", f"county:{A}", sectors="domestic"),
            edge("s1", f"county:{A}", "W1", kind="sewer", sectors="domestic", share=0.7),
            edge("s2", f"county:{A}", "W2", kind="sewer", sectors="domestic", share=0.6),
            edge("o1", "W1", "O", kind="river"),
            edge("o2", "W2", "O", kind="river"),
        ],
        demands=[(A, "domestic", 50, W)],
    )
    with pytest.raises(InputError, match=r"field 'share' = 1.3: sewer shares from county:140105 \(domestic\) add up"):
        build_graph(load_scenario(path))
