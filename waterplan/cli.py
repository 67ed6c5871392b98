"""Command line: ``waterplan validate SCENARIO`` and ``waterplan run SCENARIO --out DIR``.

A thin layer over the same functions the notebooks call. Errors a user can cause end in one
clear message (file, field, value, what would be valid) and a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import gc
import logging
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from ._errors import InfeasibleError, InputError, Problem, SolverError, WaterplanError
from .i18n import N_, language, tr

log = logging.getLogger("waterplan")

EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER, EXIT_PARTIAL, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 4, 5, 70, 130


def _lang_in(args: list[str]) -> str | None:
    """The value of ``--lang`` among the command line's arguments (None: not given)."""
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def _translate(cmd: Any) -> None:
    """A command's help and its options' help in the current language (the catalogue's; the English
    text is kept to translate from the next time)."""
    from .i18n import gettext

    for item in (cmd, *cmd.params):
        if getattr(item, "help", None):
            item.help = gettext(item.__dict__.setdefault("_help_en", item.help))
    for sub in getattr(cmd, "commands", {}).values():
        _translate(sub)


#: what click says of a value, as waterplan says it (click's own words are English only)
_CLICK_VALUES = [
    (r"^(?:Value error, )?'?(.+?)'? is not one of (.+?)\.?$", N_("'{0}' is not one of {1}")),
    (r"^'?(.+?)'? is not a valid (integer|float)\.?$", N_("'{0}' is not a number")),
    (r"^(.+?) is not in the range (.+?)\.?$", N_("{0} is not in the range {1}")),
    (r"^(?:File|Path|Directory) '?(.+?)'? does not exist\.?$", N_("{0} does not exist")),
    (r"^Input should be greater than or equal to (\S+)$", N_("a number of at least {ge}")),
    (r"^No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?$", N_("no such command: {0} (did you mean {1}?)")),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)$", N_("more arguments than the command takes: {0}")),
]


def _said_by_click(message: str) -> str:
    """One of click's messages in the chosen language (itself if it is not one of those above)."""
    for pattern, template in _CLICK_VALUES:
        m = re.match(pattern, message)
        if m:
            if "{ge}" in template:
                return tr(template, ge=m.group(1))
            return tr(template, *(g or "—" for g in m.groups()))
    return message


def _kinds(exc: BaseException) -> set[str]:
    """The class names of an exception and its bases (the command line's errors are typer's or click's)."""
    return {c.__name__ for c in type(exc).__mro__}


def _usage(exc: Any, ctx: Any) -> str:
    """A command-line usage error in the chosen language, naming the option as typed."""
    kinds = _kinds(exc)
    if "NoSuchOption" in kinds:
        near = tr(" (did you mean {0}?)", ", ".join(sorted(exc.possibilities))) if exc.possibilities else ""
        said = tr("no such option: {name}{near}", name=exc.option_name, near=near)
    elif "MissingParameter" in kinds:
        said = tr("{name} is missing", name=exc.param_hint or (exc.param.name if exc.param else ""))
    elif "BadParameter" in kinds:
        why = _said_by_click(exc.message)
        name = exc.param_hint or " / ".join(getattr(exc.param, "opts", []) or [str(exc.param and exc.param.name)])
        said = tr("invalid value for {name}: {why}", name=name, why=why)
    else:
        said = _said_by_click(exc.format_message())
    path = (exc.ctx or ctx).command_path if (exc.ctx or ctx) is not None else "waterplan"
    return said + tr("; see '{command} --help'", command=path)


#: allocations between two runs of the cyclic garbage collector's youngest generation while a
#: command runs (Python's default is 700)
COMMAND_GC_THRESHOLD = 70_000


