"""A whole submission scored with key events only, against a real hub and a real store.

Every key goes to whatever widget has the focus, the way a keyboard user works: no
widget method is called and nothing is clicked. The test opens the submission from the
queue, chooses levels from the evidence side and from the rubric, cites a range marked
with I and O,
writes every rationale and the overall feedback, finalizes through the dialog, and then
moves to the next and previous submission in the queue; it asserts what the store holds.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from support.app_desk import lesson_plan_pdf, main_window, open_workspace, photo_png, sync
from support.hub import RunningHub, make_video

from assessor_app.domain import Citation, Decision, PdfPage, TimeRange
from assessor_app.domain.assignment_state import LocalState
from assessor_app.services.account import ProfileSession
from assessor_app.ui.qt import (
    QAction,
    QApplication,
    QKeySequence,
    QPlainTextEdit,
    QShortcut,
    Qt,
    QTimer,
    QWidget,
)
from assessor_app.ui.shortcuts import SHORTCUTS
from assessor_app.ui.viewers.video_viewer import VideoViewer
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog
from assessor_app.ui.workspace.workspace import Workspace

CTRL = Qt.KeyboardModifier.ControlModifier


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(_focus(), key, modifier)


def _type(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(_focus(), text)


def _in(workspace: Workspace, widget: QWidget) -> bool:
    return workspace.isAncestorOf(widget)


def _confirm_finalize_by_keys(seen: list[str]) -> None:
    """The finalize dialog runs its own event loop: press Enter in it once it shows."""
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, FinalizeDialog):
        QTimer.singleShot(50, lambda: _confirm_finalize_by_keys(seen))
        return
    seen.append(dialog.summary.text())
    from PySide6.QtTest import QTest

    QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)


def test_a_whole_submission_is_scored_with_keys_only(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    first = hub.seed_submission(
        "ann",
        {
            "plan.pdf": lesson_plan_pdf(),
            "photo.png": photo_png(),
            "reflection.md": b"# I waited",
            "clip.mp4": make_video(tmp_path / "clip.mp4", seconds=12),
        },
    )
    second = hub.seed_submission("ann", {"notes.md": b"# Second lesson"})
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == 2, timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)

    # Open the queue's first row: Ctrl+F, Down into the table, Enter.
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    assert _focus() is window.queue.filter_edit
    _press(qtbot, Qt.Key.Key_Down)
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    aid = workspace.assignment_id
    # The queue sorts by due date, then as imported: the first submission is on top.
    assert aid == first.assignment_id
    criteria = workspace.opened.credential.rubric.criteria
    assert [c.id for c in criteria] == ["c1-wait", "c2-reflection"]
    plan = next(a for a in first.artifacts if a.filename == "plan.pdf")
    clip = next(a for a in first.artifacts if a.filename == "clip.mp4")

    # The focus lands on the first criterion's levels.
    qtbot.waitUntil(lambda: _in(workspace, _focus()), timeout=2000)
    assert _focus() in workspace.rubric.criterion_pages[0].level_buttons

    # Ctrl+Page Down to the photo keeps the focus in the workspace: a number key there
    # chooses the current criterion's level.
    _press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert workspace.evidence.current_artifact().filename == "photo.png"
    photo = workspace.evidence.current_viewer()
    assert photo is not None and _focus() is photo.focusProxy()
    _press(qtbot, Qt.Key.Key_1)
    assert workspace.rubric.sheet().score("c1-wait").level_id == "beginning"

    # Back to the lesson plan, where Page Down turns the page.
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)
    viewer = workspace.evidence.viewer(plan.id)
    assert viewer is not None and workspace.evidence.current_viewer() is viewer
    qtbot.waitUntil(lambda: viewer.cite_target() == PdfPage(1), timeout=10_000)
    assert _in(viewer, _focus())
    _press(qtbot, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: viewer.cite_target() == PdfPage(2), timeout=10_000)

    # Ctrl+Page Up again (round to the clip): L, I, L, O mark 00:05-00:10, C cites the
    # marked range, and 2 changes the level.
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)
    video = workspace.evidence.current_viewer()
    assert isinstance(video, VideoViewer) and _focus() is video
    player = video.player
    qtbot.waitUntil(player.ready, timeout=15_000)
    _press(qtbot, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: player.position() == 5000, timeout=5000)
    _press(qtbot, Qt.Key.Key_I)
    _press(qtbot, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: player.position() == 10_000, timeout=5000)
    _press(qtbot, Qt.Key.Key_O)
    _press(qtbot, Qt.Key.Key_C)
    _press(qtbot, Qt.Key.Key_2)
    marked = Citation(clip.id, TimeRange(5000, 10_000))
    assert workspace.rubric.sheet().score("c1-wait").citations == (marked,)

    # Enter goes into the first rationale; Tab goes on to the second criterion.
    _press(qtbot, Qt.Key.Key_Return)
    assert _focus() is workspace.rubric.criterion_pages[0].rationale
    _type(qtbot, "Waited four seconds after the hinge question (00:05-00:10).")
    _press(qtbot, Qt.Key.Key_Tab)
    assert workspace.rubric.focused_criterion_id() == "c2-reflection"
    assert _focus() in workspace.rubric.criterion_pages[1].level_buttons
    _press(qtbot, Qt.Key.Key_2)
    _press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "Links what students said to the next question.")

    # Shift+Tab goes back to the first criterion, Down forward again.
    _press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert workspace.rubric.focused_criterion_id() == "c1-wait"
    _press(qtbot, Qt.Key.Key_Down)
    assert workspace.rubric.focused_criterion_id() == "c2-reflection"

    # After the last rationale, Tab reaches the overall feedback.
    _press(qtbot, Qt.Key.Key_Return)
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is workspace.rubric.feedback
    feedback = (
        "Wait after the question: you waited after every question and more hands went up. "
        "Reflection on student thinking: keep linking answers to the next question."
    )
    _type(qtbot, feedback)
    assert isinstance(_focus(), QPlainTextEdit)

    # Ctrl+Enter, then Enter in the finalize dialog.
    seen: list[str] = []
    QTimer.singleShot(0, lambda: _confirm_finalize_by_keys(seen))
    _press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(
        lambda: session.store.assignments.local_state(aid) is LocalState.FINALIZED,
        timeout=10_000,
    )
    assert seen and "Decision: Pass" in seen[0]

    sheet = session.store.sheets.load_sheet(aid)
    assert sheet.score("c1-wait").level_id == "proficient"
    assert sheet.score("c2-reflection").level_id == "proficient"
    assert sheet.score("c1-wait").rationale.startswith("Waited four seconds")
    assert (
        sheet.score("c2-reflection").rationale == "Links what students said to the next question."
    )
    stored = [(c.criterion_id, c.citation.target) for c in session.store.sheets.citations(aid)]
    assert stored == [("c1-wait", marked.target)]
    assert sheet.feedback == feedback
    decided = session.store.decisions.latest(aid)
    assert decided is not None and decided.decision is Decision.PASS

    # Ctrl+] opens the next submission in the queue's order; its edits are saved on
    # the way back with Ctrl+[, with nothing waited for in between.
    # A window manager gives the window back its activation when the dialog closes; the
    # offscreen platform does not, so the test does what it would.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    assert _focus() is workspace.rubric.feedback
    _press(qtbot, Qt.Key.Key_BracketRight, CTRL)
    qtbot.waitUntil(lambda: window.workspace is not workspace, timeout=10_000)
    following = window.workspace
    assert following is not None and following.assignment_id == second.assignment_id
    qtbot.waitUntil(lambda: _in(following, _focus()), timeout=2000)
    _press(qtbot, Qt.Key.Key_1)
    _press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "Asked and answered at once.")
    _press(qtbot, Qt.Key.Key_BracketLeft, CTRL)
    qtbot.waitUntil(lambda: window.workspace is not following, timeout=10_000)
    assert window.workspace is not None and window.workspace.assignment_id == aid
    kept = session.store.sheets.load_sheet(second.assignment_id).score("c1-wait")
    assert (kept.level_id, kept.rationale) == ("beginning", "Asked and answered at once.")


def test_every_bound_key_is_in_the_key_table_and_transport_is_reachable(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    video = make_video(tmp_path / "clip.mp4", seconds=2)
    seeded = hub.seed_submission(
        "ann", {"clip.mp4": video, "plan.pdf": lesson_plan_pdf(), "photo.png": photo_png()}
    )
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    workspace = open_workspace(qtbot, window, seeded.assignment_id)
    for _ in seeded.artifacts:  # every viewer made, each with its own keys
        workspace.show_next_artifact(1)

    portable = QKeySequence.SequenceFormat.PortableText
    table = {QKeySequence(s).toString(portable) for b in SHORTCUTS for s in b.sequences}
    bound: set[str] = set()
    for shortcut in window.findChildren(QShortcut):
        bound.add(shortcut.key().toString(portable))
    for action in window.findChildren(QAction):
        bound.update(key.toString(portable) for key in action.shortcuts())
    bound.discard("")
    assert {"F5", "Ctrl+B", "Ctrl+Q", "Ctrl+F", "Ctrl+]", "I", "Return", "Up"} <= bound
    assert bound - table == set(), "keys bound but missing from the key table"

    # Tab reaches the video's transport buttons; Space presses the one with the focus.
    clip = next(a for a in seeded.artifacts if a.filename == "clip.mp4")
    viewer = workspace.evidence.viewer(clip.id)
    assert isinstance(viewer, VideoViewer)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    workspace.evidence.show_artifact(clip.id)
    viewer.setFocus()
    qtbot.waitUntil(lambda: viewer.play_button.isEnabled(), timeout=15_000)
    reached: list[QWidget] = []
    for _ in range(12):
        _press(qtbot, Qt.Key.Key_Tab)
        reached.append(_focus())
    assert {viewer.play_button, viewer.back_button, viewer.forward_button} <= set(reached)
    while _focus() is not viewer.forward_button:
        _press(qtbot, Qt.Key.Key_Tab)
    _press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.player.position() >= 1000, timeout=5000)
    assert viewer.player.state() != "playing"


def test_the_rubric_overview_chooses_levels_with_keys_and_clicks(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"plan.pdf": lesson_plan_pdf()})
    aid = seeded.assignment_id
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    workspace = open_workspace(qtbot, window, aid)
    qtbot.waitUntil(lambda: _in(workspace, _focus()), timeout=2000)

    # Ctrl+G shows the grid in place of the evidence and the rubric; G alone does not.
    _press(qtbot, Qt.Key.Key_G, CTRL)
    overview = workspace.overview
    assert overview is not None and overview.isVisible() and not workspace.splitter.isVisible()
    grid, model = overview.grid, overview.model
    assert _focus() is grid and (grid.currentIndex().row(), grid.currentIndex().column()) == (0, 0)
    assert model.index(0, 0).data() == "(1) Beginning\nFirst hand."
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == "Proficient (2): Links answers."
    assert model.headerData(0, Qt.Orientation.Vertical) == "1. Wait after the question"

    # Right, Enter: the first criterion's second level, marked in words and saved.
    _press(qtbot, Qt.Key.Key_Right)
    _press(qtbot, Qt.Key.Key_Return)
    assert model.index(0, 1).data().startswith("✓ Chosen · (2) Proficient")
    assert not model.index(0, 0).data().startswith("✓")
    assert workspace.rubric.sheet().score("c1-wait").level_id == "proficient"
    assert overview.isVisible()

    # A click chooses too; Down makes the second criterion current for the number keys.
    cell = model.index(1, 0)
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualRect(cell).center())
    assert workspace.rubric.sheet().score("c2-reflection").level_id == "beginning"
    _press(qtbot, Qt.Key.Key_2)
    assert workspace.rubric.sheet().score("c2-reflection").level_id == "proficient"
    assert model.index(1, 1).data().startswith("✓ Chosen")

    # Esc goes back, the focus on the current criterion's levels; Ctrl+G toggles.
    _press(qtbot, Qt.Key.Key_Escape)
    assert workspace.splitter.isVisible() and not overview.isVisible()
    assert _focus() in workspace.rubric.criterion_pages[1].level_buttons
    _press(qtbot, Qt.Key.Key_G, CTRL)
    assert overview.isVisible()
    _press(qtbot, Qt.Key.Key_G, CTRL)
    assert not overview.isVisible()

    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    sheet = session.store.sheets.load_sheet(aid)
    assert sheet.score("c1-wait").level_id == "proficient"
    assert sheet.score("c2-reflection").level_id == "proficient"
