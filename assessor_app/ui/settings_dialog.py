"""Settings for this profile: parallel downloads, when a slow download counts as stalled,
evidence retention, video defaults."""

from __future__ import annotations

from dataclasses import replace

from assessor_app.services.settings import CITE_WINDOW_RANGE, SettingsService
from assessor_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.screen_fit import fit_dialog

_SPEEDS = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0]


class SettingsDialog(QDialog):
    """Reads the profile's settings when opened and writes them on OK (small, local
    writes: done directly, they take milliseconds)."""

    def __init__(self, service: SettingsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._service = service
        self._shown = values = service.read()
        # The values in force: those read, then those OK saved (for the open workspace).
        self.saved = values
        self.parallel = QSpinBox(self)
        self.parallel.setRange(1, 16)
        self.parallel.setValue(values.parallel_downloads)
        self.parallel.setAccessibleName("Parallel downloads")
        self.stall_floor = QSpinBox(self)
        self.stall_floor.setRange(1, 1000)
        self.stall_floor.setSuffix(" KB/s")
        self.stall_floor.setValue(max(1, round(values.stall_floor_kb)))
        self.stall_floor.setAccessibleName("Stalled below")
        self.stall_window = QSpinBox(self)
        self.stall_window.setRange(5, 600)
        self.stall_window.setSuffix(" s")
        self.stall_window.setPrefix("for ")
        self.stall_window.setValue(round(values.stall_window_seconds))
        self.stall_window.setAccessibleName("Stalled for")
        stall_row = QHBoxLayout()
        stall_row.addWidget(self.stall_floor)
        stall_row.addWidget(self.stall_window)
        self.retention = QSpinBox(self)
        self.retention.setRange(1, 365)
        self.retention.setSuffix(" days")
        self.retention.setValue(values.retention_days)
        self.retention.setAccessibleName("Keep evidence after upload")
        self.speed = QComboBox(self)
        self.speed.setAccessibleName("Default playback speed")
        for speed in _SPEEDS:
            self.speed.addItem(f"{speed:g}x", speed)
        rate = values.video_rate
        self.speed.setCurrentIndex(_SPEEDS.index(rate) if rate in _SPEEDS else _SPEEDS.index(1.0))
        self.volume = QSpinBox(self)
        self.volume.setRange(0, 100)
        self.volume.setSuffix(" %")
        self.volume.setValue(values.video_volume)
        self.volume.setAccessibleName("Default volume")
        self.cite_window = QSpinBox(self)
        self.cite_window.setRange(*CITE_WINDOW_RANGE)
        self.cite_window.setSuffix(" s")
        self.cite_window.setValue(values.cite_window_seconds)
        self.cite_window.setAccessibleName("Cite without marks")
        self.cite_window.setToolTip(
            "With no range marked (I / O), C cites this many seconds up to the playhead"
        )
        self.pause_on_typing = QCheckBox("Typing a rationale, the feedback or a note", self)
        self.pause_on_typing.setChecked(values.pause_on_typing)
        self.pause_on_typing.setAccessibleName("Typing pauses the video")
        self.pause_on_typing.setToolTip(
            "A playing video pauses as soon as you type; Esc takes you back to the evidence"
        )
        form = QFormLayout()
        form.addRow("Parallel downloads", self.parallel)
        form.addRow("A download is stalled below", stall_row)
        form.addRow("Keep evidence after upload", self.retention)
        form.addRow("Default playback speed", self.speed)
        form.addRow("Default volume", self.volume)
        form.addRow("C without marks cites the last", self.cite_window)
        form.addRow("Pause the video when", self.pause_on_typing)
        keyring = values.secret_store == "keyring"
        where = "the system keyring" if keyring else "a passphrase-protected file"
        note = QLabel(f"Your sign-in token and evidence key are kept in {where}.", self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        fit_dialog(self)

    def _save(self) -> None:
        self.saved = replace(
            self._shown,
            parallel_downloads=self.parallel.value(),
            stall_floor_kb=self.stall_floor.value(),
            stall_window_seconds=self.stall_window.value(),
            retention_days=self.retention.value(),
            video_rate=self.speed.currentData(),
            video_volume=self.volume.value(),
            cite_window_seconds=self.cite_window.value(),
            pause_on_typing=self.pause_on_typing.isChecked(),
        )
        self._service.save(self.saved)
        self.accept()
