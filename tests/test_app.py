"""The workbench's server (``waterplan app``): it lists the project's scenarios with their extends
tree, lays a scenario's targets out with what it inherits apart from what it sets, refuses paths
outside the project folder and cross-site POSTs, queues runs one at a time and shows a failed run's
message."""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from tornado.testing import AsyncHTTPTestCase

from waterplan.app import Jobs, make_app, scenario_tree

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the shipped scenarios, with a child of Taiyuan 2030 that lowers its groundwater cap
    and a file that fails to run (a target on a source the network does not have)."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "gis", project / "gis")
    folder = project / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    (folder / "ty-tight.yaml").write_text(
        "extends: taiyuan-2030.yaml\nname: ty-tight\nyear: 2030\ntitle_zh: '<script>alert(1)</script>'\n"
        "constraints:\n  - {id: TY-groundwater, value: 1.2}\n",
        encoding="utf-8",
    )
    (folder / "broken.yaml").write_text(
        "extends: taiyuan-2030.yaml\nname: broken\nyear: 2030\nconstraints:\n"
        "  - {id: TY-total, sources: {ids: [NOPE]}}\n",
        encoding="utf-8",
    )
    return project


def test_the_tree_puts_each_scenario_after_the_one_it_extends(project):
    tree = [(d, p.name) for d, p in scenario_tree(project)]
    assert (0, "taiyuan-2030.yaml") in tree and (1, "ty-tight.yaml") in tree
    assert tree.index((1, "ty-tight.yaml")) > tree.index((0, "taiyuan-2030.yaml"))


class _Server(AsyncHTTPTestCase):
    folder: Path
    jobs: Jobs

    def get_app(self):  # type: ignore[no-untyped-def]
        return make_app(self.folder, self.jobs)

    def xsrf(self, path: str) -> tuple[str, str]:
        """The page's XSRF token and its cookie, as a browser holds them after loading the page."""
        page = self.fetch(path)
        token = re.search(r'name="_xsrf" value="([^"]+)"', page.body.decode())
        cookie = page.headers.get_list("Set-Cookie")
        assert token and cookie, page.body
        return token.group(1), cookie[0].split(";")[0]

    def run_it(self, rel: str) -> str:
        token, cookie = self.xsrf(f"/scenario/{rel}")
        r = self.fetch(f"/run/{rel}", method="POST", body=f"_xsrf={token}", headers={"Cookie": cookie},
                       follow_redirects=False)  # fmt: skip
        assert r.code == 302, r.body
        return r.headers["Location"].rsplit("/", 1)[1]

    def state(self, jid: str) -> dict:
        return json.loads(self.fetch(f"/job/{jid}?format=json").body)

    def wait(self, jid: str, timeout: float = 120) -> dict:
        end = time.monotonic() + timeout
        while (st := self.state(jid))["state"] in ("queued", "running") and time.monotonic() < end:
            time.sleep(0.2)
        return st


@pytest.fixture(scope="module")
def jobs():
    j = Jobs()
    yield j
    j.shutdown()


@pytest.fixture
def server(project, jobs, request):
    _Server.folder, _Server.jobs = project, jobs
    s = _Server("get_app")
    s.setUp()
    yield s
    s.tearDown()


def test_a_scenario_shows_what_it_inherits_apart_from_what_it_sets(server):
    body = server.fetch("/scenario/scenarios/ty-tight.yaml").body.decode()
    assert re.search(r"<tr class='own'[^>]*><td>TY-groundwater</td>", body)
    assert re.search(r"<tr class='inherited'[^>]*><td>TY-total</td>", body)
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the user's text escaped


def test_paths_outside_the_project_are_refused(server, project):
    secret = project.parent / "secret.txt"  # beside the project folder
    secret.write_text("not for the page", encoding="utf-8")
    for path in ("/scenario/../secret.txt", "/scenario/%2e%2e/secret.txt", "/files/../secret.txt",
                 "/files/%2e%2e/secret.txt", "/scenario//etc/passwd"):  # fmt: skip
        r = server.fetch(path)
        assert r.code in (403, 404) and b"not for the page" not in r.body and b"secret" not in r.body, (path, r.code)


