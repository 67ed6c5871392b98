"""report.md of a monthly run: the guarantee rates and each target's statuses over the years."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..monthly.results import MonthlyResult
from ._page import status_label

__all__ = ["monthly_report_markdown"]


def _yearly_statuses(policy_yearly: pd.DataFrame) -> str:
    """One row per target: how many years it had each status."""
    if policy_yearly.empty:
        return "No policy target."
    rows = []
    for (tid, zh, attr), g in policy_yearly.groupby(["id", "indicator_zh", "attribute"], sort=False):
        counts = g["status"].value_counts()
        rows.append(
            {
                "id": tid,
                "指标 indicator": zh,
                "属性 attribute": {"binding": "约束性", "expected": "预期性"}.get(str(attr), attr),
                "years": len(g),
                "状态 statuses": ", ".join(f"{status_label(k)}: {v}" for k, v in counts.items()),
            }
        )
    return str(pd.DataFrame(rows).to_markdown(index=False))


def monthly_report_markdown(
    res: MonthlyResult, guarantee: pd.DataFrame, yearly: pd.DataFrame, manifest: dict[str, Any]
) -> list[str]:
    sc = res.scenario
    by_sector = guarantee.groupby("sector").agg(
        years=("years_fully_supplied", "min"), months=("months_fully_supplied", "min"), target=("target_years", "first")
    )
    return [
        f"# {sc.spec.title_zh or sc.name} — {res.mode} monthly run",
        "",
        f"{len(res.months)} months ({res.months[0]} … {res.months[-1]}); hydrology: {manifest['hydrology']}. "
        "Illustrative data.",
        "",
        "## Supply guarantee rates 供水保证率 (worst county of each sector)",
        "",
        by_sector.to_markdown(floatfmt=".3f"),
        "",
        "Per county × sector: guarantee.csv.",
        "",
        "## Targets year by year 指标逐年核算",
        "",
        _yearly_statuses(yearly),
        "",
        "Each year's value and status: indicators.csv (a ratio floor's value in %, with its numerator "
        "and denominator in 万m³); month by month: allocation.csv, balance.csv, flows.csv, sources.csv, storage.csv.",
        "",
    ]
