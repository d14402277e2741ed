"""Scoring operations in the window, with a real hub on 127.0.0.1 and the real profile
store: adjudication and backread work in the queue with their words, an adjudication's
workspace with both reads side by side (reached with Ctrl+R, left with Esc), Decline…
queued and marked in the queue, the Backreading view (Ctrl+Shift+B) and the recalibration
notice over the queue; and an adjudication made by the hub's own flows (two
disagreeing reads uploaded through it, then allocation) finalized with the keyboard into
the hub's final decision. Screenshots at 1366x768 (see ``support.shots``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import select
from support.app_desk import main_window
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub
from support.layout_checks import notes_header_cuts
from support.shots import save_shot

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.decline import DeclineReason
from assessor_app.hub.db import utcnow
from assessor_app.hub.scoring.allocation import allocate
from assessor_app.hub.scoring.models import FinalDecision, ScoringPlan
from assessor_app.protocol.scoring import BackreadFinding, ReadOut, ReadsOut
from assessor_app.protocol.v1 import CriterionScoreWire, RecalibrationNotice, TimeCitation
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring import ScoringService
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import SyncReport
from assessor_app.ui.backreading_view import BackreadingView
from assessor_app.ui.decline_dialog import DeclineDialog
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QApplication, Qt, QTimer
from assessor_app.ui.queue.model import Column
from assessor_app.ui.scoring_menu import ScoringMenu
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog

NOTE = b"Lesson notes: wait five seconds after each hinge question.\n"


def _synced(qtbot: QtBot, window: MainWindow) -> None:
    assert window.sync_runner is not None
    with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
        window.sync_now()
    qtbot.waitUntil(lambda: window.executors.db.wait(0), timeout=10_000)


def _menu(window: MainWindow) -> ScoringMenu:
    assert window.scoring is not None
    return window.scoring


def _cell(window: MainWindow, assignment_id: str, column: Column) -> str:
    model = window.queue_model
    position = model.position_of(assignment_id)
    assert position is not None
    return str(model.index(position, column).data())


def _reads(artifact_id: str) -> ReadsOut:
    def read(label: str, pause: str, rationale: str, decision: Decision) -> ReadOut:
        return ReadOut(
            label=label,
            decision=decision,
            criteria=[
                CriterionScoreWire(
                    criterion_id="c1-wait",
                    level_id=pause,
                    rationale=rationale,
                    citations=[TimeCitation(artifact_id=artifact_id, start_ms=0, end_ms=1500)]
                    if label == "Read A"
                    else [],
                )
            ],
            feedback=f"{label}: <b>keep</b> the pause after every question.",
        )

    return ReadsOut(
        reads=[
            read("Read A", "proficient", "Waits four seconds after each question.", Decision.PASS),
            read("Read B", "beginning", "Answers come at once.", Decision.NOT_YET),
        ]
    )


def test_adjudication_shows_both_reads_side_by_side_and_the_keyboard_reaches_them(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE}, kind="adjudication")
    hub.seed_submission("ann", {"notes.txt": NOTE}, kind="backread")
    hub.seed_submission("ann", {"notes.txt": NOTE})
    window = main_window(qtbot, session, tmp_path)
    _synced(qtbot, window)
    kinds = sorted(_cell(window, r.assignment_id, Column.KIND) for r in window.queue_model.rows())
    assert kinds == ["Adjudication", "Backread", "Production"]
    # Filtered and sorted by their words like every other column.
    window.queue.proxy.set_filter_text("backread")
    assert window.queue.proxy.rowCount() == 1
    window.queue.proxy.set_filter_text("")
    window.queue.proxy.sort(Column.KIND, Qt.SortOrder.DescendingOrder)
    shown = [window.queue.proxy.index(r, Column.KIND).data() for r in range(3)]
    assert shown == ["Production", "Backread", "Adjudication"]
    position = window.queue_model.position_of(seeded.assignment_id)
    assert position is not None
    tip = window.queue_model.index(position, Column.KIND).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Adjudication: two assessors' reads")
    # What the hub's GET /assignments/{id}/reads gives, kept as the sync keeps it.
    session.store.reads.save(seeded.assignment_id, _reads(seeded.artifacts[0].id))

    window.open_assignment(seeded.assignment_id)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None and workspace.reads_pane is not None
    assert workspace.header.text().startswith("<b>Adjudication</b> · ")
    pane = workspace.reads_pane
    assert pane.model is not None
    headers = [pane.model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["Criterion", "Read A", "Read B"]
    first = pane.cell_text(0, 1).splitlines()
    assert first[0].endswith("Proficient") and first[1].startswith("Rationale: Waits four")
    assert first[2] == "Evidence: notes.txt, 00:00-00:01"
    assert pane.cell_text(0, 2).startswith("(1) Beginning")
    assert pane.cell_text(1, 1) == "Not scored"
    decision_row = pane.model.rowCount() - 2
    assert [pane.cell_text(decision_row, c) for c in (0, 1, 2)] == ["Decision", "Pass", "Not Yet"]
    # Hub text stays text: the markup in the feedback is shown, not applied.
    assert (
        pane.cell_text(decision_row + 1, 1) == "Read A: <b>keep</b> the pause after every question."
    )
    spoken = pane.model.index(0, 2).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("Read B, Wait after the question: (1) Beginning")
    # Beside the reads the evidence column is narrow: the notes header goes short, whole.
    notes = workspace.notes_pane
    qtbot.waitUntil(lambda: not notes_header_cuts(notes))
    assert notes.title.text().startswith("Notes (")
    assert notes.title.toolTip().startswith("Notes and citations (")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    workspace.rubric.focus_levels()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pane.view, timeout=3000)
    qtbot.keyClick(pane.view, Qt.Key.Key_Down)
    assert pane.view.currentIndex().row() == 1
    qtbot.keyClick(pane.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not pane.view.hasFocus(), timeout=3000)
    assert workspace.isAncestorOf(QApplication.focusWidget())
    save_shot(window, "adjudication-workspace.png", tmp_path)


def test_decline_is_marked_in_the_queue_until_the_hub_takes_it(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE})
    window = main_window(qtbot, session, tmp_path)
    _synced(qtbot, window)
    menu = _menu(window)
    assert menu.decline_action in window.queue.table.actions()
    assert menu.decline_action.shortcut().toString() == "Ctrl+D"

    dialog = DeclineDialog("“Wait time” · Educator E-0001", window)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert [dialog.reason.itemText(i) for i in range(2)] == [
        "Conflict of interest",
        "Cannot score this",
    ]
    assert not ok.isEnabled()
    dialog.comment.setPlainText("I coached this teacher last year.")
    assert ok.isEnabled()
    dialog.resize(560, 300)
    dialog.show()
    save_shot(dialog, "decline-dialog.png", tmp_path)
    assert dialog.chosen_reason() is DeclineReason.CONFLICT_OF_INTEREST

    menu.decline(seeded.assignment_id, dialog.chosen_reason(), dialog.comment_text())
    qtbot.waitUntil(
        lambda: _cell(window, seeded.assignment_id, Column.STATUS) == "⊘ Decline queued",
        timeout=10_000,
    )
    assert "Decline queued" in window.statusBar().currentMessage()
    (queued,) = session.store.declines.queued()
    assert queued.comment == "I coached this teacher last year."
    window.queue.select_assignment(seeded.assignment_id)
    save_shot(window, "queue-decline-queued.png", tmp_path)
    # The next sync sends it; once the hub confirms, the row leaves the queue for good.
    _synced(qtbot, window)
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == 0, timeout=10_000)
    assert session.store.declines.queued() == []
    _synced(qtbot, window)
    assert window.queue_model.rowCount() == 0


def test_backreading_view_and_recalibration_notice(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE})
    window = main_window(qtbot, session, tmp_path)
    _synced(qtbot, window)
    menu = _menu(window)
    assert not menu.notice.isVisible()

    session.store.findings.replace_all(
        [
            BackreadFinding(
                assignment_id=seeded.assignment_id,
                credential_title="Wait time in questioning",
                educator_pseudonym="E-0001",
                criterion_id="c1-wait",
                criterion_title="Wait after the question",
                own_level_id="proficient",
                backreader_level_id="beginning",
                comment="Several pauses were under three seconds.",
                recorded_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
            )
        ]
    )
    session.store.settings.set_recalibration(
        [
            RecalibrationNotice(
                credential_id="wait-time",
                credential_title="Wait time in questioning",
                reason="2 of your last 5 validity papers agreed with the key; 4 are needed.",
            )
        ]
    )
    menu.refresh()
    qtbot.waitUntil(menu.notice.isVisible, timeout=10_000)
    assert menu.notice.text().startswith(
        "Recalibration required for “Wait time in questioning”: 2 of your last 5"
    )
    assert "No new production work arrives" in menu.notice.text()
    assert menu.notice.textFormat() == Qt.TextFormat.PlainText
    save_shot(window, "queue-recalibration.png", tmp_path)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(
        window.queue.table,
        Qt.Key.Key_B,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.findChild(BackreadingView) is not None, timeout=3000)
    view = window.findChild(BackreadingView)
    assert view is not None
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    cells = [str(view.model.index(0, c).data()) for c in range(view.model.columnCount())]
    assert cells[1:5] == [
        "Wait after the question",
        "Proficient",
        "Beginning",
        "Several pauses were under three seconds.",
    ]
    view.resize(1000, 420)
    save_shot(view, "backreading-view.png", tmp_path)


def test_backread_workspace_records_a_verdict_on_the_decided_read(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE}, kind="backread")
    window = main_window(qtbot, session, tmp_path)
    _synced(qtbot, window)
    decided = _reads(seeded.artifacts[0].id).reads[0].model_copy(update={"label": "Decided read"})
    session.store.reads.save(seeded.assignment_id, ReadsOut(reads=[decided]))
    window.open_assignment(seeded.assignment_id)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None and workspace.backread is not None
    assert workspace.reads_pane is not None and workspace.reads_pane.model is not None
    assert workspace.reads_pane.model.headerData(1, Qt.Orientation.Horizontal) == "Decided read"
    assert not workspace.rubric.isVisible() and workspace.rubric.is_read_only()
    panel = workspace.backread
    wait, reflection = panel.criteria["c1-wait"], panel.criteria["c2-reflection"]
    assert wait.decided.text() == "Decided: (2) Proficient"
    assert reflection.decided.text() == "Decided: no level"
    assert not wait.level.isEnabled()

    wait.verdict.setCurrentIndex(2)  # Disagree
    assert wait.level.isEnabled()
    wait.level.setCurrentIndex(1)  # (1) Beginning
    wait.comment.setText("Most pauses were under two seconds.")
    reflection.verdict.setCurrentIndex(1)  # Agree
    panel.send_back.setChecked(True)
    # Each change is saved as it is made: the draft survives closing the workspace.
    qtbot.waitUntil(
        lambda: (
            (stored := session.store.verdicts.get(seeded.assignment_id)) is not None
            and stored.verdict.send_back
        ),
        timeout=10_000,
    )
    assert workspace.progress_label.text() == "2 of 2 criteria checked"
    save_shot(window, "backread-workspace.png", tmp_path)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    wait.comment.setFocus()
    qtbot.keyClick(wait.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: workspace.opened.read_only, timeout=10_000)
    (queued,) = session.store.verdicts.queued()
    assert queued.verdict.model_dump() == {
        "criteria": [
            {
                "criterion_id": "c1-wait",
                "agree": False,
                "level_id": "beginning",
                "comment": "Most pauses were under two seconds.",
            },
            {"criterion_id": "c2-reflection", "agree": True, "level_id": None, "comment": ""},
        ],
        "comment": "",
        "send_back": True,
    }
    assert not panel.record_button.isEnabled() and panel.banner.isVisible()
    qtbot.waitUntil(
        lambda: _cell(window, seeded.assignment_id, Column.STATUS).endswith("Queued for upload"),
        timeout=10_000,
    )


def _sync_engine(session: ProfileSession) -> SyncReport:
    with session.client() as client:
        return SyncEngine(session.store, session.vault, client, client_factory=session.client).run()


def _read_and_upload(session: ProfileSession, level: str) -> None:
    """One assessor's read of the only assignment they hold, sent through the real sync."""
    assert _sync_engine(session).ok
    (row,) = queue_rows(session.store)
    scoring = ScoringService(session.store)
    for criterion in ("c1-wait", "c2-reflection"):
        scoring.set_level(row.assignment_id, criterion, level)
        scoring.set_rationale(row.assignment_id, criterion, f"Chose {level} from the notes.")
    scoring.set_feedback(row.assignment_id, "Name what students said after each pause.")
    scoring.finalize(row.assignment_id, quality_override_reason="fine")
    report = _sync_engine(session)
    assert report.uploaded == 1, report.problems


