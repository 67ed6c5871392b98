"""A run replaces only its own earlier output: never the user's files, --force or not."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import TAIYUAN, A, edge, node, write_case
from typer.testing import CliRunner

from waterplan.cli import app

runner = CliRunner()
ROOT = TAIYUAN.parents[1]


def _digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (links not followed) with its SHA-256."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_symlink():
            out[str(p.relative_to(folder))] = "link -> " + os.readlink(p)
    return out


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's project, the current folder inside it: a small scenario (one river, one county;
    every run writes the full folder in about a second), a folder of their layers, their notes."""
    W = "万m³"
    write_case(
        tmp_path / "scenarios",
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 50, W)],
    )
    shutil.copytree(ROOT / "gis" / "jincheng", tmp_path / "gis")
    (tmp_path / "notes.txt").write_text("my own notes\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(out: str, *extra: str):
    return runner.invoke(app, ["run", "scenarios/case.yaml", "--out", out, *extra])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("scenarios", "holds other files"),
        ("scenarios/net", "holds other files"),
        ("gis", "holds other files"),
        ("scenarios/case.yaml", "this is a file"),
        ("notes.txt", "this is a file"),
        (".", "never replaced"),
        ("..", "never replaced"),
        ("link", "symbolic link"),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_the_users_files_are_never_replaced(project, target, message, force):
    (project / "link").symlink_to(project / "scenarios", target_is_directory=True)
    before = _digest(project)
    result = _run(target, *(["--force"] if force else []))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert _digest(project) == before
    assert (project / "link").is_symlink()


def test_a_folder_with_an_earlier_run_and_a_user_file_is_refused(project):
    assert _run("runs/a").exit_code == 0
    (project / "runs" / "a" / "my-analysis.xlsx").write_bytes(b"mine")
    before = _digest(project)
    result = _run("runs/a", "--force")
    assert result.exit_code == 2 and "my-analysis.xlsx" in result.output
    assert _digest(project) == before


def test_an_earlier_run_is_replaced_with_force_only(project):
    assert _run("runs/a").exit_code == 0
    again = _run("runs/a")
    assert again.exit_code == 2 and "--force" in again.output
    assert _run("runs/a", "--force").exit_code == 0
    assert (project / "runs" / "a" / "allocation.csv").is_file()


def test_an_empty_folder_is_used(project):
    (project / "empty").mkdir()
    assert _run("empty").exit_code == 0
    assert (project / "empty" / "report.html").is_file()


def test_a_run_folder_has_the_usual_permissions(project):
    old = os.umask(0o022)
    try:
        assert _run("runs/b").exit_code == 0
    finally:
        os.umask(old)
    mode = stat.S_IMODE((project / "runs" / "b").stat().st_mode)
    assert mode == 0o755


# A folder one may not write to: tests/test_hostile_input.py runs those cases as an unprivileged user
# (nobody, through setpriv, when the tests run as root), for every command.
