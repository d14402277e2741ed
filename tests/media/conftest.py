"""Real media for the player tests, made once per session with ffmpeg.

The MP4 carries its frame number twice: as text (for people looking at screenshots) and
as the grey level of a strip along the bottom, which :func:`frame_index` reads back, so a
test can tell which frame VLC actually delivered.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor_app.media import player as player_module
from assessor_app.media.player import VideoPlayer

STRIP_Y = 168  # a row inside the strip drawn at y=156..179
STRIP_SLOPE = 1.7  # luma steps per frame


def _ffmpeg(*args: str) -> None:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is required (make test installs it)"
    subprocess.run([ffmpeg, "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


def make_counter_clip(out: Path) -> Path:
    """5 s, 320x180, 25 fps H.264 + AAC, a keyframe every second."""
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=5",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
        "-f", "lavfi", "-i", "color=c=gray:s=320x24:r=25:d=5",
        "-filter_complex",
        "[0:v]drawtext=text='%{n}':fontsize=48:fontcolor=white:box=1:boxcolor=black"
        ":x=10:y=10[a];"
        f"[2:v]format=yuv420p,geq=lum='16+N*{STRIP_SLOPE}':cb=128:cr=128[s];"
        "[a][s]overlay=0:156:shortest=1[v]",
        "-map", "[v]", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-g", "25", "-c:a", "aac", "-shortest", str(out),
    )  # fmt: skip
    return out


BARCODE_Y = 168  # a row inside the barcode drawn at y=156..179
BARCODE_BITS = 8


def make_barcode_clip(out: Path) -> Path:
    """4 s, 320x180, 25 fps H.264 (with B-frames, as x264 makes by default) + AAC. The
    bottom strip spells the frame number in binary, 20 px per bit, so a test reads the
    exact frame on screen with :func:`barcode`."""
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
        "-f", "lavfi", "-i", "color=c=gray:s=320x24:r=25:d=4",
        "-filter_complex",
        "[2:v]format=yuv420p,geq=lum='16+219*mod(floor(N/pow(2,floor(X/20))),2)'"
        ":cb=128:cr=128[s];[0:v][s]overlay=0:156:shortest=1[v]",
        "-map", "[v]", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-g", "25", "-c:a", "aac", "-shortest", str(out),
    )  # fmt: skip
    return out


def barcode(image: object) -> int:
    """The frame number spelled by the strip of :func:`make_barcode_clip`."""
    return sum(
        1 << bit
        for bit in range(BARCODE_BITS)
        if image.pixelColor(bit * 20 + 10, BARCODE_Y).value() > 128  # type: ignore[attr-defined]
    )


def make_large_clip(out: Path) -> Path:
    """4 s of 720p H.264 at a high bitrate (about 5 MiB), its index at the end."""
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=4",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "10M", "-pix_fmt", "yuv420p",
        str(out),
    )  # fmt: skip
    return out


def make_silent_clip(out: Path) -> Path:
    """3 s, 320x180, 25 fps H.264 and no audio track at all."""
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", str(out),
    )  # fmt: skip
    return out


def make_tone_m4a(out: Path) -> Path:
    """3 s of AAC in an MP4 container (.m4a): sound, no picture."""
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", str(out),
    )  # fmt: skip
    return out


def make_truncated_clip(out: Path) -> Path:
    """A 20 s H.264 + AAC MP4 cut off after about its first 1.3 seconds: the index (moved to
    the front, as uploads usually have it) still promises 20 s."""
    whole = out.with_name(out.stem + "-whole.mp4")
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=20",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=20",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac",
        "-shortest", "-movflags", "+faststart", str(whole),
    )  # fmt: skip
    data = whole.read_bytes()
    # The index takes a few KiB at the front; the interleaved samples follow evenly.
    out.write_bytes(data[: len(data) // 12])
    whole.unlink()
    return out


def make_corrupt_clip(out: Path) -> Path:
    """Named like a video, but no demuxer can make sense of it."""
    out.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 400)
    return out


@pytest.fixture(scope="session")
def mp4_clip(media_dir: Path) -> Path:
    return make_counter_clip(media_dir / "counter.mp4")


@pytest.fixture(scope="session")
def webm_clip(media_dir: Path) -> Path:
    """3 s, 320x180 VP9 + Opus."""
    out = media_dir / "clip.webm"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=330:duration=3",
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
        "-c:a", "libopus", "-shortest", str(out),
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def corrupt_clip(media_dir: Path) -> Path:
    return make_corrupt_clip(media_dir / "broken.mp4")


def frame_index(image: object) -> float:
    """The frame number encoded in the strip of :func:`mp4_clip` (about ±0.6)."""
    values = [image.pixelColor(x, STRIP_Y).value() for x in range(10, 310, 20)]  # type: ignore[attr-defined]
    mean = sum(values) / len(values)
    # Limited-range BT.601: RGB 0-255 covers luma 16-235.
    return mean * 219 / 255 / STRIP_SLOPE + 0.5


@pytest.fixture
def player(qtbot: object) -> Iterator[VideoPlayer]:
    created = VideoPlayer(error_timeout_ms=6000)
    yield created
    created.close()
    assert player_module.wait_for_released(10), "VLC did not release the player in time"
