"""Derive Taiyuan's county × sector demands for 2025 and 2030 (illustrative).

Method
------
1. City total 2025 = 7.53 亿m³ (seed 003 二(一)).
2. Sector totals 2025 = total × ``share_2025`` (sector_totals.csv); 2030 = 2025 × ``growth_2030``.
   The shares sum to 1; the 2030 growth case is a planned-growth case whose gross demand is
   above the 10.47 亿m³ cap, so the allocation has something to decide.
3. Each sector total is split over the 10 counties by a weight (county_weights.csv):
   domestic and municipal by population, industry/agriculture/ecology by their weights
   (normalised to sum to 1).
4. Volumes are gross at the county's intake (network leakage and irrigation-canal losses
   below the county intake included), rounded to 0.1 万m³.

Replace ``demands-2025.csv`` / ``demands-2030.csv`` with a bureau's own table (same columns)
to use real data; this script is then no longer needed.

Run ``python scenarios/taiyuan/derive_demands.py`` to regenerate the two CSV files.
"""

from __future__ import annotations

import csv
from pathlib import Path

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
    with open(HERE / "county_weights.csv", encoding="utf-8") as fh:
        counties = list(csv.DictReader(fh))
    with open(HERE / "sector_totals.csv", encoding="utf-8") as fh:
        sectors = list(csv.DictReader(fh))
    share_sum = sum(float(s["share_2025"]) for s in sectors)
    assert abs(share_sum - 1.0) < 1e-9, f"sector shares sum to {share_sum}, not 1"
    out: dict[int, list[dict[str, str]]] = {2025: [], 2030: []}
    for year in (2025, 2030):
        for s in sectors:
            sector_total = TOTAL_2025_10K_M3 * float(s["share_2025"])
            if year == 2030:
                sector_total *= float(s["growth_2030"])
            col = WEIGHT_COLUMN[s["sector"]]
            wsum = sum(float(c[col]) for c in counties)
            for c in counties:
                w = float(c[col]) / wsum
                value = round(sector_total * w, 1)
                growth = f" × growth {s['growth_2030']}" if year == 2030 else ""
                out[year].append(
                    {
                        "county": c["adcode"],
                        "county_zh": c["county_zh"],
                        "sector": s["sector"],
                        "demand": f"{value:.1f}",
                        "unit": "万m³",
                        "derivation": (
                            f"illustrative: 75300 万m³ (seed 003 二(一)) × share {s['share_2025']}{growth}"
                            f" × {col} weight {w:.4f} (county_weights.csv, sector_totals.csv)"
                        ),
                    }
                )
    return out


def main() -> None:
    for year, rows in derive().items():
        path = HERE / f"demands-{year}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        total = sum(float(r["demand"]) for r in rows)
        print(f"wrote {path.name}: {len(rows)} rows, total {total:,.1f} 万m³")


if __name__ == "__main__":
    main()
