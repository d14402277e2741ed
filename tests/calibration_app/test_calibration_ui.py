"""The calibration views with pytest-qt against a real hub: the session list and matrix
(levels, disagreement symbols and tint, statistics in words), the facilitator's reveal
and consensus saved to the hub (in the rubric's words, though the facilitator scores
nothing), the report saved from the view, the drift chart, and the
answer key shown after an upload from the main window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from calibration_kit import (
    ANN_LEVELS,
    CONSENSUS_NOTE,
    DISCUSSION_NOTES,
    KEYED_ITEM,
    MASTER_RATIONALE_REFLECTION,
    MASTER_RATIONALE_WAIT,
    SESSION_TITLE,
    Scene,
    pdf_text,
    score_and_finalize,
    sync,
)
from pytestqt.qtbot import QtBot
from support.shots import save_shot

from assessor_app.domain.calibration_display import DriftPoint
from assessor_app.domain.status_words import CALIBRATION_HINT
from assessor_app.services.scoring import ScoringService
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.drift_chart import LINE_COLOUR, DriftChart
from assessor_app.ui.calibration.models import DISAGREEMENT_TINT, DisagreementRole
from assessor_app.ui.calibration.session_view import SessionsView
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QMessageBox, QSettings, Qt
from assessor_app.ui.queue import AssignmentIdRole
from assessor_app.ui.workspace.workspace import Workspace

WAIT = 30_000


@pytest.fixture
def executors() -> Iterator[Executors]:
    pool = Executors()
    yield pool
    pool.wait()


def sessions_view(qtbot: QtBot, scene: Scene, username: str, executors: Executors) -> SessionsView:
    view = SessionsView(scene.service(username), executors)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    with qtbot.waitSignal(view.sessionsLoaded, timeout=WAIT):
        view.refresh()
    index = view.list_model.index(0, 0)
    assert view.list_model.data(index) == SESSION_TITLE
    with qtbot.waitSignal(view.sessionLoaded, timeout=WAIT):
        qtbot.mouseClick(
            view.list.viewport(),
            Qt.MouseButton.LeftButton,
            pos=view.list.visualRect(index).center(),
        )
    return view


def cells(view: SessionsView) -> list[list[str]]:
    model = view.matrix_model
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_participant_sees_the_matrix_and_statistics(
    qtbot: QtBot, scored: Scene, executors: Executors
) -> None:
    view = sessions_view(qtbot, scored, "ann", executors)
    assert "You take part." in view.heading.text()
    assert "ann ✓ submitted (2 of 2)" in view.people.text()
    view.choose_item(scored.keyed_submission)
    model = view.matrix_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Criterion", "", "ann", "bob", "Key", "Consensus"]
    assert cells(view) == [
        ["Wait after the question", "≠", "Proficient", "Beginning", "Proficient", "–"],
        ["Reflection on student thinking", "=", "Proficient", "Proficient", "Beginning", "–"],
        ["Decision", "", "Pass", "Not Yet", "Not Yet", ""],
    ]
    # disagreement: symbol, tint and words together; agreement has neither tint nor ≠
    first, second = model.index(0, 2), model.index(1, 2)
    assert model.data(first, DisagreementRole) is True
    assert model.data(first, Qt.ItemDataRole.BackgroundRole) == DISAGREEMENT_TINT
    assert model.data(first, Qt.ItemDataRole.ToolTipRole) == "The assessors chose different levels"
    assert model.data(second, Qt.ItemDataRole.BackgroundRole) is None
    # the unkeyed item has no key column
    view.choose_item(scored.plain_submission)
    assert "Key" not in [
        model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
    ]
    # statistics, with the kappa band in words
    stats = view.stats
    rows = {stats.item(r, 0).text(): r for r in range(stats.rowCount())}
    overall = rows["All criteria"]
    assert stats.item(overall, 1).text() == "75%"
    assert stats.item(overall, 2).text() == "100%"
    # Two items per criterion: too few for a chance-corrected statistic, which says so
    # rather than show a number; the overall row has four (item, criterion) units.
    reflection = rows["Reflection on student thinking"]
    assert stats.item(reflection, 2).text() == "100%"
    for column in (3, 4, 5, 6):
        assert stats.item(reflection, column).text() == "too few items"
    assert stats.item(overall, 3).text().endswith(")")  # a number and its band
    # Items are named by credential and educator, never by their internal id.
    names = [view.item_choice.itemText(i) for i in range(view.item_choice.count())]
    assert all(
        n.startswith(f"Item {i}: Wait time after questions · Educator E-")
        for i, n in enumerate(names, start=1)
    ), names
    assert not any(scored.keyed_submission in n or scored.plain_submission in n for n in names)
    assert "Landis and Koch" in view.meanings.text()
    # a participant records no consensus
    assert view.consensus.isHidden() and view.notes.isReadOnly()
    assert not view.reveal_button.isEnabled()


def test_facilitator_saves_consensus_to_the_hub_and_a_report(
    qtbot: QtBot, scored: Scene, executors: Executors, tmp_path: Path
) -> None:
    view = sessions_view(qtbot, scored, "fay", executors)
    assert "You facilitate this session." in view.heading.text()
    assert view.consensus.isVisibleTo(view) and not view.notes.isReadOnly()
    view.choose_item(scored.keyed_submission)
    # fay scores nothing, so the rubric came from the hub: titles and labels, not ids
    assert [row[0] for row in cells(view)] == [
        "Wait after the question",
        "Reflection on student thinking",
        "Decision",
    ]
    assert cells(view)[0][2:5] == ["Proficient", "Beginning", "Proficient"]
    wait_levels = view.consensus.levels["c1-wait"]
    assert [wait_levels.itemText(i) for i in range(wait_levels.count())][1:] == [
        "Beginning",
        "Proficient",
    ]
    assert [wait_levels.itemData(i) for i in range(1, wait_levels.count())] == [
        "beginning",
        "proficient",
    ]
    assert wait_levels.accessibleName() == "Consensus level: Wait after the question"
    view.consensus.choose("c1-wait", "proficient", CONSENSUS_NOTE)
    view.notes.setPlainText(DISCUSSION_NOTES)
    with qtbot.waitSignal(view.consensusSaved, timeout=WAIT):
        qtbot.mouseClick(view.consensus.save_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == "Consensus saved on the hub ✓"
    assert cells(view)[0][-1] == "Proficient"

    # on the hub, as a participant sees it
    seen = scored.service("ann").session(scored.session_id)
    assert seen.results is not None
    assert [(c.criterion_id, c.level_id, c.note) for c in seen.results.consensus] == [
        ("c1-wait", "proficient", CONSENSUS_NOTE)
    ]
    assert seen.results.notes == DISCUSSION_NOTES

    out = tmp_path / "from-the-view.pdf"
    with qtbot.waitSignal(view.reportSaved, timeout=WAIT):
        view.save_report(out)
    text = " ".join(pdf_text(out).split())
    assert SESSION_TITLE in text and CONSENSUS_NOTE in text and DISCUSSION_NOTES in text


def test_facilitator_reveals_before_everyone_submitted(
    qtbot: QtBot, scene: Scene, executors: Executors
) -> None:
    scene.open_session()
    scene.score("ann", ANN_LEVELS)
    view = sessions_view(qtbot, scene, "fay", executors)
    assert view.matrix_model.rowCount() == 0
    assert "Scoring is blind" in view.status.text() and "(1 still scoring)" in view.status.text()
    assert view.reveal_button.isEnabled()
    # Reveal asks first and names what it withdraws: bob's two unscored items.
    qtbot.mouseClick(view.reveal_button, Qt.MouseButton.LeftButton)
    box = view.reveal_box
    assert box is not None and box.isVisible()
    question = box.text()
    assert "withdrawn" in question
    bob_lines = [line for line in question.splitlines() if line.startswith("• bob: ")]
    assert len(bob_lines) == 2 and all("Educator E-" in line for line in bob_lines)
    assert "• ann" not in question
    # Cancel changes nothing.
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(200)
    assert "Scoring is blind" in view.status.text()
    assert scene.service("fay").session(scene.session_id).detail.state == "open"
    qtbot.mouseClick(view.reveal_button, Qt.MouseButton.LeftButton)
    box = view.reveal_box
    assert box is not None
    reveal = next(b for b in box.buttons() if b.text() == "Reveal and withdraw")
    with qtbot.waitSignal(view.sessionLoaded, timeout=WAIT):
        reveal.click()
    assert "Revealed: results are visible" in view.heading.text()
    assert not view.reveal_button.isEnabled()
    view.choose_item(scene.keyed_submission)
    assert [row[3] for row in cells(view)] == ["–", "–", "–"]  # bob never submitted


def test_participants_read_the_consensus_reasons(
    qtbot: QtBot, scored: Scene, executors: Executors
) -> None:
    scored.agree()
    view = sessions_view(qtbot, scored, "ann", executors)
    view.choose_item(scored.keyed_submission)
    assert view.reasons.isVisibleTo(view)
    assert view.reasons.text() == f"Wait after the question: Proficient — {CONSENSUS_NOTE}"
    view.choose_item(scored.plain_submission)  # no consensus recorded for it
    assert not view.reasons.isVisibleTo(view)


def test_calibration_work_is_labelled_and_production_work_is_not(
    qtbot: QtBot, scene: Scene, executors: Executors, tmp_path: Path
) -> None:
    scene.open_session()
    production = scene.hub.seed_submission("ann", {"reflection.txt": b"I waited longer.\n"})
    ann = scene.person("ann")
    sync(ann)
    calibration = scene.assignment("ann", scene.keyed_submission)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)

    def header(assignment_id: str) -> Workspace:
        opened = ScoringService(ann.store).open(assignment_id)
        workspace = Workspace(opened, ann, executors, settings)
        qtbot.addWidget(workspace)
        workspace.resize(1366, 768)
        workspace.show()
        return workspace

    labelled = header(calibration)
    assert labelled.header.text().startswith("<b>Calibration</b> · <b>Wait time after questions")
    assert labelled.header.toolTip() == CALIBRATION_HINT
    save_shot(labelled, "workspace-calibration-1366x768.png", tmp_path)
    labelled.close_workspace()
    plain = header(production.assignment_id)
    assert plain.header.text().startswith("<b>Wait time after questions</b> · Educator E-")
    assert "Calibration" not in plain.header.text() and not plain.header.toolTip()
    plain.close_workspace()

    # In the queue: the Kind column says so, with what it means in its tooltip.
    from assessor_app.services.queue import queue_rows
    from assessor_app.ui.queue import Column, QueueModel

    model = QueueModel()
    model.set_rows(queue_rows(ann.store))
    kinds = {
        model.data(model.index(r, 0), AssignmentIdRole): (
            model.data(model.index(r, Column.KIND)),
            model.data(model.index(r, Column.KIND), Qt.ItemDataRole.ToolTipRole),
        )
        for r in range(model.rowCount())
    }
    assert kinds[calibration] == ("Calibration", CALIBRATION_HINT)
    assert kinds[production.assignment_id] == ("Production", None)


def test_a_facilitator_with_nothing_to_score_is_pointed_to_their_sessions(
    qtbot: QtBot, scored: Scene, tmp_path: Path
) -> None:
    fay = scored.person("fay")
    window = MainWindow(fay, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(window.sessions_button.isVisible, timeout=WAIT)
    assert window.queue_model.rowCount() == 0
    assert window.placeholder.text().startswith(
        "You have no submissions to score. You facilitate 1 calibration session:"
    )
    save_shot(window, "lead-landing-1366x768.png", tmp_path)

    qtbot.mouseClick(window.sessions_button, Qt.MouseButton.LeftButton)
    assert window.calibration is not None
    calibration = window.calibration.calibration_window()
    assert calibration.isVisible() and calibration.tabs.currentWidget() is calibration.sessions
    qtbot.waitUntil(lambda: calibration.sessions.list_model.rowCount() == 1, timeout=WAIT)
    # The session's title is shown whole in the list.
    index = calibration.sessions.list_model.index(0, 0)
    title_width = calibration.sessions.list.fontMetrics().horizontalAdvance(SESSION_TITLE)
    assert calibration.sessions.list.columnWidth(0) >= title_width
    # As on a 1000 px high screen, beside the matrix of the first item.
    with qtbot.waitSignal(calibration.sessions.sessionLoaded, timeout=WAIT):
        calibration.sessions.list.setCurrentIndex(index)
    calibration.resize(1100, 1000 - 40)
    qtbot.wait(50)
    # Beside the title the state's name shows whole; what it means is its tooltip.
    session_list = calibration.sessions.list
    state = calibration.sessions.list_model.index(0, 1)
    assert state.data() == "Revealed"
    assert state.data(Qt.ItemDataRole.ToolTipRole) == "Revealed: results are visible"
    right = session_list.columnViewportPosition(1) + session_list.columnWidth(1)
    assert right <= session_list.viewport().width(), (right, session_list.viewport().width())
    assert session_list.fontMetrics().horizontalAdvance("Revealed") + 8 <= session_list.columnWidth(
        1
    )
    save_shot(calibration, "calibration-window-1000px.png", tmp_path)
    calibration.close()

    # An assessor with work to score sees no pointer.
    ann = MainWindow(
        scored.person("ann"), QSettings(str(tmp_path / "ann.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(ann)
    ann.show()
    qtbot.waitUntil(lambda: ann.queue_model.rowCount() > 0, timeout=WAIT)
    qtbot.wait(200)
    assert not ann.sessions_button.isVisible()
    assert "You facilitate" not in ann.placeholder.text()


def test_drift_chart_draws_each_item_in_date_order(qtbot: QtBot) -> None:
    chart = DriftChart()
    qtbot.addWidget(chart)
    chart.resize(480, 220)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    chart.set_points(
        [
            DriftPoint("late", start + timedelta(days=20), 1.0, 1.0, "Wait Time · Educator E-3"),
            DriftPoint("early", start, 0.25, 0.75, "Wait Time · Educator E-1"),
            DriftPoint("middle", start + timedelta(days=10), 0.5, 1.0, "Wait Time · Educator E-2"),
        ]
    )
    assert [p.assignment_id for p in chart.points()] == ["early", "middle", "late"]
    assert chart.accessibleDescription() == (
        "Exact agreement with the key per item, oldest first: "
        "01 Sep 2026, Wait Time · Educator E-1: 25% exact; "
        "11 Sep 2026, Wait Time · Educator E-2: 50% exact; "
        "21 Sep 2026, Wait Time · Educator E-3: 100% exact"
    )
    image = chart.grab().toImage()
    positions = [chart.point_position(i) for i in range(3)]
    rect = chart.plot_rect()
    assert positions[0].y() > positions[1].y() > positions[2].y()  # rising agreement
    assert positions[2].y() == pytest.approx(rect.top())
    ratio = image.width() / chart.width()
    # the 100% point is drawn filled (at or above the 80% bar) in the line colour
    top = positions[2]
    pixel = image.pixelColor(int(top.x() * ratio), int(top.y() * ratio))
    assert pixel.name() == LINE_COLOUR.name()


def test_key_shown_after_an_upload_from_the_main_window(
    qtbot: QtBot, scene: Scene, tmp_path: Path
) -> None:
    scene.open_session()
    ann = scene.person("ann")
    sync(ann)
    keyed = scene.assignment("ann", scene.keyed_submission)
    score_and_finalize(ann, keyed, ANN_LEVELS["keyed"])  # queued, not uploaded yet

    window = MainWindow(ann, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    titles = [a.text() for a in window.menuBar().actions()]
    # Its own menu, among the work menus before Help (the Scoring menu may sit between).
    assert titles.index("&View") < titles.index("&Calibration") < titles.index("&Help")
    with qtbot.waitSignal(window.calibration.keysFetched, timeout=60_000) as fetched:
        window.sync_now()
    assert fetched.args[0].fetched == [keyed]

    window.calibration.keys_action.trigger()
    panel = window.calibration.calibration_window().keys
    qtbot.waitUntil(lambda: panel.items.count() == 1, timeout=WAIT)
    model = panel.view.model
    rows = [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert rows == [
        [
            "Wait after the question",
            "Proficient",
            "Proficient",
            "✓ Exact: same level as the key",
            MASTER_RATIONALE_WAIT,
        ],
        [
            "Reflection on student thinking",
            "Proficient",
            "Beginning",
            "≈ Adjacent: one level above the key",
            MASTER_RATIONALE_REFLECTION,
        ],
    ]
    assert "Exact: 50% of criteria" in panel.view.summary.text()
    assert "Your decision: Pass; the key's: Not Yet" in panel.view.summary.text()
    assert [p.assignment_id for p in panel.chart.points()] == [keyed]
    # the item is named by credential and educator, in the list, the heading and the chart
    assert KEYED_ITEM in panel.items.item(0).text()
    assert KEYED_ITEM in panel.view.heading.text()
    assert f"{KEYED_ITEM}: 50% exact" in panel.chart.toolTip()
    shown = " ".join([panel.items.item(0).text(), panel.view.heading.text(), panel.chart.toolTip()])
    assert scene.keyed_submission not in shown
