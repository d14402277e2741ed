"""VLC starting on its worker thread (``backend.warm_up``) while a video is opened.

Each test empties the process's instance cache, so the open really finds VLC not started
and waits for a real warm-up; the instance that warm-up creates is released afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.media import backend
from assessor_app.media import player as player_module
from assessor_app.media.backend import VlcUnavailable
from assessor_app.media.player import PlayerState, VideoPlayer


@pytest.fixture
def cold_vlc(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[str, ...], Any]]:
    """No VLC instance yet in this process; yields the cache the warm-up fills."""
    fresh: dict[tuple[str, ...], Any] = {}
    monkeypatch.setattr(backend, "_instances", fresh)
    yield fresh
    assert player_module.wait_for_released(10)
    for created in fresh.values():
        created.release()


def _warm_up_done() -> bool:
    with backend._warm_lock:
        return not backend._warming


def test_an_open_during_warm_up_shows_the_first_frame_once_vlc_has_started(
    qtbot: QtBot, mp4_clip: Path, cold_vlc: dict[tuple[str, ...], Any]
) -> None:
    player = VideoPlayer()
    settled: list[tuple[str, VlcUnavailable | None]] = []
    try:
        with qtbot.waitSignal(player.frameReady, timeout=15_000):
            assert player.open_file(mp4_clip) is True
            assert player.state() == PlayerState.OPENING
            # Two more callers while it starts: they join it, nothing is created twice.
            for name in ("a", "b"):
                backend.warm_up(then=lambda error, name=name: settled.append((name, error)))
        qtbot.waitUntil(lambda: player.state() == PlayerState.PAUSED, timeout=5000)
        assert player.last_frame() is not None
        assert sorted(settled, key=lambda s: s[0]) == [("a", None), ("b", None)]
        assert list(cold_vlc.values()) == [backend.existing()]
    finally:
        player.close()


def test_play_and_seek_asked_during_warm_up_are_carried_out(
    qtbot: QtBot, mp4_clip: Path, cold_vlc: dict[tuple[str, ...], Any]
) -> None:
    player = VideoPlayer()
    try:
        assert player.open_file(mp4_clip)
        player.seek(2000)
        player.play()
        assert player.state() == PlayerState.OPENING
        assert player.position() == 2000
        qtbot.waitUntil(lambda: player.state() == PlayerState.PLAYING, timeout=15_000)
        qtbot.waitUntil(lambda: player.position() >= 2400, timeout=5000)
        assert player.position() < 4500
    finally:
        player.close()


def test_closing_during_warm_up_closes_the_stream_and_starts_nothing(
    qtbot: QtBot, mp4_clip: Path, cold_vlc: dict[tuple[str, ...], Any]
) -> None:
    player = VideoPlayer()
    states: list[str] = []
    errors: list[str] = []
    player.stateChanged.connect(states.append)
    player.errorOccurred.connect(errors.append)
    stream = open(mp4_clip, "rb")  # noqa: SIM115 - the player owns and closes it
    assert player.open_stream(stream, mp4_clip.stat().st_size)
    assert not stream.closed
    player.close()
    assert stream.closed
    assert player.state() == PlayerState.STOPPED
    qtbot.waitUntil(_warm_up_done, timeout=15_000)
    qtbot.wait(300)  # the warm-up's word reaches the GUI thread: nothing may start
    assert states == [PlayerState.OPENING, PlayerState.STOPPED]
    assert errors == []
    assert player.last_frame() is None
    # The one shared instance exists for the next video; no other was made.
    assert len(cold_vlc) == 1
    assert [t for t in threading.enumerate() if t.name == "vlc-warm-up"] == []


def test_vlc_missing_at_warm_up_is_said_and_the_stream_closed(
    qtbot: QtBot,
    mp4_clip: Path,
    cold_vlc: dict[tuple[str, ...], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_libvlc() -> None:
        raise NotImplementedError("Cannot find libvlc lib")

    monkeypatch.setattr(backend, "_import_vlc", no_libvlc)
    player = VideoPlayer()
    stream = open(mp4_clip, "rb")  # noqa: SIM115 - the player owns and closes it
    with qtbot.waitSignal(player.errorOccurred, timeout=5000) as error:
        assert player.open_stream(stream, mp4_clip.stat().st_size)
    assert "not installed" in error.args[0]
    assert player.state() == PlayerState.ERROR
    assert stream.closed
    assert cold_vlc == {}
    player.close()
