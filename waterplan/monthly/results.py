"""Monthly results: tables from the solution arrays, once at the end; guarantee rates."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..status import judge_constraint, judge_guarantee
from ..template import Template
from .periods import Periods

__all__ = ["MonthlyResult", "collect", "guarantee_rates", "policy_yearly"]


@dataclass
class MonthlyResult:
    """Values of a monthly run, in 万m³ per month."""

    scenario: Scenario
    graph: nx.DiGraph
    months: list[str]
    mode: str
    shortage: pd.DataFrame  # index month, columns demand nodes
    demand: pd.DataFrame
    release: pd.DataFrame  # index month, columns sources
    #: released less what reaches an outlet (index month, columns sources)
    withdrawn: pd.DataFrame
    storage: pd.DataFrame  # index month, columns reservoirs
    spill: pd.DataFrame
    #: water arrived at each demand by source: columns month, county, sector, source, value_10k_m3
    allocation: pd.DataFrame
    #: water-rights transfers per year: columns year, seller, buyer, volume_10k_m3
    trades: pd.DataFrame
    policy: pd.DataFrame = field(default_factory=pd.DataFrame)  # index year, columns constraint ids
    objective: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    lp_size: dict[str, int] = field(default_factory=dict)
    step_seconds: list[float] = field(default_factory=list)
    floor_shortfall: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: how the tiers were solved: "staged" or "weighted"
    objective_mode: str = "staged"
    #: water entering each edge (all sources together): index month, columns (from, to)
    edge_flow: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: both sides of every policy constraint per year (万m³): index year, columns (id, "lhs" | "rhs")
    sides: pd.DataFrame = field(default_factory=pd.DataFrame)


def _arrival_entries(tpl: Template) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Water arrived at demand d from source s as a linear map of a month's columns (COO: pair, column, coef)."""
    m = tpl.model
    index = {name: i for i, name in enumerate(m.cols)}
    pairs = list(m.arrived)
    r, c, v = [], [], []
    for k, pair in enumerate(pairs):
        for var, coef in m.arrived[pair].items():
            r.append(k)
            c.append(index[var.name])
            v.append(coef)
    return np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64), np.asarray(v, dtype=float), pairs


def _withdrawn(
    G: nx.DiGraph, tpl: Template, months: list[str], values: np.ndarray, release: pd.DataFrame
) -> pd.DataFrame:
    """Each source's release less what of its water reaches an outlet, month by month."""
    out = release.copy()
    for (u, v, s), col in tpl.cols_of("flow").items():
        if G.nodes[v]["kind"] == "outlet":
            out[s] = out[s] - values[:, col] * (1.0 - G.edges[u, v]["loss"])
    return out