def test_a_cross_site_post_is_refused(server):
    r = server.fetch("/run/scenarios/taiyuan-2030.yaml", method="POST", body="", follow_redirects=False)
    assert r.code == 403
    r = server.fetch("/run/scenarios/taiyuan-2030.yaml", method="POST", body="_xsrf=forged",
                     headers={"Cookie": "_xsrf=other"}, follow_redirects=False)  # fmt: skip
    assert r.code == 403
    assert not server.jobs.jobs


def test_runs_are_queued_and_a_failed_run_shows_its_message(server, project):
    first = server.run_it("scenarios/ty-tight.yaml")
    second = server.run_it("scenarios/broken.yaml")
    assert server.state(second)["state"] == "queued"  # one at a time: the first takes seconds
    assert server.state(first)["state"] in ("queued", "running", "done")
    done = server.wait(first)
    assert done["state"] == "done", done
    out = Path(done["out"])
    assert (out / "report.html").is_file() and out.resolve().is_relative_to(project)
    failed = server.wait(second)
    assert failed["state"] == "failed" and "NOPE" in failed["message"], failed
    page = server.fetch(f"/job/{second}").body.decode()
    assert "id='message'" in page and "NOPE" in page
    report = server.fetch("/files/runs/ty-tight/report.html")
    assert report.code == 200 and "TY-groundwater" in report.body.decode()


def _post(server: _Server, action: str, rel: str, **fields: str):
    token, cookie = server.xsrf("/scenario/scenarios/taiyuan-2030.yaml")  # (one token for the session's pages)
    body = "&".join(f"{k}={v}" for k, v in {"_xsrf": token, **fields}.items())
    return server.fetch(f"/{action}/{rel}", method="POST", body=body, headers={"Cookie": cookie},
                        follow_redirects=False)  # fmt: skip


def test_an_edit_keeps_the_files_comments_and_undo_gives_it_back_byte_for_byte(server, project):
    """Taiyuan's groundwater cap 1.5 → 1.3 亿m³ from the page: one line of the file changes (comments,
    order and quoting kept), the scenario loads with the new cap; a value that is not a number is
    refused with its message and nothing written; undo restores the file byte for byte."""
    from waterplan import load_scenario

    path = project / "scenarios" / "taiyuan-2030.yaml"
    before = path.read_bytes()
    r = _post(server, "edit", "scenarios/taiyuan-2030.yaml", id="TY-groundwater", value="1.3")
    assert r.code == 302, r.body
    after = path.read_bytes()
    changed = [(a, b) for a, b in zip(before.decode().splitlines(), after.decode().splitlines(), strict=True) if a != b]
    assert changed == [("    value: 1.5", "    value: 1.3")]
    cap = {c.id: c for c in load_scenario(path).constraints}["TY-groundwater"]
    assert cap.value_as_given == pytest.approx(1.3)
    r = _post(server, "edit", "scenarios/taiyuan-2030.yaml", id="TY-groundwater", value="abc")
    assert r.code == 400 and "TY-groundwater" in r.body.decode() and path.read_bytes() == after
    assert _post(server, "undo", "scenarios/taiyuan-2030.yaml").code == 302
    assert path.read_bytes() == before


def test_an_inherited_target_is_overridden_in_the_child_and_an_invalid_edit_is_refused(server, project):
    """A value set on an inherited target becomes an override in the child file (the parent is not
    touched); a value the validators refuse (a negative cap) is said on the page, the file unchanged."""
    child, parent = project / "scenarios" / "ty-tight.yaml", project / "scenarios" / "taiyuan-2030.yaml"
    before_parent = parent.read_bytes()
    assert _post(server, "edit", "scenarios/ty-tight.yaml", id="TY-total", value="9.5").code == 302
    assert (
        "- id: TY-total\n    value: 9.5" in child.read_text(encoding="utf-8") and parent.read_bytes() == before_parent
    )
    before = child.read_bytes()
    r = _post(server, "edit", "scenarios/ty-tight.yaml", id="TY-total", value="-1")
    assert r.code == 400 and "value" in r.body.decode() and child.read_bytes() == before
    assert _post(server, "undo", "scenarios/ty-tight.yaml").code == 302
    assert "TY-total" not in child.read_text(encoding="utf-8")


