"""Ensembles on Dask: the same results as sequential runs whatever the workers, failures kept apart,
resumed without rerunning finished members."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import A, edge, node
from test_browser import CHROMIUM, assert_readable_at_1280

from waterplan.ensemble import TABLES, ensemble_members, member_seed, read_parts, run_ensemble, run_member

W = "万m³"
SECTORS = {
    "domestic": {"name_zh": "生活", "priority": 1, "accepts": ["surface"]},
    "agriculture": {"name_zh": "农业", "priority": 2, "accepts": ["surface"]},
}


@pytest.fixture
def monthly(case):
    """S (a river, 100 a year on average, varying with the hydrology) → A: domestic 40, agriculture 55;
    withdrawal capped at 90 a year."""
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,agriculture")],
        demands=[(A, "domestic", 40, W), (A, "agriculture", 55, W)],
        sectors=SECTORS,
        constraints=[
            {
                "id": "cap",
                "name_zh": "用水总量",
                "type": "cap",
                "measure": "withdrawal",
                "value": 90,
                "unit": W,
                "clause": "test",
            }
        ],
        extra={"time": {"years": 3, "start_year": 2001, "guarantee_targets": {"domestic": 0.95, "agriculture": 0.5}}},
    )


@pytest.fixture(scope="module")
def scheduler():
    """One local Dask cluster (two worker processes) shared by the tests that do not count workers:
    its address, as ``--scheduler`` takes it (starting a cluster costs each test seconds)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("variant", "member", "county", "sector", "year", "constraint") if c in df]
    return df.sort_values(keys).reset_index(drop=True)[sorted(df.columns)]


def test_the_wilson_interval_by_hand():
    """p = 0.5 from 10 members: centre 0.5, half-width 1.96·√(0.025 + 0.009604) / 1.38416 = 0.26341."""
    from waterplan.ensemble import wilson

    lo, hi = wilson(0.5, 10)
    assert lo == pytest.approx(0.5 - 0.26341, abs=1e-5) and hi == pytest.approx(0.5 + 0.26341, abs=1e-5)
    assert wilson(0.0, 4)[0] == 0.0 and wilson(None, 4) == (None, None)
    # 1 of 10 (Newcombe 1998, Stat. Med. 17:857, method 3): 0.0179 to 0.4042, not centred on 0.1
    lo, hi = wilson(0.1, 10)
    assert lo == pytest.approx(0.01788, abs=1e-4) and hi == pytest.approx(0.40416, abs=1e-4)


def test_the_interval_of_a_share_of_years_stays_within_zero_and_one(tmp_path):
    """Three members, two fully supplied every year and one in none: the mean's normal 95 % interval
    would reach 1.32; a share's interval is clipped to [0, 1]."""
    import pandas as pd

    from waterplan.ensemble import ensemble_report

    for member, share in enumerate([1.0, 1.0, 0.0]):
        part = tmp_path / "parts" / "guarantee" / "variant=base" / f"member={member}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"variant": ["base"], "member": [member], "county": ["140105"], "sector": ["domestic"],
                      "years_fully_supplied": [share], "target_years": [0.95],
                      "mean_shortage_10k_m3_per_year": [0.0]}).to_parquet(part)  # fmt: skip
    s = ensemble_report(tmp_path).iloc[0]
    assert s["years_fully_supplied_mean"] == pytest.approx(2 / 3)
    assert s["years_fully_supplied_ci95_lo"] == pytest.approx(2 / 3 - 1.96 * 0.57735 / 3**0.5, abs=1e-4)
    assert s["years_fully_supplied_ci95_hi"] == 1.0
    assert s["p_miss_target"] == pytest.approx(1 / 3)
    assert 0.0 <= s["p_miss_ci95_lo"] <= 1 / 3 <= s["p_miss_ci95_hi"] <= 1.0


