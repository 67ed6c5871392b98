"""The names a user types for sectors: one vocabulary wherever a sector is named (the demand table's
sector column, an edge's ``sectors`` list).

A sector is found by its key (``domestic``), its English label (``Domestic``), its Chinese name (the
standard one, 生活, and the scenario's own ``name_zh``) or a documented synonym (:data:`SECTOR_SYNONYMS`,
e.g. 市政 → 市政杂用); case, full-width letters and full-width punctuation do not matter. A list may
be separated by ``,``, ``，``, ``、``, ``;`` or ``；``. An unknown name gets the closest known one
proposed.

>>> resolve_sector("市政", SECTOR_NAMES)
'municipal'
>>> split_names("生活，工业、 Ecology")
['生活', '工业', 'Ecology']
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from .i18n import tr
from .palette import KIND_ZH
from .spec import SECTOR_NAMES, SOURCE_KINDS

__all__ = [
    "KIND_SYNONYMS",
    "SECTOR_SYNONYMS",
    "closest_sector",
    "kind_choices",
    "resolve_kind",
    "resolve_sector",
    "sector_choices",
    "split_names",
]

#: other words the plans and bureaus' tables use for a sector (documented in docs/data.md)
SECTOR_SYNONYMS = {
    "生活用水": "domestic",
    "居民生活": "domestic",
    "城乡生活": "domestic",
    "城镇生活": "domestic",
    "工业用水": "industry",
    "农业用水": "agriculture",
    "农田灌溉": "agriculture",
    "灌溉": "agriculture",
    "生态用水": "ecology",
    "生态环境": "ecology",
    "河道外生态": "ecology",
    "基本生态用水": "ecology_basic",
    "市政": "municipal",
    "城市杂用": "municipal",
    "市政杂用水": "municipal",
}

_SEPARATORS = re.compile(r"\s*[,、;]\s*")


def _normal(text: object) -> str:
    """Full-width letters and punctuation as half-width (NFKC), no outer blanks, lower case."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def split_names(raw: object) -> list[str]:
    """A typed list of names, split at any of , ， 、 ; ； (blank entries dropped)."""
    return [s for s in _SEPARATORS.split(unicodedata.normalize("NFKC", str(raw)).strip()) if s]


def _spellings(sectors: Mapping[str, Any]) -> dict[str, str]:
    """Every accepted spelling (normalised) → the sector's key, for the sectors of ``sectors``
    (a scenario's sectors, or :data:`SECTOR_NAMES`); made once for each set of sectors and their
    own Chinese names (a network names a sector on every line; read it, do not change it)."""
    return _spellings_of(tuple((str(key), getattr(sectors[key], "name_zh", None)) for key in sectors))


@lru_cache(maxsize=64)
def _spellings_of(sectors: tuple[tuple[str, str | None], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    keys = {key for key, _own in sectors}
    for key, own in sectors:
        zh, en = SECTOR_NAMES.get(key, (key, key))
        for spelling in (key, en, zh, own):
            if spelling:
                out.setdefault(_normal(spelling), key)
    for word, key in SECTOR_SYNONYMS.items():
        if key in keys:
            out.setdefault(_normal(word), key)
    return out


def resolve_sector(text: object, sectors: Mapping[str, Any]) -> str | None:
    """The key of the sector ``text`` names among ``sectors`` (None: none)."""
    return _spellings(sectors).get(_normal(text))


def closest_sector(text: object, sectors: Mapping[str, Any]) -> str | None:
    """The spelling closest to ``text`` among those of ``sectors``, as the user would type it."""
    spellings = _spellings(sectors)
    match = difflib.get_close_matches(_normal(text), list(spellings), n=1, cutoff=0.5)
    if not match:
        return None
    key = spellings[match[0]]
    zh = getattr(sectors[key], "name_zh", None) or SECTOR_NAMES.get(key, (key, key))[0]
    return f"{key} ({zh})"


def sector_choices(sectors: Mapping[str, Any], text: object) -> str:
    """What would be valid instead of ``text``, in Chinese and English: the closest name and the list."""
    names = ", ".join(
        f"{k} ({getattr(s, 'name_zh', None) or SECTOR_NAMES.get(k, (k, k))[0]})" for k, s in sectors.items()
    )
    near = closest_sector(text, sectors)
    hint = tr("did you mean {near}? ", near=near) if near else ""
    return hint + tr("sector names: {names}", names=names)


#: other words for a kind of water (the kinds' Chinese names in :data:`waterplan.palette.KIND_ZH`
#: are accepted too; documented in docs/data.md)
KIND_SYNONYMS = {
    "地表": "surface",
    "地表水源": "surface",
    "黄河": "yellow_mainstem",
    "黄河水": "yellow_mainstem",
    "引黄水": "yellow_mainstem",
    "岩溶泉": "spring",
    "泉": "spring",
    "浅层地下水": "groundwater_porous",
    "孔隙水": "groundwater_porous",
    "岩溶水": "groundwater_karst",
    "中水": "reclaimed",
    "再生水源": "reclaimed",
    "矿坑水": "mine",
    "疏干水": "mine",
    "雨洪水": "rainwater",
}


@cache
def _kind_spellings() -> dict[str, str]:
    """Every accepted spelling (normalised) of a kind of water → its key (built once)."""
    out = {_normal(k): k for k in SOURCE_KINDS}
    out |= {_normal(zh): k for k, zh in KIND_ZH.items() if k in SOURCE_KINDS}
    out |= {_normal(w): k for w, k in KIND_SYNONYMS.items()}
    return out


def resolve_kind(text: object) -> str | None:
    """The source kind ``text`` names (its key, Chinese name or a synonym; None: none)."""
    return _kind_spellings().get(_normal(text))


def kind_choices(text: object) -> str:
    """What would be valid instead of ``text``: the closest kind and the list, with Chinese names."""
    spellings = _kind_spellings()
    match = difflib.get_close_matches(_normal(text), list(spellings), n=1, cutoff=0.5)
    near = f"{spellings[match[0]]} ({KIND_ZH.get(spellings[match[0]], '')})" if match else ""
    names = ", ".join(f"{k} ({KIND_ZH.get(k, k)})" for k in SOURCE_KINDS)
    hint = tr("did you mean {near}? ", near=near) if near else ""
    return hint + tr("kinds of water: {names}", names=names)
