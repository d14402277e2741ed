"""Opening a workspace reads what it takes from the profile (the comment bank, the
"addressed" marks, whether typing pauses the video, the cite window) on the database
worker, never on the GUI thread, and shows it once it arrives.

A real hub on 127.0.0.1 and a resubmission synced into a real profile store, the video
played by libvlc from the encrypted vault. The store's own settings reads, and every
store session the open starts, are watched for the thread they run on; they still do the
reading.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from support.app_desk import main_window, sync
from support.hub import CREDENTIAL_ID, RunningHub, make_video
from support.settings_dialog import save_settings_when_shown
from support.shots import save_shot

from assessor_app.services.account import ProfileSession
from assessor_app.services.scoring import ScoringService
from assessor_app.services.settings import SettingsService, WorkspaceSettings
from assessor_app.store.db import Database
from assessor_app.store.repositories.settings import Settings
from assessor_app.ui.background import Executors
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QSettings, QTimer
from assessor_app.ui.settings_dialog import SettingsDialog
from assessor_app.ui.viewers.video_viewer import VideoViewer
from assessor_app.ui.workspace.workspace import Workspace

C1, C2 = "c1-wait", "c2-reflection"
BANK = ["Quote the lesson plan.", "Name the wait time you saw."]
_READS = ("comment_bank", "addressed_marks", "pause_on_typing", "cite_window_seconds")


class ReadWatch:
    """Which settings reads ran on which thread; ``gate`` holds them until it is set."""

    def __init__(self) -> None:
        self.threads: dict[str, set[int]] = {}
        self.gate = threading.Event()
        self.gate.set()

    def wrap(self, name: str, read: Callable[..., object]) -> Callable[..., object]:
        def watched(repo: Settings, *args: object) -> object:
            self.threads.setdefault(name, set()).add(threading.get_ident())
            assert self.gate.wait(10), "the gate was never opened"
            return read(repo, *args)

        return watched


@pytest.fixture
def resubmission(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> Iterator[tuple[MainWindow, str]]:
    """A synced main window with one resubmission (video first) and the profile's
    settings for it stored: a comment bank, C1 marked addressed, typing does not pause,
    a 25 s cite window."""
    clip = make_video(tmp_path / "clip.mp4", seconds=6, size="640x360")
    seeded = hub.seed_submission(
        "ann", {"clip.mp4": clip, "notes.md": b"# Lesson notes"}, resubmission=True
    )
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    service = SettingsService(session.store)
    service.set_comment_bank(CREDENTIAL_ID, BANK)
    service.set_addressed_marks(seeded.assignment_id, {C1: True})
    service.save(replace(service.read(), pause_on_typing=False, cite_window_seconds=25))
    yield window, seeded.assignment_id
    window.close()


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> ReadWatch:
    watch = ReadWatch()
    for name in _READS:
        monkeypatch.setattr(Settings, name, watch.wrap(name, getattr(Settings, name)))
    return watch


@pytest.fixture
def store_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every read and write of the store, in order."""
    threads: list[int] = []

    def watched(open_session: Callable[[Database], object]) -> Callable[[Database], object]:
        def record(db: Database) -> object:
            threads.append(threading.get_ident())
            return open_session(db)

        return record

    for name in ("reading", "transaction"):
        monkeypatch.setattr(Database, name, watched(getattr(Database, name)))
    return threads


def _video(workspace: Workspace) -> VideoViewer:
    viewer = workspace.evidence.current_viewer()
    assert isinstance(viewer, VideoViewer)
    return viewer


def test_opening_reads_the_profile_off_the_gui_thread_and_shows_it(
    qtbot: QtBot,
    resubmission: tuple[MainWindow, str],
    watch: ReadWatch,
    store_threads: list[int],
    tmp_path: Path,
) -> None:
    window, aid = resubmission
    gui = threading.get_ident()
    store_threads.clear()
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    qtbot.waitUntil(lambda: workspace.typing.enabled is False, timeout=10_000)
    qtbot.waitUntil(workspace.rest_built, timeout=15_000)

    assert set(watch.threads) == set(_READS)
    assert all(gui not in threads for threads in watch.threads.values()), watch.threads
    # Nothing else of the open touched the store on the GUI thread either.
    assert store_threads and gui not in store_threads
    rubric = workspace.rubric
    assert rubric.comment_bank() == BANK
    assert [rubric.bank_list.item(i).text() for i in range(rubric.bank_list.count())] == BANK
    assert rubric.addressed() == {C1: True, C2: False}
    assert _video(workspace).cite_window_ms == 25_000
    # C with no marked range reaches 25 s back from the playhead.
    viewer = _video(workspace)
    qtbot.waitUntil(lambda: viewer.player.duration() > 0, timeout=15_000)
    viewer.player.seek(5_000)
    qtbot.waitUntil(lambda: viewer.player.position() >= 4_000, timeout=10_000)
    citation = viewer.citation()
    assert citation is not None
    assert citation.target.start_ms == 0  # type: ignore[union-attr]
    save_shot(window, "workspace-after-profile-read.png", tmp_path)
    rubric.tabs.setCurrentWidget(rubric.feedback_tab)
    save_shot(window, "workspace-comment-bank.png", tmp_path)