def test_member_seeds_follow_from_the_ensemble_seed_and_the_index_alone():
    a = ensemble_members(4, seed=7, variants={"x": {}, "y": {"equity": False}})
    assert [m.seed for m in a if m.variant == "x"] == [m.seed for m in a if m.variant == "y"]
    assert [m.seed for m in a[:4]] == [member_seed(7, i) for i in range(4)]
    assert len({m.seed for m in a}) == 4 and member_seed(7, 0) != member_seed(8, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_ensemble_gives_exactly_the_sequential_runs(monthly, tmp_path, workers, request):
    """One worker of its own, or the shared cluster's two: the parts are the sequential runs'."""
    where = {"workers": 1} if workers == 1 else {"scheduler": request.getfixturevalue("scheduler")}
    out = run_ensemble(monthly, tmp_path / "ens", realisations=3, seed=11, **where)
    for table in TABLES:
        sequential = pd.concat([run_member(monthly, m)[table] for m in ensemble_members(3, seed=11)], ignore_index=True)
        pd.testing.assert_frame_equal(_sorted(read_parts(out, table)), _sorted(sequential), obj=table)
    g = read_parts(out, "guarantee")
    assert g["years_fully_supplied"].nunique() > 1 or g["mean_shortage_10k_m3_per_year"].nunique() > 2  # members differ
    summary = pd.read_csv(out / "guarantee_summary.csv", dtype={"county": str}).set_index(["county", "sector"])
    agri = g[g["sector"] == "agriculture"]
    assert summary.loc[(A, "agriculture"), "years_fully_supplied_mean"] == pytest.approx(
        agri["years_fully_supplied"].mean()
    )
    assert summary.loc[(A, "agriculture"), "p_miss_target"] == pytest.approx(
        (agri["years_fully_supplied"] < 0.5).mean()
    )
    row = summary.loc[(A, "agriculture")]
    half = 1.96 * agri["years_fully_supplied"].std(ddof=1) / 3**0.5
    assert row["years_fully_supplied_ci95_hi"] - row["years_fully_supplied_mean"] == pytest.approx(half)
    assert row["p_miss_ci95_lo"] <= row["p_miss_target"] <= row["p_miss_ci95_hi"]
    p = read_parts(out, "policy_yearly")
    binds = (p["value"] >= 90 - 1e-4).mean()  # recomputed from the yearly withdrawals
    assert pd.read_csv(out / "binding.csv").set_index("constraint").loc[
        "cap", "share_of_member_years"
    ] == pytest.approx(binds)
    page = (out / "ensemble.html").read_text(encoding="utf-8")
    assert page.count("<table") >= 2 and "alt='risk map'" in page and "alt='shortage exceedance'" in page
    if workers == 2 and CHROMIUM:  # the report as a reader sees it (once)
        text = assert_readable_at_1280(out / "ensemble.html", tmp_path, "ensemble-1280")
        assert "小店区 Xiaodian District" in text and "农业 Agriculture" in text and "用水总量" in text
        riskiest = text.index("风险最高")
        assert text.index("农业 Agriculture", riskiest) < text.index("生活 Domestic", riskiest)  # riskiest first


def test_a_failing_variant_leaves_the_others_and_the_report(monthly, tmp_path, scheduler):
    """A variant that loads but cannot be solved (a hard floor above the river) fails in each member;
    the base runs, and the report lists the failures."""
    floor = {"id": "floor", "name_zh": "下限", "type": "floor", "measure": "withdrawal", "value": 500, "unit": W,
             "clause": "test", "rank": "hard"}  # fmt: skip
    variants = {"base": {}, "broken": {"constraints": [floor]}}
    out = run_ensemble(monthly, tmp_path / "ens", realisations=2, seed=3, variants=variants, scheduler=scheduler)
    failures = pd.read_csv(out / "failures.csv")
    assert sorted(failures["variant"]) == ["broken", "broken"]
    assert failures["error"].str.contains("Infeasible").all(), failures["error"].tolist()
    summary = pd.read_csv(out / "guarantee_summary.csv")
    assert (summary["members_failed"] == 0).all()  # the base's rows: none of its members failed
    assert set(read_parts(out, "guarantee")["variant"]) == {"base"}
    assert "Failed members" in (out / "ensemble.html").read_text(encoding="utf-8")


def test_an_interrupted_ensemble_resumes_with_the_members_not_yet_written(monthly, tmp_path, scheduler):
    out = run_ensemble(monthly, tmp_path / "ens", realisations=3, seed=5, scheduler=scheduler)
    before = read_parts(out, "guarantee")
    for table in TABLES:  # as if the run had stopped before member 1 was written
        (out / "parts" / table / "variant=base" / "member=00001.parquet").unlink()
    ran = []
    run_ensemble(
        monthly, out, realisations=3, seed=5, scheduler=scheduler, on_member=lambda m, err: ran.append(m.realisation)
    )
    assert ran == [1]
    pd.testing.assert_frame_equal(_sorted(read_parts(out, "guarantee")), _sorted(before))


def test_ensemble_command_with_variants_from_a_file(monthly, tmp_path, scheduler):
    from typer.testing import CliRunner

    from waterplan.cli import app

    variants = tmp_path / "variants.yaml"
    variants.write_text("base: {}\ntighter:\n  constraints:\n    - {id: cap, value: 80}\n", encoding="utf-8")
    args = [
        "ensemble",
        str(monthly),
        "--out",
        str(tmp_path / "e"),
        "-n",
        "2",
        "--variants",
        str(variants),
        "--scheduler",
        scheduler,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Failed members: 0" in result.output
    summary = pd.read_csv(tmp_path / "e" / "guarantee_summary.csv")
    assert set(summary["variant"]) == {"base", "tighter"}
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        "impossible:\n  constraints:\n    - {id: floor, name_zh: 下限, type: floor, measure: withdrawal, value: 500,"
        " unit: 万m³, clause: t, rank: hard}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, [*args[:-4], "--variants", str(failing), "--out", str(tmp_path / "g")])
    assert result.exit_code == 5, result.output  # failed members are counted in the exit code too
    assert "Failed members: 2" in result.output and "Traceback" not in result.output
    assert "Members failed" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    result = CliRunner().invoke(app, [*args[:-4], "--variants", str(bad), "--out", str(tmp_path / "f")])
    assert result.exit_code == 2 and "a mapping: variant name → its overrides" in result.output


def test_a_folder_with_other_files_is_never_written_into(monthly, tmp_path):
    from waterplan import InputError

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "ensemble.html").write_text("my own page", encoding="utf-8")
    with pytest.raises(InputError, match=r"'--out' = .*mine': a new or empty folder, or an earlier ensemble's"):
        run_ensemble(monthly, mine, realisations=1, seed=0, workers=1)
    assert (mine / "ensemble.html").read_text(encoding="utf-8") == "my own page"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"a folder for the ensemble: this is a file"):
        run_ensemble(monthly, tmp_path / "file", realisations=1, seed=0, workers=1)


