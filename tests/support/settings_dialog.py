"""Answering the settings dialog the main window opens modally (File > Settings): the
change is made once the dialog is up, then OK saves it, as the assessor would."""

from __future__ import annotations

from collections.abc import Callable

from assessor_app.ui.qt import QApplication, QDialogButtonBox, QTimer
from assessor_app.ui.settings_dialog import SettingsDialog


def save_settings_when_shown(change: Callable[[SettingsDialog], None]) -> None:
    """Schedule ``change`` on the next settings dialog shown, then its OK; call this just
    before the call that opens the dialog (which blocks until it closes)."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettingsDialog):
            QTimer.singleShot(20, answer)
            return
        change(dialog)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, answer)
