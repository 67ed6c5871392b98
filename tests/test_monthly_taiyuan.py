"""Taiyuan 2030 over a 60-year monthly series, full horizon and myopic."""

from __future__ import annotations

from pathlib import Path

import pytest

from waterplan import build_graph, load_scenario
from waterplan.monthly import guarantee_rates, solve_monthly

SC = Path(__file__).resolve().parents[1] / "scenarios" / "taiyuan-2030-monthly.yaml"
#: the weighted objective cannot rank allocation rules between the priorities: they are checked only
CHECK_ONLY = [
    {"id": tid, "rule": {"binds": False}}
    for tid in ("TY-jinci-supply-first", "TY-industry-reclaimed", "TY-reclaimed-uses")
]


def _lex(objective: dict[str, float]) -> list[float]:
    keys = ["floor shortfall", *sorted(k for k in objective if k.startswith("shortage"))]
    return [round(objective.get(k, 0.0), 2) for k in keys]


def _caps_hold(res, sc) -> None:
    for c in sc.constraints:
        if c.id not in res.policy.columns:
            continue
        for year, v in res.policy[c.id].items():
            tol = 1e-6 * max(1.0, abs(c.value)) + 1e-3
            if c.type == "cap":
                assert v <= c.value + tol, (c.id, year, v)
            elif c.type == "floor" and res.mode == "full":
                assert v >= c.value - tol, (c.id, year, v)


@pytest.fixture(scope="module")
def sixty_years():
    """The one 60-year run of the suite: the scenario as shipped (staged, with the equity rule),
    month by month over 720 months, as a user gets it."""
    sc = load_scenario(SC)
    G = build_graph(sc)
    return sc, G, solve_monthly(G, sc, mode="myopic")


@pytest.fixture(scope="module")
def staged_years(monthly_run):
    """Two years with the scenario's own objective: staged, with the equity rule (the shared runs)."""
    full, myopic = monthly_run("full")[0], monthly_run("myopic")[0]
    return full.scenario, full.graph, full, myopic


def test_staged_runs_with_equity_in_both_modes(staged_years):
    sc, _G, full, myopic = staged_years
    assert sc.spec.equity and sc.spec.time.objective == "staged"
    for res in (full, myopic):
        _caps_hold(res, sc)
        assert any(k.startswith("equity of priority") for k in res.objective)
    assert _lex(myopic.objective) >= _lex(full.objective)


def test_sixty_years_month_by_month(sixty_years):
    sc, _G, res = sixty_years
    assert len(res.months) == 720 and res.objective_mode == "staged" and res.policy.shape[0] == 60
    _caps_hold(res, sc)
    assert res.objective["shortage of priority 1"] == pytest.approx(0.0, abs=1e-3)
    assert res.objective["floor shortfall"] >= 0.0


def test_reservoirs_stay_within_their_bounds(sixty_years):
    _sc, G, res = sixty_years
    for r in res.storage.columns:
        assert res.storage[r].min() >= G.nodes[r]["dead_storage"] - 1e-6
        assert res.storage[r].max() <= G.nodes[r]["storage"] + 1e-6


def test_guarantee_rates(sixty_years):
    _sc, _G, res = sixty_years
    g = guarantee_rates(res)
    assert ((g["years_fully_supplied"] >= 0) & (g["years_fully_supplied"] <= g["months_fully_supplied"] + 1e-12)).all()
    dom = g[g["sector"] == "domestic"]
    assert (dom["years_fully_supplied"] == 1.0).all() and (dom["status"] == "met").all()
    assert set(g.loc[g["sector"] == "industry", "target_years"]) == {0.9}


def test_weighted_lp_matches_the_staged_solve():
    sc = load_scenario(SC, overrides={"time": {"years": 2}, "equity": False, "targets": CHECK_ONLY})
    G = build_graph(sc)
    weighted = solve_monthly(G, sc, mode="full", lp_solver="simplex", objective="weighted")
    staged = solve_monthly(G, sc, mode="full", objective="staged")
    for k, v in staged.objective.items():
        if k.startswith("shortage"):  # the weighted LP folds preference and cost into one tie-breaker
            assert weighted.objective[k] == pytest.approx(v, rel=1e-6, abs=1e-2), k
        elif k.startswith("expected"):
            assert weighted.objective[k] == pytest.approx(v, abs=0.1), k


