"""A scenario's demand table: each county × sector's demand (a volume with its unit, or a quantity
times a quota), net or gross, Chinese headers and sector names accepted, and the sectors given as a
share of another."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import InputError, Problem
from .boundaries import resolve_county
from .i18n import tr
from .reading import _rel
from .spec import ScenarioSpec
from .textio import MAX_BYTES, not_readable, read_table
from .units import quota_volume, to_model_volume
from .vocabulary import resolve_sector, sector_choices

__all__ = ["DEMAND_HEADERS"]


_DEMAND_COLUMNS = [
    "county",
    "sector",
    "demand_10k_m3",
    "net_10k_m3",
    "quantity",
    "quantity_unit",
    "quota",
    "quota_unit",
    "unit",
    "basis",
    "row",
    "derivation",
]


def _gross(net: float, sector: str, basis: str, spec: ScenarioSpec, where: str, problems: list[Problem]) -> float:
    """Net → gross agricultural demand with the irrigation efficiency coefficient (losses in the
    county's canals and fields; trunk conveyance to the county intake is on the network's edges)."""
    if basis in ("", "gross"):
        return net
    if basis != "net":
        problems.append(Problem(where, "basis", basis, tr("'gross' (default) or 'net'")))
        return net
    levers = spec.levers
    if sector == "agriculture":
        eff = levers.get("irrigation_efficiency")
        if eff is None or not 0 < eff.value <= 1:
            problems.append(Problem(where, "basis", basis, _needs_efficiency()))
            return net
        return net / eff.value
    # other sectors: the net demand is what the county's users take; the supply network's leakage
    # (levers.network_leakage) is the loss of the distribution edges on the way, not a gross-up here
    return net


def _needs_efficiency() -> str:
    return tr("a net agricultural demand needs levers.irrigation_efficiency in (0, 1] in the scenario")


def _once(problems: list[Problem], start: int, fname: str) -> None:
    """The same missing lever on many rows: said once, with the rows (the problems from ``start`` on)."""
    said = _needs_efficiency()
    same = [p for p in problems[start:] if p.expected == said]
    if len(same) > 1:
        rows = [re.findall(r"\d+", p.file)[-1] for p in same]
        shown = ", ".join(rows[:10]) + (", …" if len(rows) > 10 else "")
        problems[start:] = [p for p in problems[start:] if p.expected != said]
        where = tr("{file} rows {rows} ({n} rows)", file=fname, rows=shown, n=len(rows))
        problems.append(Problem(where, "basis", same[0].value, said))


#: a problem's field → the columns it names (the unit of a volume is its own column)
_FIELD_COLUMNS = {"demand.unit": ["unit"], "county/sector": ["county", "sector"]}


def _as_written(problems: list[Problem], start: int, headers: dict[str, str]) -> None:
    """The problems from ``start`` on name each column by the header the user wrote (县区, 单位 …)."""
    for i in range(start, len(problems)):
        p = problems[i]
        cols = _FIELD_COLUMNS.get(p.field, [p.field])
        if all(c in headers for c in cols) and any(headers[c] != c for c in cols):
            problems[i] = Problem(p.file, "/".join(headers[c] for c in cols), p.value, p.expected)


def _blank_cell(v: object) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == ""


def _county_of(r: dict[str, Any], where: str, counties: list[str]) -> str:
    """The row's county: its code or name, or, where that cell is blank, its 县区名称 (county_zh);
    both given, they must name the same county."""
    code, name = r.get("county"), r.get("county_zh")
    if _blank_cell(code) and not _blank_cell(name):
        return resolve_county(name, file=where, field="county_zh", within=counties)
    adcode = resolve_county(code, file=where, field="county", within=counties)
    if not _blank_cell(name):
        by_name = resolve_county(name, file=where, field="county_zh", within=counties)
        if by_name != adcode:
            raise InputError(
                Problem(
                    where,
                    "county_zh",
                    name,
                    tr("the name of county {code} ({adcode}), or blank", code=code, adcode=adcode),
                )
            )
    return adcode


#: the demand table's headers in Chinese (as a bureau's workbook writes them) → its column names
DEMAND_HEADERS = {
    "县区": "county", "区县": "county", "县（市、区）": "county", "县(市、区)": "county", "行政区划代码": "county",
    "县区名称": "county_zh", "行业": "sector", "用水行业": "sector", "部门": "sector", "需水量": "demand",
    "单位": "unit", "数量": "quantity", "数量单位": "quantity_unit", "定额": "quota", "用水定额": "quota",
    "定额单位": "quota_unit", "口径": "basis", "来源": "derivation", "依据": "derivation",
}  # fmt: skip


def _read_demands(
    path: Path, counties: list[str], spec: ScenarioSpec, problems: list[Problem], encodings: dict[Path, str]
) -> pd.DataFrame:
    fname = _rel(path)
    sectors = spec.sectors
    empty = pd.DataFrame(columns=_DEMAND_COLUMNS)
    why = not_readable(path, "a demand table (CSV or Excel .xlsx)", MAX_BYTES["table"])
    if why:
        problems.append(Problem(fname, "(file)", str(path), why))
        return empty
    try:
        raw, encodings[path] = read_table(path, fname=fname, what=tr("a demand table"), headers=DEMAND_HEADERS)
    except InputError as exc:
        problems.extend(exc.problems)
        return empty
    has_volume = {"demand", "unit"} <= set(raw.columns)
    has_quota = {"quantity", "quantity_unit", "quota", "quota_unit"} <= set(raw.columns)
    if "county" not in raw.columns or "sector" not in raw.columns or not (has_volume or has_quota):
        wanted = tr("columns county, sector and either demand, unit or quantity, quantity_unit, quota, quota_unit")
        problems.append(Problem(fname, "(header)", list(raw.columns), wanted))
        return empty
    rows = []
    seen: dict[tuple[str, str], int] = {}
    start = len(problems)
    for i, r in enumerate(raw.to_dict("records"), start=2):
        where = tr("{file} row {row}", file=fname, row=i)
        try:
            adcode = _county_of(r, where, counties)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        sector = resolve_sector(r["sector"], sectors)  # key, English or Chinese name, synonym
        if sector is None:
            problems.append(Problem(where, "sector", r["sector"], sector_choices(sectors, r["sector"])))
            continue
        net = _row_volume(r, where, has_volume, has_quota, problems)
        if net is None:
            continue
        if (adcode, sector) in seen:
            problems.append(
                Problem(
                    where,
                    "county/sector",
                    f"{r['county']}/{sector}",
                    tr("each county × sector once (already on row {0})", seen[(adcode, sector)]),
                )
            )
            continue
        seen[(adcode, sector)] = i
        basis = str(r.get("basis", "")).strip()
        gross = _gross(net, sector, basis, spec, where, problems)
        rows.append({"county": adcode, "sector": sector, "demand_10k_m3": gross, "net_10k_m3": net,
                     **{k: r.get(k, "") for k in ("quantity", "quantity_unit", "quota", "quota_unit", "unit")},
                     "basis": basis or "gross", "row": i, "derivation": r.get("derivation", "")})  # fmt: skip
    _once(problems, start, fname)
    _as_written(problems, start, raw.attrs.get("headers", {}))
    return pd.DataFrame(rows, columns=_DEMAND_COLUMNS)


def _row_volume(
    r: dict[str, Any], where: str, has_volume: bool, has_quota: bool, problems: list[Problem]
) -> float | None:
    """A demand row's volume (万m³/yr): its demand and unit, or its quantity × quota; None if wrong."""
    try:
        if has_volume and str(r.get("demand", "")).strip() != "":
            net = to_model_volume(r["demand"], r["unit"], file=where, field="demand")
            if net < 0:
                problems.append(Problem(where, "demand", r["demand"], tr("a demand of zero or more")))
                return None
            return net
        if has_quota and str(r.get("quantity", "")).strip() != "":
            return quota_volume(r["quantity"], r["quantity_unit"], r["quota"], r["quota_unit"], file=where)
        problems.append(Problem(where, "demand", "", tr("a demand with its unit, or a quantity and a quota")))
    except InputError as exc:
        problems.extend(exc.problems)
    return None


def _split_shares(df: pd.DataFrame, spec: ScenarioSpec, fname: str, problems: list[Problem]) -> pd.DataFrame:
    """Demands of ``share_of`` sectors the table does not give: that share of the parent's rows."""
    for name, s in spec.sectors.items():
        if s.share_of is None or (df["sector"] == name).any():
            continue
        parent = s.share_of.sector
        if parent not in spec.sectors or spec.sectors[parent].share_of is not None:
            problems.append(
                Problem(fname, f"sectors.{name}.share_of.sector", parent, tr("another sector of the scenario"))
            )
            continue
        rows = df[df["sector"] == parent]
        child = rows.copy()
        child["sector"] = name
        for col in ("demand_10k_m3", "net_10k_m3"):
            child[col] = rows[col] * s.share_of.share
            df.loc[rows.index, col] = rows[col] * (1.0 - s.share_of.share)
        child["derivation"] = f"{s.share_of.share:g} × the {parent} demand of this row ({s.share_of.source})"
        df = pd.concat([df, child], ignore_index=True)
    return df
