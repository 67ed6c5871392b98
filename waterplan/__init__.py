"""waterplan: water-allocation planning for Shanxi's 四水四定 plans.

County boundaries and the water network become a networkx graph; a PuLP linear program
allocates sources to county × sector demands within the plans' caps by lexicographic
priorities; results come out as tables, a compliance report, folium maps and GIS layers.

The public API is what this module exports.
"""

from ._errors import InfeasibleError, InputError, Problem, SolverError, WaterplanError
from .boundaries import county_table, gcj02_to_wgs84, load_counties, resolve_county, wgs84_to_gcj02
from .capacity import CapacityResult, carrying_capacity
from .compare import compare_runs, compare_scenarios
from .ensemble import run_ensemble
from .explain import Explanation, explain
from .maps import allocation_map
from .model import AllocationModel, build_model
from .monthly import MonthlyResult, guarantee_rates, solve_monthly
from .network import build_graph, check_graph, graph_from_gdfs, graph_to_gdfs, read_layers, write_layers
from .results import Results, tabulate
from .run import RunResult, run_scenario, write_monthly_run, write_run
from .scenario import Scenario, load_scenario
from .solve import Solution, get_solver, solve
from .units import to_model_volume

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
    "resolve_county",
    "run_ensemble",
    "run_scenario",
    "solve",
    "solve_monthly",
    "tabulate",
    "to_model_volume",
    "wgs84_to_gcj02",
    "write_layers",
    "write_monthly_run",
    "write_run",
]
