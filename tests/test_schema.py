"""The scenario file's JSON Schema: current in docs/, named by every shipped scenario, and it checks."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from waterplan.cli import app
from waterplan.schema import scenario_schema

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_schemas_in_docs_are_current():
    spec = importlib.util.spec_from_file_location("make_schema", ROOT / "tools" / "make_schema.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for name, partial in tool.FILES.items():
        assert (ROOT / "docs" / name).read_text(encoding="utf-8") == tool.render(partial), (
            f"run tools/make_schema.py ({name} is out of date)"
        )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_names_its_schema_and_follows_it(path):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    name = "scenario-extends.schema.json" if "extends" in data else "scenario.schema.json"
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../docs/{name}"
    schema = json.loads((ROOT / "docs" / name).read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


def test_the_schema_flags_a_misspelt_key_and_a_wrong_value_with_their_place():
    data = yaml.safe_load((ROOT / "scenarios" / "taiyuan-2030.yaml").read_text(encoding="utf-8"))
    data["sectors"]["domestic"]["retrun_coef"] = 0.8
    data["constraints"][0]["type"] = "maximum"
    errors = {
        (".".join(str(p) for p in e.absolute_path), e.validator)
        for e in jsonschema.Draft202012Validator(scenario_schema()).iter_errors(data)
    }
    assert ("sectors.domestic", "additionalProperties") in errors
    assert ("constraints.0.type", "enum") in errors


def test_keys_carry_their_descriptions():
    defs = scenario_schema()["$defs"]
    assert "约束性 (binding) or 预期性 (expected)" in defs["ConstraintSpec"]["properties"]["attribute"]["description"]
    assert "指标类型" in defs["Listing"]["properties"]["category"]["description"]
    partial = scenario_schema(partial=True)
    assert "required" not in json.dumps(partial) and "drop" in partial["$defs"]["TargetSpec"]["properties"]


def test_schema_command_prints_it():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output) == scenario_schema()


def test_the_layer_field_reference_lists_every_kind_and_field_read():
    """docs/gis.md's field table names every node, edge and source kind and every field the graph
    builder reads."""
    import re

    from waterplan.network import EDGE_KINDS, NODE_KINDS
    from waterplan.scenario import SOURCE_KINDS

    text = (ROOT / "docs" / "gis.md").read_text(encoding="utf-8")
    table = text.split("## Network layer fields", 1)[1].split("\n## ", 1)[0]
    for kind in (*NODE_KINDS, *EDGE_KINDS, *SOURCE_KINDS):
        assert f"`{kind}`" in table, kind
    source = (ROOT / "waterplan" / "network.py").read_text(encoding="utf-8")
    read = set(re.findall(r'row\.get\("([a-z_]+)"\)|row\["([a-z_]+)"\]|\(row, "([a-z_]+)"', source))
    for name in {n for group in read for n in group if n and n != "geometry"}:
        assert f"`{name}`" in table, name


# --- one source of truth: the published schema and validate's model agree -----------------------

#: values a user writes where a number, a flag, a name or a section belongs (no NaN: JSON has none,
#: and validate refuses YAML's .nan as it refuses any number that is not finite)
VALUES = [True, False, None, 0, 1, -1, 2, 1.5, 0.5, 1e30, -1e-9, "1", "0.8", "", "true", "2030", "hard", [], {}, [1]]


def _paths_of(data, prefix=()):
    """Every key path in a scenario's mapping (lists by index), leaves and sections alike."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for k, v in items:
        yield (*prefix, k)
        yield from _paths_of(v, (*prefix, k))


def _agree(data) -> tuple[bool, bool]:
    from pydantic import ValidationError

    from waterplan.spec import ScenarioSpec

    schema_ok = VALIDATOR.is_valid(data)
    try:
        ScenarioSpec.model_validate(data)
        model_ok = True
    except ValidationError:
        model_ok = False
    return schema_ok, model_ok


BASE = yaml.safe_load((ROOT / "scenarios" / "taiyuan-2030.yaml").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())
PATHS = list({tuple("#" if isinstance(k, int) else k for k in p): p for p in _paths_of(BASE)}.values())
# one path per shape (the first constraint's keys stand for every constraint's): each kind of key once


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("sectors", "domestic", "return_coef"), True),
        (("sectors", "domestic", "priority"), "1"),
        (("sectors", "domestic", "priority"), True),
        (("year",), "2030"),
        (("equity",), 1),
        (("constraints", 0, "value"), "1.5"),
    ],
    ids=str,
)
def test_the_cases_the_two_once_disagreed_on_are_refused_by_both(path, value):
    import copy

    data = copy.deepcopy(BASE)
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    assert _agree(data) == (False, False)


def test_schema_and_validate_agree_on_every_key_given_every_kind_of_value():
    """Each key of the Taiyuan scenario, set in turn to each value of :data:`VALUES`: the JSON
    Schema and validate's model accept and refuse alike (some 1,500 inputs or more)."""
    import copy

    disagree = []
    for path in PATHS:
        for value in VALUES:
            data = copy.deepcopy(BASE)
            node = data
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
            verdicts = _agree(data)
            if verdicts[0] != verdicts[1]:
                disagree.append((path, value, verdicts))
    assert len(PATHS) * len(VALUES) > 1500
    assert disagree == [], disagree[:20]


def _documented(text: str, table: str) -> str:
    """The part of docs/tables.md that documents ``table`` (from its first mention to the next heading)."""
    start = text.find(f"### {table}")
    start = start if start >= 0 else text.index(f"`{table}`")
    end = text.find("\n#", start)
    return text[start : end if end > 0 else None]


def test_every_column_of_every_table_a_run_writes_is_documented(annual_tables, monthly_run):
    """docs/tables.md lists every column of the annual and the monthly run's CSV tables, under the
    table's own name."""
    import pandas as pd

    text = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    folders = [annual_tables, monthly_run("myopic")[1]]
    seen = 0
    for folder in folders:
        for csv in sorted(folder.glob("*.csv")):
            part = _documented(text, csv.name)
            columns = list(pd.read_csv(csv, nrows=0).columns)
            if csv.name == "floor_shortfall.csv":
                columns = columns[:1]  # then one column per floor target, by its id
            for col in columns:
                assert f"`{col}`" in part, (csv.name, col)
                seen += 1
    assert seen > 100