class _Guarded(TyperGroup):
    """Every command ends in one sentence, whatever happens: waterplan's own errors as they are,
    Ctrl-C as an interruption, anything unforeseen as an internal error (never a traceback).
    Its help and messages are in the language of ``--lang``, ``WATERPLAN_LANG`` or the locale."""

    def main(self, args: Any = None, *a: Any, **kw: Any) -> Any:
        from .i18n import set_language

        given = _lang_in(list(sys.argv[1:] if args is None else args))
        chosen = given in ("zh", "en")
        before = set_language(given) if chosen else None
        collecting = gc.get_threshold()
        # a command makes millions of objects and few reference cycles (the libraries' imports
        # most of all): the cyclic collector runs a hundredth as often, about a tenth of an
        # annual run's CPU time less; the setting is the command's and is put back at its end
        gc.set_threshold(COMMAND_GC_THRESHOLD, *collecting[1:])
        try:
            if language() == "zh":
                _translate(self)
            return super().main(args, *a, **kw)
        finally:
            gc.set_threshold(*collecting)
            if chosen:  # (a process that runs several commands, as the tests do)
                set_language(before)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WaterplanError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            _say(tr("Interrupted"), tr("the command was stopped; earlier outputs are as they were (an ensemble "
                 "resumes where it stopped when run again)"), EXIT_INTERRUPTED)  # fmt: skip
        except MemoryError:
            _say(tr("Out of memory"), tr("the input is too large for this machine's memory; earlier outputs are "
                 "as they were"), EXIT_INPUT)  # fmt: skip
        except RecursionError:
            _say(tr("Input nested too deeply"), tr("an input is nested deeper than waterplan reads"),
                 EXIT_INPUT)  # fmt: skip
        except Exception as exc:
            if "UsageError" in _kinds(exc) and "NoArgsIsHelpError" not in _kinds(exc) and language() == "zh":
                _say(tr("Usage error"), _usage(exc, ctx), EXIT_INPUT)  # (in English: typer's own panel)
            if type(exc).__module__.split(".")[0] in ("typer", "click"):
                raise  # the command line's own exits and usage errors
            log.info("internal error", exc_info=True)  # the details, with -v
            first = str(exc).splitlines()[0] if str(exc) else ""
            why = tr("a fault in waterplan, not in your input; earlier outputs are as they were (-v shows where)")
            _say(tr("Internal error"), f"{type(exc).__name__}: {first} — {why}", EXIT_INTERNAL)
        return None


def _sector(key: object) -> str:
    """A sector as the console names it: its Chinese name in Chinese, its key in English."""
    from .spec import SECTOR_NAMES

    return SECTOR_NAMES[str(key)][0] if language() == "zh" and str(key) in SECTOR_NAMES else str(key)


def _node_kind(kind: str) -> str:
    """A node kind of the graph as the console names it (Chinese: the map's legend's names)."""
    from .palette import NODE_KIND_NAMES

    names = {**{k: v[0] for k, v in NODE_KIND_NAMES.items()}, "delivery": "配水", "demand": "需水"}
    return names.get(kind, kind) if language() == "zh" else kind


def _status(status: object) -> str:
    """A target status as the console says it (the status tables keep the English word)."""
    from .report._page import STATUS_ZH  # "达标 met": the report's own words

    said = STATUS_ZH.get(str(status))
    return said.split(" ", 1)[0] if said and language() == "zh" else str(status)


def _say(title: str, text: str, code: int) -> None:
    err.print(Text.assemble((f"{title}:", "bold red"), " ", text), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Guarded,
    add_completion=False,
    no_args_is_help=True,
    help="Water-allocation planning for Shanxi's 四水四定 plans. "
    "Edit a scenario file, check it with 'validate', run it with 'run', read report.html and map.html.",
)
err = Console(stderr=True)
out = Console()


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"


class Basemap(StrEnum):
    none = "none"
    osm = "osm"
    tianditu = "tianditu"
    amap = "amap"


class Mode(StrEnum):
    full = "full"
    myopic = "myopic"


