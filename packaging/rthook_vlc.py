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

_LIBRARIES = {
    "win32": ("libvlccore.dll", "libvlc.dll"),
    "darwin": ("libvlccore.dylib", "libvlc.dylib"),
}
_LINUX_LIBRARIES = ("libvlccore.so.9", "libvlc.so.5")
PLUGIN_DIR = ("vlc", "plugins")


def configure(base: Path, environ: MutableMapping[str, str] = os.environ) -> bool:
    """Point python-vlc at the libvlc under ``base``; False when ``base`` has none."""
    core_name, lib_name = _LIBRARIES.get(sys.platform, _LINUX_LIBRARIES)
    core, lib, plugins = base / core_name, base / lib_name, base.joinpath(*PLUGIN_DIR)
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
