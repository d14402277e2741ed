"""Unexpected errors become a dialog that says what is safe, never a silent crash."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from assessor_app.ui.qt import QApplication, QMessageBox

log = logging.getLogger(__name__)


def _show(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.critical("unexpected error", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is None:
        return
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Something went wrong")
    box.setText(
        "Assessor hit an unexpected problem. Everything you saved is safe: each edit is "
        "written to disk as you make it."
    )
    box.setInformativeText(f"{exc_type.__name__}: {exc}\n\nDetails are in the log file.")
    box.exec()


def install_excepthook() -> None:
    """Route uncaught exceptions (including those raised in Qt slots) to the dialog."""
    sys.excepthook = _show
