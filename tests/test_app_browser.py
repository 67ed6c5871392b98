"""The workbench end to end in headless Chromium (Playwright), on a copy of the shipped scenarios:
run Taiyuan 2030, make a scenario extending it, cut its groundwater cap, save, run, see a status and
the map change, compare it with the original, sweep the total-use cap into a response curve, undo the
edits and find the files byte for byte as before — with no request leaving the machine.

Screenshots of each page: runs/screenshots/app-*.png.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import shared_browser
from test_browser import ARGS, CHROMIUM, SHOTS

from waterplan.app import make_app
from waterplan.jobs import Jobs

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make test installs it)")
ROOT = Path(__file__).resolve().parents[1]
TY = "scenarios/taiyuan-2030.yaml"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The workbench on a copy of the shipped scenarios and layers, on a free port of 127.0.0.1."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop
    from tornado.testing import bind_unused_port

    project = tmp_path_factory.mktemp("workbench")
    shutil.copytree(ROOT / "gis", project / "gis")
    shutil.copytree(ROOT / "scenarios", project / "scenarios")
    jobs, ready, box = Jobs(), threading.Event(), {}
    sock, port = bind_unused_port()

    def serve() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        HTTPServer(make_app(project, jobs)).add_sockets([sock])
        box["loop"] = IOLoop.current()
        ready.set()
        box["loop"].start()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    yield project, f"http://127.0.0.1:{port}"
    box["loop"].add_callback(box["loop"].stop)
    jobs.shutdown()


@pytest.fixture(scope="module")
def browser_page(served):
    """One page for the whole walk, every request outside 127.0.0.1 refused and recorded."""
    _project, base = served
    context = shared_browser(CHROMIUM, ARGS).new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = {"outside": [], "errors": []}
    page.on("pageerror", lambda exc: log["errors"].append(str(exc)))

    def route(r):
        url = r.request.url
        if url.startswith((base, "data:", "about:", "blob:")):
            r.continue_()
        else:
            log["outside"].append(url)
            r.abort()

    context.route("**/*", route)
    yield page, log
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"app-{name}.png"), full_page=True)


def wait_done(page) -> None:
    """On a job's page (it reloads itself each second): wait until it is done, then open its results."""
    page.wait_for_selector("#state[data-state='done'], #state[data-state='failed']", timeout=180_000)
    assert page.locator("#state").get_attribute("data-state") == "done", page.locator("body").inner_text()
    page.click("#result")
    page.wait_for_load_state("load")


def status_of(page, tid: str) -> str:
    """A target's status on a results page (the 指标清单 row's status cell)."""
    table = page.locator("table.targets")
    headers = table.locator("tr").first.locator("th").all_inner_texts()
    return table.locator(f"tr[data-id='{tid}'] td").nth(headers.index("状态 status")).inner_text()


def coverage_on_map(page, base: str, rel: str) -> dict[str, str]:
    """Each county's coverage as its tooltip on the served map says it ("小店区: 100.0%")."""
    text = page.request.get(f"{base}/files/{rel}/map.html").body().decode("utf-8")
    return dict(re.findall(r"([\u4e00-\u9fff]{2,6}[区县市]): (\d+\.\d)%", text))


