"""``assessor-hub serve`` as its own process, started the way an operator starts it, for
the tests that need the real command: its options, its log lines, its port, several
processes at once.

The launcher itself is ``benchmarks.servers.ServeProcess`` (shared with the benchmarks);
this adds what tests want of it: a command on ``HubSettings``, and a block that stops
every process it started. Output goes to files, not pipes, so a chatty hub never blocks
on a full pipe; it stays readable (``stdout``, ``stderr``, ``output()``) after the stop.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from assessor_app.hub.config import HubSettings
from benchmarks.servers import ServeProcess, free_port
from benchmarks.servers import serve_command as _serve_command

__all__ = ["ServeProcess", "free_port", "serve_command", "serving", "started"]


def serve_command(settings: HubSettings, port: int, *extra: str) -> list[str]:
    """The command line of ``assessor-hub serve`` on ``settings``' data and database."""
    return _serve_command(settings.data_dir, port, "--db", settings.db_url, *extra)


@contextmanager
def started(
    settings: HubSettings,
    *extra: str,
    count: int = 1,
    environment: Mapping[str, str] | None = None,
) -> Iterator[list[ServeProcess]]:
    """``count`` serve processes with ``extra`` options, started at once on free ports
    and not waited for (``wait_ready`` each); all stopped (SIGTERM) when the block ends.
    ``environment`` replaces the inherited one."""
    with tempfile.TemporaryDirectory(prefix="serve-") as folder:
        hubs: list[ServeProcess] = []
        try:
            for _ in range(count):
                port = free_port()
                out, err = Path(folder) / f"{port}.out", Path(folder) / f"{port}.err"
                command = serve_command(settings, port, *extra)
                hubs.append(ServeProcess(command, port, out, err, environment).start())
            yield hubs
        finally:
            for hub in hubs:
                hub.stop()


@contextmanager
def serving(settings: HubSettings, *extra: str) -> Iterator[ServeProcess]:
    """One serve with ``extra`` options on a free port, once it answers ``/healthz``."""
    with started(settings, *extra) as (served,):
        served.wait_ready(30, "/healthz")
        yield served
