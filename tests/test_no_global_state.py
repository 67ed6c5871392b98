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
