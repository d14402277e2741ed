"""Finding libvlc and creating the shared VLC instance, with plain-language reasons when
it cannot be done.

Creating the instance loads VLC's plugins: tens of milliseconds with VLC's plugin cache,
a quarter of a second or more without it (a Debian install that skipped its cache
trigger). :func:`warm_up` does it on a worker thread, which the app starts once its
window has painted, so neither the GUI thread nor the first video waits for it.

python-vlc loads libvlc when it is imported, and ``vlc.Instance()`` returns None when the
plugins are missing, so "is video available?" has three distinct failure modes. Each is
turned into a sentence for the assessor; the player refuses to open media and the viewer
shows the sentence instead of crashing.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "To play videos, install VLC: on Debian or Ubuntu run “sudo apt install vlc”; "
    "on Fedora enable RPM Fusion and install “vlc”; on macOS or Windows use the "
    "installer from videolan.org. Everything else in Assessor keeps working."
)

#: Environment variable naming the audio output module (e.g. ``pulse``, ``alsa``,
#: ``dummy``). Unset: VLC chooses, except headless where audio is muted.
AUDIO_ENV = "ASSESSOR_VLC_AOUT"

_lock = threading.Lock()
_instances: dict[tuple[str, ...], Any] = {}
# Warm-ups under way and who waits for each; held only for bookkeeping, never while
# VLC starts (``_lock`` serialises that).
_warm_lock = threading.Lock()
_warming: dict[tuple[str, ...], list[Callable[[VlcUnavailable | None], None]]] = {}


class VlcUnavailable(RuntimeError):
    """libvlc cannot be used; ``str(error)`` is a sentence for the assessor."""


def _import_vlc() -> ModuleType:
    """Import python-vlc, which loads libvlc as a side effect (tests replace this)."""
    import vlc

    return vlc


def _load() -> ModuleType:
    try:
        return _import_vlc()
    except ImportError:
        raise VlcUnavailable(
            "Video playback is not available because the python-vlc package is missing. "
            "Reinstall Assessor, or run “pip install python-vlc”. " + INSTALL_HINT
        ) from None
    except (OSError, NotImplementedError, SystemExit, AttributeError):
        # python-vlc raises NotImplementedError (or exits) when it cannot find libvlc.
        raise VlcUnavailable(
            "Video playback is not available because VLC (libvlc) is not installed "
            "on this computer. " + INSTALL_HINT
        ) from None


def vlc_module() -> ModuleType:
    """The python-vlc module; raises :class:`VlcUnavailable` with a sentence."""
    return _load()


def headless() -> bool:
    """True when there is no screen (tests, CI): audio is then muted too."""
    return os.environ.get("QT_QPA_PLATFORM", "") in {"offscreen", "minimal"}


def default_audio_output() -> str | None:
    """The configured audio module, ``dummy`` when headless, else None (VLC chooses)."""
    configured = os.environ.get(AUDIO_ENV, "").strip()
    if configured:
        return configured
    return "dummy" if headless() else None


def instance_args(audio_output: str | None) -> list[str]:
    # --vout=dummy: frames reach us through callbacks, so VLC must never open a window.
    args = ["--quiet", "--intf=dummy", "--vout=dummy", "--no-video-title-show"]
    if audio_output:
        args.append(f"--aout={audio_output}")
    return args


def _key(audio_output: str | None) -> tuple[str, ...]:
    wanted = audio_output if audio_output is not None else default_audio_output()
    return tuple(instance_args(wanted))


def existing(audio_output: str | None = None) -> Any | None:
    """The instance :func:`instance` would return if it exists already, else None; never
    loads anything, so the GUI thread may ask."""
    return _instances.get(_key(audio_output))


def warm_up(
    audio_output: str | None = None,
    then: Callable[[VlcUnavailable | None], None] | None = None,
) -> None:
    """Create the instance for ``audio_output`` on a worker thread unless it exists.

    ``then(None)``, or ``then(error)`` when VLC cannot be used, is called once it is
    settled: on the worker thread, or here when the instance already exists. Calls made
    while a warm-up runs join it, so one instance is created per set of options."""
    key = _key(audio_output)
    with _warm_lock:
        if key not in _instances:
            waiters = _warming.get(key)
            if waiters is None:
                waiters = _warming[key] = []
                threading.Thread(
                    target=_warm, args=(audio_output, key), name="vlc-warm-up", daemon=True
                ).start()
            if then is not None:
                waiters.append(then)
            return
    if then is not None:
        then(None)


def _warm(audio_output: str | None, key: tuple[str, ...]) -> None:
    error: VlcUnavailable | None = None
    try:
        instance(audio_output)
    except VlcUnavailable as exc:
        error = exc
    except Exception as exc:
        # Anything else must still reach the waiters, or a video would wait forever.
        log.exception("starting VLC failed")
        error = VlcUnavailable(f"Video playback could not start ({exc}). {INSTALL_HINT}")
    with _warm_lock:
        waiters = _warming.pop(key, [])
    for then in waiters:
        then(error)


def instance(audio_output: str | None = None) -> Any:
    """The process-wide ``vlc.Instance`` for ``audio_output`` (default: see
    :func:`default_audio_output`), created once because plugin loading takes a while.

    If VLC cannot start with the requested audio module it retries silently muted:
    a broken sound setup must never cost the assessor the picture.
    """
    vlc = _load()
    wanted = audio_output if audio_output is not None else default_audio_output()
    key = _key(audio_output)
    with _lock:
        if key in _instances:
            return _instances[key]
        created = vlc.Instance(*key)
        if created is None and wanted != "dummy":
            log.warning("VLC did not start with audio output %r; continuing muted", wanted)
            created = vlc.Instance(*instance_args("dummy"))
        if created is None:
            raise VlcUnavailable(
                "Video playback is not available because VLC is installed without its "
                "plugins. Install the package “vlc-plugin-base” (or the full “vlc”). "
                + INSTALL_HINT
            )
        _instances[key] = created
        return created


def vlc_status() -> tuple[bool, str]:
    """``(True, "VLC 3.0.x")`` when video can play, else ``(False, sentence)``."""
    try:
        vlc = _load()
        instance()
    except VlcUnavailable as error:
        return False, str(error)
    version = vlc.libvlc_get_version()
    text = version.decode("utf-8", "replace") if isinstance(version, bytes) else str(version)
    return True, f"VLC {text}"
