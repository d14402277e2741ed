"""The video viewer with real libvlc: keys, time-pinned notes, markers, messages, and a
screenshot (written to docs/screenshots/video-viewer.png when ASSESSOR_UPDATE_SCREENSHOTS
is set, e.g. ``ASSESSOR_UPDATE_SCREENSHOTS=1 pytest tests/ui/test_video_viewer.py``)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.domain import Artifact, TimeRange
from assessor_app.media import backend
from assessor_app.media import player as player_module
from assessor_app.media.player import PlayerState
from assessor_app.ui.qt import QPoint, Qt
from assessor_app.ui.viewers.timeline import Marker
from assessor_app.ui.viewers.video_viewer import VideoViewer
from tests.media.conftest import make_corrupt_clip, make_counter_clip

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "video-viewer.png"
CRITERIA = [("c-wait", "Wait time after questions"), ("c-probe", "Probing follow-ups")]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_counter_clip(tmp_path_factory.mktemp("viewer") / "lesson.mp4")


@pytest.fixture
def viewer(qtbot: QtBot) -> Iterator[VideoViewer]:
    widget = VideoViewer(criteria=CRITERIA)
    qtbot.addWidget(widget)
    widget.resize(720, 520)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    widget.setFocus()
    yield widget
    widget.close_media()
    assert player_module.wait_for_released(10)


def _open(qtbot: QtBot, viewer: VideoViewer, clip: Path) -> None:
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        assert viewer.open_file(clip)
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PAUSED, timeout=5000)
    qtbot.waitUntil(lambda: viewer.player.duration() == 5000, timeout=5000)


def _key(qtbot: QtBot, viewer: VideoViewer, key: Qt.Key, text: str = "") -> None:
    qtbot.keyClick(viewer.focusWidget() or viewer, key)


def test_opens_to_a_painted_first_frame(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    assert viewer.frame_view.image() is not None
    assert viewer.frame_view.image().size().toTuple() == (320, 180)
    assert viewer.time_label.text() == "00:00 / 00:05"
    assert viewer.message() == ""
    grabbed = viewer.frame_view.grab().toImage()
    centre = grabbed.pixelColor(grabbed.width() // 2, grabbed.height() // 2)
    assert centre.value() > 0  # the frame is painted, not just the black background
    for control in (
        viewer.play_button,
        viewer.back_button,
        viewer.forward_button,
        viewer.frame_back_button,
        viewer.frame_forward_button,
        viewer.speed_box,
        viewer.volume_slider,
        viewer.note_button,
        viewer.goto_edit,
        viewer.timeline,
    ):
        assert control.accessibleName()
        assert control.toolTip()
    assert "(Space or K)" in viewer.play_button.toolTip()


def test_transport_keys(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    _key(qtbot, viewer, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PLAYING, timeout=3000)
    assert viewer.play_button.accessibleName() == "Pause"
    _key(qtbot, viewer, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PAUSED, timeout=3000)
    paused_at = viewer.player.position()
    _key(qtbot, viewer, Qt.Key.Key_L)
    assert viewer.player.position() == min(paused_at + 5000, 5000 - 40)
    viewer.player.seek(3000)
    _key(qtbot, viewer, Qt.Key.Key_J)
    assert viewer.player.position() == 0
    _key(qtbot, viewer, Qt.Key.Key_Period)
    assert viewer.player.position() == 40
    _key(qtbot, viewer, Qt.Key.Key_Comma)
    assert viewer.player.position() == 0
    _key(qtbot, viewer, Qt.Key.Key_BracketRight)
    assert viewer.player.rate() == 1.25
    assert viewer.speed_box.currentText() == "1.25×"
    for _ in range(6):
        _key(qtbot, viewer, Qt.Key.Key_BracketLeft)
    assert viewer.player.rate() == 0.5


def test_go_to_time(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    _key(qtbot, viewer, Qt.Key.Key_G)
    assert viewer.goto_edit.isVisible() and viewer.goto_edit.hasFocus()
    qtbot.keyClicks(viewer.goto_edit, "0:09")
    qtbot.keyClick(viewer.goto_edit, Qt.Key.Key_Return)
    assert viewer.goto_error.isVisible()
    assert "after the end of this video (00:05)" in viewer.goto_error.text()
    viewer.goto_edit.clear()
    qtbot.keyClicks(viewer.goto_edit, "0:03.5")
    qtbot.keyClick(viewer.goto_edit, Qt.Key.Key_Return)
    assert viewer.player.position() == 3500
    assert not viewer.goto_edit.isVisible()
    qtbot.waitUntil(lambda: viewer.time_label.text() == "00:03 / 00:05", timeout=2000)


def test_note_pauses_and_enter_saves_and_resumes(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    viewer.player.play()
    qtbot.waitUntil(lambda: viewer.player.position() >= 1000, timeout=5000)
    _key(qtbot, viewer, Qt.Key.Key_N)
    assert viewer.player.state() == PlayerState.PAUSED
    pinned = viewer.note_editor.time_ms()
    assert pinned >= 1000
    assert viewer.note_editor.isVisible() and viewer.note_editor.text_edit().hasFocus()
    # Space and letters type into the note; they do not drive the player.
    qtbot.keyClicks(viewer.note_editor.text_edit(), "Waits 4 s after the hinge question")
    assert viewer.player.state() == PlayerState.PAUSED
    viewer.note_editor.criterion_box().setCurrentIndex(1)
    with qtbot.waitSignal(viewer.noteCreated, timeout=1000) as created:
        qtbot.keyClick(viewer.note_editor.text_edit(), Qt.Key.Key_Return)
    assert created.args == [pinned, "Waits 4 s after the hinge question", "c-wait"]
    assert viewer.note_editor.isHidden()
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PLAYING, timeout=3000)
    assert [m.time_ms for m in viewer.timeline.markers()] == [pinned]


def test_note_escape_cancels(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    _key(qtbot, viewer, Qt.Key.Key_N)
    qtbot.keyClicks(viewer.note_editor.text_edit(), "never mind")
    with qtbot.assertNotEmitted(viewer.noteCreated):
        qtbot.keyClick(viewer.note_editor.text_edit(), Qt.Key.Key_Escape)
    assert viewer.note_editor.isHidden()
    assert viewer.player.state() == PlayerState.PAUSED  # it was paused before N, so it stays paused
    assert viewer.timeline.markers() == []


def test_clicking_a_marker_seeks(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    viewer.set_markers(
        [Marker(1000, "note", "Waits 4 s")],
        [Marker(3000, "citation", "C1 rationale", end_ms=4000)],
    )
    timeline = viewer.timeline
    x = round(timeline.x_for(3000))
    with qtbot.waitSignal(timeline.seekRequested, timeout=1000) as seek:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x + 3, 20))
    assert seek.args == [3000]
    assert viewer.player.position() == 3000
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for(1000)), 30))
    qtbot.waitUntil(lambda: timeline.toolTip() == "00:01 — Waits 4 s", timeout=1000)
    assert viewer.go_to(TimeRange(1000, 2000))
    assert viewer.player.position() == 1000


def test_cite_range_and_coverage(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    played: list[tuple[int, int]] = []
    viewer.playedRange.connect(lambda start, end: played.append((start, end)))
    _open(qtbot, viewer, clip)
    # C before playing, at 00:00: the window from the start, never "00:00-00:00".
    assert viewer.cite_target() == TimeRange(0, 5000)
    viewer.cite_window_ms = 3000
    assert viewer.cite_target() == TimeRange(0, 3000)
    viewer.player.play()
    qtbot.waitUntil(lambda: viewer.player.position() >= 1500, timeout=5000)
    viewer.player.pause()
    end = viewer.player.position()
    assert viewer.current_range() == (0, end)
    assert played and played[0][0] == 0
    viewer.player.seek(4000)
    # No marks: the window ending at the playhead.
    assert viewer.current_range() == (1000, 4000)
    assert viewer.position_state() == {"position_ms": 4000, "rate": 1.0}


def test_i_and_o_mark_the_range_and_esc_clears_it(qtbot: QtBot, viewer: VideoViewer, clip: Path):
    _open(qtbot, viewer, clip)
    viewer.player.seek(1000)
    qtbot.waitUntil(lambda: viewer.player.position() == 1000, timeout=2000)
    _key(qtbot, viewer, Qt.Key.Key_I)
    assert viewer.marks() == (1000, None)
    assert viewer.timeline.marks() == (1000, None)
    assert viewer.marks_label.text() == "From 00:01 (C cites, Esc clears)"
    viewer.player.seek(3500)
    qtbot.waitUntil(lambda: viewer.player.position() == 3500, timeout=2000)
    # Only the in point: from it up to the playhead.
    assert viewer.cite_target() == TimeRange(1000, 3500)
    _key(qtbot, viewer, Qt.Key.Key_O)
    assert viewer.marks() == (1000, 3500)
    assert viewer.marks_label.text() == "Marked 00:01–00:03 (C cites, Esc clears)"
    # Whole, even in an evidence pane narrower than beside the queue and rubric at 1366x768.
    viewer.resize(640, 520)
    label = viewer.marks_label
    qtbot.waitUntil(lambda: viewer.width() == 640, timeout=2000)
    qtbot.waitUntil(lambda: label.isVisible() and label.width() >= label.sizeHint().width())
    viewer.player.seek(0)
    qtbot.waitUntil(lambda: viewer.player.position() == 0, timeout=2000)
    # The marked range wherever the playhead is.
    assert viewer.cite_target() == TimeRange(1000, 3500)
    # An O before the I: the marks are taken in time order.
    _key(qtbot, viewer, Qt.Key.Key_O)
    assert viewer.cite_target() == TimeRange(0, 1000)
    _key(qtbot, viewer, Qt.Key.Key_Escape)
    assert viewer.marks() == (None, None) == viewer.timeline.marks()
    assert viewer.marks_label.text() == "" and not viewer.marks_label.isVisible()
    assert viewer.cite_target() == TimeRange(0, 5000)
    # Typing an "I" into the note editor is text, not a mark.
    _key(qtbot, viewer, Qt.Key.Key_N)
    qtbot.keyClicks(viewer.note_editor.text_edit(), "I")
    assert viewer.marks() == (None, None)
    qtbot.keyClick(viewer.note_editor.text_edit(), Qt.Key.Key_Escape)


def test_loads_from_a_stream_and_restores_position(qtbot: QtBot, viewer: VideoViewer, clip):
    data = clip.read_bytes()
    artifact = Artifact("a1", "lesson.mp4", "video/mp4", len(data), "0" * 64, "Lesson clip")
    stream = io.BytesIO(data)
    viewer.restore_position_state({"position_ms": 2000, "rate": 1.5})
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.load(stream, artifact)
    assert viewer.player.position() == 2000
    assert viewer.player.rate() == 1.5
    viewer.close_media()
    qtbot.waitUntil(lambda: player_module.wait_for_released(0.1), timeout=5000)
    assert not stream.closed  # the workspace owns the vault stream


def test_vlc_missing_shows_how_to_install(
    qtbot: QtBot, viewer: VideoViewer, clip: Path, monkeypatch: pytest.MonkeyPatch
):
    def no_libvlc():
        raise NotImplementedError("Cannot find libvlc lib")

    monkeypatch.setattr(backend, "_import_vlc", no_libvlc)
    # VLC not started yet: the open waits for its worker, which finds it missing.
    monkeypatch.setattr(backend, "_instances", {})
    with qtbot.waitSignal(viewer.failed, timeout=5000):
        assert viewer.open_file(clip) is True
    assert "sudo apt install vlc" in viewer.message()
    assert "videolan.org" in viewer.message()
    assert not viewer.play_button.isEnabled()
    _key(qtbot, viewer, Qt.Key.Key_Space)  # keys do nothing harmful
    assert viewer.player.state() in (PlayerState.ERROR, "stopped")


def test_unplayable_file_offers_an_export(qtbot: QtBot, viewer: VideoViewer, tmp_path: Path):
    broken = make_corrupt_clip(tmp_path / "broken.mp4")
    with qtbot.waitSignal(viewer.failed, timeout=10_000):
        viewer.open_file(broken)
    assert viewer.message().startswith("This video could not be played")
    assert viewer.export_button.isVisible()
    with qtbot.waitSignal(viewer.exportRequested, timeout=1000):
        qtbot.mouseClick(viewer.export_button, Qt.MouseButton.LeftButton)
    assert viewer.player.state() == PlayerState.ERROR


def test_screenshot_of_the_viewer_playing(
    qtbot: QtBot, viewer: VideoViewer, clip: Path, tmp_path: Path
):
    _open(qtbot, viewer, clip)
    viewer.set_markers(
        [Marker(1200, "note", "Waits 4 s after the hinge question")],
        [Marker(3000, "citation", "Wait time after questions", end_ms=3800)],
    )
    viewer.player.play()
    qtbot.waitUntil(lambda: viewer.player.position() >= 2200, timeout=5000)
    viewer.player.pause()
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PAUSED, timeout=3000)
    _key(qtbot, viewer, Qt.Key.Key_N)
    qtbot.keyClicks(viewer.note_editor.text_edit(), "Three students answer at once")
    target = SCREENSHOT if os.environ.get("ASSESSOR_UPDATE_SCREENSHOTS") else tmp_path / "v.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    image = viewer.grab().toImage()
    assert image.save(str(target))
    assert image.width() == 720
    # The picture area shows the frame, not the black letterbox.
    assert image.pixelColor(image.width() // 2, 150).value() > 0
    assert viewer.player.state() != PlayerState.ENDED


def test_an_audio_artifact_shows_a_caption_and_can_be_cited(qtbot: QtBot, tmp_path: Path) -> None:
    import io
    import shutil
    import subprocess

    from assessor_app.domain import Artifact, TimeRange

    clip = tmp_path / "tone.wav"
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is required (make test installs it)"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=3", str(clip)],
        check=True,
        timeout=60,
    )
    viewer = VideoViewer()
    qtbot.addWidget(viewer)
    artifact = Artifact("a1", "tone.wav", "audio/wav", clip.stat().st_size, "0" * 64, "Interview")
    with qtbot.waitSignal(viewer.loaded, timeout=10_000):
        viewer.load(io.BytesIO(clip.read_bytes()), artifact)
    assert viewer.frame_view.caption() == "♪ Audio only"
    assert viewer.message() == ""
    assert isinstance(viewer.cite_target(), TimeRange)
    viewer.close_media()
