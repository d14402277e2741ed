"""Which parts of libvlc the bundle carries, and where they come from on each platform.

The app drives libvlc in one way only: evidence is streamed through
``media_new_callbacks`` (or opened from a file), decoded, converted to RV32 and handed to
Python through ``video_set_callbacks``; VLC never opens a window. So the bundle needs
access modules for callbacks and files, demuxers and decoders for the evidence formats
(MP4/MOV, WebM/MKV, AVI, Ogg, WAV, MP3, AAC/M4A, Opus, FLAC), the packetizers those demuxers lean
on, chroma converters to RV32, the ``vmem``/``dummy`` video outputs, audio outputs and the
audio filters VLC inserts for format conversion, resampling and rate changes (scaletempo
keeps the pitch when the assessor plays at 1.5x). Everything else VLC ships (GUIs, Lua,
streaming, discs, network access, subtitles renderers) stays out.

The spec calls :func:`collect` at build time; it fails the build when libvlc or any
listed plugin is missing, which is how an empty libVLC folder (the classic macOS
failure) can never be shipped.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

# (plugin category folder, module name): the file is lib<name>_plugin.<ext>.
PLUGINS: tuple[tuple[str, str], ...] = (
    # media_new_callbacks reaches VLC as an "imem://" access; open_file uses filesystem.
    ("access", "access_imem"),
    ("access", "imem"),
    ("access", "filesystem"),
    ("demux", "mp4"),
    ("demux", "mkv"),
    ("demux", "avi"),
    ("demux", "ogg"),
    ("demux", "wav"),
    ("demux", "flacsys"),
    ("demux", "es"),
    ("demux", "h26x"),
    ("codec", "avcodec"),
    ("codec", "opus"),
    ("codec", "vorbis"),
    ("codec", "mpg123"),
    ("codec", "flac"),
    ("codec", "araw"),
    ("codec", "lpcm"),
    ("packetizer", "packetizer_copy"),
    ("packetizer", "packetizer_h264"),
    ("packetizer", "packetizer_hevc"),
    ("packetizer", "packetizer_mpeg4video"),
    ("packetizer", "packetizer_mpeg4audio"),
    ("packetizer", "packetizer_mpegaudio"),
    ("packetizer", "packetizer_mpegvideo"),
    ("packetizer", "packetizer_av1"),
    ("packetizer", "packetizer_flac"),
    ("packetizer", "packetizer_avparser"),
    ("video_chroma", "swscale"),
    ("video_chroma", "chain"),
    ("video_chroma", "i420_rgb"),
    ("video_chroma", "rv32"),
    ("video_output", "vmem"),
    ("video_output", "vdummy"),
    ("audio_output", "adummy"),
    ("audio_output", "amem"),
    ("audio_filter", "audio_format"),
    ("audio_filter", "ugly_resampler"),
    ("audio_filter", "speex_resampler"),
    ("audio_filter", "scaletempo"),
    ("audio_filter", "simple_channel_mixer"),
    ("audio_filter", "trivial_channel_mixer"),
    ("audio_filter", "remap"),
    ("audio_mixer", "float_mixer"),
    ("audio_mixer", "integer_mixer"),
)

# The sound systems differ per platform; each is optional at run time (the app falls
# back to a muted instance), but a bundle should still carry the native one.
AUDIO_OUTPUTS: dict[str, tuple[str, ...]] = {
    "linux": ("pulse", "alsa"),
    "win32": ("mmdevice", "directsound", "waveout"),
    "darwin": ("auhal",),
}

# Plugins that exist only in some VLC builds (SIMD variants): bundled when present.
OPTIONAL_PLUGINS: tuple[tuple[str, str], ...] = (
    ("video_chroma", "i420_rgb_sse2"),
    ("video_chroma", "i420_rgb_mmx"),
)


@dataclass(frozen=True)
class VlcLayout:
    """Where one platform's VLC lives on the build machine and goes in the bundle."""

    libraries: tuple[Path, ...]  # libvlccore first: libvlc needs it loaded
    plugin_root: Path
    plugin_suffix: str
    bundle_plugin_dir: str  # relative to the bundle's top folder (sys._MEIPASS)
    flat: bool = False  # macOS's VLC.app keeps all plugins in one folder


def platform_key(platform: str = sys.platform) -> str:
    if platform.startswith("linux"):
        return "linux"
    if platform in ("win32", "darwin"):
        return platform
    raise SystemExit(f"no VLC layout for {platform}")


def layout(vlc_root: Path | None, platform: str = sys.platform) -> VlcLayout:
    """The VLC files to bundle. ``vlc_root`` is the VLC install to take them from:
    Linux: the multiarch lib folder (default ``/usr/lib/x86_64-linux-gnu``); Windows: the
    VLC folder (``C:\\Program Files\\VideoLAN\\VLC`` or an unzipped vlc-3.0.x-win64);
    macOS: ``VLC.app/Contents/MacOS``."""
    key = platform_key(platform)
    if key == "linux":
        root = vlc_root or Path("/usr/lib/x86_64-linux-gnu")
        return VlcLayout(
            (root / "libvlccore.so.9", root / "libvlc.so.5"),
            root / "vlc" / "plugins",
            ".so",
            "vlc/plugins",
        )
    if vlc_root is None:
        raise SystemExit("set VLC_ROOT to the VLC install to bundle (see packaging/README.md)")
    if key == "win32":
        return VlcLayout(
            (vlc_root / "libvlccore.dll", vlc_root / "libvlc.dll"),
            vlc_root / "plugins",
            ".dll",
            "plugins",
        )
    # VLC.app: lib/libvlc.dylib and lib/libvlccore.dylib are symlinks to these files.
    lib = vlc_root / "lib"
    return VlcLayout(
        (lib / "libvlccore.9.dylib", lib / "libvlc.5.dylib"),
        vlc_root / "plugins",
        ".dylib",
        "vlc/plugins",
        flat=True,
    )


def plugin_names(platform: str = sys.platform) -> tuple[tuple[str, str], ...]:
    audio = tuple(("audio_output", name) for name in AUDIO_OUTPUTS[platform_key(platform)])
    return PLUGINS + audio


def _plugin_path(where: VlcLayout, category: str, name: str) -> Path:
    folder = where.plugin_root if where.flat else where.plugin_root / category
    return folder / f"lib{name}_plugin{where.plugin_suffix}"


def collect(where: VlcLayout, platform: str = sys.platform) -> list[tuple[str, str]]:
    """``(source, destination folder)`` pairs for PyInstaller's ``binaries``: the libvlc
    libraries at the top and the plugins below ``bundle_plugin_dir``. Raises SystemExit
    naming every missing file, so a broken VLC install stops the build."""
    missing = [str(path) for path in where.libraries if not path.is_file()]
    pairs = [(str(path), ".") for path in where.libraries]
    wanted = [(c, n, True) for c, n in plugin_names(platform)]
    wanted += [(c, n, False) for c, n in OPTIONAL_PLUGINS]
    for category, name, required in wanted:
        path = _plugin_path(where, category, name)
        if path.is_file():
            top = where.bundle_plugin_dir
            pairs.append((str(path), top if where.flat else f"{top}/{category}"))
        elif required:
            missing.append(str(path))
    if missing:
        listing = "\n  ".join(missing)
        raise SystemExit(f"VLC files missing, the bundle would not play video:\n  {listing}")
    return pairs
