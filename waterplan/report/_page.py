"""What every report page shares: one column up to 1,200 px, tables that wrap rather than scroll,
figures in the plan's units, Chinese first with English beside, nothing blank shown as NaN, None
or True, long tables cut to their first rows with the whole table one click away."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import pandas as pd

from ..palette import KIND_ZH
from ..scenario import SECTOR_NAMES

__all__ = [
    "STATUS_ZH",
    "STYLE",
    "blank",
    "details",
    "figure",
    "kind_label",
    "num",
    "page",
    "pct",
    "sector_label",
    "status_label",
    "table",
]

STATUS_ZH = {
    "met": "达标 met",
    "not met": "未达到 not met",
    "violated": "未达标 violated",
    "as planned": "按配置 as planned",
    "shifted": "已调整 shifted",
    "kept": "遵守 kept",
    "broken": "未遵守 broken",
    "not modelled": "未建模 not modelled",
    "not checked": "未核查 not checked",
    "no target": "无目标 no target",
}
#: statuses a reader should see first
BAD = {"not met", "violated", "broken"}
STYLE = (
    "body{font-family:'Noto Sans SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;max-width:1200px;"
    "margin:auto;padding:1em;line-height:1.45;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}"
    ".t{border-collapse:collapse;font-size:13px;max-width:100%;margin:.4em 0}"
    ".t td,.t th{border:1px solid #ccc;padding:3px 6px;overflow-wrap:anywhere;vertical-align:top}"
    ".t th{background:#f3f5f8;text-align:left}.t td.n{text-align:right;white-space:nowrap}"
    "tr.chg td{background:#fff4d6}td.bad{color:#b2182b;font-weight:600}td.good{color:#1a7a35}"
    "img{max-width:100%;height:auto}details{margin:.4em 0}summary{cursor:pointer;color:#1f4e9c}"
    ".note{color:#555;font-size:.92em}.illustrative{background:#fff8e1;padding:.4em .6em;border-left:3px solid #f0b400}"
)


def blank(v: object) -> bool:
    """Nothing to show: None, NaN, an empty text."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def num(v: object, digits: int = 0) -> str:
    """A figure with thousands separators (blank for nothing; no "-0")."""
    if blank(v):
        return ""
    if isinstance(v, bool):
        return "是 yes" if v else "否 no"
    if isinstance(v, int | float):
        x = float(v)
        if abs(x) < 0.5 * 10**-digits:
            x = 0.0
        return f"{x:,.{digits}f}"
    return str(v)


def pct(v: object, digits: int = 1, *, signed: bool = False) -> str:
    """A share (0.953) as a percentage ("95.3%"); ``signed``: a change in percentage points."""
    if blank(v) or not isinstance(v, int | float):
        return ""
    x = float(v) * 100
    if abs(x) < 0.5 * 10**-digits:
        x = 0.0
    return f"{x:+.{digits}f} pp" if signed else f"{x:.{digits}f}%"


def status_label(status: object) -> str:
    """A status as the reports show it (Chinese and English)."""
    return "" if blank(status) else STATUS_ZH.get(str(status), str(status))


def sector_label(sector: str, zh: str | None = None) -> str:
    """A sector as the reports show it: "生活 Domestic"."""
    names = SECTOR_NAMES.get(sector)
    return f"{zh or (names[0] if names else sector)} {names[1] if names else sector}"


def kind_label(kind: str) -> str:
    """A source kind: "再生水 reclaimed"."""
    return f"{KIND_ZH.get(kind, kind)} {kind.replace('_', ' ')}"


def _cell(v: object) -> tuple[str, str]:
    """The text and the class of a cell: figures right-aligned, statuses coloured."""
    if isinstance(v, bool):
        return ("是 yes" if v else "否 no"), ""
    if isinstance(v, int | float) and not blank(v):
        return num(v), "n"
    text = "" if blank(v) else str(v)
    cls = "bad" if any(text.startswith(STATUS_ZH[s]) for s in BAD) else ("good" if text.startswith("达标") else "")
    return text, cls


def table(df: pd.DataFrame, *, highlight: Sequence[bool] | None = None) -> str:
    """A table as HTML: headers as given (write them "中文 English"), figures as :func:`num` shows
    them (format them first for other digits), nothing blank shown as NaN or None; ``highlight``
    marks rows (a change)."""
    if not len(df):
        return "<p class='note'>无 none.</p>"
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    rows = []
    for i, r in enumerate(df.itertuples(index=False)):
        cells = []
        for v in r:
            text, cls = _cell(v)
            cells.append(f"<td class='{cls}'>{e(text)}</td>" if cls else f"<td>{e(text)}</td>")
        mark = " class='chg'" if highlight is not None and highlight[i] else ""
        rows.append(f"<tr{mark}>{''.join(cells)}</tr>")
    return f"<table class='t'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def long_table(df: pd.DataFrame, top: int, what: str, *, highlight: Sequence[bool] | None = None) -> str:
    """The first ``top`` rows, and the whole table one click away (``what``: what the rows are)."""
    if len(df) <= top:
        return table(df, highlight=highlight)
    first = table(df.head(top), highlight=None if highlight is None else list(highlight)[:top])
    return first + details(f"全部 {len(df)} 行 all {len(df)} rows: {what}", table(df, highlight=highlight))


def details(summary: str, inner: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{inner}</details>"


def figure(data: bytes | None, alt: str, *, width: int | None = None) -> str:
    """A PNG embedded in the page (no file beside it needed)."""
    if not data:
        return ""
    style = f"max-width:min(100%,{width}px)" if width else "max-width:100%"
    src = base64.b64encode(data).decode("ascii")
    return f"<p><img src='data:image/png;base64,{src}' alt='{html.escape(alt)}' style='{style}'></p>"


def page(title: str, heading: str, body: str) -> str:
    """A self-contained page: no scripts, no external assets."""
    e = html.escape
    return (
        f"<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{e(heading)}</h1>{body}</body></html>"
    )


def illustrative(text: str = "") -> str:
    return (
        "<p class='illustrative'>示意数据 Illustrative data: county demands and many network figures are derived or "
        f"assumed stand-ins; replace them with the bureau's own tables.{html.escape(text)}</p>"
    )
