"""Monthly hydrology: inflow series per surface source, wet/dry year types, demand patterns.

No public long series exist for the sources in this project's plans. :func:`generate_series`
makes an **illustrative** series with documented parameters: annual volumes are lognormal with
the source's mean (its ``available`` volume in the network layer), a coefficient of variation and
lag-1 autocorrelation (an AR(1) process on the log), split into months by a seasonal pattern.
Replacing it with a real series is a one-file job: a CSV with columns ``month`` (``YYYY-MM``),
``source`` (node id), ``value`` and ``unit`` (:func:`read_series` checks it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError, Problem, raise_if
from .i18n import tr
from .textio import MAX_BYTES, not_readable, read_table
from .units import to_model_volume

__all__ = [
    "NORTH_CHINA_RUNOFF_PATTERN",
    "YEAR_TYPES",
    "SeriesParams",
    "check_pattern",
    "generate_series",
    "read_series",
    "year_type_factor",
]

#: Share of annual runoff by calendar month for a North-China river (flood season Jul–Sep).
#: Illustrative: shaped after the typical Fen/Zhang regime, not a measured series.
NORTH_CHINA_RUNOFF_PATTERN = (0.035, 0.035, 0.06, 0.065, 0.06, 0.07, 0.16, 0.19, 0.13, 0.08, 0.06, 0.055)
#: Exceedance probabilities of the year types used in Chinese allocation planning.
YEAR_TYPES = {
    "wet": 0.25,
    "normal": 0.50,
    "dry": 0.75,
    "very_dry": 0.95,
    "P25": 0.25,
    "P50": 0.50,
    "P75": 0.75,
    "P95": 0.95,
}


@dataclass
class SeriesParams:
    """Parameters of the illustrative generator (all documented in the run manifest)."""

    years: int = 60
    start_year: int = 1971
    seed: int = 20301
    cv: dict[str, float] = field(default_factory=dict)  # per source id; default below
    default_cv: float = 0.35
    regulated_cv: float = 0.08  # inter-basin diversions (e.g. the Yellow River trunk) vary little
    rho: float = 0.3  # lag-1 autocorrelation of log annual volumes
    pattern: tuple[float, ...] = NORTH_CHINA_RUNOFF_PATTERN
    regulated_kinds: tuple[str, ...] = ("yellow_mainstem",)


def _z(p: float) -> float:
    """Standard normal quantile."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def year_type_factor(p_exceed: float, cv: float) -> float:
    """Annual volume of the year with exceedance probability ``p_exceed`` over the mean (lognormal).

    >>> round(year_type_factor(0.75, 0.35), 3)
    0.75
    """
    sigma = math.sqrt(math.log(1 + cv * cv))
    mu = -0.5 * sigma * sigma
    return math.exp(mu + sigma * _z(1.0 - p_exceed))


def check_pattern(values: object, *, file: str, field: str) -> tuple[float, ...]:
    """A monthly pattern: 12 non-negative shares that sum to one."""
    problems: list[Problem] = []
    try:
        seq = [float(v) for v in values]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise InputError(Problem(file, field, values, tr("12 numbers (shares of the year by month)"))) from None
    if len(seq) != 12:
        problems.append(Problem(file, field, len(seq), tr("12 monthly shares (one per calendar month)")))
    if any(v < 0 for v in seq):
        problems.append(Problem(file, field, seq, tr("shares of zero or more")))
    if len(seq) == 12 and abs(sum(seq) - 1.0) > 1e-6:
        problems.append(
            Problem(file, field, round(sum(seq), 6), tr("shares that sum to 1 (they are fractions of the year)"))
        )
    raise_if(problems)
    return tuple(seq)


def generate_series(sources: dict[str, tuple[str, float]], params: SeriesParams) -> pd.DataFrame:
    """Illustrative monthly inflows (万m³ per month) for surface sources.

    Parameters
    ----------
    sources
        ``{source id: (source kind, mean annual volume in 万m³)}``.
    params
        Generator parameters.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (``YYYY-MM``), ``source``, ``volume_10k_m3``.
    """
    rng = np.random.default_rng(params.seed)
    months = [f"{params.start_year + i // 12}-{i % 12 + 1:02d}" for i in range(12 * params.years)]
    pattern = np.asarray(check_pattern(params.pattern, file="generator", field="pattern"))
    frames = []
    for sid in sorted(sources):
        kind, mean = sources[sid]
        cv = params.cv.get(sid, params.regulated_cv if kind in params.regulated_kinds else params.default_cv)
        sigma = math.sqrt(math.log(1 + cv * cv))
        eps = rng.standard_normal(params.years)
        z = np.empty(params.years)
        z[0] = eps[0]
        for y in range(1, params.years):
            z[y] = params.rho * z[y - 1] + math.sqrt(1 - params.rho**2) * eps[y]
        annual = mean * np.exp(-0.5 * sigma * sigma + sigma * z)
        monthly = (annual[:, None] * pattern[None, :]).ravel()
        frames.append(pd.DataFrame({"month": months, "source": sid, "volume_10k_m3": monthly}))
    return pd.concat(frames, ignore_index=True)


