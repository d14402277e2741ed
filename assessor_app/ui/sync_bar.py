"""The sync part of the status bar: progress, speed, a Cancel button and a Details link.

While a sync runs it shows the phase's progress bar, the download rate and the files
that are stalled, and a Cancel button (the toolbar has another). When a sync ends with
trouble, the status bar says so in one line and "Details…" opens a small window with the
full text, plain and selectable, instead of a modal dialog in the assessor's way.

Built with the window before any profile is open, so it imports only Qt's door and takes
the details window's classes when it first opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessor_app.ui.qt import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
    Signal,
)
from assessor_app.ui.screen_fit import fit_to_screen

if TYPE_CHECKING:
    from assessor_app.services.sync_runner import SyncProgress
    from assessor_app.ui.qt import QDialog, QPlainTextEdit

DETAILS_TITLE = "Sync details"


class SyncBar(QWidget):
    """``cancelRequested`` when its Cancel is clicked."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._details_text = ""
        self._details_window: QDialog | None = None
        self._details_view: QPlainTextEdit | None = None
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.setToolTip("Stop the sync; everything downloaded so far is kept")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.details_button = QPushButton("Details…", self)
        self.details_button.setFlat(True)
        self.details_button.setAccessibleName("Sync details")
        self.details_button.setToolTip("What went wrong in the last sync, in full")
        self.details_button.clicked.connect(self.show_details)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.details_button, self.progress, self.cancel_button):
            layout.addWidget(widget)
            widget.hide()
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)

    def running(self) -> None:
        """A sync started: an undetermined bar and Cancel; the last details are stale."""
        self.details_button.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)

    def show_progress(self, progress: SyncProgress) -> None:
        fraction = progress.fraction
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))

    def stopped(self, details: list[str]) -> None:
        """The sync ended; ``details`` (sentences for the assessor) behind "Details…"."""
        self.progress.hide()
        self.cancel_button.hide()
        self._details_text = "\n\n".join(details)
        self.details_button.setVisible(bool(details))
        if self._details_window is not None and self._details_window.isVisible():
            self.show_details()

    def details_text(self) -> str:
        return self._details_text

    def show_details(self) -> None:
        """Open (or bring up) the details window: plain text, never markup, not modal."""
        from assessor_app.ui.qt import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout

        if self._details_window is None or self._details_view is None:
            window = QDialog(self.window())
            window.setWindowTitle(DETAILS_TITLE)
            window.setAccessibleName(DETAILS_TITLE)
            text = QPlainTextEdit(window)
            text.setReadOnly(True)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, window)
            buttons.rejected.connect(window.close)
            column = QVBoxLayout(window)
            column.addWidget(text)
            column.addWidget(buttons)
            fit_to_screen(window, 560, 260)
            self._details_window, self._details_view = window, text
        window = self._details_window
        self._details_view.setPlainText(self._details_text)
        window.show()
        window.raise_()
