"""Check that the bundle's trimmed libvlc plays every evidence format the app accepts.

Run by ``make package-test`` with the project's Python but the *bundle's* libvlc, core and
plugins (through the same runtime hook the frozen app uses), and with the system's VLC
hidden, so a plugin missing from the bundle shows up as a failed format here rather
than on an assessor's laptop. Each clip is made with ffmpeg on the spot. Video formats
go through the app's own player, streamed from a file object exactly as from the vault,
and must deliver a first frame; audio-only formats must be decoded by libvlc.

    LD_LIBRARY_PATH=dist/assessor/_internal python packaging/format_check.py dist/assessor/_internal
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# (file name, ffmpeg output options, has video)
_VIDEO_IN = ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=2"]
_AUDIO_IN = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
FORMATS: tuple[tuple[str, list[str], bool], ...] = (
    ("h264-aac.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"], True),
    ("h264-aac.mov", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"], True),
    ("vp9-opus.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"], True),
    ("vp8-vorbis.webm", ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libvorbis"], True),
    ("h264-mp3.mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libmp3lame"], True),
    ("mpeg4-mp3.avi", ["-c:v", "mpeg4", "-c:a", "libmp3lame"], True),
    ("pcm.wav", ["-c:a", "pcm_s16le"], False),
    ("mp3.mp3", ["-c:a", "libmp3lame"], False),
    ("aac.m4a", ["-c:a", "aac"], False),
    ("vorbis.ogg", ["-c:a", "libvorbis"], False),
    ("opus.opus", ["-c:a", "libopus"], False),
    ("flac.flac", ["-c:a", "flac"], False),
)


def make_clip(folder: Path, name: str, options: list[str], video: bool) -> Path:
    path = folder / name
    inputs = [*_VIDEO_IN, *_AUDIO_IN] if video else _AUDIO_IN
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", *inputs, *options, "-shortest", str(path)],
        check=True,
    )
    return path


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            return False
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return True


def play_video(path: Path) -> str | None:
    """None when the app's player shows a first frame, else what went wrong."""
    from assessor_app.media.player import PlayerState, VideoPlayer

    player = VideoPlayer()
    try:
        player.open_stream(path.open("rb"), path.stat().st_size, autoplay=True)
        arrived = _wait(
            lambda: player.last_frame() is not None or player.state() == PlayerState.ERROR, 15
        )
        if player.state() == PlayerState.ERROR or not arrived:
            return f"no picture (player state {player.state()})"
        return None
    finally:
        player.close()


def play_audio(path: Path) -> str | None:
    """None when libvlc decodes audio from the file (its decoder statistics count it)."""
    from assessor_app.media import backend

    vlc = backend.vlc_module()
    media = backend.instance().media_new_path(str(path))
    media_player = backend.instance().media_player_new()
    stats = vlc.MediaStats()
    finished = (vlc.State.Ended, vlc.State.Error)

    def decoded() -> int:
        media.get_stats(stats)
        return int(stats.decoded_audio)

    try:
        media_player.set_media(media)
        media_player.play()
        _wait(lambda: decoded() > 0 or media_player.get_state() in finished, 15)
        if decoded() == 0:
            return f"no audio decoded (state {media_player.get_state()})"
        return None
    finally:
        media_player.stop()
        media_player.release()
        media.release()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit("usage: format_check.py BUNDLE_INTERNAL_DIR")
    bundle = Path(argv[0]).resolve()
    from rthook_vlc import configure

    if not configure(bundle):
        raise SystemExit(f"format-check: no libvlc in {bundle}")
    from PySide6.QtGui import QGuiApplication

    from assessor_app.media.backend import vlc_module, vlc_status

    _app = QGuiApplication(sys.argv[:1])
    available, words = vlc_status()
    library = str(getattr(vlc_module().dll, "_name", ""))
    if not available or not library.startswith(str(bundle)):
        raise SystemExit(f"format-check: bundle libvlc not in use ({words}; {library})")
    failures = []
    with tempfile.TemporaryDirectory(prefix="assessor-formats-") as tmp:
        for name, options, video in FORMATS:
            clip = make_clip(Path(tmp), name, options, video)
            problem = play_video(clip) if video else play_audio(clip)
            print(f"format-check: {name:<16} {'ok' if problem is None else problem}", flush=True)
            if problem is not None:
                failures.append(name)
    if failures:
        print(f"format-check: FAILED for {', '.join(failures)}", file=sys.stderr)
        return 1
    print(f"format-check: all {len(FORMATS)} formats play with {words} from the bundle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
