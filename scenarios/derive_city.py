"""Derive a city's county × sector demand tables from two small input tables (illustrative).

Usage: ``python scenarios/derive_city.py scenarios/changzhi`` (writes ``demands-<year>.csv``).

Inputs in the city folder
-------------------------
``counties.csv``
    adcode, county_zh, population_10k, population_source, industry_weight,
    agriculture_weight, ecology_weight, weights_source.
``years.csv``
    one row per year: population_growth (vs the census column), domestic_quota
    (L/(人·d), billed), irrigated_area (万亩), net_irrigation_quota (m³/亩), industry,
    ecology, municipal (万m³, city totals), source.

Method
------
domestic    population × growth × quota, basis *net* (the scenario's leakage lever makes it gross);
agriculture city irrigated area × agriculture weight × net quota, basis *net* (the scenario's
            irrigation-efficiency lever makes it gross);
industry, ecology
            city total × the county's weight (normalised);
municipal   city total × the county's population share.
Replace ``demands-<year>.csv`` with a bureau's own table (same columns) to use real data.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

FIELDS = [
    "county",
    "county_zh",
    "sector",
    "demand",
    "unit",
    "quantity",
    "quantity_unit",
    "quota",
    "quota_unit",
    "basis",
    "derivation",
]


def read_table(path: Path) -> list[dict[str, str]]:
    """A small UTF-8 CSV table as a list of rows."""
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def derive(folder: Path) -> dict[int, list[dict[str, str]]]:
    """Rows of each year's demand table, keyed by year."""
    counties = read_table(folder / "counties.csv")
    years = read_table(folder / "years.csv")
    sums = {
        col: sum(float(c[col]) for c in counties)
        for col in ("population_10k", "industry_weight", "agriculture_weight", "ecology_weight")
    }
    out: dict[int, list[dict[str, str]]] = {}
    for y in years:
        rows = []
        for c in counties:

            def row(sector: str, c: dict[str, str] = c, **kw: str) -> dict[str, str]:
                r = dict.fromkeys(FIELDS, "")
                r.update(county=c["adcode"], county_zh=c["county_zh"], sector=sector, **kw)
                return r

            pop = float(c["population_10k"]) * float(y["population_growth"])
            rows.append(
                row(
                    "domestic",
                    quantity=f"{pop:.2f}",
                    quantity_unit="万人",
                    quota=y["domestic_quota"],
                    quota_unit="L/(人·d)",
                    basis="net",
                    derivation=f"illustrative: population {c['population_10k']} 万 × {y['population_growth']} "
                    f"× {y['domestic_quota']} L/(人·d) (counties.csv, years.csv)",
                )
            )
            for sector, col in (
                ("industry", "industry_weight"),
                ("ecology", "ecology_weight"),
                ("municipal", "population_10k"),
            ):
                w = float(c[col]) / sums[col]
                rows.append(
                    row(
                        sector,
                        demand=f"{float(y[sector]) * w:.1f}",
                        unit="万m³",
                        basis="gross",
                        derivation=f"illustrative: city {sector} {y[sector]} 万m³ (years.csv) × {col} share "
                        f"{w:.4f} (counties.csv)",
                    )
                )
            w = float(c["agriculture_weight"]) / sums["agriculture_weight"]
            rows.append(
                row(
                    "agriculture",
                    quantity=f"{float(y['irrigated_area']) * w:.2f}",
                    quantity_unit="万亩",
                    quota=y["net_irrigation_quota"],
                    quota_unit="m³/亩",
                    basis="net",
                    derivation=f"illustrative: irrigated area {y['irrigated_area']} 万亩 × agriculture share "
                    f"{w:.4f} × net {y['net_irrigation_quota']} m³/亩 (counties.csv, years.csv)",
                )
            )
        out[int(y["year"])] = rows
    return out


def write_tables(folder: Path, tables: dict[int, list[dict[str, str]]]) -> None:
    """Write each year's rows to ``folder/demands-<year>.csv``."""
    for year, rows in tables.items():
        target = folder / f"demands-{year}.csv"
        with open(target, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {target}: {len(rows)} rows")


def main(folder: str) -> None:
    write_tables(Path(folder), derive(Path(folder)))


if __name__ == "__main__":
    main(sys.argv[1])
