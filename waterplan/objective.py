"""The objective, defined once for every horizon: an ordered list of tiers.

1. for each priority, from the first: the total shortage of its demands, then (the equity rule,
   :func:`waterplan.model.build_model`) the mean shortage fraction over the worst half of their
   demand volume,
   then the allocation rules the plan states and the
   scenario applies (``targets[].rule`` with ``check: takes_first``) for the rule's sectors of
   that priority: other water arriving at them where the rule's source kinds can reach them,
   weighted by the sectors' order in the rule (the first counts most). A rule so ranks who takes
   the water first without overriding the priorities: users of the same or a higher priority
   keep their water;
   then the shortfall of the targets the scenario ranks right after that priority (``rank: k``:
   a goal that never costs the priorities 1..k water);
2. after all priorities, the shortfall of the plan's expected (预期性) targets — levels to reach
   (``type: level``, e.g. "利用量达到 6.68 亿m³") and targets the plan marks 预期性 — in 万m³
   summed over them;
3. source preference (each sector's ``prefers`` order, then the scenario's ``source_preference``);
4. cost and conveyance (edge and source costs plus one per 万m³ carried, and the transaction
   cost of water-rights trades), plus a tie-break of less than :data:`TIE_BREAK` per 万m³,
   different for every flow and trade, so that the allocation is unique: equally good
   allocations would otherwise depend on the solver's path (and differ between HiGHS and CBC,
   or between an annual and a monthly run of the same scenario).

A tier is a list of ``(column name, coefficient)`` pairs over the model's columns. The annual run
solves the tiers one after another with PuLP (:func:`waterplan.solve`); the monthly engine
replicates the same coefficients in every month and solves them staged (the reference) or as one
weighted LP (:func:`tier_weights`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pulp

from .model import AllocationModel
from .scenario import Scenario

__all__ = ["Tier", "source_rank", "stage_tolerance", "tiers"]

#: the equity rule levels the mean shortage fraction of the worst ``EQUITY_TAIL`` of a priority's
#: demand volume (see :func:`waterplan.model.build_model`)
EQUITY_TAIL = 0.5
#: the smallest trade cost per 万m³ (a tie-breaker when trading is free)
MIN_TRADE_COST = 1e-3
#: the largest tie-breaking cost per 万m³ added to a flow or trade: a BLAKE2 hash of what the
#: column is about, scaled to [0, TIE_BREAK) — pseudo-random (no two swaps of water cancel by
#: construction, as they would with a linear code such as CRC), deterministic, and the same in
#: every horizon and solver. Ten edges of tie-breaks stay below one edge of conveyance (1 per 万m³).
TIE_BREAK = 1e-3


def _tie_break(about: object) -> float:
    digest = hashlib.blake2b(repr(about).encode("utf-8"), digest_size=8).digest()
    return TIE_BREAK * int.from_bytes(digest, "big") / 2**64


@dataclass
class Tier:
    """One level of the lexicographic objective."""

    name: str
    kind: str  # "shortage", "equity", "preference", "cost"
    priority: int | None
    coef: dict[str, float]

    def expr(self, m: AllocationModel) -> pulp.LpAffineExpression:
        """The tier as a PuLP expression over ``m``'s variables."""
        var = m.prob.variablesDict()
        return pulp.LpAffineExpression([(var[name], c) for name, c in self.coef.items()])


def stage_tolerance(z: float) -> float:
    """How far a later stage may move an earlier stage's optimum ``z`` (0.01 m³ and 1e-7 relative:
    above the solvers' feasibility tolerances)."""
    return 1e-7 * max(1.0, abs(z)) + 1e-6


def source_rank(scenario: Scenario, sector: str, kind: str) -> int:
    """Position of a source kind in a sector's order of preference (0 = preferred)."""
    spec = scenario.spec
    order = list(spec.sectors[sector].prefers)
    order += [k for k in spec.source_preference if k not in order]
    return order.index(kind) if kind in order else len(order)


def _add(coef: dict[str, float], expr: pulp.LpAffineExpression, factor: float) -> None:
    for var, c in expr.items():
        coef[var.name] += factor * c


def binding_rules(scenario: Scenario) -> list[Any]:
    """The ``takes_first`` rules of a scenario the model applies (``binds: true``)."""
    return [
        t.rule for t in scenario.spec.targets if t.rule is not None and t.rule.check == "takes_first" and t.rule.binds
    ]


def rule_sector(scenario: Scenario, sector: str) -> str:
    """The sector a rule names for ``sector``: its parent if it is a share of another (basic ecology
    is ecology for the plan's rules)."""
    share = scenario.spec.sectors[sector].share_of
    return share.sector if share is not None else sector


