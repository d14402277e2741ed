"""Layout at a laptop's size: the queue shows all six columns at 1366x768 and remembers
its splitter and column widths; artifact tabs stay readable; the notes pane's header
goes short rather than cutting its title and buttons; a resubmission's "Earlier
attempts" is the first tab; the volume slider keeps a usable width; top-level windows fit
the screen's available area."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
from pytestqt.qtbot import QtBot
from support.layout_checks import notes_header_cuts
from support.queue_rows import NOW, queue_row
from support.shots import save_shot

from assessor_app.domain import Artifact, AssignmentKind, Evaluation, Problem, ProblemCode
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.notes import TimeNote
from assessor_app.services.calibration import CalibrationService
from assessor_app.services.notes import NotesService
from assessor_app.services.scoring import FinalizeCheck
from assessor_app.services.settings import SettingsService
from assessor_app.store import Store, open_store, profile_for
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.window import CalibrationWindow
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QDialogButtonBox, QSettings, QWidget
from assessor_app.ui.queue import Column
from assessor_app.ui.settings_dialog import SettingsDialog
from assessor_app.ui.shortcut_sheet import ShortcutSheet
from assessor_app.ui.sign_in_dialog import SignInDialog
from assessor_app.ui.workspace.evidence_pane import EvidencePane
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog
from assessor_app.ui.workspace.notes_pane import NotesPane
from tests.ui.samples import wait_time_credential

# The window's queue model reads the real clock.


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


USUAL_ROWS = [
    queue_row(1, LocalState.READY),
    queue_row(2, LocalState.IN_PROGRESS, kind=AssignmentKind.CALIBRATION),
    queue_row(3, LocalState.FINALIZED, due_at=NOW - timedelta(days=12, hours=2)),
    queue_row(4, LocalState.DOWNLOADING, download_percent=42, attempt=10),
]


def test_the_queue_shows_every_column_whole_at_1366x768(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.queue_model.set_rows(USUAL_ROWS)
    qtbot.waitExposed(window)
    qtbot.wait(20)  # the facet counts follow one event-loop turn later
    table = window.queue.table
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    metrics = table.fontMetrics()
    for column in Column:
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert not header.isSectionHidden(column)
        assert right <= viewport, f"{column.name} ends at {right}, beyond {viewport}"
    # The narrow columns show their usual text whole; only the credential gives way.
    for column in (Column.EDUCATOR, Column.ATTEMPT, Column.KIND, Column.STATUS, Column.DUE):
        for row in range(window.queue.proxy.rowCount()):
            text = str(window.queue.proxy.index(row, column).data())
            assert metrics.horizontalAdvance(text) + 8 <= header.sectionSize(column), text
    assert header.sectionSize(Column.CREDENTIAL) >= 90
    save_shot(window, "queue-1366x768.png", tmp_path)


def test_the_queue_splitter_and_column_widths_are_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    first = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(first)
    first.resize(780, 700)
    first.show()
    total = sum(first.splitter.sizes())
    first.splitter.setSizes([700, total - 700])
    qtbot.waitUntil(lambda: not first.queue.compact)
    first.queue.table.horizontalHeader().resizeSection(Column.STATUS, 160)
    first.splitter.setSizes([430, total - 430])
    qtbot.waitUntil(lambda: first.queue.compact)
    first.close()

    again = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(again)
    again.show()
    assert again.size() == first.size()
    assert again.splitter.sizes()[0] == 430
    # Too narrow for every column, the queue is compact; given room again, Status has
    # the width the assessor chose (the compact widths are never kept).
    qtbot.waitUntil(lambda: again.queue.compact)
    again.splitter.setSizes([700, total - 700])
    qtbot.waitUntil(lambda: not again.queue.compact)
    header = again.queue.table.horizontalHeader()
    assert header.sectionSize(Column.STATUS) == 160
    assert not any(header.isSectionHidden(column) for column in Column)
    again.splitter.setSizes([430, total - 430])

    # A hidden queue (Ctrl+B) comes back at the width it had.
    again.toggle_queue.setChecked(False)
    again.close()
    third = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(third)
    third.show()
    assert third.splitter.sizes()[0] == 430


def _artifact(number: int, title: str) -> Artifact:
    return Artifact(f"art-{number}", f"file-{number}.pdf", "application/pdf", 10, "0" * 64, title)


def _not_downloaded(artifact: Artifact) -> BinaryIO:
    raise LookupError(artifact.id)


def test_artifact_tabs_are_shortened_in_the_middle_with_the_whole_name_in_the_tooltip(
    qtbot: QtBot,
) -> None:
    long_title = "Lesson plan for the fractions unit, week three, with the hinge questions"
    artifacts = (_artifact(1, "Classroom video"), _artifact(2, long_title), _artifact(3, "Quiz"))
    pane = EvidencePane(artifacts, _not_downloaded, lambda a, p: QWidget(p))
    qtbot.addWidget(pane)
    pane.resize(700, 400)
    pane.show()
    tabs = pane.tabs
    assert tabs.tabText(0) == "Classroom video"
    assert tabs.tabText(2) == "Quiz"
    shortened = tabs.tabText(1)
    assert shortened != long_title and "…" in shortened
    assert shortened.startswith("Lesson plan") and shortened.endswith("questions")
    assert long_title in tabs.tabToolTip(1) and "file-2.pdf" in tabs.tabToolTip(1)
    metrics = tabs.fontMetrics()
    for index in range(tabs.count()):
        # Qt draws each tab's text whole: nothing cut down to a few letters.
        assert tabs.tabRect(index).width() >= metrics.horizontalAdvance(tabs.tabText(index))


@pytest.fixture
def offline_store(assessor_home: Path) -> Iterator[Store]:
    store = open_store(profile_for("https://hub.example.org", "ann"))
    yield store
    store.close()


def test_windows_fit_the_screen(qtbot: QtBot, tmp_path: Path, offline_store: Store) -> None:
    window = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    area = window.screen().availableGeometry()
    # The test screen (800x800) is smaller than every size these windows ask for.
    assert area.width() < 1100
    executors = Executors()
    try:
        calibration = CalibrationWindow(
            CalibrationService(offline_store, None, "ann"), executors, window
        )
        calibration.show()
        sheet = ShortcutSheet(window)
        sheet.show()
        for shown in (window, calibration, sheet):
            qtbot.waitExposed(shown)
            assert area.contains(shown.frameGeometry()), (shown, shown.frameGeometry(), area)
        calibration.close()
    finally:
        executors.wait()


def test_a_restored_window_bigger_than_the_screen_is_brought_inside_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    first = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(first)
    first.setGeometry(300, 200, 1500, 1000)
    first.close()
    again = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(again)
    again.show()
    assert again.screen().availableGeometry().contains(again.frameGeometry())


def test_the_volume_slider_keeps_a_usable_width_in_a_narrow_pane(qtbot: QtBot) -> None:
    from assessor_app.media import player as player_module
    from assessor_app.ui.viewers.video_viewer import VideoViewer

    viewer = VideoViewer()
    qtbot.addWidget(viewer)
    viewer.resize(520, 400)  # the evidence side of a 1366 px window with the queue shown
    viewer.show()
    qtbot.waitExposed(viewer)
    try:
        assert viewer.volume_slider.width() >= 80
        assert viewer.volume_slider.isVisible()
    finally:
        viewer.close_media()
        assert player_module.wait_for_released(10)


def test_dialogs_fit_the_screen_and_a_long_finalize_list_scrolls(
    qtbot: QtBot, tmp_path: Path, offline_store: Store
) -> None:
    window = MainWindow(None, _settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    area = window.screen().availableGeometry()
    # More problems than an 800 px screen has room for, one line each.
    problems = tuple(
        Problem(ProblemCode.UNSCORED, f"“Criterion {n}” has no level yet.") for n in range(60)
    )
    check = FinalizeCheck(Evaluation(None, None, problems, 0.0), [], ())
    finalize = FinalizeDialog(check, wait_time_credential(), window)
    executors = Executors()
    try:
        sign_in = SignInDialog(executors.net, parent=window)
        settings = SettingsDialog(SettingsService(offline_store), window)
        for dialog in (finalize, sign_in, settings):
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            assert area.contains(dialog.frameGeometry()), (dialog, dialog.frameGeometry(), area)
        # The list scrolls; the button under it stays on the screen.
        assert finalize.lists.verticalScrollBar().maximum() > 0
        close = finalize.findChild(QDialogButtonBox)
        assert close is not None and close.isVisible()
        bottom = close.mapTo(finalize, close.rect().bottomLeft()).y()
        assert bottom <= finalize.height()
        save_shot(finalize, "finalize-long-800px.png", tmp_path)
    finally:
        executors.wait()


def test_the_notes_header_goes_short_in_a_narrow_column_and_cuts_nothing(
    qtbot: QtBot, offline_store: Store, tmp_path: Path
) -> None:
    credential = wait_time_credential()
    notes = [TimeNote(n, "as-1", "art-1", n * 1000, f"note {n}", None, NOW, NOW) for n in range(4)]
    pane = NotesPane(
        (_artifact(1, "Classroom video"),),
        credential.rubric.criteria,
        NotesService(offline_store),
        lambda work, done: done(work()),
    )
    qtbot.addWidget(pane)
    pane.set_notes(notes)
    # As wide as the evidence column beside the rubric, then beside the reads pane too.
    pane.resize(580, 240)
    pane.show()
    qtbot.waitExposed(pane)
    qtbot.waitUntil(lambda: not notes_header_cuts(pane))
    assert pane.title.text() == "Notes and citations (4)"
    assert pane.insert_button.text() == "Insert into rationale"

    pane.resize(400, 240)
    qtbot.waitUntil(lambda: pane.title.text() == "Notes (4)")
    qtbot.waitUntil(lambda: not notes_header_cuts(pane))
    assert pane.title.toolTip() == "Notes and citations (4)"
    assert pane.insert_button.text() == "Insert"
    assert "rationale" in pane.insert_button.toolTip()
    assert pane.insert_button.accessibleName() == "Insert into rationale"
    save_shot(pane, "notes-header-400px.png", tmp_path)
