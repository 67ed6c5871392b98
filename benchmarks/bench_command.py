"""What a user pays for a command, from the start of the process to its last file: CPU seconds
(user + system, the process and its children) and peak memory; five runs each, the best and the
median (what a run costs on this machine as its load comes and goes).

The commands run as on a user's machine: Python keeps the compiled bytecode of what it imports
(``PYTHONDONTWRITEBYTECODE``, which some shells and CI set, is removed for them), so the runs
after the first, of which the best counts, do not compile waterplan's own modules again.

Run: ``.venv/bin/python benchmarks/bench_command.py``. Printed as a Markdown table with the date,
the machine (CPUs) and its load, as the README shows it.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPEAT = 5
#: Python's default: bytecode kept between runs
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float, float, float]:
    """CPU seconds (the best of REPEAT runs and their median), wall seconds and peak MB of the best."""
    best = (float("inf"), float("inf"), 0.0)
    cpus = []
    for _ in range(REPEAT):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = dt.datetime.now()
        subprocess.run(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = (dt.datetime.now() - t0).total_seconds()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpus.append(cpu)
        if cpu < best[0]:
            best = (cpu, wall, after.ru_maxrss / 1024)
    return best[0], statistics.median(cpus), best[1], best[2]


def main() -> None:
    out = Path(tempfile.mkdtemp()) / "run"
    cases = {
        "`python -c 'import waterplan'`": [sys.executable, "-c", "import waterplan"],
        "`waterplan --help`": [str(BIN / "waterplan"), "--help"],
        "`waterplan validate scenarios/taiyuan-2030.yaml`": [
            str(BIN / "waterplan"),
            "validate",
            "scenarios/taiyuan-2030.yaml",
        ],
        "`waterplan run scenarios/taiyuan-2030.yaml` (every output)": [
            str(BIN / "waterplan"),
            "run",
            "scenarios/taiyuan-2030.yaml",
            "--out",
            str(out),
            "--force",
        ],
    }
    load = os.getloadavg()[0]
    print(f"measured {dt.date.today()}, {os.cpu_count()} CPUs, load average {load:.2f} at the start")
    print("| command | CPU s, best | CPU s, median | wall s | peak MB (largest child) |")
    print("|---|---|---|---|---|")
    for name, cmd in cases.items():
        cpu, median, wall, mb = measure(cmd)
        print(f"| {name} | {cpu:.2f} | {median:.2f} | {wall:.2f} | {mb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
