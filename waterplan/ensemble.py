"""Ensembles of monthly runs on Dask: hydrological realisations × scenario variants.

A **member** is one ordinary monthly run (same loading, validation and engine as ``waterplan run``)
of a scenario with ``time:``: variant ``v`` (a set of overrides, as a scenario that ``extends`` it
would write them) under hydrological realisation ``i``, whose generator seed follows from the
ensemble seed and ``i`` alone (:func:`member_seed`) — every variant sees the same realisations, and
no result depends on the number of workers or the order they finish in.

Members run on a Dask cluster: a local cluster of processes by default, or an existing one
(``scheduler="tcp://host:8786"``, e.g. started by dask-jobqueue on SLURM/PBS or on Kubernetes).
Each member's tables come back to this process and are written as Parquet, partitioned by table,
variant and member (``parts/<table>/variant=<v>/member=<i>.parquet``); a member already written is
skipped (an interrupted ensemble resumes); a member that fails is reported with its error
(``failures.csv``) and the others are kept. The ensemble report (``ensemble.html``,
``guarantee_summary.csv``, ``binding.csv``) is computed from the Parquet parts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError, Problem, WaterplanError
from .i18n import tr
from .outputs import cannot_write, never_replaced, refuse

__all__ = ["Member", "ensemble_members", "ensemble_report", "member_seed", "run_ensemble", "run_member"]

TABLES = ("guarantee", "shortage_yearly", "policy_yearly")


def member_seed(ensemble_seed: int, realisation: int) -> int:
    """The hydrology seed of realisation ``realisation``: from the ensemble seed and the index alone."""
    return int(np.random.SeedSequence([int(ensemble_seed), int(realisation)]).generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class Member:
    """One run of the ensemble: a variant under a hydrological realisation."""

    variant: str
    realisation: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.variant}/{self.realisation}"


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


#: a variant's name becomes a folder name (``variant=<name>``): letters (Chinese too), digits, ``_ - .``
VARIANT_NAME = re.compile(r"^(?!\.)[\w.\-]{1,64}$")


def _good_name(name: object) -> bool:
    return isinstance(name, str) and bool(VARIANT_NAME.match(name))


def _check_names(variants: dict[str, Any], fname: str = "<variants>") -> None:
    why = tr(
        "a variant name of letters (Chinese too), digits and _ - . (not starting with '.', at most 64): "
        "it becomes a folder name"
    )
    bad = [Problem(fname, "(variant name)", k, why) for k in variants if not _good_name(k)]
    if bad:
        raise InputError(bad)


def check_variants(scenario: str | Path, variants: dict[str, Any], fname: str = "<variants>") -> None:
    """Check each variant as a member would load it (its name, its keys and values), before any
    member runs: a variant with an unknown key is one message naming it, not a failed member."""
    from .network import build_graph
    from .scenario import load_scenario

    _check_names(variants, fname)
    problems: list[Problem] = []
    for name, ov in variants.items():
        if ov is not None and not isinstance(ov, dict):
            problems.append(Problem(fname, name, type(ov).__name__, tr("a mapping of the keys the variant changes")))
            continue
        try:
            build_graph(load_scenario(scenario, overrides=ov or {}))
        except InputError as exc:
            problems += [Problem(fname, f"{name}: {p.field}", p.value, p.expected) for p in exc.problems]
    if problems:
        raise InputError(problems)


def ensemble_members(
    realisations: int, *, seed: int, variants: dict[str, dict[str, Any]] | None = None, years: int | None = None
) -> list[Member]:
    """Every (variant, realisation) pair: ``variants`` maps a name to its overrides (none: the
    scenario as it is, named ``base``); ``years`` shortens every member's horizon."""
    if realisations < 1:
        raise InputError(Problem("<options>", "members", realisations, tr("one realisation or more")))
    variants = variants or {"base": {}}
    _check_names(variants)
    out: list[Member] = []
    for name, ov in variants.items():
        for i in range(realisations):
            time_ov: dict[str, Any] = {"seed": member_seed(seed, i)}
            if years is not None:
                time_ov["years"] = years
            out.append(Member(str(name), i, time_ov["seed"], _merge(ov or {}, {"time": time_ov})))
    return out


