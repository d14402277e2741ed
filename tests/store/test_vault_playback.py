"""libvlc plays a video straight from the encrypted vault through media callbacks, so the
player needs no plaintext copy on disk."""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import vlc

from assessor_app.store.vault import Vault, VaultIntegrityError


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is required (make test installs it)"
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            ffmpeg, "-v", "error", "-y", "-f", "lavfi",
            "-i", "testsrc2=duration=3:size=320x180:rate=25",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return out


def test_libvlc_plays_from_the_vault(tmp_path: Path, clip: Path) -> None:
    data = clip.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    vault = Vault(tmp_path / "vault", bytes(range(32)), chunk_size=64 * 1024)
    vault.put_file(clip, digest)
    clip_in_vault = vault.path_for(digest).read_bytes()
    assert data[:4096] not in clip_in_vault

    source = vault.open(digest)
    served = {"bytes": 0, "seeks": 0}

    @vlc.CallbackDecorators.MediaOpenCb
    def open_cb(opaque, datap, sizep):  # type: ignore[no-untyped-def]
        sizep.contents.value = source.size()
        source.seek(0)
        return 0

    @vlc.CallbackDecorators.MediaReadCb
    def read_cb(opaque, buf, length):  # type: ignore[no-untyped-def]
        try:
            chunk = source.read(length)
        except VaultIntegrityError:
            return -1
        ctypes.memmove(buf, chunk, len(chunk))
        served["bytes"] += len(chunk)
        return len(chunk)

    @vlc.CallbackDecorators.MediaSeekCb
    def seek_cb(opaque, offset):  # type: ignore[no-untyped-def]
        source.seek(offset)
        served["seeks"] += 1
        return 0

    @vlc.CallbackDecorators.MediaCloseCb
    def close_cb(opaque):  # type: ignore[no-untyped-def]
        return None

    instance = vlc.Instance("--quiet", "--intf=dummy", "--vout=dummy", "--aout=dummy")
    assert instance is not None, "libvlc could not start (is vlc-plugin-base installed?)"
    # ctypes callbacks must outlive the media: keep them referenced until the end.
    callbacks = (open_cb, read_cb, seek_cb, close_cb)
    media = instance.media_new_callbacks(*callbacks, None)
    player = instance.media_player_new()
    player.set_media(media)
    playing, ended, failed = threading.Event(), threading.Event(), threading.Event()
    events = player.event_manager()
    events.event_attach(vlc.EventType.MediaPlayerPlaying, lambda _e: playing.set())
    events.event_attach(vlc.EventType.MediaPlayerEndReached, lambda _e: ended.set())
    events.event_attach(vlc.EventType.MediaPlayerEncounteredError, lambda _e: failed.set())
    try:
        assert player.play() == 0
        assert playing.wait(15), "playback never started"
        assert ended.wait(20) or failed.is_set(), "playback never reached the end"
        assert not failed.is_set(), "libvlc reported an error reading from the vault"
        assert 2500 <= media.get_duration() <= 3500
        assert served["bytes"] >= len(data) * 0.9
    finally:
        player.stop()
        player.release()
        media.release()
        instance.release()
        source.close()
    assert callbacks
