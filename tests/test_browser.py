"""The map in a real browser: headless Debian Chromium driven by Playwright, network refused.

Skipped (with the reason) only where Chromium is not installed; `.ci/run` installs it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import shared_browser

from waterplan.boundaries import load_counties
from waterplan.maps import allocation_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make test installs it)")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[1] / "runs" / "screenshots"


@pytest.fixture(scope="module")
def taiyuan_run(shipped_run):
    return shipped_run("taiyuan-2030")[0]


def _open(path: Path, tmp_path: Path, *, wait_for: str = ".leaflet-container"):
    context = shared_browser(CHROMIUM, ARGS).new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    log = {"console_errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: log["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: log["console_errors"].append(str(exc)))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))

    def refuse(route):
        url = route.request.url
        if not url.startswith(("file:", "data:", "about:")):
            log["requests"].append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse)
    page.goto(path.as_uri())
    page.wait_for_selector(wait_for, timeout=15000)
    page.wait_for_timeout(500)
    return context, page, log


#: words that must never reach a reader: raw blanks and booleans, internal column names
RAW = ("NaN", "None", "True", "False", "nan%", "_10k_m3", "shortage_10k", "years_fully_supplied", "p_miss")


def assert_readable_at_1280(path: Path, tmp_path: Path, shot: str) -> str:
    """A report at a 1,280 px window in Chromium, offline: nothing wider than the window (no
    horizontal scroll), no raw column name or NaN/None/True, every image drawn, nothing fetched.
    Saves the full-page screenshot as runs/screenshots/<shot>.png; returns the page's text."""
    ctx, page, log = _open(path, tmp_path, wait_for="h1")
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, shot
        widest = page.evaluate(
            "Math.max(...Array.from(document.querySelectorAll('table,img')).map(e => e.getBoundingClientRect().right))"
        )
        assert widest <= 1280, (shot, widest)
        text = page.evaluate("document.body.innerText")
        found = [w for w in RAW if w in text]
        assert not found, (shot, found)
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
        assert log["requests"] == [] and log["console_errors"] == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
        return text
    finally:
        ctx.close()


def test_map_works_offline_in_chromium(taiyuan_run, tmp_path):
    path = tmp_path / "map.html"
    allocation_map(taiyuan_run.graph, taiyuan_run.results).save(str(path))
    ctx, page, log = _open(path, tmp_path)
    try:
        assert page.evaluate("typeof L !== 'undefined' && typeof L.map === 'function'")
        # 10 counties in the shown choropleth, network lines and source markers drawn as SVG paths
        n_paths = page.locator("path.leaflet-interactive").count()
        n_edges = len(taiyuan_run.results.flows["layer_id"].unique())
        assert n_paths >= 10 + n_edges // 2
        control = page.locator(".leaflet-control-layers")
        assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")  # collapsed
        control.hover()  # opens on hover
        labels = control.inner_text()
        for word in ("供水满足率", "缺水量", "非常规水占比", "地下水占比", "供水网络", "水源与水厂"):
            assert word in labels
        assert page.locator(".leaflet-control-scale").count() == 1
        scale = page.locator(".leaflet-control-scale").inner_text()
        assert ("km" in scale or " m" in scale) and "mi" not in scale and "ft" not in scale, scale  # metric only
        assert page.locator(".wp-legend").first.is_visible()
        # the network's legend (line width and colour, every node kind drawn) and the county names
        net = page.locator(".wp-legend-net")
        assert net.is_visible()
        assert "线宽 = 流量" in net.inner_text() and "污水处理厂" in net.inner_text() and "水库" in net.inner_text()
        assert "县区名称" in labels
        assert page.locator(".wp-county-label", has_text="小店区").is_visible()
        assert page.locator(".wp-county-label").count() == 10
        # click a county: its popup opens with the balance table, and no focus rectangle is drawn
        county = page.locator(".leaflet-overlay-pane path.leaflet-interactive").first
        county.focus()
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
        county.dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        assert "满足率" in page.locator(".leaflet-popup-content").inner_text()
        # switch the choropleth: the legend follows
        page.keyboard.press("Escape")
        control.hover()
        control.get_by_text("地下水占比").click()
        page.wait_for_timeout(200)
        assert page.locator(".wp-legend[data-var='groundwater_share']").is_visible()
        assert not page.locator(".wp-legend[data-var='coverage']").is_visible()
        # after the switch, the network and the plants are still above the counties: a plant's
        # marker gets the click and opens its own popup, not the county's
        page.mouse.move(5, 5)
        page.wait_for_timeout(200)
        boxes = [m.bounding_box() for m in page.locator(".leaflet-wp-nodes-pane path.leaflet-interactive").all()]
        mb = min((b for b in boxes if b), key=lambda b: abs(b["x"] - 640) + abs(b["y"] - 450))  # mid-screen
        page.mouse.click(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] / 2)
        page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        text = page.locator(".leaflet-popup-content").inner_text()
        assert "保障率" not in text and "—" in text, text
        assert page.locator(".leaflet-wp-network-pane path").count() > 0
        page.keyboard.press("Escape")
        SHOTS.mkdir(parents=True, exist_ok=True)
        control.hover()
        control.get_by_text("供水满足率").click()
        page.screenshot(path=str(SHOTS / "taiyuan-2030-map.png"))
        assert log["requests"] == [], f"the map tried to reach the network: {log['requests']}"
        assert log["console_errors"] == [], log["console_errors"]
    finally:
        ctx.close()


