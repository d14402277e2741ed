"""``make package-test``: run the built bundle on a clean environment against the demo hub.

The hub runs from the project's venv (seeded with ``assessor-hub seed-demo`` in a temporary
folder, served on a free loopback port). The bundle runs under ``env -i`` with only
``PATH=/usr/bin:/bin``, a temporary ``HOME`` and ``ASSESSOR_HOME``, and
``QT_QPA_PLATFORM=offscreen`` - no venv, no ``PYTHONPATH``, no system ``VLC_PLUGIN_PATH`` -
inside ``dbus-run-session`` with an unlocked ``gnome-keyring-daemon``, so the sign-in token
goes through the real Secret Service API as on an assessor's laptop.

When run as root (as here) every bundle run also happens in a private mount namespace in
which the system's VLC (``libvlc*.so*`` and the ``vlc/`` plugin folder) is hidden, so the
bundle must bring all of its video stack itself.

Checks, in order: the bundle holds none of the hub's packages (the ``hub`` extra, numpy
included) nor the type checker; ``--version`` prints the project's version;
``--smoke-test HUB`` signs in, shows the main window, syncs, plays a demo video to its
first frame and exits 0, with the bundle's own libvlc; and ``format_check.py`` plays every
evidence format (MP4, MOV, WebM, MKV, AVI, WAV, MP3, M4A, Ogg, Opus, FLAC) with the
bundle's trimmed plugin set.

    .venv/bin/python packaging/package_test.py [--app dist/assessor/assessor-app]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLEAN_PATH = "/usr/bin:/bin"
# The keyring password only guards a throw-away keyring in the temporary HOME.
KEYRING_SCRIPT = """\
set -e
printf %s smoke-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$0" --smoke-test "$1"
"""
# Runs "$@" with the system's VLC out of sight (tmpfs over the plugins, /dev/null over
# each library); only this process tree sees the change.
HIDE_SYSTEM_VLC = """set -e
lib=$1; shift
if [ -d "$lib/vlc" ]; then mount -t tmpfs none "$lib/vlc"; fi
for f in "$lib"/libvlc*.so*; do if [ -e "$f" ]; then mount --bind /dev/null "$f"; fi; done
exec "$@"
"""
SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu"
# The hub's code and the packages of the `hub` extra (and what FastAPI brings), and the
# type checker of the test extra: none of them may be in the desktop bundle.
NOT_IN_BUNDLE = (
    "assessor_app.hub",
    "assessor_app.demo",
    "fastapi",
    "fastapi_offline",
    "starlette",
    "uvicorn",
    "psycopg",
    "psycopg_binary",
    "numpy",
    "krippendorff",
    "prometheus_client",
    "boto3",
    "botocore",
    "s3transfer",
    "mypy",
)


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def _foreign_parts_in(app: Path, internal: Path) -> list[str]:
    """Modules and files of the bundle that belong to the hub or the tests, not the desktop
    app: in the executable's archive (PYZ) and in ``_internal/``."""
    from PyInstaller.archive.readers import pkg_archive_contents

    names = [*pkg_archive_contents(str(app)), *(entry.name for entry in internal.iterdir())]
    return sorted(
        name
        for name in names
        for package in NOT_IN_BUNDLE
        if name == package or any(name.startswith(package + sep) for sep in "./-")
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hub_cli() -> str:
    return str(Path(sys.executable).with_name("assessor-hub"))


def _wait_for_hub(process: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"package-test: the demo hub stopped at start ({process.returncode})")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"package-test: the demo hub did not answer within {timeout_s:.0f} s")


def _clean_env(home: Path, client: Path) -> dict[str, str]:
    return {
        "PATH": CLEAN_PATH,
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "ASSESSOR_HOME": str(client),
    }


