"""The planner's workbench in the browser (``waterplan app``): the first part — the scenarios of one
project folder with their ``extends`` tree, each scenario's targets laid out as the plan's 指标清单
with what it inherits shown apart from what it sets, and runs in the background (queued, one at a
time, in a separate process so that the page stays responsive) whose report and map open from the
page.

The server is Tornado's (a dependency of Dask's distributed, so nothing more to install): it binds
to 127.0.0.1, refuses a state-changing request without its page's XSRF token (a cross-site POST),
serves files only from inside the project folder and escapes every text it shows.
"""

from __future__ import annotations

import html
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tornado.web

from ._errors import WaterplanError
from .app_pages import CSS, LIVE_JS, result_page, table_html
from .i18n import tr
from .jobs import Jobs

__all__ = ["Jobs", "make_app", "scenario_tree", "serve"]


def _scenarios(folder: Path) -> list[Path]:
    """The scenario files of the project folder (YAML files with a ``name:`` and a ``year:``, or an
    ``extends:``)."""
    out = []
    for p in sorted(folder.rglob("*.yaml")):
        if any(part.startswith(".") or part == "runs" for part in p.relative_to(folder).parts):
            continue
        head = p.read_text(encoding="utf-8", errors="replace")[:20_000]
        head = f"\n{head}"
        if "\nextends:" in head or ("\nyear:" in head and "\nname:" in head):
            out.append(p)
    return out


def _extends(path: Path) -> Path | None:
    from .reading import load_yaml

    try:
        data, _enc = load_yaml(path, fname=str(path), what=tr("a scenario file"))
    except Exception:  # a file that does not read is listed, and says why when opened
        return None
    parent = data.get("extends") if isinstance(data, dict) else None
    return (path.parent / str(parent)).resolve() if parent else None


def scenario_tree(folder: Path) -> list[tuple[int, Path]]:
    """The project's scenarios as a tree: (depth, path), each child after the scenario it extends."""
    files = [p.resolve() for p in _scenarios(folder)]
    parent = {p: _extends(p) for p in files}
    children: dict[Path | None, list[Path]] = {}
    for p in files:
        children.setdefault(parent[p] if parent[p] in parent else None, []).append(p)
    out: list[tuple[int, Path]] = []

    def walk(node: Path | None, depth: int) -> None:
        for child in children.get(node, []):
            out.append((depth, child))
            walk(child, depth + 1)

    walk(None, 0)
    return out


def _own_ids(path: Path) -> set[str]:
    """The ids of the targets a scenario file sets itself (the rest it inherits)."""
    from .reading import load_yaml

    data, _enc = load_yaml(path, fname=str(path), what=tr("a scenario file"))
    items = [*(data.get("constraints") or []), *(data.get("targets") or [])] if isinstance(data, dict) else []
    return {str(i.get("id")) for i in items if isinstance(i, dict)}


def _last_status(folder: Path, path: Path) -> dict[str, str]:
    """Each target's status in the scenario's last run from the workbench (``runs/<file stem>``)."""
    ind = folder / "runs" / path.stem / "indicators.csv"
    if not ind.is_file():
        return {}
    import pandas as pd

    from .report import status_label

    df = pd.read_csv(ind, usecols=["id", "status"], dtype=str, keep_default_na=False)
    return {i: status_label(s) for i, s in zip(df["id"], df["status"], strict=True)}


def _parent_ids(path: Path) -> set[str]:
    """The targets of the scenario ``path`` extends (those an override of it can be reset to)."""
    from .scenario import load_scenario

    parent = _extends(path)
    try:
        return {c.id for c in load_scenario(parent).constraints} if parent else set()
    except WaterplanError:
        return set()


def _u(path: str) -> str:
    """A path of the workbench as it goes in a link or a form's action (a Chinese file name too)."""
    return html.escape(quote(path))


def _safe(name: str) -> str:
    """A piece of a folder name from a user's text (an id, a scenario's file name)."""
    return re.sub(r"[^\w.-]+", "_", name)[:60] or "_"


