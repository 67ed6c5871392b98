"""waterplan's myopic monthly run beside Pywr on the same generated network, CPU seconds.

For each size (10, 30, 117 Shanxi counties; the network of ``bench_solve.generated_case``: a
reservoir per city, groundwater and a WWTP per county, five sectors), 120 months:

- waterplan, the default objective (staged, exact; the equity rule off, as Pywr has none) and the
  weighted one: setup (scenario read, graph built) and the run (``solve_monthly``, results booked);
- Pywr 1.31 (GLPK, its default solver), the same network node for node (``pywr_side.py``, which says
  what is modelled and what is not), each reservoir's inflow month by month as waterplan ran it
  (recovered from waterplan's storage, release and spill tables); setup (model built) and the run.

Both are timed in their own processes (CPU time, best of three) and print the water short by
priority over the run, so a reader sees that they answer the same question (the objectives differ:
Pywr's costs by priority against waterplan's exact tiers).

Pywr 1.31 needs pandas < 3, so it runs in its own environment: ``make bench-pywr`` makes
``.venv-pywr`` (``benchmarks/requirements-pywr.txt``) and runs this script, which calls it through
``--pywr-python``. Run: ``.venv/bin/python benchmarks/bench_pywr.py [--quick] [--pywr-python PATH]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MONTHS = 120
REPEAT = 3


def waterplan_side(case_dir: Path, counties: int, objective: str) -> dict:
    """Setup and run CPU seconds of waterplan's myopic run (best of REPEAT), the shortage by priority,
    and (written to ``case_dir/inflows.json``) the reservoirs' monthly inflows for the Pywr side."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_solve import SECTORS, generated_case

    from waterplan import build_graph, load_scenario
    from waterplan.monthly import solve_monthly

    path = generated_case(case_dir, counties)
    best = None
    for _ in range(REPEAT):
        t0 = time.process_time()
        sc = load_scenario(path, overrides={"equity": False})
        G = build_graph(sc)
        t1 = time.process_time()
        res = solve_monthly(G, sc, mode="myopic", years=MONTHS // 12, start_year=1971, objective=objective)
        res.tables()
        t2 = time.process_time()
        if best is None or t2 - t0 < best[0] + best[1]:
            best = (t1 - t0, t2 - t1, res)
    assert best is not None
    setup_s, run_s, res = best
    bal = res.tables()["balance"]
    short = bal.groupby("priority")["shortage_10k_m3"].sum()
    if objective == "staged":  # the inflows as this run had them: S_t - (1 - e) S_t-1 + release + spill
        inflows = {}
        for r in res.storage.columns:
            e = float(G.nodes[r].get("evaporation", 0.0))
            before = res.storage[r].shift(1).fillna(float(G.nodes[r]["initial_storage"]))
            inflow = res.storage[r] - (1 - e) * before + res.release[r] + res.spill[r]
            inflows[r] = [float(v) for v in inflow]
        gw_cap = 400 * counties  # (generated_case's groundwater cap, 万m³ a year)
        (case_dir / "inflows.json").write_text(
            json.dumps({"months": list(res.months), "inflows": inflows, "groundwater_cap": gw_cap, "sectors": SECTORS}),
            encoding="utf-8",
        )
    return {
        "setup_s": setup_s,
        "run_s": run_s,
        "shortage_by_priority": {int(p): float(v) for p, v in short.items()},
    }


def pywr_side(case_dir: Path, python: str) -> dict:
    best = None
    for _ in range(REPEAT):
        out = subprocess.run([python, str(ROOT / "benchmarks" / "pywr_side.py"), str(case_dir)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or r["setup_s"] + r["run_s"] < best["setup_s"] + best["run_s"]:
            best = r
    assert best is not None
    return best


def one_size(counties: int, python: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp)
        exact = waterplan_side(case, counties, "staged")
        weighted = waterplan_side(case, counties, "weighted")
        pywr = pywr_side(case, python)
    return {"counties": counties, "exact": exact, "weighted": weighted, "pywr": pywr}


def _short(d: dict) -> str:
    return " / ".join(f"{float(d.get(str(p), d.get(p, 0.0))):,.0f}" for p in (1, 2, 3, 4))  # type: ignore[call-overload]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 and 30 counties only")
    ap.add_argument("--pywr-python", default=str(ROOT / ".venv-pywr" / "bin" / "python"),
                    help="a Python with Pywr 1.31 installed (default: .venv-pywr)")  # fmt: skip
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.pywr_python)))
        return
    load = os.getloadavg()[0]
    print(f"measured {dt.date.today()}, {os.cpu_count()} CPUs, load average {load:.2f} at the start; "
          f"{MONTHS} months, CPU seconds, best of {REPEAT}")  # fmt: skip
    print("| counties | waterplan setup | waterplan exact run (ms/month) | waterplan weighted run (ms/month) | "
          "Pywr setup | Pywr run (ms/month) | exact total / Pywr total | weighted total / Pywr total | "
          "short by priority 1/2/3/4, waterplan exact | the same, Pywr |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in [10, 30] if args.quick else [10, 30, 117]:
        out = subprocess.run([sys.executable, __file__, "--one", str(c), "--pywr-python", args.pywr_python],
                             capture_output=True, text=True, check=True)  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ex, we, py = r["exact"], r["weighted"], r["pywr"]
        pywr_total = py["setup_s"] + py["run_s"]
        print(
            f"| {c} | {ex['setup_s']:.2f} s | {ex['run_s']:.2f} s ({1000 * ex['run_s'] / MONTHS:.1f}) | "
            f"{we['run_s']:.2f} s ({1000 * we['run_s'] / MONTHS:.1f}) | {py['setup_s']:.2f} s | "
            f"{py['run_s']:.2f} s ({1000 * py['run_s'] / MONTHS:.1f}) | "
            f"{(ex['setup_s'] + ex['run_s']) / pywr_total:.2f} | {(we['setup_s'] + we['run_s']) / pywr_total:.2f} | "
            f"{_short(ex['shortage_by_priority'])} | {_short(py['shortage_by_priority'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
