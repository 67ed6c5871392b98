"""Carrying capacity (以水定城、以水定地、以水定人、以水定产): how much population, irrigated land
and industry each county — and the city — can carry with the water and the caps.

For a county × sector, the LP of the scenario is solved once more with that demand replaced by
a volume ``z`` which must be met in full, while no demand of the same or a higher priority may
get less than in the base allocation (lower priorities give way). ``max z`` is what the county
can carry (万m³; the headroom is ``z`` minus today's demand, negative where it carries less);
the demand table's quantity and quota (with the scenario's levers) turn it into people,
万亩 or, with the scenario's industrial water intensity, industrial value added. The constraint
with the largest dual in that LP is the one that limits the county.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd
import pulp

from ._errors import InfeasibleError, SolverError
from .boundaries import county_table
from .engine import get_solver
from .i18n import tr
from .model import AllocationModel, binding, build_model
from .scenario import Scenario
from .solve import Solution, solve

__all__ = ["CapacityResult", "carrying_capacity"]

_UNITS = {
    "万人": ("population", 1.0),
    "人": ("population", 1e-4),
    "万亩": ("irrigated area", 1.0),
    "亩": ("irrigated area", 1e-4),
}


@dataclass
class CapacityResult:
    """Per county × sector (``counties``) and for the whole study area (``city``)."""

    counties: pd.DataFrame
    city: pd.DataFrame


def _limiting(m: AllocationModel, *, most: int = 3) -> tuple[str, str, float]:
    """What limits a solved capacity LP: the binding constraints with the largest duals (within a
    tenth of the largest), policy targets first. Returns (kinds, names, largest dual)."""
    found = binding(m)
    if not found:
        return "", "", 0.0
    top = max(abs(float(f["dual"])) for f in found)  # type: ignore[arg-type]
    chosen = [f for f in found if abs(float(f["dual"])) >= 0.1 * top][:most]  # type: ignore[arg-type]
    return "; ".join(str(f["kind"]) for f in chosen), "; ".join(str(f["name"]) for f in chosen), top


def _solve_max(m: AllocationModel, z: pulp.LpVariable, solver: str) -> float:
    m.prob.sense = pulp.LpMaximize
    m.prob.setObjective(pulp.LpAffineExpression(z))
    status = m.prob.solve(get_solver(solver))
    text = pulp.LpStatus[status]
    if text == "Unbounded":
        return float("inf")
    if text != "Optimal":
        msg = tr("carrying-capacity LP ended with status {text}", text=text)
        raise SolverError(msg)
    return float(z.value() or 0.0)


def _protect(m: AllocationModel, base: Solution, priority: int, skip: set[str]) -> None:
    """No demand of this or a higher priority gets less than in the base allocation."""
    for d, var in m.shortage.items():
        if d in skip:
            continue
        if m.G.nodes[d]["priority"] <= priority:
            var.upBound = base.shortage[d] + 1e-7


def _carry(m: AllocationModel, nodes: list[str], z: pulp.LpVariable, scale: dict[str, float]) -> None:
    """Replace each node's demand by ``scale × z``, met in full (delivery = scale × z)."""
    rows = {ref: name for name, (kind, ref) in m.row_meaning.items() if kind == "demand"}
    for d in nodes:
        con = m.prob.get_constraint_by_name(rows[d])
        con.expr.addterm(z, -scale[d])
        con.constant = 0.0
        con.expr.constant = 0.0
        m.shortage[d].upBound = 0.0


def _convert(sc: Scenario, county: str, sector: str, volume: float, demand: float) -> tuple[str, float | None, str]:
    dem = sc.demands.set_index(["county", "sector"])
    if (county, sector) in dem.index:
        row = dem.loc[(county, sector)]
        unit = str(row["quantity_unit"])
        if unit in _UNITS and demand > 0 and str(row["quantity"]) != "":
            what, factor = _UNITS[unit]
            return what, float(row["quantity"]) * factor * volume / demand, "万人" if what == "population" else "万亩"
    eco = sc.spec.economy
    if sector == "industry" and eco is not None:
        total = float(sc.demands.loc[sc.demands["sector"] == "industry", "demand_10k_m3"].sum())
        va = eco.industrial_va.value * (1e4 if eco.industrial_va.unit == "亿元" else 1.0)  # 万元
        intensity = total / va  # 万m³ per 万元
        return "industrial value added", volume / intensity / 1e4, "亿元"
    return "", None, ""


