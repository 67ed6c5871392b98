"""Scenario comparison: side-by-side tables and a difference map (e.g. normal vs dry year,
2027 vs 2030, with vs without a new reclaimed line)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import folium
import pandas as pd

from ._errors import InputError, Problem
from .boundaries import load_counties
from .charts import compare_chart, diff_span, difference_map_png
from .i18n import tr
from .maps import _leaflet_assets, escape
from .outputs import check_output_folder, file_stem
from .reading import _rel
from .report import compare_html
from .report._page import sector_label
from .run import RunResult, _atomic_folder, run_scenario
from .scenario import load_scenario

__all__ = [
    "against_direction",
    "compare_runs",
    "compare_scenarios",
    "difference_map",
    "groundwater_by_county",
    "shortage_by_sector",
    "write_comparison",
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
    return {"sectors": sectors, "counties": counties, "sources": sources, "targets": targets, "binding": binding,
            "direction": against_direction(runs), "groundwater": groundwater_by_county(runs)}  # fmt: skip


def _by_year(runs: list[RunResult]) -> list[RunResult]:
    """The runs in the order of their years, or none if they are all of one year."""
    return sorted(runs, key=lambda r: r.scenario.year) if len({r.scenario.year for r in runs}) > 1 else []


def _moves_against(values: list[float], direction: str) -> bool:
    """Whether a series moves against the plan's direction from one year to the next (by more than 500 m³)."""
    sign = 1.0 if direction == "falling" else -1.0
    return any(sign * (b - a) > 0.05 for a, b in pairwise(values) if a == a and b == b)


def against_direction(runs: list[RunResult]) -> pd.DataFrame:
    """The targets the plan moves one way year on year (``direction``), each run's value (万m³) in
    the order of the years, and whether it moves against the plan (runs of one year: empty)."""
    ordered = _by_year(runs)
    cons = {c.id: c for r in ordered for c in r.scenario.constraints if c.direction}
    rows = []
    for cid, c in cons.items():
        values = []
        for r in ordered:
            ind = r.results.indicators.set_index("id")
            values.append(float(ind.loc[cid, "numerator_10k_m3"]) if cid in ind.index else float("nan"))
        row: dict[str, object] = {"id": cid, "indicator_zh": c.name_zh, "direction": c.direction}
        row.update({f"{r.scenario.name} ({r.scenario.year})": v for r, v in zip(ordered, values, strict=True)})
        row["against_plan"] = _moves_against(values, str(c.direction))
        rows.append(row)
    return pd.DataFrame(rows)


def groundwater_by_county(runs: list[RunResult]) -> pd.DataFrame:
    """Each county's groundwater withdrawn (万m³) in the order of the runs' years, and whether it
    rises from one year to the next (the plans cut groundwater, 压采; runs of one year: empty)."""
    ordered = _by_year(runs)
    if not ordered:
        return pd.DataFrame()
    cols = {}
    for r in ordered:
        src = r.results.sources
        gw = src[src["source_kind"].astype(str).str.startswith("groundwater")]
        cols[f"{r.scenario.name} ({r.scenario.year})"] = gw.groupby("county")["withdrawn_10k_m3"].sum()
    out = pd.DataFrame(cols).fillna(0.0)
    out["rises"] = [_moves_against(list(map(float, row)), "falling") for row in out.to_numpy()]
    return out


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
    span = diff_span(gdf["diff"])

    def colour(v: float) -> str:
        x = max(-1.0, min(1.0, v / span))
        if x < 0:
            return f"#{255:02x}{int(255 * (1 + x)):02x}{int(255 * (1 + x)):02x}"
        return f"#{int(255 * (1 - x)):02x}{int(255 * (1 - 0.4 * x)):02x}{int(255 * (1 - x)):02x}"

    for r in gdf.itertuples():
        text = escape(f"{r.name_zh} {r.name_en}: {r.diff * 100:+.1f} 个百分点 pp")
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
            f"padding:6px 8px;font:12px sans-serif'><b>{escape(label)}</b><div>红 red: 满足率降低 lower coverage</div>"
            f"<div>绿 green: 满足率提高 higher coverage</div><div>色标 scale: ±{span * 100:.0f} 个百分点 percentage "
            "points, 0 居中 centred on zero</div></div>"
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
                    tr(
                        "an annual scenario: compare annual runs; for monthly runs compare their "
                        "guarantee.csv and indicators.csv"
                    ),
                )
                for sc in monthly
            ]
        )
    seen: dict[str, tuple[str, Path]] = {}
    for sc in scenarios:  # a name is a column and a file name: one scenario file each
        stem = file_stem(sc.name)
        if stem in seen and seen[stem][1] != sc.path.resolve():
            why = tr(
                "a name no other compared scenario has (a file name: '{stem}', as {0} is named)",
                seen[stem][0],
                stem=stem,
            )
            raise InputError(Problem(_rel(sc.path), "name", sc.name, why))
        seen[stem] = (sc.name, sc.path.resolve())
    check_output_folder(out, force)  # before solving: a refused folder costs the user no wait
    return write_comparison([run_scenario(sc) for sc in scenarios], out, force=force)


def write_comparison(runs: list[RunResult], out: str | Path, *, force: bool = False) -> Path:
    """Write the comparison of runs already made (the first is the reference) into ``out``: tables,
    compare.html and compare.md, difference maps (interactive and PNG)."""
    tables = compare_runs(runs)
    names = [r.scenario.name for r in runs]

    def write(tmp: Path) -> None:
        for name, df in tables.items():
            df.to_csv(tmp / f"compare_{name}.csv", encoding="utf-8")
        short = shortage_by_sector(tables)
        short.index = [sector_label(str(k)) for k in short.index]
        chart = compare_chart(short)
        (tmp / "chart_shortage.png").write_bytes(chart)
        maps = {}
        for n in names[1:]:
            diff = tables["counties"][f"{n} − {names[0]}"].droplevel("county_zh")
            label = f"满足率变化 coverage {n} − {names[0]}"
            difference_map(diff, label=label).save(str(tmp / f"diff_{file_stem(n)}.html"))
            maps[n] = difference_map_png(diff, label=label)
            (tmp / f"diff_{file_stem(n)}.png").write_bytes(maps[n])
        page = compare_html(runs, chart, maps, tables["direction"], tables["groundwater"])
        (tmp / "compare.html").write_text(page, encoding="utf-8")
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
        if len(tables["direction"]):
            moves = tables["direction"].round(0).to_markdown(index=False)
            lines += [
                "## Against the plan's direction 逆规划方向",
                "",
                moves,
                "",
                tables["groundwater"].round(0).to_markdown(),
                "",
            ]
        (tmp / "compare.md").write_text("\n".join(lines), encoding="utf-8")

    return _atomic_folder(out, force, write)
