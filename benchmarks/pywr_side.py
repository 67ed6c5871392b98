"""The Pywr side of ``bench_pywr.py``: the generated network of one size as a Pywr model, run month
by month; runs in its own environment (Pywr 1.31 needs pandas < 3), reads only the case files.

Usage: ``.venv-pywr/bin/python benchmarks/pywr_side.py CASE_DIR`` — CASE_DIR holds what
``bench_pywr.py`` wrote: ``net/nodes.geojson``, ``net/edges.geojson``, ``demands.csv`` (the
generated scenario's own files) and ``inflows.json`` (each reservoir's monthly inflow as waterplan
ran it, the groundwater cap, the sectors). Prints one JSON line: setup and run seconds (CPU), months,
the LP's size, and the water supplied and short by priority (万m³ over the run).

The same network, node for node: a reservoir per city (its storage, dead storage, initial volume and
monthly inflow) behind a canal (its capacity and 5 % loss) into the city's trunk; per county a
pipeline from the trunk (8 % loss), a groundwater source (its yearly yield, a twelfth a month), a
WWTP (its capacity a month, 90 % yield) fed by 90 % of the return flows of domestic (0.8) and
industry (0.5) use, and five sector demands, each fed by the sources its sector accepts. The
province-wide groundwater cap is a twelfth of the year's a month (waterplan's myopic run spreads
what is left of the year by the months' demand; the demand here is the same every month). Each month
is one Pywr timestep (a one-day step holding a month's volumes, 万m³). Costs follow Pywr's own
convention: a demand's benefit by its priority (−1000, −100, −10, −1), reclaimed water preferred
for industry, stored water kept (−0.1), spills free. Evaporation (0.3 % of storage a month) is left
out: Pywr's storage has no loss proportional to its volume.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pywr.core import Timestepper
from pywr.model import Model
from pywr.nodes import AggregatedNode, Input, Link, LossLink, Output, Storage
from pywr.parameters import DataFrameParameter

BENEFIT = {1: -1000.0, 2: -100.0, 3: -10.0, 4: -1.0}
#: 万t/d to 万m³ a month (365 days a year, as waterplan reads a flow)
PER_DAY_TO_MONTH = 365.0 / 12.0


def _sources(m: Model, props: dict[str, dict], extra: dict) -> dict[str, Any]:
    """The junctions, reservoirs (with their inflow and spill), groundwater (under the cap) and WWTPs."""
    made: dict[str, Any] = {}
    gw_inputs = []
    for nid, p in props.items():
        if p["kind"] == "junction":
            made[nid] = Link(m, nid)
        elif p["kind"] == "reservoir":
            inflow = DataFrameParameter(m, pd.Series(extra["inflows"][nid], index=m.timestepper.datetime_index))
            res = Storage(m, nid, max_volume=float(p["storage"]), min_volume=float(p["dead_storage"]),
                          initial_volume=float(p["initial_storage"]), cost=-0.1)  # fmt: skip
            Input(m, f"{nid}_inflow", min_flow=inflow, max_flow=inflow).connect(res)
            res.connect(Output(m, f"{nid}_spill", cost=0.0))
            made[nid] = res
        elif p["kind"] == "groundwater":
            made[nid] = Input(m, nid, max_flow=float(p["available"]) / 12.0)
            gw_inputs.append(made[nid])
        elif p["kind"] == "wwtp":
            inlet, out = Link(m, f"{nid}_inlet"), Link(m, f"{nid}_out")
            inlet.connect(Output(m, f"{nid}_overflow", cost=0.0))
            plant = LossLink(m, nid, loss_factor=0.1, loss_factor_type="gross",
                             max_flow=0.9 * float(p["capacity"]) * PER_DAY_TO_MONTH)  # fmt: skip
            inlet.connect(plant)
            plant.connect(out)
            out.connect(Output(m, f"{nid}_discharge", cost=0.0))
            made[nid] = (inlet, out)
    AggregatedNode(m, "groundwater_cap", gw_inputs).max_flow = float(extra["groundwater_cap"]) / 12.0
    return made


def _demands(m: Model, sectors: dict, demand: dict[tuple[str, str], float]) -> dict[str, dict[str, Any]]:
    """Per county: its surface junction, its sewer and each sector's use (a return share to the sewer)."""
    county_in: dict[str, dict[str, Any]] = {}
    for c in sorted({c for c, _s in demand}):
        to_wwtp = Link(m, f"sewer_{c}")
        county_in[c] = {"surface": Link(m, f"surface_{c}"), "sewer": to_wwtp}
        for s, spec in sectors.items():
            use = Link(m, f"use_{c}_{s}", max_flow=demand[(c, s)], cost=BENEFIT[spec["priority"]])
            county_in[c][s] = use
            consumed = Output(m, f"consumed_{c}_{s}")
            use.connect(consumed)
            rc = float(spec.get("return_coef", 0.0)) * 0.9
            if rc > 0:
                back = Link(m, f"return_{c}_{s}")
                use.connect(back)
                back.connect(to_wwtp)
                AggregatedNode(m, f"split_{c}_{s}", [consumed, back]).factors = [1.0 - rc, rc]
    return county_in


