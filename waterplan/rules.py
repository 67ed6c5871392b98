"""The plan's allocation rules, checked from a run's output tables.

A rule such as "优质水源优先保障城乡居民生活" (domestic first) or "工业生产优先配置再生水、疏干水"
(industry takes reclaimed and mine water first) is not "met" because the model was told to apply
it: it is checked from what the run delivered. Only the graph built from the layers (routes,
capacities, which sector accepts which source kind) and the run's tables are read: the allocation
(county × sector × source), the balance (shortages), the flows (per edge, against capacity), the
sources (released against available) and the indicators (which caps of the plan are at their value).

Water "could have reached" a demand when a route from its source to the demand exists on which no
edge and no plant is at its capacity. Each break is listed with the volume that could have moved.

``check: priority``
    the rule's sectors come first: broken where one of them is short while water it accepts,
    which could have reached it, went to a user of a lower priority;
``check: takes_first``
    the rule's sectors, in this order, take the source ``kinds`` first: broken where one of them
    takes other water while water of those kinds, which could have reached it, went to a user the
    rule puts later — after it in the rule's order, or outside the rule, and of a lower priority
    (a rule ranks who takes the water first; it does not take water from a user of the same or a
    higher priority). Water of kinds another ``takes_first`` rule gives the same sector first is
    not "other water";
``check: last_resort``
    the rule's sectors take the source ``kinds`` last (先地表再地下: groundwater last): broken where
    one of them takes water of those kinds while a source of another kind it accepts was left
    unused, could have reached it, and is under no cap of the plan that is at its value;
``check: used_first``
    water of the ``kinds`` is used before other water (矿井水回收利用): broken where such a source
    was left unused although it could have reached a demand of the rule's sectors that took other
    water or went short, and is under no cap of the plan at its value.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from .constraints import Constraint, Selection
from .i18n import tr
from .objective import first_kinds, rule_index
from .reach import sources_matching
from .scenario import RuleSpec, Scenario
from .status import BROKEN, KEPT

__all__ = ["BREAK_COLUMNS", "RuleCheck", "check_rule", "edge_loads"]

#: a volume below this (万m³, i.e. 500 m³) is no water: above the stages' tolerances
TOL = 0.05

BREAK_COLUMNS = [
    "county", "sector", "lacks_10k_m3", "source", "went_to_county", "went_to_sector", "volume_10k_m3",
    "movable_10k_m3",
]  # fmt: skip


@dataclass
class RuleCheck:
    """The outcome of checking one rule: ``kept`` or ``broken``, with the breaks as evidence."""

    status: str
    breaks: pd.DataFrame
    summary: str


@dataclass
class _Tables:
    """What a check reads: the graph and the run's tables, indexed for look-ups."""

    scenario: Scenario
    G: nx.DiGraph
    allocation: pd.DataFrame
    balance: pd.DataFrame
    flows: pd.DataFrame
    sources: pd.DataFrame
    indicators: pd.DataFrame

    def __post_init__(self) -> None:
        self.node = {(d["county"], d["sector"]): n for n, d in self.G.nodes(data=True) if d["kind"] == "demand"}
        self.limits = self.at_value()
        self._eff: dict[str, dict[str, float]] = {}
        self._lossy = nx.DiGraph()
        self._matching: dict[int, set[str]] = {}
        #: constraints at their value that forbade a swap a rule wanted (reported beside "kept")
        self.in_the_way: set[str] = set()
        full = {e for c in self.limits if c.lhs.measure == "flow" and c.relation == "<=" for e in c.lhs.edges or ()}
        self.spare = _spare(self.G, self.flows, full)
        self.short = {(r.county, r.sector): float(r.shortage_10k_m3) for r in self.balance.itertuples()}
        if not len(self.allocation):
            self.allocation = pd.DataFrame(columns=["county", "sector", "source", "source_kind", "volume_10k_m3"])
        # the allocation indexed once, by user and by source (the checks look it up per demand)
        cols = ["county", "sector", "source", "source_kind", "volume_10k_m3"]
        self.by_user: dict[tuple[str, str], list[tuple[str, str, float]]] = defaultdict(list)
        self.by_source: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for county, sector, src, kind, v in self.allocation[cols].itertuples(index=False, name=None):
            self.by_user[(county, sector)].append((src, kind, float(v)))
            self.by_source[src].append((county, sector, float(v)))

    def reaches(self, src: str, dnode: str) -> bool:
        return src in self.spare and dnode in self.spare and nx.has_path(self.spare, src, dnode)

    def unused(self) -> dict[str, float]:
        """Water each source left unused (万m³): what it could have released less what it did."""
        out = {}
        for r in self.sources.itertuples():
            if r.kind == "wwtp":
                collected = float(r.wastewater_collected_10k_m3 or 0.0)
                treat_cap = float(r.treatment_capacity_10k_m3) if pd.notna(r.treatment_capacity_10k_m3) else collected
                can = float(self.G.nodes[r.source]["yield"]) * min(collected, treat_cap)
                rc = self.G.nodes[r.source].get("reclaimed_capacity")
                if rc is not None:
                    can = min(can, float(rc))
            elif pd.notna(r.available_10k_m3) and not self.G.nodes[r.source].get("storage"):
                can = float(r.available_10k_m3)
            else:
                continue
            if can - float(r.released_10k_m3) > TOL:
                out[r.source] = can - float(r.released_10k_m3)
        return out

    def at_value(self) -> list[Constraint]:
        """The plan's caps at their value in the run: less than :data:`TOL` of room left under them
        (a floor that forces water somewhere is no excuse for a broken rule: it is a conflict the
        check reports)."""
        ind = self.indicators
        if not len(ind):
            return []
        used = dict(zip(ind["id"], ind["numerator_10k_m3"], strict=True))
        return [c for c in self.scenario.constraints if c.type == "cap" and used.get(c.id, -1e300) >= c.value - TOL]

    def counts(self, sel: Selection, src: str, county: str, sector: str) -> float:
        """What one 万m³ from ``src`` arriving at the user (county, sector) counts for in ``sel``'s
        measure: 1 at the intake, 1/efficiency of the best route withdrawn at the source or as use
        at the source (gross), the sector's consumptive share plus the losses for consumption; 0 where the
        selection leaves it out (a flow or availability measure counts no user's water: edges under
        a flow cap at its value are left out of the routes instead)."""
        if sel.measure not in ("withdrawal", "use", "intake", "consumption"):
            return 0.0
        if id(sel) not in self._matching:  # the sources a selection takes, found once per selection
            found = sources_matching(self.G, ids=sel.source_ids, kinds=sel.source_kinds, tags=sel.source_tags)
            self._matching[id(sel)] = set(found)
        if src not in self._matching[id(sel)]:
            return 0.0
        gross = 1.0 / self.efficiency(src, self.node[(county, sector)])
        if sel.measure == "withdrawal":  # at the source: what leaves it for one 万m³ delivered
            return gross if sel.counties is None or self.G.nodes[src].get("county") in sel.counties else 0.0
        if (sel.sectors is not None and sector not in sel.sectors) or (sel.counties and county not in sel.counties):
            return 0.0
        if sel.measure == "intake":
            return 1.0
        if sel.measure == "use":
            return gross
        return self.scenario.spec.sectors[sector].consumptive_coef + (gross - 1.0 if sel.conveyance_losses else 0.0)

    def efficiency(self, src: str, dnode: str) -> float:
        """Conveyance efficiency of the best route from ``src`` to a demand (0 if none)."""
        if not self._eff:
            for u, v, e in self.G.edges(data=True):
                if e["kind"] != "sewer" and e["loss"] < 1.0:
                    self._lossy.add_edge(u, v, w=-math.log1p(-e["loss"]))
        if src not in self._eff:
            H = self._lossy
            dist = nx.single_source_dijkstra_path_length(H, src, weight="w") if src in H else {}
            self._eff[src] = {d: math.exp(-w) for d, w in dist.items()}
        return self._eff[src].get(dnode, 1e-9)

    def blocked(self, new: str, old: str | None, county: str, sector: str) -> str | None:
        """The cap at its value (its id) that forbids the user (county, sector) taking one 万m³ more
        from ``new`` in place of one from ``old`` (``None``: in place of a shortage): the swap would
        push it past its value. None if no cap is in the way."""
        for c in self.limits:
            was = self.counts(c.lhs, old, county, sector) if old is not None else 0.0
            if self.counts(c.lhs, new, county, sector) - was > 1e-9:
                return c.id
        return None

    def demands_of(self, rule: RuleSpec) -> Iterable[tuple[str, str, str]]:
        counties = None if rule.counties is None else {str(c) for c in rule.counties}
        for (county, sector), dnode in self.node.items():
            if rule_index(self.scenario, rule.sectors, sector) is not None and (counties is None or county in counties):
                yield county, sector, dnode

    def taken(self, county: str, sector: str, *, kinds: set[str], inside: bool) -> float:
        """What a user got (万m³) of the source kinds in ``kinds`` (``inside``), or of the others."""
        return sum(v for _src, kind, v in self.by_user.get((county, sector), []) if (kind in kinds) == inside)


