"""The notes and citations pane in a real workspace: evidence synced from a real hub on
127.0.0.1 into the encrypted vault, a real video played by libvlc, a real PDF, the real
profile store. Keys drive the pane: Enter goes there, F2 edits, Delete and Ctrl+Z delete
and bring back, Ctrl+I inserts into the rationale; typing in a rationale pauses the video
(unless the setting is off) and Esc returns to the evidence."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from support.hub import PASSWORD, make_video, running_hub
from support.settings_dialog import save_settings_when_shown
from support.shots import save_shot

from assessor_app.domain import Citation, PdfPage, TimeRange
from assessor_app.media.player import PlayerState
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.scoring import ScoringService
from assessor_app.services.settings import SettingsService
from assessor_app.sync.engine import SyncEngine
from assessor_app.ui.background import Executors
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QPoint, QSettings, Qt
from assessor_app.ui.viewers.pdf_viewer import PdfViewer
from assessor_app.ui.viewers.video_viewer import VideoViewer
from assessor_app.ui.workspace.workspace import Workspace

C1, C2 = "c1-wait", "c2-reflection"


def _plan_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for page in (1, 2, 3):
        pdf.drawString(72, 760, f"Lesson plan page {page}: wait five seconds after asking")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@dataclass(frozen=True)
class Desk:
    session: ProfileSession
    assignment_id: str
    clip_id: str
    plan_id: str


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    video = make_video(tmp_path / "clip.mp4", seconds=8, size="320x180")
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        seeded = hub.seed_submission("ann", {"clip.mp4": video, "plan.pdf": _plan_pdf()})
        session = sign_in(hub.base_url, "ann", PASSWORD)
        try:
            client = session.client()
            try:
                report = SyncEngine(
                    session.store, session.vault, client, parallel_downloads=1, disk_margin=0
                ).run()
            finally:
                client.close()
            assert report.ok, report.problems
            yield Desk(
                session,
                seeded.assignment_id,
                seeded.artifact("clip.mp4").id,
                seeded.artifact("plan.pdf").id,
            )
        finally:
            session.close()


@pytest.fixture
def executors() -> Iterator[Executors]:
    executors = Executors(net_threads=1)
    yield executors
    executors.wait()


def _workspace(qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path) -> Workspace:
    opened = ScoringService(desk.session.store).open(desk.assignment_id)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    workspace = Workspace(opened, desk.session, executors, settings)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    return workspace


def _saved(qtbot: QtBot, workspace: Workspace) -> None:
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert workspace.saves.flush()


def _rows(workspace: Workspace) -> list[tuple[str, str, str]]:
    model = workspace.notes_pane.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))  # type: ignore[misc]
        for r in range(model.rowCount())
    ]


def _key(qtbot: QtBot, workspace: Workspace, row: int, key: Qt.Key, **kw: object) -> None:
    view = workspace.notes_pane.view
    view.setFocus()
    workspace.notes_pane.select_row(row)
    qtbot.keyClick(view, key, **kw)  # type: ignore[arg-type]


def test_the_pane_goes_edits_deletes_undoes_and_inserts(
    qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path
) -> None:
    store, aid = desk.session.store, desk.assignment_id
    scoring = ScoringService(store)
    waits = scoring.add_note(aid, desk.clip_id, 4_000, "waits 4 s", C1)
    scoring.add_note(aid, desk.clip_id, 1_000, "first question", None)
    scoring.add_citation(aid, C2, Citation(desk.plan_id, PdfPage(2)))
    workspace = _workspace(qtbot, desk, executors, tmp_path)
    pane = workspace.notes_pane

    assert _rows(workspace) == [
        ("clip.mp4, 00:01", "✎ Note: first question", ""),
        ("clip.mp4, 00:04", "✎ Note: waits 4 s", "Wait after the question"),
        ("plan.pdf, p. 2", "Citation", "Reflection on student thinking"),
    ]
    viewer = workspace.evidence.viewer(desk.clip_id)
    assert isinstance(viewer, VideoViewer)
    qtbot.waitUntil(lambda: viewer.player.duration() > 0, timeout=15_000)

    # The timeline's marker says the note, not its time twice.
    timeline = viewer.timeline
    qtbot.waitUntil(lambda: timeline.width() > 100, timeout=5000)
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for(4_000)), 30))
    qtbot.waitUntil(lambda: timeline.toolTip() == "00:04 — waits 4 s", timeout=5000)
    assert save_shot(workspace, "notes-pane.png", tmp_path)

    # Enter on the citation shows the PDF at its page; on a note, the video at its moment.
    _key(qtbot, workspace, 2, Qt.Key.Key_Return)
    assert workspace.evidence.current_artifact().id == desk.plan_id  # type: ignore[union-attr]
    pdf = workspace.evidence.viewer(desk.plan_id)
    assert isinstance(pdf, PdfViewer)
    qtbot.waitUntil(lambda: pdf.current_page() == 1, timeout=10_000)
    _key(qtbot, workspace, 1, Qt.Key.Key_Enter)
    assert workspace.evidence.current_artifact().id == desk.clip_id  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: abs(viewer.player.position() - 4_000) < 300, timeout=5000)

    # F2 edits the note: text, criterion and sharing; Enter saves it.
    _key(qtbot, workspace, 0, Qt.Key.Key_F2)
    assert pane.editor.isVisible() and pane.text_edit.hasFocus()
    pane.text_edit.selectAll()
    qtbot.keyClicks(pane.text_edit, "asks, hands go up at once")
    pane.criterion_box.setCurrentIndex(pane.criterion_box.findData(C2))
    pane.share_box.setChecked(True)
    assert save_shot(workspace, "notes-pane-editing.png", tmp_path)
    qtbot.keyClick(pane.text_edit, Qt.Key.Key_Return)
    _saved(qtbot, workspace)
    first = store.notes.list(aid)[0]
    assert (first.text, first.criterion_id, first.shared) == ("asks, hands go up at once", C2, True)
    assert _rows(workspace)[0] == (
        "clip.mp4, 00:01",
        "✎ Note: asks, hands go up at once (shared with the educator)",
        "Reflection on student thinking",
    )

    # Delete takes the note out of the store; Ctrl+Z puts the same row back.
    _key(qtbot, workspace, 1, Qt.Key.Key_Delete)
    _saved(qtbot, workspace)
    assert [n.text for n in store.notes.list(aid)] == ["asks, hands go up at once"]
    assert [r[1] for r in _rows(workspace)] == [
        "✎ Note: asks, hands go up at once (shared with the educator)",
        "Citation",
    ]
    qtbot.keyClick(pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _saved(qtbot, workspace)
    assert store.notes.list(aid)[1] == waits
    assert len(_rows(workspace)) == 3

    # A citation is deleted from its criterion and Ctrl+Z gives it back.
    _key(qtbot, workspace, 2, Qt.Key.Key_Delete)
    _saved(qtbot, workspace)
    assert store.sheets.citations(aid) == []
    assert workspace.rubric.sheet().score(C2).citations == ()
    assert [r[1] for r in _rows(workspace)][-1] == "✎ Note: waits 4 s"
    qtbot.keyClick(pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _saved(qtbot, workspace)
    assert [(c.criterion_id, c.citation) for c in store.sheets.citations(aid)] == [
        (C2, Citation(desk.plan_id, PdfPage(2)))
    ]
    assert _rows(workspace)[2] == ("plan.pdf, p. 2", "Citation", "Reflection on student thinking")

    # Ctrl+I puts the note into its criterion's rationale, which is saved as typed.
    _key(qtbot, workspace, 1, Qt.Key.Key_I, modifier=Qt.KeyboardModifier.ControlModifier)
    assert workspace.rubric.focused_criterion_id() == C1
    _saved(qtbot, workspace)
    assert store.sheets.load_sheet(aid).score(C1).rationale == "00:04 waits 4 s"

    # Closed and opened again: the pane shows what the store kept.
    workspace.close_workspace()
    workspace.close()
    again = _workspace(qtbot, desk, executors, tmp_path / "again")
    assert _rows(again)[0][1] == "✎ Note: asks, hands go up at once (shared with the educator)"
    assert again.rubric.sheet().score(C1).rationale == "00:04 waits 4 s"
    again.close_workspace()


def test_ctrl_z_takes_back_an_edit_and_puts_a_citation_back_in_its_place(
    qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path
) -> None:
    store, aid = desk.session.store, desk.assignment_id
    scoring = ScoringService(store)
    note = scoring.add_note(aid, desk.clip_id, 2_000, "first words", C1)
    opening = Citation(desk.clip_id, TimeRange(0, 1_000))
    page_one, page_three = Citation(desk.plan_id, PdfPage(1)), Citation(desk.plan_id, PdfPage(3))
    for citation in (opening, page_one, page_three):
        scoring.add_citation(aid, C1, citation)
    workspace = _workspace(qtbot, desk, executors, tmp_path)
    pane = workspace.notes_pane
    assert [r[0] for r in _rows(workspace)] == [
        "clip.mp4, 00:00-00:01",
        "clip.mp4, 00:02",
        "plan.pdf, p. 1",
        "plan.pdf, p. 3",
    ]

    workspace.activateWindow()
    qtbot.waitUntil(workspace.isActiveWindow, timeout=5000)
    # The middle one of three chips, deleted and undone, is the middle one again.
    _key(qtbot, workspace, 2, Qt.Key.Key_Delete)
    _saved(qtbot, workspace)
    assert [c.citation for c in store.sheets.citations(aid)] == [opening, page_three]
    qtbot.keyClick(pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _saved(qtbot, workspace)
    assert [c.citation for c in store.sheets.citations(aid)] == [opening, page_one, page_three]
    assert workspace.rubric.sheet().score(C1).citations == (opening, page_one, page_three)

    # An edit is taken back too: text, criterion and sharing as they were.
    _key(qtbot, workspace, 1, Qt.Key.Key_F2)
    pane.text_edit.selectAll()
    qtbot.keyClicks(pane.text_edit, "second thoughts")
    pane.criterion_box.setCurrentIndex(pane.criterion_box.findData(C2))
    pane.share_box.setChecked(True)
    qtbot.keyClick(pane.text_edit, Qt.Key.Key_Return)
    _saved(qtbot, workspace)
    assert store.notes.list(aid)[0].text == "second thoughts"
    assert pane.undo_button.isEnabled()
    qtbot.keyClick(pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _saved(qtbot, workspace)
    back = store.notes.list(aid)
    assert [(n.id, n.time_ms, n.text, n.criterion_id, n.shared) for n in back] == [
        (note.id, 2_000, "first words", C1, False)
    ]
    assert _rows(workspace)[1] == (
        "clip.mp4, 00:02",
        "✎ Note: first words",
        "Wait after the question",
    )
    assert not pane.undo_button.isEnabled()
    workspace.close_workspace()


def _playing(qtbot: QtBot, workspace: Workspace, desk: Desk) -> VideoViewer:
    viewer = workspace.evidence.viewer(desk.clip_id)
    assert isinstance(viewer, VideoViewer)
    viewer.player.play()
    qtbot.waitUntil(lambda: viewer.player.state() is PlayerState.PLAYING, timeout=15_000)
    qtbot.waitUntil(lambda: viewer.player.position() >= 500, timeout=15_000)
    return viewer


def test_typing_a_rationale_pauses_the_video_and_esc_returns(
    qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path
) -> None:
    workspace = _workspace(qtbot, desk, executors, tmp_path)
    viewer = _playing(qtbot, workspace, desk)
    rationale = workspace.rubric.criterion_pages[0].rationale
    rationale.setFocus()
    qtbot.keyClicks(rationale, "Waits")
    qtbot.waitUntil(lambda: viewer.player.state() is PlayerState.PAUSED, timeout=5000)
    assert rationale.toPlainText() == "Waits"
    qtbot.keyClick(rationale, Qt.Key.Key_Escape)
    assert viewer.hasFocus()
    # Back at the evidence, Space plays again.
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.player.state() is PlayerState.PLAYING, timeout=5000)
    # The feedback pauses it as well.
    feedback = workspace.rubric.feedback
    feedback.setFocus()
    qtbot.keyClicks(feedback, "G")
    qtbot.waitUntil(lambda: viewer.player.state() is PlayerState.PAUSED, timeout=5000)
    workspace.close_workspace()


def _typing_leaves_it_playing(qtbot: QtBot, workspace: Workspace, desk: Desk) -> None:
    viewer = _playing(qtbot, workspace, desk)
    rationale = workspace.rubric.criterion_pages[0].rationale
    rationale.setFocus()
    qtbot.keyClicks(rationale, "Waits")
    before = viewer.player.position()
    qtbot.waitUntil(lambda: viewer.player.position() >= before + 700, timeout=5000)
    assert viewer.player.state() is PlayerState.PLAYING
    assert rationale.toPlainText() == "Waits"


def test_with_the_setting_off_typing_leaves_the_video_playing(
    qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path
) -> None:
    service = SettingsService(desk.session.store)
    assert service.pause_on_typing()
    service.save(replace(service.read(), pause_on_typing=False))
    workspace = _workspace(qtbot, desk, executors, tmp_path)
    _typing_leaves_it_playing(qtbot, workspace, desk)
    workspace.close_workspace()


def test_turning_the_setting_off_applies_to_the_open_submission(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(desk.session, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.open_assignment(desk.assignment_id)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None and workspace.typing.enabled

    save_settings_when_shown(lambda dialog: dialog.pause_on_typing.setChecked(False))
    window.show_settings()
    assert not SettingsService(desk.session.store).pause_on_typing()
    # Without reopening the submission, typing now leaves the video playing.
    _typing_leaves_it_playing(qtbot, workspace, desk)
    window.close()


def test_a_decided_sheet_lists_its_notes_but_changes_none(
    qtbot: QtBot, desk: Desk, executors: Executors, tmp_path: Path
) -> None:
    store, aid = desk.session.store, desk.assignment_id
    scoring = ScoringService(store)
    note = scoring.add_note(aid, desk.clip_id, 2_000, "waits 2 s", C1)
    scoring.set_level(aid, C1, "proficient")
    scoring.set_level(aid, C2, "proficient")
    scoring.set_feedback(aid, "Wait after the question and reflection on student thinking: good.")
    scoring.finalize(aid, quality_override_reason="Short on purpose")
    workspace = _workspace(qtbot, desk, executors, tmp_path)
    pane = workspace.notes_pane
    pane.view.setFocus()
    pane.select_row(0)
    assert _rows(workspace) == [("clip.mp4, 00:02", "✎ Note: waits 2 s", "Wait after the question")]
    buttons = (pane.edit_button, pane.delete_button, pane.undo_button, pane.insert_button)
    assert not any(b.isEnabled() for b in buttons)
    qtbot.keyClick(pane.view, Qt.Key.Key_Delete)
    qtbot.keyClick(pane.view, Qt.Key.Key_F2)
    assert pane.editor.isHidden()
    assert workspace.saves.flush()
    assert store.notes.list(aid) == [note]
    workspace.close_workspace()
