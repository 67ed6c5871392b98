"""Bad input ends in one clear message naming file, field and value — never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TAIYUAN, A, edge, node
from typer.testing import CliRunner

from waterplan import InfeasibleError, InputError, build_graph, load_scenario, run_scenario, solve
from waterplan.cli import app
from waterplan.palette import CHOROPLETHS

W = "万m³"
runner = CliRunner()


def simple(case, *, demands=None, constraints=None, edges=None, extra=None):
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=edges or [edge("e", "S", f"county:{A}", sectors="domestic,industry")],
        demands=demands or [(A, "domestic", 50, W)],
        constraints=constraints,
        extra=extra,
    )


def test_unknown_county_name_in_demands(case):
    path = simple(case, demands=[("小店去", "domestic", 50, W)])
    with pytest.raises(
        InputError, match=r"demands.csv row 2: field 'county' = '小店去': no such county in the study area"
    ):
        load_scenario(path)


def test_unknown_adcode_in_demands(case):
    path = simple(case, demands=[("140999", "domestic", 50, W)])
    with pytest.raises(InputError, match=r"row 2: field 'county' = '140999'"):
        load_scenario(path)


def test_missing_unit(case):
    path = simple(case, demands=[(A, "domestic", 50, "")])
    with pytest.raises(InputError, match=r"row 2: field 'demand.unit' = '': a unit is required"):
        load_scenario(path)


def test_unknown_unit(case):
    path = simple(case, demands=[(A, "domestic", 50, "万立方")])
    with pytest.raises(InputError, match=r"field 'demand.unit' = '万立方': unknown unit"):
        load_scenario(path)


def test_negative_demand(case):
    path = simple(case, demands=[(A, "domestic", -5, W)])
    with pytest.raises(InputError, match=r"row 2: field 'demand' = '-5': a demand of zero or more"):
        load_scenario(path)


def test_all_problems_reported_together(case):
    path = simple(case, demands=[(A, "domestic", -5, W), ("nowhere", "industry", 1, W), (A, "farming", 1, W)])
    with pytest.raises(InputError, match=r"3 problems") as info:
        load_scenario(path)
    assert len(info.value.problems) == 3


def test_constraint_on_missing_source(case):
    path = simple(
        case,
        constraints=[
            {
                "id": "c",
                "name_zh": "x",
                "type": "cap",
                "measure": "withdrawal",
                "sources": {"ids": ["NOPE"]},
                "value": 1,
                "unit": W,
                "clause": "t",
            }
        ],
    )
    with pytest.raises(InputError, match=r"case.yaml: field 'constraints \(c\).sources.ids' = 'NOPE'"):
        build_graph(load_scenario(path))


def test_constraint_on_missing_tag(case):
    path = simple(
        case,
        constraints=[
            {
                "id": "c",
                "name_zh": "x",
                "type": "cap",
                "measure": "withdrawal",
                "sources": {"tags": ["hutuo"]},
                "value": 1,
                "unit": W,
                "clause": "t",
            }
        ],
    )
    with pytest.raises(InputError, match=r"sources.tags' = 'hutuo'"):
        build_graph(load_scenario(path))


def test_constraint_without_unit(case):
    path = simple(
        case,
        constraints=[{"id": "c", "name_zh": "x", "type": "cap", "measure": "withdrawal", "value": 1, "clause": "t"}],
    )
    with pytest.raises(InputError, match=r"field 'constraints\[0\] \(c\).value.unit' = None: a unit is required"):
        load_scenario(path)


def test_unreachable_demand_with_strict(case):
    path = simple(case, demands=[(A, "domestic", 50, W), (A, "agriculture", 10, W)], extra={"strict": True})
    with pytest.raises(InputError, match=r"row 3: field 'county/sector' = '140105/agriculture': unreachable demand"):
        build_graph(load_scenario(path))
    r = runner.invoke(app, ["validate", str(path)])
    assert r.exit_code == 2 and "unreachable demand (strict: true)" in r.output, r.output


def test_an_unreachable_demand_is_a_finding_not_a_stop(case, tmp_path):
    """No source agriculture accepts reaches the county: supplied nothing, said why (console, report,
    validate), exit 0; ``--strict`` makes it an error."""
    path = simple(case, demands=[(A, "domestic", 50, W), (A, "agriculture", 10, W)])
    why = "no source that agriculture accepts (reclaimed, surface) reaches Xiaodian District (140105)"
    (w,) = build_graph(load_scenario(path)).graph["warnings"]
    assert "demands.csv row 3" in w and why in w, w
    res = run_scenario(path)
    row = res.results.balance.set_index(["county", "sector"]).loc[(A, "agriculture")]
    assert row["supplied_10k_m3"] == 0 and row["shortage_10k_m3"] == pytest.approx(10) and not row["reachable"]
    assert [x for x in res.results.warnings if why in x]
    r = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0 and r.output.count(why) == 1, r.output  # said once
    assert why in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")  # the county's popup and tooltip say it
    assert "无水源可达：农业——该行业可用的水源没有一处能到达本县区，缺水 10 万m³" in html
    assert html.count("⚠ 无水源可达 农业") == len(CHOROPLETHS)  # the tooltip of each county layer
    r = runner.invoke(app, ["validate", str(path)])
    assert r.exit_code == 0 and "Warning:" in r.output and why in r.output, r.output
    r = runner.invoke(app, ["validate", str(path), "--strict"])
    assert r.exit_code == 2 and "unreachable demand (strict: true)" in r.output, r.output
    r = runner.invoke(app, ["validate", str(path), "--lang", "zh"])  # in Chinese, with Chinese names
    zh = "demands.csv 第 3 行：小店区（140105）农业需水无法供给：农业可用的水源（再生水、地表水）没有一处能到达该县区"
    assert r.exit_code == 0 and "警告" in r.output and zh in r.output.replace("\n", ""), r.output


def test_malformed_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nsectors: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml: field 'line \d+, column \d+'"):
        load_scenario(p)


def test_unknown_key_in_scenario(case):
    path = simple(case, extra={"yeer": 2030})
    with pytest.raises(InputError, match=r"field 'yeer' .*unknown key"):
        load_scenario(path)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.yaml")


def test_edge_to_missing_node(case):
    path = simple(case, edges=[edge("e", "S", f"county:{A}", sectors="domestic"), edge("x", "S", "GHOST")])
    with pytest.raises(InputError, match=r"edges.geojson: field 'features\[1\] \(x\).to' = 'GHOST'"):
        build_graph(load_scenario(path))


def test_conflicting_caps_are_explained(case):
    """A floor on S above a cap on all withdrawal: they cannot both hold; nothing is relaxed silently."""
    path = simple(
        case,
        constraints=[
            {
                "id": "cap",
                "name_zh": "总量",
                "type": "cap",
                "measure": "withdrawal",
                "value": 30,
                "unit": W,
                "clause": "c1",
            },
            {
                "id": "floor",
                "name_zh": "下限",
                "type": "floor",
                "measure": "withdrawal",
                "sources": {"ids": ["S"]},
                "value": 45,
                "unit": W,
                "clause": "c2",
            },
        ],
    )
    sc = load_scenario(path)
    with pytest.raises(InfeasibleError, match=r"cannot all hold") as info:
        solve(build_graph(sc), sc)
    conflicts = {c["id"]: c["give_10k_m3"] for c in info.value.conflicts}
    assert sum(conflicts.values()) == pytest.approx(15)
    assert set(conflicts) <= {"cap", "floor"}
    said = runner.invoke(app, ["--lang", "zh", "run", str(path), "--out", str(path.parent / "out")])
    text = " ".join(said.output.split())
    assert said.exit_code == 3 and "目标相互冲突" in text and "这些指标无法同时满足" in text and "需放宽" in text, text


def test_cli_validate_ok():
    result = runner.invoke(app, ["validate", str(TAIYUAN)])
    assert result.exit_code == 0, result.output
    assert "OK taiyuan-2030" in result.output


def test_cli_reports_bad_input_without_traceback(case):
    path = simple(case, demands=[(A, "domestic", -5, W)])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Input error" in result.output and "demand of zero or more" in result.output
    assert "Traceback" not in result.output


def test_cli_infeasible_exit_code(case):
    path = simple(
        case,
        constraints=[
            {
                "id": "floor",
                "name_zh": "下限",
                "type": "floor",
                "measure": "withdrawal",
                "value": 500,
                "unit": W,
                "clause": "c2",
            }
        ],
    )
    result = runner.invoke(app, ["run", str(path), "--out", str(Path(path).parent / "out")])
    assert result.exit_code == 3
    assert "floor" in result.output and "Traceback" not in result.output
    assert not (Path(path).parent / "out").exists()


def test_run_refuses_existing_folder_and_failed_run_keeps_good_output(tmp_path, case):
    out = tmp_path / "run"
    ok = runner.invoke(app, ["run", str(TAIYUAN), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    before = (out / "allocation.csv").read_bytes()
    again = runner.invoke(app, ["run", str(TAIYUAN), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    bad = tmp_path / "bad"
    shutil.copytree(TAIYUAN.parent, bad / "scenarios")
    shutil.copytree(TAIYUAN.parent.parent / "gis", bad / "gis")
    text = (bad / "scenarios" / "taiyuan-2030.yaml").read_text(encoding="utf-8")
    (bad / "scenarios" / "taiyuan-2030.yaml").write_text(
        text.replace("value: 1700\n", "value: 99999\n"), encoding="utf-8"
    )
    failed = runner.invoke(app, ["run", str(bad / "scenarios" / "taiyuan-2030.yaml"), "--out", str(out), "--force"])
    assert failed.exit_code == 3 and "TY-gujiao-earmark" in failed.output
    assert (out / "allocation.csv").read_bytes() == before
    assert not list(tmp_path.glob(".run.tmp-*"))


def test_python_api_run(tmp_path):
    res = run_scenario(TAIYUAN, solver="cbc")
    assert res.manifest["solver"] == "CBC"


def test_monthly_options_on_an_annual_scenario(tmp_path):
    result = runner.invoke(app, ["run", str(TAIYUAN), "--out", str(tmp_path / "o"), "--mode", "myopic"])
    assert result.exit_code == 2 and "only for monthly scenarios" in result.output
    assert not (tmp_path / "o").exists()


def test_a_name_with_square_brackets_is_printed_as_it_is(tmp_path, case):
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", "county:[古交]", sectors="domestic")],
        demands=[(A, "domestic", 50, W)],
    )
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "county:[古交]" in result.output


@pytest.mark.parametrize("years", ["0", "-3"])
def test_years_below_one_are_refused(tmp_path, years):
    sc = TAIYUAN.parent / "taiyuan-2030-monthly.yaml"
    result = runner.invoke(app, ["run", str(sc), "--out", str(tmp_path / "o"), "--years", years])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([edge("loop", "S", "S")], r"from/to' = 'S → S': an edge between two different nodes"),
        (
            [edge("e", "S", f"county:{A}", sectors="domestic")],
            r"features\[1\] \(e\).id' = 'e': a unique edge id",
        ),
    ],
)
def test_self_loops_and_duplicate_edge_ids_are_refused(case, edges, message):
    path = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic"), *edges],
        demands=[(A, "domestic", 50, W)],
    )
    with pytest.raises(InputError, match=message):
        build_graph(load_scenario(path))


def _demands_csv(path, text):
    (path.parent / "demands.csv").write_text(text, encoding="utf-8")
    return path


def test_a_county_by_its_name_in_the_name_column_or_a_name_that_disagrees(case):
    """县区名称 is read: it names the county where the code is blank, and must agree where both are given."""
    path = simple(case)
    sc = load_scenario(_demands_csv(path, "县区,县区名称,行业,需水量,单位\n,小店区,生活,50,万m³\n"))
    assert list(sc.demands["county"]) == [A]
    _demands_csv(path, "县区,县区名称,行业,需水量,单位\n140105,迎泽区,生活,50,万m³\n")
    with pytest.raises(InputError, match=r"row 2: field '县区名称' = '迎泽区': the name of county 140105"):
        load_scenario(path)


def test_a_missing_lever_is_said_once_with_its_rows(case):
    path = simple(case)
    text = "county,sector,demand,unit,basis\n" + "".join(f"{c},agriculture,10,万m³,net\n" for c in (A, "140106"))
    _demands_csv(path, text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    lever = [p for p in err.value.problems if "irrigation_efficiency" in p.expected]
    assert len(lever) == 1 and "rows 2, 3 (2 rows)" in lever[0].file, err.value.problems


def test_a_problem_names_the_column_as_the_user_wrote_its_header(case):
    """A table with Chinese headers: the messages say 单位 and 县区/行业, not unit and county/sector."""
    path = simple(case)
    _demands_csv(path, "县区,行业,需水量,单位\n140105,生活,50,万m³\n140105,生活,10,万m³\n140105,工业,5,万立方\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    fields = {p.field for p in err.value.problems}
    assert fields == {"单位", "县区/行业"}, err.value.problems
    _demands_csv(path, "county,sector,demand,unit\n140105,domestic,50,万立方\n")
    with pytest.raises(InputError, match=r"field 'demand.unit' = '万立方'"):
        load_scenario(path)
