"""What the command line prints: plain tables, the sync progress display, and the filters
every printed line goes through so text from the hub never reaches the terminal as escape
sequences (``terminal_text``, ``json_text``). The status words and due countdowns are the
GUI's, from ``domain.status_words``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from assessor_app.domain.text import printable
from assessor_app.domain.wording import rate_words
from assessor_app.sync.progress import PHASE_WORDS, SyncPhase, SyncProgress


def terminal_text(text: str) -> str:
    """``text`` as it may be printed: lines kept, escape sequences and controls removed.
    ``Console`` sends everything through it, so hub text quoted anywhere is safe."""
    return printable(text, multiline=True)


# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on: C1 controls
# (U+009B is a CSI), bidi overrides and isolates, line separators, lone surrogates.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(data: Any) -> str:
    """``data`` as indented JSON for scripts: hub text is kept whole (a script gets what
    the hub sent), with every character a terminal could act on written as ``\\uXXXX``."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shorten(text: str, width: int) -> str:
    text = " ".join(printable(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, headers first."""
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def indent(text: str, prefix: str) -> str:
    """Every line of ``text`` after ``prefix``'s width, the first after ``prefix``."""
    pad = " " * len(prefix)
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def describe_progress(progress: SyncProgress) -> str:
    """``Downloading evidence 42% (1/3 files, 2.1 of 5.0 MB, 850 KB/s) lesson.mp4``, and
    ``stalled: NAME`` while a download is put aside for being too slow."""
    parts = [PHASE_WORDS[progress.phase]]
    fraction = progress.fraction
    if fraction is not None:
        parts.append(f"{fraction:.0%}")
    if progress.items_total:
        detail = f"{progress.items_done}/{progress.items_total}"
        if progress.bytes_total:
            detail += f", {_megabytes(progress.bytes_done)} of {_megabytes(progress.bytes_total)}"
        rate = rate_words(progress.bytes_per_second)
        if rate:
            detail += f", {rate}"
        parts.append(f"({detail})")
    if progress.current:
        parts.append(shorten(progress.current, 40))
    if progress.stalled:
        parts.append("stalled: " + ", ".join(shorten(name, 40) for name in progress.stalled))
    return " ".join(parts)


class ProgressDisplay:
    """Sync progress on ``stream``. On a terminal: one bar redrawn in place. Otherwise
    (a log file, a pipe): a line at each phase change and at most one every
    ``interval`` seconds in between. Called from worker threads."""

    BAR = 24

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = tty
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._phase: SyncPhase | None = None
        self._last_line = float("-inf")
        self._drawn = 0

    def __call__(self, progress: SyncProgress) -> None:
        with self._lock:
            if self.tty:
                self._draw(progress)
            else:
                self._line(progress)
            self._phase = progress.phase

    def _draw(self, progress: SyncProgress) -> None:
        if progress.phase is SyncPhase.DONE:
            self._clear()
            return
        fraction = progress.fraction or 0.0
        filled = int(self.BAR * fraction)
        text = f"[{'#' * filled}{'-' * (self.BAR - filled)}] {describe_progress(progress)}"
        text = shorten(text, 78)
        self.stream.write("\r" + text.ljust(self._drawn))
        self.stream.flush()
        self._drawn = len(text)

    def _line(self, progress: SyncProgress) -> None:
        if progress.phase is SyncPhase.DONE:
            return
        now = self.clock()
        if progress.phase is self._phase and now - self._last_line < self.interval:
            return
        self._last_line = now
        self.stream.write(f"sync: {describe_progress(progress)}\n")
        self.stream.flush()

    def finish(self) -> None:
        """Clear the bar so what follows starts on a fresh line."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0
