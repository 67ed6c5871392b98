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
import stat
import zipfile
from pathlib import Path

import pandas as pd

from ._errors import InputError, Problem
from .i18n import tr

__all__ = ["MAX_BYTES", "not_readable", "read_table", "read_text"]

#: the largest input waterplan reads, in bytes, by kind (a larger file is refused before it is
#: read): a scenario or variants file (YAML), a table (CSV or Excel), a network layer
MAX_BYTES = {"yaml": 16 * 2**20, "table": 256 * 2**20, "layer": 1024 * 2**20}


def not_readable(path: Path, what: str, limit: int) -> str | None:
    """Why ``path`` cannot be read as ``what`` (no such file, a folder, a named pipe or device, larger
    than ``limit`` bytes), or None if it can. Checked before reading: nothing waits on a pipe, and
    nothing is read whole into memory past the limit."""
    try:
        st = path.stat()
    except OSError:
        return tr("no such file: {what}", what=what)
    if stat.S_ISDIR(st.st_mode):
        return tr("{what}: this is a folder", what=what)
    if not stat.S_ISREG(st.st_mode):
        kind = tr("a named pipe") if stat.S_ISFIFO(st.st_mode) else tr("a device or socket")
        return tr("{what} as a regular file: this is {kind}, which is never read", what=what, kind=kind)
    if st.st_size > limit:
        return tr(
            "{what} of at most {mb} MB: this one has {size:,.0f} MB (split it, or keep only the rows the "
            "scenario needs)",
            what=what,
            mb=limit // 2**20,
            size=st.st_size / 2**20,
        )
    return None


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


def read_text(path: Path, *, fname: str, what: str, limit: int = MAX_BYTES["table"]) -> tuple[str, str]:
    """The text of ``path`` and the encoding it was read in.

    Raises
    ------
    InputError
        The file cannot be read, or is not text in UTF-8, UTF-16 or GB18030/GBK.
    """
    why = not_readable(path, what, limit)
    if why:
        raise InputError(Problem(fname, "(file)", str(path), why))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            Problem(fname, "(file)", str(path), tr("{what} that can be read ({0})", exc.strerror, what=what))
        ) from None
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
            fname,
            "(encoding)",
            _sample(raw),
            tr("{what} as text in UTF-8 or GBK/GB18030 (this is not text in either)", what=what),
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
        raise InputError(
            Problem(fname, "(file)", reason, tr("{what} as an Excel workbook (.xlsx)", what=what))
        ) from None


def read_table(path: Path, *, fname: str, what: str, headers: dict[str, str] | None = None) -> tuple[pd.DataFrame, str]:
    """A table (every cell as text) and the encoding it was read in ("xlsx" for a workbook).

    ``path`` is a CSV file (UTF-8, UTF-16 or GB18030) or an Excel workbook (its first sheet).
    ``headers`` maps other names of a column (e.g. Chinese: ``{"县区": "county"}``) to the name the
    reader expects; a table that gives the same column twice (``县区`` and ``county``) is an error.
    """
    why = not_readable(path, what, MAX_BYTES["table"])
    if why:
        raise InputError(Problem(fname, "(file)", str(path), why))
    if path.suffix.lower() in EXCEL_SUFFIXES:
        df, enc = _read_excel(path, fname=fname, what=what), "xlsx"
    else:
        text, enc = read_text(path, fname=fname, what=what)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(
                Problem(fname, "(file)", str(exc).splitlines()[0], tr("{what} (CSV)", what=what))
            ) from None
    names = [str(c).strip() for c in df.columns]
    renamed = [(headers or {}).get(c, c) for c in names]
    twice = sorted({c for c in renamed if renamed.count(c) > 1})
    if twice:
        given = [n for n, r in zip(names, renamed, strict=True) if r in twice]
        raise InputError(
            Problem(fname, "(header)", given, tr("each column once ({0} is given twice)", ", ".join(twice)))
        )
    df.columns = renamed
    out = df.map(lambda v: v.strip() if isinstance(v, str) else ("" if v is None else str(v)))
    out.attrs["headers"] = dict(zip(renamed, names, strict=True))  # each column as the user wrote its header
    return out, enc