class Objective(StrEnum):
    staged = "staged"
    weighted = "weighted"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def _fail(exc: WaterplanError) -> None:
    from .i18n import gettext

    code = EXIT_INPUT
    title = "Input error"
    if isinstance(exc, InfeasibleError):
        code, title = EXIT_INFEASIBLE, "Targets in conflict"
    elif isinstance(exc, SolverError):
        code, title = EXIT_SOLVER, "Solver error"
    # the message is printed literally: a name like "[古交]" is text, not console markup
    err.print(Text.assemble((f"{gettext(title)}:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _warn(G: Any) -> None:
    """Print the network's layout warnings (the run goes on)."""
    from .i18n import gettext

    for w in G.graph.get("warnings", []):
        err.print(
            Text.assemble((f"{gettext('Warning')}:", "bold yellow"), " ", str(w)), highlight=False, soft_wrap=True
        )


_LANG_HELP = "Language of the messages and help: zh or en (default: WATERPLAN_LANG, else the locale)."


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False,
    lang: Annotated[Lang | None, typer.Option(help=_LANG_HELP)] = None,  # (read before the command: _Guarded)
) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # -v: waterplan's own steps and counts, not every library's chatter
    logging.getLogger("waterplan").setLevel(logging.INFO if verbose else logging.WARNING)


def _run_monthly(
    sc: object,
    out_dir: Path,
    *,
    force: bool,
    mode: str,
    years: int | None,
    objective: str | None,
    lang: str,
    lp_dump: Path | None = None,
) -> None:
    import pandas as pd

    from .monthly import guarantee_rates, solve_monthly
    from .network import build_graph
    from .run import write_monthly_run

    G = build_graph(sc)  # type: ignore[arg-type]
    _warn(G)
    log.info("%s monthly run of %s: %s years", mode, getattr(sc, "name", ""), years or "the scenario's")
    res = solve_monthly(G, sc, mode=mode, years=years, objective=objective, progress=True, lp_dump=lp_dump)  # type: ignore[arg-type]
    log.info("solved %d months in %.1f s", len(res.months), res.timings.get("total", 0.0))
    path = write_monthly_run(res, out_dir, force=force, lang=lang)
    g = guarantee_rates(res)
    title = tr("{name}: supply guarantee rates, worst county ({months} months, {mode})", name=res.scenario.name,
               months=len(res.months), mode=mode)  # fmt: skip
    t = Table(title=title)
    for i, col in enumerate((tr("sector"), tr("years fully supplied"), tr("months fully supplied"), tr("target"))):
        t.add_column(col, justify="right" if i else "left")
    for sector, r in (
        g.groupby("sector")
        .agg(y=("years_fully_supplied", "min"), m=("months_fully_supplied", "min"), target=("target_years", "first"))
        .iterrows()
    ):
        t.add_row(_sector(sector), f"{r.y:.0%}", f"{r.m:.0%}", "" if pd.isna(r.target) else f"{r.target:.0%}")
    out.print(t)
    out.print(tr("{seconds:.1f} s ({columns:,} columns). Wrote {path}/.", seconds=res.timings["total"],
                 columns=res.lp_size["columns"], path=path))  # fmt: skip


_STRICT_HELP = (
    "An unreachable demand (no source its sector accepts reaches it) is an error, not a warning "
    "(the scenario's 'strict: true')."
)


def _load(scenario: Path, strict: bool = False) -> tuple[Any, Any]:
    """The scenario and its checked graph (raises WaterplanError on bad input)."""
    from .network import build_graph
    from .scenario import load_scenario

    sc = load_scenario(scenario, overrides={"strict": True} if strict else None)
    return sc, build_graph(sc)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="The scenario file (YAML), e.g. scenarios/taiyuan-2030.yaml.")],
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
    lang: Annotated[Lang | None, typer.Option(help=_LANG_HELP)] = None,  # (read before the command: _Guarded)
) -> None:
    """Check a scenario, its demand table and its network layers without solving.

    Reports every problem found (file, field, value, what would be valid) and exits 2, or prints a summary and exits 0.
    """
    try:
        sc, G = _load(scenario, strict)
        _warn(G)
        if sc.spec.time is not None:  # what a monthly run checks before it solves
            from .monthly import check_monthly

            check_monthly(G, sc)
    except WaterplanError as exc:
        _fail(exc)
        return
    kinds: dict[str, int] = {}
    for _n, d in G.nodes(data=True):
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    said = tr(
        "{name}: {counties} counties, {demands} demands ({volume:,.0f} 万m³), {constraints} policy constraints, "
        "graph of {nodes} nodes and {edges} edges ({kinds}).",
        name=sc.name,
        counties=len(sc.counties),
        demands=len(sc.demands),
        volume=sc.demands["demand_10k_m3"].sum(),
        constraints=len(sc.constraints),
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        kinds=tr(", ").join(f"{v} {_node_kind(k)}" for k, v in sorted(kinds.items())),
    )
    out.print(Text.assemble(("OK", "green"), " ", said), highlight=False)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the run into.")] = Path("runs/run"),
    force: Annotated[bool, typer.Option("--force", help="Replace the folder if it exists.")] = False,
    solver: Annotated[Solver, typer.Option(help="LP solver: HiGHS (default) or CBC.")] = Solver.highs,
    lang: Annotated[
        Lang, typer.Option(help="Language of the messages and names on the map: zh (official names) or en (aliases).")
    ] = Lang.zh,
    basemap: Annotated[
        Basemap, typer.Option(help="Map background: none (works offline), osm, tianditu, amap.")
    ] = Basemap.none,
    tianditu_key: Annotated[str | None, typer.Option(help="Your Tianditu key, for --basemap tianditu.")] = None,
    mode: Annotated[
        Mode | None, typer.Option(help="Monthly scenarios: full horizon or myopic (default: the file's).")
    ] = None,
    years: Annotated[
        int | None, typer.Option(min=1, max=200, help="Monthly scenarios: years to run (default: the file's).")
    ] = None,
    objective: Annotated[
        Objective | None,
        typer.Option(help="Monthly scenarios: staged (exact; default) or weighted (one LP; refuses the equity rule)."),
    ] = None,
    lp_dump: Annotated[
        Path | None,
        typer.Option("--lp-dump", help="Write the LP to this file (.lp or .mps) if a stage fails, annual or monthly."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)] = False,
) -> None:
    """Allocate water for a scenario and write tables, report and map into --out.

    Writes allocation.csv, balance.csv, flows.csv, sources.csv, indicators.csv, duals.csv, stages.csv, manifest.json, report.md, report.html and map.html. The folder is written completely or not at all. Exit codes: 2 bad input, 3 targets in conflict, 4 solver failure.
    """  # noqa: E501
    from .run import check_output_folder, run_scenario, write_run
    from .scenario import load_scenario

    if basemap == "tianditu" and not tianditu_key:
        _fail(
            InputError([Problem("<command line>", "--tianditu-key", None, tr("a Tianditu key for --basemap tianditu"))])
        )

    try:
        check_output_folder(out_dir, force)  # before solving: a refused folder costs the user no wait
        sc = load_scenario(scenario, overrides={"strict": True} if strict else None)
        _annual_refuses_monthly_options(sc, scenario, mode, years, objective)
        if sc.spec.time is not None:
            chosen = mode.value if mode else sc.spec.time.mode
            _run_monthly(sc, out_dir, force=force, mode=chosen, years=years, lang=lang.value,
                         objective=objective.value if objective else None, lp_dump=lp_dump)  # fmt: skip
            return
        res = run_scenario(sc, solver=solver.value, progress=sys.stderr.isatty(), lp_dump=lp_dump)
        _warn(res.graph)
        path = write_run(
            res, out_dir, force=force, lang=lang.value, basemap=Basemap(basemap).value, tianditu_key=tianditu_key
        )
    except WaterplanError as exc:
        _fail(exc)
        return
    _print_annual_summary(res, path)


