"""One run of a scenario: load → graph → LP → solve → tables, report, map, manifest.

Outputs are written to a temporary folder beside the destination and moved into place only
when everything has been written, so a failed run never leaves a half-written folder over a
good one.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from . import outputs
from .charts import annual_charts, monthly_charts
from .export import LAYER_FILES, run_layers
from .manifest import lp_size_of, monthly_manifest, run_manifest
from .maps import allocation_map
from .monthly import MonthlyResult, guarantee_rates
from .monthly.results import mean_year_results, policy_yearly, span, storage_drawn, storage_table
from .network import build_graph
from .printmap import print_map
from .report import monthly_report_html, monthly_report_markdown, report_html, report_markdown
from .results import Results, tabulate
from .scenario import Scenario, load_scenario
from .solve import Solution, solve
from .tables import write_period_tables

__all__ = ["RunResult", "run_scenario", "write_monthly_run", "write_run"]

log = logging.getLogger(__name__)

RUN_FILES = (
    "allocation.csv",
    "balance.csv",
    "flows.csv",
    "sources.csv",
    "indicators.csv",
    "duals.csv",
    "stages.csv",
    "manifest.json",
    "report.md",
    "report.html",
    "map.html",
    "counties.geojson",
    "network_edges.geojson",
    "network_nodes.geojson",
    "map.png",
)


@dataclass
class RunResult:
    """Everything a run produced, for use from Python."""

    scenario: Scenario
    graph: nx.DiGraph
    solution: Solution
    results: Results
    manifest: dict[str, Any]


def run_scenario(
    scenario: str | Path | Scenario, *, solver: str = "highs", progress: bool = False, lp_dump: Path | None = None
) -> RunResult:
    """Load (if needed), build, solve and tabulate a scenario, without writing anything (``lp_dump``:
    where to write the LP if a stage fails).

    >>> res = run_scenario("scenarios/taiyuan-2030.yaml")
    >>> from waterplan.results import STATUSES
    >>> res.manifest["solver"], set(res.results.indicators["status"]) <= set(STATUSES)
    ('HiGHS', True)
    """
    t0 = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    t1 = time.perf_counter()
    G = build_graph(sc)
    t2 = time.perf_counter()
    sol = solve(G, sc, solver=solver, progress=progress, lp_dump=lp_dump)
    t3 = time.perf_counter()
    res = tabulate(sol)
    t4 = time.perf_counter()
    prob = sol.model.prob
    hyd = sc.spec.hydrology
    manifest = run_manifest(
        sc,
        G,
        mode="annual",
        periods=[str(sc.year)],
        solver=sol.solver,
        lp_size=lp_size_of(prob),
        objective={st.name: st.objective for st in sol.stages},
        timings={"load": t1 - t0, "graph": t2 - t1, "solve": t3 - t2, "tables": t4 - t3, "total": t4 - t0},
        hydrology=f"one year: {hyd.year_type}" + (f", surface × {hyd.surface_factor:g}" if hyd.surface_factor else ""),
    )
    manifest["stages"] = [{"stage": st.name, "objective": st.objective, "seconds": st.seconds} for st in sol.stages]
    manifest["warnings"] = res.warnings
    return RunResult(scenario=sc, graph=G, solution=sol, results=res, manifest=manifest)


def _atomic_folder(out: str | Path, force: bool, write: Callable[[Path], None]) -> Path:
    """Write a run's folder through ``write(tmp)``, swapped into place (:func:`waterplan.outputs.write_folder`)."""
    return outputs.write_folder(out, force, write)


def check_output_folder(out: str | Path, force: bool) -> None:
    """Refuse a run folder that is not free or not waterplan's own earlier output (see :mod:`waterplan.outputs`)."""
    outputs.check_output_folder(out, force)


