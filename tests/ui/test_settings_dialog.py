"""The settings dialog reads the profile's settings and writes them on OK, the stall rule
(slowest download speed and for how long) included, into a real SQLite store."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from assessor_app.services.settings import SettingsService
from assessor_app.store import open_store
from assessor_app.ui.qt import QDialogButtonBox
from assessor_app.ui.settings_dialog import SettingsDialog


def test_the_stall_rule_is_shown_and_saved(qtbot: QtBot, tmp_path: Path) -> None:
    store = open_store(tmp_path / "profile.sqlite3")
    try:
        dialog = SettingsDialog(SettingsService(store))
        qtbot.addWidget(dialog)
        assert (dialog.stall_floor.value(), dialog.stall_window.value()) == (2, 30)
        assert dialog.stall_floor.accessibleName() == "Stalled below"

        dialog.stall_floor.setValue(5)
        dialog.stall_window.setValue(90)
        buttons = dialog.findChild(QDialogButtonBox)
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        assert store.settings.stall_floor_kb() == 5
        assert store.settings.stall_window_seconds() == 90
        again = SettingsDialog(SettingsService(store))
        qtbot.addWidget(again)
        assert (again.stall_floor.value(), again.stall_window.value()) == (5, 90)
    finally:
        store.close()


def test_typing_pauses_the_video_is_on_by_default_and_can_be_turned_off(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "profile.sqlite3")
    try:
        dialog = SettingsDialog(SettingsService(store))
        qtbot.addWidget(dialog)
        assert dialog.pause_on_typing.isChecked()
        dialog.pause_on_typing.setChecked(False)
        buttons = dialog.findChild(QDialogButtonBox)
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        assert store.settings.pause_on_typing() is False
        assert SettingsService(store).pause_on_typing() is False
        again = SettingsDialog(SettingsService(store))
        qtbot.addWidget(again)
        assert not again.pause_on_typing.isChecked()
    finally:
        store.close()
