"""The main window's Scoring menu and the recalibration notice.

``install_scoring_menu`` is all the main window calls: it adds the menu (Decline…, also in
the queue's context menu, and Backreading…), puts the recalibration notice at the top of
the queue, and after every sync reads the notice and the findings again (on the database
worker: the sync engine has already brought them from the hub).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assessor_app.domain.status_words import DECLINE_QUEUED_HINT
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.menu import Connectable
from assessor_app.ui.plain_text import message_box, plain_label, set_plain
from assessor_app.ui.qt import QMenu, QObject, Qt
from assessor_app.ui.shortcuts import key_sequences, with_hint

if TYPE_CHECKING:
    from assessor_app.domain.decline import DeclineReason
    from assessor_app.protocol.v1 import RecalibrationNotice
    from assessor_app.services.account import ProfileSession
    from assessor_app.services.scoring_ops import FindingRow
    from assessor_app.ui.backreading_view import BackreadingView
    from assessor_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

NOTHING_TO_DECLINE = "Choose an assignment in the queue first, then Decline…"


class ScoringMenu(QObject):
    def __init__(self, window: MainWindow, session: ProfileSession, executors: Executors) -> None:
        super().__init__(window)
        self._main = window
        self._session = session
        self._executors = executors
        self.view: BackreadingView | None = None
        bar = window.menuBar()
        menu = QMenu("&Scoring", window)
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is None:
            bar.addMenu(menu)
        else:
            bar.insertMenu(help_menu, menu)
        self.menu = menu
        self.decline_action = menu.addAction("Decline…")
        self.decline_action.setToolTip(
            with_hint(
                "Decline the open or chosen assignment: a conflict of interest, or you "
                "cannot score it",
                "decline",
            )
        )
        self.decline_action.setShortcuts(key_sequences("decline"))
        self.decline_action.triggered.connect(self.decline_current)
        self.backreading_action = menu.addAction("Backreading…")
        self.backreading_action.setToolTip(
            with_hint("Backreaders' findings on your own sheets", "backreading")
        )
        self.backreading_action.setShortcuts(key_sequences("backreading"))
        self.backreading_action.triggered.connect(self.show_backreading)
        table = window.queue.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        table.addAction(self.decline_action)

        # The queue says why no new production work arrives while the hub asks for
        # recalibration; hidden otherwise.
        self.notice = plain_label("", window.queue)
        self.notice.setAccessibleName("Recalibration required")
        self.notice.setWordWrap(True)
        self.notice.setFrameShape(self.notice.Shape.StyledPanel)
        self.notice.setContentsMargins(6, 4, 6, 4)
        self.notice.hide()
        layout = window.queue.layout()
        if layout is not None:
            layout.insertWidget(0, self.notice)  # type: ignore[attr-defined]

    # -- recalibration ------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the notice (and the findings, when their view is open) again."""
        from assessor_app.services.scoring_ops import recalibration

        store = self._session.store
        self._executors.db.submit(lambda: recalibration(store), success=self._show_notice)
        if self.view is not None and self.view.isVisible():
            self._load_findings()

    def _show_notice(self, notices: list[RecalibrationNotice]) -> None:
        from assessor_app.services.scoring_ops import recalibration_text

        text = recalibration_text(notices)
        set_plain(self.notice, text)
        self.notice.setVisible(bool(text))

    # -- decline ------------------------------------------------------------------------

    def _current(self) -> str | None:
        workspace = self._main.workspace
        if workspace is not None and self._main.right.currentWidget() is workspace:
            return workspace.assignment_id
        return self._main.queue.current_assignment_id()

    def decline_current(self) -> None:
        """Decline…: ask why, then queue the decline for the next sync."""
        from assessor_app.ui.decline_dialog import DeclineDialog
        from assessor_app.ui.queue.model import credential_text, educator_text

        assignment_id = self._current()
        if assignment_id is None:
            self._main.statusBar().showMessage(NOTHING_TO_DECLINE, 5000)
            return
        row = self._main.queue_model.row_for(assignment_id)
        what = (
            f"“{credential_text(row)}” · Educator {educator_text(row)}"
            if row is not None
            else "this assignment"
        )
        dialog = DeclineDialog(what, self._main)
        if dialog.exec() != DeclineDialog.DialogCode.Accepted:
            return
        self.decline(assignment_id, dialog.chosen_reason(), dialog.comment_text())

    def decline(self, assignment_id: str, reason: DeclineReason, comment: str) -> None:
        from assessor_app.services.scoring_ops import decline

        store = self._session.store
        self._executors.db.submit(
            lambda: decline(store, assignment_id, reason, comment),
            success=lambda _: self._declined(),
            failure=self._not_declined,
        )

    def _declined(self) -> None:
        self._main.statusBar().showMessage(DECLINE_QUEUED_HINT, 10_000)
        self._main.refresh_queue()

    def _not_declined(self, error: BaseException) -> None:
        # Taken here, not at import: the window's first paint builds no dialog class.
        from assessor_app.ui.qt import QMessageBox

        message_box(self._main, QMessageBox.Icon.Warning, "Not declined", str(error))

    # -- backreading --------------------------------------------------------------------

    def show_backreading(self) -> None:
        from assessor_app.ui.backreading_view import BackreadingView

        if self.view is None:
            self.view = BackreadingView(self._main)
        self.view.show()
        self.view.raise_()
        self._load_findings()

    def _load_findings(self) -> None:
        from assessor_app.services.scoring_ops import backreading_findings

        store = self._session.store
        self._executors.db.submit(
            lambda: backreading_findings(store), success=self._findings_loaded
        )

    def _findings_loaded(self, rows: list[FindingRow]) -> None:
        if self.view is not None:
            self.view.set_rows(rows)


def install_scoring_menu(
    window: MainWindow,
    session: ProfileSession,
    executors: Executors,
    sync_finished: Connectable,
) -> ScoringMenu:
    """Add the Scoring menu and the recalibration notice to ``window``; both follow
    every sync."""
    menu = ScoringMenu(window, session, executors)
    sync_finished.connect(lambda *_: menu.refresh())
    menu.refresh()
    return menu