def run_member(scenario: str | Path, member: Member) -> dict[str, pd.DataFrame]:
    """One member: load the scenario with the member's overrides, build, solve, and tabulate its
    guarantee rates, yearly shortage per county × sector and yearly policy values."""
    from .monthly import guarantee_rates, solve_monthly
    from .network import build_graph
    from .scenario import load_scenario

    sc = load_scenario(scenario, overrides=member.overrides)
    if sc.spec.time is None:
        raise InputError(
            Problem(str(scenario), "time", None, tr("a monthly scenario (a time: section) for an ensemble"))
        )
    res = solve_monthly(build_graph(sc), sc, mode=sc.spec.time.mode)  # the scenario's mode, as `waterplan run`
    label = {"variant": member.variant, "member": member.realisation, "seed": member.seed}
    guarantee = guarantee_rates(res).assign(**label)
    years = pd.Index([m[:4] for m in res.months], name="year")
    by_year = res.shortage.groupby(years).sum()
    demand = res.demand.groupby(years).sum()
    rows = []
    for d in res.shortage.columns:
        nd = res.graph.nodes[d]
        for y in by_year.index:
            rows.append(
                {"county": nd["county"], "sector": nd["sector"], "year": int(y),
                 "demand_10k_m3": float(demand.at[y, d]), "shortage_10k_m3": float(by_year.at[y, d])}
            )  # fmt: skip
    shortage = pd.DataFrame(rows).assign(**label)
    policy = res.policy.copy()
    policy.index = policy.index.astype(str)
    policy = policy.rename_axis("year").reset_index().melt(id_vars="year", var_name="constraint", value_name="value")
    caps = {c.id: (c.value, c.type) for c in sc.constraints}
    policy["target"] = policy["constraint"].map(lambda c: caps.get(c, (None, None))[0])
    policy["kind"] = policy["constraint"].map(lambda c: caps.get(c, (None, None))[1])
    policy = policy.assign(year=policy["year"].astype(int), **label)
    return {"guarantee": guarantee, "shortage_yearly": shortage, "policy_yearly": policy}


def _part(out: Path, table: str, m: Member) -> Path:
    return out / "parts" / table / f"variant={m.variant}" / f"member={m.realisation:05d}.parquet"


def _done(out: Path, m: Member) -> bool:
    return all(_part(out, t, m).is_file() for t in TABLES)


def _write_member(out: Path, m: Member, tables: dict[str, pd.DataFrame]) -> None:
    for t in TABLES:
        p = _part(out, t, m)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tables[t].to_parquet(tmp, index=False)
        tmp.replace(p)  # a member is written whole or not at all: resume never reads half a member


def _task(scenario: str, member: Member) -> dict[str, pd.DataFrame] | str:
    """What a worker runs: a member's tables, or its error as text (the others go on)."""
    try:
        return run_member(scenario, member)
    except WaterplanError as exc:
        return f"{type(exc).__name__}: {exc}"
    except Exception:
        return traceback.format_exc(limit=3)


