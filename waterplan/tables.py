"""One results layer: a run's tables from the solved horizon's arrays, for every kind of run.

An annual run is a horizon of one period (its year); a monthly run one of many (``YYYY-MM``).
Both give the same four tables, built here and nowhere else, one row per period × item:

* ``allocation`` — water arrived at each county × sector from each source, and counted at the
  source (÷ the route's conveyance efficiency, the plan's 用水量);
* ``balance`` — each county × sector's demand, supply, shortage, coverage, reachability;
* ``flows`` — each edge's flow, loss, capacity and utilisation (sewers left out);
* ``sources`` — each source's release, withdrawal, availability and, for a WWTP, the wastewater
  it collects, what it treats and its capacity.

The mean year of a monthly run is :func:`mean_year`: the periods' volumes summed and divided by
the number of years, the shares recomputed from them — a group-by, not a second builder. A long
horizon's tables need not be held whole: :func:`write_period_tables` writes them and
:func:`mean_year_of` averages them a few years at a time (:meth:`Horizon.parts`; the labels are
made once and shared), with the same results.
Volumes are 万m³ per period; every volume column ends in ``_10k_m3``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pulp

from .boundaries import county_table
from .i18n import tr
from .model import AllocationModel

__all__ = [
    "ALLOCATION_COLUMNS",
    "BALANCE_COLUMNS",
    "FLOWS_COLUMNS",
    "SOURCES_COLUMNS",
    "TABLES",
    "Horizon",
    "allocation_table",
    "balance_table",
    "flows_table",
    "mean_year",
    "mean_year_of",
    "period_table",
    "period_tables",
    "sources_table",
    "write_period_tables",
]

#: volumes below this (万m³) are no allocation (a row is written only above it)
TOL = 1e-6

LABELS = ["scenario", "period", "county", "county_zh", "county_en", "sector", "sector_zh"]
ALLOCATION_COLUMNS = [*LABELS, "source", "source_zh", "source_en", "source_kind", "volume_10k_m3",
                      "conveyance_efficiency", "use_at_source_10k_m3"]  # fmt: skip
BALANCE_COLUMNS = [*LABELS, "priority", "demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3", "coverage", "reachable"]
FLOWS_COLUMNS = ["scenario", "period", "edge", "layer_id", "kind", "from", "to", "flow_10k_m3", "loss_10k_m3",
                 "capacity_10k_m3", "utilisation"]  # fmt: skip
SOURCES_COLUMNS = ["scenario", "period", "source", "name_zh", "name_en", "kind", "source_kind", "county",
                   "available_10k_m3", "released_10k_m3", "withdrawn_10k_m3", "wastewater_collected_10k_m3",
                   "treated_10k_m3", "treatment_capacity_10k_m3", "overflow_10k_m3"]  # fmt: skip


@dataclass
class Horizon:
    """A solved horizon as arrays: everything the tables are built from.

    ``values`` holds every column of the one-period model (in ``model.cols`` order) in every
    period; ``demand`` every demand node's demand in every period; ``available`` what each source
    may release in each period (NaN where storage bounds it instead); ``fraction`` is a period's
    share of a year (1 for an annual run, 1/12 for a monthly one), by which capacities scale.
    """

    model: AllocationModel
    periods: Sequence[Hashable]
    values: np.ndarray
    demand: np.ndarray
    demands: list[str]
    available: Mapping[str, np.ndarray]
    fraction: float = 1.0
    #: each table's item labels, made once and shared with the horizon's parts (:func:`_long`)
    labels: dict[tuple[str, bool], pd.DataFrame] = field(default_factory=dict, repr=False)
    _col: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.values = np.atleast_2d(np.asarray(self.values, dtype=float))
        self._col = {name: i for i, name in enumerate(self.model.cols)}

    @property
    def T(self) -> int:
        return len(self.periods)

    def evaluate(self, exprs: Mapping[Any, pulp.LpAffineExpression | pulp.LpVariable | None]) -> np.ndarray:
        """Each expression at each period's solution: (periods, expressions); None gives NaN."""
        r, c, v = [], [], []
        const = np.zeros(len(exprs))
        missing = []
        for k, e in enumerate(exprs.values()):
            if e is None:
                missing.append(k)
                continue
            if isinstance(e, pulp.LpVariable):
                e = pulp.LpAffineExpression(e)
            const[k] = float(e.constant)
            for var, coef in e.items():
                r.append(k)
                c.append(self._col[var.name])
                v.append(coef)
        out = np.zeros((len(exprs), self.T))
        if r:
            cols, coefs = np.asarray(c, dtype=np.int64), np.asarray(v, dtype=float)
            np.add.at(out, np.asarray(r, dtype=np.int64), (self.values[:, cols] * coefs).T)
        out = out.T + const
        out[:, missing] = np.nan
        return out

    def column(self, var: pulp.LpVariable) -> np.ndarray:
        return self.values[:, self._col[var.name]]

    def part(self, t0: int, t1: int) -> Horizon:
        """Periods ``t0`` to ``t1`` (excluded) as a horizon of their own (views of these arrays; the
        item labels shared)."""
        return Horizon(model=self.model, periods=list(self.periods)[t0:t1], values=self.values[t0:t1],
                       demand=self.demand[t0:t1], demands=self.demands, labels=self.labels,
                       available={k: v[t0:t1] for k, v in self.available.items()}, fraction=self.fraction)  # fmt: skip

    def parts(self, size: int) -> Iterator[Horizon]:
        """The horizon ``size`` periods at a time (the last part may be shorter)."""
        for t0 in range(0, self.T, size):
            yield self.part(t0, t0 + size)

    @cached_property
    def names(self) -> pd.DataFrame:
        return county_table().set_index("adcode")[["name_zh", "name_en"]]


