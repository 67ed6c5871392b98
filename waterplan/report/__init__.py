"""The reports of every kind of run, to one standard (:mod:`._page`): the plan's 指标清单 layout,
Chinese first with English beside, the plan's units, county names, nothing wider than the window,
long tables cut with the whole table one click away.

* :mod:`.annual` — an annual run (report.md, report.html);
* :mod:`.monthly` — a monthly run: each target's status year by year, guarantee rates;
* :mod:`.compare` — several annual runs side by side (compare.html);
* :mod:`.ensemble` — an ensemble of monthly runs (ensemble.html).
"""

from __future__ import annotations

from ._page import STATUS_ZH, status_label
from .annual import report_html, report_markdown, what_binds
from .compare import compare_html
from .ensemble import ensemble_html
from .markdown_monthly import monthly_report_markdown
from .monthly import monthly_report_html

__all__ = [
    "STATUS_ZH",
    "compare_html",
    "ensemble_html",
    "monthly_report_html",
    "monthly_report_markdown",
    "report_html",
    "report_markdown",
    "status_label",
    "what_binds",
]
