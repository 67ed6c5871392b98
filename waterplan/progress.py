"""Progress of long work, wherever the output goes: a bar on a terminal (tqdm), and where the
output is a file, a pipe or a log, a plain line every :data:`PERIOD` seconds (the same figures, one
per line, so that a log shows the run going on); nothing when not asked for (the API's default)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tqdm import tqdm

__all__ = ["PERIOD", "progress_bar"]

#: seconds between two lines when the output is not a terminal
PERIOD = 10.0


class _Lines:
    """A stream for tqdm that turns its in-place updates (``\\r``) into whole lines."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(
    iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str, unit: str, show: bool
) -> tqdm[Any]:
    """A tqdm over ``iterable``: a bar on a terminal (``sys.stderr``), a line every :data:`PERIOD`
    seconds elsewhere, nothing if not ``show``."""
    if not show:
        return tqdm(iterable, total=total, disable=True)
    if sys.stderr.isatty():
        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False)
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=_Lines(sys.stderr), mininterval=PERIOD,
                maxinterval=PERIOD, ascii=True, ncols=80, leave=True)  # fmt: skip
