"""VideoPlayer against real libvlc and real files: frames, transport, streams, errors."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from assessor_app.media.player import PlayerState, VideoPlayer, scaled_size
from assessor_app.store.vault import Vault
from tests.media.conftest import frame_index

FRAME_MS = 40


def _distinct_colours(image: QImage) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), 16) for y in range(0, 150, 10)})


def _open_paused(qtbot: QtBot, player: VideoPlayer, path: Path) -> None:
    with qtbot.waitSignal(player.frameReady, timeout=5000):
        assert player.open_file(path)
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)


def _wait_frame_near(qtbot: QtBot, player: VideoPlayer, frame: float, slack: float) -> None:
    def near() -> bool:
        image = player.last_frame()
        return image is not None and abs(frame_index(image) - frame) <= slack

    qtbot.waitUntil(near, timeout=5000)


def test_open_shows_the_first_frame_paused(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    states: list[str] = []
    player.stateChanged.connect(states.append)
    with qtbot.waitSignal(player.frameReady, timeout=5000) as frame:
        assert player.open_file(mp4_clip)
    image = frame.args[0]
    assert isinstance(image, QImage)
    assert (image.width(), image.height()) == (320, 180)
    assert _distinct_colours(image) > 10  # real picture, not a blank buffer
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    assert states[:2] == ["opening", "paused"]
    qtbot.waitUntil(lambda: player.duration() == 5000, timeout=5000)
    # On a loaded machine VLC may decode a few frames before the pause lands, as with
    # seeks (within about ±3 frames): the picture is the start of the clip, near frame 0.
    _wait_frame_near(qtbot, player, 0, 3)


def test_play_pause_and_position(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    before = player.frames_delivered
    player.play()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    qtbot.waitUntil(lambda: player.position() >= 1000, timeout=5000)
    assert player.frames_delivered - before >= 15
    player.pause()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    paused_at = player.position()
    assert 1000 <= paused_at < 3000
    with qtbot.assertNotEmitted(player.positionChanged, wait=400):
        pass
    assert player.position() == paused_at


def test_seek_while_paused_shows_that_frame(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    for target_ms in (3000, 1200, 4400):
        player.seek(target_ms)
        assert player.position() == target_ms
        # VLC's seeks land within about three frames of the target.
        _wait_frame_near(qtbot, player, target_ms / FRAME_MS, 3.5)
    player.skip(-5000)
    assert player.position() == 0
    player.skip(60_000)
    assert player.position() == 5000 - FRAME_MS  # clamped to the last frame


def test_frame_steps(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    player.seek(2000)
    _wait_frame_near(qtbot, player, 50, 3.5)
    start = frame_index(player.last_frame())
    for step in (1, 2, 3):
        player.step_frame(+1)
        assert player.position() == 2000 + step * FRAME_MS
        _wait_frame_near(qtbot, player, start + step, 0.7)
    player.step_frame(-1)
    assert player.position() == 2000 + 2 * FRAME_MS
    # Back is exact too (see test_frame_steps.py for the frame-exact checks).
    _wait_frame_near(qtbot, player, start + 2, 0.7)
    assert player.state() == PlayerState.PAUSED


def test_step_frame_while_playing_pauses(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    player.play()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    player.step_frame(+1)
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)


def test_rate_two_plays_twice_as_fast(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    assert player.set_rate(5) == 2.0
    assert player.set_rate(0.1) == 0.5
    _open_paused(qtbot, player, mp4_clip)
    assert player.set_rate(2.0) == 2.0
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 300, timeout=5000)
    start_pos, start = player.position(), time.monotonic()
    qtbot.waitUntil(lambda: player.position() >= start_pos + 2000, timeout=5000)
    elapsed_ms = (time.monotonic() - start) * 1000
    # 2 s of video at 2x is about 1 s of wall time; rate 1 would need 2 s.
    assert elapsed_ms < 1600


def test_end_reached(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    player.seek(4000)
    with qtbot.waitSignal(player.endReached, timeout=6000):
        player.play()
    assert player.state() == PlayerState.ENDED
    assert player.position() == 5000
    # Play again after the end starts over.
    player.play()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    qtbot.waitUntil(lambda: 0 < player.position() < 4000, timeout=5000)


def test_played_ranges_skip_seeks(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    reported: list[tuple[int, int]] = []
    player.playedRange.connect(lambda start, end: reported.append((start, end)))
    _open_paused(qtbot, player, mp4_clip)
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 1000, timeout=5000)
    player.seek(3500)
    with qtbot.waitSignal(player.endReached, timeout=6000):
        pass
    played = player.played_ranges()
    spans = list(played)
    assert len(spans) == 2, spans
    (a_start, a_end), (b_start, b_end) = spans
    assert a_start == 0 and 1000 <= a_end < 2500
    assert 3300 <= b_start < 3700 and b_end == 5000
    assert played.share(5000) < 0.75
    assert reported and reported[-1][1] == 5000


def test_open_stream_from_memory(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    data = mp4_clip.read_bytes()
    source = io.BytesIO(data)
    with qtbot.waitSignal(player.frameReady, timeout=5000):
        assert player.open_stream(source, len(data))
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    player.seek(3000)
    _wait_frame_near(qtbot, player, 75, 3.5)
    with qtbot.waitSignal(player.endReached, timeout=6000):
        player.play()
    player.close()
    qtbot.waitUntil(lambda: source.closed, timeout=5000)


def test_open_stream_from_the_vault(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path, tmp_path):
    data = mp4_clip.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault = Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)
    vault.put_file(mp4_clip, digest)
    assert data[:4096] not in vault.path_for(digest).read_bytes()
    with qtbot.waitSignal(player.frameReady, timeout=5000):
        assert player.open_stream(vault.open(digest), len(data))
    player.seek(4000)
    _wait_frame_near(qtbot, player, 100, 3.5)


def test_webm_plays(qtbot: QtBot, player: VideoPlayer, webm_clip: Path):
    with qtbot.waitSignal(player.frameReady, timeout=5000) as frame:
        assert player.open_file(webm_clip, autoplay=True)
    assert frame.args[0].size().toTuple() == (320, 180)
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    qtbot.waitUntil(lambda: abs(player.duration() - 3000) < 100, timeout=5000)
    with qtbot.waitSignal(player.endReached, timeout=6000):
        pass


def test_start_position(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    with qtbot.waitSignal(player.frameReady, timeout=5000):
        assert player.open_file(mp4_clip, start_ms=2000)
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    assert player.position() == 2000
    _wait_frame_near(qtbot, player, 50, 3.5)


def test_corrupt_file_reports_an_error(qtbot: QtBot, player: VideoPlayer, corrupt_clip: Path):
    with qtbot.waitSignal(player.errorOccurred, timeout=10_000) as error:
        player.open_file(corrupt_clip)
    assert error.args[0].startswith("This video could not be played")
    assert player.state() == PlayerState.ERROR
    # The transport stays inert rather than raising.
    player.play()
    player.seek(1000)
    player.step_frame(1)
    assert player.state() == PlayerState.ERROR


def test_missing_file_reports_an_error(qtbot: QtBot, player: VideoPlayer, tmp_path: Path):
    with qtbot.waitSignal(player.errorOccurred, timeout=1000) as error:
        assert not player.open_file(tmp_path / "gone.mp4")
    assert "missing" in error.args[0]
    assert player.state() == PlayerState.ERROR


def test_close_returns_at_once(qtbot: QtBot, player: VideoPlayer, mp4_clip: Path):
    _open_paused(qtbot, player, mp4_clip)
    player.play()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    start = time.perf_counter()
    player.close()
    assert time.perf_counter() - start < 0.05
    assert player.state() == "stopped"
    delivered = player.frames_delivered
    with qtbot.assertNotEmitted(player.frameReady, wait=300):
        pass
    assert player.frames_delivered == delivered


def test_scaled_size_keeps_aspect_and_caps_width():
    assert scaled_size(320, 180, 1280) == (320, 180)
    assert scaled_size(1920, 1080, 1280) == (1280, 720)
    assert scaled_size(3840, 1600, 1280) == (1280, 532)
    assert scaled_size(0, 0, 1280) == (0, 0)


def test_audio_only_artifacts_play_without_a_picture(
    qtbot: QtBot, player: VideoPlayer, media_dir: Path
) -> None:
    import shutil
    import subprocess

    clip = media_dir / "tone.mp3"
    if not clip.exists():
        ffmpeg = shutil.which("ffmpeg")
        assert ffmpeg, "ffmpeg is required (make test installs it)"
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=3",
                str(clip),
            ],
            check=True,
            timeout=60,
        )
    states: list[str] = []
    player.stateChanged.connect(states.append)
    assert player.open_file(clip)
    qtbot.waitUntil(player.ready, timeout=8000)
    assert player.is_audio_only()
    assert player.last_frame() is None
    assert player.state() == "paused"
    with qtbot.waitSignal(player.endReached, timeout=10_000):
        player.play()
    assert "error" not in states
    assert player.played_ranges().total_ms > 2000
