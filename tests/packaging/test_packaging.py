"""The fast half of packaging: the smoke mode the bundle is tested with, the libvlc file
selection, the runtime hook, the desktop entry and icons, and ``--version``.

The bundle itself is built and run by ``make package`` / ``make package-test``.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from support.hub import PASSWORD, RunningHub, make_video, running_hub

from assessor_app.smoke import PASSWORD_ENV, run_smoke_test

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DEBIAN_VLC = Path("/usr/lib/x86_64-linux-gnu")


def _load(name: str) -> ModuleType:
    # packaging/ is not a package (and "packaging" is a PyPI name), so load by path.
    module_name = f"assessor_packaging_{name}"
    spec = importlib.util.spec_from_file_location(module_name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


vlc_bundle = _load("vlc_bundle")
rthook = _load("rthook_vlc")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        yield hub


# --- the smoke mode ----------------------------------------------------------------------


def test_smoke_test_signs_in_syncs_and_plays_the_video(
    qapp: object,
    hub: RunningHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub.seed_submission("ann", {"notes.md": b"# plan"})
    hub.seed_submission("ann", {"clip.mp4": make_video(tmp_path / "clip.mp4", seconds=3)})
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    assert run_smoke_test(hub.base_url, "ann", timeout_s=60) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("smoke: VLC 3.")
    assert f"smoke: signed in to {hub.base_url} as ann" in lines
    assert any(line.startswith("smoke: synced: Sync finished (2 new") for line in lines)
    frame = next(line for line in lines if line.startswith("smoke: first frame"))
    assert "160x120 of clip.mp4" in frame
    assert any(line.startswith("smoke: playing: at ") for line in lines)
    assert lines[-1] == "smoke: ok"


def test_smoke_test_fails_when_no_assignment_has_a_video(
    qapp: object,
    hub: RunningHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub.seed_submission("ann", {"notes.md": b"# plan"})
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    assert run_smoke_test(hub.base_url, "ann", timeout_s=60) == 1

    captured = capsys.readouterr()
    assert "smoke: FAILED: no downloaded assignment has a video" in captured.err
    assert "smoke: ok" not in captured.out


def test_smoke_test_fails_on_a_wrong_password_without_echoing_it(
    qapp: object,
    hub: RunningHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")

    assert run_smoke_test(hub.base_url, "ann", timeout_s=30) == 1

    captured = capsys.readouterr()
    assert f"smoke: FAILED: sign-in to {hub.base_url} failed" in captured.err
    assert "not-the-password" not in captured.out + captured.err


def test_version_flag_prints_the_project_version() -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = subprocess.run(
        [sys.executable, "-m", "assessor_app.app", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == f"assessor-app {version}"


# --- libvlc selection and the runtime hook ----------------------------------------------


def test_every_listed_plugin_exists_in_debians_vlc() -> None:
    pairs = vlc_bundle.collect(vlc_bundle.layout(None, "linux"), "linux")

    sources = {Path(source).name: dest for source, dest in pairs}
    assert sources["libvlccore.so.9"] == "." and sources["libvlc.so.5"] == "."
    # Callbacks, the evidence formats, frames to Python, and sound.
    for plugin, dest in (
        ("libaccess_imem_plugin.so", "vlc/plugins/access"),
        ("libmp4_plugin.so", "vlc/plugins/demux"),
        ("libmkv_plugin.so", "vlc/plugins/demux"),
        ("libavcodec_plugin.so", "vlc/plugins/codec"),
        ("libswscale_plugin.so", "vlc/plugins/video_chroma"),
        ("libvmem_plugin.so", "vlc/plugins/video_output"),
        ("libpulse_plugin.so", "vlc/plugins/audio_output"),
        ("libscaletempo_plugin.so", "vlc/plugins/audio_filter"),
    ):
        assert sources[plugin] == dest
    # Trimmed: no GUI, Lua, streaming output or network access.
    assert not any("qt" in name or "lua" in name or "http" in name for name in sources)
    assert len(pairs) < 70


def test_an_empty_vlc_folder_stops_the_build(tmp_path: Path) -> None:
    # The classic macOS failure: VLC.app present but its lib/ and plugins/ empty.
    (tmp_path / "lib").mkdir()
    (tmp_path / "plugins").mkdir()

    with pytest.raises(SystemExit) as stopped:
        vlc_bundle.collect(vlc_bundle.layout(tmp_path, "darwin"), "darwin")

    message = str(stopped.value)
    assert str(tmp_path / "lib" / "libvlc.5.dylib") in message
    # macOS keeps all plugins in one folder; Windows keeps the category folders.
    assert str(tmp_path / "plugins" / "libavcodec_plugin.dylib") in message
    assert str(tmp_path / "plugins" / "libauhal_plugin.dylib") in message
    windows = vlc_bundle.layout(tmp_path, "win32")
    with pytest.raises(SystemExit, match=r"plugins[/\\]codec[/\\]libavcodec_plugin\.dll"):
        vlc_bundle.collect(windows, "win32")


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_the_build_puts_libvlc_where_the_runtime_hook_looks(platform: str, tmp_path: Path) -> None:
    layout = vlc_bundle.layout(None if platform == "linux" else tmp_path, platform)

    assert tuple(path.name for path in layout.libraries) == rthook.LIBRARIES[platform]
    assert tuple(layout.bundle_plugin_dir.split("/")) == rthook.PLUGIN_DIRS[platform]


def test_windows_and_macos_builds_need_vlc_root() -> None:
    with pytest.raises(SystemExit, match="VLC_ROOT"):
        vlc_bundle.layout(None, "win32")


def _fake_bundle(base: Path) -> Path:
    """A bundle folder holding the real libvlc (the core is left out, so nothing loads)."""
    (base / "vlc" / "plugins").mkdir(parents=True)
    shutil.copy2(DEBIAN_VLC / "libvlc.so.5", base / "libvlc.so.5")
    return base


def test_runtime_hook_points_python_vlc_at_the_bundle(tmp_path: Path) -> None:
    base = _fake_bundle(tmp_path)
    environ: dict[str, str] = {}

    assert rthook.configure(base, environ) is True

    assert environ == {
        "PYTHON_VLC_LIB_PATH": str(base / "libvlc.so.5"),
        "PYTHON_VLC_MODULE_PATH": str(base / "vlc" / "plugins"),
        "VLC_PLUGIN_PATH": str(base / "vlc" / "plugins"),
    }


def test_runtime_hook_keeps_a_libvlc_the_user_chose(tmp_path: Path) -> None:
    environ = {"PYTHON_VLC_LIB_PATH": "/opt/vlc/libvlc.so.5", "VLC_PLUGIN_PATH": "/opt/vlc/p"}

    assert rthook.configure(_fake_bundle(tmp_path), environ) is True

    assert environ["PYTHON_VLC_LIB_PATH"] == "/opt/vlc/libvlc.so.5"
    assert environ["VLC_PLUGIN_PATH"] == "/opt/vlc/p"


def test_runtime_hook_leaves_a_bundle_without_libvlc_alone(tmp_path: Path) -> None:
    environ: dict[str, str] = {}

    assert rthook.configure(tmp_path, environ) is False
    assert environ == {}


# --- desktop integration -------------------------------------------------------------------


def test_desktop_entry_starts_the_app_with_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "linux" / "assessor.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Name"] == "Assessor"
    assert desktop["Exec"] == "assessor-app"
    assert desktop["Icon"] == "assessor"
    assert desktop["Terminal"] == "false"


def test_icons_exist_at_every_size(qapp: object) -> None:
    from PySide6.QtGui import QImage

    icons = ROOT / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(icons / f"assessor-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
    assert "<svg" in (icons / "assessor.svg").read_text(encoding="utf-8")
    assert (icons / "assessor.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
