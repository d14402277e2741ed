"""The video viewer on media a hub may send, from the real vault with the real libvlc: a
silent video keeps its time label and cite range moving, and a truncated file says that
it ends early (notice, timeline) — with a screenshot (docs/screenshots/
video-viewer-ends-early.png when ASSESSOR_UPDATE_SCREENSHOTS is set)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.domain import Artifact, TimeRange
from assessor_app.media import player as player_module
from assessor_app.media.player import PlayerState
from assessor_app.store.vault import Vault
from assessor_app.ui.qt import QPoint
from assessor_app.ui.viewers.video_viewer import VideoViewer, ends_early_text
from tests.media.conftest import make_silent_clip, make_truncated_clip

SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "video-viewer-ends-early.png"
)


@pytest.fixture
def viewer(qtbot: QtBot) -> Iterator[VideoViewer]:
    widget = VideoViewer()
    qtbot.addWidget(widget)
    widget.resize(720, 520)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.close_media()
    assert player_module.wait_for_released(10)


def _load_from_vault(qtbot: QtBot, viewer: VideoViewer, path: Path, tmp_path: Path) -> None:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault = Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)
    vault.put_file(path, digest)
    artifact = Artifact("a1", path.name, "video/mp4", len(data), digest, "Lesson clip")
    with qtbot.waitSignal(viewer.loaded, timeout=8000):
        viewer.load(vault.open(digest), artifact)
    qtbot.waitUntil(lambda: viewer.player.state() == PlayerState.PAUSED, timeout=5000)


def test_a_silent_video_moves_the_time_label_and_cites_what_was_watched(
    qtbot: QtBot, viewer: VideoViewer, tmp_path: Path
):
    _load_from_vault(qtbot, viewer, make_silent_clip(tmp_path / "silent.mp4"), tmp_path)
    labels: set[str] = set()
    viewer.positionChanged.connect(lambda _ms: labels.add(viewer.time_label.text()))
    viewer.player.play()
    qtbot.waitUntil(lambda: viewer.player.position() >= 2100, timeout=5000)
    viewer.player.pause()
    assert {"00:01 / 00:03", "00:02 / 00:03"} <= labels
    start, end = viewer.current_range()
    assert start == 0 and end == viewer.player.position() >= 2100
    assert viewer.cite_target() == TimeRange(start, end)
    assert viewer.player.played_ranges().total_ms >= 2000
    assert viewer.notice.isHidden()


def test_a_truncated_video_says_that_it_ends_early(
    qtbot: QtBot, viewer: VideoViewer, tmp_path: Path
):
    _load_from_vault(qtbot, viewer, make_truncated_clip(tmp_path / "cut.mp4"), tmp_path)
    assert viewer.notice.isHidden()
    with qtbot.waitSignal(viewer.player.endReached, timeout=8000):
        viewer.player.play()
    assert viewer.player.state() == PlayerState.ENDED
    present = viewer.player.present_ms()
    assert present is not None and 1000 <= present < 1500
    assert viewer.notice.isVisible()
    assert viewer.notice.text() == (
        "This video ends early: only 00:01 of 00:20 is present. The file is incomplete; "
        "what exists can be watched and cited."
    )
    assert viewer.time_label.text() == "00:01 / 00:20"  # the playhead stays at the end of the data
    timeline = viewer.timeline
    assert timeline.present() == present
    # The playhead rests where the data stops, and the missing part explains itself.
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for(12_000)), 20))
    qtbot.waitUntil(lambda: "Missing from the file" in timeline.toolTip(), timeout=1000)
    # Seen from a screen: the notice, the picture of the last frame, the hatched rest.
    target = SCREENSHOT if os.environ.get("ASSESSOR_UPDATE_SCREENSHOTS") else tmp_path / "e.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    image = viewer.grab().toImage()
    assert image.save(str(target))
    assert image.pixelColor(image.width() // 2, 150).value() > 0
    # Opening something else clears the notice.
    viewer.close_media()
    assert viewer.notice.isHidden() and timeline.present() is None


def test_the_notice_names_a_recording_and_rounds_to_seconds():
    assert ends_early_text(1400, 20_000).startswith(
        "This video ends early: only 00:01 of 00:20 is present."
    )
    assert ends_early_text(65_600, 600_000, audio_only=True).startswith(
        "This recording ends early: only 01:06 of 10:00 is present."
    )


def test_the_workspace_measures_coverage_against_what_exists(qtbot: QtBot, tmp_path: Path):
    from assessor_app.ui.qt import QWidget
    from assessor_app.ui.workspace.media import make_media_viewer

    clip = make_truncated_clip(tmp_path / "cut.mp4")
    data = clip.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault = Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)
    vault.put_file(clip, digest)
    artifact = Artifact("a1", clip.name, "video/mp4", len(data), digest, "Lesson clip")
    durations: list[int] = []
    played: list[tuple[int, int]] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    viewer = make_media_viewer(
        artifact,
        parent,
        criteria=[],
        notes=[],
        citations=[],
        position_ms=0,
        cite_window_ms=10_000,
        export_copy=lambda _path: None,
        on_note=lambda *_args: None,
        on_played=lambda start, end: played.append((start, end)),
        on_position=lambda _ms: None,
        on_duration=durations.append,
    )
    with qtbot.waitSignal(viewer.loaded, timeout=8000):
        viewer.load(vault.open(digest), artifact)
    with qtbot.waitSignal(viewer.player.endReached, timeout=8000):
        viewer.player.play()
    present = viewer.player.present_ms()
    assert present is not None
    # First the length the file claims, then what exists: finalize compares coverage
    # with the part that can be watched.
    assert durations == [20_000, present]
    assert played and max(end for _start, end in played) == present
    viewer.close_media()
    assert player_module.wait_for_released(10)
