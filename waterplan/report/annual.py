"""The human-readable report of a run (Markdown and HTML), laid out like the plan's 指标清单."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import pandas as pd

from ..results import Results
from ..scenario import Scenario
from ._page import STATUS_ZH, illustrative, page, status_label

__all__ = ["STATUS_ZH", "indicator_table", "report_html", "report_markdown", "status_label", "what_binds"]

_ATTRIBUTE_ZH = {"binding": "约束性", "expected": "预期性"}


def _target_label(row: pd.Series, year: int) -> str:
    """The target as given, with its year where it is another year's figure and the stand-in label."""
    text = str(row["target_as_given"])
    y = row.get("year")
    if y is not None and y == y and int(y) != year:
        text += f" ({int(y)} 年目标 {int(y)} target)"
    if row.get("basis") == "illustrative":
        text += " [示意 illustrative stand-in]"
    return text


def _md(text: object) -> str:
    """User text as literal Markdown: no markup, no table breaks, no raw HTML."""
    t = str(text).replace("\r", " ").replace("\n", " ")
    for ch in "\\`*_[]<>|#":
        t = t.replace(ch, "\\" + ch)
    return t


def _md_table(df: pd.DataFrame) -> str:
    """A table whose text cells are user text (names, clauses, notes), escaped for Markdown."""
    return str(df.map(lambda v: _md(v) if isinstance(v, str) else v).to_markdown(index=False))


def _fmt(v: object, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (int, float)):
        if abs(v) < 0.5 * 10**-digits:
            v = 0.0  # no "-0.00"
        return f"{v:,.{digits}f}"
    return str(v)


def _stage_words(results: Results) -> dict[str, str]:
    """A stage's name with the sectors of its priority, in Chinese with English beside."""
    b = results.balance
    out: dict[str, str] = {}
    for p, g in b.groupby("priority"):
        names = ", ".join(dict.fromkeys(f"{zh} {en}" for zh, en in zip(g["sector_zh"], g["sector"], strict=True)))
        out[f"shortage of priority {p}"] = f"第{p}优先级缺水 shortage of priority {p} ({names})"
    return out


def what_binds(results: Results, *, top: int = 5) -> list[str]:
    """Plain sentences naming the binding targets, sources, pipes and plants, and what one more
    万m³ of each would buy."""
    out = []
    words = _stage_words(results)
    sp = results.shadow_prices
    physical = sp[sp["kind"].isin(["source", "edge", "plant"])] if len(sp) else sp
    if len(physical):
        best = physical.sort_values(["priority", "dual"]).drop_duplicates("id").head(top)
        what = {"source": "available at", "edge": "of capacity on", "plant": "of capacity at"}
        for r in best.itertuples():
            out.append(
                f"One more 万m³ {what[r.kind]} {r.name_zh} ({r.name_en}) would remove {abs(r.dual):.3f} 万m³ "
                f"of {words.get(r.stage, r.stage)}."
            )
    ind = results.indicators
    for r in ind[ind["kind"].isin(["cap", "floor", "ratio_floor", "level"])].itertuples():
        if (
            r.shadow_price_stage
            and isinstance(r.shadow_price, float)
            and abs(r.shadow_price) > 1e-9
            and r.shadow_price == r.shadow_price
        ):
            step = "+1 percentage point" if r.kind == "ratio_floor" else "+1 万m³"
            effect = "removes" if r.shadow_price < 0 else "adds"
            out.append(
                f"{r.indicator_zh} ({r.indicator_en}, {r.clause}) binds: {step} on its target "
                f"{effect} {abs(r.shadow_price):.3f} 万m³ of {words.get(r.shadow_price_stage, r.shadow_price_stage)}."
            )
    return out


#: 万m³ → the unit a target is written in, for showing its value the plan's way
_FROM_10K_M3 = {"亿m³": 1e-4, "亿立方米": 1e-4, "万m³": 1.0, "万立方米": 1.0, "m³": 1e4}


def _as_given(row: pd.Series) -> str:
    """A value in the unit its target is written in (亿m³ where the plan writes 亿m³)."""
    v = row["value"]
    if v is None or (isinstance(v, float) and v != v):
        return ""
    given = str(row.get("target_as_given") or "")
    if row["unit"] == "万m³":
        for unit, factor in _FROM_10K_M3.items():
            if given.endswith(f" {unit}") and isinstance(v, float) and v == v:
                digits = 2 if factor < 1 else 0
                return f"{_fmt(v * factor, digits)} {unit}"
        return f"{_fmt(v, 0)} 万m³"
    if row["unit"] == "%":
        return f"{_fmt(v, 1)} %"
    return _fmt(v, 2)


