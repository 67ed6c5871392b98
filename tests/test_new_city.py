"""A new city from `waterplan new`: filled as a GIS analyst and a planner would (lines drawn near the
nodes in the GeoPackage, figures typed into the workbook) and run to a report and a map."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from typer.testing import CliRunner

from waterplan import InputError, load_scenario, run_scenario, write_run
from waterplan.cli import app

runner = CliRunner()
CHENGQU = "140302"  # 阳泉市城区


def _offset(p: Point, metres: float) -> Point:
    return Point(p.x + metres / 88_000.0, p.y)  # ~88 km per degree of longitude at 38°N


def test_a_city_that_ships_no_data_scaffolded_filled_and_run(tmp_path):
    result = runner.invoke(app, ["new", "阳泉", "--out", str(tmp_path / "yq")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "yq"
    scenario = folder / "yangquan-2030.yaml"
    assert {p.name for p in folder.iterdir()} == {scenario.name, "network.gpkg", "demands.xlsx", "scenario.schema.json"}
    text = scenario.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=scenario.schema.json") and "snap_tolerance_m" in text
    sc = load_scenario(scenario)
    assert sc.counties == ["140302", "140303", "140311", "140321", "140322"]

    # the GIS analyst: groundwater availabilities, an intake and a plant, lines ending near them
    nodes = gpd.read_file(folder / "network.gpkg", layer="nodes")
    edges = gpd.read_file(folder / "network.gpkg", layer="edges")
    nodes["available"] = 2000.0
    nodes["provenance"] = "test: 2000 万m³ per county"
    chengqu = nodes.set_index("county").loc[CHENGQU, "geometry"]
    intake, plant = _offset(chengqu, -8000), _offset(chengqu, -3000)
    extra = gpd.GeoDataFrame(
        [
            {"id": "intake", "name_zh": "取水口", "name_en": "Intake", "kind": "intake", "source_kind": "surface",
             "available": 5000.0, "available_unit": "万m³", "provenance": "test", "geometry": intake},
            {"id": "plant", "name_zh": "水厂", "name_en": "Plant", "kind": "plant", "county": CHENGQU,
             "provenance": "test", "geometry": plant},
        ],
        crs=4326,
    )  # fmt: skip
    drawn = gpd.GeoDataFrame(
        [
            {"id": "main", "name_zh": "输水管", "name_en": "Main", "kind": "pipeline", "provenance": "test",
             "loss": 0.0, "geometry": LineString([_offset(intake, 40), _offset(plant, -35)])},
            {"id": "city", "name_zh": "配水管网", "name_en": "City network", "kind": "distribution",
             "sectors": "domestic,industry", "provenance": "test", "loss": 0.0,
             "geometry": LineString([_offset(plant, 25), chengqu])},
        ],
        crs=4326,
    )  # fmt: skip
    pd.concat([nodes, extra]).to_file(folder / "network.gpkg", layer="nodes", driver="GPKG", engine="pyogrio")
    pd.concat([edges, drawn]).to_file(folder / "network.gpkg", layer="edges", driver="GPKG", engine="pyogrio")

    # the planner: demands typed into the workbook (Chinese headers and sector names)
    book = pd.read_excel(folder / "demands.xlsx", dtype={"县区": str})
    book["需水量"] = book["行业"].map({"生活": 500.0, "工业": 800.0, "农业": 1000.0}).fillna(0.0)
    book["来源"] = "test"
    book.to_excel(folder / "demands.xlsx", index=False)

    run = run_scenario(scenario)
    G = run.graph  # the drawn lines snapped: intake → plant → a delivery point in 城区
    assert G.has_edge("intake", "plant")
    assert [G.nodes[v]["county"] for v in G.successors("plant")] == [CHENGQU]
    bal = run.results.balance.set_index(["county", "sector"])["shortage_10k_m3"]
    # hand-computed: 2000 of groundwater per county against 500 + 800 + 1000; 城区's domestic and
    # industry can take the plant's water instead, leaving its groundwater to agriculture
    assert bal[(CHENGQU, "agriculture")] == pytest.approx(0.0, abs=1e-3)
    for county in ("140303", "140311", "140321", "140322"):
        assert bal[(county, "agriculture")] == pytest.approx(300.0, abs=1e-3), county
        assert bal[(county, "domestic")] == pytest.approx(0.0, abs=1e-3)
    out = write_run(run, tmp_path / "run")
    assert (out / "report.html").is_file() and (out / "map.html").is_file() and (out / "map.png").is_file()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["title_zh"] == "阳泉市 2030 年水资源配置"


def test_new_never_writes_into_a_folder_with_files_and_names_the_cities(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep", encoding="utf-8")
    result = runner.invoke(app, ["new", "阳泉", "--out", str(tmp_path / "mine")])
    assert result.exit_code == 2 and "never replaced" in result.output
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep"
    with pytest.raises(InputError, match=r"field 'CITY' = '阳光': a city of Shanxi by adcode or name: 140100 太原市"):
        from waterplan.scaffold import new_city

        new_city("阳光", tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["140300", "阳泉", "阳泉市", "Yangquan"])
def test_a_city_by_adcode_or_name(name, tmp_path):
    from waterplan.scaffold import new_city

    path = new_city(name, tmp_path / "c")
    assert path.name == "yangquan-2030.yaml"


def test_the_network_geopackage_opens_in_qgis_styled_with_the_allowed_values(tmp_path):
    """Both input forms (`waterplan new`, `waterplan network`) store a default QGIS style per layer in
    layer_styles: colours by kind, and the allowed kind / source_kind values as form drop-downs."""
    import sqlite3
    import xml.etree.ElementTree as ET
    from contextlib import closing

    from waterplan.network import EDGE_KINDS, NODE_KINDS, write_layers
    from waterplan.scaffold import new_city
    from waterplan.scenario import SOURCE_KINDS

    root = Path(__file__).resolve().parents[1]
    made = [new_city("140300", tmp_path / "c").parent / "network.gpkg",
            write_layers(root / "gis" / "jincheng", tmp_path / "jc.gpkg")]  # fmt: skip
    for gpkg in made:
        with closing(sqlite3.connect(gpkg)) as db:
            rows = db.execute("SELECT f_table_name, styleQML, useAsDefault FROM layer_styles").fetchall()
        styles = {table: qml for table, qml, default in rows if default}
        assert set(styles) == {"nodes", "edges"}, gpkg
        for layer, field, allowed in (("nodes", "kind", NODE_KINDS), ("nodes", "source_kind", SOURCE_KINDS),
                                      ("edges", "kind", EDGE_KINDS)):  # fmt: skip
            qml = ET.fromstring(styles[layer].split("\n", 1)[1])
            widget = qml.find(f"fieldConfiguration/field[@name='{field}']/editWidget")
            assert widget is not None and widget.get("type") == "ValueMap", (gpkg, layer, field)
            values = {o.get("value") for o in widget.iter("Option") if o.get("type") == "QString"}
            assert set(allowed) <= values, (gpkg, layer, field)
            assert {c.get("value") for c in qml.iter("category")} >= (
                {"intake", "plant"} if layer == "nodes" else set(EDGE_KINDS)
            )


def test_the_scaffolds_examples_of_every_target_kind_load_when_uncommented(tmp_path):
    """Each kind of target the plans use is in the scaffold, commented out; uncommented, every one
    reads as the scenario schema wants (and the network's check names only the sources it lacks)."""
    import waterplan.scaffold as S
    from waterplan import build_graph

    path = S.new_city("晋中", tmp_path / "jz")
    text = path.read_text(encoding="utf-8")
    for block in (S.COOKBOOK_LEVERS, S.COOKBOOK_CONSTRAINTS, S.COOKBOOK_TARGETS):
        commented = S._commented(block)
        assert commented in text
        text = text.replace(commented, block.rstrip("\n"))
    path.write_text(text.replace("constraints: []\n", "constraints:\n").replace("targets: []\n", "targets:\n"),
                    encoding="utf-8")  # fmt: skip
    sc = load_scenario(path)
    kinds = {(c.type, c.lhs.measure) for c in sc.constraints}
    assert {("cap", "withdrawal"), ("allocation", "withdrawal"), ("cap", "consumption"), ("ratio_floor", "withdrawal"),
            ("floor", "intake"), ("level", "withdrawal"), ("cap", "use")} <= kinds  # fmt: skip
    assert {t.id for t in sc.spec.targets} >= {"gdp-intensity", "domestic-first", "surface-first", "reclaimed-first"}
    assert sc.spec.levers and sc.spec.economy is not None
    with pytest.raises(InputError) as err:  # the scaffold's network has groundwater only
        build_graph(sc)
    assert all("in the network" in p.expected or "denominator" in p.field for p in err.value.problems)


def test_a_scaffold_run_before_any_figure_is_filled_reads_cleanly(tmp_path):
    """All demands still zero: the report says there is nothing to cover ("—", not "nan%") and that no
    plan is named yet; no Python warning on the way (warnings are errors here)."""
    from waterplan.scaffold import new_city

    path = new_city("晋中", tmp_path / "jz")
    out = write_run(run_scenario(path), tmp_path / "run")
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "nan" not in text and "— (无需水 no demand)" in text
    assert "Plan: 未填写 not given" in text
    assert "nan%" not in (out / "report.html").read_text(encoding="utf-8")


# --- 晋中 from the docs only: the walk-through of docs/new-city.md, cell by cell ------------------

#: the cells a planner types by hand in the walk-through (docs/new-city.md, "晋中 in fifteen minutes")
CELLS_TYPED = 129
YUCI, TAIGU, QIXIAN = "140702", "140703", "140727"  # 榆次区, 太谷区, 祁县


class _Typist:
    """Counts the cells the planner types (a value picked from a drop-down counts as one)."""

    def __init__(self) -> None:
        self.cells = 0

    def row(self, **cells: object) -> dict[str, object]:
        self.cells += sum(1 for k in cells if k != "geometry")
        return cells


def _uncomment(text: str, ids: list[str]) -> str:
    """The scaffold's commented examples: those with these ids uncommented in place (a planner
    deletes their '# '), the others deleted."""
    import waterplan.scaffold as S

    blocks = ("\n" + S.COOKBOOK_CONSTRAINTS).split("\n  # ")[1:]  # (each example: its comment line, then it)
    chosen = "".join(f"  # {b}\n" for b in blocks if any(f"- id: {i}\n" in b for i in ids))
    commented = S._commented(S.COOKBOOK_CONSTRAINTS) + "\n"
    assert commented in text
    return text.replace(commented, chosen).replace("constraints: []\n", "constraints:\n")


def test_jinzhong_from_the_docs_only_in_fifteen_minutes(tmp_path):
    """The walk-through of docs/new-city.md for 晋中 (11 counties; the project ships nothing for
    it): groundwater in every county, a reservoir with lines to three counties, a WWTP with its sewer
    and its reclaimed line, the demand table, six kinds of targets — 129 cells typed — to a report
    whose 指标清单 judges all six."""
    t = _Typist()
    assert runner.invoke(app, ["new", "晋中", "--out", str(tmp_path / "jz")]).exit_code == 0
    folder, scenario = tmp_path / "jz", tmp_path / "jz" / "jinzhong-2030.yaml"
    nodes = gpd.read_file(folder / "network.gpkg", layer="nodes")
    edges = gpd.read_file(folder / "network.gpkg", layer="edges")
    assert len(nodes) == 11
    # 2. QGIS: each county's groundwater (available, provenance), then what the city has
    for i in nodes.index:
        nodes.loc[i, ["available", "provenance"]] = list(
            t.row(available=3000.0, provenance="示例 illustrative").values()
        )
    at = nodes.set_index("county")["geometry"]
    res_pt, plant_pt = _offset(at[TAIGU], 6000), _offset(at[YUCI], 2500)
    extra = [
        t.row(id="res", name_zh="示例水库", kind="reservoir", source_kind="地表水", available=8000.0,
              available_unit="万m³", provenance="示例 illustrative", geometry=res_pt),
        t.row(id="wwtp", name_zh="榆次污水处理厂", kind="wwtp", source_kind="再生水", capacity=3000.0,
              capacity_unit="万m³", **{"yield": 0.9}, provenance="示例 illustrative", geometry=plant_pt),
    ]  # fmt: skip
    lines = [
        t.row(id=f"res_{c}", kind="pipeline", sectors="生活、工业、农业", provenance="示例 illustrative",
              geometry=LineString([_offset(res_pt, 30), _offset(at[c], -3000)]))
        for c in (YUCI, TAIGU, QIXIAN)
    ] + [
        t.row(id="sewer", kind="sewer", sectors="生活,工业", share=1.0, provenance="示例 illustrative",
              geometry=LineString([_offset(at[YUCI], 3000), _offset(plant_pt, 20)])),
        t.row(id="rw", kind="reclaimed_pipe", sectors="工业,生态,市政", provenance="示例 illustrative",
              geometry=LineString([_offset(plant_pt, -20), _offset(at[YUCI], 1500)])),
    ]  # fmt: skip
    pd.concat([nodes, gpd.GeoDataFrame(extra, crs=4326)]).to_file(folder / "network.gpkg", layer="nodes",
                                                                   driver="GPKG", engine="pyogrio")  # fmt: skip
    pd.concat([edges, gpd.GeoDataFrame(lines, crs=4326)]).to_file(folder / "network.gpkg", layer="edges",
                                                                   driver="GPKG", engine="pyogrio")  # fmt: skip
    # 3. Excel: 55 demands (需水量), the source once and filled down
    book = pd.read_excel(folder / "demands.xlsx", dtype={"县区": str})
    per = {"生活": 800.0, "工业": 1000.0, "市政杂用": 200.0, "农业": 2500.0, "生态": 300.0}
    book["需水量"] = [t.row(v=per[s])["v"] for s in book["行业"]]
    book["来源"] = t.row(v="示例 illustrative")["v"]
    book.to_excel(folder / "demands.xlsx", index=False)
    # 4. six kinds of targets uncommented; the plan, each value and clause typed, two kinds lists fitted
    six = ["total", "groundwater", "reclaimed-rate", "earmark", "surface-level", "agriculture"]
    text = _uncomment(scenario.read_text(encoding="utf-8"), six)
    edits = {
        'plan: ""': 'plan: "晋中市“四水四定”实施方案（示例 illustrative）"',
        "value: 10.47": "value: 4.5", 'clause: "附件1 #1"': 'clause: "示例 1"',
        "value: 1.5\n": "value: 3.0\n", 'clause: "附件1 #2; (三)12"': 'clause: "示例 2"',
        "{kinds: [groundwater_porous, groundwater_karst]}": "{kinds: [groundwater_porous]}",
        "value: 30\n": "value: 40\n", 'clause: "附件1 #12; (四)17"': 'clause: "示例 3"',
        "value: 1700": "value: 500", 'clause: "(四)17"': 'clause: "示例 4"',
        "value: 6.68": "value: 0.8", 'clause: "(五)18"': 'clause: "示例 5"',
        "{kinds: [yellow_mainstem, surface]}": "{kinds: [surface]}",
        "value: 1.4\n": "value: 2.5\n", 'clause: "(三)9"': 'clause: "示例 6"',
    }  # fmt: skip
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    t.cells += len(edits)
    scenario.write_text(text, encoding="utf-8")
    assert t.cells == CELLS_TYPED
    # 5. validate and run: a report judging the six
    checked = runner.invoke(app, ["validate", str(scenario)])
    assert checked.exit_code == 0, checked.output
    ran = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "run")])
    assert ran.exit_code == 0, ran.output
    ind = pd.read_csv(tmp_path / "run" / "indicators.csv").set_index("id")
    assert set(ind.loc[six, "kind"]) == {"cap", "ratio_floor", "floor", "level"}
    assert (ind.loc[six, "status"] == "met").all(), ind.loc[six, "status"]  # as the docs say, for these figures
    assert ind.loc["reclaimed-rate", "value"] == pytest.approx(90.0, abs=0.1)
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert all(f">{i}<" in report for i in six) and "示例 illustrative" in report
    bal = pd.read_csv(tmp_path / "run" / "balance.csv", dtype={"county": str})
    assert bal["supplied_10k_m3"].sum() <= 11 * 3000 + 8000 + 3000 * 0.9 + 1e-3  # no water from nowhere
    docs = (Path(__file__).resolve().parents[1] / "docs" / "new-city.md").read_text(encoding="utf-8")
    assert f"{CELLS_TYPED} cells" in docs


