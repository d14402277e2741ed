"""``assessor-hub serve`` as its own process, started the way an operator starts it, for
the tests that need the real command: its options, its log lines, its port.

Its output goes to files, not pipes, so a chatty hub never blocks on a full pipe; it is
read once the hub has stopped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import httpx

from assessor_app.hub.config import HubSettings
from support.hub import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(settings: HubSettings, port: int, *extra: str) -> list[str]:
    """The command line of ``assessor-hub serve`` on ``settings``' data and database."""
    return [
        sys.executable,
        "-m",
        "assessor_app.hub.cli",
        "--data-dir",
        str(settings.data_dir),
        "serve",
        "--db",
        settings.db_url,
        "--port",
        str(port),
        *extra,
    ]


@dataclass
class ServedHub:
    """A running ``serve``; ``stdout`` and ``stderr`` are filled in once it stopped."""

    process: subprocess.Popen[bytes]
    port: int
    stdout: str = ""
    stderr: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        assert self.process.poll() is None, "assessor-hub serve has exited"
        try:
            return httpx.get(f"{self.base_url}/healthz").status_code == 200
        except httpx.TransportError:
            return False


@contextmanager
def serving(settings: HubSettings, *extra: str) -> Iterator[ServedHub]:
    """Start ``serve`` with ``extra`` options on a free port, wait until it answers,
    and stop it (SIGTERM) when the block ends."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        port = free_port()
        process = subprocess.Popen(serve_command(settings, port, *extra), stdout=out, stderr=err)
        served = ServedHub(process, port)
        try:
            wait_until(served.healthy, 30, "assessor-hub serve to answer")
            yield served
        finally:
            process.terminate()
            process.wait(15)
            served.stdout, served.stderr = _text(out), _text(err)


def _text(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode("utf-8", errors="replace")