def _allocation(G: nx.DiGraph, tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    r, c, v, pairs = _arrival_entries(tpl)
    T, P = len(months), len(pairs)
    arrived_t = np.zeros((P, T))
    np.add.at(arrived_t, r, (values[:, c] * v).T)
    arrived = arrived_t.T
    return pd.DataFrame(
        {
            "month": np.repeat(months, P),
            "county": np.tile([G.nodes[d]["county"] for d, _s in pairs], T),
            "sector": np.tile([G.nodes[d]["sector"] for d, _s in pairs], T),
            "source": np.tile([s for _d, s in pairs], T),
            "value_10k_m3": arrived.ravel(),
        }
    )


def _edge_flow(tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    """Water entering each edge month by month, all sources together (columns: (from, to))."""
    per_edge: dict[tuple[str, str], list[int]] = {}
    for (u, v, _s), col in tpl.cols_of("flow").items():
        per_edge.setdefault((u, v), []).append(col)
    data = np.column_stack([values[:, cols].sum(axis=1) for cols in per_edge.values()]) if per_edge else None
    return pd.DataFrame(data, index=months, columns=pd.MultiIndex.from_tuples(list(per_edge)) if per_edge else None)


def _trades(tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    trade = tpl.cols_of("trade")
    years = np.asarray([m[:4] for m in months])
    rows = []
    for (a, b), col in trade.items():
        for y in dict.fromkeys(years):
            rows.append({"year": y, "seller": a, "buyer": b, "volume_10k_m3": float(values[years == y, col].sum())})
    return pd.DataFrame(rows, columns=["year", "seller", "buyer", "volume_10k_m3"])


def _sides(tpl: Template, months: list[str], values: np.ndarray) -> pd.DataFrame:
    """Both sides of every policy constraint of the scenario (a ratio's numerator and denominator),
    summed over each year from the month × column solution: what its status is judged on."""
    index = {name: i for i, name in enumerate(tpl.model.cols)}
    years = [m[:4] for m in months]
    out: dict[tuple[str, str], pd.Series] = {}
    for cid, exprs in tpl.model.policy_expr.items():
        for side, expr in zip(("lhs", "rhs"), exprs, strict=True):
            if expr is None:
                continue
            cols = np.asarray([index[v.name] for v in expr], dtype=np.int64)
            coef = np.asarray(list(expr.values()), dtype=float)
            monthly = values[:, cols] @ coef if len(cols) else np.zeros(len(months))
            out[(cid, side)] = pd.Series(monthly).groupby(years, sort=False).sum() + float(expr.constant)
    return pd.DataFrame(out)


def policy_yearly(res: MonthlyResult) -> pd.DataFrame:
    """Every policy constraint of the scenario, year by year: its value and target as the annual
    indicator table shows them (万m³, or % for a ratio), both sides in 万m³, and its status, judged
    by :func:`waterplan.status.judge_constraint` as an annual run's."""
    rows = []
    for c in res.scenario.constraints:
        if (c.id, "lhs") not in res.sides.columns:
            continue
        for year, lhs in res.sides[(c.id, "lhs")].items():
            rhs = float(res.sides[(c.id, "rhs")][year]) if c.rhs is not None else None
            j = judge_constraint(c, float(lhs), rhs)
            rows.append(
                {
                    "year": year, "id": c.id, "indicator_zh": c.name_zh, "indicator_en": c.name_en,
                    "kind": c.type, "attribute": c.attribute, "basis": c.basis, "relation": c.relation,
                    "target": j.target, "value": j.value, "unit": j.unit, "status": j.status,
                    "deviation": j.deviation, "numerator_10k_m3": float(lhs), "denominator_10k_m3": rhs,
                    "clause": c.clause,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def collect(
    scenario: Scenario,
    G: nx.DiGraph,
    tpl: Template,
    per: Periods,
    values: np.ndarray,
    storage: dict[str, np.ndarray],
    spill: dict[str, np.ndarray],
    mode: str,
) -> MonthlyResult:
    """Tables of a solved horizon from the month × column solution array."""
    months = per.months
    short_col = tpl.cols_of("shortage")
    q_col = tpl.cols_of("release")
    demands = per.demands
    short = pd.DataFrame(values[:, [short_col[d] for d in demands]], index=months, columns=demands)
    release = pd.DataFrame(values[:, list(q_col.values())], index=months, columns=list(q_col))
    return MonthlyResult(
        scenario=scenario,
        graph=G,
        months=months,
        mode=mode,
        shortage=short.clip(lower=0.0),
        demand=pd.DataFrame(per.demand, index=months, columns=demands),
        release=release,
        withdrawn=_withdrawn(G, tpl, months, values, release),
        storage=pd.DataFrame(storage, index=months),
        spill=pd.DataFrame(spill, index=months),
        allocation=_allocation(G, tpl, months, values),
        trades=_trades(tpl, months, values),
        edge_flow=_edge_flow(tpl, months, values),
        sides=_sides(tpl, months, values),
    )


def guarantee_rates(res: MonthlyResult, *, tol: float = 1e-3) -> pd.DataFrame:
    """Supply guarantee rates (供水保证率) per county × sector.

    A month is fully supplied when its shortage is at most ``tol`` 万m³ (10 m³); a year when all
    its months are. Returns the share of months and of years fully supplied, the sector's target
    (``time.guarantee_targets``, share of years) and the status.
    """
    G = res.graph
    ok = res.shortage.le(tol + 1e-9 * res.demand)
    years = pd.Index([m[:4] for m in res.months])
    yearly_ok = ok.groupby(years).all()
    targets = res.scenario.spec.time.guarantee_targets if res.scenario.spec.time else {}
    rows = []
    for d in res.shortage.columns:
        nd = G.nodes[d]
        target = targets.get(nd["sector"])
        year_rate = float(yearly_ok[d].mean())
        rows.append(
            {
                "county": nd["county"],
                "sector": nd["sector"],
                "priority": nd["priority"],
                "months_fully_supplied": float(ok[d].mean()),
                "years_fully_supplied": year_rate,
                "target_years": target,
                "status": judge_guarantee(year_rate, target),
                "mean_shortage_10k_m3_per_year": float(res.shortage[d].sum() / max(1, len(set(years)))),
            }
        )
    return pd.DataFrame(rows).sort_values(["county", "priority", "sector"]).reset_index(drop=True)
