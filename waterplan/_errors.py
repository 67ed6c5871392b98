"""Exception hierarchy.

Every error a user can cause by editing a scenario, a data table or a layer is an
:class:`InputError` whose message names the file, the field and the value, and says what
would be valid. Validation collects every problem it finds and raises them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .i18n import N_, tr

__all__ = [
    "InfeasibleError",
    "InputError",
    "Problem",
    "SolverError",
    "WaterplanError",
]


class WaterplanError(Exception):
    """Base class of every error waterplan raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what it is, and what would be valid."""

    file: str
    field: str
    value: object
    expected: str

    def __str__(self) -> str:
        file, field = (_as_said(x) for x in (self.file, self.field))
        return tr("{file}: field '{field}' = {value!r}: {expected}", file=file, field=field, value=self.value,
                  expected=self.expected)  # fmt: skip


#: the places that are not a file or a key the user wrote (said in the chosen language)
_PLACES = frozenset(
    (N_("(file)"), N_("(files)"), N_("(header)"), N_("(encoding)"), N_("(CRS)"), N_("(top level)"), N_("(layer)"),
     N_("(variant name)"), N_("<command line>"), N_("<argument>"), N_("<options>"), N_("<inflow series>"),
     N_("<overrides>"), N_("<variants>"))
)  # fmt: skip


def _as_said(text: str) -> str:
    return tr(text) if text in _PLACES else text


class InputError(WaterplanError):
    """Bad input: a scenario, table or layer holds something that cannot be used."""

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        if len(self.problems) == 1:
            msg = str(self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            msg = tr("{0} problems in the input:\n{lines}", len(self.problems), lines=lines)
        super().__init__(msg)


class InfeasibleError(WaterplanError):
    """The policy targets (or the network) cannot all hold at once.

    ``conflicts`` lists ``(constraint_id, clause, amount, unit, explanation)`` rows from the
    elastic re-solve: how much each target would have to give for the rest to hold.
    """

    def __init__(self, msg: str, conflicts: list[dict[str, object]] | None = None) -> None:
        self.conflicts = conflicts or []
        super().__init__(msg)


class SolverError(WaterplanError):
    """The LP solver failed for a reason other than infeasibility."""


def raise_if(problems: list[Problem]) -> None:
    """Raise one :class:`InputError` for all collected problems, if there are any."""
    if problems:
        raise InputError(problems)
