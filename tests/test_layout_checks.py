"""Geometry and plumbing checks of the network layers: each mistake a GIS user makes is one clear
message (an error that stops the run, or a warning where the layout may be meant)."""

from __future__ import annotations

import pytest
from conftest import SECTORS, A, edge, node
from typer.testing import CliRunner

from waterplan import InputError, build_graph, load_scenario
from waterplan.cli import app

W = "万m³"
runner = CliRunner()


def _case(case, nodes=None, edges=None, sectors=None):
    return case(
        nodes=nodes or [node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=edges or [edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 50, W)],
        sectors=sectors or SECTORS,
    )


def _graph(path):
    return build_graph(load_scenario(path))


def test_swapped_latitude_and_longitude(case):
    path = _case(case, nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W,
                                   lon=37.8, lat=112.5)])  # fmt: skip
    with pytest.raises(InputError, match=r"nodes.geojson: field 'features\[0\] \(S\).geometry' = '\(37.8, 112.5\)': "
                       r"a point in China: this one has its latitude and longitude swapped"):  # fmt: skip
        _graph(path)


def test_a_point_outside_china(case):
    path = _case(case, nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W,
                                   lon=10.0, lat=10.0)])  # fmt: skip
    with pytest.raises(InputError, match=r"'\(10, 10\)': a point in China \(longitude 73–136 °E"):
        _graph(path)


def test_a_node_without_a_point(case):
    s = node("S", "intake", source_kind="surface", available=100, available_unit=W)
    s["geometry"] = None
    with pytest.raises(InputError, match=r"field 'features\[0\] \(S\).geometry' = None: a point"):
        _graph(_case(case, nodes=[s]))


def test_a_node_given_a_county_outside_the_study_area(case):
    s = node("S", "intake", source_kind="surface", available=100, available_unit=W, county="140107")
    with pytest.raises(InputError, match=r"\(S\).county' = '140107': a county of the study area: 140105, 140106"):
        _graph(_case(case, nodes=[s]))


def test_an_edge_drawn_far_from_its_nodes(case):
    e = edge("e", "S", f"county:{A}", sectors="domestic")
    e["geometry"] = {"type": "LineString", "coordinates": [[118.5, 37.8], [112.56, 37.75]]}  # starts 500 km east
    message = (
        r"edges.geojson: field 'features\[0\] \(e\).geometry' = 'its first point, 5\d\d.\d km from S \(its from\)': "
        r"a line whose first point lies at S \(within 5 km\)"
    )
    with pytest.raises(InputError, match=message):
        _graph(_case(case, edges=[e]))


def test_an_edge_without_a_line(case):
    e = edge("e", "S", f"county:{A}", sectors="domestic")
    e["geometry"] = None
    with pytest.raises(InputError, match=r"\(e\).geometry' = None: a line from S to county:140105 \(draw it\)"):
        _graph(_case(case, edges=[e]))


def _wwtp_case(case, *, sewer: bool, return_coef: float):
    sectors = {k: {**v, "return_coef": return_coef if k == "domestic" else 0.0} for k, v in SECTORS.items()}
    edges = [
        edge("e", "S", f"county:{A}", sectors="domestic"),
        edge("r", "T", f"county:{A}", kind="reclaimed_pipe", sectors="industry"),
    ]
    if sewer:
        edges.append(edge("s", f"county:{A}", "T", kind="sewer", share=1.0))
    return case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("T", "wwtp", source_kind="reclaimed", capacity=100, capacity_unit=W, **{"yield": 0.9}),
        ],
        edges=edges,
        demands=[(A, "domestic", 50, W), (A, "industry", 10, W)],
        sectors=sectors,
    )


def test_a_wwtp_that_receives_nothing_is_a_warning(case):
    ok = _graph(_wwtp_case(case, sewer=True, return_coef=0.8))
    assert ok.graph["warnings"] == []
    G = _graph(_wwtp_case(case, sewer=True, return_coef=0.0))
    assert G.graph["warnings"] == [
        "case.yaml: field 'sectors.*.return_coef' = 0: a return coefficient above 0 for a sector whose wastewater "
        "reaches T: no sector returns water, so it treats nothing and supplies no reclaimed water"
    ]
    result = runner.invoke(app, ["validate", str(_wwtp_case(case, sewer=False, return_coef=0.8))])
    assert result.exit_code == 0, result.output
    assert "net/edges.geojson: field 'sewer edges' = 'T': a sewer edge (county:ADCODE → T): no wastewater" in (
        result.output.replace("\n", " ")
    )


def test_a_source_no_edge_leaves(case):
    """An error, not a warning: its water reaches nothing."""
    path = _case(
        case,
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("S2", "intake", source_kind="surface", available=30, available_unit=W),
        ],
    )
    with pytest.raises(InputError, match=r"field 'id \(S2\)' = 'S2': a node on a route from a source to a demand"):
        _graph(path)


def test_a_plant_far_outside_its_county_is_a_warning(case):
    """A water plant drawn 90 km from the county it is given: it may be meant, so the run goes on."""
    path = case(
        nodes=[
            node("S", "intake", source_kind="surface", available=100, available_unit=W),
            node("P", "plant", capacity=100, capacity_unit=W, lon=113.5),
        ],
        edges=[edge("a", "S", "P"), edge("e", "P", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 50, W)],
    )
    (warning,) = _graph(path).graph["warnings"]
    assert "field 'P.geometry' = '" in warning and "km outside county 140105': a point in its county 140105" in warning
