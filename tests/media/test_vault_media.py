"""Media a hub may send, played from the real vault with the real libvlc: a video with no
audio track, an audio-only AAC .m4a, a truncated MP4 and a 720p MP4 of several MiB
(files made with ffmpeg here)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.media.player import PREFETCH_READ, PlayerState, VideoPlayer
from assessor_app.store.vault import Vault
from tests.media.conftest import (
    make_large_clip,
    make_silent_clip,
    make_tone_m4a,
    make_truncated_clip,
)


@pytest.fixture(scope="module")
def silent_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_silent_clip(tmp_path_factory.mktemp("silent") / "silent.mp4")


@pytest.fixture(scope="module")
def tone_m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tone_m4a(tmp_path_factory.mktemp("tone") / "tone.m4a")


@pytest.fixture(scope="module")
def truncated_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_truncated_clip(tmp_path_factory.mktemp("truncated") / "truncated.mp4")


def _open_from_vault(player: VideoPlayer, vault: Vault, path: Path) -> None:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault.put_file(path, digest)
    assert player.open_stream(vault.open(digest), len(data))


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)


def _play_to_the_end(qtbot: QtBot, player: VideoPlayer) -> list[int]:
    positions: list[int] = []
    player.positionChanged.connect(positions.append)
    qtbot.waitUntil(player.ready, timeout=8000)
    with qtbot.waitSignal(player.endReached, timeout=10_000):
        player.play()
    return positions


@pytest.mark.parametrize("clip_name", ["silent_clip", "tone_m4a"])
def test_the_clock_moves_without_an_audio_track_or_without_a_picture(
    qtbot: QtBot, player: VideoPlayer, vault: Vault, clip_name: str, request: pytest.FixtureRequest
):
    _open_from_vault(player, vault, request.getfixturevalue(clip_name))
    positions = _play_to_the_end(qtbot, player)
    during = positions[:-1]  # the last one is the end itself
    # The time reports while playing climb through the 3 s (about four a second).
    assert len(during) >= 6, positions
    assert during == sorted(during)
    assert during[0] < 800 and during[-1] >= 2000
    assert player.state() == PlayerState.ENDED and player.position() == 3000
    # Coverage is the whole clip played in one stretch, not a quarter second.
    assert list(player.played_ranges()) == [(0, 3000)]
    assert player.present_ms() is None


def test_a_truncated_file_plays_what_exists_and_says_it_ends_early(
    qtbot: QtBot, player: VideoPlayer, vault: Vault, truncated_clip: Path
):
    early: list[tuple[int, int]] = []
    player.endedEarly.connect(lambda present, duration: early.append((present, duration)))
    _open_from_vault(player, vault, truncated_clip)
    qtbot.waitUntil(lambda: player.duration() == 20_000, timeout=5000)
    positions = _play_to_the_end(qtbot, player)
    assert len(early) == 1
    present, duration = early[0]
    # About 1.2 s of the 20 s exists; frames were shown for it.
    assert duration == 20_000
    assert 1000 <= present < 1500, present
    assert player.frames_delivered >= 15
    # The playhead stops where the data stops instead of jumping to 0:20 ...
    assert player.position() == present == player.present_ms()
    assert max(positions) == present
    # ... and only what exists counts as watched.
    spans = list(player.played_ranges())
    assert spans[0][0] == 0 and spans[-1][1] == present
    # A seek into the missing part stops at the last moment that exists.
    player.seek(15_000)
    assert player.position() == present - player.frame_duration_ms()


def test_an_ordinary_end_after_a_seek_near_the_end_is_not_early(
    qtbot: QtBot, player: VideoPlayer, vault: Vault, silent_clip: Path
):
    early: list[tuple[int, int]] = []
    player.endedEarly.connect(lambda present, duration: early.append((present, duration)))
    _open_from_vault(player, vault, silent_clip)
    qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
    player.seek(2900)
    with qtbot.waitSignal(player.endReached, timeout=6000):
        player.play()
    assert early == [] and player.position() == 3000


class _Recorded:
    """A vault reader that notes how much VLC asks for at each read."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.asked: list[int] = []

    def read(self, size: int = -1, /) -> bytes:
        self.asked.append(size)
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self.stream.seek(offset, whence)

    def close(self) -> None:
        self.stream.close()


def test_vlc_reads_a_vault_stream_a_chunk_at_a_time(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    # Several MiB with its index at the end (ffmpeg's default), as classroom videos are:
    # VLC's read-ahead would ask for all of it at once, to be decrypted before the first
    # frame could start.
    clip = make_large_clip(tmp_path / "large.mp4")
    data = clip.read_bytes()
    assert len(data) > 3 * PREFETCH_READ
    digest = hashlib.sha256(data).hexdigest()
    vault.put_file(clip, digest)
    stream = _Recorded(vault.open(digest))
    player = VideoPlayer()
    try:
        with qtbot.waitSignal(player.frameReady, timeout=15_000):
            assert player.open_stream(stream, len(data))
        assert stream.asked
        assert max(stream.asked) <= PREFETCH_READ
    finally:
        player.close()
