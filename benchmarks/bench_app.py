"""What a planner waits for in the workbench (``waterplan app``), on a copy of the shipped scenarios:
each page's load (the server's answer, read in full), and from pressing Run on Taiyuan 2030 to the
updated map (the job queued, run in its worker process, written; its results page and map.html
fetched), wall seconds, median of five.

Run: ``.venv/bin/python benchmarks/bench_app.py``. Printed as a Markdown table with the date, the
machine (CPUs) and its load, as the README shows it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPEAT = 5
TY = "scenarios/taiyuan-2030.yaml"


def serve(project: Path) -> str:
    """The workbench on a free port of 127.0.0.1, in a thread of this process; its address."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop
    from tornado.testing import bind_unused_port

    from waterplan.app import make_app

    sock, port = bind_unused_port()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        HTTPServer(make_app(project)).add_sockets([sock])
        ready.set()
        IOLoop.current().start()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return f"http://127.0.0.1:{port}"


def timed(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> tuple[float, str, str]:
    """Seconds to fetch ``url`` in full, its final address and its text."""
    t0 = time.perf_counter()
    with opener.open(url, data=data) as r:
        text = r.read().decode("utf-8")
        where = r.geturl()
    return time.perf_counter() - t0, where, text


def run_to_map(opener: urllib.request.OpenerDirector, base: str) -> float:
    """Seconds from pressing Run on Taiyuan 2030 to its results page and map fetched."""
    _s, _u, page = timed(opener, f"{base}/scenario/{TY}")
    token = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    t0 = time.perf_counter()
    _s, job_url, _t = timed(opener, f"{base}/run/{TY}", urllib.parse.urlencode({"_xsrf": token}).encode())
    while (state := json.loads(timed(opener, f"{job_url}?format=json")[2]))["state"] in ("queued", "running"):
        time.sleep(0.05)
    assert state["state"] == "done", state
    timed(opener, f"{base}/result/runs/taiyuan-2030")
    timed(opener, f"{base}/files/runs/taiyuan-2030/map.html")
    return time.perf_counter() - t0


def main() -> None:
    project = Path(tempfile.mkdtemp(prefix="bench-app-"))
    shutil.copytree(ROOT / "gis", project / "gis")
    shutil.copytree(ROOT / "scenarios", project / "scenarios")
    base = serve(project)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    load = os.getloadavg()[0]
    first = run_to_map(opener, base)  # (the first run also writes the folder the results pages read)
    runs = [run_to_map(opener, base) for _ in range(REPEAT)]
    pages = {
        "scenarios (index)": f"{base}/",
        "a scenario (Taiyuan 2030, 指标清单 to edit)": f"{base}/scenario/{TY}",
        "a run's results (statuses, what binds, balances)": f"{base}/result/runs/taiyuan-2030",
        "the run's map.html (0.8 MB)": f"{base}/files/runs/taiyuan-2030/map.html",
    }
    print(f"measured {dt.date.today()}, {os.cpu_count()} CPUs, load average {load:.2f} at the start")
    print("| what | wall s (median of 5) |")
    print("|---|---|")
    print(f"| Run on Taiyuan 2030 → results page and map fetched | {statistics.median(runs):.2f} (first {first:.2f}) |")
    for name, url in pages.items():
        print(f"| page: {name} | {statistics.median(timed(opener, url)[0] for _ in range(REPEAT)):.3f} |")
    shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
