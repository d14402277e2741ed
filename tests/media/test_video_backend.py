"""What happens when VLC cannot be used: a sentence, never an exception.

libvlc cannot be uninstalled for a test, so the loader is replaced by one that fails the
way python-vlc fails (ImportError without the package, NotImplementedError without
libvlc); "plugins missing" is real: VLC returns no instance for options it does not know.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.media import backend
from assessor_app.media.player import PlayerState, VideoPlayer


def test_status_when_vlc_works() -> None:
    available, message = backend.vlc_status()
    assert available
    assert message.startswith("VLC 3.")


def _fail_with(error: BaseException):
    def loader():
        raise error

    return loader


@pytest.mark.parametrize(
    ("error", "phrase"),
    [
        (ModuleNotFoundError("No module named 'vlc'"), "python-vlc package is missing"),
        (NotImplementedError("Cannot find libvlc lib"), "VLC (libvlc) is not installed"),
        (OSError("libvlc.so.5: cannot open shared object file"), "is not installed"),
    ],
)
def test_status_explains_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, phrase: str
) -> None:
    monkeypatch.setattr(backend, "_import_vlc", _fail_with(error))
    available, message = backend.vlc_status()
    assert not available
    assert phrase in message
    assert "sudo apt install vlc" in message
    assert "RPM Fusion" in message and "videolan.org" in message


def test_status_when_plugins_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real_args = backend.instance_args
    monkeypatch.setattr(
        backend, "instance_args", lambda audio: [*real_args(audio), "--no-such-option-here"]
    )
    available, message = backend.vlc_status()
    assert not available
    assert "vlc-plugin-base" in message


def test_player_refuses_to_open_without_vlc(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    backend.instance()  # started already: the open itself finds VLC missing
    monkeypatch.setattr(backend, "_import_vlc", _fail_with(NotImplementedError("no libvlc")))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not needed")
    player = VideoPlayer()
    with qtbot.waitSignal(player.errorOccurred, timeout=1000) as error:
        assert player.open_file(clip) is False
    assert "not installed" in error.args[0]
    assert player.state() == PlayerState.ERROR
    player.play()
    player.seek(500)
    player.close()


def test_audio_output_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(backend.AUDIO_ENV, "alsa")
    assert backend.default_audio_output() == "alsa"
    assert "--aout=alsa" in backend.instance_args("alsa")
    monkeypatch.delenv(backend.AUDIO_ENV)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert backend.default_audio_output() == "dummy"
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert backend.default_audio_output() is None
    assert not any(arg.startswith("--aout") for arg in backend.instance_args(None))


def test_broken_audio_output_still_shows_the_picture(qtbot: QtBot, mp4_clip: Path) -> None:
    # An audio module that does not exist only fails at playback; the picture must come.
    player = VideoPlayer(audio_output="no-such-audio-module")
    try:
        with qtbot.waitSignal(player.frameReady, timeout=5000):
            assert player.open_file(mp4_clip, autoplay=True)
        qtbot.waitUntil(lambda: player.position() >= 500, timeout=5000)
        assert player.state() == "playing"
    finally:
        player.close()