def rule_index(scenario: Scenario, sectors: list[str], sector: str) -> int | None:
    """Where ``sector`` stands in a rule's list of sectors (by its own name, else its parent's)."""
    for name in (sector, rule_sector(scenario, sector)):
        if name in sectors:
            return sectors.index(name)
    return None


def first_kinds(scenario: Scenario, sector: str) -> set[str]:
    """The source kinds the scenario's ``takes_first`` rules give ``sector`` (or its parent) first:
    water of these kinds is never the "other water" a rule counts against it."""
    out: set[str] = set()
    for t in scenario.spec.targets:
        r = t.rule
        if r is not None and r.check == "takes_first" and rule_index(scenario, r.sectors, sector) is not None:
            out |= set(r.kinds)
    return out


def _rules_tier(m: AllocationModel, priority: int) -> dict[str, float]:
    """Coefficients of the allocation-rules tier of one priority (see the module docs)."""
    G = m.G
    coef: dict[str, float] = defaultdict(float)
    firsts = {sector: first_kinds(m.scenario, sector) for sector in m.scenario.spec.sectors}
    for rule in binding_rules(m.scenario):
        kinds = set(rule.kinds)
        counties = None if rule.counties is None else {str(c) for c in rule.counties}
        reached = {d for (d, s) in m.open_routes if G.nodes[s]["source_kind"] in kinds}
        for (d, s), expr in m.arrived.items():
            nd = G.nodes[d]
            at = rule_index(m.scenario, rule.sectors, nd["sector"])
            if nd["priority"] != priority or at is None or d not in reached:
                continue
            if G.nodes[s]["source_kind"] in firsts[nd["sector"]] | kinds:
                continue
            if counties is not None and nd["county"] not in counties:
                continue
            _add(coef, expr, float(len(rule.sectors) - at))
    return dict(coef)


def tiers(m: AllocationModel) -> list[Tier]:
    """The tiers of ``m``'s objective, highest first (priorities with no demand are left out)."""
    G, scenario = m.G, m.scenario
    out: list[Tier] = []
    for p in sorted({G.nodes[d]["priority"] for d in m.shortage}):
        demands = [d for d in m.shortage if G.nodes[d]["priority"] == p]
        if sum(G.nodes[d]["demand"] for d in demands) <= 0:
            continue
        out.append(Tier(f"shortage of priority {p}", "shortage", p, {m.shortage[d].name: 1.0 for d in demands}))
        if p in m.worst:
            mine = [d for d in demands if d in m.excess]
            tail = EQUITY_TAIL * sum(G.nodes[d]["demand"] for d in mine)
            coef = {m.worst[p].name: 1.0, **{m.excess[d].name: G.nodes[d]["demand"] / tail for d in mine}}
            out.append(Tier(f"equity of priority {p}", "equity", p, coef))
        rules = _rules_tier(m, p)
        if rules:
            out.append(Tier(f"allocation rules of priority {p}", "rule", p, rules))
        goals = {m.gap[c.id].name: 1.0 for c in scenario.constraints if c.id in m.gap and c.goal_after == p}
        if goals:
            out.append(Tier(f"targets ranked after priority {p}", "goal", p, goals))
    goals_placed = {name for t in out if t.kind == "goal" for name in t.coef}
    rest = {v.name: 1.0 for v in m.gap.values() if v.name not in goals_placed}
    if rest:
        out.append(Tier("expected targets", "level", None, rest))
    pref: dict[str, float] = defaultdict(float)
    for (d, s), expr in m.arrived.items():
        _add(pref, expr, source_rank(scenario, G.nodes[d]["sector"], G.nodes[s]["source_kind"]))
    out.append(Tier("source preference", "preference", None, dict(pref)))
    cost: dict[str, float] = defaultdict(float)
    for (u, v, s), var in m.x.items():
        cost[var.name] += G.edges[u, v]["cost"] + 1.0 + _tie_break((u, v, s))
    for s, var in m.q.items():
        cost[var.name] += G.nodes[s].get("cost", 0.0)
    if m.trades:  # 元/m³ → per 万m³ it is the same number in 万元; at least a tie-breaker
        trading = scenario.spec.trading
        unit = max(trading.cost_yuan_per_m3 if trading else 0.0, MIN_TRADE_COST)
        for pair, var in m.trades.items():
            cost[var.name] += unit + _tie_break(pair)
    out.append(Tier("cost and conveyance", "cost", None, dict(cost)))
    return [t for t in out if any(c for c in t.coef.values())]
