"""The Chinese message catalogue: collect what waterplan says that the catalogue translates (every
help text of the command line, the titles of its messages, every ``tr("…")`` in the code), keep the translations already in
``waterplan/locale/zh_CN/LC_MESSAGES/waterplan.po``, add the new texts untranslated, and compile the
``.mo`` beside it (Babel). ``--check``: change nothing; exit 1 if a text has no translation or the
``.mo`` is not the ``.po`` compiled.

Run: ``.venv/bin/python tools/make_catalog.py [--check]``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "waterplan" / "locale" / "zh_CN" / "LC_MESSAGES" / "waterplan.po"
#: the titles of the command line's messages (waterplan/cli.py)
TITLES = ["Input error", "Targets in conflict", "Solver error", "Warning"]


def _helps(cmd: Any) -> list[str]:
    out = [cmd.help] if cmd.help else []
    out += [p.help for p in cmd.params if getattr(p, "help", None)]
    for sub in getattr(cmd, "commands", {}).values():
        out += _helps(sub)
    return out


def _marked() -> list[str]:
    """Every ``tr("…")`` and ``N_("…")`` text in waterplan's code (Babel's extractor), file by file."""
    found = extract_from_dir(ROOT / "waterplan", method_map=[("**.py", "python")], keywords={"tr": None, "N_": None})
    return [msg for _file, _line, msg, _comments, _context in found if isinstance(msg, str)]


def texts() -> list[str]:
    """Every text the catalogue translates: the command line's help in the order it shows them,
    then what the code says through :func:`waterplan.i18n.tr`."""
    import typer.main

    from waterplan.cli import app

    seen: dict[str, None] = {}
    for t in [*TITLES, *_helps(typer.main.get_command(app)), *_marked()]:
        seen.setdefault(t, None)
    return list(seen)


def catalogue() -> Catalog:
    """The catalogue with every text, the translations the ``.po`` has."""
    old = read_po(io.BytesIO(PO.read_bytes())) if PO.exists() else Catalog(locale="zh_CN")
    cat = Catalog(locale="zh_CN", domain="waterplan", project="waterplan", fuzzy=False)
    for text in texts():
        had = old.get(text)
        cat.add(text, had.string if had is not None else "")
    return cat


def _mo(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat)
    return buf.getvalue()


def main() -> None:
    cat = catalogue()
    missing = [m.id for m in cat if m.id and not m.string]
    if "--check" in sys.argv:
        mo = PO.with_suffix(".mo")
        stale = not mo.exists() or mo.read_bytes() != _mo(read_po(io.BytesIO(PO.read_bytes())))
        if missing or stale:
            print(f"untranslated: {missing}; .mo stale: {stale}")
            sys.exit(1)
        return
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, cat, width=120, omit_header=False, no_location=True)
    PO.with_suffix(".mo").write_bytes(_mo(read_po(io.BytesIO(PO.read_bytes()))))
    print(f"{PO}: {len(cat)} texts, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
