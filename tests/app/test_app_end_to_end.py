"""The whole app against a real hub on 127.0.0.1: sign in, sync, open an assignment,
score it with the keyboard, cite, close and reopen, finalize, upload, and find the
decision on the hub."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from support.app_desk import lesson_plan_pdf, main_window, open_workspace, sync
from support.hub import RunningHub, make_video

from assessor_app.domain import Citation, Decision, PdfPage, TimeRange
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.services.account import ProfileSession
from assessor_app.ui.qt import QApplication, QDialogButtonBox, Qt, QTimer
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog


def _accept_finalize_dialog() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, FinalizeDialog) and widget.isVisible():
            buttons = widget.findChild(QDialogButtonBox)
            for button in buttons.buttons():
                if buttons.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole:
                    button.click()
                    return
    QTimer.singleShot(50, _accept_finalize_dialog)


def test_score_a_submission_end_to_end_with_the_keyboard(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    video = make_video(tmp_path / "clip.mp4", seconds=3)
    seeded = hub.seed_submission(
        "ann",
        {"clip.mp4": video, "plan.pdf": lesson_plan_pdf(), "reflection.md": b"# I waited"},
    )
    aid = seeded.assignment_id
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    assert session.store.assignments.local_state(aid) is LocalState.READY
    row = window.queue_model.row_for(aid)
    assert row is not None and row.educator_pseudonym.startswith("E-")

    workspace = open_workspace(qtbot, window, aid)

    # Score every criterion from the keyboard: a level number, then Down to the next.
    criteria = workspace.opened.credential.rubric.criteria
    workspace.rubric.setFocus()
    for index, criterion in enumerate(criteria):
        meets = next(n for n, lv in enumerate(criterion.levels, 1) if lv.meets)
        qtbot.keyClick(workspace.rubric, str(meets))
        assert workspace.rubric.sheet().score(criterion.id).level_id == (
            criterion.levels[meets - 1].id
        )
        if index + 1 < len(criteria):
            qtbot.keyClick(workspace.rubric, Qt.Key.Key_Down)
    assert workspace.rubric.evaluation().computed is Decision.PASS

    # Cite page 2 of the lesson plan into the focused criterion, then follow the chip.
    plan = next(a for a in seeded.artifacts if a.filename == "plan.pdf")
    workspace.evidence.show_artifact(plan.id)
    viewer = workspace.evidence.viewer(plan.id)
    qtbot.waitUntil(lambda: viewer.cite_target() is not None, timeout=10_000)
    viewer.go_to(PdfPage(2))
    qtbot.keyClick(workspace.rubric, Qt.Key.Key_C)
    last = criteria[-1].id
    assert [c.target for c in workspace.rubric.sheet().score(last).citations] == [PdfPage(2)]
    viewer.go_to(PdfPage(1))
    workspace.go_to_citation(workspace.rubric.sheet().score(last).citations[0])
    assert viewer.cite_target() == PdfPage(2)
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert workspace.save_label.text() == "Saved ✓"

    # Close and reopen: everything typed is back.
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not workspace, timeout=10_000)
    reopened = window.workspace
    assert reopened is not None
    sheet = reopened.rubric.sheet()
    assert all(sheet.score(c.id).level_id for c in criteria)
    assert [c.target for c in sheet.score(last).citations] == [PdfPage(2)]
    assert reopened.opened.open_artifact_id == plan.id

    # Finalize from the keyboard and upload.
    QTimer.singleShot(50, _accept_finalize_dialog)
    qtbot.keyClick(reopened.rubric, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: session.store.assignments.local_state(aid) is LocalState.FINALIZED,
        timeout=10_000,
    )
    qtbot.waitUntil(reopened.rubric.is_read_only, timeout=5000)
    assert "Queued for upload" in reopened.state_label.text()
    sync(qtbot, window)
    assert [e.state for e in session.store.outbox.entries(aid)] == [OutboxState.UPLOADED]
    assert session.store.assignments.local_state(aid) is LocalState.UPLOADED
    assert hub.decision_count() == 1
    assert set(hub.decision_keys()) == {aid}


def test_video_plays_from_the_vault_notes_pause_and_chips_seek(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    video = make_video(tmp_path / "clip.mp4", seconds=6, size="320x180")
    seeded = hub.seed_submission("ann", {"clip.mp4": video})
    aid, clip = seeded.assignment_id, seeded.artifacts[0]
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    workspace = open_workspace(qtbot, window, aid)
    viewer = workspace.evidence.viewer(clip.id)
    player = viewer.player

    # Frames decoded from the encrypted vault arrive in the viewer.
    player.play()
    qtbot.waitUntil(lambda: player.last_frame() is not None, timeout=15_000)
    assert viewer.frame_view.image().width() == 320
    qtbot.waitUntil(lambda: player.position() >= 1500, timeout=15_000)

    # N pauses and opens the note editor; Enter saves the note and resumes.
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: player.state() == "paused", timeout=5000)
    pinned = player.position()
    editor = viewer.note_editor.text_edit()
    qtbot.keyClicks(editor, "waits 4 s")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=5000)
    qtbot.waitUntil(lambda: bool(session.store.notes.list(aid)), timeout=5000)
    (note,) = session.store.notes.list(aid)
    assert note.text == "waits 4 s" and abs(note.time_ms - pinned) < 500

    # I and O mark a range; C cites exactly it; clicking its chip seeks the player there.
    player.pause()
    qtbot.waitUntil(lambda: player.state() == "paused", timeout=5000)
    player.seek(1000)
    qtbot.waitUntil(lambda: player.position() == 1000, timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    player.seek(2500)
    qtbot.waitUntil(lambda: player.position() == 2500, timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_O)
    qtbot.keyClick(viewer, Qt.Key.Key_C)
    criterion = workspace.rubric.focused_criterion_id()
    (citation,) = workspace.rubric.sheet().score(criterion).citations
    assert citation == Citation(clip.id, TimeRange(1000, 2500))
    # Esc clears the marks; C at 00:00 then cites the window from the start (below).
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert viewer.marks() == (None, None)
    player.seek(0)
    qtbot.waitUntil(lambda: player.position() < 1000, timeout=5000)
    page = workspace.rubric.criterion_pages[0]
    page.chips.chips[0].button.click()
    qtbot.waitUntil(lambda: abs(player.position() - citation.target.start_ms) < 500, timeout=5000)
    player.seek(0)
    qtbot.waitUntil(lambda: player.position() == 0, timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_C)
    at_start = Citation(clip.id, TimeRange(0, min(10_000, player.duration())))
    assert workspace.rubric.sheet().score(criterion).citations == (citation, at_start)
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    stored = [c.citation for c in session.store.sheets.citations(aid)]
    assert stored == [citation, at_start]
    assert session.store.coverage.played(aid, clip.id)
