"""A sweep of one target's value over a range: each value an ordinary annual run of the scenario with
that target overridden (as a scenario that ``extends`` it would), and the response — shortage,
coverage, the target's status, whether it binds and its shadow price — in one table and one chart.

Between two values where the same targets bind, the slope of the shortage of the target's stage is
its shadow price: the curve and the price beside it say the same thing two ways.

>>> df = sweep("scenarios/taiyuan-2030.yaml", "TY-total", [10.0, 10.47])
>>> list(df["value"]), bool(df["shortage_10k_m3"].iloc[0] > df["shortage_10k_m3"].iloc[1])
([10.0, 10.47], True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ._errors import InputError, Problem
from .i18n import tr

__all__ = ["sweep", "sweep_chart", "sweep_values", "write_sweep"]


def sweep_values(start: float, stop: float, steps: int) -> list[float]:
    """``steps`` values evenly from ``start`` to ``stop`` (both included), as a planner types a range."""
    if steps < 2 or steps > 50:
        raise InputError(Problem("sweep", "steps", steps, tr("a whole number from 2 to 50")))
    return [round(start + (stop - start) * i / (steps - 1), 10) for i in range(steps)]


def _point(scenario: Path, tid: str, value: float) -> dict[str, object]:
    """One value of the sweep: the run's totals and the target's row of the indicators (a lever,
    ``levers.<name>``, has no row: it neither binds nor has a price)."""
    from .run import run_scenario
    from .scenario import load_scenario

    lever = tid.removeprefix("levers.") if tid.startswith("levers.") else None
    change = {"levers": {lever: {"value": value}}} if lever else {"constraints": [{"id": tid, "value": value}]}
    res = run_scenario(load_scenario(scenario, overrides=change)).results
    bal, ind = res.balance, res.indicators.set_index("id")
    row = ind.loc[tid] if lever is None else None
    demand = float(bal["demand_10k_m3"].sum())
    point: dict[str, object] = {
        "value": value,
        "unit": str(row["target_as_given"]).split(" ")[-1] if row is not None else "",
        "status": row["status"] if row is not None else "",
        "binding": bool(row["binding"]) if row is not None else False,
        "shadow_price": float(row["shadow_price"]) if row is not None else float("nan"),
        "shadow_price_stage": (row["shadow_price_stage"] or "") if row is not None else "",
        "shortage_10k_m3": float(bal["shortage_10k_m3"].sum()),
        "coverage": float(bal["supplied_10k_m3"].sum()) / demand if demand else float("nan"),
    }
    for p, short in bal.groupby("priority")["shortage_10k_m3"].sum().items():
        point[f"shortage_p{p}_10k_m3"] = float(short)
    return point


def sweep(
    scenario: str | Path,
    target: str,
    values: Sequence[float],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` once for each of ``values`` of target ``target`` (in the unit the target is
    written in; or of a lever, ``levers.<name>``) and return one row per value: ``value``, ``unit``,
    ``status``, ``binding``, ``shadow_price`` (万m³ of its stage's shortage per +1 万m³ of the
    target), ``shadow_price_stage``, ``shortage_10k_m3`` (all demands), ``coverage`` (supplied ÷
    demand) and ``shortage_p<N>_10k_m3`` by priority.

    Raises
    ------
    InputError
        The scenario does not load, or has no target ``target`` (the ids it has are named).
    """
    from .scenario import load_scenario

    path = Path(scenario)
    sc = load_scenario(path)
    ids = [c.id for c in sc.constraints] + [f"levers.{k}" for k in sc.spec.levers]
    if target not in ids:
        raise InputError(Problem(path.name, "id", target, tr("one of the scenario's targets: {0}", ", ".join(ids))))
    rows = []
    for i, v in enumerate(values):
        rows.append(_point(path, target, float(v)))
        if progress is not None:
            progress(i + 1, len(values))
    return pd.DataFrame(rows)


def sweep_chart(df: pd.DataFrame, *, title: str) -> bytes:
    """The response curve as PNG: shortage (万m³) and coverage against the target's value, the
    shadow price written at each point where the target binds."""
    import matplotlib
    from matplotlib.figure import Figure

    from .charts import chart_style, png

    with matplotlib.rc_context(chart_style()):  # type: ignore[arg-type]
        fig = Figure(figsize=(8, 4), layout="constrained")
        ax = fig.subplots()
        ax.plot(df["value"], df["shortage_10k_m3"], marker="o", color="#b2182b", label="缺水 shortage (万m³)")
        for x, y, sp, b in zip(df["value"], df["shortage_10k_m3"], df["shadow_price"], df["binding"], strict=True):
            if b and sp == sp:
                ax.annotate(f"{sp:.3f}", (x, y), textcoords="offset points", xytext=(0, 7), fontsize=8, ha="center")
        unit = str(df["unit"].iloc[0]) if len(df) else ""
        ax.set_xlabel(f"目标值 target value ({unit})")
        ax.set_ylabel("缺水 shortage (万m³)")
        right = ax.twinx()
        right.plot(df["value"], df["coverage"] * 100, marker="s", color="#2166ac", label="满足率 coverage (%)")
        right.set_ylabel("满足率 coverage (%)")
        ax.set_title(title + "\n数字：影子价格 numbers: shadow price (万m³ per 万m³)", fontsize=10)
        lines = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="best")
        return png(fig)


def write_sweep(df: pd.DataFrame, out: str | Path, *, scenario: str, target: str, force: bool = True) -> Path:
    """Write a sweep into ``out``: ``sweep.csv``, ``sweep.png`` (the response curve) and
    ``sweep.json`` (what was swept)."""
    from .outputs import write_folder

    def write(tmp: Path) -> None:
        df.to_csv(tmp / "sweep.csv", index=False, encoding="utf-8")
        (tmp / "sweep.png").write_bytes(sweep_chart(df, title=f"{scenario}: {target}"))
        about = {"scenario": scenario, "target": target, "values": [float(v) for v in df["value"]]}
        (tmp / "sweep.json").write_text(json.dumps(about, ensure_ascii=False), encoding="utf-8")

    return write_folder(out, force, write)