def test_cold_started_myopic_gives_the_same_months(staged_years):
    """Without the warm start each month is solved from scratch; the tie-break makes each month's
    optimum unique, so the run is the same."""
    sc, G, _full, myopic = staged_years
    cold = solve_monthly(G, sc, mode="myopic", warm_start=False)
    _caps_hold(cold, sc)
    assert cold.objective == pytest.approx(myopic.objective, rel=1e-6, abs=1e-3)


def test_dry_series_means_more_shortage(monthly_run):
    dry = load_scenario(SC, overrides={"time": {"years": 2}, "hydrology": {"surface_factor": 0.6}})
    a = monthly_run("myopic")[0]
    b = solve_monthly(build_graph(dry), dry, mode="myopic")
    total = lambda r: sum(v for k, v in r.objective.items() if k.startswith("shortage"))  # noqa: E731
    assert total(b) > total(a)


def test_a_monthly_run_has_the_mean_years_map_layers_export_and_print_map(tmp_path, monthly_run):
    """A monthly run writes the mean year's map, GIS layers and print map; the layers' figures are
    the monthly balance summed over the horizon ÷ its years (recomputed here from
    balance.csv, one row per month), and ``export`` and ``print-map`` read the folder."""
    import geopandas as gpd
    import openpyxl
    import pandas as pd

    from waterplan.export import export_run
    from waterplan.printmap import print_map

    folder = monthly_run("myopic")[1]
    bal = pd.read_csv(folder / "balance.csv", dtype={"county": str})
    per = bal.groupby("county")[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum() / 2
    counties = gpd.read_file(folder / "counties.geojson").set_index("adcode")
    assert set(per.index) <= set(counties.index) and (counties["years"] == "1971–1972").all()
    for county, r in per.iterrows():
        got = counties.loc[county]
        assert got["demand_10k_m3"] == pytest.approx(r["demand_10k_m3"], abs=0.01), county
        assert got["shortage_10k_m3"] == pytest.approx(r["shortage_10k_m3"], abs=0.01), county
        assert got["coverage"] == pytest.approx(r["supplied_10k_m3"] / r["demand_10k_m3"], abs=1e-3), county
    guarantee = pd.read_csv(folder / "guarantee.csv", dtype={"county": str}).set_index(["county", "sector"])
    assert counties.loc["140105", "guarantee_dom"] == pytest.approx(
        guarantee.loc[("140105", "domestic"), "years_fully_supplied"], abs=1e-4
    )
    edges = gpd.read_file(folder / "network_edges.geojson")
    assert edges["flow_10k_m3"].sum() > 0 and (edges["years"] == "1971–1972").all()
    assert "1971–1972 多年平均" in (folder / "map.html").read_text(encoding="utf-8")

    xlsx = export_run(folder, tmp_path / "m.xlsx", fmt="xlsx")
    sheets = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert {"counties", "network_edges", "balance", "allocation", "guarantee", "indicators"} <= set(sheets)
    gpkg = export_run(folder, tmp_path / "m.gpkg")
    assert len(gpd.read_file(gpkg, layer="counties")) == len(counties)

    png = print_map(folder, tmp_path / "p.png")
    assert png.stat().st_size > 10_000
    from waterplan.printmap import _title

    assert _title(folder, counties.reset_index(), "zh").endswith("（1971–1972 多年平均）")


def test_each_month_highs_holds_exactly_that_months_bounds(monkeypatch):
    """The myopic run hands HiGHS only the bounds that change (and those that follow the months
    before: caps left, storage carried, groundwater left); after each month's hand-over, HiGHS's
    model holds exactly that month's bounds in every column and row, as if all had been passed:
    the horizon's arrays (kept here before the loop frees them) wherever nothing carries over from
    the months before, and everywhere the loop's current bounds, which the proof of the tiers reads."""
    import importlib

    import numpy as np

    from waterplan.monthly.periods import Periods

    myopic = importlib.import_module("waterplan.monthly.myopic")
    kept: dict[str, np.ndarray] = {}
    real_hand_over = Periods.hand_over

    def hand_over(self):
        kept.update(lb=np.array(self.lb), ub=self.ub.copy(), row_lo=self.row_lo.copy(), row_hi=self.row_hi.copy())
        real_hand_over(self)

    real = myopic._Loop._set_month
    seen: list[int] = []

    def set_month(self, h, t, *args):
        real(self, h, t, *args)
        lp = h.getLp()
        m = len(self.rlo)
        got = (np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_)[:m],
               np.asarray(lp.row_upper_)[:m])  # fmt: skip
        for highs, loop in zip(got, (self.lo, self.hi, self.rlo, self.rhi), strict=True):
            assert np.array_equal(highs, loop)
        n, r = kept["ub"].shape[1], kept["row_lo"].shape[1]
        fixed_c = np.setdiff1d(np.arange(n), self.year_cols)
        fixed_r = np.setdiff1d(np.arange(r), self.cap_rows)
        assert np.array_equal(got[0][:n], kept["lb"][t])
        assert np.array_equal(got[1][fixed_c], kept["ub"][t, fixed_c])
        assert np.all(got[1][self.year_cols] <= kept["ub"][t, self.year_cols])
        assert np.array_equal(got[2][fixed_r], kept["row_lo"][t, fixed_r])
        assert np.array_equal(got[3][fixed_r], kept["row_hi"][t, fixed_r])
        seen.append(len(self.col_idx[t]) + len(self.row_idx[t]))

    monkeypatch.setattr(Periods, "hand_over", hand_over)
    monkeypatch.setattr(myopic._Loop, "_set_month", set_month)
    sc = load_scenario(SC, overrides={"time": {"years": 2}})
    solve_monthly(build_graph(sc), sc, mode="myopic")
    assert len(seen) == 24
    assert min(seen[1:]) > 0  # something moves every month (storage, the year's caps) ...
    assert max(seen[1:]) < seen[0]  # ... but not everything
    assert len(kept["ub"]) == 24


