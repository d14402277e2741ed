"""Unexpected errors become a dialog that says what is safe, never a silent crash.

Python calls the hook on whichever thread the error happened (a worker of a thread pool,
the sync thread). Widgets may only be made on the GUI thread, so an error from another
thread is logged there and its dialog is handed to the GUI thread through a queued
signal; during shutdown, when that thread no longer runs an event loop, it is only logged.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from assessor_app.ui.qt import QApplication, QObject, Signal

log = logging.getLogger(__name__)

_Info = tuple[type[BaseException], BaseException, TracebackType | None]


class _ToGuiThread(QObject):
    """Created on the GUI thread; a signal emitted elsewhere is delivered there."""

    raised = Signal(object)


_bridge: _ToGuiThread | None = None


def _dialog(info: _Info) -> None:
    from assessor_app.ui.plain_text import message_box
    from assessor_app.ui.qt import QMessageBox

    exc_type, exc, _tb = info
    if QApplication.instance() is None:
        return
    # Plain text: the error's message may quote the hub.
    message_box(
        None,
        QMessageBox.Icon.Warning,
        "Something went wrong",
        "Assessor hit an unexpected problem. Everything you saved is safe: each edit is "
        f"written to disk as you make it.\n\n{exc_type.__name__}: {exc}\n\n"
        "Details are in the log file.",
    )


def _show(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.critical("unexpected error", exc_info=(exc_type, exc, tb))
    if threading.current_thread() is threading.main_thread():
        _dialog((exc_type, exc, tb))
        return
    bridge = _bridge
    if bridge is None:
        return
    try:
        bridge.raised.emit((exc_type, exc, tb))
    except RuntimeError:
        # The bridge's Qt object is gone: the app is shutting down; the log has it.
        return


def install_excepthook() -> None:
    """Route uncaught exceptions (including those raised in Qt slots and in worker
    threads) to the dialog. Call on the GUI thread once the QApplication exists."""
    global _bridge
    if _bridge is None:
        _bridge = _ToGuiThread()
        _bridge.raised.connect(_dialog)
    sys.excepthook = _show
    threading.excepthook = lambda args: _show(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )
