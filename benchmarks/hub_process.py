"""The reference hub as its own process on loopback, for the benchmarks that talk to it
over HTTP (a hub thread inside the benchmark would compete with it for the GIL)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_hub(data_dir: Path, port: int, extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """``assessor-hub serve`` on 127.0.0.1:``port`` with the options ``extra``, returned
    once ``/healthz`` answers; the caller terminates it."""
    process = subprocess.Popen(
        [
            sys.executable, "-m", "assessor_app.hub.cli", "--data-dir", str(data_dir),
            "serve", "--host", "127.0.0.1", "--port", str(port), *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("assessor-hub serve exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait(10)
    raise RuntimeError(f"assessor-hub serve did not answer within {START_TIMEOUT_S} s")
