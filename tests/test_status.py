"""The one place that decides a status, checked by hand: every word, at and beside the tolerance."""

from __future__ import annotations

import math

import pytest

from waterplan.scenario import Constraint, Selection
from waterplan.status import judge, judge_constraint, judge_guarantee


def _c(kind: str, value: float, attribute: str = "binding") -> Constraint:
    side = Selection(measure="use")
    rhs = Selection(measure="wastewater") if kind == "ratio_floor" else None
    return Constraint(id="t", name_zh="目标", name_en="t", type=kind, value=value, unit="万m³",
                      value_as_given=value, clause="c", lhs=side, rhs=rhs, attribute=attribute)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "target", "attribute", "lhs", "rhs", "status", "shown"),
    [
        ("ratio_floor", 0.30, "binding", 20.0, 100.0, "violated", 20.0),  # 20 % of 100 against 30 %
        ("ratio_floor", 0.30, "expected", 20.0, 100.0, "not met", 20.0),
        ("ratio_floor", 0.30, "binding", 31.0, 100.0, "met", 31.0),
        ("ratio_floor", 0.30, "binding", 2000.0, 10000.0, "violated", 20.0),  # a big numerator is not a big ratio
        ("cap", 100.0, "binding", 105.0, None, "violated", 105.0),
        ("cap", 100.0, "binding", 100.00005, None, "met", 100.00005),  # within one millionth
        ("cap", 100.0, "binding", 100.001, None, "violated", 100.001),
        ("floor", 100.0, "expected", 99.0, None, "not met", 99.0),
        ("level", 100.0, "expected", 101.0, None, "met", 101.0),
        ("allocation", 100.0, "expected", 100.0, None, "as planned", 100.0),
        ("allocation", 100.0, "expected", 90.0, None, "shifted", 90.0),
    ],
)
def test_a_constraint_is_judged_the_way_the_plan_words_it(kind, target, attribute, lhs, rhs, status, shown):
    j = judge_constraint(_c(kind, target, attribute), lhs, rhs)
    assert j.status == status
    assert j.value == pytest.approx(shown)
    assert j.unit == ("%" if kind == "ratio_floor" else "万m³")
    assert j.target == pytest.approx(target * 100 if kind == "ratio_floor" else target)
    assert j.deviation == pytest.approx(j.value - j.target)


def test_a_ratio_without_a_denominator_has_no_value():
    j = judge_constraint(_c("ratio_floor", 0.3), 0.0, 0.0)
    assert math.isnan(j.value) and j.status == "met"  # 0 ≥ 0.3 × 0: nothing to reuse, nothing missed


@pytest.mark.parametrize(
    ("rate", "target", "status"),
    [(0.96, 0.95, "met"), (0.95, 0.95, "met"), (0.9, 0.95, "not met"), (0.5, None, "no target"),
     (0.5, float("nan"), "no target")],
)  # fmt: skip
def test_a_guarantee_rate_is_judged_against_its_target(rate, target, status):
    assert judge_guarantee(rate, target) == status


def test_judge_reads_the_direction():
    assert judge(5, 4, "<=", "binding") == "violated" and judge(5, 4, ">=", "binding") == "met"


@pytest.mark.parametrize("target", [0.5, 100.0, 1.0e5])
@pytest.mark.parametrize(("relation", "attribute"), [("<=", "binding"), (">=", "binding"), (">=", "expected")])
def test_status_at_and_around_the_boundary(target, relation, attribute):
    """A figure at its target is met; within the tolerance (one millionth of the target, at least
    1e-6) on the wrong side it is met; twice the tolerance on the wrong side it is not; any distance
    on the right side is met. The tolerance is written here by hand, not read from the module."""
    tol = max(1.0, target) * 1e-6
    wrong = 1.0 if relation == "<=" else -1.0
    miss = "violated" if attribute == "binding" else "not met"
    assert judge(target, target, relation, attribute) == "met"
    assert judge(target + wrong * 0.5 * tol, target, relation, attribute) == "met"
    assert judge(target + wrong * 2.0 * tol, target, relation, attribute) == miss
    assert judge(target + wrong * 0.1 * target, target, relation, attribute) == miss
    assert judge(target - wrong * 0.1 * target, target, relation, attribute) == "met"


@pytest.mark.parametrize("target", [0.5, 100.0, 1.0e5])
def test_a_planned_allocation_is_as_planned_only_within_the_tolerance(target):
    tol = max(1.0, target) * 1e-6
    assert judge(target + 0.5 * tol, target, "=", "expected") == "as planned"
    assert judge(target - 0.5 * tol, target, "=", "expected") == "as planned"
    assert judge(target + 2.0 * tol, target, "=", "expected") == "shifted"
    assert judge(target - 2.0 * tol, target, "=", "expected") == "shifted"
