"""The reference hub as its own process on loopback, for the benchmarks that talk to it
over HTTP (a hub thread inside the benchmark would compete with it for the GIL). Started
as ``benchmarks.servers`` starts every ``serve``; its output is not kept."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import httpx

from benchmarks.servers import free_port, serve_command, wait_for

__all__ = ["free_port", "start_hub"]

START_TIMEOUT_S = 30


def start_hub(data_dir: Path, port: int, extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """``assessor-hub serve`` on 127.0.0.1:``port`` with the options ``extra``, returned
    once ``/healthz`` answers; the caller terminates it."""
    process = subprocess.Popen(
        serve_command(data_dir, port, *extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200,
            process,
            "assessor-hub serve",
            START_TIMEOUT_S,
        )
    except BaseException:
        process.kill()
        process.wait(10)
        raise
    return process
