"""Reading the user's text files in the encodings Chinese offices write.

Scenario files and tables are read as UTF-8 (with or without a BOM), UTF-16 (with its BOM, as
Excel's "Unicode text" writes it) or GB18030 — the superset of GBK and GB2312 that Chinese
Notepad and Excel use — in that order; the first that decodes the whole file strictly is used
and reported. Anything else (a binary file, a file in another encoding) is one clear error.

Tables may also be Excel workbooks (``.xlsx``: the first sheet, read with openpyxl), and their
headers may be Chinese (县区, 行业, 需水量, 单位 …): each reader names the headers it knows.
"""

from __future__ import annotations

import codecs
import io
import zipfile
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


#: Excel workbooks read as tables
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def _read_excel(path: Path, *, fname: str, what: str) -> pd.DataFrame:
    try:
        return pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False, engine="openpyxl")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(Problem(fname, "(file)", reason, f"{what} as an Excel workbook (.xlsx)")) from None


def read_table(path: Path, *, fname: str, what: str, headers: dict[str, str] | None = None) -> tuple[pd.DataFrame, str]:
    """A table (every cell as text) and the encoding it was read in ("xlsx" for a workbook).

    ``path`` is a CSV file (UTF-8, UTF-16 or GB18030) or an Excel workbook (its first sheet).
    ``headers`` maps other names of a column (e.g. Chinese: ``{"县区": "county"}``) to the name the
    reader expects; a table that gives the same column twice (``县区`` and ``county``) is an error.
    """
    if path.suffix.lower() in EXCEL_SUFFIXES:
        df, enc = _read_excel(path, fname=fname, what=what), "xlsx"
    else:
        text, enc = read_text(path, fname=fname, what=what)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(Problem(fname, "(file)", str(exc).splitlines()[0], f"{what} (CSV)")) from None
    names = [str(c).strip() for c in df.columns]
    renamed = [(headers or {}).get(c, c) for c in names]
    twice = sorted({c for c in renamed if renamed.count(c) > 1})
    if twice:
        given = [n for n, r in zip(names, renamed, strict=True) if r in twice]
        raise InputError(Problem(fname, "(header)", given, f"each column once ({', '.join(twice)} is given twice)"))
    df.columns = renamed
    return df.map(lambda v: v.strip() if isinstance(v, str) else ("" if v is None else str(v))), enc
