"""Scenario files: what a planner edits.

This module loads a scenario; its neighbours do the stages (as OSMnx splits its own):
:mod:`waterplan.spec` is the schema, :mod:`waterplan.reading` reads the YAML and its ``extends``
chain, :mod:`waterplan.demands` the demand table, :mod:`waterplan.constraints` resolves and checks
the constraints and the other sections.


A scenario is a YAML file (comments allowed) naming the study area, the year, the network
layers, the demand table, the sectors with their priorities and acceptable source kinds, and
the plan's policy constraints, each with an id, the clause it comes from and a unit. It is
read and checked here; every problem is collected and reported together, naming the file,
the field and the value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import Problem, raise_if
from .constraints import (
    Constraint,
    Selection,
    _check_rules,
    _check_source_kinds,
    _check_target_levers,
    _check_time,
    _constraints,
    _trading_quotas,
)
from .demands import _read_demands, _split_shares
from .i18n import tr
from .reading import _input_hashes, _load_dict, _merge, _rel, _spec_from_dict, _study_counties
from .spec import SECTOR_NAMES, SOURCE_KINDS, Listing, RuleSpec, ScenarioSpec, TargetSpec, TimeSpec
from .units import is_flow

__all__ = [
    "SECTOR_NAMES",
    "SOURCE_KINDS",
    "Constraint",
    "Listing",
    "RuleSpec",
    "Scenario",
    "ScenarioSpec",
    "Selection",
    "TargetSpec",
    "TimeSpec",
    "load_scenario",
]


@dataclass
class Scenario:
    """A loaded, checked scenario (inputs only; the graph is built by ``build_graph``)."""

    spec: ScenarioSpec
    path: Path
    counties: list[str]
    demands: pd.DataFrame
    constraints: list[Constraint]
    network_dir: Path
    demands_path: Path
    inputs: dict[str, str] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)  # trading quotas by county, 万m³/yr
    #: the text encoding each scenario file and table was read in (UTF-8, UTF-16 or GB18030)
    encodings: dict[str, str] = field(default_factory=dict)

    def flow_readings(self) -> list[dict[str, object]]:
        """Every number of the scenario and its demand table given as a flow rate where a yearly
        volume is expected (read over 365 days): file, field, value, unit."""
        fname = _rel(self.path)
        out: list[dict[str, object]] = []
        items = [(f"constraints ({c.id}).value", c.value, c.unit) for c in self.spec.constraints]
        items += [(f"sources.{k}.available", o.available, o.unit) for k, o in self.spec.sources.items()]
        if self.spec.trading is not None:
            items += [(f"trading.quotas[{i}].value", q.value, q.unit) for i, q in enumerate(self.spec.trading.quotas)]
        out += [{"file": fname, "field": f, "value": v, "unit": u} for f, v, u in items if is_flow(u)]
        dfile = _rel(self.demands_path)
        out += [
            {
                "file": tr("{file} row {row}", file=dfile, row=r.row),
                "field": "demand",
                "value": r.net_10k_m3,
                "unit": r.unit,
            }
            for r in self.demands.itertuples()
            if is_flow(r.unit)
        ]
        return out

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def year(self) -> int:
        return self.spec.year


def _network_dir(path: Path, spec: ScenarioSpec, fname: str, problems: list[Problem]) -> Path:
    """The scenario's network: a folder of GeoJSON layers or a GeoPackage (a problem if neither)."""
    network_dir = (path.parent / spec.network).resolve()
    if not (network_dir.is_dir() or (network_dir.suffix.lower() == ".gpkg" and network_dir.is_file())):
        want = tr(
            "a folder holding nodes.geojson and edges.geojson, or a GeoPackage (.gpkg) with layers nodes and edges"
        )
        problems.append(Problem(fname, "network", spec.network, want))
    return network_dir


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and check a scenario file and its demand table.

    Parameters
    ----------
    path
        The scenario's YAML file.
    overrides
        Changes merged onto the file as a scenario that ``extends`` it would: mappings key by
        key, constraints and targets by id (``{"constraints": [{"id": "TY-groundwater",
        "value": 1.2}]}``). For sweeps and sensitivity studies from Python.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every problem found, each with file, field, value and what would be valid.

    Examples
    --------
    >>> sc = load_scenario("scenarios/taiyuan-2030.yaml")
    >>> sc.name, len(sc.counties)
    ('taiyuan-2030', 10)
    """
    path = Path(path)
    fname = _rel(path)
    data, files = _load_dict(path)
    if overrides:
        problems_o: list[Problem] = []
        data = _merge(data, overrides, fname="<overrides>", parent_name=fname, where="", problems=problems_o)
        raise_if(problems_o)
    spec = _spec_from_dict(data, fname)
    problems: list[Problem] = []
    _check_source_kinds(spec, fname, problems)
    study = _study_counties(spec, fname)
    network_dir = _network_dir(path, spec, fname, problems)
    demands_path = Path(os.path.abspath(path.parent / spec.demands))  # a link keeps its name in messages
    demands = _split_shares(_read_demands(demands_path, study, spec, problems, files), spec, fname, problems)
    constraints = _constraints(spec, fname, study, problems)
    _check_time(spec, path, fname, problems)
    quotas = _trading_quotas(spec, fname, study, problems)
    _check_target_levers(spec, fname, problems)
    _check_rules(spec, fname, study, problems)
    raise_if(problems)
    return Scenario(
        spec=spec,
        path=path,
        counties=study,
        demands=demands,
        constraints=constraints,
        network_dir=network_dir,
        demands_path=demands_path,
        inputs=_input_hashes(files, demands_path, network_dir),
        quotas=quotas,
        encodings={_rel(f): enc for f, enc in files.items()},
    )
