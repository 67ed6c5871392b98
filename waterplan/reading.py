"""Reading a scenario file: YAML (comments allowed, a key given twice refused), ``extends`` chains
merged (constraints and targets by id), paths resolved against the file that names them, the
schema checked, the inputs' SHA-256 kept."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._errors import InputError, Problem, raise_if
from .boundaries import county_table, resolve_county
from .i18n import tr
from .spec import ScenarioSpec
from .textio import MAX_BYTES, not_readable, read_text

__all__ = ["MAX_EXTENDS", "MAX_YAML_ALIASES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "load_yaml"]


def _rel(path: Path) -> str:
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))  # a link keeps its own name
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: YAML's aliases (``*name``) and nesting are bounded: a scenario uses a handful of each, and an
#: "alias bomb" (aliases of aliases expanding to billions of items) or a file nested thousands deep
#: is refused in a moment instead of hanging or exhausting the stack
MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES = 500, 64, 1_000_000
#: the longest chain of scenarios extending one another
MAX_EXTENDS = 16
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML's safe loader that refuses a key given twice in one mapping (a merge key ``<<:`` may
    bring keys the mapping then sets: that is what it is for), and bounds aliases and nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_YAML_ALIASES} aliases (*name)", self.peek_event().start_mark
                )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nesting deeper than {MAX_YAML_DEPTH} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                twice = key in seen
            except TypeError:  # an unhashable key: the base constructor says so
                continue
            if twice:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )  # fmt: skip
            seen.add(key)
        return dict(super().construct_mapping(node, deep=deep))


def _expanded_size(node: yaml.Node) -> int:
    """The number of items ``node`` holds once its aliases are expanded (counted once per node)."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        if id(n) in sizes:
            if sizes[id(n)] < 0:
                raise yaml.composer.ComposerError(None, None, "an alias inside its own anchor", n.start_mark)
            return sizes[id(n)]
        sizes[id(n)] = -1
        kids = [c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode) else n.value
        total = 1 + (sum(size(c) for c in kids) if isinstance(n, yaml.CollectionNode) else 0)
        sizes[id(n)] = min(total, MAX_YAML_NODES + 1)
        return sizes[id(n)]

    return size(node)