def carrying_capacity(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    sectors: tuple[str, ...] = ("domestic", "agriculture", "industry"),
    solver: str = "highs",
    base: Solution | None = None,
) -> CapacityResult:
    """Largest population, irrigated area and industrial output each county (and the city) can carry.

    Parameters
    ----------
    G, scenario
        The graph and its scenario.
    sectors
        Which sectors to size.
    base
        The base allocation (solved if not given).

    Returns
    -------
    CapacityResult
        ``counties``: county, sector, current demand and the largest that can be met (万m³), the
        same as a quantity (万人, 万亩, 亿元 of industrial value added) where the inputs allow, the
        headroom, and the limiting constraint with its dual. ``city``: the same for scaling the
        sector's demand in every county by one factor, with the plan's figure where the scenario
        gives it (``capacity_targets``).
    """
    base = base or solve(G, scenario, solver=solver)
    names = county_table().set_index("adcode")
    rows = [
        _county_capacity(G, scenario, base, d, names, solver)
        for d, nd in G.nodes(data=True)
        if nd["kind"] == "demand" and nd["sector"] in sectors
    ]
    counties = pd.DataFrame(rows)
    city = [_city_capacity(G, scenario, base, sector, counties, solver) for sector in sectors]
    return CapacityResult(counties=counties, city=pd.DataFrame([c for c in city if c is not None]))


def _county_capacity(
    G: nx.DiGraph, scenario: Scenario, base: Solution, d: str, names: pd.DataFrame, solver: str
) -> dict[str, object]:
    """The largest demand ``d`` can have, met in full, no higher or equal priority losing water."""
    nd = G.nodes[d]
    m = build_model(G, scenario)
    z = m.prob.add_variable("carried", lowBound=0)
    _carry(m, [d], z, {d: 1.0})
    _protect(m, base, nd["priority"], {d})
    try:
        volume = _solve_max(m, z, solver)
    except (InfeasibleError, SolverError):
        volume = float("nan")
    kind, name, dual = _limiting(m)
    what, qty, unit = _convert(scenario, nd["county"], nd["sector"], volume, nd["demand"])
    _w, now, _u = _convert(scenario, nd["county"], nd["sector"], nd["demand"], nd["demand"])
    return {
        "county": nd["county"],
        "county_zh": names.loc[nd["county"], "name_zh"],
        "county_en": names.loc[nd["county"], "name_en"],
        "sector": nd["sector"],
        "demand_10k_m3": nd["demand"],
        "capacity_10k_m3": volume,
        "headroom_10k_m3": volume - nd["demand"],
        "quantity_kind": what,
        "quantity_unit": unit,
        "quantity_now": now,
        "quantity_capacity": qty,
        "limited_by_kind": kind,
        "limited_by": name,
        "limiting_dual": dual,
    }


def _city_capacity(
    G: nx.DiGraph, scenario: Scenario, base: Solution, sector: str, counties: pd.DataFrame, solver: str
) -> dict[str, object] | None:
    """The sector's demand scaled in every county at once, against the plan's figure."""
    nodes = [
        d for d, nd in G.nodes(data=True) if nd["kind"] == "demand" and nd["sector"] == sector and nd["demand"] > 0
    ]
    if not nodes:
        return None
    m = build_model(G, scenario)
    lam = m.prob.add_variable("scale", lowBound=0)
    _carry(m, nodes, lam, {d: G.nodes[d]["demand"] for d in nodes})
    _protect(m, base, min(G.nodes[d]["priority"] for d in nodes), set(nodes))
    factor = _solve_max(m, lam, solver)
    kind, name, dual = _limiting(m)
    now = counties.loc[counties["sector"] == sector, "quantity_now"].sum(min_count=1)
    target = scenario.spec.capacity_targets.get(sector)
    qty = float(now) * factor if pd.notna(now) else None
    total = sum(G.nodes[d]["demand"] for d in nodes)
    return {
        "sector": sector,
        "demand_10k_m3": total,
        "capacity_10k_m3": factor * total,
        "scale": factor,
        "quantity_unit": counties.loc[counties["sector"] == sector, "quantity_unit"].iloc[0],
        "quantity_now": now,
        "quantity_capacity": qty,
        "plan_figure": target.value if target else None,
        "plan_clause": target.clause if target else "",
        "headroom_vs_plan": (qty - target.value) if (target and qty is not None) else None,
        "limited_by_kind": kind,
        "limited_by": name,
        "limiting_dual": dual,
    }
