"""Derive Taiyuan's county × sector demands for 2025 and 2030 (illustrative).

Method
------
2025 (gross volumes, 万m³)
    The city total of 7.53 亿m³ (seed 003 二(一)) × each sector's ``share_2025``
    (sector_totals.csv), split over the 10 counties by a weight (county_weights.csv):
    domestic and municipal by population, industry/agriculture/ecology by their weights.
2030 (planned-growth case, above the 10.47 亿m³ cap so the allocation has something to decide;
2027 takes 2/5 of each 2025→2030 growth factor, and population growth 1.035 instead of 1.05)
    domestic    population × 1.05 (quotas.csv) × 120 L/(人·d), basis *net*: the scenario's
                network-leakage lever turns it into a gross demand;
    agriculture irrigated area 63.4 万亩 (seed 003 附件1 #8) split by the agriculture weight ×
                net quota 130 m³/亩 (derived from the plan, quotas.csv), basis *net*: the
                scenario's irrigation-efficiency lever turns it into a gross demand;
    industry, ecology, municipal
                2025 volume × ``growth_2030`` (sector_totals.csv), gross.
Volumes are rounded to 0.1 万m³, areas to 0.01 万亩, people to 0.01 万人.

Replace ``demands-2025.csv`` / ``demands-2030.csv`` with a bureau's own table (same columns;
either ``demand``+``unit`` or ``quantity``+``quantity_unit``+``quota``+``quota_unit``) to use
real data; this script is then no longer needed.

Run ``python scenarios/taiyuan/derive_demands.py`` to regenerate the CSV files.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from derive_city import FIELDS, read_table, write_tables

HERE = Path(__file__).resolve().parent
TOTAL_2025_10K_M3 = 75300.0  # 7.53 亿m³, seed 003 二(一)
WEIGHT_COLUMN = {
    "domestic": "population_10k",
    "municipal": "population_10k",
    "industry": "industry_weight",
    "agriculture": "agriculture_weight",
    "ecology": "ecology_weight",
}


def derive() -> dict[int, list[dict[str, str]]]:
    """Return the derived rows for 2025 and 2030, keyed by year."""
    counties = read_table(HERE / "county_weights.csv")
    sectors = read_table(HERE / "sector_totals.csv")
    quotas = {q["name"]: q for q in read_table(HERE / "quotas.csv")}
    share_sum = sum(float(s["share_2025"]) for s in sectors)
    assert abs(share_sum - 1.0) < 1e-9, f"sector shares sum to {share_sum}, not 1"
    out: dict[int, list[dict[str, str]]] = {2025: [], 2027: [], 2030: []}
    share_of_growth = {2027: 0.4, 2030: 1.0}  # 2 of the 5 years from 2025
    for year in (2025, 2027, 2030):
        f = share_of_growth.get(year, 0.0)
        for s in sectors:
            col = WEIGHT_COLUMN[s["sector"]]
            wsum = sum(float(c[col]) for c in counties)
            for c in counties:
                w = float(c[col]) / wsum
                row = dict.fromkeys(FIELDS, "")
                row.update(county=c["adcode"], county_zh=c["county_zh"], sector=s["sector"])
                base = TOTAL_2025_10K_M3 * float(s["share_2025"])
                how = f"75300 万m³ (seed 003 二(一)) × share {s['share_2025']} × {col} weight {w:.4f}"
                if year == 2025:
                    row.update(
                        demand=f"{base * w:.1f}",
                        unit="万m³",
                        basis="gross",
                        derivation=f"illustrative: {how} (county_weights.csv, sector_totals.csv)",
                    )
                elif s["sector"] == "domestic":
                    grow = 1 + (float(quotas["population_growth_2020_2030"]["value"]) - 1) * (
                        0.7 if year == 2027 else 1
                    )
                    q = quotas["domestic_quota"]
                    row.update(
                        quantity=f"{float(c['population_10k']) * grow:.2f}",
                        quantity_unit="万人",
                        quota=q["value"],
                        quota_unit=q["unit"],
                        basis="net",
                        derivation=f"illustrative: population {c['population_10k']} 万 × {grow} "
                        f"× {q['value']} {q['unit']} (county_weights.csv, quotas.csv)",
                    )
                elif s["sector"] == "agriculture":
                    area = quotas["irrigated_area_2030"]
                    q = quotas["net_irrigation_quota"]
                    row.update(
                        quantity=f"{float(area['value']) * w:.2f}",
                        quantity_unit=area["unit"],
                        quota=q["value"],
                        quota_unit=q["unit"],
                        basis="net",
                        derivation=f"illustrative: {area['value']} 万亩 (seed 003 附件1 #8) × "
                        f"agriculture weight {w:.4f} × net {q['value']} {q['unit']} (quotas.csv)",
                    )
                else:
                    g = 1 + (float(s["growth_2030"]) - 1) * f
                    row.update(
                        demand=f"{base * g * w:.1f}",
                        unit="万m³",
                        basis="gross",
                        derivation=f"illustrative: {how} × growth {g:g} (county_weights.csv, sector_totals.csv)",
                    )
                out[year].append(row)
    return out


def main() -> None:
    write_tables(HERE, derive())


if __name__ == "__main__":
    main()
