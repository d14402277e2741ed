"""The main window: the queue beside the workspace, the sync button and the status bar.

+---------------------------------------------------------------+
| [Sync ⟳] [Cancel]            Online · synced 2 min ago         |
| Queue (filter, facets, table) | Workspace of the open assignment |
| status bar: sync progress · messages                           |
+---------------------------------------------------------------+

The window can be built before any profile is open (``MainWindow(None, settings)``): it
then shows an empty queue and "Opening your profile…", with the actions that need a
profile disabled, until ``attach_session`` hands it the opened profile. Only Qt and the
queue widgets are imported at module level; the services, the sync engine, the workspace
and the calibration menu are imported when a session is attached (the app imports them
beforehand on the worker thread that opens the profile; see ``SESSION_MODULES``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assessor_app.domain.wording import plural
from assessor_app.ui.background import Executor, Executors
from assessor_app.ui.qt import (
    QAction,
    QByteArray,
    QLabel,
    QMainWindow,
    QPushButton,
    QSettings,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.queue.model import QueueModel
from assessor_app.ui.queue.view import QueueView, queue_width_needed
from assessor_app.ui.screen_fit import available_area, fit_to_screen, keep_on_screen
from assessor_app.ui.shortcuts import key_sequences, with_hint
from assessor_app.ui.sync_bar import SyncBar

if TYPE_CHECKING:
    from assessor_app.services.account import ProfileSession
    from assessor_app.services.connection import Connection
    from assessor_app.services.queue import QueueRow
    from assessor_app.services.scoring import OpenedAssignment
    from assessor_app.services.sync_runner import SyncProgress, SyncReport, SyncRunner
    from assessor_app.ui.calibration.menu import CalibrationMenu
    from assessor_app.ui.qt import QCloseEvent, QKeyEvent
    from assessor_app.ui.scoring_menu import ScoringMenu
    from assessor_app.ui.workspace.workspace import Workspace

log = logging.getLogger(__name__)

SESSION_MODULES = (
    "assessor_app.services.connection",
    "assessor_app.services.queue",
    "assessor_app.services.scoring",
    "assessor_app.services.sync_runner",
    "assessor_app.ui.calibration.menu",
    "assessor_app.ui.scoring_menu",
    "assessor_app.ui.settings_dialog",
    "assessor_app.ui.shortcut_sheet",
    "assessor_app.ui.sign_in_dialog",
    "assessor_app.ui.workspace.workspace",
)
"""What a window with an open profile imports; importing them on a worker thread first
keeps those imports off the GUI thread."""

OPENING_TEXT = "Opening your profile…"
SIGN_OUT_WHILE_SYNCING = "A sync is running: sign out when it has finished, or Cancel it first."
_SPLITTER_KEY = "main/splitter"
_ROOMY_SCREEN_WIDTH = 1600
PLACEHOLDER_TEXT = "Choose a submission from the queue (Enter opens it). Sync to fetch new work."


def sessions_pointer_text(facilitated: int) -> str:
    """What a facilitator with nothing to score sees where the workspace would be."""
    sessions = plural(facilitated, "calibration session")
    return (
        f"You have no submissions to score. You facilitate {sessions}: "
        "watch progress, reveal results and record the consensus under Calibration ▸ Sessions…"
    )


class MainWindow(QMainWindow):
    def __init__(self, session: ProfileSession | None, settings: QSettings) -> None:
        super().__init__()
        self.session: ProfileSession | None = None
        self.sync_runner: SyncRunner | None = None
        self.calibration: CalibrationMenu | None = None
        self.scoring: ScoringMenu | None = None
        self.settings = settings
        self.executors = Executors()
        self._sign_in_executor: Executor | None = None
        self._closed = False
        # During a sync the GUI thread shares the GIL with the download workers, so every
        # Qt call may wait for it: progress (and the queue reload it asks for) is applied
        # at most every 100 ms.
        self._pending_progress: SyncProgress | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(100)
        self._progress_timer.timeout.connect(self._apply_progress)
        self.workspace: Workspace | None = None
        self.connection: Connection | None = None
        """What the indicator says is built from this; None until a profile is open."""
        self.setWindowTitle("Assessor")
        self.setAccessibleName("Assessor")

        self.queue_model = QueueModel(parent=self)
        self.queue = QueueView(self.queue_model, settings, self)
        self.queue.assignmentActivated.connect(self.open_assignment)
        self.placeholder = QLabel(OPENING_TEXT, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        # A facilitator with nothing to score is pointed to their sessions from here.
        self.sessions_button = QPushButton("Open calibration sessions", self)
        self.sessions_button.setToolTip("Calibration ▸ Sessions…")
        self.sessions_button.hide()
        self.sessions_button.clicked.connect(self._open_sessions)
        self._sessions_checked = False
        start = QWidget(self)
        column = QVBoxLayout(start)
        column.addStretch(1)
        column.addWidget(self.placeholder)
        column.addWidget(self.sessions_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        self.right = QStackedWidget(self)
        self.right.addWidget(start)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.queue)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_status_bar()
        self._tick = QTimer(self)
        self._tick.setInterval(60_000)
        self._tick.timeout.connect(self._minute)
        self._tick.start()
        geometry = settings.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_geometry()
        keep_on_screen(self)
        splitter_state = settings.value(_SPLITTER_KEY)
        if not isinstance(splitter_state, QByteArray) or not self.splitter.restoreState(
            splitter_state
        ):
            queue_width = queue_width_needed(self.queue.table.fontMetrics())
            self.splitter.setSizes([queue_width, max(self.width() - queue_width, 1)])
        self.splitter.splitterMoved.connect(self._remember_splitter)
        if session is None:
            self.statusBar().showMessage(OPENING_TEXT)
        else:
            self.attach_session(session)

    def attach_session(self, session: ProfileSession) -> None:
        """Work in ``session``: the sync runner, the Calibration menu and the profile's
        actions become available and the queue is loaded (on the database worker)."""
        from assessor_app.services.connection import Connection
        from assessor_app.services.sync_runner import SyncRunner, engine_for_session
        from assessor_app.ui.calibration.menu import install_calibration_menu
        from assessor_app.ui.scoring_menu import install_scoring_menu

        self.session = session
        self.connection = Connection()
        self._update_online_label()
        profile = session.profile
        self.setWindowTitle(f"Assessor - {profile.username} @ {profile.hub_url}")
        self.sync_runner = SyncRunner(engine_for_session(session), self)
        self.sync_runner.progress.connect(self._sync_progress)
        self.sync_runner.finished.connect(self._sync_finished)
        self.sync_runner.failed.connect(self._sync_failed)
        self.sync_runner.signInRequired.connect(self._sign_in_required)
        self.calibration = install_calibration_menu(
            self, session, self.executors, self.sync_runner.finished
        )
        self.scoring = install_scoring_menu(
            self, session, self.executors, self.sync_runner.finished
        )
        for action in self._profile_actions:
            action.setEnabled(True)
        self.placeholder.setText(PLACEHOLDER_TEXT)
        self.statusBar().clearMessage()
        self.refresh_queue()

    # -- construction -------------------------------------------------------------------

    def _default_geometry(self) -> None:
        """First start: the whole of a laptop's screen (the queue and the workspace both
        need the width), most of a bigger one; window managers (and none at all, under a
        bare X server) would otherwise give the window its small size hint."""
        area = available_area(self)
        if area.width() < _ROOMY_SCREEN_WIDTH:
            fit_to_screen(self, area.width(), area.height())
        else:
            fit_to_screen(self, min(int(area.width() * 0.9), 1600), int(area.height() * 0.9))

    def _remember_splitter(self, *_: object) -> None:
        # A hidden queue (Ctrl+B) keeps the width it had, to come back with.
        if self.toggle_queue.isChecked():
            self.settings.setValue(_SPLITTER_KEY, self.splitter.saveState())

    def _build_actions(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.sync_action = QAction("Sync ⟳", self)
        self.sync_action.setToolTip(
            with_hint("Download new work and upload finished decisions", "sync")
        )
        self.sync_action.setShortcuts(key_sequences("sync"))
        self.sync_action.triggered.connect(self.sync_now)
        toolbar.addAction(self.sync_action)
        self.cancel_button = QPushButton("Cancel sync", self)
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.setToolTip("Stop the sync; everything downloaded so far is kept")
        self.cancel_button.clicked.connect(self.cancel_sync)
        self._cancel_action = toolbar.addWidget(self.cancel_button)
        self._cancel_action.setVisible(False)
        self.online_label = QLabel(self)
        self.online_label.setAccessibleName("Connection and last sync")
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.online_label)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.sync_action)
        self.sign_in_action = file_menu.addAction("Sign in…")
        self.sign_in_action.setToolTip("Sign in again when the hub asks; your work stays as it is")
        self.sign_in_action.triggered.connect(self.sign_in_again)
        self.sign_out_action = file_menu.addAction("Sign out")
        self.sign_out_action.setToolTip(
            "End this sign-in at the hub and forget it here; your work stays on this computer"
        )
        self.sign_out_action.triggered.connect(self.sign_out)
        self.export_history_action = file_menu.addAction("Export my decisions (CSV)…")
        self.export_history_action.triggered.connect(self.export_history)
        settings_action = file_menu.addAction("Settings…")
        settings_action.triggered.connect(self.show_settings)
        file_menu.addSeparator()
        self._profile_actions = [
            self.sync_action,
            self.sign_in_action,
            self.sign_out_action,
            self.export_history_action,
            settings_action,
        ]
        for action in self._profile_actions:
            action.setEnabled(False)
        quit_action = file_menu.addAction("Quit")
        quit_action.setShortcuts(key_sequences("quit"))
        quit_action.triggered.connect(self.close)
        view_menu = menu.addMenu("&View")
        self.toggle_queue = view_menu.addAction("Show queue")
        self.toggle_queue.setCheckable(True)
        self.toggle_queue.setChecked(True)
        self.toggle_queue.setShortcuts(key_sequences("toggle_queue"))
        self.toggle_queue.toggled.connect(self.queue.setVisible)
        filter_action = view_menu.addAction("Filter the queue")
        filter_action.setShortcuts(key_sequences("filter"))
        filter_action.triggered.connect(self._focus_filter)
        self.previous_submission_action = view_menu.addAction("Previous submission")
        self.next_submission_action = view_menu.addAction("Next submission")
        previous_key, next_key = key_sequences("submission")
        self.previous_submission_action.setShortcut(previous_key)
        self.next_submission_action.setShortcut(next_key)
        self.previous_submission_action.triggered.connect(lambda: self.open_neighbour(-1))
        self.next_submission_action.triggered.connect(lambda: self.open_neighbour(1))
        help_menu = menu.addMenu("&Help")
        sheet = help_menu.addAction("Keyboard shortcuts")
        sheet.setShortcuts(key_sequences("help"))
        sheet.triggered.connect(self.show_shortcuts)

    def _build_status_bar(self) -> None:
        self.sync_bar = SyncBar(self)
        self.sync_bar.cancelRequested.connect(self.cancel_sync)
        self.statusBar().addPermanentWidget(self.sync_bar)

    # -- queue and workspace --------------------------------------------------------------

    def refresh_queue(self) -> None:
        if self._closed or self.session is None:
            # Signals still queued when the window closed (a sync's last "finished")
            # must not start database work after the executors were drained.
            return
        from assessor_app.services.queue import queue_rows

        store = self.session.store
        self.executors.db.submit(lambda: queue_rows(store), success=self._rows_loaded)

    def notify_changed(self) -> None:
        """The store changed under the views (a sync ended): the queue and the open
        workspace show its state again, without reopening anything."""
        self.refresh_queue()
        if self.workspace is not None and not self._closed:
            self.workspace.refresh_from_store()

    def _rows_loaded(self, rows: list[QueueRow]) -> None:
        current = self.queue.current_assignment_id()
        self.queue_model.set_rows(rows)
        if current:
            self.queue.select_assignment(current)
        if rows:
            self._show_sessions_pointer(0)
        elif not self._sessions_checked:
            self._check_facilitated_sessions()

    def _check_facilitated_sessions(self) -> None:
        """With an empty queue, ask the hub (on the net executor) which sessions this
        account facilitates; asked once per sync, not on every reload during one."""
        if self.calibration is None or self.session is None:
            return
        self._sessions_checked = True
        calibration, username = self.calibration, self.session.profile.username

        def facilitated() -> int:
            listing = calibration.service.sessions()
            return sum(1 for e in listing.entries if e.facilitator == username)

        self.executors.net.submit(
            facilitated, success=self._show_sessions_pointer, failure=self._sessions_unknown
        )

    def _show_sessions_pointer(self, facilitated: int) -> None:
        if facilitated and self.queue_model.rowCount() == 0:
            self.placeholder.setText(sessions_pointer_text(facilitated))
            self.sessions_button.show()
        elif self.sessions_button.isVisible():
            self.placeholder.setText(PLACEHOLDER_TEXT)
            self.sessions_button.hide()

    def _sessions_unknown(self, error: BaseException) -> None:
        # The sync reports connection trouble itself; the pointer is asked for again
        # after the next sync.
        log.info("facilitated sessions not checked: %s", type(error).__name__)

    def _open_sessions(self) -> None:
        if self.calibration is not None:
            self.calibration.calibration_window().show_sessions()

    def _focus_filter(self) -> None:
        self.toggle_queue.setChecked(True)
        self.queue.focus_filter()

    def open_assignment(self, assignment_id: str) -> None:
        if self.session is None:
            return
        from assessor_app.services.scoring import ScoringService

        service = ScoringService(self.session.store)
        self.executors.db.submit(
            lambda: service.open(assignment_id),
            success=self._show_workspace,
            failure=self._open_failed,
        )

    def open_neighbour(self, step: int) -> None:
        """Ctrl+] / Ctrl+[: open the next (1) or previous (-1) submission in the queue as
        it is shown. The open one's edits are already on the database worker, which
        opens the next one only after them, and closing the workspace waits for them."""
        if self.workspace is None:
            return
        target = self.queue.neighbour(step)
        if target is None:
            where = "last" if step > 0 else "first"
            self.statusBar().showMessage(f"This is the {where} submission in the queue.", 5000)
            return
        self.queue.select_assignment(target)
        self.open_assignment(target)

    def _show_workspace(self, opened: OpenedAssignment) -> None:
        from assessor_app.ui.workspace.workspace import Workspace

        if self.session is None:
            return
        self._close_workspace()
        self.workspace = Workspace(opened, self.session, self.executors, self.settings, self)
        self.workspace.stateChanged.connect(lambda _id: self.refresh_queue())
        self.right.addWidget(self.workspace)
        self.right.setCurrentWidget(self.workspace)
        self.queue.select_assignment(opened.assignment.id)
        self.workspace.take_focus()
        self.refresh_queue()

    def _open_failed(self, error: BaseException) -> None:
        from assessor_app.services.scoring import NotReadyError
        from assessor_app.ui.plain_text import message_box
        from assessor_app.ui.qt import QMessageBox

        if isinstance(error, NotReadyError):
            self.statusBar().showMessage(str(error), 8000)
            return
        message_box(self, QMessageBox.Icon.Warning, "Could not open", str(error))

    def _close_workspace(self) -> None:
        if self.workspace is not None:
            self.workspace.close_workspace()
            self.right.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None

    # -- sync ---------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Start a sync; nothing happens while one runs or before a profile is open."""
        if self.sync_runner is None or self.sync_runner.is_running():
            return
        self.sync_action.setEnabled(False)
        self._cancel_action.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.sync_bar.running()
        self.statusBar().showMessage("Syncing…")
        self.sync_runner.start()

    def cancel_sync(self) -> None:
        """Ask the running sync to stop; it ends with what it has saved so far."""
        if self.sync_runner is None or not self.sync_runner.is_running():
            return
        self.sync_runner.cancel()
        self.cancel_button.setEnabled(False)
        self.sync_bar.cancelling()
        self.statusBar().showMessage("Cancelling…")

    def _sync_progress(self, progress: SyncProgress) -> None:
        self._pending_progress = progress
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _apply_progress(self) -> None:
        progress, self._pending_progress = self._pending_progress, None
        if progress is None or self.sync_runner is None or not self.sync_runner.is_running():
            return
        from assessor_app.services.sync_runner import changes_queue, progress_words

        self.sync_bar.show_progress(progress)
        if self.cancel_button.isEnabled():
            self.statusBar().showMessage(progress_words(progress))
        if changes_queue(progress):
            self.refresh_queue()

    def _sync_done(self, details: list[str]) -> None:
        self._sessions_checked = False
        self._progress_timer.stop()
        self._pending_progress = None
        self.sync_action.setEnabled(True)
        self._cancel_action.setVisible(False)
        self.sync_bar.stopped(details)
        self.notify_changed()

    def _sync_finished(self, report: SyncReport) -> None:
        from assessor_app.services.connection import Connection, after_sync

        self._sync_done(list(report.problems))
        self.connection = after_sync(self.connection or Connection(), report, datetime.now(UTC))
        self._update_online_label()
        # Trouble stays in the status bar until the next message: one problem in full,
        # several counted; Details… has them all.
        if len(report.problems) == 1 and not report.cancelled:
            self.statusBar().showMessage(report.problems[0])
        else:
            self.statusBar().showMessage(report.summary(), 0 if report.problems else 10_000)

    def _sync_failed(self, message: str) -> None:
        # An unexpected error says nothing about the hub: the indicator stays as it was.
        self._sync_done([message])
        self.statusBar().showMessage(message)

    def _sign_in_required(self) -> None:
        from assessor_app.ui.qt import QMessageBox

        answer = QMessageBox.question(
            self,
            "Sign in again",
            "Your sign-in has expired. Your scores and queued decisions are safe on this "
            "computer. Sign in again now to sync? (Later: File ▸ Sign in…)",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.sign_in_again()

    def sign_in_again(self) -> None:
        """Renew this profile's token in place; scores and queued uploads are untouched,
        and a sync starts once the hub has accepted the password."""
        from assessor_app.ui.sign_in_dialog import SignInDialog

        if self.session is None:
            return
        if self._sign_in_executor is None:
            self._sign_in_executor = Executor("sign-in", 1)
        dialog = SignInDialog(self._sign_in_executor, renew=self.session, parent=self)
        if dialog.exec() and dialog.session is not None:
            self.statusBar().showMessage("Signed in again.", 5000)
            self.sync_now()

    def sign_out(self) -> None:
        """Have the hub revoke the token and forget it here, on a worker (a hub that is
        away must not freeze the window). The profile stays open for offline work."""
        from assessor_app.services.account import sign_out

        session = self.session
        if session is None:
            return
        if self.sync_runner is not None and self.sync_runner.is_running():
            # Revoking the token under a running sync would end it as "sign-in expired".
            self.statusBar().showMessage(SIGN_OUT_WHILE_SYNCING)
            return
        self.sign_out_action.setEnabled(False)
        self.statusBar().showMessage("Signing out…")
        self.executors.net.submit(
            lambda: sign_out(session), success=self._signed_out, failure=self._sign_out_failed
        )

    def _signed_out(self, revoked: bool) -> None:
        from assessor_app.services.account import HUB_NOT_TOLD

        self.sign_out_action.setEnabled(True)
        message = "Signed out. Your scores and queued decisions stay on this computer."
        self.statusBar().showMessage(message if revoked else f"{message} {HUB_NOT_TOLD}")

    def _sign_out_failed(self, error: BaseException) -> None:
        self.sign_out_action.setEnabled(True)
        log.warning("sign-out failed: %s", type(error).__name__)
        self.statusBar().showMessage(f"Could not sign out: {error}")

    def _update_online_label(self) -> None:
        if self.connection is None:
            return
        from assessor_app.services.connection import indicator_text

        self.online_label.setText(indicator_text(self.connection, datetime.now(UTC)))

    def _minute(self) -> None:
        self.queue_model.tick()
        self._update_online_label()

    # -- dialogs ------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        """Open the shortcut sheet beside the window (Esc closes it) without blocking."""
        from assessor_app.ui.shortcut_sheet import ShortcutSheet

        sheet = ShortcutSheet(self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sheet.open()

    def export_history(self) -> None:
        from assessor_app.ui.qt import QFileDialog

        target, _ = QFileDialog.getSaveFileName(
            self, "Export my decisions", "my-decisions.csv", "CSV files (*.csv)"
        )
        if target:
            self.export_history_to(Path(target))

    def export_history_to(self, target: Path) -> None:
        """Write the decision history CSV on the database worker, then say so."""
        if self.session is None:
            return
        store = self.session.store

        def failed(error: BaseException) -> None:
            from assessor_app.ui.plain_text import message_box
            from assessor_app.ui.qt import QMessageBox

            message_box(self, QMessageBox.Icon.Warning, "Export failed", str(error))

        def export() -> int:
            # Imported on the worker: reportlab and friends stay out of the app's start.
            from assessor_app.services.reports import history_csv

            return history_csv(store, target)

        self.executors.db.submit(
            export,
            success=lambda count: self.statusBar().showMessage(
                f"Exported {plural(count, 'decision')} to {target}", 8000
            ),
            failure=failed,
        )

    def show_settings(self) -> None:
        from assessor_app.services.settings import SettingsService
        from assessor_app.ui.qt import QDialog
        from assessor_app.ui.settings_dialog import SettingsDialog

        if self.session is None:
            return
        dialog = SettingsDialog(SettingsService(self.session.store), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and self.workspace is not None:
            self.workspace.settings_changed(dialog.saved)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc stops a running sync when nothing inside the window used the key (a note
        # being written or a filter being cleared keep their own Esc).
        if (
            event.key() == Qt.Key.Key_Escape
            and self.sync_runner is not None
            and self.sync_runner.is_running()
        ):
            self.cancel_sync()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- closing ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        self.settings.setValue("main/geometry", self.saveGeometry())
        self._remember_splitter()
        if self.sync_runner is not None:
            self.sync_runner.cancel()
            self.sync_runner.wait(10_000)
        self._close_workspace()
        self.executors.wait()
        if self._sign_in_executor is not None:
            self._sign_in_executor.wait(10_000)
        super().closeEvent(event)
