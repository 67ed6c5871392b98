"""Output safety: what waterplan writes, it may replace; nothing else, ``--force`` or not.

Every folder waterplan writes (a run, a monthly run, a comparison, a folder export) gets a
marker, :data:`MARKER`, listing the files written. Such a folder — and an empty one — may be
replaced with ``force``; a file, a symbolic link, the current folder or one above it, or a folder
holding anything else (the scenario's inputs, the user's own files) never is. A single-file
export (GeoPackage, Excel workbook) is replaced only if it is recognisably one of waterplan's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ._errors import InputError, Problem

__all__ = ["MARKER", "check_output_file", "check_output_folder", "refuse", "write_folder", "write_marker"]

#: written last into every folder waterplan writes: the files it wrote
MARKER = ".waterplan-output.json"


def refuse(out: Path, why: str) -> InputError:
    """The error for an output path that will not be used."""
    return InputError(Problem("<command line>", "--out", str(out), why))


def write_marker(folder: Path) -> None:
    """Record the files in ``folder`` as waterplan's own, and give it the user's usual permissions."""
    files = sorted(p.name for p in folder.iterdir())
    (folder / MARKER).write_text(json.dumps({"written_by": "waterplan", "files": files}), encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _own_folder(out: Path, legacy: Iterable[str]) -> tuple[bool, list[str]]:
    """Whether ``out`` holds only what waterplan wrote there; the names of anything else."""
    names = sorted(p.name for p in out.iterdir())
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
        known = {*marker.get("files", []), MARKER}
    except (OSError, ValueError, AttributeError):
        try:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False, names
        if not isinstance(manifest, dict) or "inputs_sha256" not in manifest:
            return False, names
        known = set(legacy)
    return True, [n for n in names if n not in known]


def _never(out: Path) -> None:
    if out.is_symlink():
        raise refuse(out, "a path that is not a symbolic link (a link is never replaced)")
    here = Path.cwd().resolve()
    if out.exists() and (out.resolve() == here or out.resolve() in here.parents):
        raise refuse(out, "a folder below the current one (the current folder and those above it are never replaced)")


def check_output_folder(out: str | Path, force: bool, *, legacy: Iterable[str] = ()) -> None:
    """Refuse an output folder that is not free or not waterplan's own earlier output.

    ``legacy``: file names of folders written before the marker existed, recognised by their
    ``manifest.json``.
    """
    out = Path(out)
    _never(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise refuse(out, "a folder for the output: this is a file, which is never replaced")
    if not any(out.iterdir()):
        return
    own, others = _own_folder(out, legacy)
    if not own or others:
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
    _never(out)
    if not out.exists():
        return
    if out.is_dir():
        raise refuse(out, "a file path for this format: this is a folder, which is never replaced")
    if not is_own:
        raise refuse(out, "a new file, or one waterplan wrote earlier: this one is not, and is never replaced")
    if not force:
        raise refuse(out, "a file that does not exist yet (or pass --force to replace this earlier export)")


def write_folder(out: str | Path, force: bool, write: Callable[[Path], None], *, legacy: Iterable[str] = ()) -> Path:
    """Write a folder through ``write(tmp)`` into a temporary sibling, then swap it into place.

    Only a free folder or waterplan's own earlier output is replaced (``legacy``: the files of
    folders written before the marker existed);
    the folder gets the usual permissions (the user's umask), not the temporary folder's 0700.
    """
    out = Path(out)
    check_output_folder(out, force, legacy=legacy)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise refuse(out, f"a folder you may write to ({exc.strerror})") from None
    try:
        write(tmp)
        write_marker(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{int(time.time())}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except PermissionError as exc:
        raise refuse(out, f"a folder you may write to ({exc.strerror})") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