def test_text_from_data_is_escaped(taiyuan_run, tmp_path):
    counties = load_counties(sorted(taiyuan_run.results.balance["county"].unique()))
    evil = "<script>alert('xss')</script><img src=x onerror=alert(1)>${alert(3)}`+alert(4)+`"
    counties.loc[0, "name_en"] = evil
    path = tmp_path / "evil.html"
    allocation_map(taiyuan_run.graph, taiyuan_run.results, lang="en", counties=counties).save(str(path))
    raw = path.read_text(encoding="utf-8")
    assert "<script>alert('xss')</script>" not in raw and "<img src=x" not in raw and "${alert(3)}" not in raw
    ctx, page, log = _open(path, tmp_path)
    try:
        box = page.locator("path.leaflet-interactive").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(500)
        assert log["dialogs"] == []
        assert page.locator("img[src='x']").count() == 0
        assert log["console_errors"] == [], log["console_errors"]
        # the text is shown as text
        assert "alert('xss')" in page.locator(".leaflet-popup-content").inner_text()
    finally:
        ctx.close()


def test_annual_report_is_complete_and_self_contained(shipped_run, tmp_path):
    """report.html shows every table of the report and the print map embedded, with nothing fetched."""
    folder = Path(shutil.copytree(shipped_run("taiyuan-2030")[1], tmp_path / "run"))
    (folder / "map.png").unlink()  # the page must not need the file beside it
    ctx, page, log = _open(folder / "report.html", tmp_path, wait_for="h1")
    try:
        headings = page.locator("h2").all_inner_texts()
        for word in ("概况", "指标清单", "分水规则", "单位换算", "约束分析", "县域平衡", "水源结构"):
            assert any(word in h for h in headings), (word, headings)
        assert page.locator("table.t").count() >= 4
        srcs = [page.locator("img").nth(i).get_attribute("src") for i in range(page.locator("img").count())]
        assert len(srcs) == 3 and all(s.startswith("data:image/png;base64,") for s in srcs)  # map and charts
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
        ids = page.locator("table.t").nth(1).inner_text()
        assert "TY-yellow-fen-hutuo" in ids and "未达到 not met" in ids
        assert log["requests"] == [] and log["console_errors"] == []
    finally:
        ctx.close()


