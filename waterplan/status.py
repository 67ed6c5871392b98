"""The one place that decides a status, for every run kind: annual, each year of a monthly run,
guarantee rates, and the words the plan's rules are checked with.

Every status is computed from a value and its target, never written in:

* ``met`` — the figure is on the right side of its target (to a tolerance of one millionth);
* ``violated`` — a binding (约束性) target is missed; ``not met`` — an expected (预期性) one is;
* ``as planned`` / ``shifted`` — a planned allocation (配置) is or is not at its figure;
* ``kept`` / ``broken`` — a rule in words, checked from the results (:mod:`waterplan.rules`);
* ``not checked`` — a rule the plan states with no check from the results;
* ``not modelled`` — a target the model has no inputs for (its reason says why);
* ``no target`` — a figure reported without a target (a guarantee rate of a sector without one).

A ratio floor (e.g. reclaimed water used ÷ wastewater treated ≥ 30 %) is judged as the plan
defines it, numerator ≥ target × denominator, and shown as the ratio in %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .scenario import Constraint

__all__ = ["BROKEN", "KEPT", "STATUSES", "Judged", "judge", "judge_constraint", "judge_guarantee", "tolerance"]

KEPT, BROKEN = "kept", "broken"

#: every status a row of a result table can have, each computed from the results
STATUSES = (
    "met",
    "not met",
    "violated",
    "as planned",
    "shifted",
    KEPT,
    BROKEN,
    "not checked",
    "not modelled",
    "no target",
)

#: below this denominator (万m³) a ratio has no value
_NO_DENOMINATOR = 1e-6


def tolerance(target: float) -> float:
    """How far a figure may sit on the wrong side of its target and still count as on it."""
    return max(1.0, abs(target)) * 1e-6


def judge(value: float, target: float, relation: str, attribute: str) -> str:
    """The status of a figure against its target: ``met``; else ``violated`` (binding) or ``not met``
    (expected); for a planned allocation (``=``): ``as planned`` or ``shifted``."""
    if relation == "=":
        return "as planned" if abs(value - target) <= tolerance(target) else "shifted"
    ok = value <= target + tolerance(target) if relation == "<=" else value >= target - tolerance(target)
    if ok:
        return "met"
    return "violated" if attribute == "binding" else "not met"


@dataclass(frozen=True)
class Judged:
    """A policy constraint judged: the value and target as shown (万m³, or % for a ratio), the status,
    the slack as shown (how far inside the target; negative: outside) and in the row's own units
    (万m³: numerator − target × denominator for a ratio)."""

    value: float
    target: float
    unit: str
    status: str
    slack: float
    row_slack: float

    @property
    def deviation(self) -> float:
        return self.value - self.target


def judge_constraint(c: Constraint, lhs: float, rhs: float | None) -> Judged:
    """Judge a policy constraint from the values of its two sides (``rhs``: a ratio's denominator)."""
    if c.type == "ratio_floor":
        den = float(rhs or 0.0)
        row_slack = lhs - c.value * den
        ratio = lhs / den if den > _NO_DENOMINATOR else math.nan
        return Judged(
            value=ratio * 100,
            target=c.value * 100,
            unit="%",
            status=judge(row_slack, 0.0, ">=", c.attribute),
            slack=(ratio - c.value) * 100,
            row_slack=row_slack,
        )
    slack = c.value - lhs if c.relation == "<=" else lhs - c.value
    return Judged(
        value=lhs, target=c.value, unit="万m³", status=judge(lhs, c.value, c.relation, c.attribute),
        slack=slack, row_slack=slack,
    )  # fmt: skip


def judge_guarantee(rate: float, target: float | None) -> str:
    """A supply guarantee rate (share of years fully supplied) against its sector's target, a design
    figure the allocation is checked against (not a row of the LP): ``met`` or ``not met``."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return "no target"
    return judge(rate, target, ">=", "expected")
