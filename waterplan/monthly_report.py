"""What a monthly run writes for people to read: tidy tables (one row per month × county × sector
or month × source, with real dates and official names), charts (storage, monthly shortage,
guarantee rates, the exceedance curve of yearly shortage) and a self-contained HTML report.

Charts are drawn with matplotlib's object API (no pyplot: no backend or other global state is
changed) in the CJK font shipped with the dependencies (Noto Sans SC).
"""

from __future__ import annotations

import base64
import html
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .boundaries import county_table
from .charts import chart_style, png
from .monthly.results import MonthlyResult, storage_table

__all__ = ["monthly_charts", "monthly_report_html"]


def monthly_charts(res: MonthlyResult, guarantee: pd.DataFrame) -> dict[str, bytes]:
    """PNG charts: reservoir storage, monthly shortage by sector, guarantee rates by county × sector,
    and the exceedance curve of yearly shortage."""
    storage = storage_table(res)
    out: dict[str, bytes] = {}
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        if len(storage):
            fig = Figure(figsize=(9, 3.6), layout="constrained")
            ax = fig.subplots()
            for (_r, name), g in storage.groupby(["reservoir", "name_zh"]):
                ax.plot(pd.to_datetime(g["period"]), g["storage_10k_m3"], lw=0.9, label=name)
            ax.set_ylabel("蓄水量 storage (万m³)")
            ax.set_title("水库蓄水过程 Reservoir storage")
            ax.legend(fontsize=8)
            out["storage"] = png(fig)
        bal = res.tables()["balance"]
        short = bal.pivot_table(index="period", columns="sector_zh", values="shortage_10k_m3", aggfunc="sum")
        fig = Figure(figsize=(9, 3.6), layout="constrained")
        ax = fig.subplots()
        ax.stackplot(pd.to_datetime(short.index), short.T.to_numpy(), labels=list(short.columns), alpha=0.85)
        ax.set_ylabel("缺水 shortage (万m³/月)")
        ax.set_title("逐月缺水 Monthly shortage by sector")
        ax.legend(fontsize=8, ncol=3)
        out["shortage"] = png(fig)
        yearly = bal.groupby(bal["period"].str[:4])["shortage_10k_m3"].sum().sort_values(ascending=False).to_numpy()
        p = np.arange(1, len(yearly) + 1) / (len(yearly) + 1)  # Weibull plotting position
        fig = Figure(figsize=(6, 3.6), layout="constrained")
        ax = fig.subplots()
        ax.plot(p * 100, yearly, marker="o", ms=3)
        ax.set_xlabel("超过概率 exceedance probability (%)")
        ax.set_ylabel("年缺水 yearly shortage (万m³)")
        ax.set_title("年缺水频率曲线 Exceedance of yearly shortage")
        out["exceedance"] = png(fig)
        names = county_table().set_index("adcode")["name_zh"]
        sectors = res.scenario.spec.sectors
        g = guarantee.assign(
            label=[
                f"{names.get(c, c)} {sectors[s].name_zh}"
                for c, s in zip(guarantee["county"], guarantee["sector"], strict=True)
            ]
        )
        g = g.sort_values("years_fully_supplied")
        fig = Figure(figsize=(7, max(3.0, 0.16 * len(g))), layout="constrained")
        ax = fig.subplots()
        ax.barh(g["label"], g["years_fully_supplied"] * 100, color="#2c7bb6")
        targets = g["target_years"].astype(float)
        has = targets.notna().to_numpy()
        if has.any():  # sectors without a guarantee target get no marker
            ax.scatter(targets[has] * 100, g["label"][has], marker="|", color="#d7191c", s=80, label="目标 target")
            ax.legend(fontsize=8)
        ax.set_xlabel("保证率 years fully supplied (%)")
        ax.set_title("供水保证率 Supply guarantee rates")
        ax.tick_params(axis="y", labelsize=6)
        out["guarantee"] = png(fig)
    return out


def monthly_report_html(
    res: MonthlyResult,
    guarantee: pd.DataFrame,
    policy_yearly: pd.DataFrame,
    charts: dict[str, bytes],
    manifest: dict[str, Any],
    image: bytes | None = None,
) -> str:
    """The monthly run's report as one self-contained HTML page (charts and the mean year's map
    embedded, no scripts)."""
    sc = res.scenario
    e = html.escape

    def table(df: pd.DataFrame) -> str:
        return str(df.to_html(index=False, escape=True, classes="t", float_format=lambda v: f"{v:,.3f}"))

    def img(name: str, alt: str) -> str:
        if name not in charts:
            return ""
        data = base64.b64encode(charts[name]).decode("ascii")
        return f"<p><img src='data:image/png;base64,{data}' alt='{e(alt)}' style='max-width:100%'></p>"

    by_sector = (
        guarantee.groupby("sector")
        .agg(
            years=("years_fully_supplied", "min"),
            months=("months_fully_supplied", "min"),
            target=("target_years", "first"),
        )
        .reset_index()
    )
    objective = pd.DataFrame({"tier": list(res.objective), "万m³": list(res.objective.values())})
    statuses = (
        policy_yearly.groupby(["id", "indicator_zh", "attribute", "status"]).size().rename("years").reset_index()
        if len(policy_yearly)
        else pd.DataFrame()
    )
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
        ".t{border-collapse:collapse;font-size:13px}.t td,.t th{border:1px solid #ccc;padding:3px 6px}"
    )
    return (
        f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{e(sc.name)} monthly</title>"
        f"<style>{style}</style></head><body><h1>{e(sc.spec.title_zh or sc.name)} — {e(res.mode)}</h1>"
        f"<p>{len(res.months)} months ({e(res.months[0])} … {e(res.months[-1])}); hydrology: "
        f"{e(str(manifest.get('hydrology', '')))}. <i>Illustrative data.</i></p>"
        + (
            "<h2>多年平均配置图 Map of the mean year</h2><p><img src='data:image/png;base64,"
            + base64.b64encode(image).decode("ascii")
            + "' alt='map of the mean year' style='max-width:100%'></p><p>Interactive map: map.html.</p>"
            if image
            else ""
        )
        + f"<h2>供水保证率 Supply guarantee rates (worst county of each sector)</h2>{table(by_sector)}"
        f"{img('guarantee', 'guarantee rates')}"
        f"<h2>缺水 Shortage</h2>{img('shortage', 'monthly shortage')}{img('exceedance', 'exceedance curve')}"
        f"<h2>水库 Reservoirs</h2>{img('storage', 'reservoir storage') or '<p>No reservoir with storage.</p>'}"
        f"<h2>指标逐年核算 Targets year by year</h2>{table(statuses) if len(statuses) else '<p>No policy target.</p>'}"
        f"<h2>目标函数 Lexicographic objective (万m³ over the horizon)</h2>{table(objective)}"
        f"<p>Tables: allocation.csv, balance.csv, flows.csv, sources.csv (month by month), storage.csv, "
        f"guarantee.csv, indicators.csv (year by year).</p></body></html>"
    )
