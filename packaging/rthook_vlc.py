"""PyInstaller runtime hook: make python-vlc use the libvlc and plugins inside the bundle.

It runs before the app's own code, hence before ``import vlc`` (python-vlc loads libvlc
while it is imported, and ``vlc.Instance()`` silently returns None when no plugins are
found). It sets

- ``PYTHON_VLC_LIB_PATH``: the bundled libvlc, which python-vlc loads by path;
- ``PYTHON_VLC_MODULE_PATH`` and ``VLC_PLUGIN_PATH``: the bundled plugin folder;

and loads libvlccore first (globally), so libvlc and every plugin bind to the bundled
core rather than to whatever the system has. A variable the user has already set is left
alone: that is how an assessor or administrator points the app at another libvlc (the
LGPL's "replace the library" right; see packaging/licenses/README.md). When the bundle has
no libvlc (a build without VLC), nothing is set and the app explains that video is off.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

# (core, libvlc) file names and the plugin folder, per platform, inside the bundle. The
# macOS names are the real files behind VLC.app's unversioned symlinks: they are what the
# plugins link to, so bundling them avoids a second copy of the core.
LIBRARIES = {
    "linux": ("libvlccore.so.9", "libvlc.so.5"),
    "win32": ("libvlccore.dll", "libvlc.dll"),
    "darwin": ("libvlccore.9.dylib", "libvlc.5.dylib"),
}
# Windows' libvlc looks for plugins/ beside itself, so the bundle keeps that layout there.
PLUGIN_DIRS = {"linux": ("vlc", "plugins"), "win32": ("plugins",), "darwin": ("vlc", "plugins")}


def platform_key(platform: str = sys.platform) -> str:
    return platform if platform in ("win32", "darwin") else "linux"


def configure(base: Path, environ: MutableMapping[str, str] = os.environ) -> bool:
    """Point python-vlc at the libvlc under ``base``; False when ``base`` has none."""
    key = platform_key()
    core_name, lib_name = LIBRARIES[key]
    core, lib, plugins = base / core_name, base / lib_name, base.joinpath(*PLUGIN_DIRS[key])
    if not (lib.is_file() and plugins.is_dir()):
        return False
    environ.setdefault("PYTHON_VLC_LIB_PATH", str(lib))
    environ.setdefault("PYTHON_VLC_MODULE_PATH", str(plugins))
    environ.setdefault("VLC_PLUGIN_PATH", str(plugins))
    if environ["PYTHON_VLC_LIB_PATH"] == str(lib) and core.is_file():
        if sys.platform == "win32":
            os.add_dll_directory(str(base))
        ctypes.CDLL(str(core), mode=ctypes.RTLD_GLOBAL)
    return True


if getattr(sys, "frozen", False):
    configure(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)))