def _shown_unit(row: pd.Series) -> str:
    """The unit the report shows a row's figures in: the plan's (亿m³ where it writes 亿m³)."""
    given = str(row.get("target_as_given") or "")
    if row["unit"] == "万m³":
        for unit in _FROM_10K_M3:
            if given.endswith(f" {unit}"):
                return unit
    return str(row["unit"])


def _deviation(row: pd.Series) -> str:
    d = row["deviation"]
    if d is None or (isinstance(d, float) and d != d):
        return ""
    shown = _as_given(pd.Series({**row.to_dict(), "value": d}))
    return shown if shown.startswith("-") or shown.startswith("0") else "+" + shown


#: the groups of targets the plan's indicator list does not carry, after its own categories
_TEXT_GROUP = "正文目标 targets in the plan's text"
_RULE_GROUP = "分水规则 allocation rules"


def _listed_order(ind: pd.DataFrame) -> pd.DataFrame:
    """The rows in the plan's list order: its categories (指标类型) in the order of their first
    number, each by 序号; then the text's other targets, then its allocation rules, as the scenario
    lists them. Adds ``group``."""
    ind = ind.reset_index(drop=True)
    cat = ind["category"].fillna("").astype(str)
    no = pd.to_numeric(ind["list_no"], errors="coerce")
    group = [c or (_RULE_GROUP if k == "rule" else _TEXT_GROUP) for c, k in zip(cat, ind["kind"], strict=True)]
    listed = [g for g in dict.fromkeys(group) if g not in (_TEXT_GROUP, _RULE_GROUP)]
    first = {g: no[[x == g for x in group]].min() for g in listed}
    ranked = sorted(listed, key=lambda g: (first[g] if first[g] == first[g] else math.inf, listed.index(g)))
    rank = {g: i for i, g in enumerate([*ranked, _TEXT_GROUP, _RULE_GROUP])}
    key = pd.DataFrame({"g": [rank[g] for g in group], "no": no.fillna(math.inf), "i": range(len(ind))})
    order = key.sort_values(["g", "no", "i"]).index
    return ind.assign(group=group).loc[order].reset_index(drop=True)


def _plan_years(text: object) -> dict[int, str]:
    """``"2027: ≤ 9.94; 2030: ≤ 10.47"`` → {2027: "≤ 9.94", 2030: "≤ 10.47"}."""
    out: dict[int, str] = {}
    for part in str(text if isinstance(text, str) else "").split(";"):
        y, _, v = part.partition(":")
        if y.strip().isdigit():
            out[int(y)] = v.strip()
    return out


def _note(row: pd.Series) -> str:
    """A target's note, with the higher-priority water it cost where it cost any, and its rank."""
    out = str(row["reason"]) if isinstance(row["reason"], str) else ""
    cut = row.get("higher_priority_cut_10k_m3")
    if isinstance(cut, float) and cut == cut and cut > 0:
        out += (
            f" 以削减更高优先级用水 {cut:,.0f} 万m³ 为代价 / held by cutting higher-priority demands by "
            f"{cut:,.0f} 万m³ (sacrifices.csv)"
        )
    others = row.get("binds_with")
    if isinstance(others, str) and others:
        if row.get("binding") is True:
            out += f" [与 {others} 同时约束 binds together with {others}]"
        else:
            out += f" [同一部分水量先受 {others} 约束 the same water is held first by {others}]"
    rank = row.get("rank")
    if rank == "hard":
        out += " [红线 hard limit: ranks above every demand]"
    elif isinstance(rank, str) and rank:
        out += f" [排在优先级 {rank} 之后 pursued after priority {rank}]"
    return out.strip()


