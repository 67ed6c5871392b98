"""The workbench's results pages, drawn from what a run wrote (its tables, manifest, report and map —
the same files a user opens by hand): an annual run's 指标清单 with statuses, deviations and shadow
prices in words, its warnings, its map, its balance by sector, source and county, and downloads; a
monthly run's or a comparison's own report; a sweep's response curve and table.

Every text from a file is escaped.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

import pandas as pd

__all__ = ["CSS", "LIVE_JS", "result_page", "table_html"]

#: the workbench's look: Chinese fonts first, a marked own row, inherited rows grey, status colours
CSS = (
    "body{font-family:'Noto Sans SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;margin:1em 1.5em;"
    "max-width:1240px;color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#eef2f7}"
    "tr.inherited td{color:#777;background:#f7f7f7}tr.own td:first-child{border-left:4px solid #1f4e9c}"
    "nav{margin-bottom:.8em}nav a{margin-right:1.2em}.met{color:#1a7f37}.violated{color:#b2182b;font-weight:bold}"
    ".bar{display:inline-block;height:10px;background:#6baed6;vertical-align:middle}.warn{color:#9a6700}"
    "form.inline{display:inline}iframe{border:1px solid #ccc;width:100%}pre{white-space:pre-wrap}"
    "section{margin:1.2em 0}.said{margin-left:.5em;font-size:12px}.said.bad{color:#b2182b;white-space:pre-wrap}"
    ".said.ok{color:#1a7f37}textarea.grid{font-family:monospace;font-size:12px;width:100%}"
)

#: checks a form as the planner types (the server's dry run of the same save: the command line's
#: validators and messages), the answer beside the form; nothing is written until Save
LIVE_JS = """
document.querySelectorAll('form.live').forEach(function (f) {
  var timer;
  f.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch('/check' + new URL(f.action).pathname, {method: 'POST', body: new FormData(f)})
        .then(function (r) { return r.json(); })
        .then(function (j) {
          var s = f.querySelector('.said');
          s.textContent = j.ok ? '✓ 可保存 valid' : j.message;
          s.className = 'said ' + (j.ok ? 'ok' : 'bad');
        });
    }, 400);
  });
});
"""

_STATUS_CLASS = {"met": "met", "violated": "violated"}


def table_html(df: pd.DataFrame, *, ids: list[str] | None = None, cls: str = "", extra: list[str] | None = None) -> str:
    """A table, every cell escaped; ``ids``: each row's ``data-id`` (to find a target's row);
    ``extra``: a last cell per row of the workbench's own markup (a bar, a form)."""
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns) + ("<th></th>" if extra else "")
    rows = []
    for i, row in enumerate(df.itertuples(index=False)):
        rid = f" data-id='{e(ids[i])}'" if ids else ""
        more = f"<td>{extra[i]}</td>" if extra else ""
        rows.append(f"<tr{rid}>" + "".join(f"<td>{e(_cell(v))}</td>" for v in row) + more + "</tr>")
    return f"<table class='{e(cls)}'><tr>{head}</tr>{''.join(rows)}</table>"


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def _bars(df: pd.DataFrame, by: list[str], what: str) -> str:
    """Demand, supply, shortage and coverage grouped ``by``, with a bar of the coverage."""
    g = df.groupby(by, sort=False)[["demand_10k_m3", "supplied_10k_m3", "shortage_10k_m3"]].sum().reset_index()
    cov = g["supplied_10k_m3"] / g["demand_10k_m3"].where(g["demand_10k_m3"] > 0)
    names = {"sector_zh": "行业 sector", "sector": "key", "county_zh": "县区 county", "county_en": "English",
             "demand_10k_m3": "需水 demand (万m³)", "supplied_10k_m3": "供水 supplied (万m³)",
             "shortage_10k_m3": "缺水 shortage (万m³)"}  # fmt: skip
    out = g.rename(columns=names)
    out["满足率 coverage"] = [f"{c:.1%}" if c == c else "" for c in cov]
    bars = [
        f"<span class='bar' style='width:{max(0.0, min(1.0, c)) * 160:.0f}px'></span>" if c == c else "" for c in cov
    ]
    return table_html(out, cls=what, extra=bars)


def _sources(alloc: pd.DataFrame) -> str:
    """Withdrawals by kind of water (gross, at the source)."""
    from .palette import KIND_ZH

    g = alloc.groupby("source_kind")["use_at_source_10k_m3"].sum().sort_values(ascending=False)
    df = pd.DataFrame({"水源类型 kind": [f"{KIND_ZH.get(str(k), k)} {k}" for k in g.index],
                       "取水 withdrawn (万m³)": g.to_numpy()})  # fmt: skip
    return table_html(df, cls="sources")


