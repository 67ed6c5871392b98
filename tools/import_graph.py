"""The package's import graph, imports inside functions included, and its cycles.

.venv/bin/python tools/import_graph.py      # prints every cycle (none: exit 0)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "waterplan"


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> nx.DiGraph:
    """Module → the package's modules it imports (at the top or inside a function; ``TYPE_CHECKING``
    imports are left out: they are not run)."""
    files = sorted((ROOT / PACKAGE).rglob("*.py"))
    modules = {_module(p) for p in files}
    G = nx.DiGraph()
    for path in files:
        name = _module(path)
        G.add_node(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {
            id(n)
            for top in ast.walk(tree)
            if isinstance(top, ast.If) and "TYPE_CHECKING" in ast.unparse(top.test)
            for n in ast.walk(top)
        }
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name and not name.startswith(t + ".") and t != PACKAGE:
                    G.add_edge(name, t)
    return G


def cycles(G: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1]


def main() -> int:
    found = cycles(import_graph())
    for c in found:
        print("cycle:", " ↔ ".join(c))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
