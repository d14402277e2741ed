"""Layout at 1366x768 with a submission open, synced from a real hub: the queue beside the
workspace is about 430 px wide, too narrow for six columns whole. It goes compact — the
educator and attempt columns step aside, Status and Due draw their short words — so Kind,
Status and Due stay visible and whole. (Widened again it shows all six in full: see
tests/ui/test_layout.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot
from support.app_desk import lesson_plan_pdf, main_window, open_workspace, sync
from support.hub import RunningHub, make_video
from support.queue_rows import NOW, queue_row
from support.shots import save_shot

from assessor_app.domain import AssignmentKind
from assessor_app.domain.assignment_state import LocalState
from assessor_app.services.account import ProfileSession
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import Qt
from assessor_app.ui.queue import Column
from assessor_app.ui.queue.view import cell_text
from assessor_app.ui.status_words import symbol

# The widest words each column shows, beside the synced row.
WIDE_ROWS = [
    queue_row(1, LocalState.IN_PROGRESS, kind=AssignmentKind.ADJUDICATION),
    queue_row(2, LocalState.FINALIZED, kind=AssignmentKind.CALIBRATION),
    queue_row(3, LocalState.NOT_DOWNLOADED, due_at=NOW - timedelta(days=12, hours=2)),
    queue_row(4, LocalState.DOWNLOADING, download_percent=42, attempt=10),
    queue_row(5, LocalState.CONFLICT, due_at=NOW + timedelta(hours=5, minutes=30)),
]


def _shown(window: MainWindow, column: Column) -> list[tuple[str, str]]:
    """Each row's (drawn text, tooltip) in ``column``; asserts the column is on screen and
    each text fits whole."""
    table = window.queue.table
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    width = header.sectionSize(column)
    compact = window.queue.compact
    assert not header.isSectionHidden(column), column.name
    right = header.sectionViewportPosition(column) + width
    assert right <= table.viewport().width(), f"{column.name} ends at {right}"
    shown = []
    for row in range(window.queue.proxy.rowCount()):
        index = window.queue.proxy.index(row, column)
        text = cell_text(index, compact)
        assert metrics.horizontalAdvance(text) + 8 <= width, (column.name, text, width)
        shown.append((text, str(index.data(Qt.ItemDataRole.ToolTipRole) or "")))
    return shown


def test_beside_an_open_submission_kind_status_and_due_stay_whole(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    # A video's transport row makes the workspace as wide as it gets, the queue as narrow.
    video = make_video(tmp_path / "clip.mp4", seconds=4, size="320x180")
    seeded = hub.seed_submission("ann", {"clip.mp4": video, "plan.pdf": lesson_plan_pdf()})
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    open_workspace(qtbot, window, seeded.assignment_id)
    for row in WIDE_ROWS:
        window.queue_model.update_row(row)
    qtbot.waitUntil(lambda: window.queue.proxy.rowCount() == 6)
    # The video viewer is built once the workspace shows; then the queue gives way.
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] <= 480, timeout=15_000)
    assert window.splitter.sizes()[0] >= 380

    qtbot.waitUntil(lambda: window.queue.compact)
    header = window.queue.table.horizontalHeader()
    assert header.isSectionHidden(Column.EDUCATOR) and header.isSectionHidden(Column.ATTEMPT)
    assert header.sectionSize(Column.CREDENTIAL) >= 90
    save_shot(window, "workspace-queue-compact-1366x768.png", tmp_path)
    kinds = {text for text, _ in _shown(window, Column.KIND)}
    assert {"Production", "Adjudication", "Calibration"} <= kinds
    statuses = dict(_shown(window, Column.STATUS))
    queued = symbol(LocalState.FINALIZED)  # ⧗, or ⇡ where the font lacks it
    assert statuses[f"{queued} Queued"] == "Queued for upload"
    assert statuses["○ To download"] == "Not downloaded"
    assert statuses["! Attention"] == "Needs attention"
    assert "⇣ 42%" in statuses and "◐ In progress" in statuses
    dues = dict(_shown(window, Column.DUE))
    assert "in 23 hours" in dues
    assert dues["⚠ 12 days late"].startswith("Overdue by 12 days\nDue ")
    assert dues["in 5 hours"].startswith("Due in 5 hours\nDue ")
    # The credential's tooltip names what the hidden columns would.
    credential = window.queue.proxy.index(0, Column.CREDENTIAL).data(Qt.ItemDataRole.ToolTipRole)
    assert "Educator " in credential and " · attempt " in credential

    window.close()