def _monthly_maps(res: MonthlyResult, avg: Results, tmp: Path, lang: str) -> bytes:
    """The mean year of a monthly run as the annual run's map.html, GIS layers and map.png (the
    layers let ``waterplan export`` and ``waterplan print-map`` read the folder); the PNG's bytes."""
    sc = res.scenario
    years = span(res)
    zh, en = f"{years} 多年平均：各年之和 ÷ 年数 (万m³/年)", f"Mean year of {years}: sums ÷ years (万m³/yr)"
    note = zh if lang == "zh" else en
    allocation_map(res.graph, avg, lang=lang, period_note=note).save(str(tmp / "map.html"))
    for name, gdf in run_layers(res.graph, avg, scenario=sc.name, period=sc.year).items():
        gdf.insert(2, "years", years)
        gdf.to_file(tmp / LAYER_FILES[name], driver="GeoJSON", engine="pyogrio")
    print_map(tmp, tmp / "map.png", lang=lang)  # titled with the scenario and the mean year's span
    return (tmp / "map.png").read_bytes()


def write_monthly_run(res: MonthlyResult, out: str | Path, *, force: bool = False, lang: str = "zh") -> Path:
    """Write a monthly run: the annual run's tables month by month (allocation, balance, flows,
    sources; ``period`` = ``YYYY-MM``), storage, guarantee rates, each target's value and status
    year by year (indicators.csv), charts, the mean year's map (map.html, map.png) and GIS layers,
    and report.md / report.html."""
    guarantee = guarantee_rates(res)

    def write(tmp: Path) -> None:
        yearly = policy_yearly(res)
        write_period_tables(res.horizon, tmp)  # allocation, balance, flows, sources: five years at a time
        tables = {"storage": storage_table(res), "storage_drawn": storage_drawn(res), "guarantee": guarantee,
                  "indicators": yearly}  # fmt: skip
        if len(res.trades):
            tables["trades"] = res.trades
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
        if not res.floor_shortfall.empty:
            res.floor_shortfall.to_csv(tmp / "floor_shortfall.csv", index_label="month", encoding="utf-8")
        manifest = monthly_manifest(res)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        lines = monthly_report_markdown(res, guarantee, yearly, manifest)
        charts = monthly_charts(res, guarantee)
        for name, png in charts.items():
            (tmp / f"chart_{name}.png").write_bytes(png)
        image = _monthly_maps(res, mean_year_results(res, guarantee), tmp, lang)
        lines += ["## Map of the mean year 多年平均配置图", "", "![map](map.png)", "", "Interactive: map.html.", ""]
        lines += ["## Charts", "", *[f"![{n}](chart_{n}.png)" for n in charts], ""]
        (tmp / "report.md").write_text("\n".join(lines), encoding="utf-8")
        page = monthly_report_html(res, guarantee, yearly, charts, manifest, image=image)
        (tmp / "report.html").write_text(page, encoding="utf-8")

    return _atomic_folder(out, force, write)


def write_run(
    run: RunResult,
    out: str | Path,
    *,
    force: bool = False,
    lang: str = "zh",
    basemap: str = "none",
    tianditu_key: str | None = None,
) -> Path:
    """Write a run's tables, report, map and manifest into the folder ``out``.

    Refuses to replace an existing folder unless ``force``; writes into a temporary folder
    first and swaps it into place at the end.
    """

    def write(tmp: Path) -> None:
        t0 = time.perf_counter()
        for name, df in run.results.tables().items():
            df.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
        (tmp / "report.md").write_text(report_markdown(run.scenario, run.results, run.manifest), encoding="utf-8")
        allocation_map(run.graph, run.results, lang=lang, basemap=basemap, tianditu_key=tianditu_key).save(
            str(tmp / "map.html")
        )
        layers = run_layers(run.graph, run.results, scenario=run.scenario.name, period=run.scenario.year)
        for name, gdf in layers.items():
            gdf.to_file(tmp / LAYER_FILES[name], driver="GeoJSON", engine="pyogrio")
        print_map(
            tmp,
            tmp / "map.png",
            lang=lang,
            title=run.scenario.spec.title_zh if lang == "zh" else run.scenario.spec.title_en,
        )
        charts = annual_charts(run.results)
        page = report_html(run.scenario, run.results, run.manifest, image=(tmp / "map.png").read_bytes(), charts=charts)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        run.manifest["timings_s"]["write"] = time.perf_counter() - t0
        (tmp / "manifest.json").write_text(json.dumps(run.manifest, ensure_ascii=False, indent=2), encoding="utf-8")

    out = _atomic_folder(out, force, write)
    log.info("wrote %d files to %s", len(RUN_FILES), out)
    return out
