"""``make demo``: the app against an embedded demo hub with demo data, on this computer.

Seeds a hub in ``.demo/hub`` (once; the media are generated locally with ffmpeg), serves it
on 127.0.0.1, signs ``demo1`` in with a client data root of its own (``.demo/client``, so
the demo never mixes with real profiles) and opens the app. Closing the app stops the hub.
The hub runs as a separate process: the client never imports the hub's code.

    python -m assessor_app.demo [--root DIR] [--port N] [--user demo1] [--no-app] [--smoke]

``--smoke`` (for checks under a real or virtual X display, e.g. ``xvfb-run -a``): the app
quits by itself once its window is shown and the first sync has ended, and the demo exits
with the app's code (0 only if that sync completed). Seeding is idempotent, so a test can
seed ``ROOT/hub`` first with short clips (``seed_demo(..., video_seconds=2)``) and the
demo then finds everything in place.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

DEMO_PASSWORD = "demo"
# Used only when this computer has no keyring: the demo's secrets then go to a
# passphrase-protected file with this passphrase (the app asks for it; type "demo").
DEMO_PASSPHRASE = "demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hub_command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assessor_app.hub.cli", "--data-dir", str(data_dir), *args]


def seed(data_dir: Path) -> None:
    print("Preparing the demo hub (the first time this makes demo videos with ffmpeg)...")
    subprocess.run(_hub_command(data_dir, "seed-demo"), check=True)


def start_hub(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        _hub_command(data_dir, "serve", "--host", "127.0.0.1", "--port", str(port))
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The demo hub stopped at start (exit {process.returncode}).")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("The demo hub did not answer within 60 s.")


def sign_in_demo(url: str, user: str) -> str:
    """Sign in and return the secret store used ("keyring" or "passphrase-file")."""
    from assessor_app.services.account import sign_in
    from assessor_app.store.secrets import KeyringUnavailable

    try:
        sign_in(url, user, DEMO_PASSWORD).close()
        return "keyring"
    except KeyringUnavailable:
        print(
            "No system keyring here: the demo keeps its token in a passphrase-protected "
            f'file instead. When the app asks for the passphrase, type "{DEMO_PASSPHRASE}".'
        )
        sign_in(
            url, user, DEMO_PASSWORD, secret_kind="passphrase-file", passphrase=DEMO_PASSPHRASE
        ).close()
        return "passphrase-file"


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assessor_app.demo", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(".demo"), help="demo data folder")
    parser.add_argument("--port", type=int, default=0, help="hub port (default: a free one)")
    parser.add_argument("--user", default="demo1", help="demo assessor to sign in")
    parser.add_argument("--no-app", action="store_true", help="run the hub only")
    parser.add_argument(
        "--smoke", action="store_true", help="quit after the window showed and the first sync"
    )
    args = parser.parse_args(argv)

    # A plain "kill" (SIGTERM) must stop the hub too: turn it into an exit that runs the
    # clean-up below instead of ending this process and leaving the hub serving.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    root = args.root.resolve()
    hub_dir, client_dir = root / "hub", root / "client"
    os.umask(0o077)
    root.mkdir(parents=True, exist_ok=True)
    os.environ["ASSESSOR_HOME"] = str(client_dir)
    seed(hub_dir)
    hub, url = start_hub(hub_dir, args.port or _free_port())
    try:
        sign_in_demo(url, args.user)
        print(
            f"Demo hub: {url}  (users demo1, demo2, demo3, lead, adj, back; "
            f"password '{DEMO_PASSWORD}')"
        )
        if args.smoke and not _has_display():
            print("--smoke needs a display: run it under xvfb-run -a.", file=sys.stderr)
            return 2
        if args.no_app or not _has_display():
            if not args.no_app:
                print(
                    "No display was found, so the app window cannot open here. The hub keeps "
                    "running; try the command line meanwhile:\n"
                    f"  ASSESSOR_HOME={client_dir} .venv/bin/assessor sync\n"
                    f"  ASSESSOR_HOME={client_dir} .venv/bin/assessor queue\n"
                    "Press Ctrl+C to stop the hub."
                )
            hub.wait()
            return 0
        app = [sys.executable, "-m", "assessor_app.app", *(["--smoke"] if args.smoke else [])]
        return subprocess.call(app)
    except KeyboardInterrupt:
        return 0
    finally:
        hub.terminate()
        try:
            hub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            hub.kill()


if __name__ == "__main__":
    sys.exit(main())
