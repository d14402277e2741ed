"""The main window's Calibration menu, and answer keys fetched after every sync.

``install_calibration_menu`` is all the main window calls: it adds the menu (Sessions…,
My answer keys and drift…) and, whenever a sync finishes, asks the hub for the keys of
newly uploaded calibration items on the net executor, telling the assessor in the status
bar when one arrives.

The calibration service (and with it the hub client and the calibration cache) is imported
when first needed — the first key check runs on the net executor, so the main window's
start never pays for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from assessor_app.domain.wording import plural
from assessor_app.ui.background import Executors
from assessor_app.ui.qt import QMainWindow, QMenu, QObject, Signal

if TYPE_CHECKING:
    from assessor_app.services.account import ProfileSession
    from assessor_app.services.calibration import CalibrationService, KeyFetchReport
    from assessor_app.ui.calibration.window import CalibrationWindow

log = logging.getLogger(__name__)


class Connectable(Protocol):
    """A bound Qt signal (e.g. ``SyncRunner.finished``)."""

    def connect(self, slot: Callable[..., object]) -> object: ...


class CalibrationMenu(QObject):
    """``keysFetched(report)`` fires after the post-sync key check."""

    keysFetched = Signal(object)

    def __init__(self, window: QMainWindow, session: ProfileSession, executors: Executors) -> None:
        super().__init__(window)
        self._main = window
        self._executors = executors
        self._session = session
        self._service: CalibrationService | None = None
        # The service may first be asked for on the net executor or on the GUI thread.
        self._service_lock = threading.Lock()
        self.window: CalibrationWindow | None = None
        bar = window.menuBar()
        menu = QMenu("&Calibration", window)
        # Before Help, which conventionally stays last.
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is None:
            bar.addMenu(menu)
        else:
            bar.insertMenu(help_menu, menu)
        self.menu = menu
        self.sessions_action = menu.addAction("Sessions…")
        self.sessions_action.setToolTip("Calibration sessions: the levels matrix and consensus")
        self.sessions_action.triggered.connect(lambda: self.calibration_window().show_sessions())
        self.keys_action = menu.addAction("My answer keys and drift…")
        self.keys_action.setToolTip("Your keyed calibration items compared with their keys")
        self.keys_action.triggered.connect(lambda: self.calibration_window().show_keys())

    @property
    def service(self) -> CalibrationService:
        with self._service_lock:
            if self._service is None:
                from assessor_app.services.calibration import CalibrationService

                self._service = CalibrationService.for_session(self._session)
            return self._service

    def calibration_window(self) -> CalibrationWindow:
        if self.window is None:
            from assessor_app.ui.calibration.window import CalibrationWindow

            self.window = CalibrationWindow(self.service, self._executors, self._main)
        return self.window

    def fetch_keys(self) -> None:
        self._executors.net.submit(
            lambda: self.service.fetch_keys(), success=self._fetched, failure=self._not_fetched
        )

    def _fetched(self, report: KeyFetchReport) -> None:
        if report.fetched:
            count = len(report.fetched)
            self._main.statusBar().showMessage(
                f"{plural(count, 'answer key')} received: see Calibration ▸ My answer keys "
                "and drift.",
                15_000,
            )
            if self.window is not None and self.window.isVisible():
                self.window.keys.reload()
        self.keysFetched.emit(report)

    def _not_fetched(self, error: BaseException) -> None:
        # The sync itself already told the assessor about the connection; keys are
        # asked for again after the next sync.
        log.info("answer keys not fetched after sync: %s", type(error).__name__)


def install_calibration_menu(
    window: QMainWindow,
    session: ProfileSession,
    executors: Executors,
    sync_finished: Connectable,
) -> CalibrationMenu:
    """Add the Calibration menu to ``window`` and fetch answer keys after each sync."""
    menu = CalibrationMenu(window, session, executors)
    sync_finished.connect(lambda *_: menu.fetch_keys())
    return menu
