"""Peak memory of a long myopic run as a user makes it: the generated 117-county network (all of
Shanxi) × 720 months, the default objective, its four tables written as a run writes them (CSV, a
year at a time) and its mean year (what the map and the GIS layers are drawn from). The case is
written first in a process of its own; a fresh process then loads it, solves, writes the tables and
averages the year, and reports its peak resident memory (``ru_maxrss``) at each step and its CPU
time. ``--whole`` also builds the four tables whole in memory (``MonthlyResult.tables()``, the API's
frames) at the end, for comparison.

Run: ``.venv/bin/python benchmarks/bench_memory.py [--counties 117] [--years 60]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MAKE = """
import sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from bench_solve import generated_case
print(generated_case(Path({tmp!r}), {counties}))
"""

_RUN = """
import json, resource, tempfile, time
from pathlib import Path
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def now():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
from waterplan import build_graph, load_scenario
from waterplan.monthly import solve_monthly
from waterplan.monthly.results import mean_year_results
from waterplan.tables import write_period_tables
out = {{"libraries": peak()}}
sc = load_scenario({path!r}); G = build_graph(sc)
out["scenario and graph"] = peak()
res = solve_monthly(G, sc, mode="myopic", years={years}, start_year=1971)
out["solved"] = peak()
out["held after the solve"] = now()
with tempfile.TemporaryDirectory() as tmp:
    paths = write_period_tables(res.horizon, Path(tmp))
    out["rows"] = sum(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in paths)
    out["tables written"] = peak()
mean = mean_year_results(res)
out["mean year"] = peak()
out["held with the mean year"] = now()
out["cpu_s"] = time.process_time()
if {whole}:
    tables = res.tables()
    out["whole tables"] = peak()
    out["held with the whole tables"] = now()
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counties", type=int, default=117)
    ap.add_argument("--years", type=int, default=60)
    ap.add_argument("--whole", action="store_true", help="also build the four tables whole in memory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make = _MAKE.format(bench=str(ROOT / "benchmarks"), tmp=tmp, counties=args.counties)
        path = subprocess.run([sys.executable, "-c", make], check=True, capture_output=True, text=True, cwd=ROOT)
        scenario = path.stdout.strip().splitlines()[-1]
        run = _RUN.format(path=scenario, years=args.years, whole=args.whole)
        proc = subprocess.run([sys.executable, "-c", run], check=True, capture_output=True, text=True, cwd=ROOT)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    print(f"measured {dt.date.today()}, {os.cpu_count()} CPUs, load average {load:.2f} at the end")
    print(f"{args.counties} counties × {args.years * 12} months, myopic, default objective; {out['rows']:,} table rows")
    print("| after | peak MB | held MB |")
    print("|---|---|---|")
    held = {"solved": "held after the solve", "mean year": "held with the mean year",
            "whole tables": "held with the whole tables"}  # fmt: skip
    for step in ("libraries", "scenario and graph", "solved", "tables written", "mean year", "whole tables"):
        if step in out:
            shown = f"{out[held[step]]:.0f}" if step in held else ""
            print(f"| {step} | {out[step]:.0f} | {shown} |")
    print(f"CPU {out['cpu_s']:.1f} s (without the whole tables)")


if __name__ == "__main__":
    main()
