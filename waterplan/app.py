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
import secrets
import threading
import uuid
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tornado.web

from ._errors import WaterplanError
from .i18n import language, set_language, tr

__all__ = ["Jobs", "make_app", "scenario_tree", "serve"]


def _scenarios(folder: Path) -> list[Path]:
    """The scenario files of the project folder (YAML files with a ``name:`` and a ``year:``)."""
    out = []
    for p in sorted(folder.rglob("*.yaml")):
        if any(part.startswith(".") or part == "runs" for part in p.relative_to(folder).parts):
            continue
        head = p.read_text(encoding="utf-8", errors="replace")[:20_000]
        if "\nyear:" in f"\n{head}" and ("\nname:" in f"\n{head}" or "\nextends:" in f"\n{head}"):
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


def _run_one(scenario: str, out: str, lang: str) -> str:
    """A run in the worker process: the scenario run and written into ``out``; its folder."""
    from .run import run_scenario, write_run

    set_language(lang)
    return str(write_run(run_scenario(scenario), out, force=True, lang=lang))


@dataclass
class Job:
    """One run asked for from the page: queued until the run before it ends, then in the worker."""

    id: str
    scenario: str
    out: str
    future: Future[str] | None = None

    def state(self) -> dict[str, str]:
        if self.future is None:
            return {"state": "queued"}
        if not self.future.done():
            return {"state": "running"}
        exc = self.future.exception()
        if exc is None:
            return {"state": "done", "out": self.out}
        return {"state": "failed", "message": str(exc) or type(exc).__name__}


@dataclass
class Jobs:
    """The runs of a session, one at a time in a worker process, the others queued in order."""

    pool: ProcessPoolExecutor = field(default_factory=lambda: ProcessPoolExecutor(max_workers=1))
    jobs: dict[str, Job] = field(default_factory=dict)
    waiting: deque[Job] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, scenario: Path, out: Path) -> Job:
        job = Job(uuid.uuid4().hex[:12], str(scenario), str(out))
        with self.lock:
            self.jobs[job.id] = job
            self.waiting.append(job)
        self._next()
        return job

    def _next(self, _done: object = None) -> None:
        """Start the next queued run if none is running (called again as each one ends)."""
        with self.lock:
            busy = any(j.future is not None and not j.future.done() for j in self.jobs.values())
            if busy or not self.waiting:
                return
            job = self.waiting.popleft()
            job.future = self.pool.submit(_run_one, job.scenario, job.out, language())
        job.future.add_done_callback(self._next)


class _Page(tornado.web.RequestHandler):
    """A page of the workbench: a path inside the project folder, or a refusal."""

    def initialize(self, folder: Path, jobs: Jobs) -> None:
        self.folder, self.jobs = folder, jobs

    def inside(self, rel: str) -> Path:
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise tornado.web.HTTPError(404)
        return path

    def page(self, title: str, body: str) -> None:
        e = html.escape
        self.write(f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{e(title)}</title>"
                   f"</head><body><h1>{e(title)}</h1>{body}</body></html>")  # fmt: skip


class Index(_Page):
    def get(self) -> None:
        e = html.escape
        rows = "".join(
            f"<li style='margin-left:{2 * d}em'><a href='/scenario/{e(p.relative_to(self.folder).as_posix())}'>"
            f"{e(p.relative_to(self.folder).as_posix())}</a></li>"
            for d, p in scenario_tree(self.folder)
        )
        self.page(tr("Scenarios of {folder}", folder=self.folder.name), f"<ul>{rows}</ul>")


