"""Opening a submission whose first artifact is a video: the video starts before the
rubric panel and the notes pane are built, and they follow right after its first frame.

A real hub on 127.0.0.1, a real store, the video played by libvlc from the encrypted
vault. Keys pressed before the panel exists are not lost: the first one builds it and
scores; closing the window before the panel was built is safe and keeps what was saved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest
from pytestqt.qtbot import QtBot
from support.app_desk import main_window, open_workspace, sync
from support.hub import RunningHub, make_video

from assessor_app.services.account import ProfileSession
from assessor_app.services.scoring import ScoringService
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QApplication, QImage, Qt, QTimer
from assessor_app.ui.viewers.video_viewer import VideoViewer
from assessor_app.ui.workspace import workspace as workspace_module
from assessor_app.ui.workspace.workspace import Workspace

C1 = "c1-wait"
SHOTS = os.environ.get("ASSESSOR_SHOTS")


class OpenDesk(Protocol):
    def __call__(
        self, rest_wait_ms: int, clip: bytes | Path | None = None
    ) -> tuple[MainWindow, str]: ...


@pytest.fixture
def desk(
    qtbot: QtBot,
    hub: RunningHub,
    session: ProfileSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> OpenDesk:
    """Makes a synced, active main window and gives the id of the submission to open (its
    video first, lesson notes after it); ``rest_wait_ms`` is how long the workspace waits
    for the video's first frame before building the rubric on its own."""

    def open_desk(rest_wait_ms: int, clip: bytes | Path | None = None) -> tuple[MainWindow, str]:
        monkeypatch.setattr(workspace_module, "REST_WAIT_MS", rest_wait_ms)
        media = (
            make_video(tmp_path / "clip.mp4", seconds=8, size="640x360") if clip is None else clip
        )
        seeded = hub.seed_submission("ann", {"clip.mp4": media, "notes.md": b"# Lesson notes"})
        window = main_window(qtbot, session, tmp_path)
        sync(qtbot, window)
        qtbot.waitUntil(lambda: window.queue_model.rowCount() == 1, timeout=10_000)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        return window, seeded.assignment_id

    return open_desk


def _right_after_open(window: MainWindow, step: Callable[[Workspace], None]) -> None:
    """Run ``step`` on the new workspace in the first event-loop turn after the window
    showed it: a queued call, queued before any video frame could be."""

    def shown(_index: int) -> None:
        workspace = window.workspace
        if workspace is not None and window.right.currentWidget() is workspace:
            window.right.currentChanged.disconnect(shown)
            QTimer.singleShot(0, lambda: step(workspace))

    window.right.currentChanged.connect(shown)


def _video(workspace: Workspace) -> VideoViewer:
    viewer = workspace.evidence.current_viewer()
    assert isinstance(viewer, VideoViewer)
    return viewer


def test_the_rubric_follows_the_first_frame_and_takes_keys(
    qtbot: QtBot, session: ProfileSession, desk: OpenDesk
) -> None:
    # However slow the machine, the first frame and nothing else builds the rubric here.
    window, aid = desk(60_000)
    seen: dict[str, object] = {}

    def first_frame_seen(workspace: Workspace) -> Callable[[QImage], None]:
        def record(_image: QImage) -> None:
            seen.setdefault("built at the first frame", workspace.rest_built())

        return record

    def check(workspace: Workspace) -> None:
        seen["built when shown"] = workspace.rest_built()
        seen["video playing"] = _video(workspace).player.state().value
        _video(workspace).player.frameReady.connect(first_frame_seen(workspace))
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            assert window.grab().save(str(Path(SHOTS) / "open-video-first-before-frame.png"))

    _right_after_open(window, check)
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: "built when shown" in seen, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    # Shown with the video opening and no rubric panel yet.
    assert seen["built when shown"] is False
    assert seen["video playing"] == "opening"
    qtbot.waitUntil(lambda: "built at the first frame" in seen, timeout=15_000)
    assert seen["built at the first frame"] is False
    # Then built on its own, shown in its place, with the focus on the levels.
    qtbot.waitUntil(workspace.rest_built, timeout=5000)
    assert _video(workspace).player.last_frame() is not None
    rubric = workspace.rubric
    pane = workspace.notes_pane
    qtbot.waitUntil(lambda: rubric.isVisible() and pane.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: rubric.width() > 300 and rubric.height() > 400, timeout=2000)
    assert pane.width() > 300 and pane.height() > 60
    assert QApplication.focusWidget() in rubric.criterion_pages[0].level_buttons
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(Path(SHOTS) / "open-video-first.png"))

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2)
    assert rubric.sheet().score(C1).level_id == "proficient"
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert workspace.saves.flush()
    assert ScoringService(session.store).open(aid).sheet.score(C1).level_id == "proficient"