def indicator_table(ind: pd.DataFrame, year: int) -> pd.DataFrame:
    """The targets laid out like the plan's 指标清单: category, number, indicator, attribute, unit,
    base year, the list's figure for each target year (this run's year: the target as encoded),
    then this run's value, status, deviation, shadow price, where it is measured and the clause."""
    ind = _listed_order(ind)
    given = [_plan_years(t) for t in ind["plan_years"]]
    years = sorted({year, *(y for g in given for y in g)})
    shown_group = [g if i == 0 or g != ind["group"][i - 1] else "" for i, g in enumerate(ind["group"])]
    no = pd.to_numeric(ind["list_no"], errors="coerce")
    out = {
        "指标类型 category": shown_group,
        "序号 no.": [str(int(n)) if n == n else "" for n in no],
        "id": ind["id"],
        "指标 indicator": [f"{a} / {b}" for a, b in zip(ind["indicator_zh"], ind["indicator_en"], strict=True)],
        "属性 attribute": [_ATTRIBUTE_ZH.get(str(a), "") for a in ind["attribute"].fillna("")],
        "单位 unit": [_shown_unit(r) for _i, r in ind.iterrows()],
        "基准年 base year": [
            f"{int(y)}: {v}" if y == y else ""
            for y, v in zip(pd.to_numeric(ind["base_year"], errors="coerce"), ind["base_value"].fillna(""), strict=True)
        ],
    }
    for y in years:
        if y == year:
            out[f"{y} 年目标 target (this run)"] = [_target_label(r, year) for _i, r in ind.iterrows()]
        else:
            out[f"{y} 年目标 target"] = [g.get(y, "") for g in given]
    out |= {
        f"{year} 值 value": [_as_given(r) for _i, r in ind.iterrows()],
        "状态 status": [status_label(s) for s in ind["status"]],
        "偏差 deviation": [_deviation(r) for _i, r in ind.iterrows()],
        "影子价格 shadow price": [
            f"{_fmt(p, 3)} ({s})" if st and p == p else (f"— ({s})" if st else "")
            for p, s, st in zip(ind["shadow_price"], ind["shadow_price_stage"], ind["shadow_price_stage"], strict=True)
        ],
        "计量 measured": ind["measured_at"].fillna(""),
        "条款 clause": ind["clause"],
        "说明 note": [_note(r) for _i, r in ind.iterrows()],
    }
    return pd.DataFrame(out)


def _unit_notes(manifest: dict[str, Any]) -> list[str]:
    """What the run converted: flows read where a yearly volume is expected, and rate capacities."""
    out = [f"All volumes in {manifest.get('units', '万m³/yr')}."]
    n = manifest.get("capacities_given_as_rates", 0)
    if n:
        out.append(f"{n} capacities given as rates (万t/d, m³/s …) were read as yearly volumes over 365 days.")
    for r in manifest.get("flows_read_as_yearly_volumes", []):
        out.append(
            f"{r['file']}: field '{r['field']}' = {r['value']} {r['unit']} is a flow where a yearly volume is "
            "expected; it was read as a yearly volume over 365 days."
        )
    out += [f"Warning (network layers): {w}" for w in manifest.get("layout_warnings", [])]
    return out


def _sharing(scenario: Scenario, results: Results) -> str:
    """How the run shared the water, in words (priorities, equity, rules)."""
    by_p: dict[int, list[str]] = {}
    for name, sec in scenario.spec.sectors.items():
        by_p.setdefault(sec.priority, []).append(f"{sec.name_zh} {name}")
    order = "; ".join(f"{p}: {', '.join(v)}" for p, v in sorted(by_p.items()))
    text = (
        f"Priorities, served in order — {order}. Within a priority the shortage is shared in proportion: "
        "the shortage fractions of its demands are levelled as far as the network allows (the mean "
        "fraction over the worst half of the priority's demand volume is minimised), so a demand the "
        "network or a higher priority leaves without water does not hold the others back."
    )
    if scenario.spec.equity is False:
        text = f"Priorities, served in order — {order}. The equity rule is off in this scenario."
    b = results.balance
    if "reachable" in b and (~b["reachable"].astype(bool)).any():
        left = b[~b["reachable"].astype(bool)]
        text += (
            " No water can reach, so left out of the sharing: "
            + ", ".join(f"{r.county_zh} {r.sector}" for r in left.itertuples())
            + "."
        )
    rules = [
        t.id for t in scenario.spec.targets if t.rule is not None and t.rule.check == "takes_first" and t.rule.binds
    ]
    if rules:
        text += (
            " After each priority the plan's allocation rules for its sectors are applied ("
            + ", ".join(rules)
            + "); a rule never takes water from a user of the same or a higher priority."
        )
    return text