def test_an_edit_of_a_file_in_gbk_or_one_that_does_not_read(server, project):
    """A scenario saved in GBK stays GBK (its Chinese comment intact); a file that is not well-formed
    YAML is refused with the command line's own message, not a server error, and left as it was."""
    gbk = project / "scenarios" / "ty-gbk.yaml"
    gbk.write_bytes("# 晋中示例：GBK 编码\nextends: taiyuan-2030.yaml\nname: ty-gbk\nyear: 2030\n".encode("gbk"))
    assert _post(server, "edit", "scenarios/ty-gbk.yaml", id="TY-total", value="9.9").code == 302
    text = gbk.read_bytes().decode("gbk")
    assert text.startswith("# 晋中示例：GBK 编码\n") and "value: 9.9" in text
    bad = project / "scenarios" / "ty-bad.yaml"
    bad.write_text("extends: taiyuan-2030.yaml\nname: ty-bad\nyear: 2030\nconstraints: [\n", encoding="utf-8")
    before = bad.read_bytes()
    r = _post(server, "edit", "scenarios/ty-bad.yaml", id="TY-total", value="9.9")
    assert r.code in (200, 400) and "ty-bad.yaml" in r.body.decode() and bad.read_bytes() == before


def test_a_port_already_taken_is_one_sentence(tmp_path):
    import socket

    from typer.testing import CliRunner

    from waterplan.cli import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(app, ["app", str(tmp_path), "--port", str(port), "--no-browser"])
    assert r.exit_code == 2 and "--port" in r.output and "Traceback" not in r.output, r.output


def test_reset_to_inherited_and_a_new_scenario_extending_one(server, project):
    """An override reset gives the parent's value back (the line taken out of the child); a target
    only the child has is not "reset" away; a new scenario extends its parent with nothing else set,
    and a name already taken or not a file name is refused, nothing overwritten."""
    from waterplan import load_scenario

    child = project / "scenarios" / "ty-tight.yaml"
    before = child.read_bytes()
    assert _post(server, "reset", "scenarios/ty-tight.yaml", id="TY-groundwater").code == 302
    assert "TY-groundwater" not in child.read_text(encoding="utf-8")
    cap = {c.id: c for c in load_scenario(child).constraints}["TY-groundwater"]
    assert cap.value_as_given == pytest.approx(1.5)  # the parent's
    assert _post(server, "undo", "scenarios/ty-tight.yaml").code == 302 and child.read_bytes() == before
    r = _post(server, "reset", "scenarios/taiyuan-2030.yaml", id="TY-total")  # extends nothing
    assert r.code == 400 and "extends" in r.body.decode()
    own = project / "scenarios" / "ty-own.yaml"  # a target only the child has: a reset would delete it
    own.write_text(
        "extends: taiyuan-2030.yaml\nname: ty-own\nconstraints:\n  - {id: TY-own-cap, name_zh: 测试, name_en: test, "
        "type: cap, measure: use, sectors: [agriculture], value: 1.3, unit: 亿m³, clause: test}\n",
        encoding="utf-8",
    )
    before_own = own.read_bytes()
    r = _post(server, "reset", "scenarios/ty-own.yaml", id="TY-own-cap")
    assert r.code == 400 and "TY-own-cap" in r.body.decode() and own.read_bytes() == before_own

    r = _post(server, "extend", "scenarios/taiyuan-2030.yaml", name="ty-new")
    assert r.code == 302 and r.headers["Location"] == "/scenario/scenarios/ty-new.yaml"
    new = project / "scenarios" / "ty-new.yaml"
    assert new.read_text(encoding="utf-8") == "extends: taiyuan-2030.yaml\nname: ty-new\nyear: 2030\n"
    parent = project / "scenarios" / "taiyuan-2030.yaml"
    assert len(load_scenario(new).constraints) == len(load_scenario(parent).constraints)
    for name in ("ty-new", "taiyuan-2030", "../escape", "a/../../escape", "x<y>", ".hidden", ""):
        r = _post(server, "extend", "scenarios/taiyuan-2030.yaml", name=name)
        assert r.code == 400 and "id='message'" in r.body.decode(), name
    assert new.read_text(encoding="utf-8").startswith("extends:") and not (project / "escape.yaml").exists()
    assert parent.read_bytes() == (ROOT / "scenarios" / "taiyuan-2030.yaml").read_bytes()