class _Page(tornado.web.RequestHandler):
    """A page of the workbench: a path inside the project folder, or a refusal."""

    def initialize(self, folder: Path, jobs: Jobs) -> None:
        self.folder, self.jobs = folder, jobs

    def inside(self, rel: str, *, folder: bool = False) -> Path:
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder) or not (path.is_dir() if folder else path.is_file()):
            raise tornado.web.HTTPError(404)
        return path

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.folder).as_posix()

    def page(self, title: str, body: str, *, refresh: bool = False) -> None:
        e = html.escape
        meta = "<meta http-equiv='refresh' content='1'>" if refresh else ""
        nav = ("<nav><a href='/'>方案 Scenarios</a><a href='/jobs'>任务 Jobs</a>"
               f"<span>{e(self.folder.name)}</span></nav>")  # fmt: skip
        self.write(f"<!doctype html><html lang='zh'><head><meta charset='utf-8'>{meta}<title>{e(title)}</title>"
                   f"<style>{CSS}</style></head><body>{nav}<h1>{e(title)}</h1>{body}<script>{LIVE_JS}</script>"
                   "</body></html>")  # fmt: skip

    def post_form(self, action: str, label: str, fields: str = "", cls: str = "inline") -> str:
        """A form posting to ``action`` with the page's XSRF token (``fields``: the workbench's markup)."""
        return (f"<form class='{cls}' method='post' action='{_u(action)}'>{self.xsrf_form_html()}"
                f"{fields}<button type='submit'>{html.escape(label)}</button></form>")  # fmt: skip

    def submit(self, kind: str, label: str, args: tuple[str, ...], out: Path) -> None:
        job = self.jobs.submit(kind, label, args, out)
        self.redirect(f"/job/{job.id}")


