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
        "## Storage drawn 水库蓄水消耗",
        "",
        *storage_lines(res, yearly),
        "",
    ]


def storage_lines(res: MonthlyResult, yearly: pd.DataFrame) -> list[str]:
    """Where a target's value came partly from storage drawn below a year's start, and the ending."""
    from ..monthly.results import storage_drawn, targets_from_storage

    drawn = storage_drawn(res)
    if drawn.empty:
        return ["No reservoir with storage. 无调蓄水库。"]
    total = drawn.groupby("period")[["start_10k_m3", "end_10k_m3", "drawn_10k_m3"]].sum()
    tcfg = res.scenario.spec.time
    end = (
        "at least where they began (time.storage_end: at_start)"
        if tcfg and tcfg.storage_end == "at_start"
        else ("where the run left them (time.storage_end: free; at_start makes the horizon cyclic)")
    )
    out = [
        total.to_markdown(floatfmt=",.0f"),
        "",
        f"The reservoirs end the horizon {end}; the first year starts "
        "from the assumed initial storage (network layer initial_storage). 首年从假定的初始蓄水量起算。",
        "",
    ]
    helped = targets_from_storage(res, yearly)
    out += [
        f"- {r.period} {r.id} {r.indicator_zh}: {r.value:,.0f} 万m³ ({r.status}), of which up to "
        f"{r.from_storage_10k_m3:,.0f} came from storage drawn below the year's start (without it: "
        f"{r.without_storage:,.0f}). 其中至多 {r.from_storage_10k_m3:,.0f} 万m³ 来自水库蓄水消耗。"
        for r in helped.itertuples()
    ]
    return out