def test_a_number_key_before_the_rubric_is_built_still_scores(
    qtbot: QtBot, session: ProfileSession, desk: OpenDesk
) -> None:
    window, aid = desk(60_000)
    seen: dict[str, object] = {}

    def press(workspace: Workspace) -> None:
        seen["built before the key"] = workspace.rest_built()
        focused = QApplication.focusWidget()
        seen["focus in the workspace"] = focused is not None and (
            focused is workspace or workspace.isAncestorOf(focused)
        )
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_2)
        seen["built after the key"] = workspace.rest_built()

    _right_after_open(window, press)
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: "built after the key" in seen, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    assert seen == {
        "built before the key": False,
        "focus in the workspace": True,
        "built after the key": True,
    }
    # The key chose the level of the first criterion and left the focus on its levels.
    assert workspace.rubric.sheet().score(C1).level_id == "proficient"
    assert QApplication.focusWidget() in workspace.rubric.criterion_pages[0].level_buttons
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert workspace.saves.flush()
    assert ScoringService(session.store).open(aid).sheet.score(C1).level_id == "proficient"
    # The video goes on to its first frame as usual.
    qtbot.waitUntil(lambda: _video(workspace).player.last_frame() is not None, timeout=15_000)


def test_a_video_slow_to_show_its_first_frame_does_not_keep_the_rubric_waiting(
    qtbot: QtBot, desk: OpenDesk
) -> None:
    # A wait no video's first frame can beat: the rubric is built when it ends.
    window, aid = desk(1)
    seen: list[bool] = []

    def watch(workspace: Workspace) -> None:
        _video(workspace).player.frameReady.connect(
            lambda _image: seen.append(workspace.rest_built()) if not seen else None
        )

    _right_after_open(window, watch)
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
    assert seen == [True]


def test_a_video_that_cannot_play_does_not_keep_the_rubric_waiting(
    qtbot: QtBot, desk: OpenDesk
) -> None:
    # No first frame will come and the wait is far longer than the test: only the
    # player's error can build the rubric.
    window, aid = desk(600_000, clip=b"not a video at all " * 4096)
    workspace = open_workspace(qtbot, window, aid)
    player = _video(workspace).player
    qtbot.waitUntil(lambda: player.state() == "error", timeout=20_000)
    qtbot.waitUntil(workspace.rest_built, timeout=2000)
    assert player.last_frame() is None
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert workspace.rubric.sheet().score(C1).level_id == "beginning"


def test_closing_before_the_rubric_is_built_is_safe(
    qtbot: QtBot, session: ProfileSession, desk: OpenDesk
) -> None:
    window, aid = desk(60_000)
    closed: list[Workspace] = []

    def close(workspace: Workspace) -> None:
        assert not workspace.rest_built()
        closed.append(workspace)
        window.close()

    _right_after_open(window, close)
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: bool(closed), timeout=10_000)
    assert window.workspace is None
    workspace = closed[0]
    # Long past the first frame, which would have built the rubric: nothing is built for
    # the closed workspace and nothing fails (an exception in a slot fails this test).
    qtbot.wait(2000)
    assert not workspace.rest_built()
    # What the open saved at once (the artifact on show) is in the store.
    clip = ScoringService(session.store).open(aid).submission.artifacts[0]
    assert clip.filename == "clip.mp4"
    assert session.store.workspace.open_artifact(aid) == clip.id