def _annual_refuses_monthly_options(
    sc: Any, scenario: Path, mode: Mode | None, years: int | None, objective: Objective | None
) -> None:
    if sc.spec.time is None and (mode is not None or years is not None or objective is not None):
        raise InputError(
            Problem(
                "<command line>",
                "--mode/--years/--objective",
                mode.value if mode else (years if years is not None else objective),
                tr("only for monthly scenarios (with a time: section); {scenario} is annual", scenario=scenario),
            )
        )


def _print_annual_summary(res: Any, path: Path) -> None:
    """The balance by sector, the targets' statuses counted, and where the run was written."""
    b = res.results.balance
    t = Table(title=tr("{name}: balance by sector (万m³/yr)", name=res.scenario.name))
    for i, col in enumerate((tr("sector"), tr("demand"), tr("supplied"), tr("shortage"), tr("coverage"))):
        t.add_column(col, justify="right" if i else "left")
    s = b.groupby("sector")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum()
    for sector, r in s.iterrows():
        cov = f"{r.supplied_10k_m3 / r.demand_10k_m3:.1%}" if r.demand_10k_m3 > 0 else "—"  # (no demand to cover)
        t.add_row(
            _sector(sector), f"{r.demand_10k_m3:,.0f}", f"{r.supplied_10k_m3:,.0f}", f"{r.shortage_10k_m3:,.0f}", cov
        )
    out.print(t)
    ind = res.results.indicators
    counts = ind["status"].value_counts().to_dict()
    said = tr(", ").join(f"{v} {_status(k)}" for k, v in counts.items()) or tr("none in the scenario")
    out.print(tr("Targets: {counts}. Solver {solver}, {seconds:.2f} s.", counts=said, solver=res.manifest["solver"],
                 seconds=res.manifest["timings_s"]["total"]))  # fmt: skip
    out.print(tr("Wrote {path}/ (report.html, map.html, tables).", path=path))
    shown = [str(g) for g in res.graph.graph.get("warnings", [])]  # (printed before the solve: once is enough)
    for w in res.results.warnings:
        if not any(w in g for g in shown):
            err.print(Text.assemble((f"{tr('Warning')}:", "bold yellow"), " ", w), highlight=False, soft_wrap=True)


