"""The workbench's background work: runs, comparisons and sweeps asked for from the page, one at a
time, each in its own worker process (so the page stays responsive and a run can be cancelled by
ending its process), the others queued in order. A job's progress is the last line its progress
bar wrote; its failure is the message the command line would print.

Outputs are written the command line's way (into a temporary folder swapped into place), so a
cancelled job leaves the earlier output whole.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem, WaterplanError
from .i18n import language, set_language, tr

__all__ = ["MAP_LANG", "Job", "Jobs"]

#: the names on a run's map: the official ones, as the command line's default
MAP_LANG = "zh"


def _do_run(lang: str, scenario: str, out: str) -> Path:
    """A scenario's run, annual or monthly (as its file says), written into ``out`` with the map's
    official (Chinese) names, as ``waterplan run`` writes it by default (``lang``: the messages')."""
    from .scenario import load_scenario

    sc = load_scenario(scenario)
    if sc.spec.time is not None:
        from .monthly import solve_monthly
        from .network import build_graph
        from .run import write_monthly_run

        res = solve_monthly(build_graph(sc), sc, mode=sc.spec.time.mode, progress=True)
        return write_monthly_run(res, out, force=True, lang=MAP_LANG)
    from .run import run_scenario, write_run

    return write_run(run_scenario(sc, progress=True), out, force=True, lang=MAP_LANG)


def _do_compare(lang: str, out: str, *scenarios: str) -> Path:
    from .compare import compare_scenarios

    return compare_scenarios(list(scenarios), out, force=True)


def _do_sweep(lang: str, scenario: str, out: str, target: str, start: str, stop: str, steps: str) -> Path:
    from .progress import progress_bar
    from .sweep import sweep, sweep_values, write_sweep

    values = sweep_values(float(start), float(stop), int(steps))
    with progress_bar(total=len(values), desc=f"{target}", unit="run", show=True) as bar:
        df = sweep(scenario, target, values, progress=lambda _i, _n: bar.update(1))
    return write_sweep(df, out, scenario=Path(scenario).stem, target=target)


def _do_ensemble(lang: str, scenario: str, out: str, members: str, seed: str, years: str) -> Path:
    """An ensemble of a monthly scenario (``members`` realisations from ``seed``; ``years``: '' for the
    scenario's own), resumed if its folder holds members already, on one local Dask worker."""
    from .ensemble import run_ensemble

    try:
        n, s, y = int(members), int(seed), int(years) if years.strip() else None
    except ValueError:
        raise InputError(Problem("ensemble", "members / seed / years", f"{members} / {seed} / {years}",
                                 tr("whole numbers"))) from None  # fmt: skip
    return run_ensemble(scenario, out, realisations=n, seed=s, years=y, workers=1, progress=True)


#: what a job can be: its function in the worker, called with the language and the job's arguments
WORKS: dict[str, Callable[..., Path]] = {
    "run": _do_run, "compare": _do_compare, "sweep": _do_sweep, "ensemble": _do_ensemble,
}  # fmt: skip


def _work(kind: str, args: tuple[str, ...], lang: str, log: str, conn: Any) -> None:
    """The worker process: the job's function, its progress lines into ``log``, its outcome sent back."""
    import signal
    import sys

    from . import progress

    progress.PERIOD = 1.0  # (this process only) a line a second for the page
    # cancelled: end as an interrupted command does, closing what the job opened (a Dask cluster)
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(1))
    set_language(lang)
    with open(log, "w", encoding="utf-8", buffering=1) as f:
        sys.stderr = f
        try:
            out = WORKS[kind](lang, *args)
            conn.send(("done", str(out)))
        except WaterplanError as exc:  # the command line's message
            conn.send(("failed", str(exc)))
        except Exception as exc:  # said on the page in one line, never a traceback
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


@dataclass
class Job:
    """One piece of work asked for from the page: queued, running, done, failed or cancelled."""

    id: str
    kind: str
    label: str
    args: tuple[str, ...]
    out: str
    log: str
    status: str = "queued"
    message: str = ""
    started: float = 0.0
    ended: float = 0.0
    proc: Any = None

    def progress(self) -> str:
        """The last line the job's progress bar wrote ('' before it starts)."""
        try:
            lines = Path(self.log).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return next((s.strip() for s in reversed(lines) if s.strip()), "")

    def state(self) -> dict[str, Any]:
        """What the page shows: ``state`` and, as they apply, ``out``, ``message``, ``seconds``, ``progress``."""
        out: dict[str, Any] = {"state": self.status, "kind": self.kind, "label": self.label}
        if self.status == "done":
            out["out"] = self.out
        if self.status == "failed":
            out["message"] = self.message
        if self.started:
            out["seconds"] = round((self.ended or time.monotonic()) - self.started, 1)
        if self.status == "running":
            out["progress"] = self.progress()
        return out


@dataclass
class Jobs:
    """The jobs of a session: one running at a time in a worker process, the others queued in order."""

    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="waterplan-jobs-")))
    jobs: dict[str, Job] = field(default_factory=dict)
    waiting: deque[Job] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, kind: str, label: str, args: tuple[str, ...], out: Path) -> Job:
        """Queue a job (``kind`` one of :data:`WORKS`); it starts when the one before it ends."""
        jid = uuid.uuid4().hex[:12]
        job = Job(jid, kind, label, tuple(str(a) for a in args), str(out), str(self.logs / f"{jid}.log"))
        with self.lock:
            self.jobs[jid] = job
            self.waiting.append(job)
        self._next()
        return job

    def cancel(self, jid: str) -> None:
        """Take a queued job out of the queue, or end a running one's process (its output not written)."""
        with self.lock:
            job = self.jobs[jid]
            if job.status == "queued":
                self.waiting.remove(job)
                job.status = "cancelled"
            elif job.status == "running":
                job.status = "cancelled"
                job.proc.terminate()

    def _next(self) -> None:
        """Start the next queued job if none is running (called again as each one ends)."""
        with self.lock:
            if any(j.status == "running" for j in self.jobs.values()) or not self.waiting:
                return
            job = self.waiting.popleft()
            ctx = multiprocessing.get_context("fork")
            mine, theirs = ctx.Pipe(duplex=False)
            # not a daemon: an ensemble's Dask cluster starts processes of its own (ended by shutdown)
            job.proc = ctx.Process(target=_work, args=(job.kind, job.args, language(), job.log, theirs))
            job.status, job.started = "running", time.monotonic()
            job.proc.start()
            theirs.close()
        threading.Thread(target=self._watch, args=(job, mine), daemon=True).start()

    def _watch(self, job: Job, conn: Any) -> None:
        """Wait for the job's process; record its outcome; start the next job."""
        try:
            outcome = conn.recv()
        except EOFError:  # ended without a word: cancelled, or the process died
            job.proc.join()
            outcome = ("failed", tr("the worker process ended without a result (exit code {0})", job.proc.exitcode))
        job.proc.join()
        with self.lock:
            job.ended = time.monotonic()
            if job.status != "cancelled":
                job.status, said = outcome
                job.message = said if job.status == "failed" else ""
        self._next()

    def shutdown(self) -> None:
        """End every job (the server is stopping)."""
        for jid in list(self.jobs):
            self.cancel(jid)
