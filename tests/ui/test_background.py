"""Background operations deliver results on the GUI thread, in submission order for db."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from assessor_app.ui.background import Executors


def test_db_work_runs_off_the_gui_thread_in_order_and_reports_on_it(qtbot: QtBot) -> None:
    executors = Executors()
    gui = threading.get_ident()
    ran_on: list[int] = []
    results: list[int] = []
    delivered_on: set[int] = set()

    def job(n: int) -> int:
        ran_on.append(threading.get_ident())
        return n

    def done(value: object) -> None:
        delivered_on.add(threading.get_ident())
        results.append(value)  # type: ignore[arg-type]

    for n in range(50):
        executors.db.submit(lambda n=n: job(n), success=done)
    qtbot.waitUntil(lambda: len(results) == 50, timeout=5000)
    assert results == list(range(50))
    assert gui not in ran_on
    assert len(set(ran_on)) == 1
    assert delivered_on == {gui}
    assert executors.wait()


def test_failures_reach_the_failure_callback(qtbot: QtBot) -> None:
    executors = Executors()
    errors: list[BaseException] = []

    def boom() -> None:
        raise OSError("disk full")

    executors.net.submit(boom, success=lambda _v: None, failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], OSError)
    assert str(errors[0]) == "disk full"