def test_edit_run_compare_sweep_and_undo_in_the_browser(served, browser_page):
    project, base = served
    page, log = browser_page
    shipped = (project / TY).read_bytes()

    # the scenarios and their tree; Taiyuan 2030 run as shipped
    page.goto(f"{base}/")
    assert page.locator("a", has_text="taiyuan-2030-dry.yaml").count() == 1
    shot(page, "index")
    page.click(f"a[href='/scenario/{TY}']")
    assert page.locator("tr.own[data-id='TY-groundwater']").count() == 1
    shot(page, "scenario")
    page.click("form[action='/run/scenarios/taiyuan-2030.yaml'] button")
    shot(page, "job")
    wait_done(page)
    before = status_of(page, "TY-yellow-fen-hutuo")
    map_before = coverage_on_map(page, base, "runs/taiyuan-2030")
    shot(page, "results")

    # a scenario extending it, its groundwater cap cut from 1.5 to 1.0 亿m³ (inherited → set here)
    page.goto(f"{base}/scenario/{TY}")
    page.fill("input[name='name']", "ty-gw-cut")
    page.click("form[action='/extend/scenarios/taiyuan-2030.yaml'] button")
    child = project / "scenarios" / "ty-gw-cut.yaml"
    assert page.url.endswith("/scenario/scenarios/ty-gw-cut.yaml") and child.is_file()
    created = child.read_bytes()
    assert page.locator("tr.inherited[data-id='TY-groundwater']").count() == 1
    row = page.locator("tr[data-id='TY-groundwater']")
    row.locator("input[name='value']").fill("abc")  # checked as typed, by the command line's validators
    row.locator(".said.bad").wait_for(timeout=10_000)
    assert "TY-groundwater" in row.locator(".said").inner_text() and child.read_bytes() == created
    row.locator("input[name='value']").fill("1.0")
    row.locator(".said.ok").wait_for(timeout=10_000)
    row.locator("form[action^='/edit/'] button").click()
    assert page.locator("tr.own[data-id='TY-groundwater']").count() == 1
    assert "value: 1.0" in child.read_text(encoding="utf-8")
    shot(page, "edited")
    page.click("form[action='/run/scenarios/ty-gw-cut.yaml'] button")
    wait_done(page)
    after = status_of(page, "TY-yellow-fen-hutuo")
    map_after = coverage_on_map(page, base, "runs/ty-gw-cut")
    # the Yellow River / Fen / Hutuo level is reached once wells give less; the map's coverage moves
    assert (before, after) == ("未达到 not met", "达标 met")
    assert map_before.keys() == map_after.keys() and len(map_before) == 10 and map_before != map_after
    assert page.frame_locator("#map").locator(".leaflet-container").count() == 1
    shot(page, "results-edited")

    # compared with the original
    page.goto(f"{base}/")
    page.check(f"input[value='{TY}']")
    page.check("input[value='scenarios/ty-gw-cut.yaml']")
    page.click("form.compare button")
    wait_done(page)
    frame = page.frame_locator("#compare")
    assert "ty-gw-cut" in frame.locator("body").inner_text()
    shot(page, "compare")

    # a sweep of the total-use cap draws its curve, the shadow price beside each binding point
    page.goto(f"{base}/scenario/{TY}")
    page.select_option("select[name='target']", "TY-total")
    page.fill("input[name='start']", "9.8")
    page.fill("input[name='stop']", "10.6")
    page.fill("input[name='steps']", "5")
    page.click("form[action='/sweep/scenarios/taiyuan-2030.yaml'] button")
    wait_done(page)
    assert page.evaluate("(c => c.complete && c.naturalWidth > 300)(document.querySelector('#curve'))")
    assert page.locator("table.sweep tr").count() == 1 + 5
    shot(page, "sweep")

    # the network from its layers, offline
    page.goto(f"{base}/network/{TY}")
    page.frame_locator("#network").locator(".leaflet-container").wait_for(timeout=15_000)
    assert page.locator("#reload").count() == 1
    shot(page, "network")

    # the demand table: rows pasted from Excel, checked as typed, saved, undone byte for byte
    table = project / "scenarios" / "taiyuan" / "demands-2030.csv"
    shipped_table = table.read_bytes()
    page.goto(f"{base}/demands/{TY}")
    grid = page.locator("textarea[name='rows']")
    rows = grid.input_value()
    assert rows.startswith("county\tcounty_zh\tsector\t") and "\t142.51\t" in rows
    grid.fill(rows.replace("140105\t小店区", "149999\t小店去", 1))
    page.locator("form.demands .said.bad").wait_for(timeout=15_000)
    assert "demands-2030.csv" in page.locator("form.demands .said").inner_text()
    grid.fill(rows.replace("\t142.51\t", "\t150\t", 1))
    page.locator("form.demands .said.ok").wait_for(timeout=15_000)
    shot(page, "demands")
    page.click("form.demands button")
    assert ",150," in table.read_text(encoding="utf-8") and table.read_bytes() != shipped_table
    page.click("form[action='/undo/scenarios/taiyuan/demands-2030.csv'] button")
    assert table.read_bytes() == shipped_table

    # undo: the child as it was made, the shipped file byte for byte after an edit of its own
    page.goto(f"{base}/scenario/scenarios/ty-gw-cut.yaml")
    assert page.locator("tr[data-id='TY-yellow-fen-hutuo'] td.status").inner_text() == "达标 met"  # its last run
    page.click("form[action='/undo/scenarios/ty-gw-cut.yaml'] button")
    assert child.read_bytes() == created
    page.goto(f"{base}/scenario/{TY}")
    row = page.locator("tr[data-id='TY-groundwater']")
    row.locator("input[name='value']").fill("1.3")
    row.locator("form[action^='/edit/'] button").click()
    assert (project / TY).read_bytes() != shipped
    page.click("form[action='/undo/scenarios/taiyuan-2030.yaml'] button")
    assert (project / TY).read_bytes() == shipped == (ROOT / TY).read_bytes()
    assert log["outside"] == [] and log["errors"] == []
