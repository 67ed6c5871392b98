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
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem
from .i18n import tr

__all__ = ["HISTORY", "SETTINGS", "extend", "history", "reset", "set_demands", "set_setting", "set_value", "undo"]

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


def _without(text: str, tid: str, fname: str) -> str:
    """``text`` without its own entry for target ``tid`` (the value inherited again)."""
    y = _yaml()
    data = y.load(text)
    items = data.get("constraints") if isinstance(data, dict) else None
    mine = [i for i in items or [] if isinstance(i, dict) and str(i.get("id")) == tid]
    if not mine:
        raise InputError(
            Problem(fname, "constraints", tid, tr("a target this file sets itself (the others it inherits)"))
        )
    if not data.get("extends"):
        why = tr("a scenario that extends another (this file has no parent to inherit {0} from)", tid)
        raise InputError(Problem(fname, "extends", "", why))
    assert items is not None  # (it holds mine)
    items.remove(mine[0])
    if not items:
        del data["constraints"]
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


#: what a scenario's page sets besides its targets: the hydrological year, and each lever's value
SETTINGS = ("hydrology.year_type", "hydrology.surface_factor", "levers.<name>")


def _setting(text: str, key: str, value: str | float | None, fname: str) -> str:
    """``text`` with ``key`` (one of :data:`SETTINGS`) set to ``value`` (None: taken out, inherited
    again), in place if the file sets it, else added (an override of what it inherits)."""
    y = _yaml()
    data = y.load(text)
    section, _, name = key.partition(".")
    if section not in ("hydrology", "levers") or not name or not isinstance(data, dict):
        raise InputError(Problem(fname, key, value, tr("one of {0}", ", ".join(SETTINGS))))
    block = data.get(section)
    if block is None:
        data[section] = block = {}
    where = block
    if section == "levers":
        lever = block.get(name)
        if lever is None:
            block[name] = lever = {}
        where = lever
    field = "value" if section == "levers" else name
    if value is None:
        where.pop(field, None)
        if section == "levers" and not where:
            del block[name]
    else:
        where[field] = value
    if not block:
        del data[section]
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def set_setting(path: Path, folder: Path, key: str, value: object, *, dry_run: bool = False) -> None:
    """Set ``hydrology.year_type`` (a year type), ``hydrology.surface_factor`` or
    ``levers.<name>`` (a number; blank: inherited again) in the scenario file ``path``, checked,
    kept and undone like a target's value.

    Raises
    ------
    InputError
        The value is not what the key takes, or the edited scenario would not load.
    """
    text = str(value).strip()
    given: str | float | None = text or None
    if key != "hydrology.year_type" and given is not None:
        try:
            given = float(text)
        except ValueError:
            raise InputError(Problem(path.name, key, value, tr("a number"))) from None
    _save(path, folder, lambda t: _setting(t, key, given, path.name), dry_run)


def history(path: Path, folder: Path) -> Path:
    """The folder of the earlier versions of ``path``."""
    return folder / HISTORY / path.resolve().relative_to(folder.resolve())


def _write_checked(target: Path, folder: Path, new: bytes, check: Callable[[Path], object], dry_run: bool) -> None:
    """Write ``new`` over ``target`` once ``check(a copy beside it)`` passes (its problems said of
    ``target``'s name), the previous version kept; with ``dry_run`` only checked. Refused, the file
    is untouched."""
    fd, tmp = tempfile.mkstemp(suffix=target.suffix, prefix=".edit-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new)
        try:
            check(Path(tmp))  # the same checks as `waterplan validate`
        except InputError as exc:  # said of the user's file, not of the copy
            name = Path(tmp).name
            raise InputError([replace(p, file=p.file.replace(name, target.name)) for p in exc.problems]) from None
        if dry_run:
            return
        keep = history(target, folder)
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{time.time_ns()}{target.suffix}").write_bytes(target.read_bytes())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _save(path: Path, folder: Path, change: Callable[[str], str], dry_run: bool = False) -> None:
    """Write ``change(text)`` over the scenario file ``path`` once it loads with the command line's
    checks, the previous version kept; refused (the file untouched) otherwise."""
    from .reading import load_yaml
    from .scenario import load_scenario

    # read as the command line reads it (its own message for a file it refuses), in its own encoding
    _data, encoding = load_yaml(path, fname=path.name, what=tr("a scenario file"))
    new = change(path.read_bytes().decode(encoding))
    _write_checked(path, folder, new.encode(encoding), load_scenario, dry_run)


def set_demands(scenario: Path, folder: Path, text: str, *, dry_run: bool = False) -> Path:
    """Replace the demand table of ``scenario`` (a CSV file) by ``text`` — rows pasted from Excel
    (tab-separated) or CSV, header first — written in the table's encoding once the scenario loads
    with it (the command line's checks and messages, naming the table); the previous version kept.
    Returns the table's path.

    Raises
    ------
    InputError
        The table is a workbook (edit it in Excel), or the scenario would not load with the rows.
    """
    import csv

    from .scenario import load_scenario

    sc = load_scenario(scenario)
    target = sc.demands_path
    if target.suffix.lower() != ".csv":
        why = tr("a CSV demand table (a workbook is edited in Excel, then saved)")
        raise InputError(Problem(target.name, "demands", target.suffix, why))
    encoding = next((e for f, e in sc.encodings.items() if f.endswith(target.name)), "utf-8")
    rows = list(csv.reader(io.StringIO(text.strip("\n")), dialect="excel-tab" if "\t" in text else "excel"))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r for r in rows if any(c.strip() for c in r))

    def check(tmp: Path) -> None:
        load_scenario(scenario, overrides={"demands": os.path.relpath(tmp, scenario.parent)})

    _write_checked(target, folder, out.getvalue().encode(encoding), check, dry_run)
    return target


