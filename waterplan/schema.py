"""JSON Schema of the scenario file, generated from its models (:mod:`waterplan.scenario`).

Editors that read JSON Schema (VS Code's YAML extension, PyCharm, …) complete and check a scenario's
keys with it: a scenario file names it on its first line,
``# yaml-language-server: $schema=../docs/scenario.schema.json``. Each key's description is the
comment (``#:``) written above the field in the model; each section's is its model's docstring.
A scenario that ``extends`` another gives only what differs: the ``partial`` schema requires no key
and lets a constraint or target be dropped (``drop: true``).
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from . import spec as _spec_source
from .spec import ScenarioSpec

__all__ = ["SCHEMA_ID", "scenario_schema"]

SCHEMA_ID = "https://waterplan.example/scenario.schema.json"


def _field_comments() -> dict[str, dict[str, str]]:
    """model name → field name → the ``#:`` comment above the field."""
    source = inspect.getsource(_spec_source)
    lines = source.splitlines()
    out: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, str] = {}
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                above: list[str] = []
                k = item.lineno - 2
                while k >= 0 and lines[k].strip().startswith("#:"):
                    above.insert(0, lines[k].strip()[2:].strip())
                    k -= 1
                if above:
                    fields[item.target.id] = " ".join(above)
        out[node.name] = fields
    return out


def _describe(model_schema: dict[str, Any], comments: dict[str, str]) -> None:
    for name, prop in model_schema.get("properties", {}).items():
        if name in comments and "description" not in prop:
            prop["description"] = comments[name]


def _relax(node: Any) -> None:
    """No key required anywhere (a file that extends another gives only what differs)."""
    if isinstance(node, dict):
        node.pop("required", None)
        for v in node.values():
            _relax(v)
    elif isinstance(node, list):
        for v in node:
            _relax(v)


def scenario_schema(*, partial: bool = False) -> dict[str, Any]:
    """The scenario file's JSON Schema (draft 2020-12).

    Parameters
    ----------
    partial
        The schema of a scenario that ``extends`` another: no key required, and a constraint or
        target may be ``{id: …, drop: true}``.
    """
    schema = ScenarioSpec.model_json_schema()
    comments = _field_comments()
    _describe(schema, comments.get("ScenarioSpec", {}))
    for name, sub in schema.get("$defs", {}).items():
        _describe(sub, comments.get(name, {}))
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "A scenario file this one extends: mappings merge key by key, constraints and "
        "targets by id; only what differs is written here.",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "waterplan scenario" + (" (extending another)" if partial else "")
    if partial:
        _relax(schema)
        for item in ("ConstraintSpec", "TargetSpec"):
            schema["$defs"][item]["properties"]["drop"] = {
                "type": "boolean",
                "description": "true: remove the item of this id from the scenario extended",
            }
    return schema