def _annual(folder: Path, rel: str) -> str:
    """An annual run: statuses, warnings, what binds, the map, balances, sources."""
    from .report.annual import indicator_table, status_label, what_binds
    from .results import read_results

    res = read_results(folder)
    ind = res.indicators
    year = int(str(ind["period"].iloc[0])) if len(ind) else 0
    counts = ind["status"].value_counts()
    summary = " · ".join(f"<span class='{_STATUS_CLASS.get(str(s), '')}'>{html.escape(status_label(s))}: {n}</span>"
                         for s, n in counts.items())  # fmt: skip
    warn = "".join(f"<li class='warn'>{html.escape(w)}</li>" for w in res.warnings)
    binds = "".join(f"<li>{html.escape(s)}</li>" for s in what_binds(res))
    listed = indicator_table(ind, year)
    e = html.escape
    parts = (("targets", "指标清单 Targets"), ("binds", "影子价格 What binds"), ("map", "地图 Map"),
             ("balance", "水量平衡 Balance"), ("downloads", "下载 Downloads"))  # fmt: skip
    toc = "".join(f"<a href='#{a}'>{t}</a>" for a, t in parts)
    return (
        f"<section><p id='summary'>{summary}</p><nav>{toc}</nav>"
        + (f"<h2>警告 Warnings</h2><ul id='warnings'>{warn}</ul>" if warn else "")
        + "<h2 id='targets'>指标清单 Targets of the plan</h2>"
        + table_html(listed, ids=list(listed["id"]), cls="targets")
        + f"</section><section><h2 id='binds'>影子价格 What binds, in words</h2><ul>{binds}</ul></section>"
        + f"<section><h2>地图 Map</h2><iframe id='map' src='/files/{e(rel)}/map.html' height='560'></iframe></section>"
        + f"<section><h2 id='balance'>按行业 By sector</h2>{_bars(res.balance, ['sector_zh', 'sector'], 'sectors')}"
        + f"<h2>按水源 By kind of water</h2>{_sources(res.allocation)}"
        + f"<h2>按县区 By county</h2>{_bars(res.balance, ['county_zh', 'county_en'], 'counties')}</section>"
    )


def _sweep(folder: Path, rel: str) -> str:
    """A sweep: its response curve and its table."""
    df = pd.read_csv(folder / "sweep.csv", dtype={"shadow_price_stage": str}, keep_default_na=False)
    about = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    cols = ["value", "unit", "status", "binding", "shadow_price", "shortage_10k_m3", "coverage"]
    names = ("目标值 value", "单位 unit", "状态 status", "约束 binding", "影子价格 shadow price",
             "缺水 shortage (万m³)", "满足率 coverage")  # fmt: skip
    shown = df[cols].set_axis(list(names), axis=1)
    from .report import status_label

    shown["状态 status"] = [status_label(v) if v else "" for v in df["status"]]
    shown["目标值 value"] = [f"{v:g}" for v in df["value"]]  # as typed (a lever's 0.06, not 0.1)
    shown["约束 binding"] = ["是 yes" if str(v) == "True" else "否 no" for v in df["binding"]]
    shown["影子价格 shadow price"] = [f"{v:.3f}" if v == v else "" for v in pd.to_numeric(df["shadow_price"])]
    shown["满足率 coverage"] = [f"{v:.1%}" for v in df["coverage"]]
    e = html.escape
    return (
        f"<p>{e(about['scenario'])}: {e(about['target'])}</p>"
        f"<img id='curve' src='/files/{e(rel)}/sweep.png' alt='response curve' style='max-width:100%'>"
        + table_html(shown, cls="sweep")
    )


#: a monthly run's charts, as its report names them
_MONTHLY_CHARTS = (
    ("chart_storage.png", "蓄水量 Storage"),
    ("chart_shortage.png", "逐月缺水 Monthly shortage"),
    ("chart_guarantee.png", "供水保证率 Supply guarantee rates"),
    ("chart_exceedance.png", "年缺水超越概率 Exceedance of yearly shortage"),
)


def _monthly(folder: Path, rel: str) -> str:
    """A monthly run: its time series and guarantee rates, its map, its whole report a click away."""
    e = html.escape
    charts = "".join(
        f"<h2>{t}</h2><img class='chart' src='/files/{e(rel)}/{f}' alt='{e(t)}' style='max-width:100%'>"
        for f, t in _MONTHLY_CHARTS
        if (folder / f).is_file()
    )
    return (
        f"<p><a href='/files/{e(rel)}/report.html'>完整报告 The whole report (指标清单 year by year)</a></p>{charts}"
        f"<section><h2>地图 Map</h2><iframe id='map' src='/files/{e(rel)}/map.html' height='560'></iframe></section>"
    )


def _downloads(folder: Path, rel: str) -> str:
    e = html.escape
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    links = "".join(f"<li><a href='/files/{e(rel)}/{e(quote(f))}' download>{e(f)}</a></li>" for f in files)
    return f"<section><h2 id='downloads'>下载 Downloads</h2><ul>{links}</ul></section>"


def result_page(folder: Path, rel: str) -> tuple[str, str]:
    """The title and body of the results page of the output folder ``folder`` (``rel``: its path in
    the project): what it holds decides the page."""
    e, rel = html.escape, quote(rel)  # (a path in links: a Chinese name too)
    if (folder / "sweep.csv").is_file():
        title, body = "扫描 Sweep", _sweep(folder, rel)
    elif (folder / "ensemble.html").is_file():
        title = "集合 Ensemble"
        body = f"<iframe id='ensemble' src='/files/{e(rel)}/ensemble.html' height='900'></iframe>"
    elif (folder / "compare.html").is_file():
        title = "比较 Comparison"
        body = f"<iframe id='compare' src='/files/{e(rel)}/compare.html' height='900'></iframe>"
    else:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        title = f"{manifest.get('title_zh') or manifest.get('scenario', '')} — 结果 results"
        if manifest.get("run_kind") == "annual" or manifest.get("mode") == "annual":
            body = _annual(folder, rel)
        else:
            body = _monthly(folder, rel)
    return title, body + _downloads(folder, rel)