def test_a_queued_or_running_job_can_be_cancelled(project, tmp_path):
    """A queued job leaves the queue; a running one's process is ended, its output folder never
    written, and the next job starts."""
    jobs = Jobs(logs=tmp_path)
    ty = str(project / "scenarios" / "taiyuan-2030.yaml")
    slow = jobs.submit("sweep", "slow", (ty, str(tmp_path / "sweep-slow"), "TY-total", "9", "11", "40"), tmp_path)
    queued = jobs.submit("run", "queued", (ty, str(tmp_path / "never")), tmp_path / "never")
    after = jobs.submit("sweep", "after", (ty, str(tmp_path / "sweep-ok"), "TY-total", "10", "10.47", "2"), tmp_path)
    assert slow.state()["state"] == "running" and queued.state()["state"] == "queued"
    jobs.cancel(queued.id)
    time.sleep(1.0)
    jobs.cancel(slow.id)
    end = time.monotonic() + 120
    while after.state()["state"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.2)
    assert slow.state()["state"] == "cancelled" and queued.state()["state"] == "cancelled"
    assert not (tmp_path / "sweep-slow").exists() and not (tmp_path / "never").exists()
    assert after.state()["state"] == "done" and (tmp_path / "sweep-ok" / "sweep.png").is_file()
    jobs.shutdown()


def test_a_sweep_with_a_wrong_range_or_target_fails_with_its_message(server):
    token, cookie = server.xsrf("/scenario/scenarios/taiyuan-2030.yaml")
    jids = []
    for target, steps in (("TY-total", "1"), ("NOPE", "3")):
        body = f"_xsrf={token}&target={target}&start=9&stop=10&steps={steps}"
        r = server.fetch("/sweep/scenarios/taiyuan-2030.yaml", method="POST", body=body, headers={"Cookie": cookie},
                         follow_redirects=False)  # fmt: skip
        jids.append(r.headers["Location"].rsplit("/", 1)[1])
    few, unknown = (server.wait(j) for j in jids)
    assert few["state"] == "failed" and "steps" in few["message"] and "2" in few["message"], few
    assert unknown["state"] == "failed" and "NOPE" in unknown["message"] and "TY-total" in unknown["message"]
    r = server.fetch("/compare", method="POST", body=f"_xsrf={token}&s=scenarios/taiyuan-2030.yaml",
                     headers={"Cookie": cookie}, follow_redirects=False)  # fmt: skip
    assert r.code == 400 and "id='message'" in r.body.decode()


def test_the_results_page_of_a_run(server, project, shipped_run):
    """A run's page: the status counts and each target's row with its status as the report says it,
    the warnings, the map, the balance by sector and county, a link to each file; a folder that is
    not an output is refused."""
    from waterplan.report import status_label

    res = shipped_run("taiyuan-2030")[0]
    from waterplan.run import write_run

    out = write_run(res, project / "runs" / "shown", force=True)
    body = server.fetch("/result/runs/shown").body.decode()
    ind = res.results.indicators
    for tid, st in zip(ind["id"], ind["status"], strict=True):
        row = re.search(rf"<tr data-id='{re.escape(tid)}'>(.*?)</tr>", body)
        assert row and f"<td>{status_label(st)}</td>" in row.group(1), tid
    for st, n in ind["status"].value_counts().items():  # every status counted
        assert f"{status_label(st)}: {n}</span>" in body, st
    assert not re.search(r"\bnan\b|NaN|None", body)  # blanks stay blank
    assert "src='/files/runs/shown/map.html'" in body and "小店区" in body and "农业" in body
    for f in ("report.html", "indicators.csv", "counties.geojson"):
        assert f"href='/files/runs/shown/{f}'" in body and (out / f).is_file()
    assert server.fetch("/result/scenarios").code == 404 and server.fetch("/result/..").code == 404
    from waterplan import read_results

    back = read_results(out)  # the tables read back as the run made them
    assert back.indicators["status"].tolist() == ind["status"].tolist()
    assert back.balance["shortage_10k_m3"].sum() == pytest.approx(res.results.balance["shortage_10k_m3"].sum())
    assert back.warnings == res.results.warnings


