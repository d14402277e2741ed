"""SaveQueue: edits land in order, superseded text is skipped, and a save that finishes
after its workspace closed is still written without touching the deleted widgets."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from assessor_app.ui.background import Executors
from assessor_app.ui.qt import QObject
from assessor_app.ui.workspace.save_queue import SaveQueue


def test_only_the_newest_pending_text_is_written(qtbot: QtBot) -> None:
    executors = Executors()
    gate = threading.Event()
    written: list[str] = []
    queue = SaveQueue(executors.db)
    queue.save(lambda: gate.wait(5))
    for text in ("W", "Wa", "Wai", "Wait"):
        queue.save_latest("rationale:c1", text, written.append)
    assert queue.state == "saving"
    gate.set()
    qtbot.waitUntil(lambda: queue.state == "saved", timeout=5000)
    assert written == ["Wait"]


def test_a_save_finishing_after_the_workspace_closed_is_harmless(qtbot: QtBot) -> None:
    executors = Executors()
    gate = threading.Event()
    written: list[int] = []
    owner = QObject()
    queue = SaveQueue(executors.db, owner)
    queue.save(lambda: (gate.wait(5), written.append(1)))
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(queue), timeout=5000)
    gate.set()
    assert executors.wait(5000)
    qtbot.wait(50)  # let the queued success callback run against the deleted queue
    assert written == [1]


def _alive(obj: QObject) -> bool:
    from assessor_app.ui.qt import isValid

    return isValid(obj)