def _breaks(results: Results) -> list[str]:
    """The rule breaks as sentences (the evidence of a "broken" rule)."""
    b = results.rule_breaks
    if not len(b):
        return []
    out = []
    for r in b.sort_values("movable_10k_m3", ascending=False).head(20).itertuples():
        where = "was left unused" if r.went_to_sector == "unused" else f"went to {r.went_to_county} {r.went_to_sector}"
        out.append(
            f"{r.rule}: {r.county} {r.sector} could have taken {r.movable_10k_m3:,.1f} 万m³ of {r.source}, "
            f"which {where}"
        )
    return out


def _share(supplied: float, demand: float) -> str:
    """Coverage as the report prints it: "—" where there is no demand to cover (not "nan%")."""
    return f"{supplied / demand:.1%}" if demand > 0 else "— (无需水 no demand)"


def _plan(plan: str) -> str:
    return plan or "未填写 not given (the scenario's `plan:`)"


def _balance_columns(per: pd.DataFrame) -> dict[str, list[str]]:
    """Demand, supply, shortage and coverage of grouped balance rows, as the report prints them."""
    return {
        "需水 demand": [_fmt(v, 0) for v in per["demand_10k_m3"]],
        "供水 supplied": [_fmt(v, 0) for v in per["supplied_10k_m3"]],
        "缺水 shortage": [_fmt(v, 0) for v in per["shortage_10k_m3"]],
        "保障率 coverage": [_share(s, d) for s, d in zip(per["supplied_10k_m3"], per["demand_10k_m3"], strict=True)],
    }


def _sector_table(results: Results) -> pd.DataFrame:
    s = _summary(results)
    names = [f"{a} {b}" for a, b in zip(s["sector_zh"], s["sector"], strict=True)]
    return pd.DataFrame({"部门 sector": names, **_balance_columns(s)})


