"""One vocabulary wherever a sector is typed: keys, English and Chinese names, synonyms, full-width
punctuation, and the closest name proposed for an unknown one."""

from __future__ import annotations

import pytest
from conftest import A, edge, node

import waterplan as wp
from waterplan import InputError, build_graph, load_scenario
from waterplan.i18n import set_language
from waterplan.spec import SECTOR_NAMES
from waterplan.vocabulary import SECTOR_SYNONYMS, closest_sector, resolve_kind, resolve_sector, split_names

W = "万m³"


@pytest.mark.parametrize(
    ("typed", "key"),
    [("domestic", "domestic"), ("Domestic", "domestic"), ("ＤＯＭＥＳＴＩＣ", "domestic"), (" 生活 ", "domestic"),
     ("市政杂用", "municipal"), ("市政", "municipal"), ("城市杂用", "municipal"), ("基本生态", "ecology_basic"),
     ("Basic ecology", "ecology_basic"), ("农田灌溉", "agriculture"), ("养殖", None), ("domestik", None)],
)  # fmt: skip
def test_a_sector_by_any_of_its_names(typed, key):
    assert resolve_sector(typed, SECTOR_NAMES) == key


def test_a_sectors_own_name_is_read_from_the_scenario_it_belongs_to():
    """The spellings are made once for each set of sectors with their own Chinese names: a name one
    scenario gives a sector is not accepted in another that names it otherwise, nor a synonym of a
    sector the scenario does not have."""
    from types import SimpleNamespace

    mine = {"industry": SimpleNamespace(name_zh="工矿"), "domestic": SimpleNamespace(name_zh="生活")}
    theirs = {"industry": SimpleNamespace(name_zh="工业"), "domestic": SimpleNamespace(name_zh="生活")}
    assert resolve_sector("工矿", mine) == "industry" and resolve_sector("工矿", theirs) is None
    assert resolve_sector("工矿", mine) == "industry"  # (asked again: the same answer)
    assert resolve_sector("中水", mine) is None and resolve_sector("城市杂用", mine) is None


def test_every_synonym_names_a_sector():
    assert set(SECTOR_SYNONYMS.values()) <= set(SECTOR_NAMES)
    assert all(resolve_sector(w, SECTOR_NAMES) == k for w, k in SECTOR_SYNONYMS.items())


def test_lists_split_at_half_and_full_width_separators():
    assert split_names("domestic,industry") == ["domestic", "industry"]
    assert split_names("生活，工业、生态；市政; Ecology") == ["生活", "工业", "生态", "市政", "Ecology"]
    assert split_names(" , 生活，, ") == ["生活"]


def test_the_closest_name_is_proposed():
    assert closest_sector("domestik", SECTOR_NAMES) == "domestic (生活)"
    assert closest_sector("市政用水", SECTOR_NAMES) == "municipal (市政杂用)"
    assert closest_sector("xyz", SECTOR_NAMES) is None


def _case(case, sectors: str, demands=None):
    return case(
        nodes=[node("S", "intake", source_kind="surface", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors=sectors)],
        demands=demands or [(A, "domestic", 50, W), (A, "industry", 20, W)],
    )


def test_an_edge_serves_the_sectors_it_names_in_chinese_with_full_width_commas(case):
    G = build_graph(load_scenario(_case(case, "生活，工业")))
    assert not [w for w in G.graph.get("warnings", []) if "supplied nothing" in w]  # both reached
    G = build_graph(load_scenario(_case(case, "生活")))  # industry left out: reached by nothing
    (w,) = [w for w in G.graph.get("warnings", []) if "supplied nothing" in w]
    assert "no source that industry accepts" in w


def test_an_unknown_sector_on_an_edge_names_the_closest(case):
    with pytest.raises(
        InputError, match=r"field 'features\[0\] \(e\).sectors' = 'domestik': did you mean domestic \(生活\)"
    ):
        build_graph(load_scenario(_case(case, "domestik,industry")))


def test_the_demand_table_takes_synonyms_and_names_the_closest(case):
    path = _case(case, "*", demands=[(A, "生活用水", 50, W), (A, "工业", 20, W)])
    sc = load_scenario(path)
    assert set(sc.demands["sector"]) == {"domestic", "industry"}
    with pytest.raises(InputError, match=r"field 'sector' = '生活水': did you mean domestic \(生活\)"):
        load_scenario(_case(case, "*", demands=[(A, "生活水", 50, W)]))


def test_the_closest_name_is_proposed_in_chinese(case):
    before = set_language("zh")
    try:
        with pytest.raises(
            InputError, match=r"demands.csv 第 2 行：字段「sector」= '生活水'：是否是 domestic \(生活\)？行业名称"
        ):
            load_scenario(_case(case, "*", demands=[(A, "生活水", 50, W)]))
    finally:
        set_language(before)


def test_source_kinds_in_chinese_and_synonyms_everywhere_a_kind_is_typed(case):
    """A sector's accepts, a node's source_kind and a constraint's sources.kinds take the kind's key,
    its Chinese name or a synonym (中水 → reclaimed); an unknown one names the closest."""
    assert resolve_kind("再生水") == resolve_kind("中水") == resolve_kind("ＲＥＣＬＡＩＭＥＤ") == "reclaimed"
    assert resolve_kind("孔隙地下水") == "groundwater_porous" and resolve_kind("地下水") is None
    sectors = {"domestic": {"name_zh": "生活", "priority": 1, "accepts": ["地表水", "中水"]}}
    cap = {"id": "K", "name_zh": "再生水上限", "type": "cap", "measure": "withdrawal", "value": 50, "unit": "万m³",
           "clause": "test", "sources": {"kinds": ["地表水"]}}  # fmt: skip
    path = case(
        nodes=[node("S", "intake", source_kind="地表水", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 80, W)],
        sectors=sectors,
        constraints=[cap],
    )
    sc = load_scenario(path)
    assert sc.spec.sectors["domestic"].accepts == ["surface", "reclaimed"]
    G = build_graph(sc)
    assert G.nodes["S"]["source_kind"] == "surface"
    res = wp.run_scenario(path)
    assert res.results.indicators.set_index("id").loc["K", "value"] == pytest.approx(50, abs=1e-4)
    bad = case(
        nodes=[node("S", "intake", source_kind="地表", available=100, available_unit=W)],
        edges=[edge("e", "S", f"county:{A}", sectors="domestic")],
        demands=[(A, "domestic", 80, W)],
        sectors={"domestic": {"name_zh": "生活", "priority": 1, "accepts": ["地下水"]}},
    )
    with pytest.raises(InputError, match=r"accepts' = '地下水': did you mean groundwater_\w+ \(\w+\)\? kinds of water"):
        load_scenario(bad)
