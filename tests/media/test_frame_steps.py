"""Frame steps with the real libvlc, played from the real vault: every press of ``,`` or
``.`` moves the picture exactly one frame, read from a barcode in the picture."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.media.player import PlayerState, VideoPlayer
from assessor_app.store.vault import Vault
from tests.media.conftest import barcode, make_barcode_clip

FRAME_MS = 40


@pytest.fixture(scope="module")
def barcode_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_barcode_clip(tmp_path_factory.mktemp("steps") / "barcode.mp4")


@pytest.fixture
def opened(qtbot: QtBot, player: VideoPlayer, barcode_clip: Path, tmp_path: Path) -> VideoPlayer:
    data = barcode_clip.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault = Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)
    vault.put_file(barcode_clip, digest)
    with qtbot.waitSignal(player.frameReady, timeout=5000):
        assert player.open_stream(vault.open(digest), len(data))
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    qtbot.waitUntil(lambda: player.frame_duration_ms() == FRAME_MS, timeout=5000)
    return player


def _shown(player: VideoPlayer) -> int:
    image = player.last_frame()
    assert image is not None
    return barcode(image)


def _settled(qtbot: QtBot, player: VideoPlayer) -> int:
    """The frame on screen once the steps pressed so far are carried out."""
    qtbot.waitUntil(lambda: not player.stepping(), timeout=5000)
    # VLC keeps showing the still picture; give a late frame the chance to show up.
    qtbot.wait(150)
    assert not player.stepping()
    return _shown(player)


def _seek_and_settle(qtbot: QtBot, player: VideoPlayer, ms: int) -> int:
    player.seek(ms)
    qtbot.waitUntil(lambda: abs(_shown(player) - ms // FRAME_MS) <= 4, timeout=5000)
    return _settled(qtbot, player)


def test_each_press_moves_exactly_one_frame(qtbot: QtBot, opened: VideoPlayer):
    player = opened
    frame = _seek_and_settle(qtbot, player, 2000)
    position = player.position()
    # Back across the keyframe at 1 s (frame 25) and well past where seeks land early.
    for direction in [-1] * 12 + [+1] * 5 + [-1, +1, -1, -1, +1, +1, +1]:
        player.step_frame(direction)
        frame += direction
        position += direction * FRAME_MS
        # The position moves at once, by one frame duration...
        assert player.position() == position
        # ... and the picture follows, by exactly one frame.
        assert _settled(qtbot, player) == frame
        assert player.state() == PlayerState.PAUSED


def test_presses_faster_than_the_picture_all_count(qtbot: QtBot, opened: VideoPlayer):
    player = opened
    frame = _seek_and_settle(qtbot, player, 3000)
    position = player.position()
    presses = [-1] * 7 + [+1] * 2 + [-1] * 3
    for direction in presses:
        player.step_frame(direction)
    assert player.position() == position + sum(presses) * FRAME_MS
    assert _settled(qtbot, player) == frame + sum(presses)


def test_step_back_just_after_playing(qtbot: QtBot, opened: VideoPlayer):
    player = opened
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 600, timeout=5000)
    player.pause()
    frame = _settled(qtbot, player)
    # The playhead stops with the picture, not at VLC's last (coarse) time report.
    assert abs(player.position() - frame * FRAME_MS) <= 3 * FRAME_MS
    player.step_frame(-1)
    assert _settled(qtbot, player) == frame - 1
    # Pressed while playing: it pauses, then steps back from the picture that stays.
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 1500, timeout=5000)
    player.step_frame(-1)
    assert player.state() == PlayerState.PAUSED
    qtbot.waitUntil(lambda: not player.stepping(), timeout=5000)
    before = _settled(qtbot, player)
    player.step_frame(-1)
    assert _settled(qtbot, player) == before - 1


def test_playing_on_after_steps_starts_from_the_frame_on_screen(qtbot: QtBot, opened: VideoPlayer):
    player = opened
    landed = _seek_and_settle(qtbot, player, 2000)
    for direction in (-1, -1, +1, -1):
        player.step_frame(direction)
    frame = _settled(qtbot, player)
    assert frame == landed - 2
    start = player.position()
    player.play()
    qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=5000)
    qtbot.waitUntil(lambda: player.position() >= start + 300, timeout=5000)
    # VLC's clock runs on while paused for frame steps; without a fresh start playback
    # jumped ahead by about the time spent stepping (a second or more).
    now = _shown(player)
    assert frame < now <= frame + 20, (frame, now)
    assert abs(player.position() - now * FRAME_MS) < 500