def _county_table(results: Results) -> pd.DataFrame:
    per = results.balance.groupby(["county", "county_zh", "county_en"], as_index=False)[
        ["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]
    ].sum()
    per["coverage"] = per["supplied_10k_m3"] / per["demand_10k_m3"]
    names = [f"{a} {b}" for a, b in zip(per["county_zh"], per["county_en"], strict=True)]
    return pd.DataFrame({"adcode": per["county"], "县 county": names, **_balance_columns(per)})


def _source_table(results: Results) -> pd.DataFrame:
    mix = results.sources.groupby("source_kind", as_index=False)["withdrawn_10k_m3"].sum()
    return pd.DataFrame(
        {"水源类型 kind": mix["source_kind"], "取水 withdrawn 万m³": [_fmt(v, 0) for v in mix["withdrawn_10k_m3"]]}
    )


def _summary(results: Results) -> pd.DataFrame:
    b = results.balance
    s = b.groupby(["sector", "sector_zh"], as_index=False)[
        ["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]
    ].sum()
    s["coverage"] = s["supplied_10k_m3"] / s["demand_10k_m3"]
    return s


def report_markdown(scenario: Scenario, results: Results, manifest: dict[str, Any]) -> str:
    """The report as Markdown."""
    spec = scenario.spec
    lines = [
        f"# {_md(spec.title_zh or spec.name)}",
        "",
        f"**{_md(spec.title_en)}** — scenario `{_md(spec.name)}`, year {spec.year}",
        f"Plan: {_md(_plan(spec.plan))}",
        "",
        "> Illustrative data: county demands and many network figures are derived or assumed "
        "(each with its derivation in the inputs); replace them with the bureau's own tables.",
        "",
    ]
    s = _summary(results)
    tot_d, tot_s = s["demand_10k_m3"].sum(), s["supplied_10k_m3"].sum()
    lines += [
        "## Summary 概况",
        "",
        f"Total demand {tot_d:,.0f} 万m³, supplied {tot_s:,.0f} 万m³, shortage {tot_d - tot_s:,.0f} 万m³ "
        f"(coverage {_share(tot_s, tot_d)}). Solver {manifest['solver']}, "
        f"{manifest['timings_s']['total']:.2f} s.",
        "",
    ]
    lines += [_sector_table(results).to_markdown(index=False), ""]
    if results.warnings:
        lines += ["## 警告 Warnings", "", *[f"- {_md(w)}" for w in results.warnings], ""]
    lines += [
        "## 指标清单 Compliance with the plan's targets",
        "",
        _md_table(indicator_table(results.indicators, spec.year)),
        "",
        "Statuses are computed from the results: 约束性 (binding) targets are met or violated, 预期性 "
        "(expected) targets met or not met with their deviation, planned allocations as planned or "
        "shifted, rules kept or broken (checked from the allocation, see rule_breaks.csv). "
        "[示意 illustrative stand-in] marks a figure that stands in for one the plan sets but does not publish.",
        "",
    ]
    breaks = _breaks(results)
    if breaks:
        lines += ["## Rules broken 规则未遵守", ""] + [f"- {_md(b)}" for b in breaks] + [""]
    lines += ["## Units 单位换算", "", *[f"- {_md(u)}" for u in _unit_notes(manifest)], ""]
    lines += ["## How water is shared 分水规则", "", _md(_sharing(scenario, results)), ""]
    binds = what_binds(results)
    lines += ["## What binds 约束分析", ""] + ([f"- {_md(b)}" for b in binds] or ["- No policy target binds."]) + [""]
    lines += ["## Counties 县域平衡 (万m³/yr)", "", _md_table(_county_table(results)), ""]
    lines += ["## Sources 水源结构 (万m³/yr)", "", _source_table(results).to_markdown(index=False), ""]
    return "\n".join(lines)


def report_html(
    scenario: Scenario,
    results: Results,
    manifest: dict[str, Any],
    *,
    image: bytes | None = None,
    charts: dict[str, bytes] | None = None,
) -> str:
    """The report as one self-contained HTML page: every table of the Markdown report, the print
    map (``image``, PNG bytes) and the charts (:func:`waterplan.charts.annual_charts`) embedded —
    no scripts, no external assets."""
    charts = charts or {}
    spec = scenario.spec
    e = html.escape
    s = _summary(results)
    tot_d, tot_s = s["demand_10k_m3"].sum(), s["supplied_10k_m3"].sum()

    def table(df: pd.DataFrame) -> str:
        return str(df.to_html(index=False, escape=True, classes="t"))

    def items(lines: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>"

    binds = items(what_binds(results) or ["No policy target binds."])
    breaks = _breaks(results)
    broken = f"<h2>Rules broken 规则未遵守</h2>{items(breaks)}" if breaks else ""

    def embed(data: bytes | None, alt: str) -> str:
        if not data:
            return ""
        return (
            f"<p><img src='data:image/png;base64,{base64.b64encode(data).decode('ascii')}' alt='{e(alt)}' "
            "style='max-width:100%'></p>"
        )

    picture = embed(image, "coverage map 供水满足率")
    body = (
        f"<p><b>{e(spec.title_en)}</b> — scenario <code>{e(spec.name)}</code>, year {spec.year}. "
        f"Plan: {e(_plan(spec.plan))}</p>{illustrative()}"
        f"<h2>Summary 概况</h2><p>Total demand {tot_d:,.0f} 万m³, supplied {tot_s:,.0f} 万m³, shortage "
        f"{tot_d - tot_s:,.0f} 万m³ (coverage {_share(tot_s, tot_d)}). Solver {e(manifest['solver'])}.</p>"
        f"{table(_sector_table(results))}{picture}{embed(charts.get('shortage'), 'shortage by county')}"
        f"{f'<h2>警告 Warnings</h2>{items(results.warnings)}' if results.warnings else ''}"
        f"<h2>指标清单 Compliance with the plan's targets</h2>{table(indicator_table(results.indicators, spec.year))}"
        f"{broken}"
        f"<h2>How water is shared 分水规则</h2><p>{e(_sharing(scenario, results))}</p>"
        f"<h2>Units 单位换算</h2>{items(_unit_notes(manifest))}"
        f"<h2>What binds 约束分析</h2>{binds}"
        f"<h2>Counties 县域平衡 (万m³/yr)</h2>{table(_county_table(results))}"
        f"<h2>Sources 水源结构 (万m³/yr)</h2>{table(_source_table(results))}"
        f"{embed(charts.get('source_mix'), 'source mix')}"
        f"<p>Map: <a href='map.html'>map.html</a>. Tables: allocation.csv, balance.csv, flows.csv, "
        f"sources.csv, indicators.csv, rule_breaks.csv.</p>"
    )
    return page(spec.name, spec.title_zh or spec.name, body)
