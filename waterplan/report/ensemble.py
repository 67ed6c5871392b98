"""The report of an ensemble (``waterplan ensemble``): the risk map of missing a guarantee target,
the riskiest county × sector rows first (the whole table one click away), the exceedance curves of
yearly shortage, the caps that bind and the members that failed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..boundaries import county_table
from ._page import figure, long_table, page, pct, sector_label, table

__all__ = ["ensemble_html"]


def _spans(df: pd.DataFrame, lo: str, hi: str) -> list[str]:
    """ "90.0% – 97.5%" from two columns of shares (blank where either is missing)."""
    return [f"{pct(a)} – {pct(b)}" if pct(a) and pct(b) else "" for a, b in zip(df[lo], df[hi], strict=True)]


def _risk_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Variant × county × sector, the most likely to miss its target first."""
    if not len(summary):
        return pd.DataFrame()
    names = county_table().set_index("adcode")
    s = summary.assign(_p=summary["p_miss_target"].fillna(-1.0))
    s = s.sort_values(["_p", "years_fully_supplied_mean"], ascending=[False, True], kind="stable")

    def county(c: object) -> str:
        a = str(c)
        return f"{names.at[a, 'name_zh']} {names.at[a, 'name_en']}" if a in names.index else a

    return pd.DataFrame(
        {
            "方案 variant": s["variant"].astype(str),
            "县区 county": [county(c) for c in s["county"]],
            "部门 sector": [sector_label(str(x)) for x in s["sector"]],
            "保证率目标 target": [
                pct(v) if v == v and v is not None else "无目标 no target" for v in s["target_years"]
            ],
            "平均保证率 mean rate": [pct(v) for v in s["years_fully_supplied_mean"]],
            "均值95%区间 95% CI of the mean": _spans(s, "years_fully_supplied_ci95_lo", "years_fully_supplied_ci95_hi"),
            "5–95% 范围 range across members": _spans(s, "years_fully_supplied_p05", "years_fully_supplied_p95"),
            "未达目标概率 P(miss target)": [pct(v) for v in s["p_miss_target"]],
            "概率95%区间 its 95% CI": _spans(s, "p_miss_ci95_lo", "p_miss_ci95_hi"),
            "年均缺水 mean shortage (万m³/yr)": s["mean_shortage_10k_m3_per_year"].to_numpy(),
        }
    )


def _binding_rows(binding: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    if not len(binding):
        return pd.DataFrame()
    b = binding.sort_values("share_of_member_years", ascending=False, kind="stable")
    return pd.DataFrame(
        {
            "方案 variant": b["variant"].astype(str),
            "约束 cap": [names.get(str(c), str(c)) for c in b["constraint"]],
            "起约束作用的年份占比 share of member-years it binds": [pct(v) for v in b["share_of_member_years"]],
        }
    )


def ensemble_html(
    meta: dict[str, Any],
    summary: pd.DataFrame,
    binding: pd.DataFrame,
    failures: pd.DataFrame,
    exceedance: bytes,
    risk: bytes,
    cap_names: dict[str, str],
) -> str:
    """The ensemble's report as one self-contained page (no scripts; figures embedded)."""
    name = str(meta.get("scenario", "")).replace("\\", "/").rsplit("/", 1)[-1]
    fails = table(
        pd.DataFrame(
            {
                "方案 variant": failures["variant"].astype(str),
                "成员 member": failures["member"],
                "原因 error": failures["error"].astype(str),
            }
        )
        if len(failures)
        else pd.DataFrame()
    )
    body = (
        f"<p>{meta.get('members', '')} 个成员 members: {meta.get('realisations', '')} 组来水 hydrological "
        f"realisations × {len(meta.get('variants', {}))} 个方案 variants (ensemble seed {meta.get('seed', '')}); "
        f"失败 failed: {len(failures)}.</p><p class='illustrative'>示意数据 Illustrative: the hydrology is the "
        "illustrative generator's unless the scenario gives a series.</p>"
        f"<h2>风险图 Risk map: probability of missing a guarantee target</h2>"
        f"{figure(risk, 'risk map', width=1100) or '<p class=note>无保证率目标 No guarantee targets.</p>'}"
        "<h2>风险最高 Riskiest county × sector first</h2>"
        f"{long_table(_risk_rows(summary), 15, 'variant × county × sector')}"
        f"<h2>缺水超过概率 Exceedance of yearly shortage</h2>{figure(exceedance, 'shortage exceedance', width=800)}"
        f"<h2>约束 Caps binding</h2>{table(_binding_rows(binding, cap_names))}"
        f"<h2>失败成员 Failed members</h2>{fails}"
        "<p class='note'>表格 Tables: guarantee_summary.csv, binding.csv, failures.csv; every member: parts/.</p>"
    )
    return page(f"ensemble {name}", f"集合模拟 Ensemble: {name}", body)
