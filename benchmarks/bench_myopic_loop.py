"""The myopic engine side by side with a plain highspy loop over the very same LPs.

The engine runs with its default objective (staged: exact, tiers proven from the basis) and with
the weighted one; the plain loop replays the weighted LPs (one LP per month, the least a month can cost).

For each size (10, 30, 117 Shanxi counties; a generated network with a reservoir per city,
groundwater and a WWTP per county, five sectors), the myopic engine runs 120 months with the
weighted objective (one HiGHS run per month). A first run records, month by month, the bounds and
matrix coefficients the engine hands to HiGHS; the plain loop then replays them on one
``highspy.Highs`` model — change the bounds (and the coefficients that change) in place, ``run()``,
read the solution vector — and nothing else. Then the engine (not recording) and the plain loop run
in turn, three times each, and the best time of each is kept.

The plain loop runs twice: with HiGHS's defaults and with the options the engine gives the month's
model (``WARM_OPTIONS`` of ``waterplan.engine``); the ratios are to the first. Printed: ms
per month of the whole month for the engine (bounds prepared and passed, HiGHS, the results read
and booked) and for the plain loop, their ratio, the engine's setup time (template and model
built) and the process's peak memory. Each size runs in its own process.
Run: ``.venv/bin/python benchmarks/bench_myopic_loop.py [--quick]``.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MONTHS = 120
REPEAT = 3


def one_size(counties: int) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import highspy
    from bench_solve import generated_case

    from waterplan import build_graph, load_scenario
    from waterplan.monthly import solve_monthly

    myopic = importlib.import_module("waterplan.monthly.myopic")
    with tempfile.TemporaryDirectory() as tmp:
        path = generated_case(Path(tmp), counties)
        sc = load_scenario(path, overrides={"equity": False})
        G = build_graph(sc)
        years = MONTHS // 12

        # 1. record what the engine hands to HiGHS each month (not timed)
        months: list[dict] = []
        first_lp: list = []
        solve_name = "solve_x" if hasattr(myopic.Tiered, "solve_x") else "solve"  # (earlier versions: solve)
        real_solve = getattr(myopic.Tiered, solve_name)

        def recording(self, what, *, progress=False):
            lp = self.h.getLp()
            if not first_lp:
                first_lp.append(lp)
            months.append(
                {
                    "lo": np.array(lp.col_lower_), "hi": np.array(lp.col_upper_),
                    "rlo": np.array(lp.row_lower_), "rhi": np.array(lp.row_upper_),
                    "start": np.array(lp.a_matrix_.start_), "index": np.array(lp.a_matrix_.index_),
                    "value": np.array(lp.a_matrix_.value_), "cost": np.array(self.weighted_cost),
                }
            )  # fmt: skip
            out = real_solve(self, what, progress=progress)
            months[-1]["objective"] = self.h.getInfo().objective_function_value
            return out

        setattr(myopic.Tiered, solve_name, recording)
        try:
            solve_monthly(G, sc, mode="myopic", years=years, start_year=1971, objective="weighted")
        finally:
            setattr(myopic.Tiered, solve_name, real_solve)

        # 2. and 3., in turn, REPEAT times each: the engine (not recording), and a plain loop over
        # the same LPs; the best of each is kept (this machine's speed varies from run to run)
        lp = first_lp[0]
        lp.col_cost_ = months[0]["cost"]
        n, m = lp.num_col_, lp.num_row_
        cols, rows = np.arange(n, dtype=np.int32), np.arange(m, dtype=np.int32)
        changed = [np.flatnonzero(mo["value"] != prev["value"]) for prev, mo in itertools.pairwise(months)]
        col_of = np.repeat(np.arange(n), np.diff(months[0]["start"]))
        month_options = getattr(importlib.import_module("waterplan.engine"), "WARM_OPTIONS", {})

        def plain_loop(options: dict) -> tuple[float, list[float]]:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            for k, v in options.items():
                h.setOptionValue(k, v)
            h.passModel(lp)
            steps, objectives = [], []
            for t, mo in enumerate(months):
                ts = time.perf_counter()
                h.changeColsBounds(n, cols, mo["lo"], mo["hi"])
                h.changeRowsBounds(m, rows, mo["rlo"], mo["rhi"])
                if t:
                    for e in changed[t - 1]:
                        h.changeCoeff(int(mo["index"][e]), int(col_of[e]), float(mo["value"][e]))
                h.run()
                np.asarray(h.getSolution().col_value)
                steps.append(time.perf_counter() - ts)
                objectives.append(h.getInfo().objective_function_value)
            return 1000 * float(np.mean(steps)), objectives

        engine_runs, plain_runs, plain_opt_runs = [], [], []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            res = solve_monthly(G, sc, mode="myopic", years=years, start_year=1971, objective="weighted")
            engine_total = time.perf_counter() - t0
            engine_runs.append((1000 * float(np.mean(res.step_seconds)), engine_total - sum(res.step_seconds), res))
            ms, objectives = plain_loop({})
            plain_runs.append(ms)
            plain_opt_runs.append(plain_loop(month_options)[0])
        engine_ms, setup_s, res = min(engine_runs, key=lambda r: r[0])
        plain_ms = min(plain_runs)
        # 4. the default: the exact (staged) objective, certified from the basis; LPs solved per month
        engine = importlib.import_module("waterplan.engine")
        solved = {"n": 0}
        real_run = engine.run_checked

        def counting(h, what):
            solved["n"] += 1
            return real_run(h, what)

        default_runs = []
        for i in range(REPEAT):
            if i == 0:
                engine.run_checked = counting
            try:
                st = solve_monthly(G, sc, mode="myopic", years=years, start_year=1971)
                default_runs.append(1000 * float(np.mean(st.step_seconds)))
            finally:
                engine.run_checked = real_run
        # the same LPs: each month's optimum as the engine found it
        same = bool(np.allclose(objectives, [mo["objective"] for mo in months], rtol=1e-7, atol=1e-9))
    return {
        "counties": counties,
        "columns": int(n),
        "rows": int(m),
        "engine_ms": engine_ms,
        "plain_ms": plain_ms,
        "plain_opt_ms": min(plain_opt_runs),
        "ratio": engine_ms / plain_ms,
        "default_ms": min(default_runs),
        "default_ratio": min(default_runs) / plain_ms,
        "lps_per_month": solved["n"] / MONTHS,
        "setup_s": setup_s,
        "highs_ms": 1000 * res.timings["highs_run"] / MONTHS,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "checked": same,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="10 and 30 counties only")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    print(f"myopic engine vs a plain highspy loop over the same (weighted) LPs, {MONTHS} months")
    print("counties | columns | rows | default (exact) ms per month | LPs per month | weighted ms per month | "
          "plain loop ms per month | default / plain | weighted / plain | plain loop with the month's options "
          "ms per month | HiGHS ms per month (weighted) | engine setup s | peak MB | same optima")  # fmt: skip
    for c in [10, 30] if args.quick else [10, 30, 117]:
        out = subprocess.run([sys.executable, __file__, "--one", str(c)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{c} | {r['columns']:,} | {r['rows']:,} | {r['default_ms']:.2f} | {r['lps_per_month']:.2f} | "
            f"{r['engine_ms']:.2f} | {r['plain_ms']:.2f} | {r['default_ratio']:.2f} | {r['ratio']:.2f} | "
            f"{r['plain_opt_ms']:.2f} | {r['highs_ms']:.2f} | {r['setup_s']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['checked']}"
        )


if __name__ == "__main__":
    main()
