"""Queue of 10,000 rows: model load to first paint, and per-keystroke filter latency while
typing a 6-character filter, against a bare QTableView + QStandardItemModel baseline
(default QSortFilterProxyModel filtering) measured in the same run.

Goals from issue 5: load < 500 ms, filter keystroke < 50 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assessor_app.ui.qt import (
    QApplication,
    QSettings,
    QSortFilterProxyModel,
    QStandardItem,
    QStandardItemModel,
    Qt,
    QTableView,
)
from assessor_app.ui.queue import QueueModel, QueueView
from benchmarks.result import Result
from tests.ui.samples import NOW, queue_rows

ROWS = 10_000
TYPED = "checki"


def _settle(app: QApplication) -> None:
    app.processEvents()
    app.processEvents()


def _measure_typing(app: QApplication, set_text: Callable[[str], None]) -> list[float]:
    latencies = []
    for n in range(1, len(TYPED) + 1):
        start = time.perf_counter()
        set_text(TYPED[:n])
        _settle(app)  # includes the repaint of the filtered table
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def _queue(app: QApplication, settings: QSettings) -> tuple[float, list[float]]:
    rows = queue_rows(ROWS)
    start = time.perf_counter()
    model = QueueModel(clock=lambda: NOW)
    model.set_rows(rows)
    view = QueueView(model, settings)
    view.resize(1000, 700)
    view.show()
    _settle(app)
    view.grab()  # forces a full paint of the visible rows
    load_ms = (time.perf_counter() - start) * 1000
    typing = _measure_typing(app, view.filter_edit.setText)
    view.close()
    return load_ms, typing


def _baseline(app: QApplication) -> tuple[float, list[float]]:
    rows = queue_rows(ROWS)
    start = time.perf_counter()
    model = QStandardItemModel(len(rows), 6)
    for r, row in enumerate(rows):
        values = (
            row.credential_title,
            row.educator_pseudonym,
            str(row.attempt),
            row.kind.value,
            row.state.value,
            str(row.due_at),
        )
        for c, value in enumerate(values):
            model.setItem(r, c, QStandardItem(value))
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1000, 700)
    view.show()
    _settle(app)
    view.grab()
    load_ms = (time.perf_counter() - start) * 1000
    typing = _measure_typing(app, proxy.setFilterFixedString)
    view.close()
    return load_ms, typing


def run() -> list[Result]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    base_load, base_typing = _baseline(app)
    with tempfile.TemporaryDirectory() as scratch:
        settings = QSettings(str(Path(scratch) / "queue.ini"), QSettings.Format.IniFormat)
        load, typing = _queue(app, settings)
    base_median = statistics.median(base_typing)
    base_max = max(base_typing)
    return [
        Result(
            "queue 10k rows: load + first paint", load, "ms", "bare QTableView", load / base_load
        ),
        Result(
            "queue 10k rows: filter keystroke median",
            statistics.median(typing),
            "ms",
            "bare QSortFilterProxyModel",
            statistics.median(typing) / base_median if base_median else None,
        ),
        Result(
            "queue 10k rows: filter keystroke max",
            max(typing),
            "ms",
            "bare QSortFilterProxyModel",
            max(typing) / base_max if base_max else None,
        ),
        Result("baseline 10k rows: load + first paint", base_load, "ms"),
        Result("baseline 10k rows: filter keystroke median", base_median, "ms"),
        Result("baseline 10k rows: filter keystroke max", base_max, "ms"),
    ]