def reset(path: Path, folder: Path, tid: str) -> None:
    """Take target ``tid`` out of the scenario file ``path`` so that it is inherited again from the
    scenario it extends (kept as a version, undone like any save).

    Raises
    ------
    InputError
        The file does not set ``tid`` itself, or extends nothing.
    """
    from .reading import load_yaml
    from .scenario import load_scenario

    data, _enc = load_yaml(path, fname=path.name, what=tr("a scenario file"))
    parent = data.get("extends") if isinstance(data, dict) else None
    if parent and tid not in {c.id for c in load_scenario(path.parent / str(parent)).constraints}:
        why = tr("a target that {0} also has (this one is set only here: resetting would delete it)", str(parent))
        raise InputError(Problem(path.name, "constraints", tid, why))
    _save(path, folder, lambda text: _without(text, tid, path.name))


def extend(parent: Path, folder: Path, name: str) -> Path:
    """A new scenario file beside ``parent`` that extends it: ``extends``, ``name`` and ``year`` only
    (everything else inherited); its path.

    Raises
    ------
    InputError
        The name is not a plain file name, or a file of that name exists (never overwritten).
    """
    import re

    from .reading import load_yaml

    if not re.fullmatch(r"[\w\-.\u4e00-\u9fff]{1,80}", name) or name.startswith("."):
        want = tr("a name of letters, digits, Chinese characters, '-', '_' or '.' (it becomes the file's name)")
        raise InputError(Problem(parent.name, "name", name, want))
    path = parent.with_name(f"{name}.yaml")
    if path.exists() or not path.resolve().is_relative_to(folder.resolve()):
        raise InputError(Problem(path.name, "name", name, tr("a name no file of the project has yet")))
    data, _enc = load_yaml(parent, fname=parent.name, what=tr("a scenario file"))
    year = data.get("year") if isinstance(data, dict) else None
    text = f"extends: {parent.name}\nname: {name}\n" + (f"year: {year}\n" if year is not None else "")
    with open(path, "x", encoding="utf-8") as f:  # never over a file that appeared meanwhile
        f.write(text)
    return path


def set_value(path: Path, folder: Path, tid: str, value: object, *, dry_run: bool = False) -> None:
    """Set target ``tid``'s value in the scenario file ``path`` (inside ``folder``), keeping the file's
    comments and order; refused (the file untouched) if the value or the edited scenario is invalid.

    Raises
    ------
    InputError
        The value is not a number, or the edited scenario would not load (the command line's message).
    """
    fname = path.name
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InputError(Problem(fname, f"constraints ({tid}).value", value, tr("a number"))) from None
    _save(path, folder, lambda text: _edited(text, tid, number, fname), dry_run)


def undo(path: Path, folder: Path) -> bool:
    """Put back the version of ``path`` before its last save (byte for byte); False if none is kept."""
    kept = sorted(history(path, folder).glob("*[0-9]*"), key=lambda p: int(p.stem)) if path.exists() else []
    if not kept:
        return False
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, prefix=".undo-", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(kept[-1].read_bytes())
    os.replace(tmp, path)
    kept[-1].unlink()
    return True
