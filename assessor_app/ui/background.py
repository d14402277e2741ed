"""Background operations: small jobs with ``success`` / ``failure`` callbacks that run on
the GUI thread.

Two executors keep work apart: database work is serialized on one thread (SQLite likes
one writer and edits must land in the order typed), while network and decoding work run
on another pool so a slow hub never delays saving a keystroke.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from assessor_app.ui.qt import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from a worker are queued to it."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, success: Success | None, failure: Failure | None) -> None:
        super().__init__()
        self._success = success
        self._failure = failure
        self.succeeded.connect(self._on_success)
        self.failed.connect(self._on_failure)

    @Slot(object)
    def _on_success(self, value: object) -> None:
        try:
            if self._success is not None:
                self._success(value)
        finally:
            self.deleteLater()

    @Slot(object)
    def _on_failure(self, error: object) -> None:
        try:
            if self._failure is not None:
                self._failure(error)  # type: ignore[arg-type]
            else:
                log.error("background operation failed", exc_info=error)  # type: ignore[arg-type]
        finally:
            self.deleteLater()


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            value = self._fn()
        except BaseException as exc:  # every failure is reported to the GUI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(value)


class Executor:
    """A named pool. ``submit`` must be called on the GUI thread."""

    def __init__(self, name: str, max_threads: int) -> None:
        self.name = name
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._pool.setObjectName(name)
        self._relays: set[_Relay] = set()
        self._lock = threading.Lock()

    def submit(
        self,
        fn: Callable[[], Any],
        *,
        success: Success | None = None,
        failure: Failure | None = None,
    ) -> None:
        relay = _Relay(success, failure)
        with self._lock:
            self._relays.add(relay)
        relay.destroyed.connect(lambda *_: self._forget(relay))
        self._pool.start(_Job(fn, relay))

    def _forget(self, relay: _Relay) -> None:
        with self._lock:
            self._relays.discard(relay)

    def wait(self, msecs: int = -1) -> bool:
        """Block until queued work is done (used at shutdown and in tests)."""
        return self._pool.waitForDone(msecs)


class Executors:
    """The app's two executors: ``db`` (one thread) and ``net`` (several)."""

    def __init__(self, net_threads: int = 4) -> None:
        self.db = Executor("db", 1)
        self.net = Executor("net", net_threads)

    def wait(self, msecs: int = 10_000) -> bool:
        return self.db.wait(msecs) and self.net.wait(msecs)
