"""Scenario comparison: side-by-side tables and a difference map (e.g. normal vs dry year,
2027 vs 2030, with vs without a new reclaimed line)."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import folium
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._errors import InputError, Problem
from .boundaries import load_counties
from .charts import chart_style, png
from .maps import _leaflet_assets, escape
from .run import RunResult, _atomic_folder, run_scenario
from .scenario import _rel, load_scenario

__all__ = [
    "compare_chart",
    "compare_html",
    "compare_runs",
    "compare_scenarios",
    "difference_map",
    "shortage_by_sector",
]


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Columns named "scenario: measure" rather than tuples (CSV and Markdown headers stay readable)."""
    out = df.copy()
    out.columns = [f"{a}: {b}" for a, b in df.columns]
    return out


def shortage_by_sector(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Shortage (万m³) by sector (rows) and scenario (columns), from :func:`compare_runs`."""
    cols = [c for c in tables["sectors"].columns if c.endswith(": shortage_10k_m3")]
    return tables["sectors"][cols].rename(columns=lambda c: c.split(": ")[0])


def compare_chart(tables: dict[str, pd.DataFrame]) -> bytes:
    """A grouped bar chart of the shortage by sector in each scenario (PNG)."""
    short = shortage_by_sector(tables)
    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(8, 3.8), layout="constrained")
        ax = fig.subplots()
        width = 0.8 / max(1, short.shape[1])
        x = np.arange(len(short))
        for i, name in enumerate(short.columns):
            ax.bar(x + i * width, short[name].to_numpy(), width=width, label=name)
        ax.set_xticks(x + width * (short.shape[1] - 1) / 2, list(short.index), rotation=20, fontsize=8)
        ax.set_ylabel("缺水 shortage (万m³)")
        ax.set_title("各方案缺水 Shortage by sector and scenario")
        ax.legend(fontsize=8)
        return png(fig)


def compare_html(names: list[str], tables: dict[str, pd.DataFrame], chart: bytes) -> str:
    """The comparison as one self-contained HTML page: the chart embedded, every table."""
    e = html.escape

    def table(df: pd.DataFrame) -> str:
        return str(df.to_html(escape=True, classes="t", float_format=lambda v: f"{v:,.3f}"))

    data = base64.b64encode(chart).decode("ascii")
    diffs = "".join(f"<li><a href='diff_{e(n)}.html'>coverage {e(n)} − {e(names[0])}</a></li>" for n in names[1:])
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
        ".t{border-collapse:collapse;font-size:13px}.t td,.t th{border:1px solid #ccc;padding:3px 6px}"
    )
    return (
        f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{e(' vs '.join(names))}</title>"
        f"<style>{style}</style></head><body><h1>方案比较 Comparison: {e(', '.join(names))}</h1>"
        f"<p>The first scenario is the reference. <i>Illustrative data.</i></p>"
        f"<p><img src='data:image/png;base64,{data}' alt='shortage by sector and scenario' style='max-width:100%'></p>"
        f"<h2>各部门 Balance by sector (万m³/yr)</h2>{table(tables['sectors'].round(0))}"
        f"<h2>各县保障率 Coverage by county</h2>{table(tables['counties'].round(3))}"
        f"<h2>水源结构 Source mix (万m³/yr withdrawn)</h2>{table(tables['sources'].round(0))}"
        f"<h2>指标 Targets</h2>{table(tables['targets'])}"
        f"<h2>约束 Binding targets</h2>{table(tables['binding'])}"
        f"<h2>差异图 Difference maps</h2><ul>{diffs}</ul></body></html>"
    )


def compare_runs(runs: list[RunResult]) -> dict[str, pd.DataFrame]:
    """Side-by-side tables of several runs (the first is the reference for differences)."""
    names = [r.scenario.name for r in runs]
    sectors = _flat(
        pd.concat(
            {
                n: r.results.balance.groupby("sector")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum()
                for n, r in zip(names, runs, strict=True)
            },
            axis=1,
        )
    )
    cov = {}
    for n, r in zip(names, runs, strict=True):
        b = r.results.balance.groupby(["county", "county_zh"])[["demand_10k_m3", "supplied_10k_m3"]].sum()
        cov[n] = b["supplied_10k_m3"] / b["demand_10k_m3"]
    counties = pd.DataFrame(cov)
    for n in names[1:]:
        counties[f"{n} − {names[0]}"] = counties[n] - counties[names[0]]
    sources = pd.DataFrame(
        {
            n: r.results.sources.groupby("source_kind")["withdrawn_10k_m3"].sum()
            for n, r in zip(names, runs, strict=True)
        }
    ).fillna(0.0)
    targets = _flat(
        pd.concat(
            {
                n: r.results.indicators.set_index("id")[["value", "status", "shadow_price"]]
                for n, r in zip(names, runs, strict=True)
            },
            axis=1,
        )
    )
    binding = pd.DataFrame(
        {n: r.results.indicators.set_index("id")["binding"].fillna(False) for n, r in zip(names, runs, strict=True)}
    )
    return {"sectors": sectors, "counties": counties, "sources": sources, "targets": targets, "binding": binding}


def difference_map(counties_diff: pd.Series, *, label: str) -> folium.Map:
    """An offline choropleth of a coverage difference per county (adcode index; −1 … +1)."""
    gdf = load_counties(sorted(counties_diff.index))
    gdf["diff"] = gdf["adcode"].map(counties_diff)
    minx, miny, maxx, maxy = gdf.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None, control_scale=True)
    fmap.default_js = []
    fmap.default_css = []
    js, css = _leaflet_assets()
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")  # type: ignore[attr-defined]
    root.header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js")  # type: ignore[attr-defined]
    span = max(0.01, float(gdf["diff"].abs().max()))

    def colour(v: float) -> str:
        x = max(-1.0, min(1.0, v / span))
        if x < 0:
            return f"#{255:02x}{int(255 * (1 + x)):02x}{int(255 * (1 + x)):02x}"
        return f"#{int(255 * (1 - x)):02x}{int(255 * (1 - 0.4 * x)):02x}{int(255 * (1 - x)):02x}"

    for r in gdf.itertuples():
        text = escape(f"{r.name_zh} {r.name_en}: {r.diff:+.1%}")
        fill = colour(r.diff)
        folium.GeoJson(
            r.geometry.__geo_interface__,
            tooltip=folium.Tooltip(text),
            style_function=lambda _f, c=fill: {
                "fillColor": c,
                "color": "#333",
                "weight": 1,
                "fillOpacity": 0.7,
            },
        ).add_to(fmap)
    root.html.add_child(  # type: ignore[attr-defined]
        folium.Element(
            "<div class='wp-legend' style='position:absolute;bottom:24px;right:10px;z-index:1000;background:#fff;"
            f"padding:6px 8px;font:12px sans-serif'><b>{escape(label)}</b><div>red: lower coverage</div>"
            f"<div>green: higher coverage</div><div>scale ±{span:.1%}</div></div>"
        )
    )
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def compare_scenarios(paths: Sequence[str | Path], out: str | Path, *, force: bool = False) -> Path:
    """Run several scenarios and write the comparison (tables, report, difference maps) into ``out``.

    Only annual scenarios are compared: a monthly one (a ``time:`` section) is refused rather than
    solved as if it were annual."""
    scenarios = [load_scenario(p) for p in paths]
    monthly = [sc for sc in scenarios if sc.spec.time is not None]
    if monthly:
        raise InputError(
            [
                Problem(
                    _rel(sc.path),
                    "time",
                    "monthly",
                    "an annual scenario: compare annual runs; for monthly runs compare their guarantee.csv "
                    "and indicators.csv",
                )
                for sc in monthly
            ]
        )
    runs = [run_scenario(sc) for sc in scenarios]
    tables = compare_runs(runs)
    names = [r.scenario.name for r in runs]

    def write(tmp: Path) -> None:
        for name, df in tables.items():
            df.to_csv(tmp / f"compare_{name}.csv", encoding="utf-8")
        chart = compare_chart(tables)
        (tmp / "chart_shortage.png").write_bytes(chart)
        (tmp / "compare.html").write_text(compare_html(names, tables, chart), encoding="utf-8")
        lines = [
            f"# Comparison: {', '.join(names)}",
            "",
            "![shortage by sector and scenario](chart_shortage.png)",
            "",
            "## Balance by sector (万m³/yr)",
            "",
            tables["sectors"].round(0).to_markdown(),
            "",
            "## Coverage by county",
            "",
            tables["counties"].round(3).reset_index().to_markdown(index=False),
            "",
            "## Source mix (万m³/yr withdrawn)",
            "",
            tables["sources"].round(0).to_markdown(),
            "",
            "## Binding targets",
            "",
            tables["binding"].to_markdown(),
            "",
        ]
        (tmp / "compare.md").write_text("\n".join(lines), encoding="utf-8")
        for n in names[1:]:
            diff = tables["counties"][f"{n} − {names[0]}"].droplevel("county_zh")
            difference_map(diff, label=f"coverage {n} − {names[0]}").save(str(tmp / f"diff_{n}.html"))

    return _atomic_folder(out, force, write)
