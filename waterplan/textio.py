"""Reading the user's text files in the encodings Chinese offices write.

Scenario files and tables are read as UTF-8 (with or without a BOM), UTF-16 (with its BOM, as
Excel's "Unicode text" writes it) or GB18030 — the superset of GBK and GB2312 that Chinese
Notepad and Excel use — in that order; the first that decodes the whole file strictly is used
and reported. Anything else (a binary file, a file in another encoding) is one clear error.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pandas as pd

from ._errors import InputError, Problem

__all__ = ["read_table", "read_text"]

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


def read_text(path: Path, *, fname: str, what: str) -> tuple[str, str]:
    """The text of ``path`` and the encoding it was read in.

    Raises
    ------
    InputError
        The file cannot be read, or is not text in UTF-8, UTF-16 or GB18030/GBK.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(fname, "(file)", str(path), f"{what} that can be read ({exc.strerror})")) from None
    candidates = [enc for bom, enc in _BOMS if raw.startswith(bom)] or ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _CONTROL.isdisjoint(text):
            return text, enc
    raise InputError(
        Problem(
            fname, "(encoding)", _sample(raw), f"{what} as text in UTF-8 or GBK/GB18030 (this is not text in either)"
        )
    )


def _sample(raw: bytes) -> str:
    return raw[:12].hex(" ") + (" …" if len(raw) > 12 else "")


def read_table(path: Path, *, fname: str, what: str) -> tuple[pd.DataFrame, str]:
    """A CSV table (every cell as text) and the encoding it was read in."""
    text, enc = read_text(path, fname=fname, what=what)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), enc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(fname, "(file)", str(exc).splitlines()[0], f"{what} (CSV)")) from None