def edge_loads(flows: pd.DataFrame) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """From the flows table: what each edge carries, and what leaves each node."""
    carried = {(r[0], r[1]): float(r[2]) for r in flows[["from", "to", "flow_10k_m3"]].itertuples(index=False)}
    out_of: dict[str, float] = defaultdict(float)
    for (u, _v), f in carried.items():
        out_of[u] += f
    return carried, out_of


def _spare(G: nx.DiGraph, flows: pd.DataFrame, full: set[str]) -> nx.DiGraph:
    """The network's edges that could carry more water: no edge or plant at its capacity, no edge
    under a flow cap of the plan that is at its value (``full``, layer ids)."""
    carried, out_of = edge_loads(flows)
    H = nx.DiGraph()
    for u, v, e in G.edges(data=True):
        if e["kind"] == "sewer" or e.get("layer_id") in full:
            continue
        cap = e.get("capacity")
        if cap is not None and carried.get((u, v), 0.0) >= cap - TOL:
            continue
        plant_cap = G.nodes[u].get("capacity") if G.nodes[u]["kind"] == "plant" else None
        if plant_cap is not None and out_of[u] >= plant_cap - TOL:
            continue
        H.add_edge(u, v)
    return H


def _later(rule: RuleSpec, scenario: Scenario, sector: str, other: str) -> bool:
    """Whether a user of sector ``other`` comes after one of ``sector`` for the rule."""
    spec = scenario.spec
    if spec.sectors[other].priority <= spec.sectors[sector].priority:
        return False
    if rule.check == "priority":
        return True
    mine, theirs = rule_index(scenario, rule.sectors, sector), rule_index(scenario, rule.sectors, other)
    return theirs is None or mine is None or theirs > mine


