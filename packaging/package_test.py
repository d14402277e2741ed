"""``make package-test``: run the built bundle on a clean environment against the demo hub.

The hub runs from the project's venv (seeded with ``assessor-hub seed-demo`` in a temporary
folder, served on a free loopback port). The bundle runs under ``env -i`` with only
``PATH=/usr/bin:/bin``, a temporary ``HOME`` and ``ASSESSOR_HOME``, and
``QT_QPA_PLATFORM=offscreen`` - no venv, no ``PYTHONPATH``, no system ``VLC_PLUGIN_PATH`` -
inside ``dbus-run-session`` with an unlocked ``gnome-keyring-daemon``, so the sign-in token
goes through the real Secret Service API as on an assessor's laptop.

Checks, in order: ``--version`` prints the project's version; ``--smoke-test HUB`` signs in,
shows the main window, syncs, plays a demo video to its first frame and exits 0; and the
libvlc it reported is the bundle's own, not the system's.

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


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


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


def _run_bundle(
    app: Path, label: str, args: list[str], env: dict[str, str], timeout_s: float
) -> str:
    """Run under ``env -i`` (the environment is exactly ``env``); fail loudly on non-zero."""
    command = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *args]
    print(f"package-test: {label}", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"package-test: {app.name} exited {result.returncode}")
    return result.stdout


def run(app: Path, timeout_s: float) -> None:
    if not os.access(app, os.X_OK):
        raise SystemExit(f"package-test: {app} is missing; run `make package` first")
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool, path=CLEAN_PATH) is None:
            raise SystemExit(f"package-test: {tool} is missing (apt install dbus gnome-keyring)")
    bundle = app.resolve().parent
    with tempfile.TemporaryDirectory(prefix="assessor-package-test-") as tmp:
        temp = Path(tmp)
        home, client, hub_dir = temp / "home", temp / "client", temp / "hub"
        home.mkdir()
        env = _clean_env(home, client)

        version = _run_bundle(app, "--version", [str(app), "--version"], env, 60).strip()
        expected = f"assessor-app {_project_version()}"
        if version != expected:
            raise SystemExit(f"package-test: --version printed {version!r}, not {expected!r}")

        subprocess.run([_hub_cli(), "--data-dir", str(hub_dir), "seed-demo"], check=True)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        hub_log = (temp / "hub.log").open("wb")
        hub = subprocess.Popen(
            [_hub_cli(), "--data-dir", str(hub_dir), *serve], stdout=hub_log, stderr=hub_log
        )
        try:
            try:
                _wait_for_hub(hub, url, 120)
            except SystemExit:
                sys.stderr.write((temp / "hub.log").read_text(errors="replace")[-4000:])
                raise
            output = _run_bundle(
                app,
                f"--smoke-test {url} (dbus-run-session, gnome-keyring)",
                ["dbus-run-session", "--", "sh", "-c", KEYRING_SCRIPT, str(app), url],
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
            hub_log.close()
    if "smoke: ok" not in output.splitlines():
        raise SystemExit("package-test: the smoke test did not report ok")
    vlc_line = next((line for line in output.splitlines() if " from " in line), "")
    if str(bundle) not in vlc_line:
        raise SystemExit(f"package-test: libvlc did not come from the bundle: {vlc_line!r}")
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
