"""Scenario files and tables as Chinese offices save them: UTF-8 with or without BOM, GBK, UTF-16."""

from __future__ import annotations

import shutil

import pytest
from conftest import TAIYUAN

from waterplan import InputError, load_scenario


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(TAIYUAN.parent, tmp_path / "scenarios")
    shutil.copytree(TAIYUAN.parents[1] / "gis", tmp_path / "gis")
    return tmp_path / "scenarios"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_scenario_and_demand_table_in_office_encodings(copy, encoding, reported):
    for name in ("taiyuan-2030.yaml", "taiyuan/demands-2030.csv"):
        p = copy / name
        text = p.read_text(encoding="utf-8")
        if encoding == "gbk":  # GBK has no superscripts: offices write 万m3
            text = text.replace("³", "3").replace("²", "2")
        p.write_bytes(text.encode(encoding))
    sc = load_scenario(copy / "taiyuan-2030.yaml")
    ref = load_scenario(TAIYUAN)
    assert sc.demands["demand_10k_m3"].tolist() == ref.demands["demand_10k_m3"].tolist()
    assert [c.name_zh for c in sc.constraints] == [c.name_zh for c in ref.constraints]
    assert set(sc.encodings.values()) == {reported}


def test_a_binary_file_is_one_clear_error(copy):
    p = copy / "taiyuan-2030.yaml"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"taiyuan-2030.yaml: field '\(encoding\)' = '00 01 02.*UTF-8 or GBK/GB18030"):
        load_scenario(p)


def test_a_key_given_twice_is_an_error(copy):
    p = copy / "taiyuan-2030.yaml"
    text = p.read_text(encoding="utf-8").replace("year: 2030\n", "year: 2030\nyear: 2031\n", 1)
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"line 10, column 1' = \"duplicate key 'year'\": each key once in a mapping"):
        load_scenario(p)
