"""GIS exports reopen with geopandas in their declared CRS with the same features and values."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from waterplan import InputError
from waterplan.cli import app
from waterplan.export import SHP_FIELDS, export_run, resolve_crs

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(shipped_run) -> Path:
    return shipped_run("taiyuan-2030")[1]


def _original(run_dir: Path, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(run_dir / f"{layer}.geojson")


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", "gk3"])
def test_gpkg_round_trip(run_dir, tmp_path, crs):
    out = export_run(run_dir, tmp_path / "ty.gpkg", fmt="gpkg", crs=crs)
    expected = resolve_crs(crs, (111.5, 37.0, 113.0, 38.5))
    for layer in ("counties", "network_edges", "network_nodes"):
        got = gpd.read_file(out, layer=layer)
        ref = _original(run_dir, layer)
        assert got.crs == expected
        assert len(got) == len(ref)
        assert list(got["id" if "id" in got else "adcode"]) == list(ref["id" if "id" in ref else "adcode"])
        num = [c for c in ref.columns if c.endswith("_10k_m3") or c == "coverage"]
        pd.testing.assert_frame_equal(pd.DataFrame(got[num]), pd.DataFrame(ref[num]), check_dtype=False)
        back = got.to_crs(4326)
        assert back.geometry.geom_equals_exact(ref.geometry, tolerance=1e-7).all()
    assert ET.parse(out.with_suffix(".qml")).getroot().find("renderer-v2").get("attr") == "coverage"


def test_gauss_kruger_zone_for_shanxi():
    assert resolve_crs("gk3", (111.5, 37.0, 113.0, 38.5)).to_epsg() == 4546  # CGCS2000 3° GK, CM 111°E
    assert resolve_crs("gk6", (111.5, 37.0, 113.0, 38.5)).to_epsg() == 4508  # CGCS2000 6° GK, zone 19 (CM 111°E)


@pytest.mark.parametrize("crs", ["gk3", "gk6", "EPSG:4490", "EPSG:32649"])
def test_layers_projected_without_a_datum_search_land_where_proj_puts_them(run_dir, crs):
    """Read as CGCS2000 to skip PROJ's search for a WGS84 → CGCS2000 shift, every vertex of every
    layer lands exactly where PROJ's own transformation puts it; a CRS on another datum (UTM on
    WGS84) is projected as it is."""
    from waterplan.export import projected

    for layer in ("counties", "network_edges", "network_nodes"):
        gdf = _original(run_dir, layer)
        target = resolve_crs(crs, tuple(gdf.total_bounds))
        ours, proj = projected(gdf, target), gdf.to_crs(target)
        assert ours.crs == target and ours.geometry.geom_equals_exact(proj.geometry, tolerance=1e-6).all(), layer
        assert ours.drop(columns="geometry").equals(gdf.drop(columns="geometry"))


def test_shapefile_keeps_every_field_readable(run_dir, tmp_path):
    out = export_run(run_dir, tmp_path / "ty_shp", fmt="shp", crs="EPSG:4490")
    legend = pd.read_csv(out / "fields.csv")
    for layer in ("counties", "network_edges", "network_nodes"):
        got = gpd.read_file(out / f"{layer}.shp")
        ref = _original(run_dir, layer)
        assert got.crs.to_epsg() == 4490
        assert all(len(c) <= 10 for c in got.columns)
        for long, short in SHP_FIELDS.items():
            if long in ref.columns:
                assert short in got.columns, (layer, long)
                if long.endswith("_10k_m3") or long in ("coverage", "utilisation"):
                    assert got[short].fillna(-1).to_numpy() == pytest.approx(ref[long].fillna(-1).to_numpy(), rel=1e-9)
                elif long in ("name_zh", "id", "adcode"):
                    # UTF-8 names survive (a Shapefile stores an empty text as NULL)
                    assert list(got[short].fillna("").astype(str)) == list(ref[long].fillna("").astype(str))
        assert set(legend[legend["layer"] == layer]["field"]) >= {c for c in got.columns if c != "geometry"}
    root = ET.parse(out / "counties.qml").getroot()
    assert root.find("renderer-v2").get("attr") == "coverage" and len(root.find("renderer-v2/ranges")) == 5


def test_geojson_csv_xlsx(run_dir, tmp_path):
    gj = export_run(run_dir, tmp_path / "gj", fmt="geojson")
    assert len(gpd.read_file(gj / "counties.geojson")) == 10
    csv = export_run(run_dir, tmp_path / "csv", fmt="csv", crs="EPSG:4490")
    edges = pd.read_csv(csv / "network_edges.csv")
    assert edges["wkt"].str.startswith("LINESTRING").all()
    assert (csv / "indicators.csv").is_file()
    xl = export_run(run_dir, tmp_path / "ty.xlsx", fmt="xlsx")
    sheets = pd.read_excel(xl, sheet_name=None)
    assert {"counties", "network_edges", "network_nodes", "balance", "allocation", "indicators"} <= set(sheets)
    assert len(sheets["counties"]) == 10 and {"x", "y"} <= set(sheets["counties"].columns)


def test_unknown_crs(run_dir, tmp_path):
    with pytest.raises(InputError, match=r"field '--crs' = 'EPSG:99999'"):
        export_run(run_dir, tmp_path / "x.gpkg", crs="EPSG:99999")


def test_missing_and_incomplete_run_folder(run_dir, tmp_path):
    with pytest.raises(InputError, match=r"field 'RUN' = .*the folder of a run"):
        export_run(tmp_path / "nope", tmp_path / "x.gpkg")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"balance.csv.*a complete run folder"):
        export_run(partial, tmp_path / "x.gpkg")


@pytest.mark.parametrize("fmt", ["gpkg", "xlsx"])
def test_a_file_that_is_not_an_earlier_export_is_never_replaced(run_dir, tmp_path, fmt):
    out = tmp_path / f"ty.{fmt}"
    out.write_bytes(b"precious")
    for force in ([], ["--force"]):
        result = runner.invoke(app, ["export", str(run_dir), "--format", fmt, "--out", str(out), *force])
        assert result.exit_code == 2 and "never replaced" in result.output and "Traceback" not in result.output
        assert out.read_bytes() == b"precious"


def test_an_earlier_export_is_replaced_with_force_only(run_dir, tmp_path):
    out = tmp_path / "ty.gpkg"
    assert runner.invoke(app, ["export", str(run_dir), "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["export", str(run_dir), "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    result = runner.invoke(app, ["export", str(run_dir), "--out", str(out), "--force", "--crs", "EPSG:4490"])
    assert result.exit_code == 0, result.output
    assert gpd.read_file(out, layer="counties").crs.to_epsg() == 4490


def test_a_users_style_beside_the_geopackage_is_kept(run_dir, tmp_path):
    (tmp_path / "ty.qml").write_text("<qgis>my own style</qgis>", encoding="utf-8")
    result = runner.invoke(app, ["export", str(run_dir), "--out", str(tmp_path / "ty.gpkg"), "--force"])
    assert result.exit_code == 2 and "ty.qml" in result.output
    assert (tmp_path / "ty.qml").read_text(encoding="utf-8") == "<qgis>my own style</qgis>"
    assert not (tmp_path / "ty.gpkg").exists()


@pytest.mark.parametrize("fmt", ["shp", "geojson", "csv"])
def test_a_folder_with_other_files_is_never_replaced(run_dir, tmp_path, fmt):
    out = tmp_path / "layers"
    out.mkdir()
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["export", str(run_dir), "--format", fmt, "--out", str(out), "--force"])
    assert result.exit_code == 2 and "mine.txt" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_failed_export_leaves_nothing_half_written(run_dir, tmp_path, monkeypatch):
    out = tmp_path / "ty.gpkg"
    export_run(run_dir, out)
    before = out.read_bytes()

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("waterplan.export.write_qml", boom)
    with pytest.raises(RuntimeError):
        export_run(run_dir, out, force=True)
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".ty.gpkg.tmp-*"))


def test_stand_in_figures_are_labelled_in_the_layers_and_the_map(run_dir, tmp_path):
    """Illustrative figures are marked where a GIS user and a map reader see them, not only in
    the README: network features whose provenance is an assumption, counties whose demands are
    derived stand-ins."""
    edges = _original(run_dir, "network_edges").set_index("id")
    nodes = _original(run_dir, "network_nodes").set_index("id")
    counties = _original(run_dir, "counties")
    assert bool(edges.loc["zhongbu_line", "illustrative"])  # "assumption (illustrative; not public)"
    assert not bool(edges.loc["jinci_eco", "illustrative"])  # a clause of the plan, no assumption
    assert bool(nodes.loc["wwtp_chengnan", "illustrative"]) and not bool(nodes.loc["wwtp_yangjiabao", "illustrative"])
    assert counties["demand_illustrative"].all()  # every shipped county demand is derived
    gpkg = export_run(run_dir, tmp_path / "ty.gpkg", fmt="gpkg")
    assert gpd.read_file(gpkg, layer="network_edges")["illustrative"].any()
    html = (run_dir / "map.html").read_text(encoding="utf-8")
    assert "示意 illustrative" in html


def test_the_geopackage_carries_a_qgis_style_for_every_layer(run_dir, tmp_path):
    """QGIS opens the layers styled: layer_styles holds a default QML per layer, registered in the
    GeoPackage's contents; the network's width follows the flow, the nodes' colour their kind."""
    import sqlite3

    out = export_run(run_dir, tmp_path / "ty.gpkg", fmt="gpkg")
    with sqlite3.connect(out) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
        contents = {r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")}
        geom = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    styled = {r[0]: r for r in rows}
    assert set(styled) == {"counties", "network_edges", "network_nodes"} and "layer_styles" in contents
    for layer, (_name, column, default, qml) in styled.items():
        assert default == 1 and column == geom[layer]
        ET.fromstring(qml.split("\n", 1)[1])  # well-formed QML
    assert 'attr="coverage"' in styled["counties"][3]
    assert (
        'attr="flow_10k_m3"' in styled["network_edges"][3]
        and 'graduatedMethod="GraduatedSize"' in styled["network_edges"][3]
    )
    assert 'attr="kind"' in styled["network_nodes"][3] and 'value="wwtp"' in styled["network_nodes"][3]
    assert len(gpd.read_file(out, layer="network_edges")) == len(_original(run_dir, "network_edges"))


def test_shapefile_styles_sit_beside_each_layer(run_dir, tmp_path):
    out = export_run(run_dir, tmp_path / "ty_shp", fmt="shp")
    for layer in ("counties", "network_edges", "network_nodes"):
        root = ET.parse(out / f"{layer}.qml").getroot()
        assert root.find("renderer-v2").get("attr") in {SHP_FIELDS["coverage"], SHP_FIELDS["flow_10k_m3"], "kind"}


def test_one_colour_scheme_per_indicator_in_the_web_map_the_print_map_and_qgis():
    """A coverage value has the same colour in the HTML map, the print map and the QGIS style."""
    from matplotlib.colors import BoundaryNorm, ListedColormap, to_hex

    from waterplan.maps import CHOROPLETHS, class_bounds, class_colour
    from waterplan.printmap import COVERAGE_BOUNDS
    from waterplan.styles import counties_qml

    root = ET.fromstring(counties_qml().split("\n", 1)[1])
    ranges = [(float(r.get("lower")), float(r.get("upper")), r.get("symbol")) for r in root.iter("range")]
    fills = {
        s.get("name"): next(o.get("value") for o in s.iter("Option") if o.get("name") == "color")
        for s in root.iter("symbol")
    }
    colours = CHOROPLETHS["coverage"][2]
    cmap, norm = ListedColormap(colours), BoundaryNorm(COVERAGE_BOUNDS, len(colours))
    for v in (0.3, 0.65, 0.85, 0.95, 0.995, 1.0):
        web = class_colour("coverage", v, class_bounds("coverage"))
        sym = next(s for lo, hi, s in ranges if lo <= v < hi)
        qgis = "#" + "".join(f"{int(x):02x}" for x in fills[sym].split(",")[:3])
        printed = to_hex(cmap(norm(v)))
        assert web == qgis == printed, (v, web, qgis, printed)


def test_county_layer_has_per_sector_columns_and_rounded_values(run_dir, tmp_path):
    counties = _original(run_dir, "counties").set_index("adcode")
    bal = pd.read_csv(run_dir / "balance.csv", dtype={"county": str}).set_index(["county", "sector"])
    assert counties.loc["140107", "shortage_eco_10k_m3"] == pytest.approx(
        bal.loc[("140107", "ecology"), "shortage_10k_m3"], abs=0.005
    )
    assert counties.loc["140105", "coverage_dom"] == pytest.approx(1.0)
    for c in [c for c in counties.columns if c.endswith("_10k_m3")]:
        assert (counties[c].dropna() == counties[c].dropna().round(2)).all(), c
    shp = export_run(run_dir, tmp_path / "shp", fmt="shp")
    fields = gpd.read_file(shp / "counties.shp").columns
    assert {"sht_eco", "cov_dom"} <= set(fields) and all(len(f) <= 10 for f in fields)


def test_qgis_styles_speak_chinese_labels_and_field_aliases(run_dir, tmp_path):
    """Categories labelled in Chinese and English; every field with a Chinese alias, keyed by the
    field as written (a Shapefile's ten characters, a GeoPackage's long name)."""
    out = export_run(run_dir, tmp_path / "ty_shp", fmt="shp")
    nodes = ET.parse(out / "network_nodes.qml").getroot()
    labels = {c.get("value"): c.get("label") for c in nodes.iter("category")}
    assert labels["wwtp"] == "污水处理厂 WWTP" and labels["reservoir"] == "水库 Reservoir"
    aliases = {a.get("field"): a.get("name") for a in ET.parse(out / "counties.qml").getroot().iter("alias")}
    assert aliases[SHP_FIELDS["coverage"]] == "供水满足率 coverage"
    assert aliases[SHP_FIELDS["shortage_10k_m3"]] == "缺水量（万m³） shortage_10k_m3"
    shp_fields = set(gpd.read_file(out / "counties.shp").columns) - {"geometry"}
    assert set(aliases) <= shp_fields
    gpkg = export_run(run_dir, tmp_path / "ty.gpkg")
    with closing(sqlite3.connect(gpkg)) as db:
        qml = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall())
    edges = {a.get("field"): a.get("name") for a in ET.fromstring(qml["network_edges"].split("\n", 1)[1]).iter("alias")}
    assert edges["flow_10k_m3"] == "流量（万m³） flow_10k_m3" and edges["utilisation"] == "利用率 utilisation"


