"""Importing waterplan changes no global state: matplotlib backend, warning filters, logging handlers."""

from __future__ import annotations

import subprocess
import sys


def test_import_changes_no_global_state():
    code = """
import logging, warnings, sys
import matplotlib
# the dependencies first: some of them (requests, urllib3) set warning filters of their own
import folium, geopandas, highspy, matplotlib_scalebar.scalebar, networkx, pandas, pint, pulp, pydantic, pyogrio
import pypinyin, requests, rich, tqdm, typer, yaml
before = (matplotlib.rcParams._get_backend_or_none(), list(warnings.filters), list(logging.getLogger().handlers),
          logging.getLogger().level, logging.getLogger("matplotlib.font_manager").level)
import importlib, pkgutil
import waterplan
for name in waterplan.__all__:  # every public name (imported on first use)
    getattr(waterplan, name)
for info in pkgutil.walk_packages(waterplan.__path__, "waterplan."):  # and every module
    importlib.import_module(info.name)
after = (matplotlib.rcParams._get_backend_or_none(), list(warnings.filters), list(logging.getLogger().handlers),
         logging.getLogger().level, logging.getLogger("matplotlib.font_manager").level)
assert before == after, (before, after)
assert "matplotlib.pyplot" not in sys.modules
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_a_command_collects_cycles_less_often_and_puts_the_setting_back(monkeypatch):
    """The command line raises the cyclic collector's threshold while a command runs (a tenth of
    an annual run's CPU) and restores it at the end, error or not; importing changes nothing."""
    import gc

    from typer.testing import CliRunner

    import waterplan.cli as cli
    from waterplan._errors import InputError, Problem

    before = gc.get_threshold()
    seen = []

    def load(*_a, **_k):
        seen.append(gc.get_threshold())
        raise InputError(Problem("x.yaml", "time", "?", "stop here"))

    monkeypatch.setattr(cli, "_load", load)
    result = CliRunner().invoke(cli.app, ["validate", "scenarios/taiyuan-2030.yaml"])
    assert "stop here" in result.output and result.exit_code != 0
    assert seen == [(cli.COMMAND_GC_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before
    code = "import gc; t = gc.get_threshold(); import waterplan.cli, waterplan.run; assert gc.get_threshold() == t"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_no_solver_banner_and_the_output_around_it_kept():
    """HiGHS prints a banner (in C, on file descriptor 1) when a process makes its first model:
    waterplan's models print nothing, and what Python printed before and prints after comes through."""
    code = """
import sys
print("before", end=" ")
from waterplan.engine import new_highs
new_highs(); new_highs()
print("after"); sys.stdout.flush()
import os; os.write(1, b"fd1\\n")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "before after\nfd1\n", out.stdout
    assert "HiGHS" not in out.stderr


def test_chinese_text_in_a_users_own_plot_with_one_call():
    """``wp.chinese_font_rc()`` draws Chinese in a researcher's own figure (a missing glyph would warn,
    and warnings are errors here) and changes nothing outside the ``rc_context``."""
    import io
    import warnings

    import matplotlib
    import pytest
    from matplotlib.figure import Figure

    import waterplan as wp

    before = dict(matplotlib.rcParams)

    def draw():
        fig = Figure()
        fig.add_subplot().set_title("太原市供水满足率")
        fig.savefig(io.BytesIO(), format="png")

    with matplotlib.rc_context(wp.chinese_font_rc()), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        draw()
    assert not [w for w in seen if "missing from font" in str(w.message)]
    assert dict(matplotlib.rcParams) == before
    with pytest.warns(UserWarning, match="missing from font"):  # (the default font has no Chinese)
        draw()


def test_no_solver_banner_from_the_models_solved_through_pulp():
    """Conflicts explained and carrying capacity solve through PuLP's HiGHS, which makes its own
    models: the process's first prints no banner either (``waterplan explain`` printed it first)."""
    code = """
import pulp
from waterplan.engine import get_solver
p = pulp.LpProblem("p", pulp.LpMinimize); x = pulp.LpVariable("x", 0, 1); p += x
p.solve(get_solver("highs")); print("solved")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "solved\n", out.stdout