def _confirm_finalize_by_keys(seen: list[str]) -> None:
    """The finalize dialog runs its own event loop: press Enter in it once it shows."""
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, FinalizeDialog):
        QTimer.singleShot(50, lambda: _confirm_finalize_by_keys(seen))
        return
    seen.append(dialog.summary.text())
    from PySide6.QtTest import QTest

    QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)


def test_the_hubs_own_adjudication_is_finalized_with_keys_and_becomes_the_final_decision(
    qtbot: QtBot, hub: RunningHub, tmp_path: Path
) -> None:
    """Two disagreeing reads uploaded by two assessors through the real hub; allocation
    gives the adjudication to the adjudicator, whose app syncs it, shows both reads
    unnamed and sends the final sheet made with the keyboard alone."""
    hub.admin.add_assessor("bob", PASSWORD, "Bob Reader")
    hub.admin.add_assessor("adj", PASSWORD, "Ada Judge", roles=["adjudicator"])
    with hub.admin.db.write() as db:
        db.add(
            ScoringPlan(
                credential_id=CREDENTIAL_ID,
                updated_at=utcnow(),
                second_read_share=1.0,
                second_read_near_cut=0.0,
                adjudicate_when="decision",
                adjudicate_distance=1,
                validity_rate=0.0,
                validity_window=3,
                backread_rate=0.0,
                require_qualified=False,
            )
        )
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE}, assign=False)
    readers = {name: sign_in(hub.base_url, name, PASSWORD) for name in ("ann", "bob")}
    adj = sign_in(hub.base_url, "adj", PASSWORD)
    try:
        with hub.admin.db.write() as db:
            allocate(db, datetime.now(UTC))
        first = next(n for n, s in readers.items() if _sync_engine(s).new_assignments)
        _read_and_upload(readers[first], "proficient")
        with hub.admin.db.write() as db:
            allocate(db, datetime.now(UTC))
        _read_and_upload(readers["bob" if first == "ann" else "ann"], "beginning")
        with hub.admin.db.write() as db:
            allocate(db, datetime.now(UTC))
            assert db.get(FinalDecision, seeded.id) is None

        window = main_window(qtbot, adj, tmp_path)
        _synced(qtbot, window)
        (row,) = window.queue_model.rows()
        adjudication = row.assignment_id
        assert _cell(window, adjudication, Column.KIND) == "Adjudication"
        window.open_assignment(adjudication)
        qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
        workspace = window.workspace
        assert workspace is not None and workspace.reads_pane is not None
        pane = workspace.reads_pane
        assert pane.model is not None
        headers = [pane.model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
        assert headers == ["Criterion", "Read A", "Read B"]
        decision_row = pane.model.rowCount() - 2
        assert sorted(pane.cell_text(decision_row, c) for c in (1, 2)) == ["Not Yet", "Pass"]
        shown = " ".join(
            pane.cell_text(r, c) for r in range(pane.model.rowCount()) for c in range(3)
        ).lower()
        assert "chose proficient" in shown and "chose beginning" in shown
        for name in ("ann", "bob", "ada", "judge"):
            assert name not in shown.split(), name
        save_shot(window, "hub-adjudication-workspace.png", tmp_path)

        # The final sheet with keys only: 2 (Proficient), Enter, the rationale, Tab on.
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        workspace.rubric.focus_levels()
        for rationale in ("Waits five seconds after questions.", "Links answers to waiting."):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            qtbot.keyClicks(QApplication.focusWidget(), rationale)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is workspace.rubric.feedback
        qtbot.keyClicks(
            workspace.rubric.feedback,
            "Wait after the question: you waited after every question and more hands went "
            "up. Reflection on student thinking: keep linking answers to the next question.",
        )
        seen: list[str] = []
        QTimer.singleShot(0, lambda: _confirm_finalize_by_keys(seen))
        qtbot.keyClick(
            workspace.rubric.feedback, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
        qtbot.waitUntil(
            lambda: adj.store.assignments.local_state(adjudication) is LocalState.FINALIZED,
            timeout=10_000,
        )
        assert seen and "Decision: Pass" in seen[0]
        _synced(qtbot, window)
        assert adj.store.assignments.local_state(adjudication) is LocalState.UPLOADED
        with hub.admin.db.read() as db:
            final = db.get(FinalDecision, seeded.id)
            assert final is not None
            assert (final.decision, final.source, final.assignment_id) == (
                "pass",
                "adjudicated",
                adjudication,
            )
            assert len(db.scalars(select(FinalDecision)).all()) == 1
    finally:
        adj.close()
        for session in readers.values():
            session.close()
