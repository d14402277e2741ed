"""``make package``: build the Linux bundle and its single-file installer.

1. PyInstaller builds ``dist/assessor/`` from ``packaging/assessor.spec`` (one folder:
   ``assessor-app``, ``_internal/`` with Python, Qt and libvlc).
2. The interpreter library is stripped of its debug information (the one large file
   that carries it; wheels' libraries are left alone, see the spec).
3. Desktop integration is added beside the executable: ``share/applications`` (the
   ``.desktop`` entry), ``share/icons/hicolor`` (PNG sizes and the SVG), ``install.sh``
   (per-user install, no root) and ``licenses`` (the LGPL notices).
4. ``makeself`` (Debian package ``makeself``) wraps the folder into
   ``dist/Assessor-x86_64.run``: a self-extracting file that runs the app, or installs it
   with ``--install``. Without makeself the folder is still complete and this step says so.
5. A size breakdown goes to stdout and ``dist/assessor-size.txt``.

    .venv/bin/python packaging/build.py [--skip-pyinstaller] [--no-run-file]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "assessor"
INTERNAL = BUNDLE / "_internal"
RUN_FILE = DIST / "Assessor-x86_64.run"
ICONS = ROOT / "resources" / "icons"

LAUNCHER = """\
#!/bin/sh
# Entry point of Assessor-x86_64.run (makeself runs it inside the unpacked folder):
# start the app, or install it for this user with --install (see install.sh).
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--install" ]; then
    shift
    exec "$here/install.sh" "$@"
fi
exec "$here/assessor-app" "$@"
"""


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def run_pyinstaller() -> None:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    options = ["--noconfirm", "--clean", "--log-level", "WARN"]
    folders = ["--distpath", str(DIST), "--workpath", str(ROOT / "build")]
    subprocess.run(
        [str(pyinstaller), *options, *folders, str(HERE / "assessor.spec")],
        cwd=ROOT,
        check=True,
    )


def strip_interpreter() -> None:
    strip = shutil.which("strip")
    library = next(INTERNAL.glob("libpython3*.so*"), None)
    if strip and library is not None and not library.is_symlink():
        subprocess.run([strip, "--strip-debug", str(library)], check=True)


def add_desktop_integration() -> None:
    share = BUNDLE / "share"
    shutil.rmtree(share, ignore_errors=True)
    (share / "applications").mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "assessor.desktop", share / "applications")
    for png in sorted(ICONS.glob("assessor-*.png")):
        size = png.stem.split("-")[-1]
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(png, target / "assessor.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(ICONS / "assessor.svg", scalable / "assessor.svg")
    shutil.copy2(HERE / "linux" / "install.sh", BUNDLE / "install.sh")
    launcher = BUNDLE / "run.sh"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    launcher.chmod(0o755)
    licenses = BUNDLE / "licenses"
    if licenses.is_symlink() or licenses.exists():
        licenses.unlink()
    licenses.symlink_to(Path("_internal") / "licenses")


def make_run_file() -> bool:
    makeself = shutil.which("makeself")
    if makeself is None:
        print("build: makeself is not installed (apt install makeself): no .run file made")
        return False
    RUN_FILE.unlink(missing_ok=True)
    options = ["--quiet", "--tar-quietly", "--nox11", "--gzip", "--complevel", "6"]
    subprocess.run(
        [makeself, *options, str(BUNDLE), str(RUN_FILE), f"Assessor {_version()}", "./run.sh"],
        check=True,
    )
    return True


def _size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _needed_by(files: list[Path]) -> set[str]:
    """Names of the libraries the given binaries load (``ldd``: the whole closure)."""
    names: set[str] = set()
    for file in files:
        result = subprocess.run(["ldd", str(file)], capture_output=True, text=True, check=False)
        names.update(line.split()[0] for line in result.stdout.splitlines() if "=>" in line)
    return names


def size_report() -> str:
    """Bytes per part of the bundle; the VLC share counts the libraries only VLC loads."""
    vlc_files = [*INTERNAL.glob("libvlc*.so*"), *(INTERNAL / "vlc").rglob("*.so")]
    others = [
        p
        for p in INTERNAL.rglob("*.so*")
        if p.is_file() and p.parent != INTERNAL and "vlc" not in p.relative_to(INTERNAL).parts
    ]
    others.append(BUNDLE / "assessor-app")
    for_vlc, for_others = _needed_by(vlc_files), _needed_by(others)
    groups: dict[str, int] = defaultdict(int)
    for entry in INTERNAL.iterdir():
        name = entry.name
        if name == "PySide6":
            group = "Qt 6 + PySide6 (Core, Gui, Widgets, Pdf; ICU data alone ~31 MB)"
        elif name.startswith("libvlc") or name == "vlc":
            group = "libvlc + libvlccore + trimmed plugins"
        elif name.startswith("libpython") or name in ("python3.11", "base_library.zip"):
            group = "Python 3.11 runtime and standard library"
        elif entry.is_file() and name.startswith("lib") and ".so" in name:
            if name in for_vlc and name not in for_others:
                group = "FFmpeg (libavcodec) and the codec/graphics libraries it links"
            else:
                group = "shared system libraries used by Python, Qt and the packages"
        elif name == "cryptography":
            group = "cryptography (vault encryption)"
        else:
            group = "other Python packages (pydantic, SQLAlchemy, reportlab, Pillow, ...)"
        groups[group] += _size(entry)
    groups["assessor-app (bootloader + the app's compiled Python), desktop files"] = sum(
        _size(p) for p in BUNDLE.iterdir() if p.name != "_internal"
    )
    total = sum(groups.values())
    lines = [f"dist/assessor: {total / 2**20:.0f} MiB"]
    for group, size in sorted(groups.items(), key=lambda item: -item[1]):
        lines.append(f"  {size / 2**20:6.1f} MiB  {group}")
    if RUN_FILE.exists():
        lines.append(f"dist/{RUN_FILE.name}: {RUN_FILE.stat().st_size / 2**20:.0f} MiB (gzip)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pyinstaller", action="store_true", help="reuse dist/assessor")
    parser.add_argument("--no-run-file", action="store_true", help="do not run makeself")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("build.py makes the Linux bundle; see packaging/README.md for others")
    if not args.skip_pyinstaller:
        run_pyinstaller()
    strip_interpreter()
    add_desktop_integration()
    if not args.no_run_file:
        make_run_file()
    report = size_report()
    (DIST / "assessor-size.txt").write_text(report + "\n", encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
