"""The calibration window: sessions in one tab, the assessor's answer keys and drift
chart in the other. It is a separate window so the matrix and the workspace can be seen
side by side during a calibration meeting."""

from __future__ import annotations

from assessor_app.services.calibration import CalibrationService
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.key_view import KeysPanel
from assessor_app.ui.calibration.session_view import SessionsView
from assessor_app.ui.qt import Qt, QTabWidget, QVBoxLayout, QWidget
from assessor_app.ui.screen_fit import fit_to_screen


class CalibrationWindow(QWidget):
    def __init__(
        self, service: CalibrationService, executors: Executors, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Calibration")
        self.setAccessibleName("Calibration")
        fit_to_screen(self, 1100, 760)
        self.sessions = SessionsView(service, executors, self)
        self.keys = KeysPanel(service, executors, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.sessions, "Sessions")
        self.tabs.addTab(self.keys, "My answer keys")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def show_sessions(self) -> None:
        self.tabs.setCurrentWidget(self.sessions)
        self._raise()
        self.sessions.refresh()

    def show_keys(self) -> None:
        self.tabs.setCurrentWidget(self.keys)
        self._raise()
        self.keys.reload()

    def _raise(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
