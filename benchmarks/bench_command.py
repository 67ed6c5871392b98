"""What a user pays for a command, from the start of the process to its last file: CPU seconds
(user + system, the process and its children) and peak memory, best of three runs each.

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
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPEAT = 3
#: Python's default: bytecode kept between runs
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """CPU seconds, wall seconds and peak MB of one run of ``cmd`` (best of REPEAT)."""
    best = (float("inf"), float("inf"), 0.0)
    for _ in range(REPEAT):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = dt.datetime.now()
        subprocess.run(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = (dt.datetime.now() - t0).total_seconds()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if cpu < best[0]:
            best = (cpu, wall, after.ru_maxrss / 1024)
    return best


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
    print("| command | CPU s | wall s | peak MB (largest child) |")
    print("|---|---|---|---|")
    for name, cmd in cases.items():
        cpu, wall, mb = measure(cmd)
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {mb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
