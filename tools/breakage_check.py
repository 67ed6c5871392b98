"""Break the model one line at a time and see which test catches it (a mutation check).

Each mutation replaces one exact line fragment in a copy of the tracked tree (the working tree
is never touched) and runs the fast test files with ``-x``; the first failing test is the one
that catches the breakage. A mutation no test catches is a gap in the tests.

    .venv/bin/python tools/breakage_check.py            # all mutations, a Markdown table
    .venv/bin/python tools/breakage_check.py 3 7        # only these
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [  # the quick files first: each mutation runs them in order until one fails
    "tests/test_reports.py",
    "tests/test_codebase.py",
    "tests/test_status.py",
    "tests/test_rules.py",
    "tests/test_sacrifice.py",
    "tests/test_one_engine.py",
    "tests/test_scenarios.py",
    "tests/test_small_networks.py",
    "tests/test_graph.py",
    "tests/test_plan_meaning.py",
    "tests/test_monthly.py",
    "tests/test_bad_input.py",
    "tests/test_properties.py",
    "tests/test_bad_input_table.py",
    "tests/test_all_plans.py",
    "tests/test_statuses_recomputed.py",
    "tests/test_one_formulation.py",
    "tests/test_units_and_boundaries.py",
    "tests/test_monthly_taiyuan.py",
    "tests/test_ensemble.py",
    "tests/test_hostile_input.py",
    "tests/test_certified.py",
    "tests/test_full_start.py",
    "tests/test_speed_paths.py",
    "tests/test_no_global_state.py",
    "tests/test_vocabulary.py",
    "tests/test_browser.py",
    "tests/test_export.py",
    "tests/test_progress.py",
    "tests/test_new_city.py",
    "tests/test_i18n.py",
    "tests/test_app.py",
    "tests/test_sweep.py",
    "tests/test_app_browser.py",
]

#: (what breaks, file, the exact text, what it becomes)
MUTATIONS = [
    ("the LP not written when a stage fails", "waterplan/engine.py", "self.h.writeModel(str(self.lp_dump))", "pass"),
    (
        "an annual conflict not explained",
        "waterplan/solve.py",
        "raise explained_error(G, scenario, str(exc), solver=solver) from None",
        "raise",
    ),
    (
        "a monthly conflict not explained",
        "waterplan/monthly/__init__.py",
        "raise explained_error(G, scenario, str(exc)) from None",
        "raise",
    ),
    (
        "stages not held with CBC",
        "waterplan/engine.py",
        "self.prob += self.held[r] <= hi, name",
        "return highspy.HighsStatus.kOk",
    ),
    (
        "annual duals not read at their stage",
        "waterplan/solve.py",
        "None if z is None else h.getSolution()",
        "None",
    ),
    (
        "a ratio judged as its numerator alone",
        "waterplan/status.py",
        'status=judge(row_slack, 0.0, ">=", c.attribute)',
        'status=judge(lhs, c.value, ">=", c.attribute)',
    ),
    (
        "a ratio floor's denominator left out of the yearly table",
        "waterplan/monthly/results.py",
        'rhs = float(res.sides[(c.id, "rhs")][year]) if c.rhs is not None else None',
        "rhs = None",
    ),
    (
        "a year's value counted for one month only",
        "waterplan/monthly/results.py",
        "monthly = values[:, cols] @ coef if len(cols)",
        "monthly = values[:1, cols].repeat(len(months), 0) @ coef if len(cols)",
    ),
    (
        "use at the source not grossed up by the route's efficiency",
        "waterplan/tables.py",
        '"use_at_source_10k_m3": got / eff if len(pairs) else got',
        '"use_at_source_10k_m3": got',
    ),
    (
        "withdrawal counted as release",
        "waterplan/tables.py",
        '"withdrawn_10k_m3": released - to_outlet,',
        '"withdrawn_10k_m3": released,',
    ),
    (
        "a monthly capacity not scaled to the month",
        "waterplan/tables.py",
        "cap = np.broadcast_to(cap * h.fraction, flow.shape)",
        "cap = np.broadcast_to(cap, flow.shape)",
    ),
    (
        "the mean year a sum, not a mean",
        "waterplan/tables.py",
        "    g[volumes] = g[volumes] / years",
        "    g[volumes] = g[volumes]",
    ),
    (
        "shortage left out of the balance",
        "waterplan/tables.py",
        '"shortage_10k_m3": short,',
        '"shortage_10k_m3": 0 * short,',
    ),
    (
        "a table's periods mislabelled",
        "waterplan/tables.py",
        "pd.Categorical.from_codes(np.repeat(np.arange(h.T), n), categories=periods)",
        "pd.Categorical.from_codes(np.tile(np.arange(h.T), n), categories=periods)",
    ),
    (
        "a WWTP's collected wastewater left out",
        "waterplan/tables.py",
        '"wastewater_collected_10k_m3": collected,',
        '"wastewater_collected_10k_m3": 0 * collected,',
    ),
    (
        "a yearly availability not spread over the months",
        "waterplan/monthly/results.py",
        "out[s] = np.full(T, tpl.ub[c] / 12.0)",
        "out[s] = np.full(T, tpl.ub[c])",
    ),
    (
        "the yearly table's period the target year",
        "waterplan/monthly/results.py",
        '**row, "period": year,',
        '**row, "period": res.scenario.year,',
    ),
    (
        "a blank shown as NaN in a report",
        "waterplan/report/_page.py",
        'text = "" if blank(v) else str(v)',
        "text = str(v)",
    ),
    (
        "a boolean shown raw in a report",
        "waterplan/report/_page.py",
        'return ("是 yes" if v else "否 no"), ""',
        'return str(v), ""',
    ),
    ("a share shown as a fraction", "waterplan/report/_page.py", "x = float(v) * 100", "x = float(v)"),
    ("a long table not cut", "waterplan/report/_page.py", "if len(df) <= top:", "if True:"),
    (
        "a changed target not shaded",
        "waterplan/report/compare.py",
        "changed.append(len(set(statuses)) > 1 or moved)",
        "changed.append(len(set(statuses)) > 1)",
    ),
    (
        "counties not sorted by their change",
        "waterplan/report/compare.py",
        '.sort_values(ascending=False, kind="stable")',
        '.sort_values(ascending=True, kind="stable")',
    ),
    (
        "a difference map's scale not symmetric",
        "waterplan/charts.py",
        "return next((s for s in _SPANS if top <= s + 1e-12), _SPANS[-1])",
        "return max(top, 1e-3)",
    ),
    ("a year's status taken from another year", "waterplan/report/monthly.py", "r = own.loc[y]", "r = own.iloc[0]"),
    (
        "an import cycle not found",
        "tools/import_graph.py",
        "return [sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1]",
        "return []",
    ),
    (
        "imports inside functions not counted",
        "tools/import_graph.py",
        "for node in ast.walk(tree):",
        "for node in tree.body:",
    ),
    (
        "a missed guarantee target called met",
        "waterplan/status.py",
        'return judge(rate, target, ">=", "expected")',
        'return "met"',
    ),
    (
        "an expected target called violated",
        "waterplan/status.py",
        'return "violated" if attribute == "binding" else "not met"',
        'return "violated"',
    ),
    ("evaporation ignored between months (full horizon)", "waterplan/monthly/reservoirs.py", "-(1.0 - e)))", "-1.0))"),
    (
        "evaporation ignored on the storage carried in (myopic)",
        "waterplan/monthly/reservoirs.py",
        "b[0] += keep * before[r]",
        "b[0] += before[r]",
    ),
    (
        "initial storage ignored",
        "waterplan/monthly/full.py",
        'before = {r: G.nodes[r].get("initial_storage", 0.5 * G.nodes[r]["storage"]) for r in names}',
        "before = dict.fromkeys(names, 0.0)",
    ),
    (
        "yearly groundwater/mine availability dropped (full horizon)",
        "waterplan/monthly/full.py",
        'for col in np.flatnonzero(tpl.col_time == "year"):',
        "for col in []:",
    ),
    (
        "yearly groundwater/mine availability dropped (myopic)",
        "waterplan/monthly/myopic.py",
        "hi[self.year_cols] = np.maximum(0.0, np.minimum(hi[self.year_cols], self.year_cols_cap - used_cols))",
        "pass",
    ),
    (
        "monthly peak of groundwater not divided by 12",
        "waterplan/monthly/periods.py",
        "ub[:, yearly] = tpl.ub[yearly] / 12.0 * peak",
        "ub[:, yearly] = tpl.ub[yearly] * peak",
    ),
    (
        "a monthly constant changed (capacities / 10, not / 12)",
        "waterplan/monthly/periods.py",
        'arr[:, tpl.row_time == "rate"] /= 12.0',
        'arr[:, tpl.row_time == "rate"] /= 10.0',
    ),
    (
        "WWTP capacity not spread over the months",
        "waterplan/monthly/periods.py",
        "ub[:, rate] = tpl.ub[rate] / 12.0",
        "pass",
    ),
    (
        "demand patterns ignored",
        "waterplan/monthly/periods.py",
        "share[:, i] = np.asarray(patterns.get(sector, (1 / 12,) * 12), dtype=float)",
        "share[:, i] = 1 / 12",
    ),
    (
        "yearly targets summed over one month only (full horizon)",
        "waterplan/monthly/full.py",
        "offsets = [np.arange(12 * y, 12 * y + 12) * n for y in range(n_years)]",
        "offsets = [np.arange(12 * y, 12 * y + 1) * n for y in range(n_years)]",
    ),
    (
        "myopic releases the whole remaining cap every month",
        "waterplan/monthly/myopic.py",
        "left * self.plan_share[t]",
        "left",
    ),
    (
        "trading quotas copied into every month (not yearly)",
        "waterplan/model.py",
        'm.add_row(use - bought + sold <= quotas[c], "quota", c, "year")',
        'm.add_row(use - bought + sold <= quotas[c], "quota", c, "none")',
    ),
    (
        "equity stage skipped in monthly runs",
        "waterplan/engine.py",
        'if self.kinds[k] == "equity" and out[self.names[k - 1]] <= stage_tolerance(0.0):',
        'if self.kinds[k] == "equity":',
    ),
    (
        "an earlier stage not held in the stage loop (annual runs, CBC)",
        "waterplan/engine.py",
        "checked(self.h.changeRowBounds(self.fix_rows[k], -INF, bound), f\"{what}, stage '{name}': holding it\")",
        "pass",
    ),
    ("equity rows left out of the model", "waterplan/model.py", "    _equity(m)\n", "\n"),
    (
        "no tie-break",
        "waterplan/objective.py",
        'return TIE_BREAK * int.from_bytes(digest, "big") / 2**64',
        "return 0.0",
    ),
    (
        "sewer share ignored",
        "waterplan/model.py",
        'r = sectors[G.nodes[u]["sector"]].return_coef * e["share"]',
        'r = sectors[G.nodes[u]["sector"]].return_coef',
    ),
    (
        "outlet water not subtracted from withdrawal",
        "waterplan/model.py",
        "return pulp.lpSum(self.q[s] - self.to_outlet[s] for s in self.source_nodes(sel))",
        "return pulp.lpSum(self.q[s] for s in self.source_nodes(sel))",
    ),
    ("minimum flows dropped", "waterplan/model.py", 'if e.get("min_flow"):', "if False:"),
    (
        "conveyance losses ignored",
        "waterplan/model.py",
        'inflow[(v, s)].append((1.0 - G.edges[u, v]["loss"]) * var)',
        "inflow[(v, s)].append(var)",
    ),
    (
        "WWTP yield ignored",
        "waterplan/model.py",
        'm.add_row(m.q[w] <= G.nodes[w]["yield"] * t, "yield", w, "none")',
        'm.add_row(m.q[w] <= t, "yield", w, "none")',
    ),
    (
        "consumptive coefficient ignored",
        "waterplan/model.py",
        'coef = self.scenario.spec.sectors[self.G.nodes[d]["sector"]].consumptive_coef',
        "coef = 1.0",
    ),
    ("sewer-share check removed", "waterplan/_validate.py", "if total > 1.0 + 1e-9:", "if False:"),
    ("route check removed", "waterplan/_validate.py", "    _check_routes(G, scenario, problems)\n", "\n"),
    (
        "surface year-type factor ignored",
        "waterplan/network.py",
        "avail *= surface_factor(b.spec.hydrology, skind, nid)",
        "pass",
    ),
    ("node positions lost in graph_from_gdfs", "waterplan/convert.py", 'd["lon"], d["lat"] = geom.x, geom.y', "pass"),
    (
        "year type ignored in monthly runs",
        "waterplan/monthly/__init__.py",
        "return table[surface] * factor[surface]",
        "return table[surface]",
    ),
    (
        "equity rows use a twelfth of the year, not the month's own demand",
        "waterplan/monthly/periods.py",
        "vals[:, k] = tpl.vals[k] * share[:, tpl.rows[k]]",
        "vals[:, k] = tpl.vals[k] / 12",
    ),
    (
        "use (用水量) counted at the intake, not the source",
        "waterplan/model.py",
        "            return gross\n",
        "            return 1.0\n",
    ),
    (
        "conveyance losses left out of consumption (耗水)",
        "waterplan/model.py",
        "return coef + (gross - 1.0 if sel.conveyance_losses else 0.0)",
        "return coef",
    ),
    (
        "every target judged met",
        "waterplan/status.py",
        'ok = value <= target + tolerance(target) if relation == "<=" else value >= target - tolerance(target)',
        "ok = True",
    ),
    ("a planned allocation always 'as planned'", "waterplan/status.py", 'else "shifted"', 'else "as planned"'),
    ("expected targets not pursued", "waterplan/objective.py", "    if rest:", "    if False:"),
    (
        "in-service years ignored",
        "waterplan/network.py",
        "    return bool(int(year) <= b.spec.year)\n",
        "    return True\n",
    ),
    ("allocation rules not applied", "waterplan/objective.py", "rules = _rules_tier(m, p)", "rules = {}"),
    (
        "a broken rule never reported",
        "waterplan/rules.py",
        'rows = _ranked(rule, t) if rule.check in ("priority", "takes_first") else _unused_water(rule, t)',
        "rows = []",
    ),
    (
        "unreachable demands kept in the equity rule",
        "waterplan/model.py",
        'if G.nodes[d]["demand"] > 0 and d not in m.unservable:',
        'if G.nodes[d]["demand"] > 0:',
    ),
    (
        "equity back to a plain min-max (a starved demand pins it)",
        "waterplan/model.py",
        'm.excess[d] = m.add_col("excess", d, "none")',
        'm.excess[d] = m.add_col("excess", d, "none", ub=0.0)',
    ),
    (
        "network leakage lever not on the distribution edges",
        "waterplan/network.py",
        'if kind == "distribution" and leak is not None:',
        "if False:",
    ),
    (
        "basic ecology not split from ecology",
        "waterplan/demands.py",
        'if s.share_of is None or (df["sector"] == name).any():',
        "if True:",
    ),
    (
        "a monthly level's yearly value keeps its shortfall column",
        "waterplan/monthly/full.py",
        "policy[tpl.row_about[i]] = policy[tpl.row_about[i]] - gap[1] * per_year",
        "pass",
    ),
    ("Markdown not escaped in the report", "waterplan/report/annual.py", 'for ch in "\\\\`*_[]<>|#":', 'for ch in "":'),
    (
        "pint syntax accepted as a unit",
        "waterplan/units.py",
        "expr = UNIT_ALIASES.get(unit.strip()) or DRIVER_ALIASES.get(unit.strip())\n",
        "expr = UNIT_ALIASES.get(unit.strip()) or DRIVER_ALIASES.get(unit.strip()) or unit.strip()\n",
    ),
    (
        "a unit without its number read as no limit",
        "waterplan/network.py",
        'if not _blank(props.get(f"{key}_unit")):  # a unit without its number',
        "if False:  # a unit without its number",
    ),
    (
        "flows read as volumes not reported",
        "waterplan/report/annual.py",
        'for r in manifest.get("flows_read_as_yearly_volumes", []):',
        "for r in []:",
    ),
    (
        "validate skips the monthly checks",
        "waterplan/cli.py",
        "        if sc.spec.time is not None:  # what a monthly run checks before it solves",
        "        if False:",
    ),
    (
        "inflow gaps accepted",
        "waterplan/monthly/__init__.py",
        "bad = np.argwhere(~(arr >= 0))",
        "bad = np.argwhere(arr < -1e300)",
    ),
    # the rule checks (waterplan/rules.py)
    (
        "a full edge still a route",
        "waterplan/rules.py",
        "if cap is not None and carried.get((u, v), 0.0) >= cap - TOL:",
        "if False:",
    ),
    (
        "a plant at capacity still a route",
        "waterplan/rules.py",
        "if plant_cap is not None and out_of[u] >= plant_cap - TOL:",
        "if False:",
    ),
    (
        "a cap at its value never excuses a swap",
        "waterplan/rules.py",
        "self.limits = self.at_value()",
        "self.limits = []",
    ),
    (
        "a cap on one sector excuses swaps of every sector",
        "waterplan/rules.py",
        "if (sel.sectors is not None and sector not in sel.sectors) or (sel.counties and county not in sel.counties):",
        "if False:",
    ),
    (
        "a swap's conveyance losses ignored against a cap at the source",
        "waterplan/rules.py",
        "gross = 1.0 / self.efficiency(src, self.node[(county, sector)])",
        "gross = 1.0",
    ),
    (
        "a kind the sector refuses counted as an alternative",
        "waterplan/rules.py",
        "wanted = accepts - kinds if inside else accepts & kinds",
        'wanted = {"surface", "mine", "spring", "groundwater_porous"} - kinds if inside else kinds',
    ),
    (
        "a shortage beside unused mine water not counted",
        "waterplan/rules.py",
        "short = 0.0 if inside else t.short.get((county, sector), 0.0)",
        "short = 0.0",
    ),
    (
        "the order inside a takes_first rule ignored",
        "waterplan/rules.py",
        "return theirs is None or mine is None or theirs > mine",
        "return True",
    ),
    (
        "kinds another rule gives first counted as other water",
        "waterplan/rules.py",
        "firsts = first_kinds(t.scenario, sector) | set(rule.kinds)",
        "firsts = set(rule.kinds)",
    ),
    (
        "a rule takes water from a higher priority",
        "waterplan/rules.py",
        "if spec.sectors[other].priority <= spec.sectors[sector].priority:",
        "if False:",
    ),
    ("the rule checks' tolerance a hundredfold", "waterplan/rules.py", "TOL = 0.05\n", "TOL = 5.0\n"),
    # statuses (waterplan/results.py, waterplan/status.py)
    (
        "binding set for rows outside the LP",
        "waterplan/results.py",
        '"binding": c.in_lp and abs(j.row_slack) <= tolerance(c.value),',
        '"binding": abs(j.row_slack) <= tolerance(c.value),',
    ),
    (
        "the status tolerance a hundredfold",
        "waterplan/status.py",
        "return max(1.0, abs(target)) * 1e-6",
        "return max(1.0, abs(target)) * 1e-4",
    ),
    ("the status tolerance zero", "waterplan/status.py", "return max(1.0, abs(target)) * 1e-6", "return 0.0"),
    # a target held at a higher priority's expense (waterplan/sacrifice.py)
    ("a cut demand never reported", "waterplan/sacrifice.py", 'if nd["priority"] < where and cut > TOL:', "if False:"),
    (
        "a target's place the highest priority it counts",
        "waterplan/sacrifice.py",
        "return max(chosen) if chosen else None",
        "return min(chosen) if chosen else None",
    ),
    ("a hard limit warned about", "waterplan/sacrifice.py", 'if c.rank == "hard":', "if False:"),
    (
        "a goal ranked after a priority held as a hard row",
        "waterplan/model.py",
        'if c.attribute == "expected" or c.goal_after is not None:',
        'if c.attribute == "expected":',
    ),
    # the objective's preference and rule weights (waterplan/objective.py)
    (
        "source preference reversed",
        "waterplan/objective.py",
        '_add(pref, expr, source_rank(scenario, G.nodes[d]["sector"], G.nodes[s]["source_kind"]))',
        '_add(pref, expr, -source_rank(scenario, G.nodes[d]["sector"], G.nodes[s]["source_kind"]))',
    ),
    (
        "a sector's own preference ignored",
        "waterplan/objective.py",
        "order = list(spec.sectors[sector].prefers)",
        "order = []",
    ),
    (
        "the order of a rule's sectors not weighted",
        "waterplan/objective.py",
        "_add(coef, expr, float(len(rule.sectors) - at))",
        "_add(coef, expr, 1.0)",
    ),
    # ensemble statistics (waterplan/ensemble.py)
    ("a share's interval above 1", "waterplan/ensemble.py", "+ half).clip(upper=1.0)", "+ half)"),
    (
        "Wilson interval centred on p",
        "waterplan/ensemble.py",
        "centre = (p + z * z / (2 * n)) / (1 + z * z / n)",
        "centre = p",
    ),
    (
        "Wilson interval without the z²/4n² term",
        "waterplan/ensemble.py",
        "half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)",
        "half = z * np.sqrt(p * (1 - p) / n) / (1 + z * z / n)",
    ),
    # ratios, leakage, plants, storage, units
    (
        "a utilisation rate over other plants accepted",
        "waterplan/constraints.py",
        "_same_plants(lhs, rhs, fname, where, problems)",
        "pass",
    ),
    (
        "leakage not counted on routes without a distribution line",
        "waterplan/network.py",
        'if leak is None or sector not in leak.applies_to or kind in ("distribution", "reclaimed_pipe"):',
        "if True:",
    ),
    (
        "a plant's treated volume what its reclaimed line needs",
        "waterplan/tables.py",
        "treated = np.minimum(collected, np.where(np.isnan(capacity), np.inf, capacity))",
        "treated = collected",
    ),
    ("a cyclic horizon ends anywhere", "waterplan/monthly/full.py", "lb[last] = max(lb[last], before[r])", "pass"),
    (
        "each year's storage drawn from the initial storage",
        "waterplan/monthly/results.py",
        "            start = end\n",
        "            pass\n",
    ),
    (
        "a yearly volume shrunk to 365 days",
        "waterplan/units.py",
        "return per_year if q.per_year else per_year * (365.0 / 365.25)",
        "return per_year * (365.0 / 365.25)",
    ),
    (
        "a rise against the plan's direction not flagged",
        "waterplan/compare.py",
        'sign = 1.0 if direction == "falling" else -1.0',
        "sign = -1.0",
    ),
    # --- issue 24: nothing lost, nothing hangs, no traceback
    (
        "a link replaced",
        "waterplan/outputs.py",
        "    if out.is_symlink():\n        raise refuse(",
        "    if False:\n        raise refuse(",
    ),
    (
        "a named pipe written into",
        "waterplan/outputs.py",
        "if out.exists() and not (out.is_dir() or out.is_file()):",
        "if False:",
    ),
    (
        "a marker by another program taken as waterplan's",
        "waterplan/outputs.py",
        'or marker["written_by"] != _WRITTEN_BY:',
        ":",
    ),
    (
        "a user's map replaced",
        "waterplan/printmap.py",
        'return bool(im.format == "PNG" and im.info.get("Software") == PRINT_CREATOR)',
        "return True",
    ),
    (
        "an edited network GeoPackage replaced",
        "waterplan/layers.py",
        "return stored == [(_digest(db),)]",
        "return True",
    ),
    (
        "the network being read replaced",
        "waterplan/layers.py",
        "if out.exists() and out.resolve() == Path(network).resolve():",
        "if False:",
    ),
    (
        "layers without a CRS read as they are",
        "waterplan/layers.py",
        "if gdf.crs is None and len(gdf) and gdf.geometry.notna().any():",
        "if False:",
    ),
    ("a pipe or device read", "waterplan/textio.py", "if not stat.S_ISREG(st.st_mode):", "if False:"),
    ("a huge file read whole", "waterplan/textio.py", "if st.st_size > limit:", "if False:"),
    ("YAML aliases unbounded", "waterplan/reading.py", "if self._aliases > MAX_YAML_ALIASES:", "if False:"),
    ("YAML nesting unbounded", "waterplan/reading.py", "if self._depth > MAX_YAML_DEPTH:", "if False:"),
    (
        "an alias bomb expanded",
        "waterplan/reading.py",
        "if node is not None and _expanded_size(node) > MAX_YAML_NODES:",
        "if False:",
    ),
    ("a merge key refused", "waterplan/reading.py", "if key_node.tag == _MERGE_TAG:", "if False:"),
    ("extends unbounded", "waterplan/reading.py", "if len(chain) >= MAX_EXTENDS:", "if False:"),
    (
        "a volume past meaning accepted",
        "waterplan/units.py",
        "if volume is not None and abs(volume) > MAX_VOLUME_10K_M3:",
        "if False:",
    ),
    (
        "a loss of 1 accepted",
        "waterplan/network.py",
        "if not 0.0 <= v <= (MAX_LOSS if below_one else 1.0):",
        "if not 0.0 <= v <= 1.0:",
    ),
    (
        "true read as 1 and '1' as 1",
        "waterplan/spec.py",
        'model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)',
        'model_config = ConfigDict(extra="forbid")',
    ),
    ("a month given twice kept", "waterplan/hydrology.py", 'elif (r["source"], month) in first:', "elif False:"),
    ("month 13 read", "waterplan/hydrology.py", "if not m or not 1 <= int(m[2]) <= 12:", "if not m:"),
    (
        "a scenario's name used as a file name",
        "waterplan/outputs.py",
        'return _UNSAFE.sub("_", name).strip("._")[:80] or "unnamed"',
        "return name",
    ),
    (
        "a variant's name used as a folder name",
        "waterplan/ensemble.py",
        "return isinstance(name, str) and bool(VARIANT_NAME.match(name))",
        "return True",
    ),
    (
        "variants not checked before the members",
        "waterplan/ensemble.py",
        "build_graph(load_scenario(scenario, overrides=ov or {}))",
        "pass",
    ),
    ("a silent scheduler waited on", "waterplan/ensemble.py", "thread.join(timeout + 5.0)", "thread.join()"),
    ("failed members not in the exit code", "waterplan/cli.py", "    if failed:", "    if False:"),
    (
        "an unforeseen fault as a traceback",
        "waterplan/cli.py",
        '_say(tr("Internal error"), f"{type(exc).__name__}: {first} — {why}", EXIT_INTERNAL)',
        "raise",
    ),
    (
        "two scenarios of one name compared",
        "waterplan/compare.py",
        "if stem in seen and seen[stem][1] != sc.path.resolve():",
        "if False:",
    ),
    # the tiers proven from the basis (engine.Tiered's certified path)
    (
        "a move off the upper bound read as off the lower",
        "waterplan/engine.py",
        "np.where(up, 1.0, -1.0)",
        "np.where(up, 1.0, 1.0)",
    ),
    (
        "a free entry's moves not counted",
        "waterplan/engine.py",
        "better = has & ((signed[np.arange(len(first)), first] < 0) | free)",
        "better = has & (signed[np.arange(len(first)), first] < 0)",
    ),
    (
        "the proof's tolerance far too loose",
        "waterplan/engine.py",
        "CERTIFY_TOLERANCE, HIGHS_DUAL_TOLERANCE = 1e-9, 1e-7",
        "CERTIFY_TOLERANCE, HIGHS_DUAL_TOLERANCE = 1e-1, 1e-7",
    ),
    (
        "the held rows' prices left out of the reduced costs",
        "waterplan/engine.py",
        "D -= self.tier_matrix[:, :nh] @ Y[m0:]",
        "pass",
    ),
    (
        "a tier's prices never solved from the basis",
        "waterplan/engine.py",
        "for t in np.flatnonzero(CB.any(axis=0)):",
        "for t in np.flatnonzero(CB.any(axis=0))[:0]:",
    ),
    ("a proven tier not held for the stages after it", "waterplan/engine.py", "held.append(self.fix_rows[k])", "pass"),
    (
        "the proof reads the first month's bounds every month",
        "waterplan/monthly/myopic.py",
        "tiered.bounds = (self.lo, self.hi, self.rlo, self.rhi)",
        "tiered.bounds = tiered.bounds or (self.lo.copy(), self.hi.copy(), self.rlo.copy(), self.rhi.copy())",
    ),
    (
        "the first solve's weights not ranking the preference over the cost",
        "waterplan/engine.py",
        'secondary += (PROBE_PREFERENCE if self.kinds[i] == "preference" else 1.0) * c / max(top, 1e-12)',
        "secondary += c / max(top, 1e-12)",
    ),
    (
        "a tier the weighted solve left short never weighted up",
        "waterplan/engine.py",
        "                self._widen(proven)",
        "                pass",
    ),
    ("a learnt gap ignored in the weights", "waterplan/engine.py", "w *= (gaps or {}).get(p, 1.0)", "w *= 1.0"),
    (
        "the equity tiers left out of the weighted solves",
        "waterplan/engine.py",
        "ranks[i] = self.priorities[i] + 0.25  # type: ignore[operator]",
        "pass",
    ),
    (
        "the last proof's reduced costs reused after the matrix changed",
        "waterplan/engine.py",
        "and np.array_equal(self.last_reduced[1], vals)",
        "and True",
    ),
    (
        "the last proof's reduced costs reused at another basis",
        "waterplan/engine.py",
        "key = (tuple(tiers), basic.tobytes())",
        "key = (tuple(tiers),)",
    ),
    (
        "a monthly table's labels held once a row",
        "waterplan/tables.py",
        "    if h.T > 1:  # a label repeated every period: held once (categories), not once a row",
        "    if False:",
    ),
    (
        "the mean year keeping a monthly run's categories",
        "waterplan/tables.py",
        "            g[c] = g[c].astype(g[c].cat.categories.dtype)",
        "            pass",
    ),
    (
        "HiGHS's banner printed on the first model",
        "waterplan/engine.py",
        "        with _stdout_silenced():",
        "        with contextlib.nullcontext():",
    ),
    (
        "an unreachable demand passed over without a word",
        "waterplan/_validate.py",
        '            G.graph.setdefault("warnings", []).append(',
        "            [].append(",
    ),
    ("strict: true ignored", "waterplan/_validate.py", "        if not scenario.spec.strict:", "        if True:"),
    (
        "a demand supplied nothing left out of the run's warnings",
        "waterplan/results.py",
        "            *unserved_warnings(sol.model.G, sc, sol.model.unservable),",
        "",
    ),
    (
        "the sector synonyms ignored",
        "waterplan/vocabulary.py",
        "for word, key in SECTOR_SYNONYMS.items():",
        "for word, key in {}.items():",
    ),
    (
        "full-width letters and case counted in a sector's name",
        "waterplan/vocabulary.py",
        'return unicodedata.normalize("NFKC", str(text)).strip().casefold()',
        "return str(text).strip()",
    ),
    (
        "a list split at commas only",
        "waterplan/vocabulary.py",
        're.compile(r"\\s*[,、;]\\s*")',
        're.compile(r"\\s*[,]\\s*")',
    ),
    (
        "no closest name proposed",
        "waterplan/vocabulary.py",
        'near = closest_sector(text, sectors)\n    hint = tr("did you mean {near}? ", near=near) if near else ""',
        'near = closest_sector(text, sectors)\n    hint = ""',
    ),
    (
        "the map's scale bar in miles too",
        "waterplan/maps.py",
        "L.control.scale({imperial: false, metric: true})",
        "L.control.scale({imperial: true, metric: true})",
    ),
    (
        "the map without county names",
        "waterplan/maps.py",
        "    _add_county_labels(fmap, gdf, lang)\n    folium.LayerControl(collapsed=True).add_to(fmap)  # opens",
        "    folium.LayerControl(collapsed=True).add_to(fmap)  # opens",
    ),
    ("the map without the network's legend", "waterplan/maps.py", "{_network_legend(G, lang)}", ""),
    (
        "a focus rectangle drawn round a clicked county",
        "waterplan/maps.py",
        '".leaflet-interactive:focus,.leaflet-container :focus{outline:none}"',
        '""',
    ),
    (
        "the Chinese font settings empty",
        "waterplan/printmap.py",
        "    return font_rc()\n\n\ndef font_rc",
        "    return {}\n\n\ndef font_rc",
    ),
    (
        "a GBK Shapefile written in UTF-8",
        "waterplan/export.py",
        'short.to_file(staged / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)',
        'short.to_file(staged / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")',
    ),
    ("QGIS styles without field aliases", "waterplan/styles.py", 'if rows else ""', 'if False else ""'),
    (
        "QGIS categories labelled by their codes",
        "waterplan/styles.py",
        'label="{_label(NODE_KIND_NAMES, kind)}"',
        'label="{kind}"',
    ),
    (
        "a log's progress lines written in place",
        "waterplan/progress.py",
        'line = text.replace("\\r", "").strip()',
        "line = text",
    ),
    (
        "progress lines only at the start and the end",
        "waterplan/progress.py",
        "mininterval=PERIOD,",
        "mininterval=3600,",
    ),
    (
        "the scaffold without its examples of targets",
        "waterplan/scaffold.py",
        "COOKBOOK_CONSTRAINTS=_commented(COOKBOOK_CONSTRAINTS),",
        'COOKBOOK_CONSTRAINTS="",',
    ),
    ("a missing lever said on every row", "waterplan/demands.py", "    _once(problems, start, fname)\n", ""),
    (
        "a county name that disagrees with its code passed over",
        "waterplan/demands.py",
        "if by_name != adcode:",
        "if False:",
    ),
    (
        "the help not translated",
        "waterplan/cli.py",
        '            if language() == "zh":\n                _translate(self)',
        "            pass",
    ),
    ("the locale ignored", "waterplan/i18n.py", "            return _normal(value)", '            return "en"'),
    (
        "the --lang of the command line ignored",
        "waterplan/cli.py",
        '        chosen = given in ("zh", "en")',
        "        chosen = False",
    ),
    (
        "a problem naming our column, not the user's header",
        "waterplan/demands.py",
        '    _as_written(problems, start, raw.attrs.get("headers", {}))\n',
        "",
    ),
    (
        "coverage of no demand printed as nan%",
        "waterplan/report/annual.py",
        'if demand > 0 else "— (无需水 no demand)"',
        'if True else ""',
    ),
    (
        "a problem's sentence not translated",
        "waterplan/_errors.py",
        """return tr("{file}: field '{field}' = {value!r}: {expected}", file=file,""",
        """return "{file}: field '{field}' = {value!r}: {expected}".format(file=file,""",
    ),
    ("the catalogue never read", "waterplan/i18n.py", "text = gettext(template)", "text = template"),
    (
        "pydantic's English kept",
        "waterplan/reading.py",
        'return said() if said else str(err["msg"])',
        'return str(err["msg"])',
    ),
    (
        "binds_with: disjoint water counted as shared",
        "waterplan/results.py",
        "not counted[o].isdisjoint(flows)",
        "counted[o].isdisjoint(flows)",
    ),
    (
        "binds_with: targets named that do not bind",
        "waterplan/results.py",
        'bound = set(indicators.loc[indicators["binding"].eq(True), "id"]) & set(counted)',
        "bound = set(counted)",
    ),
    (
        "the command line's usage errors left in English",
        "waterplan/cli.py",
        '_say(tr("Usage error"), _usage(exc, ctx), EXIT_INPUT)',
        "pass",
    ),
    (
        "an unreachable demand named in English in Chinese",
        "waterplan/_validate.py",
        'zh = language() == "zh"',
        "zh = False",
    ),
    (
        "the report's note silent on the caps that hold the same water",
        "waterplan/report/annual.py",
        'out += f" [同一部分水量先受 {others} 约束 the same water is held first by {others}]"',
        "pass",
    ),
    ("a kind typed in Chinese kept as typed", "waterplan/constraints.py", "out.append(key or k)", "out.append(k)"),
    (
        "the map silent on a county no source reaches",
        "waterplan/maps.py",
        'cut = balance[balance["reachable"].eq(False) & (balance["demand_10k_m3"] > 0)]',
        'cut = balance[balance["reachable"].eq(False) & (balance["demand_10k_m3"] < 0)]',
    ),
    (
        "the workbench serves a path outside the project",
        "waterplan/app.py",
        "if not path.is_relative_to(self.folder) or not (path.is_dir() if folder else path.is_file()):",
        "if not (path.is_dir() if folder else path.is_file()):",
    ),
    ("the workbench takes a cross-site POST", "waterplan/app.py", "xsrf_cookies=True,", "xsrf_cookies=False,"),
    (
        "the workbench runs two at once",
        "waterplan/jobs.py",
        'if any(j.status == "running" for j in self.jobs.values()) or not self.waiting:',
        "if not self.waiting:",
    ),
    (
        "the workbench shows a title unescaped",
        "waterplan/app.py",
        "<title>{e(title)}</title>",
        "<title>{title}</title>",
    ),
    (
        "an edit keeps no earlier version",
        "waterplan/edit.py",
        '(keep / f"{time.time_ns()}{target.suffix}").write_bytes(target.read_bytes())',
        "pass",
    ),
    (
        "an edit saved unchecked",
        "waterplan/edit.py",
        "check(Path(tmp))  # the same checks",
        "(Path(tmp))  # the same checks",
    ),
    ("an edit re-wraps the user's long lines", "waterplan/edit.py", "y.width = 4096", "y.width = 80"),
    (
        "a reset deletes a target only the child has",
        "waterplan/edit.py",
        "if parent and tid not in {c.id for c in load_scenario(path.parent / str(parent)).constraints}:",
        "if False:",
    ),
    ("a new scenario over an existing file", "waterplan/edit.py", "if path.exists() or not", "if not"),
    ("a new scenario's name not checked", "waterplan/edit.py", 'r"[\\w\\-.\\u4e00-\\u9fff]{1,80}"', 'r".{1,80}"'),
    ("a cancelled run goes on", "waterplan/jobs.py", "job.proc.terminate()", "pass"),
    (
        "a sweep's points not overridden",
        "waterplan/sweep.py",
        "load_scenario(scenario, overrides=change)",
        "load_scenario(scenario, overrides=None)",
    ),
    ("a sweep of one value", "waterplan/sweep.py", "if steps < 2 or steps > 50:", "if steps > 50:"),
    (
        "the scenario page without the last run's statuses",
        "waterplan/app.py",
        "    if not ind.is_file():\n        return {}",
        "    if True:\n        return {}",
    ),
    (
        "the results page counts statuses wrongly",
        "waterplan/app_pages.py",
        'counts = ind["status"].value_counts()',
        'counts = ind["status"].value_counts().iloc[:1]',
    ),
    (
        "results read back with blanks as NaN",
        "waterplan/results.py",
        'df[col] = df[col].fillna("")',
        "pass",
    ),
    ("a check writes the file", "waterplan/edit.py", "        if dry_run:\n            return\n", ""),
    (
        "a refused edit names the temporary copy",
        "waterplan/edit.py",
        "file=p.file.replace(name, target.name)",
        "file=p.file",
    ),
    (
        "a lever set blank stays as an empty entry",
        "waterplan/edit.py",
        "            del block[name]",
        "            pass",
    ),
    (
        "the network view places no warning",
        "waterplan/maps.py",
        "        where = _place(w, G, points)",
        "        where = None",
    ),
    (
        "nothing checked as typed",
        "waterplan/app_pages.py",
        "querySelectorAll('form.live')",
        "querySelectorAll('form.x')",
    ),
    (
        "a Chinese file name unquoted in links",
        "waterplan/app.py",
        "return html.escape(quote(path))",
        "return html.escape(path)",
    ),
    (
        "the demand grid pastes rows as one column",
        "waterplan/edit.py",
        'dialect="excel-tab" if "\\t" in text else "excel"',
        'dialect="excel"',
    ),
    (
        "the shipped unit table not read (pint imported on every run)",
        "waterplan/units.py",
        "shipped = _table().get(unit.strip())",
        "shipped = None",
    ),
    (
        "a flow read per second of a year of 365.25 days",
        "waterplan/units.py",
        "return per_year if q.per_year else per_year * (365.0 / 365.25)",
        "return per_year",
    ),
    (
        "a quota's unit divided instead of multiplied",
        "waterplan/units.py",
        "dims[dim] = dims.get(dim, 0) + power",
        "dims[dim] = dims.get(dim, 0) - power",
    ),
    (
        "the county index keeps one adcode per name",
        "waterplan/boundaries.py",
        "index.setdefault(key, {})[code] = None",
        "index[key] = {code: None}",
    ),
    (
        "a county's popup from every county's rows",
        "waterplan/maps.py",
        "r.adcode, str(getattr(r, name_col)), by_county.get(r.adcode, bal.iloc[:0]),",
        "r.adcode, str(getattr(r, name_col)), bal,",
    ),
    (
        "a command runs with the collector's default threshold",
        "waterplan/cli.py",
        "gc.set_threshold(COMMAND_GC_THRESHOLD, *collecting[1:])",
        "pass",
    ),
    (
        "a command leaves the collector's threshold raised",
        "waterplan/cli.py",
        "            gc.set_threshold(*collecting)\n",
        "            pass\n",
    ),
    (
        "the myopic loop applies no month's changes to its bounds",
        "waterplan/monthly/myopic.py",
        "lo[c], hi[c] = self.col_lo_t[t], self.col_hi_t[t]",
        "pass",
    ),
    (
        "the horizon's bounds kept after the myopic loop took its changes",
        "waterplan/monthly/periods.py",
        "self.lb, self.ub, self.row_lo, self.row_hi, self.share = empty, empty, empty, empty, empty",
        "pass",
    ),
    (
        "the tables' header written again for every part",
        "waterplan/tables.py",
        "df.to_csv(f, index=False, header=k == 0)",
        "df.to_csv(f, index=False, header=True)",
    ),
    (
        "each part of the tables overwrites the one before",
        "waterplan/tables.py",
        'with open(path, "w" if k == 0 else "a", encoding="utf-8", newline="") as f:',
        'with open(path, "w", encoding="utf-8", newline="") as f:',
    ),
    (
        "a part of the horizon takes the first months' demand",
        "waterplan/tables.py",
        "demand=self.demand[t0:t1]",
        "demand=self.demand[: t1 - t0]",
    ),
    (
        "the mean year's parts not summed together",
        "waterplan/tables.py",
        "_sums(pd.concat(sums[name], ignore_index=True), keys)",
        "pd.concat(sums[name], ignore_index=True)",
    ),
    (
        "the demand share of month t read from January",
        "waterplan/monthly/periods.py",
        "month_share = share[np.ix_(np.arange(T) % 12, d)]",
        "month_share = share[np.ix_(np.zeros(T, dtype=int), d)]",
    ),
    (
        "the monthly shortage chart's sectors taken in the wrong order",
        "waterplan/charts.py",
        "short = res.shortage.T.groupby(sector_zh, sort=True).sum().T",
        "short = res.shortage.T.groupby(sector_zh[::-1], sort=True).sum().T",
    ),
    (
        "the exceedance curve of yearly shortage drawn from months",
        "waterplan/charts.py",
        "yearly = total.groupby(total.index.str[:4]).sum()",
        "yearly = total.groupby(total.index.str[:7]).sum()",
    ),
    (
        "a start's crossover before HiGHS's scheduler runs",
        "waterplan/engine.py",
        "        _scheduler_started()\n        if self.h.crossover(point)",
        "        if self.h.crossover(point)",
    ),
    (
        "the start's storage and spill swapped",
        "waterplan/monthly/full.py",
        "x[lp.block.storage_col[r]] = loop.x[:, loop.storage_cols[k]]",
        "x[lp.block.storage_col[r]] = loop.x[:, loop.spill_cols[k]]",
    ),
    (
        "a month's row prices taken from the month before",
        "waterplan/monthly/full.py",
        "y[: T * len(month_rows)] = loop.row_dual[:, month_rows].ravel()",
        "y[: T * len(month_rows)] = np.roll(loop.row_dual[:, month_rows], 1, axis=0).ravel()",
    ),
    (
        "the reservoirs' balance prices left out of the start",
        "waterplan/monthly/full.py",
        "y[lp.block.row[r]] = loop.row_dual[:, tpl.n_rows + k]",
        "y[lp.block.row[r]] = 0.0",
    ),
    (
        "the columns' prices with the wrong sign",
        "waterplan/engine.py",
        "point.col_dual = cost - np.bincount(",
        "point.col_dual = cost + np.bincount(",
    ),
    (
        "a long horizon not started from the myopic run",
        "waterplan/monthly/full.py",
        'n_cols > START_ABOVE and objective == "weighted"',
        'n_cols < START_ABOVE and objective == "weighted"',
    ),
    (
        "the start's end storage not brought inside its bounds",
        "waterplan/monthly/full.py",
        "    np.clip(x, lp.col_lb, lp.col_ub, out=x)",
        "    pass",
    ),
    (
        "a start HiGHS could not use reported as used",
        "waterplan/engine.py",
        "            self.h.clearSolver()\n            return",
        "            self.h.clearSolver()",
    ),
    (
        "the myopic run's refusal of a month passed on to a full horizon",
        "waterplan/monthly/full.py",
        "        except InfeasibleError:  # a month the myopic run cannot plan",
        "        except ValueError:  # a month the myopic run cannot plan",
    ),
    (
        "a monthly run's manifest not saying how its LP was solved",
        "waterplan/manifest.py",
        "        lp_method=res.lp_method,\n",
        "",
    ),
]


def run(index: int, workdir: Path) -> tuple[str, str]:
    what, rel, old, new = MUTATIONS[index]
    path = workdir / rel
    original = path.read_text(encoding="utf-8")
    if original.count(old) != 1:
        return what, f"(mutation does not apply: {original.count(old)} matches)"
    path.write_text(original.replace(old, new), encoding="utf-8")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore", *TESTS],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, re.M)
    return what, failed[0] if failed else "NOT CAUGHT"


def main() -> None:
    chosen = [int(a) for a in sys.argv[1:]] or range(len(MUTATIONS))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "tree"
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
        for f in files:
            (work / f).parent.mkdir(parents=True, exist_ok=True)
            (work / f).write_bytes((ROOT / f).read_bytes())
        print("| # | breakage | file | first test that fails |")
        print("|---|---|---|---|")
        for i in chosen:
            what, caught = run(i, work)
            print(f"| {i} | {what} | `{MUTATIONS[i][1]}` | `{caught}` |", flush=True)


if __name__ == "__main__":
    main()