def _edge(m: Model, e: dict, made: dict[str, Any], county_in: dict[str, dict[str, Any]], sectors: dict) -> None:
    src, dst = e["from"], e["to"]
    if e["kind"] == "canal":
        canal = LossLink(m, e["id"], loss_factor=e["loss"], loss_factor_type="gross",
                         max_flow=float(e["capacity"]) / 12.0 * (1 - e["loss"]))  # fmt: skip
        made[src].connect(canal)
        canal.connect(made[dst])
    elif e["kind"] == "pipeline":
        pipe = LossLink(m, e["id"], loss_factor=e["loss"], loss_factor_type="gross")
        made[src].connect(pipe)
        pipe.connect(county_in[dst.split(":", 1)[1]]["surface"])
    elif e["kind"] == "wells":
        for s, spec in sectors.items():
            if "groundwater_porous" in spec["accepts"]:
                made[src].connect(county_in[dst.split(":", 1)[1]][s])
    elif e["kind"] == "sewer":
        county_in[src.split(":", 1)[1]]["sewer"].connect(made[dst][0])
    elif e["kind"] == "reclaimed_pipe":
        c = dst.split(":", 1)[1]
        for s, spec in sectors.items():
            if "reclaimed" in spec["accepts"]:
                link = Link(m, f"reclaimed_{c}_{s}", cost=-0.5 if "reclaimed" in spec.get("prefers", []) else 0.0)
                made[src][1].connect(link)
                link.connect(county_in[c][s])


def build(case: Path) -> tuple[Model, dict]:
    nodes = json.loads((case / "net" / "nodes.geojson").read_text(encoding="utf-8"))["features"]
    edges = json.loads((case / "net" / "edges.geojson").read_text(encoding="utf-8"))["features"]
    extra = json.loads((case / "inflows.json").read_text(encoding="utf-8"))
    months = len(extra["months"])
    m = Model()
    start = pd.Timestamp("2001-01-01")
    m.timestepper = Timestepper(start, start + pd.Timedelta(days=months - 1), 1)
    made = _sources(m, {f["properties"]["id"]: f["properties"] for f in nodes}, extra)
    sectors = extra["sectors"]
    demand: dict[tuple[str, str], float] = {}
    with (case / "demands.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            demand[(row["county"], row["sector"])] = float(row["demand"]) / 12.0
    county_in = _demands(m, sectors, demand)
    for f in edges:
        _edge(m, f["properties"], made, county_in, sectors)
    for c, ins in county_in.items():
        for s, spec in sectors.items():
            if "surface" in spec["accepts"]:
                ins["surface"].connect(ins[s])
        ins["surface"].connect(Output(m, f"surface_unused_{c}", cost=0.0))
    return m, {"demand": demand, "sectors": sectors, "months": months}


def main() -> None:
    case = Path(sys.argv[1])
    t0 = time.process_time()
    m, info = build(case)
    m.setup()
    setup_s = time.process_time() - t0
    supplied = {p: 0.0 for p in BENEFIT}
    demanded = {p: 0.0 for p in BENEFIT}
    uses = [(m.nodes[f"use_{c}_{s}"], info["sectors"][s]["priority"], d) for (c, s), d in info["demand"].items()]
    t1 = time.process_time()
    m.reset()
    for _ in range(info["months"]):
        m.step()
        for node, p, d in uses:
            supplied[p] += float(node.flow[0])
            demanded[p] += d
    run_s = time.process_time() - t1
    stats = m.solver.stats if hasattr(m.solver, "stats") else {}
    print(json.dumps({
        "setup_s": setup_s, "run_s": run_s, "months": info["months"], "nodes": len(m.nodes),
        "shortage_by_priority": {p: demanded[p] - supplied[p] for p in BENEFIT},
        "solver": type(m.solver).__name__, "solver_stats": {k: float(v) for k, v in dict(stats).items()
                                                             if isinstance(v, (int, float, np.floating))},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