def test_the_clusters_loggers_are_silent_while_it_runs_and_set_back_after(monthly, tmp_path, scheduler):
    """What Dask and tornado log of the cluster (addresses, workers joining or lost, tracebacks from
    its event loop) is not the planner's: silent while the members run; their levels as they were after."""
    import logging

    import distributed  # noqa: F401  (its loggers, with the levels its import gives them)

    names = ("distributed", "distributed.client", "tornado", "tornado.application", "asyncio")
    before = {n: logging.getLogger(n).level for n in names}
    during: dict[str, bool] = {}

    def on_member(_m, _error):
        during.update({n: logging.getLogger(n).isEnabledFor(logging.CRITICAL) for n in names})

    run_ensemble(monthly, tmp_path / "ens", realisations=1, seed=2, scheduler=scheduler, on_member=on_member)
    assert during == dict.fromkeys(names, False)
    assert {n: logging.getLogger(n).level for n in names} == before
    # (heard again: not left silent by this ensemble or by any before it in this process)
    assert all(logging.getLogger(n).isEnabledFor(logging.CRITICAL) for n in names)


def test_a_ctrl_c_a_finaliser_swallowed_still_stops_the_ensemble(monthly, tmp_path, scheduler):
    """Ctrl-C while Python is in a finaliser (a Dask future's, released as members come in): the
    KeyboardInterrupt is swallowed there, yet the ensemble stops after the member being written,
    keeps it, and sets Ctrl-C's handler back."""
    import contextlib
    import signal

    def on_member(_m, _error):
        with contextlib.suppress(KeyboardInterrupt):  # as a finaliser does: it goes no further
            signal.raise_signal(signal.SIGINT)

    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # (as at a terminal)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_ensemble(monthly, tmp_path / "ens", realisations=3, seed=5, scheduler=scheduler, on_member=on_member)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
    written = list((tmp_path / "ens" / "parts" / "guarantee").rglob("*.parquet"))
    assert len(written) == 1 and (tmp_path / "ens" / "ensemble.json").is_file()


def test_an_ensemble_without_guarantee_targets_has_no_chance_of_missing_one(case, tmp_path, scheduler):
    """No guarantee targets (each member's target column empty): the report is written without a
    warning, and no probability of missing a target is made up."""
    scenario = case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic,agriculture")],
        demands=[(A, "domestic", 40, W), (A, "agriculture", 55, W)],
        sectors=SECTORS,
        extra={"time": {"years": 2, "start_year": 2001}},
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (whatever the command line says of warnings)
        out = run_ensemble(scenario, tmp_path / "ens", realisations=2, seed=1, scheduler=scheduler)
    summary = pd.read_csv(out / "guarantee_summary.csv")
    assert len(summary) == 2 and summary["p_miss_target"].isna().all() and (summary["members"] == 2).all()


def test_after_a_ctrl_c_the_clusters_loggers_stay_silent():
    """A cluster stopped by Ctrl-C as it started goes on failing in its event loop's thread after
    the ensemble has ended: what it logs then is not heard either."""
    import logging

    from waterplan.ensemble import _cluster_quiet

    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    try:
        with pytest.raises(KeyboardInterrupt), _cluster_quiet():
            raise KeyboardInterrupt
        assert not any(lg.isEnabledFor(logging.CRITICAL) for lg in loggers)
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
