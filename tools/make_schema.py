"""Write the scenario file's JSON Schemas into docs/ (tests check they are current):
docs/scenario.schema.json (a full scenario) and docs/scenario-extends.schema.json (one that extends
another)."""

from __future__ import annotations

import json
from pathlib import Path

from waterplan.schema import scenario_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"
FILES = {"scenario.schema.json": False, "scenario-extends.schema.json": True}


def render(partial: bool) -> str:
    return json.dumps(scenario_schema(partial=partial), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    for name, partial in FILES.items():
        (DOCS / name).write_text(render(partial), encoding="utf-8")
        print(f"wrote {DOCS / name}")
