"""``assessor sync`` in a real subprocess, stopped by Ctrl+C (SIGINT) or SIGTERM while a
body trickles in at 1 byte/s and while the hub's ``Retry-After`` is being waited out: it
prints "Cancelling…", exits 130 well within a generous bound (the benchmark reports the
real figure), keeps the store consistent, and the next sync finishes. A ``Retry-After``
of a day ends the sync at once with the hub's request in words."""

from __future__ import annotations

import ctypes
import json
import os
import platform
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable

import pytest
from cli_kit import Desk
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD, wait_until
from test_cli_process import ASSESSOR, _lines, assessor, env  # noqa: F401

BOUND = 5.0
"""Seconds allowed from the signal to the exit: generous for a loaded test machine; the
benchmark measures the real figure (well under one second)."""


_TGKILL = {"x86_64": 234, "aarch64": 131}[platform.machine()]


def to_a_worker_thread(process: subprocess.Popen[str], sig: int) -> None:
    """Send ``sig`` to one of the process's other threads, not its main thread: the
    kernel may do that with any signal sent to the process."""
    workers = [int(t) for t in os.listdir(f"/proc/{process.pid}/task") if int(t) != process.pid]
    assert workers, "the sync runs on a thread of its own"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(_TGKILL, process.pid, workers[0], sig) == 0, ctypes.get_errno()


def signal_during_sync(
    environ: dict[str, str],
    proxy: FaultProxy,
    path: str,
    sig: int,
    send: Callable[[subprocess.Popen[str], int], None] = subprocess.Popen.send_signal,
) -> tuple[int, float, str, str]:
    """Start ``assessor sync``, wait until it has asked for ``path`` and has been waiting
    a moment, send ``sig``; returns the exit code, the seconds to exit and the output."""
    process = subprocess.Popen(
        [str(ASSESSOR), "sync"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    try:
        wait_until(lambda: bool(proxy.requests(path=path)), 30, f"the sync to ask for {path}")
        time.sleep(0.5)
        sent = time.monotonic()
        send(process, sig)
        code = process.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    err = "".join(lines.get() for _ in range(lines.qsize()))
    out = process.stdout.read() if process.stdout else ""
    if process.stdout:
        process.stdout.close()
    if process.stderr:
        process.stderr.close()
    return code, elapsed, out, err


def sign_in(environ: dict[str, str], url: str) -> None:
    login = assessor(environ, "login", url, "--user", "ann", "--password-stdin", stdin=PASSWORD)
    assert login.returncode == 0, login.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_during_a_trickling_download_exits_130_at_once_and_keeps_the_store(
    desk: Desk,
    env: dict[str, str],  # noqa: F811
    sig: int,
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        sign_in(env, proxy.url)
        proxy.trickle(1, after=20_000, path="/content")

        code, elapsed, out, err = signal_during_sync(env, proxy, "/content", sig)

        assert code == 130, err
        assert elapsed < BOUND
        assert "Cancelling…" in err
        assert err.count("Cancelling…") == 1
        assert "Sync cancelled" in out and "Everything finished so far is kept" in err
        assert "Traceback" not in err and "Interrupted" not in err
        listed = json.loads(assessor(env, "queue", "--json").stdout)
        assert [i["status"] for i in listed] != ["Ready"]

        proxy.clear()
        resumed = assessor(env, "sync")
    assert resumed.returncode == 0, resumed.stderr
    listed = json.loads(assessor(env, "queue", "--json").stdout)
    assert [(i["id"], i["status"]) for i in listed] == [(desk.assignment, "Ready")]


def test_a_signal_that_lands_on_a_worker_thread_still_cancels_at_once(
    desk: Desk,
    env: dict[str, str],  # noqa: F811
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        sign_in(env, proxy.url)
        proxy.trickle(1, after=20_000, path="/content")

        code, elapsed, _out, err = signal_during_sync(
            env, proxy, "/content", signal.SIGINT, to_a_worker_thread
        )

    assert code == 130, err
    assert elapsed < BOUND
    assert "Cancelling…" in err and "Traceback" not in err


def test_ctrl_c_while_waiting_out_a_retry_after_exits_130_at_once(
    desk: Desk,
    env: dict[str, str],  # noqa: F811
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        sign_in(env, proxy.url)
        proxy.fail(503, retry_after="100", path="/assignments", times=None)

        code, elapsed, _out, err = signal_during_sync(env, proxy, "/assignments", signal.SIGINT)

    assert code == 130, err
    assert elapsed < BOUND
    assert "Cancelling…" in err and "Traceback" not in err


def test_a_retry_after_of_a_day_ends_the_sync_with_the_hubs_request_in_words(
    desk: Desk,
    env: dict[str, str],  # noqa: F811
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        sign_in(env, proxy.url)
        proxy.fail(503, retry_after="86400", path="/assignments", times=None)

        started = time.monotonic()
        sync = assessor(env, "sync")

    assert time.monotonic() - started < 30
    assert sync.returncode == 3, sync.stderr
    assert "The hub asked to wait 1440 minutes; sync again later." in sync.stderr
    assert "Traceback" not in sync.stderr and "503" not in sync.stderr