def test_monthly_report_is_complete_and_self_contained(tmp_path, monthly_run):
    """The monthly run's report.html: the mean year's map, guarantee rates, shortage, exceedance and
    storage charts embedded, the targets year by year, nothing fetched."""
    folder = Path(shutil.copytree(monthly_run("myopic")[1], tmp_path / "m"))
    for png in [*folder.glob("chart_*.png"), folder / "map.png"]:
        png.unlink()  # the page must not need the files beside it
    ctx, page, log = _open(folder / "report.html", tmp_path, wait_for="h1")
    try:
        headings = " ".join(page.locator("h2").all_inner_texts())
        for word in ("多年平均配置图", "供水保证率", "缺水", "水库", "指标逐年核算"):
            assert word in headings, (word, headings)
        srcs = [page.locator("img").nth(i).get_attribute("src") for i in range(page.locator("img").count())]
        assert len(srcs) == 5 and all(s.startswith("data:image/png;base64,") for s in srcs)
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
        assert page.locator("table.t").count() >= 3
        assert log["requests"] == [] and log["console_errors"] == []
    finally:
        ctx.close()


def test_comparison_report_is_self_contained(tmp_path, taiyuan_comparison):
    """compare.html: the chart embedded, every table, nothing fetched."""
    folder = Path(shutil.copytree(taiyuan_comparison, tmp_path / "cmp"))
    (folder / "chart_shortage.png").unlink()
    ctx, page, log = _open(folder / "compare.html", tmp_path, wait_for="h1")
    try:
        assert page.locator("table.t").count() == 5
        srcs = [page.locator("img").nth(i).get_attribute("src") for i in range(page.locator("img").count())]
        assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)  # chart, difference map
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
        targets = page.locator("table.t").nth(1)
        assert "taiyuan-2030-dry 状态 status" in targets.inner_text()
        assert targets.locator("tr.chg").count() >= 1  # the dry year changes some targets
        assert log["requests"] == [] and log["console_errors"] == []
    finally:
        ctx.close()
    text = assert_readable_at_1280(folder / "compare.html", tmp_path, "compare-1280")
    for word in ("指标对比 Targets side by side", "各县满足率", "差异图", "清徐县 Qingxu County", "农业 Agriculture"):
        assert word in text, word


def test_the_monthly_report_reads_at_1280_px(tmp_path, monthly_run):
    """The monthly report: each target's status every year, the guarantee rates against their
    targets with met / not met, sectors and counties by name, nothing wider than the window."""
    _res, folder = monthly_run("myopic")
    text = assert_readable_at_1280(folder / "report.html", tmp_path, "monthly-report-1280")
    for word in ("1971", "1972", "达标 met", "未达到 not met", "生活 Domestic", "小店区 Xiaodian District"):
        assert word in text, word
    assert "shortage of priority" not in text  # the solver's objective is not a planner's table


def test_a_layer_of_shapes_keeps_its_text_inside_its_script(taiyuan_run, tmp_path):
    """The network, the plants and each county layer are one GeoJSON layer apiece, their data
    written into the page's script: nothing in it can end that script or open a comment, the
    names stay readable (UTF-8), and each shape keeps its own tooltip and style."""
    import re

    from waterplan.maps import _Shapes

    point = {"type": "Point", "coordinates": [112.5, 37.8]}
    tip = "清徐</script><script>alert(1)</script><!--"
    fmap = allocation_map(taiyuan_run.graph, taiyuan_run.results)
    _Shapes([(point, {"style": {"color": "#123456"}, "tip": tip})], radius=5).add_to(fmap)
    path = tmp_path / "shapes.html"
    fmap.save(str(path))
    raw = path.read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", raw, flags=re.S)
    ours = [s for s in scripts if "#123456" in s]
    assert len(ours) == 1 and "清徐<\\/script><script>alert(1)<\\/script><\\!--" in ours[0]
    assert "清徐县" in raw  # a county's name in its tooltip, as written
    ctx, page, log = _open(path, tmp_path)
    try:
        assert log["dialogs"] == [] and log["console_errors"] == [], log
        marker = page.locator("path.leaflet-interactive[stroke='#123456']")
        assert marker.count() == 1
        marker.hover()
        page.wait_for_selector(".leaflet-tooltip", timeout=5000)
        assert page.locator(".leaflet-tooltip").inner_text() == "清徐"  # the rest is markup, as given
    finally:
        ctx.close()
