"""waterplan: water-allocation planning for Shanxi's 四水四定 plans.

County boundaries and the water network become a networkx graph; a PuLP linear program
allocates sources to county × sector demands within the plans' caps by lexicographic
priorities; results come out as tables, a compliance report, folium maps and GIS layers.

The public API is what this module exports.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._errors import InfeasibleError, InputError, Problem, SolverError, WaterplanError

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from .boundaries import county_table, gcj02_to_wgs84, load_counties, resolve_county, wgs84_to_gcj02
    from .capacity import CapacityResult, carrying_capacity
    from .compare import compare_runs, compare_scenarios
    from .convert import graph_from_gdfs, graph_to_gdfs
    from .ensemble import run_ensemble
    from .explain import Explanation, explain
    from .maps import allocation_map
    from .model import AllocationModel, build_model
    from .monthly import MonthlyResult, guarantee_rates, solve_monthly
    from .network import build_graph, check_graph, read_layers, write_layers
    from .printmap import chinese_font_rc
    from .results import Results, read_results, tabulate
    from .run import RunResult, run_scenario, write_monthly_run, write_run
    from .scenario import Scenario, load_scenario
    from .solve import Solution, get_solver, solve
    from .sweep import sweep
    from .units import to_model_volume

#: where each public name lives: imported on first use, so that ``import waterplan`` (and a
#: command such as ``waterplan --help``) pays only for what it uses
_WHERE = {
    "county_table": "boundaries", "gcj02_to_wgs84": "boundaries", "load_counties": "boundaries",
    "resolve_county": "boundaries", "wgs84_to_gcj02": "boundaries",
    "CapacityResult": "capacity", "carrying_capacity": "capacity",
    "compare_runs": "compare", "compare_scenarios": "compare",
    "run_ensemble": "ensemble",
    "Explanation": "explain", "explain": "explain",
    "allocation_map": "maps",
    "AllocationModel": "model", "build_model": "model",
    "MonthlyResult": "monthly", "guarantee_rates": "monthly", "solve_monthly": "monthly",
    "build_graph": "network", "check_graph": "network", "graph_from_gdfs": "convert", "graph_to_gdfs": "convert",
    "read_layers": "network", "write_layers": "network",
    "Results": "results", "read_results": "results", "tabulate": "results", "sweep": "sweep",
    "RunResult": "run", "run_scenario": "run", "write_monthly_run": "run", "write_run": "run",
    "Scenario": "scenario", "load_scenario": "scenario",
    "Solution": "solve", "get_solver": "solve", "solve": "solve",
    "to_model_volume": "units",
    "chinese_font_rc": "printmap",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """A public name (or a submodule) of the package, imported on first use."""
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


class _Package(types.ModuleType):
    """The package, whose public functions ``solve``, ``explain`` and ``sweep`` share their modules' names:
    importing the module ``waterplan.solve`` does not put the module where the function is."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__version__ = "0.1.0"

__all__ = [
    "AllocationModel",
    "CapacityResult",
    "Explanation",
    "InfeasibleError",
    "InputError",
    "MonthlyResult",
    "Problem",
    "Results",
    "RunResult",
    "Scenario",
    "Solution",
    "SolverError",
    "WaterplanError",
    "allocation_map",
    "build_graph",
    "build_model",
    "carrying_capacity",
    "check_graph",
    "chinese_font_rc",
    "compare_runs",
    "compare_scenarios",
    "county_table",
    "explain",
    "gcj02_to_wgs84",
    "get_solver",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "guarantee_rates",
    "load_counties",
    "load_scenario",
    "read_layers",
    "read_results",
    "resolve_county",
    "run_ensemble",
    "run_scenario",
    "solve",
    "solve_monthly",
    "sweep",
    "tabulate",
    "to_model_volume",
    "wgs84_to_gcj02",
    "write_layers",
    "write_monthly_run",
    "write_run",
]