#: the inflow series' headers in Chinese → its column names
SERIES_HEADERS = {
    "月份": "month",
    "年月": "month",
    "水源": "source",
    "来水量": "value",
    "流量": "value",
    "单位": "unit",
}


_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def _month(text: str) -> str | None:
    """``YYYY-MM`` (or ``YYYY-M``) as ``YYYY-MM``; None for anything else (``1971-13``, ``1971年一月``)."""
    m = _MONTH.match(str(text))
    if not m or not 1 <= int(m[2]) <= 12:
        return None
    return f"{m[1]}-{int(m[2]):02d}"


def _months(raw: pd.DataFrame, fname: str, problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """The series' rows (row number, cells, month as YYYY-MM) whose month is well formed and the
    first for its source; a misspelt month or one given twice is a problem naming its row."""
    first: dict[tuple[str, str], int] = {}
    for i, r in enumerate(raw.to_dict("records"), start=2):
        where = tr("{file} row {row}", file=fname, row=i)
        month = _month(r["month"])
        if month is None:
            why = tr("a month as YYYY-MM, e.g. 1971-01 (month 01 to 12)")
            problems.append(Problem(where, "month", r["month"], why))
        elif (r["source"], month) in first:
            why = tr("one row per source and month (row {0} gives it already)", first[r["source"], month])
            problems.append(Problem(where, "month", r["month"], why))
        else:
            first[r["source"], month] = i
            yield i, r, month


def _gaps(df: pd.DataFrame, sources: set[str], expected: list[str], fname: str) -> list[Problem]:
    """A source without every month of the horizon: one problem naming the months it lacks."""
    out = []
    for sid in sorted(sources):
        have = set(df.loc[df["source"] == sid, "month"]) if len(df) else set()
        gaps = [m for m in expected if m not in have]
        if gaps:
            shown = ", ".join(gaps[:5]) + (" …" if len(gaps) > 5 else "")
            why = tr("every month from {start} for {months} months for source {sid} ({0} missing)", len(gaps),
                     start=expected[0], months=len(expected), sid=sid)  # fmt: skip
            out.append(Problem(fname, "month", shown, why))
    return out


def read_series(path: str | Path, *, sources: set[str], start: str, months: int) -> pd.DataFrame:
    """Read a monthly inflow series (CSV: month, source, value, unit) and check it.

    Every listed source must have every month from ``start`` for ``months`` months, with flows of
    zero or more in a volume or flow unit.
    """
    path = Path(path)
    fname = str(path)
    what = tr("a series (CSV or Excel .xlsx) with columns month, source, value, unit")
    why = not_readable(path, what, MAX_BYTES["table"])
    if why:
        raise InputError(Problem(fname, "(file)", str(path), why))
    raw, _enc = read_table(path, fname=fname, what=tr("an inflow series"), headers=SERIES_HEADERS)
    missing_cols = [c for c in ("month", "source", "value", "unit") if c not in raw.columns]
    if missing_cols:
        raise InputError(
            Problem(
                fname,
                "(header)",
                list(raw.columns),
                tr("columns month, source, value, unit; missing {missing_cols}", missing_cols=missing_cols),
            )
        )
    problems: list[Problem] = []
    rows = []
    for i, r, month in _months(raw, fname, problems):
        where = tr("{file} row {row}", file=fname, row=i)
        if r["source"] not in sources:
            problems.append(
                Problem(
                    where, "source", r["source"], tr("a surface source of the network: {0}", ", ".join(sorted(sources)))
                )
            )
            continue
        try:
            v = to_model_volume(r["value"], r["unit"], file=where, field="value")
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if v < 0:
            problems.append(Problem(where, "value", r["value"], tr("a flow of zero or more")))
            continue
        if r["unit"].strip().endswith(("/s", "/d")):  # a rate: the volume of one month
            v = v * pd.Period(month).days_in_month / 365.0
        rows.append({"month": month, "source": r["source"], "volume_10k_m3": v})
    raise_if(problems)
    df = pd.DataFrame(rows)
    expected = pd.period_range(start=start, periods=months, freq="M").strftime("%Y-%m")
    problems += _gaps(df, sources, list(expected), fname)
    raise_if(problems)
    return df[df["month"].isin(set(expected))].reset_index(drop=True)