def test_the_network_view_reads_the_layers_and_places_each_warning(server, case):
    """The network page draws every line of the layers (read afresh: Reload); a warning naming a
    county (a demand no source can reach) is a ⚠ on that county with the warning's text."""
    from test_bad_input import A, W, simple

    from waterplan import build_graph, load_scenario
    from waterplan.maps import network_map

    body = server.fetch("/network/scenarios/taiyuan-2030.yaml").body.decode()
    assert "id='reload'" in body and "<h2>警告 Warnings (0)</h2>" in body
    page = server.fetch("/files/runs/network-taiyuan-2030/network.html").body.decode()
    G = build_graph(load_scenario(server.folder / "scenarios" / "taiyuan-2030.yaml"))
    for lid in {d["layer_id"] for _u, _v, d in G.edges(data=True) if d["kind"] != "service"}:
        assert f"{lid}: " in page, lid
    assert "示意 illustrative" in page and "污水处理厂" in page  # stand-ins said so; the nodes' legend

    G = build_graph(load_scenario(simple(case, demands=[(A, "domestic", 50, W), (A, "agriculture", 10, W)])))
    (warning,) = [str(w) for w in G.graph["warnings"]]
    fmap, unplaced = network_map(G, [warning, "a warning that names nothing drawn"])
    assert unplaced == ["a warning that names nothing drawn"]
    html_ = fmap.get_root().render()
    assert html_.count("wp-warning") == 1 and "Xiaodian District (140105)" in html_


def test_the_year_type_and_a_lever_are_set_from_the_page(server, project):
    """A child's year type and a lever set from its page become its own (the parent untouched), a
    year type the scenario does not know is refused with the valid ones named, a blank lever is
    inherited again, and undo gives each version back."""
    from waterplan import load_scenario

    child, parent = project / "scenarios" / "ty-tight.yaml", project / "scenarios" / "taiyuan-2030.yaml"
    before, before_parent = child.read_bytes(), parent.read_bytes()
    body = server.fetch("/scenario/scenarios/ty-tight.yaml").body.decode()
    assert "<tr class='inherited' data-key='levers.irrigation_efficiency'>" in body
    assert _post(server, "setting", "scenarios/ty-tight.yaml", key="hydrology.year_type", value="P75").code == 302
    assert (
        _post(server, "setting", "scenarios/ty-tight.yaml", key="levers.irrigation_efficiency", value="0.7").code == 302
    )
    sc = load_scenario(child)
    assert sc.spec.hydrology.year_type == "P75" and sc.spec.levers["irrigation_efficiency"].value == 0.7
    assert sc.spec.levers["irrigation_efficiency"].clause == "003 附件1 #11"  # the rest inherited
    assert parent.read_bytes() == before_parent
    assert (
        "<tr class='own' data-key='levers.irrigation_efficiency'>"
        in server.fetch("/scenario/scenarios/ty-tight.yaml").body.decode()
    )
    r = _post(server, "setting", "scenarios/ty-tight.yaml", key="hydrology.year_type", value="P80")
    assert r.code == 400 and "P80" in r.body.decode() and "P75" in r.body.decode()
    r = _post(server, "setting", "scenarios/ty-tight.yaml", key="levers.irrigation_efficiency", value="high")
    assert r.code == 400 and "high" in r.body.decode()
    assert _post(server, "setting", "scenarios/ty-tight.yaml", key="levers.irrigation_efficiency", value="").code == 302
    assert load_scenario(child).spec.levers["irrigation_efficiency"].value == 0.6  # the parent's again
    assert "levers" not in child.read_text(encoding="utf-8")
    for _ in range(3):
        assert _post(server, "undo", "scenarios/ty-tight.yaml").code == 302
    assert child.read_bytes() == before


