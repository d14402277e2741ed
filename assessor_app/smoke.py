"""``assessor-app --smoke-test HUB_URL``: prove that an installed or bundled app works.

Signs in to the hub (the demo account ``demo1`` unless told otherwise), opens the main
window, syncs, opens the first downloaded assignment that has a video, waits for its first
decoded frame, plays it until its clock advances, and exits. Every step prints one
``smoke:`` line to stdout; the exit code is 0 when all passed and 1 otherwise, with the
failed step on stderr.

``make package-test`` runs it on the built bundle against the demo hub; an administrator
can run it after installing the app on a new machine. The password is read from the
environment variable ``ASSESSOR_SMOKE_PASSWORD`` (default ``demo``, the demo hub's), so it
never appears in a process list. The sign-in token goes to the system keyring, exactly as
in normal use.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QTimer

if TYPE_CHECKING:
    from assessor_app.domain.artifacts import Artifact
    from assessor_app.services.account import ProfileSession

PASSWORD_ENV = "ASSESSOR_SMOKE_PASSWORD"
DEMO_PASSWORD = "demo"


class SmokeFailed(Exception):
    """A step of the smoke test failed; ``str(error)`` says which and why."""


def _say(line: str) -> None:
    print(f"smoke: {line}", flush=True)


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the Qt event loop until ``condition`` holds, or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            raise SmokeFailed(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def _libvlc_path() -> str:
    from assessor_app.media.backend import vlc_module

    library = getattr(vlc_module(), "dll", None)
    return str(getattr(library, "_name", "unknown"))


def _first_video_assignment(session: ProfileSession) -> tuple[str, Artifact]:
    from assessor_app.domain.artifacts import ArtifactKind
    from assessor_app.domain.assignment_state import LocalState
    from assessor_app.services.scoring import NotReadyError, ScoringService

    store = session.store
    service = ScoringService(store)
    for item in store.assignments.queue(include_revoked=False):
        if item.local_state not in (LocalState.READY, LocalState.IN_PROGRESS):
            continue
        try:
            opened = service.open(item.assignment.id)
        except NotReadyError:
            continue
        for artifact in opened.submission.artifacts:
            if artifact.kind is ArtifactKind.VIDEO:
                return item.assignment.id, artifact
    raise SmokeFailed("no downloaded assignment has a video")


def _run(hub_url: str, username: str, password: str, timeout_s: float) -> None:
    from assessor_app.media.backend import VlcUnavailable, vlc_status
    from assessor_app.media.player import PlayerState
    from assessor_app.services.account import sign_in
    from assessor_app.store import data_root
    from assessor_app.store.secrets import KeyringUnavailable
    from assessor_app.sync.errors import HubError
    from assessor_app.ui.main_window import MainWindow
    from assessor_app.ui.qt import QSettings

    available, words = vlc_status()
    if not available:
        raise SmokeFailed(words)
    _say(f"{words} from {_libvlc_path()}")
    try:
        session = sign_in(hub_url, username, password)
    except KeyringUnavailable as error:
        raise SmokeFailed(f"no system keyring for the sign-in token: {error}") from None
    except HubError as error:
        raise SmokeFailed(f"sign-in to {hub_url} failed: {error}") from None
    _say(f"signed in to {session.profile.hub_url} as {username}")
    settings = QSettings(str(data_root() / "ui-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    try:
        window.resize(1280, 800)
        window.show()
        _say(f"main window shown: {window.windowTitle()}")
        outcome: list[str] = []
        runner = window.sync_runner
        if runner is None:
            raise SmokeFailed("the main window has no sync for this profile")
        runner.finished.connect(lambda report: outcome.append(report.summary()))
        runner.failed.connect(lambda message: outcome.append(f"FAILED {message}"))
        window.sync_now()
        _wait(lambda: bool(outcome), timeout_s, "the sync to finish")
        if outcome[0].startswith("FAILED"):
            raise SmokeFailed(f"sync failed: {outcome[0].removeprefix('FAILED ')}")
        _say(f"synced: {outcome[0]}")

        assignment_id, video = _first_video_assignment(session)
        started = time.monotonic()
        window.open_assignment(assignment_id)
        _wait(lambda: window.workspace is not None, timeout_s, "the workspace to open")
        workspace = window.workspace
        assert workspace is not None
        workspace.evidence.show_artifact(video.id)
        player = getattr(workspace.evidence.viewer(video.id), "player", None)
        if player is None:
            raise SmokeFailed(f"the video {video.filename} opened without a player")
        # The viewer decodes the first frame and pauses on it; then playback must move on.
        _wait(
            lambda: player.last_frame() is not None or player.state() == PlayerState.ERROR,
            timeout_s,
            "the first video frame",
        )
        if player.state() == PlayerState.ERROR:
            raise SmokeFailed(f"the player could not play {video.filename}")
        frame = player.last_frame()
        if frame.width() <= 0 or frame.height() <= 0:
            raise SmokeFailed("the first video frame is empty")
        elapsed_ms = (time.monotonic() - started) * 1000
        _say(
            f"first frame {frame.width()}x{frame.height()} of {video.filename} "
            f"{elapsed_ms:.0f} ms after opening the assignment"
        )
        start_ms = player.position()
        player.play()
        _wait(
            lambda: (
                (player.state() == PlayerState.PLAYING and player.position() >= start_ms + 500)
                or player.state() == PlayerState.ERROR
            ),
            timeout_s,
            "playback to advance",
        )
        if player.state() == PlayerState.ERROR:
            raise SmokeFailed(f"the player failed while playing {video.filename}")
        _say(f"playing: at {player.position()} ms, {player.frames_delivered} frames delivered")
        # Pause and let the workspace save what was watched before the window closes.
        player.pause()
        _wait(lambda: player.state() != PlayerState.PLAYING, timeout_s, "the player to pause")
        _wait(lambda: workspace.saves.state != "saving", timeout_s, "the workspace to save")
        if workspace.saves.state == "failed":
            raise SmokeFailed("the workspace could not save to the local database")
    except VlcUnavailable as error:
        raise SmokeFailed(str(error)) from None
    finally:
        window.close()
        session.close()


def run_smoke_test(hub_url: str, username: str = "demo1", timeout_s: float = 120.0) -> int:
    """Run the smoke test on the current QApplication (created if needed); 0 when it passed."""
    from assessor_app.ui.qt import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Assessor")
    password = os.environ.get(PASSWORD_ENV, DEMO_PASSWORD)
    try:
        _run(hub_url, username, password, timeout_s)
    except SmokeFailed as error:
        print(f"smoke: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    _say("ok")
    return 0