def test_a_shapefile_in_gbk_for_older_chinese_gis(run_dir, tmp_path):
    out = export_run(run_dir, tmp_path / "ty_gbk", fmt="shp", encoding="gbk")
    assert (out / "counties.cpg").read_text().strip().upper() in {"GBK", "CP936", "936"}
    raw = (out / "counties.dbf").read_bytes()
    assert "小店区".encode("gbk") in raw and "小店区".encode() not in raw
    back = gpd.read_file(out / "counties.shp", encoding="gbk")
    assert "小店区" in set(back["name_zh"])
    nodes = gpd.read_file(out / "network_nodes.shp", encoding="gbk")
    original = _original(run_dir, "network_nodes")
    assert sorted(nodes["name_zh"]) == sorted(original["name_zh"])
    with pytest.raises(InputError, match=r"--encoding' = 'GBK': UTF-8, or GBK with --format shp"):
        export_run(run_dir, tmp_path / "x.gpkg", encoding="gbk")


def test_gbk_spells_units_and_counts_what_it_cannot_hold():
    from waterplan.export import _as_gbk

    gdf = gpd.GeoDataFrame({"a": ["万m³/年", "≥ 90%—“引黄”", "雪人☃"], "n": [1, 2, 3]}, geometry=[None] * 3)
    out, replaced = _as_gbk(gdf)
    assert list(out["a"]) == ["万m3/年", "≥ 90%—“引黄”", "雪人?"] and replaced == 1
    assert list(out["n"]) == [1, 2, 3]


