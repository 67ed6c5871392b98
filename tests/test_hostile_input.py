"""Nothing lost, nothing hangs, no traceback: the same promise for every command and input size.

A careless or hostile user's inputs, by family: every writer pointed at what it must never replace
(a user's file, a link, a named pipe, the current folder, a folder that merely holds a file called
``manifest.json``), with and without ``--force``; YAML built to hang or exhaust the parser; files
that are not files; numbers past what a plan can mean; monthly series with months twice or
misspelt; names that would become paths; Dask schedulers that are not there. Each case checks the
exit code, one message naming the field and the value, no traceback (and no "internal error", the
guard's last resort), a time limit, and that every input and earlier output is byte-identical —
links, pipes and folders included. The cases of folders one may not write to run as an
unprivileged user (``setpriv`` to nobody when the tests run as root).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import A
from test_bad_input_table import _base
from typer.testing import CliRunner

import waterplan
from waterplan.cli import app

runner = CliRunner()
W = "万m³"
#: a command run in its own process runs the code under test (this tree's waterplan)
CODE_ENV = {**os.environ, "PYTHONPATH": str(Path(waterplan.__file__).resolve().parents[1])}
BAD = ("Traceback", "内部错误", "Internal error")


def _state(folder: Path) -> dict[str, str]:
    """Every entry below ``folder``: a file's SHA-256, a link's target, a pipe, a folder."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = "link -> " + os.readlink(p)
        elif stat.S_ISFIFO(p.lstat().st_mode):
            out[key] = "fifo"
        elif p.is_dir():
            out[key] = "dir"
        else:
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _clean(text: str, *words: str) -> None:
    for bad in BAD:
        assert bad not in text, text
    for w in words:
        assert w in text, (w, text)


