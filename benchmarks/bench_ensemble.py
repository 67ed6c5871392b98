"""Ensemble throughput: members per minute on 1 and 2 local Dask workers, and the per-member
overhead against a plain run of the same member.

Members are the Taiyuan 2030 monthly scenario (its own horizon unless ``--years``; myopic, its
default mode), each with its own hydrological realisation. Run:
``.venv/bin/python benchmarks/bench_ensemble.py [--members 4] [--years 60]``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "taiyuan-2030-monthly.yaml"


def main() -> None:
    from waterplan.ensemble import ensemble_members, run_ensemble, run_member

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--members", type=int, default=4)
    ap.add_argument("--years", type=int, default=None)
    args = ap.parse_args()
    logging.getLogger("distributed").setLevel(logging.WARNING)
    first, second = ensemble_members(2, seed=0, years=args.years)
    c0 = time.process_time()
    run_member(SCENARIO, first)  # (the first in a process: what a worker's first member pays beyond imports)
    c1, t0 = time.process_time(), time.perf_counter()
    run_member(SCENARIO, second)
    plain, cpu = time.perf_counter() - t0, time.process_time() - c1
    print(
        f"Taiyuan 2030 monthly, {args.years or 'the scenario’s'} years per member; one plain run: {plain:.1f} s "
        f"({cpu:.2f} s of CPU; the process's first member {c1 - c0:.2f} s of CPU)"
    )
    print("workers | members | wall s | members per minute | s per member per worker | overhead per member")
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_ensemble(
                SCENARIO, Path(tmp) / "e", realisations=args.members, seed=0, years=args.years, workers=workers
            )
            wall = time.perf_counter() - t0
        per = wall * workers / args.members
        print(f"{workers} | {args.members} | {wall:.1f} | {60 * args.members / wall:.2f} | {per:.1f} | "
              f"{per / plain:.2f}×")  # fmt: skip


if __name__ == "__main__":
    main()