def test_tables_are_written_part_by_part_as_the_whole_tables(monthly_run, tmp_path):
    """A run writes its four tables a few years at a time (only one part's rows held): the files are
    byte for byte the whole tables' ``to_csv``, in the run's folder and with uneven parts (24 months
    as 5 + 5 + 5 + 5 + 4); the mean year made part by part is the mean year of the whole tables."""
    import pandas as pd

    from waterplan.tables import mean_year, mean_year_of, write_period_tables

    res, folder = monthly_run("myopic")
    whole = res.tables()
    written = write_period_tables(res.horizon, tmp_path, part=5)
    assert [p.name for p in written] == [f"{name}.csv" for name in whole]
    for name, df in whole.items():
        text = df.to_csv(index=False)
        assert len(df) > 24 and df["period"].nunique() == 24
        assert (tmp_path / f"{name}.csv").read_text(encoding="utf-8") == text, name
        assert (folder / f"{name}.csv").read_text(encoding="utf-8") == text, name
    with pytest.raises(ValueError, match="'flow': the tables are allocation, balance, flows, sources"):
        res.table("flow")
    from waterplan.i18n import set_language

    set_language("zh")
    try:
        with pytest.raises(ValueError, match="没有 'flow' 这张表：表有 allocation, balance, flows, sources"):
            res.table("flow")
    finally:
        set_language(None)
    expected = mean_year(whole, 2.0, "2030–2031")
    for part in (5, 7, 60):
        got = mean_year_of(res.horizon, 2.0, "2030–2031", part=part)
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], rtol=1e-12, check_dtype=False)


def test_the_monthly_shortage_charts_draw_the_balance_by_sector(monthly_run, monkeypatch):
    """The monthly shortage chart and the exceedance curve are drawn from the month × demand frame:
    what they draw is balance.csv's shortage by month × sector (in its sector order) and by year."""
    import matplotlib.axes
    import numpy as np
    import pandas as pd

    from waterplan.charts import monthly_charts

    res, folder = monthly_run("myopic")
    drawn: dict[str, object] = {}
    real_stack, real_plot = matplotlib.axes.Axes.stackplot, matplotlib.axes.Axes.plot

    def stackplot(self, x, y, *a, labels=(), **kw):
        drawn["monthly"] = (np.asarray(y), list(labels))
        return real_stack(self, x, y, *a, labels=labels, **kw)

    def plot(self, *args, **kw):
        if kw.get("marker") == "o":
            drawn["yearly"] = np.asarray(args[1])
        return real_plot(self, *args, **kw)

    monkeypatch.setattr(matplotlib.axes.Axes, "stackplot", stackplot)
    monkeypatch.setattr(matplotlib.axes.Axes, "plot", plot)
    monthly_charts(res, guarantee_rates(res))
    bal = pd.read_csv(folder / "balance.csv")
    by_sector = bal.pivot_table(index="period", columns="sector_zh", values="shortage_10k_m3", aggfunc="sum")
    y, labels = drawn["monthly"]
    assert labels == list(by_sector.columns)
    assert np.allclose(y, by_sector.to_numpy().T, rtol=1e-9, atol=1e-9)
    by_year = bal.groupby(bal["period"].str[:4])["shortage_10k_m3"].sum().sort_values(ascending=False)
    assert np.allclose(drawn["yearly"], by_year.to_numpy(), rtol=1e-9)
    assert by_year.sum() > 0