@app.command("explain")
def explain_cmd(
    scenario: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
) -> None:
    """Explain why a scenario's targets cannot all hold: the smallest set of targets to relax, by how much, and what they conflict with. Exits 0 either way."""  # noqa: E501
    from .explain import explain

    try:
        sc, G = _load(scenario)
        ex = explain(G, sc)
    except WaterplanError as exc:
        _fail(exc)
        return
    out.print(ex.text(), markup=False, highlight=False)


@app.command("capacity")
def capacity_cmd(
    scenario: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
    out_csv: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the county table to this CSV.")
    ] = None,
) -> None:
    """Carrying capacity (以水定人/地/产): the largest population, irrigated area and industrial output each county and the whole area can carry, and which caps limit them."""  # noqa: E501
    import pandas as pd

    from .capacity import carrying_capacity

    try:
        sc, G = _load(scenario)
        res = carrying_capacity(G, sc)
    except WaterplanError as exc:
        _fail(exc)
        return
    t = Table(title=tr("{name}: what the water can carry (whole area, demand of one sector scaled in every county)",
                       name=sc.name))  # fmt: skip
    for col in (tr("sector"), tr("now"), tr("capacity"), tr("plan figure"), tr("headroom"), tr("limited by")):
        t.add_column(col)
    for r in res.city.itertuples():
        unit = r.quantity_unit or "万m³"
        now = r.quantity_now if pd.notna(r.quantity_now) else r.demand_10k_m3
        cap = (
            r.quantity_capacity
            if r.quantity_capacity is not None and pd.notna(r.quantity_capacity)
            else r.capacity_10k_m3
        )
        plan = "" if r.plan_figure is None or pd.isna(r.plan_figure) else f"{r.plan_figure:,.1f}"
        head = "" if r.headroom_vs_plan is None or pd.isna(r.headroom_vs_plan) else f"{r.headroom_vs_plan:+,.1f}"
        t.add_row(r.sector, f"{now:,.1f} {unit}", f"{cap:,.1f} {unit}", plan, head, r.limited_by)
    out.print(t)
    c = Table(title=tr("per county (one county at a time)"))
    for col in (tr("county"), tr("sector"), tr("now"), tr("capacity"), tr("limited by")):
        c.add_column(col)
    for r in res.counties.itertuples():
        unit = r.quantity_unit or "万m³"
        now = r.quantity_now if r.quantity_now is not None and pd.notna(r.quantity_now) else r.demand_10k_m3
        cap = (
            r.quantity_capacity
            if r.quantity_capacity is not None and pd.notna(r.quantity_capacity)
            else r.capacity_10k_m3
        )
        c.add_row(f"{r.county_zh}", r.sector, f"{now:,.1f} {unit}", f"{cap:,.1f} {unit}", r.limited_by)
    out.print(c)
    if out_csv is not None:
        res.counties.to_csv(out_csv, index=False, encoding="utf-8")
        out.print(tr("Wrote {path}.", path=out_csv))


@app.command("compare")
def compare_cmd(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario files; the first is the reference.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the comparison.")] = Path("runs/compare"),
    force: Annotated[bool, typer.Option("--force", help="Replace the folder if it exists.")] = False,
) -> None:
    """Compare scenarios side by side: balance by sector, coverage by county (with a difference map), source mix, binding targets."""  # noqa: E501
    import pandas as pd

    from .compare import compare_scenarios

    if len(scenarios) < 2:
        _fail(InputError([Problem("<command line>", "SCENARIOS", len(scenarios), tr("two or more scenario files"))]))
    try:
        path = compare_scenarios(scenarios, out_dir, force=force)
    except WaterplanError as exc:
        _fail(exc)
        return
    sectors = pd.read_csv(path / "compare_sectors.csv", index_col=0)
    cols = [c for c in sectors.columns if c.endswith(": shortage_10k_m3")]
    t = Table(title=tr("Shortage by sector (万m³/yr)"))
    t.add_column(tr("sector"))
    for c in cols:
        t.add_column(c.split(": ")[0], justify="right")
    for sector, r in sectors.iterrows():
        t.add_row(_sector(sector), *[f"{r[c]:,.0f}" for c in cols])
    out.print(t)
    out.print(tr("Wrote {path}/ (compare.html, compare.md, compare_*.csv, chart_shortage.png, diff_*.html).",
                 path=path))  # fmt: skip