def test_the_scaffolds_workbook_has_every_column_the_reader_knows(tmp_path):
    """demands.xlsx has 数量 / 数量单位 / 定额 / 定额单位 beside 需水量 / 单位: a row may be given either way
    (60 万人 × 120 L/(人·d) × 365 d = 2,628 万m³, by hand)."""
    import openpyxl

    from waterplan.demands import DEMAND_HEADERS
    from waterplan.scaffold import new_city

    path = new_city("晋中", tmp_path / "jz")
    wb = openpyxl.load_workbook(path.parent / "demands.xlsx")
    ws = wb.active
    head = [c.value for c in ws[1]]
    assert {DEMAND_HEADERS[h] for h in head if h in DEMAND_HEADERS} >= {
        "county", "county_zh", "sector", "demand", "unit", "quantity", "quantity_unit", "quota", "quota_unit",
        "basis", "derivation",
    }  # fmt: skip
    for name, value in {
        "需水量": None,
        "单位": None,
        "数量": 60,
        "数量单位": "万人",
        "定额": 120,
        "定额单位": "L/(人·d)",
    }.items():
        ws.cell(row=2, column=head.index(name) + 1).value = value
    wb.save(path.parent / "demands.xlsx")
    sc = load_scenario(path)
    assert sc.demands["demand_10k_m3"].sum() == pytest.approx(2628.0)