def test_closing_at_once_while_the_read_is_under_way_is_safe(
    qtbot: QtBot,
    resubmission: tuple[MainWindow, str],
    watch: ReadWatch,
    session: ProfileSession,
) -> None:
    window, aid = resubmission
    watch.gate.clear()
    closed: list[Workspace] = []

    def close_at_once(_index: int) -> None:
        workspace = window.workspace
        if workspace is None or window.right.currentWidget() is not workspace:
            return
        window.right.currentChanged.disconnect(close_at_once)
        closed.append(workspace)

        def close() -> None:
            # The read is still held: it can only finish while the window closes (which
            # waits for the database worker), so it arrives at a closed workspace.
            assert not watch.gate.is_set()
            threading.Timer(0.3, watch.gate.set).start()
            window.close()

        QTimer.singleShot(0, close)

    window.right.currentChanged.connect(close_at_once)
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: bool(closed) and window.workspace is None, timeout=10_000)
    assert window.executors.wait(10_000)
    # The relay delivers on the GUI thread after the close; an exception in that slot
    # fails this test.
    qtbot.wait(300)
    assert set(watch.threads) == set(_READS)
    assert closed[0].workspace_settings == WorkspaceSettings()
    # Nothing the workspace holds was written back over what the profile had.
    assert SettingsService(session.store).for_workspace(CREDENTIAL_ID, aid) == WorkspaceSettings(
        comment_bank=tuple(BANK), addressed={C1: True}, pause_on_typing=False, cite_window_ms=25_000
    )


def test_a_comment_and_a_mark_added_before_the_read_arrives_are_kept(
    qtbot: QtBot,
    resubmission: tuple[MainWindow, str],
    watch: ReadWatch,
    session: ProfileSession,
    tmp_path: Path,
) -> None:
    _window, aid = resubmission
    executors = Executors(net_threads=1)
    watch.gate.clear()
    opened = ScoringService(session.store).open(aid)
    settings = QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat)
    workspace = Workspace(opened, session, executors, settings)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    try:
        # Until the read arrives: an empty bank, no marks, the default typing pause.
        rubric = workspace.rubric
        assert rubric.comment_bank() == [] and rubric.addressed() == {C1: False, C2: False}
        assert workspace.typing.enabled is True
        rubric.new_comment.setText("Count the seconds aloud.")
        rubric.add_comment_button.click()
        checkbox = rubric.criterion_pages[1].addressed
        assert checkbox is not None
        checkbox.setChecked(True)
        with qtbot.waitSignal(workspace.settingsRead, timeout=10_000):
            watch.gate.set()
        assert rubric.comment_bank() == [*BANK, "Count the seconds aloud."]
        assert rubric.addressed() == {C1: True, C2: True}
        assert workspace.typing.enabled is False
        qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
        assert workspace.saves.flush()
        stored = SettingsService(session.store)
        assert stored.comment_bank(CREDENTIAL_ID) == [*BANK, "Count the seconds aloud."]
        assert stored.addressed_marks(aid) == {C1: True, C2: True}
    finally:
        watch.gate.set()
        workspace.close_workspace()
        executors.wait()


def test_the_settings_dialog_applies_the_cite_window_and_typing_pause_at_once(
    qtbot: QtBot, resubmission: tuple[MainWindow, str], session: ProfileSession
) -> None:
    window, aid = resubmission
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    qtbot.waitUntil(lambda: _video(workspace).cite_window_ms == 25_000, timeout=10_000)

    def change(dialog: SettingsDialog) -> None:
        dialog.cite_window.setValue(4)
        dialog.pause_on_typing.setChecked(True)

    save_settings_when_shown(change)
    window.show_settings()
    # The open workspace has what the dialog saved, without reopening the submission.
    assert _video(workspace).cite_window_ms == 4_000
    assert workspace.typing.enabled is True
    assert SettingsService(session.store).cite_window_ms() == 4_000


def test_settings_that_cannot_be_read_leave_the_defaults_and_say_so(
    qtbot: QtBot, resubmission: tuple[MainWindow, str], session: ProfileSession, tmp_path: Path
) -> None:
    window, aid = resubmission
    # A damaged row: the marks are stored as a list, not per criterion.
    session.store.settings.set(f"addressed:{aid}", ["c1-wait"])
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    qtbot.waitUntil(
        lambda: "could not be read" in window.statusBar().currentMessage(), timeout=10_000
    )
    assert workspace.workspace_settings == WorkspaceSettings()
    assert workspace.typing.enabled is True
    save_shot(window, "workspace-settings-not-read.png", tmp_path)
    # The sheet itself works as ever: a level is chosen and saved.
    assert workspace.rubric.choose_level(0, 2)
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert workspace.saves.flush()
    assert ScoringService(session.store).open(aid).sheet.score(C1).level_id == "proficient"
