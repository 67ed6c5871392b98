"""The package reads as a newcomer expects: no import cycle (imports inside functions counted) and
no function longer than 60 lines (its signature and docstring counted). Complexity (≤ 12) is
ruff's C901 and the types ``mypy --strict``, both in ``make lint``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from import_graph import cycles, import_graph  # noqa: E402

MAX_LINES = 60


def test_no_import_cycle_counting_imports_inside_functions():
    G = import_graph()
    assert G.number_of_edges() > 50  # the graph is read: run.py alone imports a dozen modules
    assert ("waterplan.run", "waterplan.tables") in G.edges or ("waterplan.results", "waterplan.tables") in G.edges
    assert ("waterplan.cli", "waterplan.run") in G.edges  # an import inside a function counts
    assert "waterplan.run" not in set(G.successors("waterplan"))  # a TYPE_CHECKING import does not
    assert cycles(G) == []


def test_a_cycle_is_found_when_there_is_one():
    import networkx as nx

    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert cycles(G) == [["a", "b", "c"]]


def _lines(f: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return f.end_lineno - f.lineno + 1


def test_no_function_is_longer_than_sixty_lines():
    long = []
    for path in sorted((ROOT / "waterplan").rglob("*.py")):
        for f in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and _lines(f) > MAX_LINES:
                long.append(f"{path.relative_to(ROOT)}:{f.lineno} {f.name} ({_lines(f)} lines)")
    assert long == []


def test_every_breakage_still_applies_to_the_code():
    """Each breakage in tools/breakage_check.py names text found exactly once in its file: a breakage
    whose text the code no longer has would break nothing and be reported as not applying."""
    import breakage_check

    stale = [(i, what, (ROOT / rel).read_text(encoding="utf-8").count(old))
             for i, (what, rel, old, _new) in enumerate(breakage_check.MUTATIONS)
             if (ROOT / rel).read_text(encoding="utf-8").count(old) != 1]  # fmt: skip
    assert stale == []
    assert len(breakage_check.MUTATIONS) > 200