class Format(StrEnum):
    gpkg = "gpkg"
    shp = "shp"
    geojson = "geojson"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN", help="A run folder written by 'waterplan run'.")],
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (gpkg, xlsx) or folder (shp, geojson, csv).")
    ],
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Output format (default: as --out ends, .gpkg or .xlsx)."),
    ] = None,
    crs: Annotated[
        str,
        typer.Option(
            help="EPSG:4326 (WGS84), EPSG:4490 (CGCS2000), EPSG:4513–4554 (its Gauss–Krüger zones); gk3/gk6 pick one."
        ),
    ] = "EPSG:4326",
    force: Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")] = False,
    encoding: Annotated[
        str,
        typer.Option(help="Shapefile text encoding: UTF-8, or GBK for older Chinese GIS software."),
    ] = "UTF-8",
) -> None:
    """Export a run's GIS layers (counties with balance, network edges with flows, nodes) and tables.

    GeoPackage and Shapefile come with a QGIS style (.qml) for the coverage choropleth; Shapefile field names are cut to 10 characters (see fields.csv beside them). The output is written completely or not at all.
    """  # noqa: E501
    from .export import export_format, export_run

    try:
        chosen = export_format(out_path, None if fmt is None else Format(fmt).value)
        path = export_run(run_dir, out_path, fmt=chosen, crs=crs, force=force, encoding=encoding)
    except WaterplanError as exc:
        _fail(exc)
        return
    out.print(tr("Wrote {path} ({format}, {crs}).", path=path, format=chosen, crs=crs))