class NoIcon(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_status(204)  # no icon, and no failed request in the browser's console


class Index(_Page):
    def get(self) -> None:
        e = html.escape
        rows = []
        for d, p in scenario_tree(self.folder):
            rel = self.rel(p)
            box = f"<input type='checkbox' name='s' value='{e(rel)}'>"
            rows.append(f"<li style='margin-left:{2 * d}em'>{box} <a href='/scenario/{_u(rel)}'>{e(rel)}</a></li>")
        compare = self.post_form("/compare", "比较所选方案 Compare the chosen scenarios", f"<ul>{''.join(rows)}</ul>",
                                 cls="compare")  # fmt: skip
        self.page(tr("Scenarios of {folder}", folder=self.folder.name), compare)


class _Scenario(_Page):
    def targets(self, rel: str, path: Path, sc: Any) -> str:
        """The 指标清单 of the scenario: each target's value to edit, own or inherited (own overrides
        with "reset to inherited"), and its status in the last run."""
        e, own, parent = html.escape, _own_ids(path), _parent_ids(path)
        last = _last_status(self.folder, path)
        rows = []
        for c in sc.constraints:
            mine, tid = c.id in own, f"<input type='hidden' name='id' value='{e(c.id)}'>"
            said, live = "<span class='said'></span>", "inline live"
            value = f"{tid}<input name='value' value='{c.value_as_given:g}' size='8'> {e(c.unit)} {said}"
            reset = (
                self.post_form(f"/reset/{rel}", "恢复继承 reset to inherited", tid) if mine and c.id in parent else ""
            )
            source = "本方案设定 set here" if mine else "继承 inherited"
            rows.append(
                f"<tr class='{'own' if mine else 'inherited'}' data-id='{e(c.id)}'><td>{e(c.id)}</td>"
                f"<td>{e(c.name_zh)}</td><td>{e(c.type)}</td>"
                f"<td>{self.post_form(f'/edit/{rel}', '保存 Save', value, live)}</td>"
                f"<td class='status'>{e(last.get(c.id, ''))}</td><td>{e(c.clause)}</td>"
                f"<td>{source} {reset}</td></tr>"
            )
        head = "".join(f"<th>{h}</th>" for h in ("id", "指标 indicator", "类型 kind", "目标值 target",
                                                 "上次结果 last run", "条款 clause", "来源 source"))  # fmt: skip
        return f"<table class='targets'><tr>{head}</tr>{''.join(rows)}</table>"

    def setting_rows(self, rel: str, path: Path, sc: Any) -> str:
        """The hydrological year and each lever, set here or inherited, each with its form."""
        from typing import get_args

        from .reading import load_yaml
        from .spec import Hydrology

        e = html.escape
        raw, _enc = load_yaml(path, fname=path.name, what=tr("a scenario file"))
        mine_h = isinstance(raw.get("hydrology"), dict) and "year_type" in raw["hydrology"]
        mine_l = set(raw.get("levers") or {}) if isinstance(raw.get("levers"), dict) else set()
        year = sc.spec.hydrology.year_type
        options = "".join(f"<option{' selected' if t == year else ''}>{t}</option>"
                          for t in get_args(Hydrology.model_fields["year_type"].annotation))  # fmt: skip
        rows = [("hydrology.year_type", "水文年型 year type (hydrology)", f"<select name='value'>{options}</select>",
                 mine_h, "")]  # fmt: skip
        for name, lever in sc.spec.levers.items():
            field = f"<input name='value' value='{lever.value:g}' size='8'>"
            rows.append((f"levers.{name}", f"调控参数 lever: {name}", field, name in mine_l, lever.clause))
        out = []
        for key, label, field, mine, clause in rows:
            hidden = f"<input type='hidden' name='key' value='{e(key)}'>{field} <span class='said'></span>"
            form = self.post_form(f"/setting/{rel}", "保存 Save", hidden, "inline live")
            out.append(f"<tr class='{'own' if mine else 'inherited'}' data-key='{e(key)}'><td>{e(label)}</td>"
                       f"<td>{form}</td><td>{e(clause)}</td>"
                       f"<td>{'本方案设定 set here' if mine else '继承 inherited'}</td></tr>")  # fmt: skip
        return f"<h2>情景设置 Settings</h2><table class='settings'>{''.join(out)}</table>"

    def actions(self, rel: str, path: Path, sc: Any) -> str:
        """Run, undo, a new scenario extending this one, a sweep of one target, the last run's results."""
        e = html.escape
        options = "".join(f"<option value='{e(c.id)}'>{e(c.id)} {e(c.name_zh)}</option>" for c in sc.constraints)
        options += "".join(f"<option value='levers.{e(k)}'>调控参数 lever: {e(k)}</option>" for k in sc.spec.levers)
        sweep = ("<select name='target'>" + options + "</select> 从 from <input name='start' size='6'> 到 to "
                 "<input name='stop' size='6'> 步数 steps <input name='steps' value='6' size='3'> ")  # fmt: skip
        new = "<input name='name' placeholder='新方案名 new name' size='20'> "
        monthly = sc.spec.time is not None
        ensemble = ("成员数 members <input name='members' value='20' size='4'> 种子 seed <input name='seed' value='0' "
                    "size='4'> 年数 years <input name='years' placeholder='方案设定 as set' size='6'> ")  # fmt: skip
        out = self.folder / "runs" / path.stem
        result = (f"<p><a id='last-result' href='/result/{_u(self.rel(out))}'>上次结果 last run's results</a></p>"
                  if (out / "manifest.json").is_file() else "")  # fmt: skip
        result += f"<p><a id='network' href='/network/{_u(rel)}'>网络图 The network, from its layers</a></p>"
        result += f"<p><a id='demands' href='/demands/{_u(rel)}'>需水表 The demand table (paste from Excel)</a></p>"
        return (
            "<section>"
            + self.post_form(f"/run/{rel}", "运行 Run")
            + " "
            + self.post_form(f"/undo/{rel}", "撤销上次保存 Undo the last save")
            + "</section><section>"
            + self.post_form(f"/extend/{rel}", "新建继承方案 New scenario extending this", new)
            + "</section><section>"
            + self.post_form(f"/sweep/{rel}", "扫描 Sweep", sweep)
            + "</section>"
            + (self.post_form(f"/ensemble/{rel}", "集合运行 Run an ensemble", ensemble, "ensemble") if monthly else "")
            + result
        )

    def scenario(self, rel: str, said: str = "") -> None:
        """The scenario's page, with ``said`` (why the last change was refused) above it."""
        from .scenario import load_scenario

        path, e = self.inside(rel), html.escape
        try:
            sc = load_scenario(path)
        except WaterplanError as exc:  # the same message as the command line's
            self.page(rel, f"<pre id='message'>{e(str(exc))}</pre>")
            return
        parent = _extends(path)
        up = f" · 继承自 extends <a href='/scenario/{_u(self.rel(parent))}'>{e(parent.name)}</a>" if parent else ""
        about = f"<p>{e(rel)} · {sc.year} · 水文 hydrology: {e(str(sc.spec.hydrology.year_type))}{up}</p>"
        message = f"<pre id='message'>{e(said)}</pre>" if said else ""
        parts = (self.targets(rel, path, sc), self.setting_rows(rel, path, sc), self.actions(rel, path, sc))
        self.page(sc.spec.title_zh or sc.name, message + about + "<h2>指标 Targets</h2>" + "".join(parts))


class ScenarioPage(_Scenario):
    def get(self, rel: str) -> None:
        self.scenario(rel)


class _Change(_Scenario):
    """A change of a scenario file from its page: refused with the message on the page (the file
    untouched), else back to the page."""

    def change(self, rel: str, fn: Any, *args: str) -> None:
        path = self.inside(rel)
        try:
            fn(path, self.folder, *args)
        except WaterplanError as exc:
            self.set_status(400)
            self.scenario(rel, said=str(exc))
            return
        self.redirect(quote(f"/scenario/{rel}"))


class Edit(_Change):
    def post(self, rel: str) -> None:
        from .edit import set_value

        self.change(rel, set_value, self.get_argument("id"), self.get_argument("value"))


class Setting(_Change):
    def post(self, rel: str) -> None:
        from .edit import set_setting

        self.change(rel, set_setting, self.get_argument("key"), self.get_argument("value"))


class Reset(_Change):
    def post(self, rel: str) -> None:
        from .edit import reset

        self.change(rel, reset, self.get_argument("id"))


class Undo(_Page):
    def post(self, rel: str) -> None:
        from .edit import undo

        undo(self.inside(rel), self.folder)
        back = self.get_argument("back", "")
        self.redirect(back if back.startswith("/") and not back.startswith("//") else quote(f"/scenario/{rel}"))


class Check(_Page):
    """The dry run of a save (nothing written): ``{"ok": true}`` or the message the save would give."""

    def post(self, action: str, rel: str) -> None:
        from .edit import set_demands, set_setting, set_value

        path, arg = self.inside(rel), self.get_argument
        try:
            if action == "edit":
                set_value(path, self.folder, arg("id"), arg("value"), dry_run=True)
            elif action == "setting":
                set_setting(path, self.folder, arg("key"), arg("value"), dry_run=True)
            else:
                set_demands(path, self.folder, arg("rows"), dry_run=True)
        except WaterplanError as exc:
            self.write({"ok": False, "message": str(exc)})
            return
        self.write({"ok": True, "message": ""})


def _as_tsv(table: Path, encoding: str) -> str:
    """A CSV table as tab-separated rows, the way Excel copies and pastes them."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, dialect="excel-tab", lineterminator="\n").writerows(
        csv.reader(io.StringIO(table.read_bytes().decode(encoding)))
    )
    return out.getvalue()


class Demands(_Page):
    """The scenario's demand table as a grid to paste rows into from Excel, checked as typed."""

    def show(self, rel: str, said: str = "", text: str | None = None) -> None:
        import pandas as pd

        from .scenario import load_scenario

        path, e = self.inside(rel), html.escape
        try:
            sc = load_scenario(path)
        except WaterplanError as exc:
            self.page(rel, f"<pre id='message'>{e(str(exc))}</pre>")
            return
        table = sc.demands_path
        if not table.resolve().is_relative_to(self.folder) or table.suffix.lower() != ".csv":
            self.page(f"{path.stem} — 需水表 demands", f"<p>{e(str(table))}: 请在 Excel 中编辑 edit it in Excel</p>")
            return
        encoding = next((v for f, v in sc.encodings.items() if f.endswith(table.name)), "utf-8")
        grid = text if text is not None else _as_tsv(table, encoding)
        message = f"<pre id='message'>{e(said)}</pre>" if said else ""
        area = (f"<textarea name='rows' rows='18' class='grid' wrap='off' spellcheck='false'>{e(grid)}</textarea><br>"
                "<span class='said'></span><br>")  # fmt: skip
        view = pd.read_csv(table, dtype=str, keep_default_na=False, encoding=encoding)
        body = (
            f"{message}<p>{e(self.rel(table))} · {len(view)} 行 rows · "
            "从 Excel 复制粘贴（含表头） paste rows from Excel, header first; 改动对使用此表的每个方案生效 "
            "every scenario using this table sees the change</p>"
            + self.post_form(f"/demands/{rel}", "保存 Save", area, "live demands")
            + self.post_form(
                f"/undo/{self.rel(table)}",
                "撤销上次保存 Undo the last save",
                f"<input type='hidden' name='back' value='/demands/{_u(rel)}'>",
            )
            + table_html(view, cls="demand-table")
        )
        self.page(f"{path.stem} — 需水表 demands", body)

    def get(self, rel: str) -> None:
        self.show(rel)

    def post(self, rel: str) -> None:
        from .edit import set_demands

        rows = self.get_argument("rows")
        try:
            set_demands(self.inside(rel), self.folder, rows)
        except WaterplanError as exc:  # refused: the table untouched, the rows kept in the grid
            self.set_status(400)
            self.show(rel, said=str(exc), text=rows)
            return
        self.redirect(quote(f"/demands/{rel}"))


class Extend(_Scenario):
    def post(self, rel: str) -> None:
        from .edit import extend

        path = self.inside(rel)
        try:
            new = extend(path, self.folder, self.get_argument("name").strip())
        except WaterplanError as exc:
            self.set_status(400)
            self.scenario(rel, said=str(exc))
            return
        self.redirect(quote(f"/scenario/{self.rel(new)}"))


class NetworkPage(_Page):
    def get(self, rel: str) -> None:
        """The scenario's network read afresh from its layers (after an edit in QGIS: Reload), the
        checks' warnings on the map where they belong and listed beside it."""
        from .maps import network_map
        from .network import build_graph
        from .outputs import write_folder
        from .scenario import load_scenario

        path, e = self.inside(rel), html.escape
        try:
            G = build_graph(load_scenario(path))
        except WaterplanError as exc:  # the layers' problems, as validate says them
            self.page(f"{path.stem} — 网络 network", f"<pre id='message'>{e(str(exc))}</pre>")
            return
        warnings = [str(w) for w in G.graph.get("warnings", [])]
        fmap, unplaced = network_map(G, warnings)
        out = write_folder(self.folder / "runs" / f"network-{_safe(path.stem)}", True,
                           lambda tmp: fmap.save(str(tmp / "network.html")))  # fmt: skip
        listed = "".join(
            f"<li class='warn'>{e(w)}{' (未定位 not on the map)' if w in unplaced else ''}</li>" for w in warnings
        )
        body = (
            f"<p><a id='reload' href='/network/{_u(rel)}'>重新读取图层 Reload the layers</a> · "
            f"{G.number_of_nodes()} 节点 nodes · {G.number_of_edges()} 边 edges</p>"
            f"<h2>警告 Warnings ({len(warnings)})</h2><ul id='warnings'>{listed}</ul>"
            f"<iframe id='network' src='/files/{_u(self.rel(out))}/network.html' height='640'></iframe>"
        )
        self.page(f"{path.stem} — 网络 network", body)


class Run(_Page):
    def post(self, rel: str) -> None:
        path = self.inside(rel)
        self.submit("run", rel, (str(path), str(self.folder / "runs" / path.stem)), self.folder / "runs" / path.stem)


class Sweep(_Page):
    def post(self, rel: str) -> None:
        path = self.inside(rel)
        target = self.get_argument("target")
        out = self.folder / "runs" / f"sweep-{_safe(path.stem)}-{_safe(target)}"
        args = (str(path), str(out), target, *(self.get_argument(k) for k in ("start", "stop", "steps")))
        self.submit("sweep", f"{rel}: {target}", args, out)


class Ensemble(_Page):
    def post(self, rel: str) -> None:
        path = self.inside(rel)
        out = self.folder / "runs" / f"ensemble-{_safe(path.stem)}"
        args = (str(path), str(out), *(self.get_argument(k, "") for k in ("members", "seed", "years")))
        self.submit("ensemble", f"{rel}: 集合 ensemble", args, out)


class Compare(_Page):
    def post(self) -> None:
        paths = [self.inside(r) for r in self.get_arguments("s")]
        if len(paths) < 2:
            self.set_status(400)
            said = tr("Choose two or more scenarios to compare.")
            self.page("比较 Compare", f"<pre id='message'>{html.escape(said)}</pre>")
            return
        out = self.folder / "runs" / ("compare-" + "-".join(_safe(p.stem) for p in paths))[:120]
        self.submit("compare", " · ".join(self.rel(p) for p in paths), (str(out), *map(str, paths)), out)


class Cancel(_Page):
    def post(self, jid: str) -> None:
        if jid not in self.jobs.jobs:
            raise tornado.web.HTTPError(404)
        self.jobs.cancel(jid)
        self.redirect(f"/job/{jid}")


_SAID = {"queued": "排队 queued", "running": "运行中 running", "done": "完成 done", "failed": "失败 failed",
         "cancelled": "已取消 cancelled"}  # fmt: skip


class JobPage(_Page):
    def get(self, jid: str) -> None:
        job = self.jobs.jobs.get(jid)
        if job is None:
            raise tornado.web.HTTPError(404)
        st, e = job.state(), html.escape
        if self.get_argument("format", "") == "json":
            self.write(st)
            return
        live = st["state"] in ("queued", "running")
        body = f"<p id='state' data-state='{st['state']}'>{e(_SAID[st['state']])}"
        body += f" · {st['seconds']:.1f} s" if "seconds" in st else ""
        body += f"</p><pre id='progress'>{e(st.get('progress', ''))}</pre>" if live else "</p>"
        if live:
            body += self.post_form(f"/cancel/{jid}", "取消 Cancel")
        if st["state"] == "failed":
            body += f"<pre id='message'>{e(st['message'])}</pre>"
        if st["state"] == "done":
            body += f"<p><a id='result' href='/result/{_u(self.rel(Path(st['out'])))}'>查看结果 See the results</a></p>"
        self.page(job.label, body, refresh=live)


class JobsPage(_Page):
    def get(self) -> None:
        e = html.escape
        rows = "".join(
            f"<tr><td><a href='/job/{j.id}'>{e(j.label)}</a></td><td>{e(j.kind)}</td><td>{e(_SAID[j.status])}</td></tr>"
            for j in reversed(list(self.jobs.jobs.values()))
        )
        self.page("任务 Jobs", f"<table><tr><th>任务 job</th><th>类型 kind</th><th>状态 state</th></tr>{rows}</table>")


class ResultPage(_Page):
    def get(self, rel: str) -> None:
        folder = self.inside(rel, folder=True)
        if not any((folder / f).is_file() for f in ("manifest.json", "sweep.csv", "compare.html", "ensemble.html")):
            raise tornado.web.HTTPError(404)
        title, body = result_page(folder, self.rel(folder))
        self.page(title, body)


def make_app(folder: Path, jobs: Jobs | None = None) -> tornado.web.Application:
    """The workbench of the project ``folder`` (every file it serves is inside it)."""
    folder = folder.resolve()
    args = {"folder": folder, "jobs": jobs or Jobs()}
    routes: list[tuple[str, type[_Page]]] = [
        (r"/", Index), (r"/scenario/(.+)", ScenarioPage), (r"/run/(.+)", Run), (r"/edit/(.+)", Edit),
        (r"/reset/(.+)", Reset), (r"/setting/(.+)", Setting), (r"/undo/(.+)", Undo), (r"/extend/(.+)", Extend),
        (r"/sweep/(.+)", Sweep), (r"/ensemble/(.+)", Ensemble), (r"/compare", Compare),
        (r"/cancel/([0-9a-f]+)", Cancel),
        (r"/job/([0-9a-f]+)", JobPage), (r"/jobs", JobsPage), (r"/check/(edit|setting|demands)/(.+)", Check),
        (r"/demands/(.+)", Demands), (r"/result/(.+)", ResultPage), (r"/network/(.+)", NetworkPage),
    ]  # fmt: skip
    return tornado.web.Application(
        [
            *((r, h, args) for r, h in routes),
            (r"/favicon.ico", NoIcon),
            (r"/files/(.*)", tornado.web.StaticFileHandler, {"path": str(folder)}),
        ],
        xsrf_cookies=True,
        cookie_secret=secrets.token_hex(16),
    )


def serve(folder: Path, *, port: int = 8765, open_browser: bool = True) -> None:  # pragma: no cover
    """Serve the workbench on 127.0.0.1:``port`` until interrupted."""
    import asyncio
    import socket
    import webbrowser

    with socket.socket() as probe:  # a port already taken is said before the server starts (OSError)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    jobs = Jobs()

    async def main() -> None:
        make_app(folder, jobs).listen(port, address="127.0.0.1")
        if open_browser:
            webbrowser.open(f"http://127.0.0.1:{port}/")
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    finally:
        jobs.shutdown()
