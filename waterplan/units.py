"""Units of water volume and flow, converted with pint.

The model works in 万m³ per year (``10k_m3``). Scenario files and tables give every number
with its unit, in one of the documented spellings (:data:`UNIT_ALIASES`, :data:`DRIVER_ALIASES`:
the plans' own words — 亿m³, 万m³, 万t/d, m³/s … — and their common Chinese variants such as
万方, 立方米, 万吨/日); anything else is refused with the list. A volume without a time base is
read as a yearly volume; a flow rate is turned into a yearly volume over 365 days, and where a
flow is read the run's report says so (:func:`is_flow`). One tonne of water is one m³.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import InputError, Problem
from .i18n import tr

if TYPE_CHECKING:
    import pint

__all__ = [
    "DRIVER_ALIASES",
    "MODEL_UNIT",
    "UNIT_ALIASES",
    "is_flow",
    "quota_volume",
    "registry",
    "to_fraction",
    "to_model_volume",
]

MODEL_UNIT = "万m³/yr"

#: what each documented spelling is, in pint's base units, as pint computes it with :func:`registry`
#: (``tools/make_unit_table.py`` writes it; ``tests/test_speed_paths.py`` checks it against pint):
#: a run reads this table rather than importing pint, which costs a quarter of a second
_TABLE_FILE = Path(__file__).parent / "data" / "unit_table.json"
#: pint's year is the Julian year of 365.25 days (its default); a flow is read over 365 days
_SECONDS_PER_YEAR = 365.25 * 86400.0


def registry() -> pint.UnitRegistry[float]:
    """A pint registry with only the units the documented spellings use.

    (pint's full default registry takes most of a second to build.) A year is pint's default,
    the Julian year of 365.25 days.
    """
    import pint

    ureg: pint.UnitRegistry[float] = pint.UnitRegistry(None)
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


_DEFINITIONS = (
    "meter = [length] = m",
    "second = [time] = s",
    "day = 86400 * second = d",
    "year = 365.25 * day = a",
    "liter = 1e-3 * meter**3 = L",
    "hectometer = 100 * meter = hm",
    "wan_m3 = 1e4 * meter**3",
    "yi_m3 = 1e8 * meter**3",
    "tonne_water = meter**3",
    "wan_t = 1e4 * meter**3",
    "person = [population]",
    "mu = 10000 / 15 * meter**2",  # 1 亩 = 666.67 m²
    "yuan = [currency]",
)


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry[float]:
    return registry()


def __getattr__(name: str) -> Any:
    if name == "ureg":  # the registry, built when first asked for
        return _registry()
    raise AttributeError(name)


#: Plan spellings → pint expressions.
UNIT_ALIASES: dict[str, str] = {
    "亿m³": "yi_m3",
    "亿m3": "yi_m3",
    "亿立方米": "yi_m3",
    "1e8 m3": "yi_m3",
    "万m³": "wan_m3",
    "万m3": "wan_m3",
    "万立方米": "wan_m3",
    "1e4 m3": "wan_m3",
    "10k m3": "wan_m3",
    "m³": "meter**3",
    "m3": "meter**3",
    "立方米": "meter**3",
    "hm³": "hectometer**3",
    "hm3": "hectometer**3",
    "万t/d": "wan_t/day",
    "万吨/日": "wan_t/day",
    "万吨/天": "wan_t/day",
    "万m³/d": "wan_m3/day",
    "万m3/d": "wan_m3/day",
    "t/d": "tonne_water/day",
    "m³/d": "meter**3/day",
    "m3/d": "meter**3/day",
    "m³/s": "meter**3/second",
    "m3/s": "meter**3/second",
    "立方米/秒": "meter**3/second",
    "万m³/yr": "wan_m3/year",
    "万m³/a": "wan_m3/year",
    "万m³/年": "wan_m3/year",
    "亿m³/yr": "yi_m3/year",
    "亿m³/a": "yi_m3/year",
    "亿m³/年": "yi_m3/year",
    # common Chinese spellings: 方 is the colloquial 立方米
    "万方": "wan_m3",
    "亿方": "yi_m3",
    "方": "meter**3",
    "万立方米/年": "wan_m3/year",
    "亿立方米/年": "yi_m3/year",
    "万方/年": "wan_m3/year",
    "万立方米/日": "wan_m3/day",
    "万立方米/天": "wan_m3/day",
    "万方/日": "wan_m3/day",
    "万方/天": "wan_m3/day",
    "立方米/日": "meter**3/day",
    "立方米/天": "meter**3/day",
    "吨/日": "tonne_water/day",
    "吨/天": "tonne_water/day",
    "m³/a": "meter**3/year",
}

#: Quantities and quotas (demand drivers), plan spellings → pint expressions.
DRIVER_ALIASES: dict[str, str] = {
    "万人": "1e4 * person",
    "人": "person",
    "万亩": "1e4 * mu",
    "亩": "mu",
    "万元": "1e4 * yuan",
    "亿元": "1e8 * yuan",
    "L/(人·d)": "liter/person/day",
    "L/人/d": "liter/person/day",
    "L/(person·d)": "liter/person/day",
    "m³/(人·a)": "meter**3/person/year",
    "m³/人/a": "meter**3/person/year",
    "m³/亩": "meter**3/mu",
    "m3/亩": "meter**3/mu",
    "m³/万元": "meter**3/(1e4 * yuan)",
    "m3/万元": "meter**3/(1e4 * yuan)",
}

#: the largest volume waterplan reads (万m³, a year's): 1,000 亿m³, about twice the Yellow River's
#: whole natural runoff (535 亿m³/yr, Yellow River Water Resources Bulletin); anything larger is a
#: slip of unit or digits, and would make the LP numerically meaningless
MAX_VOLUME_10K_M3 = 1e7
_SPELLINGS = (
    "亿m³, 万m³, m³, hm³; 亿立方米, 万立方米, 立方米, 亿方, 万方",
    "万t/d, 万m³/d, m³/d, t/d, m³/s; 万吨/日, 万方/日, 立方米/日, 立方米/秒",
)


def _valid() -> str:
    return tr("a volume ({0}) or a flow ({1}) — the spellings listed in docs/data.md", *_SPELLINGS)


def is_flow(unit: object) -> bool:
    """Whether a documented unit is a flow rate (turned into a yearly volume over 365 days).

    >>> is_flow("m³/s"), is_flow("亿m³"), is_flow("万m³/yr")
    (True, False, False)
    """
    try:
        q = _parse(str(unit))
    except Exception:
        return False
    return q.is_(length=3, time=-1) and not q.per_year


@dataclass(frozen=True, slots=True)
class Measure:
    """A number in pint's base units: its magnitude, its dimensions, and whether its unit is per year."""

    scale: float
    dims: tuple[tuple[str, float], ...]
    per_year: bool

    def __mul__(self, other: Measure | float) -> Measure:
        if isinstance(other, Measure):
            dims = dict(self.dims)
            for dim, power in other.dims:
                dims[dim] = dims.get(dim, 0) + power
            kept = tuple(sorted((d, p) for d, p in dims.items() if p != 0))
            return Measure(self.scale * other.scale, kept, self.per_year or other.per_year)
        return Measure(self.scale * other, self.dims, self.per_year)

    def __rmul__(self, other: float) -> Measure:
        return self * other

    def is_(self, **dims: float) -> bool:
        """Whether the dimensions are exactly ``dims`` (``length=3, time=-1``)."""
        return self.dims == tuple(sorted((f"[{d}]", float(p)) for d, p in dims.items()))


def measure_of(q: pint.Quantity[float]) -> Measure:
    """A pint quantity as a :class:`Measure` (how the shipped table is made)."""
    base = q.to_base_units()
    dims = tuple(sorted((str(d), float(p)) for d, p in base.dimensionality.items() if p != 0))  # type: ignore[arg-type]
    return Measure(float(base.magnitude), dims, "year" in str(q.units))


def computed_table() -> dict[str, dict[str, Any]]:
    """Every documented spelling as pint measures it (what ``data/unit_table.json`` holds)."""
    table = {}
    for spelling in sorted({*UNIT_ALIASES, *DRIVER_ALIASES}):
        m = measure_of(_from_pint(spelling))
        table[spelling] = {"scale": m.scale, "dims": [list(d) for d in m.dims], "per_year": m.per_year}
    return table


@lru_cache(maxsize=1)
def _table() -> dict[str, Measure]:
    rows = json.loads(_TABLE_FILE.read_text(encoding="utf-8"))
    return {k: Measure(v["scale"], tuple((d, float(p)) for d, p in v["dims"]), v["per_year"]) for k, v in rows.items()}


@lru_cache(maxsize=256)
def _parse(unit: str) -> Measure:
    """The measure of one documented spelling; anything else (pint syntax included) is refused."""
    shipped = _table().get(unit.strip())
    return shipped if shipped is not None else measure_of(_from_pint(unit))


def _from_pint(unit: str) -> pint.Quantity[float]:
    """A documented spelling converted by pint itself (one not in the shipped table yet)."""
    expr = UNIT_ALIASES.get(unit.strip()) or DRIVER_ALIASES.get(unit.strip())
    if expr is None:
        raise ValueError(unit)
    import pint

    q = _registry().parse_expression(expr)
    if not isinstance(q, pint.Quantity):  # a bare number such as "3"
        raise ValueError(unit)
    return q


def to_model_volume(value: object, unit: object, *, file: str, field: str) -> float:
    """Convert ``value`` in ``unit`` to 万m³ per year.

    Parameters
    ----------
    value
        The number as read from the input.
    unit
        Its unit, e.g. ``"亿m³"`` or ``"万t/d"``.
    file, field
        Where the number was read, for the error message.

    Raises
    ------
    InputError
        If the unit is missing, unknown, not a volume or flow, or the value is not a number.

    Examples
    --------
    >>> to_model_volume(1.5, "亿m³", file="s.yaml", field="value")
    15000.0
    >>> round(to_model_volume(9, "万t/d", file="s.yaml", field="capacity"), 6)
    3285.0
    """
    if unit is None or (isinstance(unit, float) and math.isnan(unit)) or str(unit).strip() == "":
        raise InputError(Problem(file, f"{field}.unit", unit, tr("a unit is required: {valid}", valid=_valid())))
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(Problem(file, field, value, tr("a number"))) from None
    if not math.isfinite(number):
        raise InputError(Problem(file, field, value, tr("a finite number")))
    try:
        u = _parse(str(unit))
    except Exception:  # pint raises many kinds of errors on malformed text
        raise InputError(
            Problem(file, f"{field}.unit", unit, tr("unknown unit; use {valid}", valid=_valid()))
        ) from None
    volume = _as_volume(number * u)
    if volume is not None and abs(volume) > MAX_VOLUME_10K_M3:
        raise InputError(
            Problem(
                file,
                field,
                value,
                tr(
                    "a volume of at most 1,000 亿m³ (10,000,000 万m³) a year in {unit} — twice the Yellow River's "
                    "natural runoff; check the unit and the digits",
                    unit=unit,
                ),
            )
        )
    if volume is not None:
        return volume
    raise InputError(Problem(file, f"{field}.unit", unit, tr("not a volume or flow; use {valid}", valid=_valid())))


def _as_volume(q: Measure) -> float | None:
    if q.is_(length=3):
        return q.scale / 1e4
    if q.is_(length=3, time=-1):
        per_year = q.scale / (1e4 / _SECONDS_PER_YEAR)  # as pint divides by the base scale of 万m³/yr
        # a yearly volume (万m³/yr, 亿m³/年 …) is what it says; a rate per day or second is read over
        # 365 days (pint's year is 365.25 days)
        return per_year if q.per_year else per_year * (365.0 / 365.25)
    return None


def quota_volume(
    quantity: object, quantity_unit: object, quota: object, quota_unit: object, *, file: str, field: str = "quota"
) -> float:
    """Yearly volume (万m³) of ``quantity`` users at ``quota`` per user.

    >>> round(quota_volume(10, "万人", 120, "L/(人·d)", file="d.csv"), 6)
    438.0
    >>> quota_volume(2, "万亩", 130, "m³/亩", file="d.csv")
    260.0
    """
    parsed = []
    for value, unit, name in ((quantity, quantity_unit, "quantity"), (quota, quota_unit, field)):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(Problem(file, name, value, tr("a number"))) from None
        if number < 0:
            raise InputError(Problem(file, name, value, tr("zero or more")))
        if unit is None or str(unit).strip() == "":
            raise InputError(Problem(file, f"{name}_unit", unit, tr("a unit: {0}", ", ".join(DRIVER_ALIASES))))
        try:
            parsed.append(number * _parse(str(unit)))
        except Exception:
            raise InputError(Problem(file, f"{name}_unit", unit, tr("one of {0}", ", ".join(DRIVER_ALIASES)))) from None
    volume = _as_volume(parsed[0] * parsed[1])
    if volume is None:
        raise InputError(
            Problem(
                file,
                f"{field}_unit",
                quota_unit,
                tr(
                    "a quota per unit of '{quantity_unit}' (e.g. L/(人·d) for 万人, m³/亩 for 万亩, m³/万元 for 万元)",
                    quantity_unit=quantity_unit,
                ),
            )
        )
    return volume


def to_fraction(value: object, unit: object, *, file: str, field: str) -> float:
    """Convert a ratio given in ``%`` or as a plain fraction (unit ``1``) to a fraction.

    >>> to_fraction(30, "%", file="s.yaml", field="value")
    0.3
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(Problem(file, field, value, tr("a number"))) from None
    u = str(unit).strip() if unit is not None else ""
    if u == "%":
        return number / 100.0
    if u in {"1", "fraction"}:
        return number
    raise InputError(Problem(file, f"{field}.unit", unit, tr("'%' or '1' (a plain fraction)")))