class _Scenario(_Page):
    def scenario(self, rel: str, said: str = "") -> None:
        """The scenario's page: its targets (own or inherited, each with its value to edit), Run and
        Undo, and ``said`` (why the last edit was refused) above them."""
        from .scenario import load_scenario

        path, e = self.inside(rel), html.escape
        try:
            sc = load_scenario(path)
            own = _own_ids(path)
        except WaterplanError as exc:  # the same message as the command line's
            self.page(rel, f"<pre id='message'>{e(str(exc))}</pre>")
            return
        xsrf = self.xsrf_form_html()
        rows = "".join(
            f"<tr class='{'own' if c.id in own else 'inherited'}'><td>{e(c.id)}</td><td>{e(c.name_zh)}</td>"
            f"<td>{e(c.type)}</td><td><form method='post' action='/edit/{e(rel)}'>{xsrf}"
            f"<input type='hidden' name='id' value='{e(c.id)}'><input name='value' value='{c.value_as_given:g}' "
            f"size='8'> {e(c.unit)} <button type='submit'>{e(tr('Save'))}</button></form></td><td>{e(c.clause)}</td>"
            f"<td>{e(tr('set here') if c.id in own else tr('inherited'))}</td></tr>"
            for c in sc.constraints
        )
        forms = "".join(f"<form method='post' action='/{act}/{e(rel)}'>{xsrf}<button type='submit'>{e(label)}"
                        "</button></form>" for act, label in (("run", tr("Run")), ("undo", tr("Undo"))))  # fmt: skip
        message = f"<pre id='message'>{e(said)}</pre>" if said else ""
        head = "".join(f"<th>{e(tr(h))}</th>" for h in ("id", "indicator", "kind", "target", "clause", "source"))
        self.page(f"{sc.spec.title_zh or sc.name}",
                  f"{message}<table border='1'><tr>{head}</tr>{rows}</table>{forms}")  # fmt: skip


class ScenarioPage(_Scenario):
    def get(self, rel: str) -> None:
        self.scenario(rel)


class Edit(_Scenario):
    def post(self, rel: str) -> None:
        from .edit import set_value

        path = self.inside(rel)
        try:
            set_value(path, self.folder, self.get_argument("id"), self.get_argument("value"))
        except WaterplanError as exc:  # refused: the file untouched, the message on the page
            self.set_status(400)
            self.scenario(rel, said=str(exc))
            return
        self.redirect(f"/scenario/{rel}")


class Undo(_Page):
    def post(self, rel: str) -> None:
        from .edit import undo

        undo(self.inside(rel), self.folder)
        self.redirect(f"/scenario/{rel}")


class Run(_Page):
    def post(self, rel: str) -> None:
        path = self.inside(rel)
        job = self.jobs.submit(path, self.folder / "runs" / path.stem)
        self.redirect(f"/job/{job.id}")


class JobPage(_Page):
    def get(self, jid: str) -> None:
        job = self.jobs.jobs.get(jid)
        if job is None:
            raise tornado.web.HTTPError(404)
        if self.get_argument("format", "") == "json":
            self.write(job.state())
            return
        st, e = job.state(), html.escape
        said = {"queued": tr("queued"), "running": tr("running"), "done": tr("done"), "failed": tr("failed")}
        body = f"<p id='state' data-state='{st['state']}'>{e(said[st['state']])}</p>"
        if st["state"] == "failed":
            body += f"<pre id='message'>{e(st['message'])}</pre>"
        if st["state"] == "done":
            rel = Path(st["out"]).resolve().relative_to(self.folder).as_posix()
            body += (
                f"<a href='/files/{e(rel)}/report.html'>report.html</a> <a href='/files/{e(rel)}/map.html'>map.html</a>"
            )
        self.page(Path(job.scenario).name, body)


def make_app(folder: Path, jobs: Jobs | None = None) -> tornado.web.Application:
    """The workbench of the project ``folder`` (every file it serves is inside it)."""
    folder = folder.resolve()
    args = {"folder": folder, "jobs": jobs or Jobs()}
    return tornado.web.Application(
        [
            (r"/", Index, args),
            (r"/scenario/(.+)", ScenarioPage, args),
            (r"/run/(.+)", Run, args),
            (r"/edit/(.+)", Edit, args),
            (r"/undo/(.+)", Undo, args),
            (r"/job/([0-9a-f]+)", JobPage, args),
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

    async def main() -> None:
        make_app(folder).listen(port, address="127.0.0.1")
        if open_browser:
            webbrowser.open(f"http://127.0.0.1:{port}/")
        await asyncio.Event().wait()

    asyncio.run(main())
