"""Running a sync off the GUI thread, with Qt signals for progress and the outcome.

``SyncRunner`` owns one worker ``QThread`` per run. The engine is built on that thread by
the factory it was given (so opening hub clients never blocks the GUI) and reports
through queued signals: ``progress(SyncProgress)``, then ``signInRequired()`` if the hub
refused the token, and ``finished(SyncReport)``; an unexpected error gives
``failed(message)`` instead. Only one run at a time: ``start`` refuses a second.

The window reads a run through this module alone: ``progress_words`` is its status-bar
line and ``changes_queue`` says when the queue is worth reading again; the payloads are
the sync layer's ``SyncProgress`` and ``SyncReport``, named here for the window's type
hints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from assessor_app.domain.wording import rate_words
from assessor_app.services.account import ProfileSession, SignInRequired
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import (
    PHASE_WORDS,
    CancelToken,
    ProgressCallback,
    SyncPhase,
    SyncProgress,
    SyncReport,
)
from assessor_app.sync.trouble import trouble_words

__all__ = [
    "EngineFactory",
    "SyncProgress",
    "SyncReport",
    "SyncRunner",
    "changes_queue",
    "engine_for_session",
    "progress_words",
]

log = logging.getLogger(__name__)

EngineFactory = Callable[[ProgressCallback, CancelToken], SyncEngine]
"""Builds the engine for one run, given the progress callback and cancel token to use."""


# The phases whose work changes what the queue shows (new rows, download percentages,
# uploaded decisions).
_QUEUE_PHASES = frozenset({SyncPhase.MANIFESTS, SyncPhase.DOWNLOADS, SyncPhase.UPLOADS})


def progress_words(progress: SyncProgress) -> str:
    """The status bar's line for a running sync: phase, item, rate and stalled files."""
    words = PHASE_WORDS[progress.phase]
    if progress.current:
        words += f": {progress.current}"
    rate = rate_words(progress.bytes_per_second)
    if rate:
        words += f" · {rate}"
    if progress.stalled:
        words += f" · stalled: {', '.join(progress.stalled)}"
    return words


def changes_queue(progress: SyncProgress) -> bool:
    """Whether the run is in a phase that changes what the queue shows."""
    return progress.phase in _QUEUE_PHASES


def engine_for_session(session: ProfileSession) -> EngineFactory:
    """An engine factory for an open profile: its store and vault, and a new hub client
    per thread from ``session.client`` (raises SignInRequired without a token)."""

    def build(progress: ProgressCallback, cancel: CancelToken) -> SyncEngine:
        return SyncEngine(
            session.store,
            session.vault,
            session.client(),
            client_factory=session.client,
            progress=progress,
            cancel=cancel,
        )

    return build


class _Worker(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    signInRequired = Signal()

    def __init__(self, factory: EngineFactory, cancel: CancelToken, down: bool, up: bool) -> None:
        super().__init__()
        self._factory = factory
        self._cancel = cancel
        self._down = down
        self._up = up

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:
            # End the thread's event loop from here, so ``SyncRunner.wait`` returns even
            # when the GUI thread is not processing events.
            self.thread().quit()

    def _run(self) -> None:
        try:
            engine = self._factory(self.progress.emit, self._cancel)
            try:
                report = engine.run(down=self._down, up=self._up)
            finally:
                engine.client.close()
        except SignInRequired:
            self.signInRequired.emit()
            self.finished.emit(SyncReport(sign_in_required=True))
            return
        except Exception as exc:
            log.exception("sync failed")
            self.failed.emit(trouble_words(exc))
            return
        if report.sign_in_required:
            self.signInRequired.emit()
        self.finished.emit(report)


class SyncRunner(QObject):
    """Runs syncs built by ``factory`` on a worker thread; see the module docstring."""

    progress = Signal(object)
    """SyncProgress"""
    finished = Signal(object)
    """SyncReport"""
    failed = Signal(str)
    signInRequired = Signal()

    def __init__(self, factory: EngineFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel: CancelToken | None = None
        self.last_progress: SyncProgress | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, *, down: bool = True, up: bool = True) -> bool:
        """Start a run; False (and nothing happens) while another is running."""
        if self._thread is not None:
            return False
        self._cancel = CancelToken()
        thread = QThread()
        thread.setObjectName("sync")
        worker = _Worker(self._factory, self._cancel, down, up)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.signInRequired.connect(self.signInRequired)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._thread, self._worker = thread, worker
        thread.start()
        return True

    @Slot()
    def cancel(self) -> None:
        """Ask the running sync to stop; ``finished`` follows with a cancelled report."""
        if self._cancel is not None:
            self._cancel.cancel()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the worker thread has ended (for shutdown); True if it has."""
        thread = self._thread
        return thread is None or thread.wait(msecs)

    @Slot(object)
    def _on_progress(self, progress: SyncProgress) -> None:
        self.last_progress = progress
        self.progress.emit(progress)

    def _end_thread(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._cancel = None
        if thread is not None:
            thread.quit()
            thread.wait()
        if worker is not None:
            worker.deleteLater()

    @Slot(object)
    def _on_finished(self, report: SyncReport) -> None:
        self._end_thread()
        self.finished.emit(report)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end_thread()
        self.failed.emit(message)
