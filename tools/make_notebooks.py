"""Write the user-guide notebooks in notebooks/ (without outputs). The tests execute them."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"
SETUP = """import os
from pathlib import Path

# run from the repository root, wherever the notebook was opened
root = Path.cwd()
while not (root / "scenarios").is_dir() and root != root.parent:
    root = root.parent
os.chdir(root)

import pandas as pd  # noqa: F401  (used by the notebooks' tables)

import waterplan as wp"""

NOTEBOOKS = {
    "01-quick-start.ipynb": [
        new_markdown_cell(
            "# Quick start: Taiyuan 2030\n\nLoad a scenario, allocate, inspect the balance and the "
            "compliance report, draw the map, write a run folder. The data is illustrative."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            'sc = wp.load_scenario("scenarios/taiyuan-2030.yaml")\n'
            'print(sc.name, len(sc.counties), "counties,", len(sc.constraints), "policy constraints")\n'
            'sc.demands.groupby("sector")["demand_10k_m3"].sum().round(0)'
        ),
        new_code_cell(
            "G = wp.build_graph(sc)\nsolution = wp.solve(G, sc)\n"
            "[(s.name, round(s.objective, 1)) for s in solution.stages]"
        ),
        new_code_cell(
            "results = wp.tabulate(solution)\n"
            'results.balance.groupby("sector")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]]'
            ".sum().round(0)"
        ),
        new_code_cell(
            'cols = ["id", "indicator_zh", "target_as_given", "value", "status", "shadow_price", "clause"]\n'
            "results.indicators[cols]"
        ),
        new_code_cell('m = wp.allocation_map(G, results, lang="en")\nm'),
        new_code_cell(
            "import tempfile\n"
            "run = wp.run_scenario(sc)\n"
            'folder = wp.write_run(run, Path(tempfile.mkdtemp()) / "taiyuan-2030")\n'
            "sorted(p.name for p in folder.iterdir())"
        ),
    ],
    "02-compare-scenarios.ipynb": [
        new_markdown_cell(
            "# Comparing scenarios: 2027 vs 2030, normal vs dry year\n\n"
            "The dry-year scenario extends the 2030 one and only scales surface water."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            'names = ["taiyuan-2027", "taiyuan-2030", "taiyuan-2030-dry"]\n'
            'runs = {n: wp.run_scenario(f"scenarios/{n}.yaml") for n in names}\n'
            'by_sector = pd.DataFrame({n: r.results.balance.groupby("sector")["shortage_10k_m3"].sum()\n'
            "                          for n, r in runs.items()}).round(0)\nby_sector"
        ),
        new_code_cell(
            'coverage = pd.DataFrame({n: r.results.balance.groupby("county_zh")["supplied_10k_m3"].sum()\n'
            '                         / r.results.balance.groupby("county_zh")["demand_10k_m3"].sum()\n'
            "                         for n, r in runs.items()})\n"
            'coverage["dry − normal"] = coverage["taiyuan-2030-dry"] - coverage["taiyuan-2030"]\n'
            "coverage.round(3)"
        ),
        new_code_cell(
            'mix = pd.DataFrame({n: r.results.sources.groupby("source_kind")["withdrawn_10k_m3"].sum()\n'
            "                    for n, r in runs.items()}).round(0)\nmix"
        ),
        new_code_cell(
            'assert (by_sector.loc["domestic"] < 1).all()  # domestic is served in every case\n'
            'ax = by_sector.T.plot.bar(stacked=True, figsize=(7, 4), title="Shortage by sector (10^4 m3)")'
        ),
    ],
    "03-sensitivity-cap.ipynb": [
        new_markdown_cell(
            "# Sensitivity of shortage to the groundwater cap\n\n"
            "Sweep the 1.5 亿m³ groundwater cap of Taiyuan 2030 (003 附件1 #2) with `overrides=` and "
            "compare the slope with the cap's shadow price. The county/group split caps are lifted so "
            "that the total cap alone binds."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            "rows = []\n"
            "for cap in [1.2, 1.3, 1.4, 1.5, 1.6, 1.7]:\n"
            '    sc = wp.load_scenario("scenarios/taiyuan-2030.yaml", overrides={"constraints": [\n'
            '        {"id": "TY-groundwater", "value": cap},\n'
            '        {"id": "TY-gw-group", "drop": True}, {"id": "TY-gw-counties", "drop": True}]})\n'
            "    res = wp.run_scenario(sc).results\n"
            '    gw = res.indicators.set_index("id").loc["TY-groundwater"]\n'
            '    rows.append({"cap_yi_m3": cap, "shortage_10k_m3": res.balance["shortage_10k_m3"].sum(),\n'
            '                 "shadow_price": gw["shadow_price"], "stage": gw["shadow_price_stage"]})\n'
            "sweep = pd.DataFrame(rows)\nsweep.round(3)"
        ),
        new_code_cell(
            'slopes = sweep["shortage_10k_m3"].diff() / (sweep["cap_yi_m3"].diff() * 1e4)\n'
            'sweep["slope_per_10k_m3"] = slopes\n'
            "# the dual of the cap predicts the slope of the sweep\n"
            'assert (sweep["slope_per_10k_m3"][1:] - sweep["shadow_price"][1:]).abs().max() < 0.01\n'
            "sweep.round(3)"
        ),
        new_code_cell(
            'ax = sweep.plot(x="cap_yi_m3", y="shortage_10k_m3", marker="o", figsize=(6, 3.5),\n'
            '                title="Total shortage vs groundwater cap")'
        ),
    ],
    "04-carrying-capacity.ipynb": [
        new_markdown_cell(
            "# Carrying capacity: 以水定人、以水定地、以水定产\n\n"
            "How many people, how much irrigated land and how much industry can each county carry "
            "with the caps of Taiyuan 2030, and which cap limits it? Compared with the plan's "
            "63.4 万亩 of irrigated area (003 附件1 #8)."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            'sc = wp.load_scenario("scenarios/taiyuan-2030.yaml")\n'
            "G = wp.build_graph(sc)\n"
            "cap = wp.carrying_capacity(G, sc)\n"
            'cap.city[["sector", "quantity_now", "quantity_capacity", "quantity_unit", "plan_figure",\n'
            '          "headroom_vs_plan", "limited_by"]].round(1)'
        ),
        new_code_cell(
            'area = cap.counties[cap.counties["sector"] == "agriculture"]\n'
            'area[["county_zh", "quantity_now", "quantity_capacity", "limited_by"]].round(2)'
        ),
        new_code_cell(
            "# which caps limit most counties?\n"
            'cap.counties["limited_by"].str.split("; ").explode().value_counts().head(8)'
        ),
        new_code_cell(
            "# what one more 万m³ of each binding cap is worth, stage by stage\n"
            "res = wp.tabulate(wp.solve(G, sc))\n"
            'res.shadow_prices.query("kind == \'policy\'")[["stage", "id", "name_zh", "dual"]].round(3)'
        ),
    ],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        )
        nbformat.write(nb, OUT / name)
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main()