def load_yaml(path: Path, *, fname: str, what: str) -> tuple[Any, str]:
    """The YAML document in ``path`` (read as :func:`waterplan.textio.read_text` reads text) and
    its encoding; a size past :data:`waterplan.textio.MAX_BYTES`, an alias bomb, nesting past
    :data:`MAX_YAML_DEPTH` or a key given twice is one clear error naming the line."""
    text, enc = read_text(path, fname=fname, what=what, limit=MAX_BYTES["yaml"])
    loader = None
    try:
        loader = _StrictLoader(text)  # (its reader refuses control characters already here)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_YAML_NODES:,} items once its aliases are expanded", node.start_mark
            )
        return (loader.construct_document(node) if node is not None else None), enc
    except RecursionError:  # aliases of aliases nested past Python's stack
        why = tr(
            "well-formed YAML nested at most {MAX_YAML_DEPTH} levels, aliases included", MAX_YAML_DEPTH=MAX_YAML_DEPTH
        )
        raise InputError(Problem(fname, "(file)", "nesting", why)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        valid = (
            tr("each key once in a mapping (a second one would silently replace the first)")
            if str(problem).startswith("duplicate key")
            else tr("well-formed YAML of ordinary size (see the limits in docs/data.md)")
        )
        raise InputError(Problem(fname, where, problem, valid)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _read_yaml(path: Path) -> tuple[dict[str, Any], str]:
    """A scenario file's mapping and the encoding it was read in."""
    fname = _rel(path)
    why = not_readable(path, tr("a scenario file"), MAX_BYTES["yaml"])
    if why:
        why = why if path.exists() else tr("no such scenario file")
        raise InputError(Problem(fname, "(file)", str(path), why))
    data, enc = load_yaml(path, fname=fname, what=tr("a scenario file"))
    if not isinstance(data, dict):
        raise InputError(Problem(fname, "(top level)", type(data).__name__, tr("a mapping of scenario keys")))
    return data, enc


_PATH_KEYS = ("network", "demands")  # resolved against the file that names them


_ID_LISTS = ("constraints", "targets")


def _merge(
    parent: dict[str, Any], child: dict[str, Any], *, fname: str, parent_name: str, where: str, problems: list[Problem]
) -> dict[str, Any]:
    """Deep-merge ``child`` onto ``parent``: mappings merge key by key, lists of items with an
    ``id`` (constraints, targets) merge item by item (``drop: true`` removes one), anything
    else is replaced."""
    out = dict(parent)
    for key, value in child.items():
        here = f"{where}{key}"
        if key in _ID_LISTS and not where:
            out[key] = _merge_ids(
                parent.get(key, []), value, fname=fname, parent_name=parent_name, where=here, problems=problems
            )
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            out[key] = _merge(
                parent[key], value, fname=fname, parent_name=parent_name, where=f"{here}.", problems=problems
            )
        else:
            out[key] = value
    return out


def _merge_ids(
    parent: list[Any], child: Any, *, fname: str, parent_name: str, where: str, problems: list[Problem]
) -> list[Any]:
    if not isinstance(child, list):
        problems.append(Problem(fname, where, type(child).__name__, tr("a list of items with an id")))
        return parent
    items = {item.get("id"): dict(item) for item in parent if isinstance(item, dict)}
    order = list(items)
    for i, item in enumerate(child):
        if not isinstance(item, dict) or "id" not in item:
            problems.append(Problem(fname, f"{where}[{i}]", item, tr("an item with an id")))
            continue
        iid = item["id"]
        if item.get("drop") is True:
            if iid not in items:
                problems.append(
                    Problem(
                        fname,
                        f"{where}[{i}].id",
                        iid,
                        tr(
                            "the id of an item of {parent_name} to drop; it has: {0}",
                            ", ".join(str(o) for o in order),
                            parent_name=parent_name,
                        ),
                    )
                )
            else:
                del items[iid]
                order.remove(iid)
            continue
        if iid in items:
            items[iid] = _merge(
                items[iid], item, fname=fname, parent_name=parent_name, where=f"{where}[{i}].", problems=problems
            )
        elif "type" in item or "target" in item:
            items[iid] = item
            order.append(iid)
        else:
            problems.append(
                Problem(
                    fname,
                    f"{where}[{i}].id",
                    iid,
                    tr(
                        "an override of an item that does not exist in {parent_name} (it has: {0}); a new "
                        "item needs all its fields",
                        ", ".join(str(o) for o in order),
                        parent_name=parent_name,
                    ),
                )
            )
    return [items[i] for i in order]


def _load_dict(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[Path, str]]:
    """Read a scenario file and everything it extends; paths made absolute. Also: the files read,
    each with the encoding it was read in."""
    fname = _rel(path)
    resolved = path.resolve()
    if resolved in chain:
        cycle = " → ".join(_rel(p) for p in (*chain, resolved))
        raise InputError(Problem(fname, "extends", cycle, tr("a chain of scenarios without a cycle")))
    if len(chain) >= MAX_EXTENDS:
        why = tr(
            "a chain of at most {MAX_EXTENDS} scenarios extending one another",
            MAX_EXTENDS=MAX_EXTENDS,
        )
        raise InputError(Problem(fname, "extends", len(chain) + 1, why))
    data, enc = _read_yaml(path)
    for key in _PATH_KEYS:
        if isinstance(data.get(key), str):
            # absolute, but a link keeps its own name (a message names the file the user wrote)
            data[key] = os.path.abspath(path.parent / data[key])
    files = {path: enc}
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, files
    parent_path = path.parent / str(parent_ref)
    if not parent_path.is_file():
        raise InputError(Problem(fname, "extends", parent_ref, tr("the path of an existing scenario file")))
    parent, parent_files = _load_dict(parent_path, (*chain, resolved))
    problems: list[Problem] = []
    merged = _merge(parent, data, fname=fname, parent_name=_rel(parent_path), where="", problems=problems)
    raise_if(problems)
    return merged, {**parent_files, **files}


#: the last part of a pydantic error location that names a member of a union (``int``,
#: ``literal['hard']``, a model's class name), not a key the user wrote
_UNION_MEMBER = re.compile(r"^(int|str|float|bool|none|.*\[.*\]|[A-Z]\w*)$")


def _pydantic_message(err: Any) -> str:
    """What a pydantic error says, as waterplan says what would be valid (in the chosen language)."""
    ctx = err.get("ctx") or {}
    kind = str(err["type"])
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # waterplan's own validators, translated where they were raised
    said = {
        "extra_forbidden": lambda: tr("unknown key (check its spelling)"),
        "missing": lambda: tr("required key is missing"),
        "int_parsing": lambda: tr("a whole number"),
        "int_type": lambda: tr("a whole number"),
        "int_from_float": lambda: tr("a whole number"),
        "float_parsing": lambda: tr("a number"),
        "float_type": lambda: tr("a number"),
        "finite_number": lambda: tr("a finite number"),
        "bool_parsing": lambda: tr("true or false"),
        "bool_type": lambda: tr("true or false"),
        "string_type": lambda: tr("text"),
        "list_type": lambda: tr("a list"),
        "dict_type": lambda: tr("a mapping of keys and values"),
        "model_type": lambda: tr("a mapping of keys and values"),
        "model_attributes_type": lambda: tr("a mapping of keys and values"),
        "literal_error": lambda: tr("one of {expected}", expected=ctx.get("expected")),
        "enum": lambda: tr("one of {expected}", expected=ctx.get("expected")),
        "greater_than": lambda: tr("a number greater than {gt}", gt=ctx.get("gt")),
        "greater_than_equal": lambda: tr("a number of at least {ge}", ge=ctx.get("ge")),
        "less_than": lambda: tr("a number less than {lt}", lt=ctx.get("lt")),
        "less_than_equal": lambda: tr("a number of at most {le}", le=ctx.get("le")),
        "too_short": lambda: tr("at least {min_length} items", min_length=ctx.get("min_length")),
        "too_long": lambda: tr("at most {max_length} items", max_length=ctx.get("max_length")),
    }.get(kind)
    return said() if said else str(err["msg"])


def _spec_from_dict(data: dict[str, Any], fname: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        found: dict[str, tuple[Any, list[str]]] = {}
        for err in exc.errors():
            parts = [str(p) for p in err["loc"]]
            while len(parts) > 1 and _UNION_MEMBER.match(parts[-1]):
                parts.pop()  # one problem per key the user wrote, whatever the union's members said
            loc = ".".join(parts) or "(top level)"
            value = err.get("input")
            if isinstance(value, dict):
                value = "{…}"
            msg = _pydantic_message(err)
            if err["type"] == "missing":
                value = None
            msgs = found.setdefault(loc, (value, []))[1]
            if msg not in msgs:
                msgs.append(msg)
        raise InputError([Problem(fname, loc, v, tr("; or ").join(m)) for loc, (v, m) in found.items()]) from None


def _study_counties(spec: ScenarioSpec, fname: str) -> list[str]:
    area = spec.study_area
    if area.counties:
        return [resolve_county(c, file=fname, field="study_area.counties") for c in area.counties]
    if area.city:
        table = county_table()
        text = str(area.city)
        rows = table[(table["city_adcode"] == text) | (table["city_zh"] == text)]
        if rows.empty:
            raise InputError(Problem(fname, "study_area.city", area.city, tr("a city adcode such as 140100 or 太原市")))
        return list(rows["adcode"])
    raise InputError(Problem(fname, "study_area", None, tr("give city or counties")))


def _input_hashes(files: dict[Path, str], demands_path: Path, network_dir: Path) -> dict[str, str]:
    inputs = {_rel(f): _sha256(f) for f in files}
    inputs[_rel(demands_path)] = _sha256(demands_path)
    layers = (
        [network_dir]
        if network_dir.suffix.lower() == ".gpkg"
        else [network_dir / "nodes.geojson", network_dir / "edges.geojson"]
    )
    for p in layers:
        if p.is_file():
            inputs[_rel(p)] = _sha256(p)
    return inputs