def test_the_myopic_loop_holds_the_horizon_once(monkeypatch):
    """Memory in proportion to the answer: while the months are solved, the loop holds no
    (months × columns) array but its solution, and the horizon's bounds are freed (reading them
    afterwards is an error, never an empty array taken for the horizon)."""
    import importlib

    import numpy as np

    myopic = importlib.import_module("waterplan.monthly.myopic")
    from waterplan.monthly.results import available_by_source

    real = myopic._Loop.run
    seen = {}

    def run(self, h, tiered, **kw):
        T, n = len(self.per.months), self.tpl.n_cols
        big = lambda v: isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[0] == T and v.shape[1] >= n  # noqa: E731
        seen["big"] = sorted(k for k, v in vars(self).items() if big(v))
        seen["per"] = [getattr(self.per, k).size for k in ("lb", "ub", "row_lo", "row_hi", "share")]
        with pytest.raises(RuntimeError, match="handed over"):
            available_by_source(self.tpl, self.per)
        return real(self, h, tiered, **kw)

    monkeypatch.setattr(myopic._Loop, "run", run)
    sc = load_scenario(SC, overrides={"time": {"years": 1}})
    res = solve_monthly(build_graph(sc), sc, mode="myopic")
    assert seen == {"big": ["x"], "per": [0, 0, 0, 0, 0]}
    assert len(res.tables()["sources"]) > 0


def test_storage_drawn_below_the_start_is_reported_against_each_target(monthly_run):
    """Each year's storage drawn (start less end, the first year from the assumed initial storage),
    recomputed from storage.csv; the 6.68 亿m³ level counts reservoir water, and the report says
    how much of its value came from storage drawn down (at most the drawdown, at most the reservoir
    water it counts)."""
    import pandas as pd

    from waterplan.monthly.results import policy_yearly, storage_drawn, targets_from_storage

    res, folder = monthly_run("full")
    st = pd.read_csv(folder / "storage.csv", dtype={"period": str})
    drawn = storage_drawn(res).set_index(["period", "reservoir"])
    for r, part in st.groupby("reservoir"):
        start = res.graph.nodes[r]["initial_storage"]
        for year, months in part.groupby(part["period"].str[:4]):
            end = float(months["storage_10k_m3"].iloc[-1])
            assert drawn.loc[(year, r), "drawn_10k_m3"] == pytest.approx(start - end, abs=1e-6)
            start = end
    helped = targets_from_storage(res, policy_yearly(res)).set_index(["period", "id"])
    first = str(min(drawn.index.get_level_values(0)))
    row = helped.loc[(first, "TY-yellow-fen-hutuo")]
    total = drawn.loc[first, "drawn_10k_m3"].sum()
    assert 0 < row["from_storage_10k_m3"] <= total + 1e-6
    assert row["without_storage"] == pytest.approx(row["value"] - row["from_storage_10k_m3"])
    assert "Storage drawn" in (folder / "report.md").read_text(encoding="utf-8")
    assert "蓄水消耗" in (folder / "report.html").read_text(encoding="utf-8")


def test_a_cyclic_horizon_ends_where_it_began_and_myopic_mode_refuses_it():
    """time.storage_end: at_start — every reservoir ends the horizon at least at its initial storage;
    a myopic run cannot promise that and says so."""
    from waterplan import InputError, build_graph, load_scenario
    from waterplan.monthly import solve_monthly

    sc = load_scenario(SC, overrides={"time": {"years": 1, "storage_end": "at_start"}})
    G = build_graph(sc)
    res = solve_monthly(G, sc, mode="full")
    for r in res.storage.columns:
        assert res.storage[r].iloc[-1] >= G.nodes[r]["initial_storage"] - 1e-6, r
    free = solve_monthly(G, load_scenario(SC, overrides={"time": {"years": 1}}))
    assert any(free.storage[r].iloc[-1] < G.nodes[r]["initial_storage"] - 1.0 for r in free.storage.columns)
    with pytest.raises(InputError, match="storage_end"):
        solve_monthly(G, sc, mode="myopic")
