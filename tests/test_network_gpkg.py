"""The network as a GeoPackage (the form a GIS analyst edits in QGIS): read, written back, and drawn
with lines that end near nodes rather than on them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString
from typer.testing import CliRunner

from waterplan import InputError, load_scenario, run_scenario
from waterplan.cli import app
from waterplan.network import read_layers, write_layers

ROOT = Path(__file__).resolve().parents[1]
CITIES = {"taiyuan": "taiyuan-2030", "changzhi": "changzhi-2025", "jincheng": "jincheng-2020"}


def _same_frames(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert all(
        (x is None and y is None) or x.equals_exact(y, 1e-12) for x, y in zip(a.geometry, b.geometry, strict=True)
    )


@pytest.mark.parametrize("city", sorted(CITIES))
def test_every_shipped_city_round_trips_through_the_geopackage(city, tmp_path):
    """GeoJSON → GeoPackage → GeoPackage again: every field, value and line kept."""
    nodes, edges = read_layers(ROOT / "gis" / city)
    gpkg = write_layers(ROOT / "gis" / city, tmp_path / f"{city}.gpkg")
    back_nodes, back_edges = read_layers(gpkg)
    _same_frames(nodes, back_nodes)
    _same_frames(edges, back_edges)
    again = write_layers(gpkg, tmp_path / "again.gpkg")
    _same_frames(edges, read_layers(again)[1])


def _tables(run) -> dict[str, pd.DataFrame]:
    r = run.results
    return {"balance": r.balance, "allocation": r.allocation, "flows": r.flows.drop(columns=[], errors="ignore"),
            "indicators": r.indicators.drop(columns=["reason"])}  # fmt: skip


#: one scenario of each city, its richest (trading; the most targets): the layers a GeoPackage gives
#: are the GeoJSON's, field by field, for every city (the round trip above), so the other scenarios
#: of a city read the same graph
RICHEST = ["changzhi-2030", "jincheng-2035", "taiyuan-2030-trading"]
assert {n.split("-")[0] for n in RICHEST} == set(CITIES)


@pytest.mark.parametrize("name", RICHEST)
def test_geopackage_and_geojson_give_identical_results(name, tmp_path, shipped_run):
    city = name.split("-")[0]
    gpkg = write_layers(ROOT / "gis" / city, tmp_path / f"{city}.gpkg")
    ref = shipped_run(name)[0]
    got = run_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides={"network": str(gpkg)}))
    for table, df in _tables(ref).items():
        pd.testing.assert_frame_equal(_tables(got)[table], df, check_exact=False, rtol=1e-9, atol=1e-7, obj=table)


def _drawn_in_qgis(city: str, out: Path, *, seed: int = 7, offset_m: tuple[float, float] = (15.0, 60.0)) -> Path:
    """The city's network as a GIS analyst draws it: no from/to typed, every line's ends a few tens of
    metres from the node (or inside the county) it is meant to reach."""
    nodes, edges = read_layers(ROOT / "gis" / city)
    crs = nodes.estimate_utm_crs()
    rng = np.random.default_rng(seed)
    lines = edges.to_crs(crs)

    def nudge(line: LineString) -> LineString:
        xy = np.asarray(line.coords, dtype=float)[:, :2]
        for k in (0, -1):
            r, a = rng.uniform(*offset_m), rng.uniform(0, 2 * np.pi)
            xy[k] += (r * np.cos(a), r * np.sin(a))
        return LineString(xy)

    drawn = lines.set_geometry([nudge(g) for g in lines.geometry], crs=crs).to_crs(4326)
    drawn[["from", "to"]] = None
    nodes.to_file(out, layer="nodes", driver="GPKG", engine="pyogrio")
    drawn.to_file(out, layer="edges", driver="GPKG", engine="pyogrio")
    return out


@pytest.mark.parametrize("city", sorted(CITIES))
def test_lines_drawn_near_nodes_are_snapped_to_them(city, tmp_path, shipped_run):
    """Edges without from/to, their ends 15–60 m off: the same graph and the same results."""
    name = CITIES[city]
    gpkg = _drawn_in_qgis(city, tmp_path / "drawn.gpkg")
    ref = shipped_run(name)[0]
    got = run_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides={"network": str(gpkg)}))
    assert sorted(got.graph.edges) == sorted(ref.graph.edges)
    pd.testing.assert_frame_equal(got.results.balance, ref.results.balance, check_exact=False, rtol=1e-9, atol=1e-7)


def test_a_line_ending_far_from_any_node_is_one_clear_error(tmp_path):
    gpkg = _drawn_in_qgis("jincheng", tmp_path / "drawn.gpkg", offset_m=(0.0, 1.0))
    edges = gpd.read_file(gpkg, layer="edges")
    first = edges.geometry.iloc[0]
    x, y = first.coords[-1]
    edges.loc[0, "geometry"] = LineString([first.coords[0], (x + 1.5, y)])  # 1.5° east: outside the city
    edges.to_file(gpkg, layer="edges", driver="GPKG", engine="pyogrio")
    message = (
        r"drawn.gpkg \(layer edges\): field 'features\[0\] \(.*\)\.to' = '': a node id, or a line whose last "
        r"point lies within 100 m of a node \(the nearest, .* is [\d,]+ m away\) or inside a county of the study area"
    )
    with pytest.raises(InputError, match=message):
        run_scenario(load_scenario(ROOT / "scenarios" / "jincheng-2020.yaml", overrides={"network": str(gpkg)}))


def test_a_geopackage_without_an_edges_layer_is_one_clear_error(tmp_path):
    nodes, _edges = read_layers(ROOT / "gis" / "jincheng")
    nodes.to_file(tmp_path / "n.gpkg", layer="nodes", driver="GPKG", engine="pyogrio")
    with pytest.raises(
        InputError, match=r"n.gpkg: field '\(layer\)' = 'edges': a layer named edges \(the file has: nodes\)"
    ):
        run_scenario(
            load_scenario(ROOT / "scenarios" / "jincheng-2020.yaml", overrides={"network": str(tmp_path / "n.gpkg")})
        )


def test_network_command_writes_the_input_form_and_never_replaces_other_files(tmp_path):
    runner = CliRunner()
    out = tmp_path / "ty.gpkg"
    res = runner.invoke(app, ["network", str(ROOT / "scenarios" / "taiyuan-2030.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(read_layers(out)[1]["id"]) == sorted(read_layers(ROOT / "gis" / "taiyuan")[1]["id"])
    mine = tmp_path / "mine.gpkg"
    mine.write_bytes(b"my own data")
    res = runner.invoke(app, ["network", str(ROOT / "scenarios" / "taiyuan-2030.yaml"), "--out", str(mine), "--force"])
    assert res.exit_code == 2 and "never replaced" in res.output and mine.read_bytes() == b"my own data"
    res = runner.invoke(app, ["network", str(ROOT / "scenarios" / "taiyuan-2030.yaml"), "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