def _edit_yaml(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# --- a user's project: cases, an earlier run, and things of theirs ------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """``case/`` (a valid scenario), ``case2/`` (another name), ``monthly/`` (with time:), ``run/``
    (an earlier run), and in ``mine/`` the user's own files, links, pipes and folders."""
    root = tmp_path_factory.mktemp("world")
    _base(root / "case")
    shutil.copytree(root / "case", root / "case2")
    _edit_yaml(root / "case2" / "case.yaml", lambda d: d.update(name="other"))
    shutil.copytree(root / "case", root / "monthly")
    _edit_yaml(root / "monthly" / "case.yaml", lambda d: d.update(time={"years": 1, "start_year": 2030}))
    ran = runner.invoke(app, ["run", str(root / "case" / "case.yaml"), "--out", str(root / "run")])
    assert ran.exit_code == 0, ran.output
    mine = root / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes\n", encoding="utf-8")
    for sfx in ("png", "pdf", "gpkg", "xlsx"):
        (mine / f"mine.{sfx}").write_bytes(b"the user's own " + sfx.encode())
        (mine / f"link.{sfx}").symlink_to(f"mine.{sfx}")
        (mine / f"dir.{sfx}").mkdir()
        (mine / f"dir.{sfx}" / "keep.txt").write_text("keep", encoding="utf-8")
        os.mkfifo(mine / f"pipe.{sfx}")
    _real_maps(mine)  # a real PNG and PDF of the user's: readable, drawn by another program
    (mine / "docs").mkdir()
    (mine / "docs" / "plan.docx").write_bytes(b"the user's report")
    (mine / "fake").mkdir()  # a folder of the user's that happens to hold a manifest.json
    (mine / "fake" / "manifest.json").write_text(json.dumps({"inputs_sha256": {}}), encoding="utf-8")
    (mine / "fake" / "report.html").write_text("<p>my own report</p>", encoding="utf-8")
    (mine / "forged").mkdir()  # a marker that is not waterplan's (another program's, or edited)
    (mine / "forged" / ".waterplan-output.json").write_text('{"files": ["a.csv"]}', encoding="utf-8")
    (mine / "forged" / "a.csv").write_text("mine\n", encoding="utf-8")
    (mine / "link_dir").symlink_to("docs", target_is_directory=True)
    os.mkfifo(mine / "pipe")
    return root


def _real_maps(mine: Path) -> None:
    from matplotlib.figure import Figure
    from PIL import Image

    Image.new("RGB", (4, 4), "white").save(mine / "mine.png", pnginfo=_png_info("GIMP 2.10"))
    Figure(figsize=(1, 1)).savefig(mine / "mine.pdf", metadata={"Creator": "my own drawing"})


def _png_info(software: str):  # type: ignore[no-untyped-def]
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", software)
    return info


def _paths(world: Path) -> dict[str, str]:
    return {
        "CASE": str(world / "case" / "case.yaml"),
        "CASE2": str(world / "case2" / "case.yaml"),
        "MONTHLY": str(world / "monthly" / "case.yaml"),
        "RUN": str(world / "run"),
    }


#: commands writing one file: (name, arguments with {T} the target, file suffix)
FILE_WRITERS = [
    ("print-map png", ["print-map", "{RUN}", "--out", "{T}"], "png"),
    ("print-map pdf", ["print-map", "{RUN}", "--out", "{T}"], "pdf"),
    ("export gpkg", ["export", "{RUN}", "--out", "{T}"], "gpkg"),
    ("export xlsx", ["export", "{RUN}", "--format", "xlsx", "--out", "{T}"], "xlsx"),
    ("network", ["network", "{CASE}", "--out", "{T}"], "gpkg"),
]
FILE_TARGETS = [("a user's file", "mine"), ("a link", "link"), ("a folder", "dir"), ("a named pipe", "pipe")]

#: commands writing a folder (new has no --force)
FOLDER_WRITERS = [
    ("run", ["run", "{CASE}", "--out", "{T}"], True),
    ("compare", ["compare", "{CASE}", "{CASE2}", "--out", "{T}"], True),
    ("export shp", ["export", "{RUN}", "--format", "shp", "--out", "{T}"], True),
    ("export csv", ["export", "{RUN}", "--format", "csv", "--out", "{T}"], True),
    ("new", ["new", "阳泉", "--out", "{T}"], False),
    ("ensemble", ["ensemble", "{MONTHLY}", "-n", "1", "--out", "{T}"], False),
]
FOLDER_TARGETS = [
    ("a folder of the user's", "docs"),
    ("a folder with a manifest.json", "fake"),
    ("a folder with a marker not waterplan's", "forged"),
    ("a link to a folder", "link_dir"),
    ("the current folder", "."),
    ("the folder above", ".."),
    ("a file", "notes.txt"),
    ("a named pipe", "pipe"),
]

#: the rule each target is refused by (a refusal for another reason would hide a broken rule)
REASONS = {
    "mine": "never replaced",
    "link": "symbolic link",
    "dir": "this is a folder",
    "pipe": "named pipe",
    "docs": "holds other files",
    "fake": "holds other files",
    "forged": "holds other files",
    "link_dir": "symbolic link",
    ".": "the current folder and those above it",
    "..": "the current folder and those above it",
    "notes.txt": "this is a file",
}

WRITER_CASES = [
    pytest.param(args, f"{stem}.{sfx}", force, id=f"{name} onto {what}{' --force' if force else ''}")
    for name, args, sfx in FILE_WRITERS
    for what, stem in FILE_TARGETS
    for force in (False, True)
] + [
    pytest.param(args, target, force, id=f"{name} onto {what}{' --force' if force else ''}")
    for name, args, has_force in FOLDER_WRITERS
    for what, target in FOLDER_TARGETS
    for force in ((False, True) if has_force else (False,))
]


@pytest.mark.parametrize(("args", "target", "force"), WRITER_CASES)
def test_no_writer_replaces_what_waterplan_did_not_write(world, monkeypatch, args, target, force):
    monkeypatch.chdir(world / "mine")
    before = _state(world)
    argv = [a.format(T=target, **_paths(world)) for a in args] + (["--force"] if force else [])
    t0 = time.perf_counter()
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    _clean(result.output, "--out", target, REASONS[target.split(".")[0] if target not in REASONS else target])
    assert time.perf_counter() - t0 < 60
    assert _state(world) == before


def test_a_network_geopackage_edited_since_it_was_written_is_the_users(world, tmp_path):
    """``network --force`` replaces its own GeoPackage while unedited, and never once a user (or
    QGIS) has changed a feature in it."""
    out = tmp_path / "net.gpkg"
    case = _paths(world)["CASE"]
    assert runner.invoke(app, ["network", case, "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["network", case, "--out", str(out), "--force"]).exit_code == 0
    import geopandas as gpd

    from waterplan.layers import NETWORK_CREATOR

    nodes = gpd.read_file(out, layer="nodes")
    nodes.loc[nodes["id"] == "J", "name_zh"] = "我改过的"  # as QGIS saves an edit: the layer rewritten,
    nodes.to_file(out, layer="nodes", engine="pyogrio", metadata={"written_by": NETWORK_CREATOR})  # tag kept
    before = out.read_bytes()
    result = runner.invoke(app, ["network", case, "--out", str(out), "--force"])
    assert result.exit_code == 2, result.output
    _clean(result.output, "never replaced")
    assert out.read_bytes() == before


def test_network_never_replaces_the_network_it_reads(world, tmp_path):
    out = tmp_path / "net.gpkg"
    assert runner.invoke(app, ["network", _paths(world)["CASE"], "--out", str(out)]).exit_code == 0
    scen = tmp_path / "s.yaml"
    shutil.copy(world / "case" / "demands.csv", tmp_path / "demands.csv")
    _edit_yaml(shutil.copy(world / "case" / "case.yaml", scen) and scen, lambda d: d.update(network="net.gpkg"))
    before = out.read_bytes()
    result = runner.invoke(app, ["network", str(scen), "--out", str(out), "--force"])
    assert result.exit_code == 2, result.output
    _clean(result.output, "being read")
    assert out.read_bytes() == before


def test_print_map_replaces_its_own_map_with_force_only(world, tmp_path):
    for sfx in ("png", "pdf"):
        out = tmp_path / f"m.{sfx}"
        assert runner.invoke(app, ["print-map", str(world / "run"), "--out", str(out)]).exit_code == 0
        again = runner.invoke(app, ["print-map", str(world / "run"), "--out", str(out)])
        assert again.exit_code == 2 and "--force" in again.output
        assert runner.invoke(app, ["print-map", str(world / "run"), "--out", str(out), "--force"]).exit_code == 0


def test_the_folder_above_is_refused_for_what_it_is(world, monkeypatch):
    """``..`` and ``.`` are refused by their own rule (not because they hold other files)."""
    empty = world / "mine" / "empty_parent" / "here"
    empty.mkdir(parents=True)
    monkeypatch.chdir(empty)
    for target in (".", ".."):
        result = runner.invoke(app, ["run", _paths(world)["CASE"], "--out", target, "--force"])
        assert result.exit_code == 2
        _clean(result.output, "the current folder and those above it are never replaced")
    shutil.rmtree(world / "mine" / "empty_parent")


def test_a_forged_marker_does_not_make_a_folder_waterplans(world, tmp_path):
    """Only a marker exactly as waterplan writes it counts; with it, an earlier run is replaced."""
    out = tmp_path / "r"
    assert runner.invoke(app, ["run", _paths(world)["CASE"], "--out", str(out)]).exit_code == 0
    marker = out / ".waterplan-output.json"
    good = marker.read_text(encoding="utf-8")
    for forged in ("[]", "{}", '{"written_by": "someone", "files": []}', "not json", good.replace("waterplan", "w")):
        marker.write_text(forged, encoding="utf-8")
        result = runner.invoke(app, ["run", _paths(world)["CASE"], "--out", str(out), "--force"])
        assert result.exit_code == 2, forged
        _clean(result.output, "holds other files")
    marker.write_text(good, encoding="utf-8")
    assert runner.invoke(app, ["run", _paths(world)["CASE"], "--out", str(out), "--force"]).exit_code == 0


# --- folders one may not write to, as an unprivileged user --------------------------------------


@pytest.fixture(scope="module")
def unprivileged(world) -> Iterator[tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]]:
    """A world-readable copy of the cases and the run, a read-only folder ``locked/``, and a way to
    run waterplan as a user who may not write there (nobody, when the tests run as root)."""
    shared = Path(tempfile.mkdtemp(prefix="waterplan-perm-"))
    shared.chmod(0o755)
    for name in ("case", "case2", "monthly", "run"):
        shutil.copytree(world / name, shared / name)
    (shared / "locked").mkdir()
    (shared / "home").mkdir()
    for p in [shared, *shared.rglob("*")]:
        p.chmod(0o777 if p.name == "home" else (0o755 if p.is_dir() else 0o644))
    (shared / "locked").chmod(0o555)
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] if os.geteuid() == 0 else []
    env = {**CODE_ENV, "HOME": str(shared / "home"), "MPLCONFIGDIR": str(shared / "home" / "mpl")}

    def waterplan(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        cmd = [*prefix, sys.executable, "-m", "waterplan.cli", *args]
        return subprocess.run(cmd, cwd=shared, env=env, capture_output=True, text=True, timeout=timeout)

    probe = waterplan("schema", timeout=120)
    if probe.returncode != 0:
        shutil.rmtree(shared, ignore_errors=True)
        pytest.skip(f"waterplan cannot run as an unprivileged user here: {probe.stderr.strip()[-300:]}")
    yield shared, waterplan
    (shared / "locked").chmod(0o755)
    shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "case/case.yaml", "--out", "locked/run"],
        ["compare", "case/case.yaml", "case2/case.yaml", "--out", "locked/cmp"],
        ["export", "run", "--out", "locked/x.gpkg"],
        ["export", "run", "--format", "shp", "--out", "locked/shp"],
        ["export", "run", "--format", "xlsx", "--out", "locked/x.xlsx"],
        ["print-map", "run", "--out", "locked/x.png"],
        ["network", "case/case.yaml", "--out", "locked/net.gpkg"],
        ["new", "阳泉", "--out", "locked/yangquan"],
        ["ensemble", "monthly/case.yaml", "-n", "1", "--out", "locked/ens"],
        ["run", "case/case.yaml", "--out", "locked/deeper/run"],
    ],
    ids=lambda a: " ".join(a[:1] + a[-1:]),
)
def test_a_folder_one_may_not_write_to_is_one_sentence(unprivileged, args):
    shared, waterplan = unprivileged
    before = {k: v for k, v in _state(shared).items() if not k.startswith("home")}
    result = waterplan(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    _clean(result.stderr, "a folder you may write to", args[-1])
    assert {k: v for k, v in _state(shared).items() if not k.startswith("home")} == before


# --- YAML and files -----------------------------------------------------------------------------


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _scenario_text(world: Path) -> str:
    return (world / "case" / "case.yaml").read_text(encoding="utf-8")


YAML_CASES: list[tuple[str, Callable[[str], str], tuple[str, ...]]] = [
    ("alias bomb", lambda s: s + _bomb(), ("case.yaml", "aliases are expanded")),
    ("alias bomb of nine aliases", lambda s: s + _bomb(6).replace('"lol", ' * 8, ""), ("case.yaml",)),
    ("nesting 20000 deep in flow style", lambda s: s + "deep: " + "[" * 20000 + "]" * 20000 + "\n", ("nesting",)),
    (
        "nesting 3000 deep in block style",
        lambda s: s + "".join(f"{'  ' * i}k{i}:\n" for i in range(3000)) + "  " * 3000 + "x: 1\n",
        ("nesting",),
    ),
    ("an alias inside its own anchor", lambda s: s + "loop: &l [*l]\n", ("case.yaml",)),
    ("more than 500 aliases", lambda s: s + "x: &x 1\nmany: [" + ", ".join(["*x"] * 600) + "]\n", ("aliases",)),
    ("a list as a key", lambda s: s + "? [a, b]\n: 1\n", ("case.yaml",)),
    ("a mapping as a key", lambda s: s + "? {a: 1}\n: 1\n", ("case.yaml",)),
    ("a tab for indentation", lambda s: s + "levers:\n\tnetwork_leakage: 1\n", ("case.yaml", "line")),
    ("two documents", lambda s: s + "---\nyear: 2031\n", ("case.yaml",)),
    ("a python tag", lambda s: s + "x: !!python/object/apply:os.system ['true']\n", ("case.yaml",)),
    ("a NUL byte", lambda s: s + "x: \x00\n", ("case.yaml",)),
    ("a list at the top", lambda s: "- 1\n- 2\n", ("case.yaml", "mapping")),
    ("an empty file", lambda s: "", ("case.yaml",)),
    ("only a comment", lambda s: "# nothing\n", ("case.yaml",)),
]


@pytest.mark.parametrize(("mutate", "words"), [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_hostile_yaml_is_one_message_in_bounded_time(tmp_path, world, mutate, words):
    shutil.copytree(world / "case", tmp_path / "case")
    p = tmp_path / "case" / "case.yaml"
    p.write_text(mutate(_scenario_text(world)), encoding="utf-8")
    before = _state(tmp_path)
    cmd = [sys.executable, "-m", "waterplan.cli", "validate", str(p)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=CODE_ENV)
    assert result.returncode == 2, result.stdout + result.stderr
    _clean(result.stderr, *words)
    assert _state(tmp_path) == before


MERGED_SECTORS = """
sectors:
  domestic: &potable
    name_zh: 生活
    priority: 1
    accepts: [surface, groundwater_porous]
    return_coef: 0.8
  industry:
    <<: *potable
    name_zh: 工业
    priority: 2
    accepts: [reclaimed, surface, groundwater_porous]
  agriculture:
    name_zh: 农业
    priority: 3
    accepts: [surface, reclaimed]
"""


def test_yaml_merge_keys_are_read(tmp_path, world):
    """``<<: *anchor`` is valid YAML: industry takes domestic's keys and sets its own over them."""
    shutil.copytree(world / "case", tmp_path / "case")
    p = tmp_path / "case" / "case.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    del data["sectors"]
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + MERGED_SECTORS, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 0, result.output
    from waterplan.scenario import load_scenario

    industry = load_scenario(p).spec.sectors["industry"]
    assert (industry.priority, industry.return_coef, industry.name_zh) == (2, 0.8, "工业")
    p.write_text(
        p.read_text(encoding="utf-8").replace("    name_zh: 工业\n", "    name_zh: 工业\n    priority: 2\n", 1)
    )
    twice = runner.invoke(app, ["validate", str(p)])  # a key twice beside the merge is still refused
    assert twice.exit_code == 2
    _clean(twice.output, "duplicate key", "priority")


def test_a_duplicate_key_is_still_refused_beside_a_merge(tmp_path, world):
    shutil.copytree(world / "case", tmp_path / "case")
    p = tmp_path / "case" / "case.yaml"
    p.write_text(_scenario_text(world).replace("year: 2030", "year: 2030\nyear: 2031"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 2
    _clean(result.output, "duplicate key")


def _chain(folder: Path, n: int) -> Path:
    (folder / "s0.yaml").write_text(_scenario_text_of(folder), encoding="utf-8")
    for i in range(1, n + 1):
        (folder / f"s{i}.yaml").write_text(f"extends: s{i - 1}.yaml\nname: s{i}\n", encoding="utf-8")
    return folder / f"s{n}.yaml"


def _scenario_text_of(folder: Path) -> str:
    return (folder / "case.yaml").read_text(encoding="utf-8")


def test_an_extends_chain_is_bounded(tmp_path, world):
    shutil.copytree(world / "case", tmp_path / "case")
    ok = runner.invoke(app, ["validate", str(_chain(tmp_path / "case", 10))])
    assert ok.exit_code == 0, ok.output
    long = runner.invoke(app, ["validate", str(_chain(tmp_path / "case", 40))])
    assert long.exit_code == 2
    _clean(long.output, "extends", "at most 16")


def _special(kind: str, path: Path) -> None:
    if kind == "pipe":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with path.open("wb") as f:  # a sparse file: 1.1 GB on paper (past every limit), nothing on disk
            f.truncate(1100 * 2**20)
    elif kind == "dev":
        path.symlink_to("/dev/zero")


FILE_CASES = [
    pytest.param(which, kind, words, id=f"{which} is {kind}")
    for which, words in (
        ("demands.csv", ("demands.csv",)),
        ("case.yaml", ("case.yaml",)),
        ("net/edges.geojson", ("edges.geojson",)),
        ("series.csv", ("series.csv",)),
    )
    for kind in ("pipe", "folder", "huge", "dev")
]


@pytest.mark.parametrize(("which", "kind", "words"), FILE_CASES)
def test_a_file_that_is_not_a_readable_file_is_named_for_what_it_is(tmp_path, world, which, kind, words):
    shutil.copytree(world / "monthly" if which == "series.csv" else world / "case", tmp_path / "case")
    folder = tmp_path / "case"
    if which == "series.csv":
        _edit_yaml(folder / "case.yaml", lambda d: d["time"].update(series="series.csv"))
    else:
        (folder / which).unlink()
    _special(kind, folder / which)
    before = _state(tmp_path)
    cmd = [sys.executable, "-m", "waterplan.cli", "validate", str(folder / "case.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=CODE_ENV)
    assert result.returncode == 2, result.stdout + result.stderr
    expect = {"pipe": "named pipe", "folder": "folder", "huge": "at most", "dev": "device"}[kind]
    _clean(result.stderr, *words, expect)
    assert _state(tmp_path) == before


# --- numbers, types and geometry ----------------------------------------------------------------


def _feature(layer: str, fid: str, **props) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        p = folder / "net" / f"{layer}.geojson"
        data = json.loads(p.read_text(encoding="utf-8"))
        next(f for f in data["features"] if f["properties"]["id"] == fid)["properties"].update(props)
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return apply


def _spec(change: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda folder: _edit_yaml(folder / "case.yaml", change)


def _demand(old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        p = folder / "demands.csv"
        p.write_text(p.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    return apply


def _time(**kw) -> Callable[[Path], None]:
    return _spec(lambda d: d.update(time={"years": 1, "start_year": 2030, **kw}))


def _series(lines: list[str]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = [f"2030-{m:02d},S,8,万m³" for m in range(1, 13)]
        (folder / "series.csv").write_text("\n".join(["month,source,value,unit", *rows, *lines]) + "\n", "utf-8")
        _time(series="series.csv")(folder)

    return apply


def _replace_month(old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        _series([])(folder)
        p = folder / "series.csv"
        p.write_text(p.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    return apply


def _no_crs(folder: Path) -> None:
    import geopandas as gpd

    for layer in ("nodes", "edges"):
        gdf = gpd.read_file(folder / "net" / f"{layer}.geojson").set_crs(None, allow_override=True)
        with pytest.warns(UserWarning):
            gdf.to_file(folder / "net.gpkg", layer=layer, engine="pyogrio")
    _edit_yaml(folder / "case.yaml", lambda d: d.update(network="net.gpkg"))


def _con(**kw) -> Callable[[Path], None]:
    return _spec(lambda d: d["constraints"][0].update(kw))


VALUE_CASES: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
    ("loss of exactly 1", _feature("edges", "s_j", loss=1.0), ("edges.geojson", "loss", "1.0")),
    ("loss of 0.9999999", _feature("edges", "s_j", loss=1.0 - 1e-12), ("edges.geojson", "loss", "0.95")),
    ("loss given in percent", _feature("edges", "s_j", loss=5), ("edges.geojson", "loss", "5")),
    ("demand 1e30", _demand(f"{A},domestic,40", f"{A},domestic,1e30"), ("demands.csv", "1e30", "1,000 亿m³")),
    ("demand 2e3 亿m³", _demand(f"{A},domestic,40,万m³", f"{A},domestic,2000,亿m³"), ("demands.csv", "2000")),
    ("capacity 1e30", _feature("edges", "s_j", capacity=1e30), ("edges.geojson", "capacity")),
    ("availability 1e15", _feature("nodes", "S", available=1e15), ("nodes.geojson", "available")),
    ("cap value 1e30", _con(value=1e30), ("case.yaml", "value")),
    ("cap value NaN", _con(value=float("nan")), ("case.yaml", "value")),
    ("cap value infinite", _con(value=float("inf")), ("case.yaml", "value")),
    ("return_coef true", _spec(lambda d: d["sectors"]["domestic"].update(return_coef=True)), ("return_coef",)),
    ("return_coef as text", _spec(lambda d: d["sectors"]["domestic"].update(return_coef="0.8")), ("return_coef",)),
    ("priority as text", _spec(lambda d: d["sectors"]["domestic"].update(priority="1")), ("priority", "'1'")),
    ("priority true", _spec(lambda d: d["sectors"]["domestic"].update(priority=True)), ("priority",)),
    ("priority 1.5", _spec(lambda d: d["sectors"]["domestic"].update(priority=1.5)), ("priority",)),
    ("year as text digits", _spec(lambda d: d.update(year="2030")), ("year", "'2030'")),
    ("year 99999", _spec(lambda d: d.update(year=99999)), ("year", "99999")),
    ("equity as 1", _spec(lambda d: d.update(equity=1)), ("equity",)),
    ("name empty", _spec(lambda d: d.update(name="")), ("name",)),
    ("surface factor 1e300", _spec(lambda d: d.update(hydrology={"surface_factor": 1e300})), ("surface_factor",)),
    ("monthly seed negative", _time(seed=-1), ("seed", "-1")),
    ("monthly start year 0", _time(start_year=0), ("start_year",)),
    ("monthly years 100000", _time(years=100000), ("years", "100000")),
    ("monthly years as text", _time(years="3"), ("years",)),
    ("monthly pattern NaN", _time(demand_patterns={"domestic": [float("nan")] * 12}), ("demand_patterns",)),
    ("guarantee target 1.5", _time(guarantee_targets={"domestic": 1.5}), ("guarantee_targets", "1.5")),
    ("a month given twice", _series(["2030-03,S,9,万m³"]), ("series.csv", "row 14", "2030-03", "row 4")),
    ("month 13", _replace_month("2030-12", "2030-13"), ("series.csv", "row 13", "2030-13")),
    ("month in Chinese", _replace_month("2030-01", "2030年一月"), ("series.csv", "row 2", "2030年一月")),
    ("month 00", _replace_month("2030-05", "2030-00"), ("series.csv", "row 6", "2030-00")),
    ("month blank", _replace_month("2030-06", ""), ("series.csv", "row 7", "month")),
    ("month as a date", _replace_month("2030-07", "2030-07-01"), ("series.csv", "row 8", "2030-07-01")),
    ("layers without a CRS", _no_crs, ("net.gpkg", "CRS")),
]


@pytest.mark.parametrize(("mutate", "words"), [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES])
def test_whatever_validates_runs_and_the_rest_is_one_message(tmp_path, world, mutate, words):
    shutil.copytree(world / "case", tmp_path / "case")
    folder = tmp_path / "case"
    mutate(folder)
    before = _state(folder)
    checked = runner.invoke(app, ["validate", str(folder / "case.yaml")])
    ran = runner.invoke(app, ["run", str(folder / "case.yaml"), "--out", str(tmp_path / "out")])
    assert checked.exit_code == 2, checked.output
    _clean(checked.output, *words)
    assert ran.exit_code == 2 and ran.output.strip() == checked.output.strip(), ran.output
    assert _state(folder) == before and not (tmp_path / "out").exists()


# --- names that become paths --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../escape", "a/b", "..", "/tmp/abs", "C:\\x", "太原 干旱/2030", "..\\..\\x"])
def test_a_scenario_name_never_writes_outside_the_comparison(tmp_path, world, name):
    shutil.copytree(world / "case2", tmp_path / "case2")
    _edit_yaml(tmp_path / "case2" / "case.yaml", lambda d: d.update(name=name))
    out = tmp_path / "deep" / "cmp"
    result = runner.invoke(
        app, ["compare", _paths(world)["CASE"], str(tmp_path / "case2" / "case.yaml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")} - {
        p.relative_to(tmp_path) for p in (tmp_path / "case2").rglob("*")
    }
    assert all(str(p).startswith(("deep", "case2")) for p in written), written
    assert all(p.parent == out for p in out.rglob("*")), sorted(out.rglob("*"))
    html = (out / "compare.html").read_text(encoding="utf-8")
    link = next(p.name for p in out.glob("diff_*.html"))
    assert f"href='{link}'" in html


def test_two_scenarios_of_one_name_are_refused_in_compare(world, tmp_path):
    """Two files of one name would write one difference map over the other; one file twice is
    compared with itself, as before."""
    shutil.copytree(world / "case", tmp_path / "copy")
    copy = str(tmp_path / "copy" / "case.yaml")
    result = runner.invoke(app, ["compare", _paths(world)["CASE"], copy, "--out", str(tmp_path / "c")])
    assert result.exit_code == 2
    _clean(result.output, "name", "case")
    assert not (tmp_path / "c").exists()


VARIANTS = [
    ("a slash", {"a/b": {}}, ("variant name", "a/b")),
    ("dot dot", {"..": {}}, ("variant name", "..")),
    ("a hidden name", {".x": {}}, ("variant name", ".x")),
    ("an absolute path", {"/tmp/x": {}}, ("variant name", "/tmp/x")),
    ("an empty name", {"": {}}, ("variant name",)),
    ("a number", {1: {}}, ("variant name", "1")),
    ("a long name", {"x" * 300: {}}, ("variant name",)),
    ("an unknown key", {"dry": {"equitty": True}}, ("variants.yaml", "dry", "equitty")),
    ("a bad value", {"dry": {"year": "soon"}}, ("variants.yaml", "dry", "year")),
    ("not a mapping", {"dry": [1, 2]}, ("variants.yaml", "dry")),
]


@pytest.mark.parametrize(("spec", "words"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_a_bad_variant_is_one_message_before_any_member_runs(world, tmp_path, spec, words):
    vfile = tmp_path / "variants.yaml"
    vfile.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "ens"
    result = runner.invoke(
        app, ["ensemble", _paths(world)["MONTHLY"], "-n", "1", "--variants", str(vfile), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    _clean(result.output, *words)
    assert {p.name for p in tmp_path.iterdir()} == {"variants.yaml"}


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (not a Dask scheduler)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


@pytest.mark.parametrize(
    "address",
    ["foo", "http://localhost:8786", "tcp://", "tcp://127.0.0.1:1", "tcp://no-such-host.invalid:8786", "SILENT"],
)
def test_a_scheduler_that_is_not_there_is_one_sentence_in_bounded_time(world, tmp_path, silent_server, address):
    address = silent_server if address == "SILENT" else address
    out = tmp_path / "ens"
    cmd = [sys.executable, "-m", "waterplan.cli", "ensemble", _paths(world)["MONTHLY"], "-n", "1", "--out", str(out)]
    cmd += ["--scheduler", address, "--connect-timeout", "2"]
    t0 = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=CODE_ENV)
    assert result.returncode == 2, result.stdout + result.stderr
    _clean(result.stderr, "--scheduler", address)
    assert time.perf_counter() - t0 < 60


def test_the_table_has_enough_cases():
    n = len(WRITER_CASES) + len(YAML_CASES) + len(FILE_CASES) + len(VALUE_CASES) + len(VARIANTS) + 10 + 7 + 6
    assert n >= 150, n


# --- property tests: the structure of the YAML and the bytes of a table -------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), st.text(max_size=6)
)
SUBTREES = st.recursive(
    LEAVES,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=6,
)


def _nodes(data, path=()):
    """Every (container, key) pair of a scenario's tree."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for k, v in list(items):
        yield path, data, k
        yield from _nodes(v, (*path, k))


OPERATIONS = ("delete", "replace", "wrap in a list", "a mapping for a list", "move under another key", "add a key")


def _restructure(data: dict, op: str, pick: int, other: int, subtree) -> None:
    nodes = list(_nodes(data))
    _path, parent, key = nodes[pick % len(nodes)]
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = subtree
    elif op == "wrap in a list":
        parent[key] = [parent[key]]
    elif op == "a mapping for a list":
        v = parent[key]
        parent[key] = dict(enumerate(v)) if isinstance(v, list) else list(v.values()) if isinstance(v, dict) else {v: v}
    elif op == "move under another key":
        _p2, parent2, key2 = nodes[other % len(nodes)]
        if parent2 is not parent[key] and key2 != key:
            value = parent.pop(key) if isinstance(parent, dict) else parent[key]
            if isinstance(parent2, dict):
                parent2[f"{key2}_moved"] = value
    elif op == "add a key" and isinstance(parent, dict):
        parent[f"{key}x"] = subtree


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10**6), st.integers(0, 10**6), SUBTREES),
        min_size=1,
        max_size=3,
    )
)
def test_a_restructured_scenario_validates_or_is_one_message(tmp_path_factory, world, ops):
    folder = tmp_path_factory.mktemp("structure")
    shutil.copytree(world / "case", folder / "case")
    p = folder / "case" / "case.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    for op in ops:
        if data:
            _restructure(data, *op)
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = _state(folder)
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code in (0, 2), result.output
    _clean(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert _state(folder) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["demands.csv", "case.yaml", "net/edges.geojson", "net/nodes.geojson"]),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete", "cut"]),
            st.integers(0, 10**6),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_a_table_or_layer_with_damaged_bytes_runs_or_is_one_message(tmp_path_factory, world, which, edits):
    folder = tmp_path_factory.mktemp("bytes")
    shutil.copytree(world / "case", folder / "case")
    p = folder / "case" / which
    raw = bytearray(p.read_bytes())
    for op, at, data in edits:
        i = at % max(len(raw), 1)
        if op == "flip" and raw:
            raw[i] ^= data[0] or 0xFF
        elif op == "insert":
            raw[i:i] = data
        elif op == "delete":
            del raw[i : i + len(data)]
        elif op == "cut":
            del raw[i:]
    p.write_bytes(bytes(raw))
    before = _state(folder)
    result = runner.invoke(app, ["run", str(folder / "case" / "case.yaml"), "--out", str(folder / "out")])
    assert result.exit_code in (0, 2, 3), result.output
    _clean(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert {k: v for k, v in _state(folder).items() if not k.startswith("out")} == before


def test_a_geometry_gdal_cannot_read_is_one_message_not_an_empty_geometry(tmp_path, world):
    """GDAL turns a geometry of an unknown type into an empty one with a warning; that is the user's
    file being damaged, said in one message naming the file, never a warning lost or a silent run."""
    shutil.copytree(world / "case", tmp_path / "case")
    edges = next((tmp_path / "case").rglob("edges.geojson"))
    data = json.loads(edges.read_text(encoding="utf-8"))
    data["features"][0]["geometry"] = {"type": "Curve", "coordinates": [[112.5, 37.8], [112.6, 37.9]]}
    edges.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = _state(tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path / "case" / "case.yaml")])
    assert result.exit_code == 2, result.output
    _clean(result.output, "edges.geojson", "Unsupported geometry type", "GDAL can read")
    assert _state(tmp_path) == before


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (RuntimeError("a fault"), 70, ("Internal error", "RuntimeError: a fault", "-v")),
        (KeyboardInterrupt(), 130, ("Interrupted",)),
        (MemoryError(), 2, ("Out of memory",)),
        (RecursionError("deep"), 2, ("Input nested too deeply",)),
    ],
    ids=["a fault", "Ctrl-C", "no memory", "recursion"],
)
def test_whatever_escapes_is_one_sentence_never_a_traceback(world, monkeypatch, fault, code, words):
    """The guard of last resort: anything no check foresaw ends in one sentence and its exit code."""
    import waterplan.scenario

    def boom(*_a, **_k):
        raise fault

    monkeypatch.setattr(waterplan.scenario, "load_scenario", boom)
    result = runner.invoke(app, ["validate", _paths(world)["CASE"]])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output, result.output


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child: Ctrl-C (SIGINT) as a terminal delivers it. A shell that starts a job in the
    background without job control makes its processes ignore SIGINT, and Python keeps an ignored
    SIGINT ignored; these tests are about the command, not about how the suite was started."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ctrl_c_ends_it(proc: subprocess.Popen[str]) -> None:
    """Ctrl-C to ``proc``: it ends within seconds with exit code 130 and one sentence."""
    import signal

    proc.send_signal(signal.SIGINT)
    t0 = time.perf_counter()
    try:
        _stdout, stderr = proc.communicate(timeout=60)
    finally:  # a process that does not stop fails this test, not the next one
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert time.perf_counter() - t0 < 45
    _clean(stderr, "Interrupted")


def test_an_ensemble_interrupted_while_its_cluster_starts_ends_in_one_sentence(world, tmp_path):
    """Ctrl-C seconds after the start, while the local cluster is starting: exit code 130 within
    seconds, one sentence, no traceback, no worker left holding the command's output open."""
    import psutil

    cmd = [sys.executable, "-m", "waterplan.cli", "ensemble", _paths(world)["MONTHLY"], "-n", "400", "--out",
           str(tmp_path / "ens")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CODE_ENV,
                            preexec_fn=_ctrl_c_as_at_a_terminal)  # fmt: skip
    deadline = time.perf_counter() + 90
    while not psutil.Process(proc.pid).children() and proc.poll() is None and time.perf_counter() < deadline:
        time.sleep(0.05)  # the imports done: the cluster's first process started
    assert proc.poll() is None and not (tmp_path / "ens" / "parts").exists(), proc.communicate()
    _ctrl_c_ends_it(proc)


def test_an_interrupted_ensemble_ends_in_one_sentence_and_keeps_what_it_has(world, tmp_path):
    """Ctrl-C during an ensemble: exit code 130 within seconds, one sentence, and the folder an
    earlier ensemble's (the members written so far, the failures, ensemble.json) to resume."""

    out = tmp_path / "ens"
    cmd = [sys.executable, "-m", "waterplan.cli", "ensemble", _paths(world)["MONTHLY"], "-n", "400", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CODE_ENV,
                            preexec_fn=_ctrl_c_as_at_a_terminal)  # fmt: skip
    deadline = time.perf_counter() + 90
    while not (out / "parts").exists() and time.perf_counter() < deadline and proc.poll() is None:
        time.sleep(0.2)  # until the first member is written
    assert proc.poll() is None, proc.communicate()
    _ctrl_c_ends_it(proc)
    meta = json.loads((out / "ensemble.json").read_text(encoding="utf-8"))
    assert meta["written_by"] == "waterplan ensemble" and (out / "failures.csv").is_file()


def test_a_control_character_in_the_scenario_file_is_one_message(tmp_path):
    """A DEL (0x7f) in the YAML: the YAML reader refuses it as it opens the text — one message, exit 2."""
    from typer.testing import CliRunner

    from waterplan.cli import app

    bad = tmp_path / "s.yaml"
    bad.write_text("name: x\x7f\nyear: 2030\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(bad)])
    assert r.exit_code == 2 and "Traceback" not in r.output and "#x007f" in r.output, r.output
