"""Editing a scenario file without losing work: a target's value changed in place with the file's
comments, key order and quoting kept (ruamel.yaml's round trip), checked by the same validators as
the command line before anything is written, the previous version kept, and undo restoring it byte
for byte.

The versions of ``FOLDER/a/b.yaml`` are kept in ``FOLDER/.waterplan-history/a/b.yaml/``, one file per
save, named by the time of the save; undo puts the newest back and removes it from the history.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem
from .i18n import tr

__all__ = ["HISTORY", "history", "set_value", "undo"]

#: the folder (inside the project folder) where earlier versions of the scenario files are kept
HISTORY = ".waterplan-history"


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line the user wrote
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _edited(text: str, tid: str, value: float, fname: str) -> str:
    """``text`` with target ``tid``'s value set to ``value``: in place where the file sets the target,
    else as an override ``{id, value}`` appended to its ``constraints`` (inherited from the parent)."""
    y = _yaml()
    data = y.load(text)  # (read by the command line's strict reader first: it is well-formed YAML)
    if not isinstance(data, dict):
        raise InputError(Problem(fname, "(top level)", type(data).__name__, tr("a mapping of scenario keys")))
    items = data.get("constraints")
    if items is None:
        data["constraints"] = items = []
    if not isinstance(items, list):
        raise InputError(Problem(fname, "constraints", type(items).__name__, tr("a list of items with an id")))
    mine = [i for i in items if isinstance(i, dict) and str(i.get("id")) == tid]
    if mine:
        mine[0]["value"] = value
    else:
        items.append({"id": tid, "value": value})
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def history(path: Path, folder: Path) -> Path:
    """The folder of the earlier versions of ``path``."""
    return folder / HISTORY / path.resolve().relative_to(folder.resolve())


def set_value(path: Path, folder: Path, tid: str, value: object) -> None:
    """Set target ``tid``'s value in the scenario file ``path`` (inside ``folder``), keeping the file's
    comments and order; refused (the file untouched) if the value or the edited scenario is invalid.

    Raises
    ------
    InputError
        The value is not a number, or the edited scenario would not load (the command line's message).
    """
    from .reading import load_yaml
    from .scenario import load_scenario

    fname = path.name
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InputError(Problem(fname, f"constraints ({tid}).value", value, tr("a number"))) from None
    # read as the command line reads it (its own message for a file it refuses), in its own encoding
    _data, encoding = load_yaml(path, fname=fname, what=tr("a scenario file"))
    old = path.read_bytes()
    new = _edited(old.decode(encoding), tid, number, fname)
    fd, tmp = tempfile.mkstemp(suffix=".yaml", prefix=".edit-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(new)
        load_scenario(tmp)  # the same checks as `waterplan validate`
        keep = history(path, folder)
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{time.time_ns()}.yaml").write_bytes(old)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def undo(path: Path, folder: Path) -> bool:
    """Put back the version of ``path`` before its last save (byte for byte); False if none is kept."""
    kept = sorted(history(path, folder).glob("*.yaml"), key=lambda p: int(p.stem)) if path.exists() else []
    if not kept:
        return False
    fd, tmp = tempfile.mkstemp(suffix=".yaml", prefix=".undo-", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(kept[-1].read_bytes())
    os.replace(tmp, path)
    kept[-1].unlink()
    return True