@pytest.mark.parametrize(
    ("name", "args", "valid"),
    [
        ("layers", [], "a file ending in .gpkg or .xlsx"),  # no ending, no --format: which format?
        ("ty.gpkg", ["--format", "xlsx"], "a file name ending in .xlsx"),  # a workbook named .gpkg
        ("ty.xlsx", ["--format", "gpkg"], "a file name ending in .gpkg"),  # a GeoPackage named .xlsx
        ("ty.gpkg", ["--format", "shp"], "a folder for --format shp"),  # a folder named .gpkg
    ],
)
def test_an_output_named_for_another_format_is_one_message(run_dir, tmp_path, name, args, valid):
    """A file whose name ends as another format's would open in no program: refused before any work,
    naming --out, its value and what would be valid; nothing written."""
    result = runner.invoke(app, ["--lang", "en", "export", str(run_dir), "--out", str(tmp_path / name), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "--out" in result.output and name in result.output and valid in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_the_format_follows_the_outputs_ending(run_dir, tmp_path):
    """No --format: .xlsx writes a workbook, .gpkg (any case) a GeoPackage."""
    import openpyxl

    result = runner.invoke(app, ["--lang", "en", "export", str(run_dir), "--out", str(tmp_path / "ty.xlsx")])
    assert result.exit_code == 0 and "(xlsx," in result.output, result.output
    assert "counties" in openpyxl.load_workbook(tmp_path / "ty.xlsx", read_only=True).sheetnames
    out = export_run(run_dir, tmp_path / "ty.GPKG")
    assert gpd.read_file(out, layer="counties").shape[0] > 0
