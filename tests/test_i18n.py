"""The command line speaks Chinese or English: help and the titles of its messages from the message
catalogue, by ``--lang``, ``WATERPLAN_LANG`` or the locale."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from waterplan import InputError, i18n, load_scenario
from waterplan.cli import app

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
runner = CliRunner()


def test_the_catalogue_translates_every_help_text_and_is_compiled():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_catalog.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_translation_keeps_the_names_the_message_fills_in():
    """A message's Chinese has every placeholder of its English (the file, the field, the value the
    user wrote) and no other, and is Chinese."""
    with (ROOT / "waterplan/locale/zh_CN/LC_MESSAGES/waterplan.po").open("rb") as f:
        catalogue = read_po(f)
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 300
    for m in messages:
        assert _fields(m.string) == _fields(m.id), (m.id, m.string)
        assert re.search(r"[\u3000-\u9fff\uff00-\uffef]", m.string) or m.id in ("; or ",), (m.id, m.string)


def test_a_message_is_said_in_the_language_chosen_when_it_is_raised(tmp_path):
    """The same bad value: English by default, Chinese after ``set_language("zh")``, with the
    user's key and value unchanged."""
    bad = tmp_path / "x.yaml"
    bad.write_text("name: x\nyear: 2030\nyeer: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as en:
        load_scenario(bad)
    before = i18n.set_language("zh")
    try:
        with pytest.raises(InputError) as zh:
            load_scenario(bad)
    finally:
        i18n.set_language(before)
    assert "field 'yeer' = 1: unknown key (check its spelling)" in str(en.value)
    assert "x.yaml：字段「yeer」= 1：未知的键（请检查拼写）" in str(zh.value)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_commands_help_in_chinese_and_in_english(command):
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    first = cmd.help.split("\n")[0]
    zh = runner.invoke(app, ["--lang", "zh", command, "--help"], terminal_width=200)
    assert zh.exit_code == 0, zh.output
    i18n.set_language("zh")
    try:
        translated = i18n.gettext(cmd.help)
    finally:
        i18n.set_language(None)
    assert translated != cmd.help and translated[:6] in zh.output, zh.output
    assert first[:20] not in zh.output
    en = runner.invoke(app, ["--lang", "en", command, "--help"], terminal_width=200)
    assert en.exit_code == 0 and first[:20] in en.output, en.output


def test_the_language_from_the_environment_and_the_locale(monkeypatch):
    for var in ("WATERPLAN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.language() == "zh"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # (C: no language chosen; LANG decides)
    assert i18n.language() == "zh"
    monkeypatch.setenv("WATERPLAN_LANG", "en")
    assert i18n.language() == "en"
    i18n.set_language("zh")
    try:
        assert i18n.language() == "zh"
    finally:
        i18n.set_language(None)


def test_an_error_titled_in_the_users_language_and_the_language_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("WATERPLAN_LANG", "en")
    missing = str(tmp_path / "missing.yaml")
    zh = runner.invoke(app, ["validate", missing, "--lang", "zh"])
    assert zh.exit_code == 2 and zh.output.startswith("输入错误:"), zh.output
    en = runner.invoke(app, ["validate", missing])
    assert en.exit_code == 2 and en.output.startswith("Input error:"), en.output
