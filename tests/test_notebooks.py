"""The user-guide notebooks run top to bottom, and are committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3
    sources = [c.source for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells]
    assert sum(".plot" in src for src in sources) >= 2  # notebooks that draw


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    plots = [c for c in nb.cells if c.cell_type == "code" and ".plot" in c.source]
    for cell in plots:  # a plotting cell shows its figure (importing waterplan switched no backend)
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"{path.name}: no image from the cell {cell.source[:60]!r}"


def test_api_docs_are_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_api_docs", ROOT / "tools" / "make_api_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == mod.render(), "run tools/make_api_docs.py"


def test_target_list_in_docs_is_current():
    """docs/data.md lists every target of the shipped scenarios with its encoding and source."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_target_docs", ROOT / "tools" / "make_target_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert text == mod.render(), "run tools/make_target_docs.py"
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        from waterplan import load_scenario

        sc = load_scenario(path)
        for tid in [c.id for c in sc.constraints] + [t.id for t in sc.spec.targets]:
            assert f"| {tid} |" in text, (path.name, tid)