@app.command("network")
def network_cmd(
    scenario: Annotated[Path, typer.Argument(help="A scenario file (its network: folder or GeoPackage).")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The GeoPackage to write (.gpkg).")],
    force: Annotated[bool, typer.Option("--force", help="Replace a GeoPackage written by this command.")] = False,
) -> None:
    """Write a scenario's network in its input form, a GeoPackage with layers nodes and edges, to edit in
    QGIS and give back as the scenario's `network:` (every field and line kept)."""
    from .network import write_layers
    from .scenario import load_scenario

    try:
        sc = load_scenario(scenario)
        path = write_layers(sc.network_dir, out_path, force=force)
    except WaterplanError as exc:
        _fail(exc)
        return
    out.print(tr("Wrote {path} (layers nodes, edges). Give it as `network: {path}` in a scenario.", path=path))


@app.command("new")
def new_cmd(
    city: Annotated[str, typer.Argument(help="A city of Shanxi by adcode or name: 140300, 阳泉, Yangquan.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="A new folder for the scenario's files.")],
    year: Annotated[int, typer.Option(help="The planning year.", min=1900, max=2200)] = 2030,
) -> None:
    """Start a new city: a scenario with every key explained, its network as a GeoPackage to draw in QGIS
    (a groundwater node and wells per county), and a demand workbook with Chinese headers."""
    from .scaffold import new_city

    try:
        path = new_city(city, out_dir, year=year)
    except WaterplanError as exc:
        _fail(exc)
        return
    out.print(
        tr(
            "Wrote {folder}/ ({name}, network.gpkg, demands.xlsx, scenario.schema.json). Fill in the figures, then: "
            "waterplan validate {path}; waterplan run {path} --out runs/{stem}",
            folder=path.parent,
            name=path.name,
            path=path,
            stem=path.stem,
        )
    )


@app.command("ensemble")
def ensemble_cmd(
    scenario: Annotated[Path, typer.Argument(help="A monthly scenario (with a time: section).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="The ensemble's folder (resumed if it exists).")],
    members: Annotated[int, typer.Option("--members", "-n", help="Hydrological realisations.", min=1)] = 10,
    seed: Annotated[int, typer.Option(help="The ensemble seed: realisation i's seed follows from it and i.")] = 0,
    variants: Annotated[
        Path | None, typer.Option(help="A YAML file: variant name → overrides (as a scenario extending it writes).")
    ] = None,
    years: Annotated[int | None, typer.Option(help="Years of each member (default: the scenario's).", min=1)] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes (default: the cores).", min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help="An existing Dask scheduler, e.g. tcp://host:8786.")] = None,
    connect_timeout: Annotated[
        float, typer.Option(help="Seconds to reach the scheduler and for a worker to join.", min=0.5, max=3600)
    ] = 20.0,
) -> None:
    """Run an ensemble: realisations × variants, each an ordinary monthly run, on Dask (a local cluster,
    or --scheduler). Writes Parquet parts, guarantee_summary.csv, binding.csv, failures.csv, ensemble.html.
    Exit code 5 if any member failed (each is in failures.csv and the report); run it again to resume."""
    import pandas as pd

    from .ensemble import run_ensemble
    from .reading import load_yaml

    try:
        spec = None
        if variants is not None:
            spec, _enc = load_yaml(variants, fname=str(variants), what=tr("a variants file (YAML)"))
            spec = spec or {}
            if not isinstance(spec, dict):  # each variant's own overrides are checked by name in run_ensemble
                raise InputError(
                    Problem(str(variants), "(file)", type(spec).__name__, tr("a mapping: variant name → its overrides"))
                )
        path = run_ensemble(scenario, out_dir, realisations=members, seed=seed, variants=spec, years=years,
                            workers=workers, scheduler=scheduler, progress=True,
                            connect_timeout=connect_timeout, variants_file=str(variants))  # fmt: skip
    except WaterplanError as exc:
        _fail(exc)
        return
    failed = len(pd.read_csv(path / "failures.csv"))
    out.print(tr("Wrote {path}/ (ensemble.html, guarantee_summary.csv, binding.csv, parts/). Failed members: "
                 "{failed}.", path=path, failed=failed))  # fmt: skip
    if failed:
        _say(tr("Members failed"), tr("{failed} member(s) failed: see {csv} and ensemble.html; the same command "
             "runs them again", failed=failed, csv=path / "failures.csv"), EXIT_PARTIAL)  # fmt: skip


@app.command("app")
def app_cmd(
    folder: Annotated[Path, typer.Argument(help="The project folder: its scenarios and layers.")] = Path("."),
    port: Annotated[int, typer.Option(help="The port on 127.0.0.1 to serve on.")] = 8765,
    browser: Annotated[bool, typer.Option(help="Open the page in the browser.")] = True,
) -> None:
    """Open the workbench in the browser: the project's scenarios, their targets, runs and results (127.0.0.1 only)."""
    from .app import serve

    if not folder.is_dir():
        _fail(InputError([Problem("<command line>", "FOLDER", str(folder), tr("a project folder"))]))
        return
    out.print(tr("Serving {folder} on http://127.0.0.1:{port}/ (Ctrl-C stops it).", folder=folder, port=port))
    try:
        serve(folder, port=port, open_browser=browser)
    except OSError as exc:  # the port taken, or not one this user may open
        why = tr("a free port on 127.0.0.1 ({reason})", reason=exc.strerror or type(exc).__name__)
        _fail(InputError([Problem("<command line>", "--port", port, why)]))


@app.command("schema")
def schema_cmd(
    partial: Annotated[
        bool, typer.Option("--extends", help="The schema of a scenario that extends another (no key required).")
    ] = False,
) -> None:
    """Print the scenario file's JSON Schema, for editors that complete and check its keys.

    Name it on a scenario's first line: `# yaml-language-server: $schema=scenario.schema.json`.
    """
    import json

    from .schema import scenario_schema

    typer.echo(json.dumps(scenario_schema(partial=partial), ensure_ascii=False, indent=2))


@app.command("print-map")
def print_map_cmd(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN", help="A run folder written by 'waterplan run'.")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="A .png or .pdf file.")],
    lang: Annotated[Lang, typer.Option(help="Names: zh (official) or en (alias).")] = Lang.zh,
    title: Annotated[str | None, typer.Option(help="Map title (default: the scenario).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a map this command drew earlier.")] = False,
) -> None:
    """Draw a run's coverage map for a printed report (title, legend, north arrow, scale bar)."""
    from .printmap import print_map

    try:
        path = print_map(run_dir, out_path, lang=Lang(lang).value, title=title, force=force)
    except WaterplanError as exc:
        _fail(exc)
        return
    out.print(tr("Wrote {path}.", path=path))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
