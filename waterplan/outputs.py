"""Output safety: what waterplan writes, it may replace; nothing else, ``--force`` or not.

One writing rule for every command (run, export, print-map, network, compare, new, ensemble):

- every folder waterplan writes (a run, a monthly run, a comparison, a folder export, a new city)
  gets a marker, :data:`MARKER`, listing the files written; such a folder — and an empty one — may
  be replaced with ``force``, and only if it holds nothing but those files and the marker is
  exactly waterplan's (a file that merely happens to be called ``manifest.json`` is not);
- a single file (GeoPackage, Excel workbook, PNG or PDF map) is replaced only if it is
  recognisably one of waterplan's, unchanged since (see each writer's ``is_own``);
- never a symbolic link, a device or named pipe, the current folder or one above it;
- everything is written into a temporary sibling first and swapped into place: a failure (a
  folder one may not write to, a full disk) leaves the earlier output as it was, and ends in one
  sentence.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ._errors import InputError, Problem
from .i18n import tr

__all__ = [
    "MARKER",
    "cannot_write",
    "check_output_file",
    "check_output_folder",
    "file_stem",
    "never_replaced",
    "refuse",
    "staging",
    "write_file",
    "write_folder",
    "write_marker",
]

#: written last into every folder waterplan writes: the files it wrote
MARKER = ".waterplan-output.json"
_WRITTEN_BY = "waterplan"


def refuse(out: Path, why: str, field: str = "--out") -> InputError:
    """The error for an output path that will not be used."""
    return InputError(Problem("<command line>", field, str(out), why))


def cannot_write(exc: OSError) -> str:
    """What a file-system error while writing means to the user (one sentence, both languages)."""
    reason = exc.strerror or type(exc).__name__
    return tr("a folder you may write to ({reason}; nothing was changed)", reason=reason)


_UNSAFE = re.compile(r"[^\w.\-]+")


def file_stem(name: str) -> str:
    """A name the user wrote (a scenario's, a variant's) as part of a file name: letters (Chinese
    too), digits, ``_ - .``; anything else — ``/``, ``..``, spaces — becomes ``_``, so nothing
    is written outside the output folder.

    >>> file_stem("../../etc/太原 干旱")
    'etc_太原_干旱'
    """
    return _UNSAFE.sub("_", name).strip("._")[:80] or "unnamed"


def write_marker(folder: Path) -> None:
    """Record the files in ``folder`` as waterplan's own, and give it the user's usual permissions."""
    files = sorted(p.name for p in folder.iterdir())
    (folder / MARKER).write_text(json.dumps({"written_by": _WRITTEN_BY, "files": files}), encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _marker_files(out: Path) -> set[str] | None:
    """The files waterplan's marker in ``out`` lists, or None if there is no marker exactly as
    waterplan writes it (a regular file holding ``written_by`` and a list of plain file names)."""
    p = out / MARKER
    if p.is_symlink() or not p.is_file() or p.stat().st_size > 1_000_000:
        return None
    try:
        marker = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or set(marker) != {"written_by", "files"} or marker["written_by"] != _WRITTEN_BY:
        return None
    files = marker["files"]
    if not isinstance(files, list) or not all(isinstance(f, str) and f and "/" not in f for f in files):
        return None
    return {*files, MARKER}


def never_replaced(out: Path) -> None:
    """Refuse a symbolic link, a special file, the current folder or one above it."""
    if out.is_symlink():
        raise refuse(out, tr("a path that is not a symbolic link (a link is never replaced)"))
    if out.exists() and not (out.is_dir() or out.is_file()):
        kind = _special_kind(out)
        raise refuse(out, tr("a regular file or folder: this is {kind}, which is never written to", kind=kind))
    here = Path.cwd().resolve()
    if out.exists() and (out.resolve() == here or out.resolve() in here.parents):
        raise refuse(out, "a folder below the current one (the current folder and those above it are never replaced)")


def _special_kind(p: Path) -> str:
    mode = p.stat().st_mode
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output_folder(out: str | Path, force: bool) -> None:
    """Refuse an output folder that is not free or not waterplan's own earlier output."""
    out = Path(out)
    never_replaced(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise refuse(out, "a folder for the output: this is a file, which is never replaced")
    names = sorted(p.name for p in out.iterdir())
    if not names:
        return
    known = _marker_files(out)
    others = names if known is None else [n for n in names if n not in known]
    if others:
        listed = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
        raise refuse(
            out,
            f"a new folder, or one waterplan wrote earlier: this one holds other files ({listed}), "
            "which are never replaced, --force or not",
        )
    if not force:
        raise refuse(out, "a folder that does not exist yet (or pass --force to replace this earlier output)")


def check_output_file(out: str | Path, force: bool, *, is_own: bool) -> None:
    """Refuse an output file unless it is free, or waterplan's own earlier output (``is_own``) and ``force``."""
    out = Path(out)
    never_replaced(out)
    if not out.exists():
        return
    if out.is_dir():
        raise refuse(out, "a file path for this format: this is a folder, which is never replaced")
    if not is_own:
        raise refuse(out, "a new file, or one waterplan wrote earlier: this one is not, and is never replaced")
    if not force:
        raise refuse(out, "a file that does not exist yet (or pass --force to replace this earlier export)")


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write into, removed afterwards; a file-system error
    while creating it or writing (no permission, a full disk) becomes one sentence about ``out``."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise refuse(out, cannot_write(exc)) from None
    try:
        yield tmp
    except OSError as exc:
        raise refuse(out, cannot_write(exc)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file(out: str | Path, force: bool, write: Callable[[Path], None], *, is_own: Callable[[Path], bool]) -> Path:
    """Write one file through ``write(tmp_file)`` beside ``out``, then move it into place.

    ``is_own(out)``: whether an existing ``out`` is waterplan's own earlier output of this kind
    (only then, and with ``force``, is it replaced)."""
    out = Path(out)
    check_output_file(out, force, is_own=out.is_file() and not out.is_symlink() and is_own(out))
    with staging(out) as tmp:
        staged = tmp / out.name
        write(staged)
        check_output_file(out, force, is_own=out.is_file() and not out.is_symlink() and is_own(out))  # unchanged
        staged.replace(out)
    return out


def write_folder(out: str | Path, force: bool, write: Callable[[Path], None]) -> Path:
    """Write a folder through ``write(tmp)`` into a temporary sibling, then swap it into place.

    Only a free folder or waterplan's own earlier output is replaced; the folder gets the usual
    permissions (the user's umask), not the temporary folder's 0700.
    """
    out = Path(out)
    check_output_folder(out, force)
    with staging(out) as tmp:
        staged = tmp / out.name
        staged.mkdir()
        write(staged)
        write_marker(staged)
        check_output_folder(out, force)  # nothing of the user's appeared meanwhile
        if out.exists():
            old = out.with_name(f".{out.name}.old-{time.time_ns()}")
            out.rename(old)
            staged.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staged.rename(out)
    return out
