"""Write waterplan/data/unit_table.json: every documented unit spelling as pint reads it.

Each spelling (``units.UNIT_ALIASES``, ``units.DRIVER_ALIASES``) is parsed by pint with
``units.registry()`` and kept as its magnitude in pint's base units, its dimensions and whether it is
a per-year unit. A run reads this table instead of importing pint (a quarter of a second);
``tests/test_speed_paths.py`` checks that the file equals what pint gives today. Run after adding a
spelling or upgrading pint:

    python tools/make_unit_table.py
"""

from __future__ import annotations

import json

from waterplan import units


def main() -> None:
    table = units.computed_table()
    rows = (f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in table.items())
    text = "{\n" + ",\n".join(rows) + "\n}\n"
    units._TABLE_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {units._TABLE_FILE.name}: {len(table)} spellings")


if __name__ == "__main__":
    main()
