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
    with pytest.raises(InputError, match=r"line 11, column 1' = \"duplicate key 'year'\": each key once in a mapping"):
        load_scenario(p)


#: the demand table's headers as a bureau's workbook writes them
ZH_HEADERS = {
    "county": "县区", "county_zh": "县区名称", "sector": "行业", "demand": "需水量", "unit": "单位", "quantity": "数量",
    "quantity_unit": "数量单位", "quota": "定额", "quota_unit": "定额单位", "basis": "口径", "derivation": "来源",
}  # fmt: skip


def _zh_demands(copy):
    """Taiyuan's demand table with Chinese headers and sectors given by their Chinese names."""
    import pandas as pd

    d = pd.read_csv(copy / "taiyuan/demands-2030.csv", dtype=str, keep_default_na=False).rename(columns=ZH_HEADERS)
    sectors = {k: s.name_zh for k, s in load_scenario(TAIYUAN).spec.sectors.items()}
    d["行业"] = d["行业"].map(sectors)
    return d


def _use_demands(copy, name: str) -> None:
    p = copy / "taiyuan-2030.yaml"
    text = p.read_text(encoding="utf-8").replace("demands: taiyuan/demands-2030.csv", f"demands: taiyuan/{name}")
    assert f"taiyuan/{name}" in text
    p.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("form", ["xlsx", "gbk"])
def test_a_demand_workbook_or_gbk_table_with_chinese_headers(copy, form):
    """An Excel workbook, or a GBK CSV, with Chinese headers (县区, 行业, 需水量 …) and sectors by their
    Chinese names (生活, 工业 …) gives the same demands as the shipped UTF-8 CSV."""
    d = _zh_demands(copy)
    if form == "xlsx":
        d.to_excel(copy / "taiyuan/demands.xlsx", index=False)
        _use_demands(copy, "demands.xlsx")
    else:
        d = d.map(lambda v: v.replace("³", "3").replace("²", "2"))
        (copy / "taiyuan/demands.csv").write_bytes(d.to_csv(index=False).encode("gbk"))
        _use_demands(copy, "demands.csv")
    sc = load_scenario(copy / "taiyuan-2030.yaml")
    ref = load_scenario(TAIYUAN)
    assert sc.demands[["county", "sector"]].values.tolist() == ref.demands[["county", "sector"]].values.tolist()
    assert sc.demands["demand_10k_m3"].tolist() == pytest.approx(ref.demands["demand_10k_m3"].tolist(), rel=1e-12)


def test_a_file_that_is_not_a_workbook_is_one_clear_error(copy):
    (copy / "taiyuan/demands.xlsx").write_text("county,sector\n", encoding="utf-8")
    _use_demands(copy, "demands.xlsx")
    with pytest.raises(InputError, match=r"demands.xlsx: field '\(file\)' = .* a demand table as an Excel workbook"):
        load_scenario(copy / "taiyuan-2030.yaml")


def test_a_column_given_twice_in_two_languages_is_an_error(copy):
    d = _zh_demands(copy)
    d["county"] = d["县区"]
    d.to_excel(copy / "taiyuan/demands.xlsx", index=False)
    _use_demands(copy, "demands.xlsx")
    with pytest.raises(InputError, match=r"field '\(header\)' = \['县区', 'county'\]: each column once \(county"):
        load_scenario(copy / "taiyuan-2030.yaml")


def test_an_unknown_sector_names_the_sectors_in_both_languages(copy):
    d = _zh_demands(copy)
    d.loc[0, "行业"] = "养殖"
    d.to_excel(copy / "taiyuan/demands.xlsx", index=False)
    _use_demands(copy, "demands.xlsx")
    with pytest.raises(InputError, match=r"row 2: field '行业' = '养殖': .*sector names: domestic \(生活\)"):
        load_scenario(copy / "taiyuan-2030.yaml")
