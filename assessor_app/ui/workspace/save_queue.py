"""Saving edits on the database worker as they happen, and saying whether they are safe.

Every edit is handed to the serialized database executor at once. Typing produces an edit
per keystroke; for text fields only the newest value still waiting is written, so a fast
typist never builds a backlog, and the order of different edits is kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from assessor_app.ui.background import Executor
from assessor_app.ui.qt import QObject, Signal, isValid

log = logging.getLogger(__name__)


class SaveQueue(QObject):
    """``stateChanged(str)`` says "saving", "saved" or "failed"; ``failed(str)`` carries a
    message for the assessor."""

    stateChanged = Signal(str)
    failed = Signal(str)

    def __init__(self, executor: Executor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor
        self._pending = 0
        self._latest: dict[str, Any] = {}
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self.state = "saved"

    def save(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None) -> None:
        self._begin()
        self._executor.submit(fn, success=lambda v: self._done(v, on_done), failure=self._fail)

    def save_latest(self, key: str, value: Any, fn: Callable[[Any], None]) -> None:
        """Save ``value`` for ``key``; a value superseded before its turn is skipped."""
        with self._lock:
            self._latest[key] = value
            if key in self._queued:
                return
            self._queued.add(key)

        def job() -> None:
            with self._lock:
                self._queued.discard(key)
                newest = self._latest[key]
            fn(newest)

        self.save(job)

    def flush(self, msecs: int = 10_000) -> bool:
        """Wait for every queued save (used when closing)."""
        return self._executor.wait(msecs)

    def _begin(self) -> None:
        self._pending += 1
        self._set_state("saving")

    def _done(self, value: Any, on_done: Callable[[Any], None] | None) -> None:
        if not isValid(self):
            return  # the workspace closed; the edit itself was saved
        self._pending -= 1
        if on_done is not None:
            on_done(value)
        if self._pending == 0 and self.state != "failed":
            self._set_state("saved")

    def _fail(self, error: BaseException) -> None:
        log.error("an edit could not be saved", exc_info=error)
        if not isValid(self):
            return
        self._pending -= 1
        self._set_state("failed")
        self.failed.emit(
            f"Your last change could not be saved: {error}. Earlier changes are safe. "
            "Check the free disk space, then make the change again."
        )

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
