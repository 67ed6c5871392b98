"""Progress is visible wherever the output goes: a bar on a terminal, lines in a log."""

from __future__ import annotations

import io
import sys

import waterplan.progress as P


def test_lines_when_the_output_is_not_a_terminal(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(P, "PERIOD", 0.0)
    for _ in P.progress_bar(range(5), desc="myopic run", unit="month", show=True):
        pass
    lines = err.getvalue().splitlines()
    assert "\r" not in err.getvalue() and len(lines) >= 2
    assert lines[0].startswith("myopic run:") and "0/5" in lines[0]
    assert "5/5" in lines[-1] and "month" in lines[-1]


def test_nothing_when_not_asked(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    for _ in P.progress_bar(range(5), desc="x", unit="month", show=False):
        pass
    assert err.getvalue() == ""


def test_a_monthly_run_in_a_log_shows_its_months(monkeypatch, tmp_path):
    """The command line, its errors going to a log (not a terminal): the months go by, line by line."""
    from typer.testing import CliRunner

    from waterplan.cli import app

    monkeypatch.setattr(P, "PERIOD", 0.0)
    r = CliRunner().invoke(
        app, ["run", "scenarios/taiyuan-2030-monthly.yaml", "--years", "1", "--out", str(tmp_path / "m")]
    )
    assert r.exit_code == 0, r.output
    months = [line for line in r.output.splitlines() if line.startswith("myopic run:")]
    assert len(months) >= 3 and "12/12" in months[-1], r.output