def _break(county: str, sector: str, lack: float, src: str, to: tuple[str, str], volume: float) -> dict[str, Any]:
    return {
        "county": county, "sector": sector, "lacks_10k_m3": lack, "source": src, "went_to_county": to[0],
        "went_to_sector": to[1], "volume_10k_m3": volume, "movable_10k_m3": min(lack, volume),
    }  # fmt: skip


def _ranked(rule: RuleSpec, t: _Tables) -> list[dict[str, Any]]:
    """Breaks of a ``priority`` or ``takes_first`` rule: water given to a later user."""
    spec = t.scenario.spec
    rows = []
    for county, sector, dnode in t.demands_of(rule):
        accepts = set(spec.sectors[sector].accepts)
        if rule.check == "priority":
            lack, wanted = t.short.get((county, sector), 0.0), accepts
        else:
            firsts = first_kinds(t.scenario, sector) | set(rule.kinds)
            lack = t.taken(county, sector, kinds=firsts, inside=False)
            wanted = accepts & set(rule.kinds)
        if lack <= TOL:
            continue
        for src in sorted(t.by_source):
            if t.G.nodes[src]["source_kind"] not in wanted:
                continue
            later = [g for g in t.by_source[src] if _later(rule, t.scenario, sector, g[1])]
            if sum(v for _c, _s, v in later) <= TOL or not t.reaches(str(src), dnode):
                continue
            rows += [_break(county, sector, lack, str(src), (c, s), v) for c, s, v in later if min(lack, v) > TOL]
    return rows


def _unused_water(rule: RuleSpec, t: _Tables) -> list[dict[str, Any]]:
    """Breaks of a ``last_resort`` or ``used_first`` rule: a source left unused that could have served
    a user in place of water it took (or of its shortage), with no constraint at its value in the way."""
    spec = t.scenario.spec
    unused = t.unused()
    kinds = set(rule.kinds)
    rows = []
    for county, sector, dnode in t.demands_of(rule):
        accepts = set(spec.sectors[sector].accepts)
        inside = rule.check == "last_resort"  # what a swap replaces: the rule's kinds, or the others
        took = [
            (src, v) for src, kind, v in t.by_user.get((county, sector), []) if (kind in kinds) == inside and v > TOL
        ]
        short = 0.0 if inside else t.short.get((county, sector), 0.0)
        replaced: list[str | None] = [src for src, _v in took] + ([None] if short > TOL else [])
        lack = sum(v for _src, v in took) + short
        wanted = accepts - kinds if inside else accepts & kinds
        if lack <= TOL:
            continue
        for src, spare in sorted(unused.items()):
            if t.G.nodes[src]["source_kind"] not in wanted or not t.reaches(src, dnode):
                continue
            why = [t.blocked(src, old, county, sector) for old in replaced]
            if all(why):
                t.in_the_way.update(w for w in why if w)
                continue
            rows.append(_break(county, sector, lack, src, ("", "unused"), spare))
    return rows


def check_rule(
    rule: RuleSpec,
    scenario: Scenario,
    G: nx.DiGraph,
    tables: dict[str, pd.DataFrame],
) -> RuleCheck:
    """Check one rule from the run's tables (``allocation``, ``balance``, ``flows``, ``sources``,
    ``indicators``; see the module docs)."""
    t = _Tables(
        scenario, G, tables["allocation"], tables["balance"], tables["flows"], tables["sources"], tables["indicators"]
    )
    rows = _ranked(rule, t) if rule.check in ("priority", "takes_first") else _unused_water(rule, t)
    breaks = pd.DataFrame(rows, columns=BREAK_COLUMNS)
    if breaks.empty:
        caps = ", ".join(sorted(t.in_the_way))
        why = tr(" (water left unused could have served, but {caps} at its value forbids it)", caps=caps)
        found = tr("checked from the results: no break found")
        return RuleCheck(KEPT, breaks, found + (why if t.in_the_way else ""))
    worst = breaks.sort_values("movable_10k_m3", ascending=False).iloc[0]
    where = (
        f"that went to {worst.went_to_county} {worst.went_to_sector}"
        if worst.went_to_sector != "unused"
        else "left unused"
    )
    summary = (
        f"checked from the results: {len(breaks)} break(s); largest: {worst.county} {worst.sector} could have "
        f"taken {worst.movable_10k_m3:,.1f} 万m³ of {worst.source} {where}"
    )
    return RuleCheck(BROKEN, breaks, summary)
