"""Queue model, filter proxy and view: content, roles, sorting, filtering, facets,
single-row updates and remembered sort order and column widths."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from assessor_app.domain import AssignmentKind
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.status_words import due_countdown, status_word
from assessor_app.services.queue import QueueRow
from assessor_app.ui.qt import QSettings, Qt
from assessor_app.ui.queue import (
    AssignmentIdRole,
    Column,
    QueueFilterProxy,
    QueueModel,
    QueueView,
    SortRole,
)
from assessor_app.ui.status_words import status_text
from tests.ui.samples import NOW, queue_rows

Display = Qt.ItemDataRole.DisplayRole


def _row(i: str, **changes: object) -> QueueRow:
    base = QueueRow(
        assignment_id=i,
        credential_title="Wait Time in Questioning",
        educator_pseudonym="E-4821",
        attempt=2,
        kind=AssignmentKind.PRODUCTION,
        state=LocalState.READY,
        local_state=LocalState.READY,
        download_percent=None,
        due_at=NOW + timedelta(days=3),
    )
    return base._replace(**changes)


def _model(rows: list[QueueRow]) -> QueueModel:
    model = QueueModel(clock=lambda: NOW)
    model.set_rows(rows)
    return model


def test_status_words_and_countdown() -> None:
    assert status_word(LocalState.DOWNLOADING, 42) == "Downloading 42%"
    assert status_text(LocalState.UPLOADED) == "✓ Uploaded"
    assert status_word(LocalState.CONFLICT) == "Needs attention"
    assert due_countdown(NOW - timedelta(days=2, hours=3), NOW).text == "⚠ Overdue by 2 days"
    assert due_countdown(NOW - timedelta(days=2), NOW).overdue
    assert due_countdown(NOW + timedelta(hours=5, minutes=10), NOW).text == "Due in 5 hours"
    assert due_countdown(NOW + timedelta(days=1), NOW).text == "Due in 1 day"
    assert due_countdown(None, NOW).text == "No due date"


def test_model_shows_words_symbols_and_overdue_in_red_and_words() -> None:
    rows = [
        _row("a", state=LocalState.DOWNLOADING, download_percent=42),
        _row("b", due_at=NOW - timedelta(days=2), kind=AssignmentKind.CALIBRATION),
    ]
    model = _model(rows)
    assert model.rowCount() == 2 and model.columnCount() == 6
    assert model.headerData(Column.DUE, Qt.Orientation.Horizontal) == "Due"
    assert model.index(0, Column.STATUS).data() == "⇣ Downloading 42%"
    assert model.index(0, Column.DUE).data() == "Due in 3 days"
    assert model.index(0, Column.DUE).data(Qt.ItemDataRole.ForegroundRole) is None
    overdue = model.index(1, Column.DUE)
    assert overdue.data() == "⚠ Overdue by 2 days"
    assert overdue.data(Qt.ItemDataRole.ForegroundRole).name() == "#d32f2f"
    assert overdue.data(Qt.ItemDataRole.AccessibleTextRole) == "Overdue by 2 days"
    assert model.index(1, Column.KIND).data() == "Calibration"
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Status: Downloading 42%"
    )
    assert model.index(1, Column.CREDENTIAL).data(AssignmentIdRole) == "b"


def test_sort_role_carries_real_values() -> None:
    model = _model([_row("a", attempt=3, due_at=None), _row("b", state=LocalState.CONFLICT)])
    assert model.index(0, Column.ATTEMPT).data(SortRole) == 3
    assert model.index(0, Column.DUE).data(SortRole) == float("inf")
    assert model.index(1, Column.DUE).data(SortRole) == (NOW + timedelta(days=3)).timestamp()
    assert model.index(1, Column.STATUS).data(SortRole) < model.index(0, Column.STATUS).data(
        SortRole
    )


def test_sorting_by_due_attempt_and_state() -> None:
    rows = [
        _row("late", due_at=NOW + timedelta(days=9), attempt=1),
        _row("none", due_at=None, attempt=3, state=LocalState.UPLOADED),
        _row("soon", due_at=NOW + timedelta(hours=2), attempt=2, state=LocalState.CONFLICT),
    ]
    model = _model(rows)
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    ids = lambda: [proxy.assignment_id(r) for r in range(proxy.rowCount())]  # noqa: E731
    proxy.sort(Column.DUE, Qt.SortOrder.AscendingOrder)
    assert ids() == ["soon", "late", "none"]
    proxy.sort(Column.ATTEMPT, Qt.SortOrder.DescendingOrder)
    assert ids() == ["none", "soon", "late"]
    proxy.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    assert ids() == ["soon", "late", "none"]  # Needs attention, Ready, Uploaded


def test_filter_is_case_insensitive_across_columns_with_facets() -> None:
    rows = [
        _row("a", credential_title="Checking for Understanding", educator_pseudonym="E-1111"),
        _row("b", educator_pseudonym="E-2222", state=LocalState.CONFLICT),
        _row("c", state=LocalState.IN_PROGRESS),
    ]
    model = _model(rows)
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    shown = lambda: sorted(proxy.assignment_id(r) for r in range(proxy.rowCount()))  # noqa: E731
    proxy.set_filter_text("CHECKING")
    assert shown() == ["a"]
    proxy.set_filter_text("e-2222")
    assert shown() == ["b"]
    proxy.set_filter_text("needs attention")
    assert shown() == ["b"]
    proxy.set_filter_text("wait progress")
    assert shown() == ["c"]
    proxy.set_filter_text("")
    proxy.set_facet(LocalState.CONFLICT)
    assert shown() == ["b"]
    proxy.set_filter_text("checking")
    assert shown() == []
    proxy.set_facet(None)
    assert shown() == ["a"]


def test_update_row_emits_data_changed_for_that_row_only(qtbot: QtBot) -> None:
    model = _model(queue_rows(50))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    target = model.row_at(17)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.update_row(target._replace(state=LocalState.DOWNLOADING, download_percent=64))
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (17, 17)
    assert (top.column(), bottom.column()) == (0, 5)
    assert not resets
    assert model.index(17, Column.STATUS).data() == "⇣ Downloading 64%"
    with qtbot.waitSignal(model.rowsInserted):
        model.update_row(_row("new-one"))
    assert model.rowCount() == 51 and model.row_for("new-one") is not None


def test_view_facets_counts_filter_activation_and_accessibility(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    rows = [
        _row("r1"),
        _row("r2"),
        _row("r3", state=LocalState.IN_PROGRESS, educator_pseudonym="E-9999"),
        _row("r4", state=LocalState.CONFLICT),
    ]
    model = _model(rows)
    view = QueueView(model, settings)
    qtbot.addWidget(view)
    view.show()
    assert view.facet_text(LocalState.READY) == "● Ready  2"
    assert view.facet_text(LocalState.IN_PROGRESS) == "◐ In progress  1"
    assert view.facet_text(LocalState.CONFLICT) == "! Needs attention  1"
    assert view.facet_text(None) == "All assignments  4"
    assert view.filter_edit.accessibleName() == "Filter the queue"
    assert view.table.accessibleName() == "Assignments"
    assert view.facets.accessibleName() == "Queue states"

    model.update_row(rows[0]._replace(state=LocalState.UPLOADED))
    qtbot.waitUntil(lambda: view.facet_text(LocalState.READY) == "● Ready  1", timeout=2000)
    assert view.facet_text(LocalState.UPLOADED) == "✓ Uploaded  1"

    view.set_facet(LocalState.IN_PROGRESS)
    assert view.proxy.rowCount() == 1
    view.set_facet(None)

    qtbot.keyClicks(view.filter_edit, "9999")
    assert view.proxy.rowCount() == 1
    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Down)
    assert view.current_assignment_id() == "r3"
    with qtbot.waitSignal(view.assignmentActivated) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == ["r3"]
    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Escape)
    assert view.filter_edit.text() == "" and view.proxy.rowCount() == 4

    view.filter_edit.setText("nothing like this")
    qtbot.waitUntil(lambda: view.empty_label.isVisibleTo(view), timeout=2000)
    assert "Nothing matches" in view.empty_label.text()


def test_ctrl_f_focuses_the_filter(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    view = QueueView(_model(queue_rows(5)), settings, find_shortcut=True)
    qtbot.addWidget(view)
    view.show()
    view.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus, timeout=2000)
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.filter_edit.hasFocus, timeout=2000)


def test_sort_and_column_widths_are_restored(qtbot: QtBot, tmp_path: Path) -> None:
    path = str(tmp_path / "ui.ini")
    settings = QSettings(path, QSettings.Format.IniFormat)
    view = QueueView(_model(queue_rows(30)), settings)
    qtbot.addWidget(view)
    view.table.sortByColumn(Column.ATTEMPT, Qt.SortOrder.DescendingOrder)
    view.table.horizontalHeader().resizeSection(Column.EDUCATOR, 133)
    settings.sync()

    again = QueueView(_model(queue_rows(30)), QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    header = again.table.horizontalHeader()
    assert header.sortIndicatorSection() == Column.ATTEMPT
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert header.sectionSize(Column.EDUCATOR) == 133
    attempts = [again.proxy.index(r, Column.ATTEMPT).data() for r in range(30)]
    assert attempts == sorted(attempts, reverse=True)


def test_ten_thousand_rows_filter_quickly(qtbot: QtBot, tmp_path: Path) -> None:
    import time

    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    model = _model(queue_rows(10_000))
    view = QueueView(model, settings)
    qtbot.addWidget(view)
    view.show()
    start = time.perf_counter()
    view.filter_edit.setText("checking")
    elapsed = time.perf_counter() - start
    assert view.proxy.rowCount() == sum(
        1 for r in model.rows() if "checking" in r.credential_title.lower()
    )
    # Generous bound for slow CI machines; the benchmark reports the real figure.
    assert elapsed < 0.5