def _long(
    h: Horizon, key: str, items: Callable[[], Sequence[dict[str, object]]], data: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One row per period × item: the items' labels repeated, ``data`` given as (periods, items).
    The labels are made once per horizon and table (``key``), and shared with its parts."""
    cached = h.labels.get((key, h.T > 1))
    if cached is None:
        listed = list(items())
        cached = pd.DataFrame(listed) if listed else pd.DataFrame()
        if h.T > 1:  # a label repeated every period: held once (categories), not once a row
            cached = cached.astype({c: "category" for c in cached.columns if cached[c].dtype == object or
                                    pd.api.types.is_string_dtype(cached[c].dtype)})  # fmt: skip
        h.labels[(key, h.T > 1)] = cached
    n = len(cached)
    out = cached.iloc[np.tile(np.arange(n), h.T)].reset_index(drop=True) if n else cached.copy()
    sc = h.model.scenario
    periods = list(h.periods)
    if h.T > 1:
        out.insert(0, "period", pd.Categorical.from_codes(np.repeat(np.arange(h.T), n), categories=periods))
    else:
        out.insert(0, "period", np.repeat(np.asarray(periods, dtype=object), n))
    out.insert(0, "scenario", pd.Categorical([sc.name]).take(np.zeros(len(out), dtype=int)) if h.T > 1 else sc.name)
    for name, arr in data.items():
        out[name] = np.asarray(arr, dtype=float).reshape(h.T * n) if n else np.zeros(0)
    return out


def _demand_labels(h: Horizon, node: str) -> dict[str, object]:
    d = h.model.G.nodes[node]
    a = d["county"]
    known = a in h.names.index
    return {
        "county": a,
        "county_zh": str(h.names.at[a, "name_zh"]) if known else a,
        "county_en": str(h.names.at[a, "name_en"]) if known else a,
        "sector": d["sector"],
        "sector_zh": h.model.scenario.spec.sectors[d["sector"]].name_zh,
    }


def allocation_table(h: Horizon) -> pd.DataFrame:
    """County × sector × source in each period: arrived at the county intake (``volume_10k_m3``)
    and counted at the source (÷ the route's conveyance efficiency, ``use_at_source_10k_m3``)."""
    m = h.model
    pairs = list(m.arrived)
    got = h.evaluate(m.arrived)

    def items() -> list[dict[str, object]]:
        return [{**_demand_labels(h, d), "source": s, "source_zh": m.G.nodes[s]["name_zh"],
                 "source_en": m.G.nodes[s]["name_en"], "source_kind": m.G.nodes[s]["source_kind"],
                 "conveyance_efficiency": m.efficiency[(d, s)]} for d, s in pairs]  # fmt: skip

    eff = np.asarray([m.efficiency[p] for p in pairs], dtype=float)
    out = _long(
        h, "allocation", items, {"volume_10k_m3": got, "use_at_source_10k_m3": got / eff if len(pairs) else got}
    )
    if not len(out):
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    out = out[out["volume_10k_m3"] > TOL]
    return (
        out[ALLOCATION_COLUMNS]
        .sort_values(["period", "county", "sector", "source"], kind="stable")
        .reset_index(drop=True)
    )


def balance_table(h: Horizon) -> pd.DataFrame:
    """Each county × sector in each period: demand, supplied, shortage, coverage; ``reachable`` is
    False where no source the sector accepts can reach it (left out of the equity rule)."""
    m = h.model
    G = m.G
    nodes = h.demands
    supplied = h.evaluate({n: m.delivery[n] for n in nodes})
    short = np.clip(np.column_stack([h.column(m.shortage[n]) for n in nodes]) if nodes else supplied, 0.0, None)
    items = lambda: [{**_demand_labels(h, n), "priority": G.nodes[n]["priority"],  # noqa: E731
                      "reachable": n not in m.unservable} for n in nodes]  # fmt: skip
    dem = h.demand
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(dem > 0, supplied / np.where(dem > 0, dem, 1.0), 1.0)
    out = _long(h, "balance", items, {"demand_10k_m3": dem, "supplied_10k_m3": supplied, "shortage_10k_m3": short,
                           "coverage": coverage})  # fmt: skip
    if not len(out):
        return pd.DataFrame(columns=BALANCE_COLUMNS)
    return (
        out[BALANCE_COLUMNS]
        .sort_values(["period", "county", "priority", "sector"], kind="stable")
        .reset_index(drop=True)
    )


def flows_table(h: Horizon) -> pd.DataFrame:
    """Each edge in each period: the water entering it (all sources together), its loss, capacity
    (scaled to the period) and utilisation; sewers left out."""
    m = h.model
    G = m.G
    edges = [(u, v, e) for u, v, e in G.edges(data=True) if e["kind"] != "sewer"]
    pos = {(u, v): k for k, (u, v, _e) in enumerate(edges)}
    flow = np.zeros((h.T, len(edges)))
    for (u, v, _s), var in m.x.items():
        if (u, v) in pos:
            flow[:, pos[(u, v)]] += h.column(var)
    loss = np.asarray([e["loss"] for _u, _v, e in edges], dtype=float)
    cap = np.asarray([np.nan if e["capacity"] is None else e["capacity"] for _u, _v, e in edges], dtype=float)
    cap = np.broadcast_to(cap * h.fraction, flow.shape)
    items = lambda: [{"edge": e["id"], "layer_id": e["layer_id"], "kind": e["kind"], "from": u, "to": v}  # noqa: E731
                     for u, v, e in edges]  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, flow / np.where(cap > 0, cap, 1.0), np.nan)
    out = _long(h, "flows", items, {"flow_10k_m3": flow, "loss_10k_m3": flow * loss, "capacity_10k_m3": cap,
                           "utilisation": util})  # fmt: skip
    return out[FLOWS_COLUMNS] if len(out) else pd.DataFrame(columns=FLOWS_COLUMNS)


def sources_table(h: Horizon) -> pd.DataFrame:
    """Each source in each period: what it may release (``available_10k_m3``; for a WWTP its
    reclaimed line's capacity), released (for a WWTP: what enters its reclaimed line), withdrawn
    (released less what reaches an outlet); for a WWTP the wastewater it collects, what it treats
    (what it collects up to its treatment capacity), its capacity, and the overflow it cannot treat
    (discharged untreated)."""
    m = h.model
    G = m.G
    srcs = list(m.q)
    released = np.column_stack([h.column(m.q[s]) for s in srcs]) if srcs else np.zeros((h.T, 0))
    to_outlet = h.evaluate({s: m.to_outlet[s] for s in srcs})
    collected = h.evaluate({s: m.wastewater.get(s) for s in srcs})
    plant_cap = np.asarray(
        [G.nodes[s].get("capacity") if G.nodes[s]["kind"] == "wwtp" else None for s in srcs], dtype=float
    )
    # a plant treats what it collects up to its capacity; the rest overflows untreated
    capacity = np.broadcast_to(plant_cap * h.fraction, released.shape)
    treated = np.minimum(collected, np.where(np.isnan(capacity), np.inf, capacity))
    items = lambda: [{"source": s, "name_zh": G.nodes[s]["name_zh"], "name_en": G.nodes[s]["name_en"],  # noqa: E731
                      "kind": G.nodes[s]["kind"], "source_kind": G.nodes[s]["source_kind"],
                      "county": G.nodes[s].get("county", "")} for s in srcs]  # fmt: skip
    avail = np.column_stack([h.available[s] for s in srcs]) if srcs else released
    data = {
        "available_10k_m3": avail,
        "released_10k_m3": released,
        "withdrawn_10k_m3": released - to_outlet,
        "wastewater_collected_10k_m3": collected,
        "treated_10k_m3": treated,
        "treatment_capacity_10k_m3": capacity,
        "overflow_10k_m3": collected - treated,
    }
    out = _long(h, "sources", items, data)
    return out[SOURCES_COLUMNS] if len(out) else pd.DataFrame(columns=SOURCES_COLUMNS)


#: columns an annual run fills from the stage duals (:func:`waterplan.results.tabulate`)
SHADOW_COLUMNS = {
    "balance": ["shadow_price"],
    "flows": ["shadow_price", "shadow_price_stage"],
    "sources": ["shadow_price", "shadow_price_stage"],
}


_BUILDERS = {"allocation": allocation_table, "balance": balance_table, "flows": flows_table, "sources": sources_table}
#: the four tables every run gives, in the order they are written
TABLES = tuple(_BUILDERS)

#: periods per part when a long horizon's tables are written or averaged part by part (five years of months)
PART = 60


def period_table(h: Horizon, name: str, *, shadow_prices: bool = False) -> pd.DataFrame:
    """One of the four tables of a horizon (``allocation``, ``balance``, ``flows``, ``sources``);
    without ``shadow_prices`` (a run that computes none) its shadow-price columns are there, empty."""
    if name not in _BUILDERS:
        raise ValueError(tr("no table {name!r}: the tables are {names}", name=name, names=", ".join(TABLES)))
    out = _BUILDERS[name](h)
    if not shadow_prices:
        for c in SHADOW_COLUMNS.get(name, []):
            out[c] = "" if c.endswith("_stage") else np.nan
    return out


def period_tables(h: Horizon, *, shadow_prices: bool = False) -> dict[str, pd.DataFrame]:
    """The four tables of a horizon, one row per period × item (see :func:`period_table`)."""
    return {name: period_table(h, name, shadow_prices=shadow_prices) for name in _BUILDERS}


def write_period_tables(h: Horizon, folder: Path, *, part: int = PART) -> list[Path]:
    """Write the four tables of a horizon without shadow prices as ``NAME.csv`` (UTF-8) in ``folder``,
    ``part`` periods at a time: the same files as the whole tables' ``to_csv``, while only one
    part's rows are ever held (a 720-month run of the province: 1.44 million flow rows). ``folder`` is
    made if missing; files of those names in it are replaced (a run writes into a folder of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.csv" for name in _BUILDERS]
    for k, hp in enumerate(h.parts(part)):
        for name, path in zip(_BUILDERS, paths, strict=True):
            df = period_table(hp, name)
            with open(path, "w" if k == 0 else "a", encoding="utf-8", newline="") as f:
                df.to_csv(f, index=False, header=k == 0)
    return paths


#: per table: the columns that identify a row apart from the period
_KEYS = {
    "allocation": ["scenario", "county", "county_zh", "county_en", "sector", "sector_zh", "source", "source_zh",
                   "source_en", "source_kind", "conveyance_efficiency"],
    "balance": ["scenario", "county", "county_zh", "county_en", "sector", "sector_zh", "priority", "reachable"],
    "flows": ["scenario", "edge", "layer_id", "kind", "from", "to"],
    "sources": ["scenario", "source", "name_zh", "name_en", "kind", "source_kind", "county"],
}  # fmt: skip


def _sums(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each item's volumes summed over the periods (NaN where every period's is NaN)."""
    volumes = [c for c in df.columns if c.endswith("_10k_m3")]
    return df.groupby(keys, sort=False, dropna=False, observed=True)[volumes].sum(min_count=1).reset_index()


def _averaged(name: str, g: pd.DataFrame, columns: list[str], years: float, label: object) -> pd.DataFrame:
    """The mean year of one table from its items' sums (:func:`_sums`)."""
    volumes = [c for c in g.columns if c.endswith("_10k_m3")]
    g[volumes] = g[volumes] / years
    for c in _KEYS[name]:  # one period: the labels as an annual run has them (a monthly run's are categories)
        if isinstance(g[c].dtype, pd.CategoricalDtype):
            g[c] = g[c].astype(g[c].cat.categories.dtype)
    g["period"] = label
    if name == "balance":
        dem = g["demand_10k_m3"]
        g["coverage"] = np.where(dem > 0, g["supplied_10k_m3"] / dem.where(dem > 0, 1.0), 1.0)
    if name == "flows":
        cap = g["capacity_10k_m3"]
        g["utilisation"] = np.where(cap > 0, g["flow_10k_m3"] / cap.where(cap > 0, 1.0), np.nan)
    if name == "allocation":
        g = g[g["volume_10k_m3"] > TOL]
    for c in SHADOW_COLUMNS.get(name, []):  # a mean of periods has no shadow price
        g[c] = "" if c.endswith("_stage") else np.nan
    return g[columns].reset_index(drop=True)


def mean_year(tables: Mapping[str, pd.DataFrame], years: float, label: object) -> dict[str, pd.DataFrame]:
    """The mean year of a multi-period run: each table's volumes summed over the periods and divided
    by ``years`` (万m³ per year), coverage and utilisation recomputed from those sums; ``period`` is
    ``label`` (e.g. ``"1971–2030"``). The tables keep their columns and order."""
    return {name: _averaged(name, _sums(tables[name], keys), list(tables[name].columns), years, label)
            for name, keys in _KEYS.items()}  # fmt: skip


def mean_year_of(h: Horizon, years: float, label: object, *, part: int = PART) -> dict[str, pd.DataFrame]:
    """:func:`mean_year` of a horizon's tables, built ``part`` periods at a time: each part's sums,
    then the sums of those (only one part's rows are ever held)."""
    sums: dict[str, list[pd.DataFrame]] = {name: [] for name in _KEYS}
    columns: dict[str, list[str]] = {}
    for hp in h.parts(part):
        for name, keys in _KEYS.items():
            df = period_table(hp, name)
            columns[name] = list(df.columns)
            sums[name].append(_sums(df, keys))
    return {name: _averaged(name, _sums(pd.concat(sums[name], ignore_index=True), keys), columns[name], years, label)
            for name, keys in _KEYS.items()}  # fmt: skip