def run_ensemble(
    scenario: str | Path,
    out: str | Path,
    *,
    realisations: int,
    seed: int = 0,
    variants: dict[str, dict[str, Any]] | None = None,
    years: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    on_member: Callable[[Member, str | None], None] | None = None,
    connect_timeout: float = 20.0,
    variants_file: str = "<variants>",
) -> Path:
    """Run an ensemble on Dask and write its Parquet parts and report into ``out``. An interrupted
    ensemble (Ctrl-C, a lost scheduler) keeps its members and failures: the same call resumes it.

    Parameters
    ----------
    scenario
        A monthly scenario file.
    out
        The ensemble's folder; members already in it are skipped (resume).
    realisations, seed, variants, years
        See :func:`ensemble_members`.
    workers, scheduler
        Local worker processes (default: the cores); or an existing Dask scheduler's address.
    progress, on_member
        A bar of members done, failures and time left; a call with each member as it finishes and
        its error (None when it ran).
    connect_timeout, variants_file
        Seconds to reach the scheduler and for a worker to join it (past them, one clear error);
        the file the variants were read from, for messages.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    scenario, out = str(Path(scenario).resolve()), Path(out)
    _check_inputs(scenario, out, variants, variants_file)
    members = ensemble_members(realisations, seed=seed, variants=variants, years=years)
    meta = {"written_by": ENSEMBLE_CREATOR, "scenario": scenario, "realisations": realisations, "seed": seed,
            "variants": variants or {"base": {}},
            "years": years, "members": len(members)}  # fmt: skip
    _write_meta(out, meta)  # first: an interrupted ensemble's folder is recognised and resumed
    todo = [m for m in members if not _done(out, m)]
    failures = _read_failures(out)
    t0 = time.perf_counter()
    try:
        if todo:
            with _cluster_quiet(), _ctrl_c_kept() as interrupted:
                _on_dask(scenario, out, todo, failures, workers=workers, scheduler=scheduler, progress=progress,
                         on_member=on_member, connect_timeout=connect_timeout, interrupted=interrupted)  # fmt: skip
    finally:  # an interrupted ensemble keeps what it has: the same command resumes it
        _write_failures(out, failures)
        _write_meta(out, {**meta, "failed": len(failures), "seconds": time.perf_counter() - t0})
    ensemble_report(out)
    return out


def _check_inputs(scenario: str, out: Path, variants: dict[str, Any] | None, variants_file: str) -> None:
    """Everything that would make every member fail alike, before any runs; then the folder made."""
    from .scenario import load_scenario

    _check_out(out)  # before any work: a refused folder costs the user no wait
    if load_scenario(scenario).spec.time is None:
        raise InputError(Problem(scenario, "time", None, tr("a monthly scenario (a time: section) for an ensemble")))
    if variants:
        check_variants(scenario, variants, variants_file)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refuse(out, cannot_write(exc)) from None


def _on_dask(
    scenario: str,
    out: Path,
    todo: list[Member],
    failures: dict[str, dict[str, Any]],
    *,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    on_member: Callable[[Member, str | None], None] | None,
    connect_timeout: float = 20.0,
    interrupted: Callable[[], bool] = lambda: False,
) -> None:
    """Run the members on a local cluster (or ``scheduler``), writing each as it finishes and
    keeping the failures in ``failures`` (a member whose worker was lost is one of them); stop
    after the member being written once ``interrupted()`` says a Ctrl-C came."""
    from distributed import LocalCluster, as_completed

    from .progress import progress_bar

    cluster: Any = None
    client: Any = None
    before = _clusters()
    try:  # (a Ctrl-C while the cluster starts stops what has started)
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      dashboard_address=":0")  # fmt: skip
        client = _connect(scheduler or cluster, connect_timeout)
        futures = {client.submit(_task, scenario, m, key=f"member-{m.variant}-{m.realisation}", pure=False): m
                   for m in todo}  # fmt: skip
        bar = progress_bar(total=len(todo), desc=tr("ensemble"), unit=tr("member"), show=progress)
        for fut in as_completed(futures):
            m = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # the worker died or the scheduler went away: this member failed
                result = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if isinstance(result, str):
                failures[m.key] = {"variant": m.variant, "member": m.realisation, "seed": m.seed, "error": result}
                bar.set_postfix(failures=len(failures))
            else:
                _write_member(out, m, result)
                failures.pop(m.key, None)
            if on_member:
                on_member(m, result if isinstance(result, str) else None)
            bar.update(1)
            if interrupted():  # (a Ctrl-C that a finaliser swallowed)
                raise KeyboardInterrupt
        bar.close()
    except KeyboardInterrupt:  # stop now: the workers are stopped, not waited for
        _stop_now(client, [c for c in _clusters() if c not in before])
        raise
    except BaseException:
        _close(client, cluster)
        raise
    _close(client, cluster)


@contextlib.contextmanager
def _cluster_quiet() -> Iterator[None]:
    """Dask's, tornado's and asyncio's loggers silent while the members run, their levels set back
    after: what the cluster says of itself (its addresses, workers joining, and, when a Ctrl-C
    reaches the workers before this process, its workers lost and tracebacks from its event loop)
    is not the planner's; a member that fails is reported with the members. After a Ctrl-C they
    stay silent: a cluster stopped as it started goes on failing in its event loop's thread after
    this call has ended (a command's process ends with it; a notebook's keeps them silent)."""
    import distributed  # noqa: F401  (its import sets its loggers' levels: before they are read)

    names = ("distributed", "tornado", "asyncio")
    loggers = [logging.getLogger(name) for name in names]
    for name, lg in list(logging.root.manager.loggerDict.items()):  # (those with a level of their own)
        if isinstance(lg, logging.Logger) and name.startswith(tuple(f"{n}." for n in names)) and lg.level:
            loggers.append(lg)
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if not interrupted:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)


@contextlib.contextmanager
def _ctrl_c_kept() -> Iterator[Callable[[], bool]]:
    """A Ctrl-C while the members run is raised where Python is, as always, and also kept: where
    Python is may be a finaliser (a Dask future's, released as the members come in), which swallows
    the KeyboardInterrupt, and the members would run on to the end. The members' loop asks the
    function this yields after each member. Only where Ctrl-C raises KeyboardInterrupt (Python's
    own handler, in the main thread); the handler is set back after."""
    seen = threading.Event()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield seen.is_set
        return

    def kept(signum: int, frame: Any) -> None:
        seen.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, kept)
    try:
        yield seen.is_set
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _clusters() -> list[Any]:
    """The Dask clusters of this process, one still starting included."""
    from distributed.deploy.spec import SpecCluster

    return list(SpecCluster._instances)


def _stop_now(client: Any, clusters: list[Any]) -> None:
    """Close the client and the local ``clusters`` (one a Ctrl-C stopped as it started included)
    within seconds, and kill any worker process still running: an interrupted ensemble exits now
    (what was written stays, to resume)."""
    # the workers first: left running, they would log tracebacks about the scheduler gone
    _kill_workers()
    for thing in (client, *clusters):  # (what the cluster says of its workers killed: not heard, _cluster_quiet)
        if thing is not None:
            with contextlib.suppress(Exception):
                thing.close(timeout=3)
    for cluster in clusters:  # one stopped as it started cannot close: Dask must not try again at exit,
        cluster.shutdown_on_close = False  # and its event loop, still starting workers, is stopped
        with contextlib.suppress(Exception):
            cluster._loop_runner.stop()
    _kill_workers()  # (one started meanwhile would print a traceback as this process ends)


def _kill_workers() -> None:
    import multiprocessing

    for child in multiprocessing.active_children():
        with contextlib.suppress(Exception):
            child.kill()
            child.join(timeout=3)


def _close(client: Any, cluster: Any) -> None:
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


#: the scheduler address forms Dask knows
_SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|ucx|inproc)://[^\s/]+(:\d{1,5})?/?$")


def _connect(scheduler: Any, timeout: float) -> Any:
    """A Dask client of ``scheduler`` (an address, or a local cluster) with a worker, within
    ``timeout`` seconds; else one sentence naming the address."""
    from distributed import Client

    where = scheduler if isinstance(scheduler, str) else "the local cluster"
    if isinstance(scheduler, str) and not _SCHEDULER.match(scheduler):
        raise InputError(Problem("<command line>", "--scheduler", scheduler,
                                 tr("a Dask scheduler address such as tcp://host:8786")))  # fmt: skip
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = Client(scheduler, timeout=timeout)
        except Exception as exc:  # Dask raises OSError, TimeoutError, ValueError … by the kind of failure
            box["error"] = exc

    # a server that accepts the connection but does not speak Dask's protocol can hold Client()
    # past its own timeout: the attempt gets a wall-clock bound of its own
    thread = threading.Thread(target=attempt, name="waterplan-connect", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if "client" not in box:
        exc = box.get("error")
        reason = (str(exc).splitlines()[0] or type(exc).__name__) if exc else "no answer as a Dask scheduler"
        why = tr(
            "a scheduler that answers within {timeout:g} s ({reason})",
            timeout=timeout,
            reason=reason,
        )
        raise InputError(Problem("<command line>", "--scheduler", where, why))
    client = box["client"]
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        client.close()
        why = tr("a scheduler with a worker (none joined within {timeout:g} s)", timeout=timeout)
        raise InputError(Problem("<command line>", "--scheduler", where, why)) from None
    return client


def _write_meta(out: Path, meta: dict[str, Any]) -> None:
    (out / "ensemble.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


#: what an ensemble's ``ensemble.json`` says of its folder (only such a folder is resumed)
ENSEMBLE_CREATOR = "waterplan ensemble"


def _is_ensemble(out: Path) -> bool:
    p = out / "ensemble.json"
    try:
        meta = json.loads(p.read_text(encoding="utf-8")) if p.is_file() and not p.is_symlink() else None
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("written_by") == ENSEMBLE_CREATOR


def _check_out(out: Path) -> None:
    """The ensemble's folder: new, empty, or an earlier ensemble's (resumed); anything else is refused,
    so that no file of the user's is ever written over."""
    never_replaced(out)
    if out.exists() and not out.is_dir():
        raise InputError(Problem("<command line>", "--out", str(out), tr("a folder for the ensemble: this is a file")))
    if out.is_dir() and any(out.iterdir()) and not _is_ensemble(out):
        raise InputError(
            Problem(
                "<command line>",
                "--out",
                str(out),
                tr(
                    "a new or empty folder, or an earlier ensemble's to resume: this one holds other "
                    "files, which are never written over"
                ),
            )
        )


def _read_failures(out: Path) -> dict[str, dict[str, Any]]:
    p = out / "failures.csv"
    if not p.is_file():
        return {}
    df = pd.read_csv(p, dtype={"variant": str})
    return {f"{r.variant}/{int(r.member)}": r._asdict() for r in df.itertuples(index=False)}


def _write_failures(out: Path, failures: dict[str, dict[str, Any]]) -> None:
    cols = ["variant", "member", "seed", "error"]
    pd.DataFrame(list(failures.values()), columns=cols).to_csv(out / "failures.csv", index=False, encoding="utf-8")


def wilson(p: float | None, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """The Wilson score interval (95 %) of a probability ``p`` estimated from ``n`` members."""
    if p is None or p != p or n < 1:
        return None, None
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def read_parts(out: str | Path, table: str) -> pd.DataFrame:
    """One table of every member written so far (empty if none)."""
    root = Path(out) / "parts" / table
    files = sorted(root.glob("variant=*/member=*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def ensemble_report(out: str | Path) -> pd.DataFrame:
    """The ensemble's summary from its Parquet parts: per variant × county × sector, the guarantee
    rate's mean with its 95 % confidence interval and 5–95 % range across members, and the
    probability of missing the target with its Wilson 95 % interval; the
    share of member-years each cap binds in (``binding.csv``); ``ensemble.html``. Returns the summary."""
    out = Path(out)
    g = read_parts(out, "guarantee")
    if g.empty:
        summary = pd.DataFrame()
    else:
        grp = g.groupby(["variant", "county", "sector"], sort=True)
        summary = grp.agg(
            members=("member", "nunique"),
            years_fully_supplied_mean=("years_fully_supplied", "mean"),
            years_fully_supplied_p05=("years_fully_supplied", lambda s: float(np.quantile(s, 0.05))),
            years_fully_supplied_p95=("years_fully_supplied", lambda s: float(np.quantile(s, 0.95))),
            target_years=("target_years", "first"),
            mean_shortage_10k_m3_per_year=("mean_shortage_10k_m3_per_year", "mean"),
        ).reset_index()
        sd = grp["years_fully_supplied"].std(ddof=1).fillna(0.0).to_numpy()
        half = 1.96 * sd / np.sqrt(summary["members"].to_numpy())  # the mean's 95 % confidence interval
        # a share of years: its interval stays within [0, 1] (the normal approximation would not)
        summary["years_fully_supplied_ci95_lo"] = (summary["years_fully_supplied_mean"] - half).clip(lower=0.0)
        summary["years_fully_supplied_ci95_hi"] = (summary["years_fully_supplied_mean"] + half).clip(upper=1.0)
        target = pd.to_numeric(g["target_years"])  # (None where a sector has no target: no figure)
        missed = g.assign(missed=g["years_fully_supplied"] < target.fillna(-np.inf) - 1e-12)
        prob = missed[target.notna()].groupby(["variant", "county", "sector"])["missed"].mean()
        keys = list(zip(summary["variant"], summary["county"], summary["sector"], strict=True))
        summary["p_miss_target"] = [prob.get(k) for k in keys]
        ci = [wilson(p, n) for p, n in zip(summary["p_miss_target"], summary["members"], strict=True)]
        summary["p_miss_ci95_lo"] = [c[0] for c in ci]
        summary["p_miss_ci95_hi"] = [c[1] for c in ci]
    if not summary.empty:  # the members of each variant that failed, beside those counted
        failed = pd.read_csv(out / "failures.csv", dtype={"variant": str}) if (out / "failures.csv").is_file() else None
        by_variant = failed.groupby("variant").size() if failed is not None and len(failed) else pd.Series(dtype=int)
        summary["members_failed"] = summary["variant"].map(by_variant).fillna(0).astype(int)
    summary.to_csv(out / "guarantee_summary.csv", index=False, encoding="utf-8")
    p = read_parts(out, "policy_yearly")
    if p.empty:
        binding = pd.DataFrame()
    else:
        caps = p[p["kind"] == "cap"].copy()
        caps["binds"] = caps["value"] >= caps["target"] - 1e-6 * caps["target"].abs().clip(lower=1.0)
        binding = caps.groupby(["variant", "constraint"])["binds"].mean().rename("share_of_member_years").reset_index()
    binding.to_csv(out / "binding.csv", index=False, encoding="utf-8")
    from .charts import ensemble_charts

    charts = ensemble_charts(summary, read_parts(out, "shortage_yearly"))
    (out / "ensemble.html").write_text(_page(out, summary, binding, charts), encoding="utf-8")
    return summary


def _page(out: Path, summary: pd.DataFrame, binding: pd.DataFrame, charts: dict[str, bytes]) -> str:
    """ensemble.html, with the caps named as the scenario names them."""
    from .report import ensemble_html
    from .scenario import load_scenario

    meta = json.loads((out / "ensemble.json").read_text(encoding="utf-8")) if (out / "ensemble.json").is_file() else {}
    failures = pd.read_csv(out / "failures.csv") if (out / "failures.csv").is_file() else pd.DataFrame()
    try:
        sc = load_scenario(meta["scenario"])
        names = {c.id: f"{c.name_zh} {c.name_en}" for c in sc.constraints}
    except (KeyError, OSError, WaterplanError):  # the scenario moved or changed: its ids, as they are
        names = {}
    return ensemble_html(
        meta, summary, binding, failures, charts.get("exceedance", b""), charts.get("risk", b""), names
    )