def test_a_change_is_checked_before_it_is_saved_and_a_pasted_table_refused_keeps_the_rows(server, project):
    """The check of a change (as typed) says what the save would say and writes nothing; rows pasted
    into the demand grid that the reader refuses are refused naming the table, the rows kept in the
    grid and the table untouched."""
    path = project / "scenarios" / "taiyuan-2030.yaml"
    table = project / "scenarios" / "taiyuan" / "demands-2030.csv"
    before, before_table = path.read_bytes(), table.read_bytes()
    r = _post(server, "check/edit", "scenarios/taiyuan-2030.yaml", id="TY-groundwater", value="-1")
    said = json.loads(r.body)
    assert not said["ok"] and "taiyuan-2030.yaml" in said["message"] and ".edit-" not in said["message"]
    r = _post(server, "check/edit", "scenarios/taiyuan-2030.yaml", id="TY-groundwater", value="1.2")
    assert json.loads(r.body) == {"ok": True, "message": ""} and path.read_bytes() == before
    rows = table.read_text(encoding="utf-8").replace(",", "\t").replace("140105", "149999", 1)
    from urllib.parse import quote

    r = _post(server, "demands", "scenarios/taiyuan-2030.yaml", rows=quote(rows))
    page = r.body.decode()
    assert r.code == 400 and "demands-2030.csv" in page and "149999" in page and ".edit-" not in page
    assert "149999\t" in html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    assert table.read_bytes() == before_table


def test_a_monthly_run_and_an_ensemble_from_the_page(server, project):
    """A monthly scenario runs as a monthly run (its report with the time series); an ensemble of it
    runs from its page into its own folder, whose results page shows its report."""
    body = server.fetch("/scenario/scenarios/taiyuan-2030-monthly.yaml").body.decode()
    assert "action='/ensemble/scenarios/taiyuan-2030-monthly.yaml'" in body
    assert "/ensemble/" not in server.fetch("/scenario/scenarios/taiyuan-2030.yaml").body.decode()  # annual
    token, cookie = server.xsrf("/scenario/scenarios/taiyuan-2030-monthly.yaml")
    body = f"_xsrf={token}&members=2&seed=1&years=2"
    r = server.fetch("/ensemble/scenarios/taiyuan-2030-monthly.yaml", method="POST", body=body,
                     headers={"Cookie": cookie}, follow_redirects=False)  # fmt: skip
    done = server.wait(r.headers["Location"].rsplit("/", 1)[1], timeout=300)
    assert done["state"] == "done", done
    out = Path(done["out"])
    assert (out / "ensemble.html").is_file() and out.name == "ensemble-taiyuan-2030-monthly"
    page = server.fetch(f"/result/runs/{out.name}").body.decode()
    assert f"src='/files/runs/{out.name}/ensemble.html'" in page and "guarantee_summary.csv" in page
    jid, seen, end = server.run_it("scenarios/taiyuan-2030-monthly.yaml"), set(), time.monotonic() + 300
    while (done := server.state(jid))["state"] in ("queued", "running") and time.monotonic() < end:
        seen.add(done.get("progress", ""))  # the run's progress line, as the page shows it
        time.sleep(0.2)
    assert done["state"] == "done" and (Path(done["out"]) / "storage.csv").is_file(), done
    assert any(re.search(r"\d+/\d+", p) for p in seen), seen
    page = server.fetch("/result/runs/taiyuan-2030-monthly").body.decode()
    for chart in ("chart_storage.png", "chart_shortage.png", "chart_guarantee.png"):
        assert f"src='/files/runs/taiyuan-2030-monthly/{chart}'" in page
    assert "src='/files/runs/taiyuan-2030-monthly/map.html'" in page


def test_a_scenario_with_a_chinese_name(server, project):
    """A scenario named in Chinese (as `waterplan new 晋中` names it): made, shown, edited, run and
    undone through links and forms whose paths are percent-encoded as a browser sends them."""
    from urllib.parse import quote

    r = _post(server, "extend", "scenarios/taiyuan-2030.yaml", name="晋中测试")
    assert r.code == 302 and r.headers["Location"] == "/scenario/" + quote("scenarios/晋中测试.yaml")
    page = server.fetch(r.headers["Location"]).body.decode()
    action = quote("/edit/scenarios/晋中测试.yaml")
    assert f"action='{action}'" in page and "晋中测试" in page
    r = _post(server, "edit", quote("scenarios/晋中测试.yaml"), id="TY-total", value="9.9")
    assert r.code == 302 and r.headers["Location"] == "/scenario/" + quote("scenarios/晋中测试.yaml")
    assert "value: 9.9" in (project / "scenarios" / "晋中测试.yaml").read_text(encoding="utf-8")
    assert _post(server, "undo", quote("scenarios/晋中测试.yaml")).code == 302
    index = server.fetch("/").body.decode()
    assert f"href='/scenario/{quote('scenarios/晋中测试.yaml')}'" in index