def _isolation() -> list[str]:
    """The command prefix that hides the system's VLC, or [] when that needs root."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("package-test: not root, so the system's VLC stays visible to the bundle")
        return []
    return ["unshare", "--mount", "sh", "-c", HIDE_SYSTEM_VLC, "sh", SYSTEM_LIB]


def _run_clean(label: str, args: list[str], env: dict[str, str], timeout_s: float) -> str:
    """Run under ``env -i`` (the environment is exactly ``env``); fail loudly on non-zero."""
    command = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *args]
    print(f"package-test: {label}", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"package-test: {label} exited {result.returncode}")
    return result.stdout


def _smoke(app: Path, hide: list[str], env: dict[str, str], temp: Path, timeout_s: float) -> str:
    """Serve a seeded demo hub from the venv and run ``--smoke-test`` against it."""
    hub_dir = temp / "hub"
    subprocess.run([_hub_cli(), "--data-dir", str(hub_dir), "seed-demo"], check=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    with (temp / "hub.log").open("wb") as hub_log:
        hub = subprocess.Popen(
            [_hub_cli(), "--data-dir", str(hub_dir), *serve], stdout=hub_log, stderr=hub_log
        )
        try:
            try:
                _wait_for_hub(hub, url, 120)
            except SystemExit:
                sys.stderr.write((temp / "hub.log").read_text(errors="replace")[-4000:])
                raise
            keyring_run = ["dbus-run-session", "--", "sh", "-c", KEYRING_SCRIPT, str(app), url]
            return _run_clean(
                f"--smoke-test {url} (dbus-run-session, gnome-keyring)",
                [*hide, *keyring_run],
                env,
                timeout_s,
            )
        finally:
            hub.terminate()
            try:
                hub.wait(timeout=10)
            except subprocess.TimeoutExpired:
                hub.kill()
                hub.wait()


def _check_run_file(
    run_file: Path, hide: list[str], env: dict[str, str], temp: Path, expected: str
) -> None:
    """The single-file build starts the app, and ``--install`` puts the app, its menu
    entry and icons in the user's home, where the installed app starts too."""
    self_run = [str(run_file), "--quiet", "--nox11", "--"]
    version = _run_clean(f"{run_file.name} --version", [*hide, *self_run, "--version"], env, 120)
    if version.strip() != expected:
        raise SystemExit(f"package-test: {run_file.name} printed {version.strip()!r}")
    _run_clean(f"{run_file.name} --install", [*hide, *self_run, "--install"], env, 300)
    home = temp / "home"
    desktop = home / ".local/share/applications/assessor.desktop"
    installed = home / ".local/opt/assessor/assessor-app"
    wanted = [desktop, home / ".local/share/icons/hicolor/256x256/apps/assessor.png", installed]
    missing = [str(path) for path in wanted if not path.exists()]
    if missing:
        raise SystemExit(f"package-test: --install did not create {missing}")
    if f"Exec={installed}" not in desktop.read_text(encoding="utf-8").splitlines():
        raise SystemExit("package-test: the installed desktop entry does not start the app")
    linked = [str(home / ".local/bin/assessor-app"), "--version"]
    installed_version = _run_clean("installed app --version", [*hide, *linked], env, 60)
    if installed_version.strip() != expected:
        raise SystemExit("package-test: the installed app did not print its version")


def run(app: Path, timeout_s: float) -> None:
    if not os.access(app, os.X_OK):
        raise SystemExit(f"package-test: {app} is missing; run `make package` first")
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool, path=CLEAN_PATH) is None:
            raise SystemExit(f"package-test: {tool} is missing (apt install dbus gnome-keyring)")
    bundle = app.resolve().parent
    internal = bundle / "_internal"
    hide = _isolation()
    # Code that finds resources/ beside the assessor_app package finds them in the bundle.
    resources = internal / "resources"
    if not list((resources / "rubrics").glob("*.yaml")) or not (resources / "demo").is_dir():
        raise SystemExit(f"package-test: {resources} lacks the rubrics or the demo recipes")
    foreign = _foreign_parts_in(app, internal)
    if foreign:
        raise SystemExit(f"package-test: the bundle carries hub or test packages: {foreign}")
    with tempfile.TemporaryDirectory(prefix="assessor-package-test-") as tmp:
        temp = Path(tmp)
        (temp / "home").mkdir()
        env = _clean_env(temp / "home", temp / "client")

        version = _run_clean("--version", [*hide, str(app), "--version"], env, 60).strip()
        expected = f"assessor-app {_project_version()}"
        if version != expected:
            raise SystemExit(f"package-test: --version printed {version!r}, not {expected!r}")

        output = _smoke(app, hide, env, temp, timeout_s).splitlines()
        if "smoke: ok" not in output:
            raise SystemExit("package-test: the smoke test did not report ok")
        vlc_line = next((line for line in output if line.startswith("smoke: VLC")), "")
        if not vlc_line.endswith(f"from {internal / 'libvlc.so.5'}"):
            raise SystemExit(f"package-test: libvlc did not come from the bundle: {vlc_line!r}")

        # The project's Python drives the bundle's libvlc here; the dynamic linker must
        # find the plugins' libraries (FFmpeg's and theirs) in the bundle as well.
        formats_env = {**env, "LD_LIBRARY_PATH": str(internal)}
        check = [sys.executable, str(Path(__file__).with_name("format_check.py")), str(internal)]
        _run_clean("evidence formats with the bundled libvlc", [*hide, *check], formats_env, 300)

        run_file = bundle.parent / "Assessor-x86_64.run"
        if run_file.exists():
            _check_run_file(run_file, hide, env, temp, expected)
        else:
            print(f"package-test: no {run_file.name} (makeself missing at build time)")
    print(f"package-test: passed ({version}, bundle {bundle})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "assessor" / "assessor-app")
    parser.add_argument("--timeout", type=float, default=240, help="seconds for the smoke run")
    args = parser.parse_args(argv)
    run(args.app, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
