"""Write the target list of docs/data.md from the shipped scenarios: every target of the five plans
with its encoding (constraint type and relation, attribute, where it is measured, year, basis) or
its treatment (computed indicator, lever, rule with its check, not modelled with the reason), and
its source (the plan's clause).

The list sits between two marker lines in docs/data.md; a test checks that it is current.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from waterplan import load_scenario  # noqa: E402
from waterplan.results import measured_at  # noqa: E402
from waterplan.units import DRIVER_ALIASES, UNIT_ALIASES, is_flow  # noqa: E402

OUT = ROOT / "docs" / "data.md"
BEGIN = "<!-- targets: begin (written by tools/make_target_docs.py) -->"
END = "<!-- targets: end -->"
CITIES = {"taiyuan": "Taiyuan 太原 (seed 003)", "changzhi": "Changzhi 长治 (seeds 001, 000, 004)",
          "jincheng": "Jincheng 晋城 (seed 002)"}  # fmt: skip
SYM = {"cap": "≤", "floor": "≥", "ratio_floor": "≥", "level": "≥ (to reach)", "allocation": "= (planned, may shift)"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _constraint(c, year: int) -> tuple[str, str]:
    unit = c.unit
    value = f"{SYM[c.type]} {c.value_as_given:g} {unit}"
    if c.year and c.year != year:
        value += f" ({c.year} figure)"
    how = f"{c.type}, {'约束性 binding' if c.attribute == 'binding' else '预期性 expected'}; {measured_at(c)}" + (
        "; **illustrative stand-in**" if c.basis == "illustrative" else ""
    )
    return value, how


def _target(t, year: int) -> tuple[str, str]:
    held = f" ({t.year} figure)" if t.year and t.year != year else ""
    if t.status == "not_modelled":
        return _cell(t.target) + held, f"not modelled: {t.reason}"
    if t.rule is not None:
        r = t.rule
        kinds = f" {', '.join(r.kinds)}" if r.kinds else ""
        applied = "applied as a tier and " if r.check == "takes_first" and r.binds else ""
        return "rule", f"rule ({r.check}: {', '.join(r.sectors)}{kinds}), {applied}checked from the results"
    if t.status == "rule":
        return "rule", f"rule, not checked: {t.reason}"
    what = f"the scenario's lever `{t.lever}`" if t.lever else f"indicator `{t.indicator}` computed from the results,"
    return _cell(t.target) + held, f"{what} compared ({t.relation} {t.value:g})"


def render_targets() -> str:
    rows: dict[str, dict[str, list]] = defaultdict(dict)
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        sc = load_scenario(path)
        city = path.name.split("-")[0]
        for c in sc.constraints:
            value, how = _constraint(c, sc.year)
            rows[city].setdefault(c.id, [c.name_zh, c.clause, set(), set()])
            rows[city][c.id][2].add(f"{sc.name}: {value}")
            rows[city][c.id][3].add(how)
        for t in sc.spec.targets:
            value, how = _target(t, sc.year)
            rows[city].setdefault(t.id, [t.name_zh, t.clause, set(), set()])
            rows[city][t.id][2].add(f"{sc.name}: {value}")
            rows[city][t.id][3].add(how)
    lines = [
        BEGIN,
        "",
        "Every target of the five plans as the shipped scenarios encode it (written by "
        "`tools/make_target_docs.py` from `scenarios/*.yaml`). *Value* gives each scenario's figure "
        "(a figure of another year is marked so); *encoding* says how it enters the model and how its "
        "status is computed; *source* is the plan's clause.",
        "",
    ]
    for city, title in CITIES.items():
        lines += [
            f"### {title}",
            "",
            "| id | target | value by scenario | encoding | source |",
            "|---|---|---|---|---|",
        ]
        for tid, (zh, clause, values, hows) in rows[city].items():
            lines.append(
                f"| {tid} | {_cell(zh)} | {'<br>'.join(sorted(_cell(v) for v in values))} | "
                f"{'<br>'.join(sorted(_cell(h) for h in hows))} | {_cell(clause)} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


UNITS_BEGIN = "<!-- units: begin (written by tools/make_target_docs.py) -->"
UNITS_END = "<!-- units: end -->"


def render_units() -> str:
    volumes = [u for u in UNIT_ALIASES if not is_flow(u)]
    flows = [u for u in UNIT_ALIASES if is_flow(u)]
    return "\n".join(
        [
            UNITS_BEGIN,
            "",
            "Only these spellings are read; anything else is refused with this list.",
            "",
            f"- volumes (a yearly volume): {', '.join(f'`{u}`' for u in volumes)}",
            f"- flows (read over 365 days; the report lists each flow given where a volume is expected): "
            f"{', '.join(f'`{u}`' for u in flows)}",
            f"- quantities and quotas of the demand table: {', '.join(f'`{u}`' for u in DRIVER_ALIASES)}",
            "- ratios: `%` or `1`",
            "",
            UNITS_END,
        ]
    )


def _replace(text: str, begin: str, end: str, block: str, heading: str) -> str:
    if begin in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    return text.rstrip() + f"\n\n{heading}\n\n" + block + "\n"


def render() -> str:
    """docs/data.md with its unit list and target list brought up to date."""
    text = OUT.read_text(encoding="utf-8")
    text = _replace(text, UNITS_BEGIN, UNITS_END, render_units(), "## Units")
    return _replace(text, BEGIN, END, render_targets(), "## Every target and how it is encoded")


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
