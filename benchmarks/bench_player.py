"""Video player figures: open to first frame (goal < 300 ms) and frames delivered per
second at rate 1.0 and 2.0, on a generated 720p H.264 clip through real libvlc.

"Open to first frame" is the time from ``VideoPlayer.open_file`` to the first
``frameReady`` on the GUI thread. The first open of a process also creates the shared
libvlc instance (plugin loading); it is reported separately as the cold figure.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication

from assessor_app.media.player import PlayerState, VideoPlayer, wait_for_released
from benchmarks.result import Result

OPENS = 7
FPS_WINDOW_S = 2.0
SOURCE_FPS = 30


def _make_clip(directory: Path) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is required for the player benchmark")
    out = directory / "classroom-720p.mp4"
    subprocess.run(
        [
            ffmpeg, "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={SOURCE_FPS}:duration=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=10",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "60",
            "-c:a", "aac", "-shortest", str(out),
        ],
        check=True,
        timeout=300,
    )  # fmt: skip
    return out


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return False
        QCoreApplication.processEvents()
        time.sleep(0.0005)
    return True


def _time_to_first_frame(clip: Path) -> float:
    player = VideoPlayer()
    frames: list[float] = []
    player.frameReady.connect(lambda _image: frames.append(time.perf_counter()))
    start = time.perf_counter()
    player.open_file(clip)
    if not _wait(lambda: bool(frames), 10):
        raise RuntimeError("no frame within 10 s")
    elapsed_ms = (frames[0] - start) * 1000
    _wait(lambda: player.state() == PlayerState.PAUSED, 5)
    player.close()
    wait_for_released(10)
    return elapsed_ms


def _frames_per_second(clip: Path, rate: float) -> float:
    player = VideoPlayer()
    player.set_rate(rate)
    player.open_file(clip, autoplay=True)
    if not _wait(lambda: player.state() == PlayerState.PLAYING and player.frames_delivered > 5, 10):
        raise RuntimeError("playback did not start")
    first = player.frames_delivered
    start = time.perf_counter()
    _wait(lambda: time.perf_counter() - start >= FPS_WINDOW_S, FPS_WINDOW_S + 1)
    delivered = player.frames_delivered - first
    elapsed = time.perf_counter() - start
    player.close()
    wait_for_released(10)
    return delivered / elapsed


def run() -> list[Result]:
    app = QGuiApplication.instance() or QGuiApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        clip = _make_clip(Path(tmp))
        cold = _time_to_first_frame(clip)
        warm = statistics.median(_time_to_first_frame(clip) for _ in range(OPENS))
        fps_1 = _frames_per_second(clip, 1.0)
        fps_2 = _frames_per_second(clip, 2.0)
    del app
    return [
        Result("player: open to first frame, first in process (720p)", cold, "ms"),
        Result(f"player: open to first frame, median of {OPENS} (720p)", warm, "ms"),
        Result(
            "player: frames delivered at 1.0x", fps_1, "fps", f"source {SOURCE_FPS} fps",
            fps_1 / SOURCE_FPS,
        ),
        Result(
            "player: frames delivered at 2.0x", fps_2, "fps", f"2 x source {SOURCE_FPS} fps",
            fps_2 / (2 * SOURCE_FPS),
        ),
    ]  # fmt: skip
