"""The real servers the tests and the benchmarks start on loopback, each started one way:
a throwaway PostgreSQL cluster, moto's standalone S3 server and ``assessor-hub serve``.

They live here, outside the ``assessor_app`` package (which must not ship test servers),
because the benchmarks need them without pytest and the tests import ``benchmarks``
already. Every server is a child process on a free 127.0.0.1 port; output goes to files,
never to a pipe nobody reads.

    with running_postgres(folder) as cluster:       # initdb + pg_ctl, as root too
        with cluster.database("hub_x") as url:      # a fresh database, dropped after
            ...
    with moto_credentials(), running_moto() as s3:  # s3.endpoint answers S3 calls
        ...
    hub = ServeProcess(serve_command(data_dir, port, "--db", url), port, log).start()
    hub.wait_ready()                                # /readyz answers 200
    hub.stop()                                      # SIGTERM to it and its --workers
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg

__all__ = [
    "MOTO_CREDENTIALS",
    "MotoServer",
    "PostgresCluster",
    "ServeProcess",
    "create_bucket",
    "environment",
    "free_port",
    "moto_credentials",
    "running_moto",
    "running_postgres",
    "serve_command",
    "stop_process",
    "wait_for",
]

START_TIMEOUT_S = 90
# Any credentials do for moto; boto3 (in the hubs and in the caller) refuses to sign
# without some.
MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test-access-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    ready: Callable[[], bool],
    process: subprocess.Popen[bytes],
    what: str,
    timeout: float = START_TIMEOUT_S,
    output: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``ready`` (a refused connection counts as not yet) until it holds; fail at
    once when ``process`` has exited, and after ``timeout`` seconds. ``output`` gives
    what the process said, for the error."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} exited during start-up (status {process.returncode})\n{output()}"
            )
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout} s\n{output()}")
        time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` and reap; kill it if it has not ended within 15 s."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


@contextmanager
def environment(values: Mapping[str, str], *, remove: tuple[str, ...] = ()) -> Iterator[None]:
    """``values`` set and ``remove`` unset in ``os.environ`` for the block, then as before."""
    saved = {name: os.environ.get(name) for name in (*values, *remove)}
    os.environ.update(values)
    for name in remove:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def moto_credentials() -> contextlib.AbstractContextManager[None]:
    """The fake credentials in the environment (for boto3 here and in child processes),
    and no ``AWS_ENDPOINT_URL`` that would send boto3 elsewhere."""
    return environment(MOTO_CREDENTIALS, remove=("AWS_ENDPOINT_URL",))


# -- PostgreSQL --------------------------------------------------------------------------


def _as_postgres(command: str) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["su", "postgres", "-s", "/bin/sh", "-c", command]
    return ["/bin/sh", "-c", command]


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). `make test` "
            "installs it; or run `apt-get install -y postgresql`."
        )
    return found[-1].parent


@dataclass
class PostgresCluster:
    """A running cluster on 127.0.0.1:``port``; its user ``postgres`` needs no password."""

    port: int
    folder: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin_connection(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database ``name`` (a copy of ``template`` if given); returns its URL."""
        copy = f" TEMPLATE {template}" if template else ""
        with self.admin_connection() as conn:
            conn.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    @contextmanager
    def database(self, name: str, template: str | None = None) -> Iterator[str]:
        """``create_database`` for the block, dropped after (its connections cut)."""
        url = self.create_database(name, template)
        try:
            yield url
        finally:
            with self.admin_connection() as conn:
                conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextmanager
def running_postgres(folder: Path, *, max_connections: int = 100) -> Iterator[PostgresCluster]:
    """A fresh cluster in ``folder`` (made, and given to the user postgres when run as
    root: its parents must let that user pass), stopped at the end of the block. It
    trades durability for speed: nothing in it outlives the block."""
    bin_dir = _postgres_bin()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    data, log = folder / "data", folder / "log"
    subprocess.run(
        _as_postgres(f"{bin_dir}/initdb -D {data} -A trust -U postgres --no-sync"),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
        f"-c max_connections={max_connections} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        _as_postgres(f"{bin_dir}/pg_ctl -D {data} -l {log} -w -o '{options}' start"),
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresCluster(port, folder)
    finally:
        subprocess.run(
            _as_postgres(f"{bin_dir}/pg_ctl -D {data} -m immediate -w stop"),
            capture_output=True,
        )


# -- moto's S3 server --------------------------------------------------------------------


class MotoServer:
    """moto's standalone S3 server as a process of its own (its objects, kept in RAM, are
    not counted as the caller's memory) at ``endpoint``. The process starts when the
    object is made, so a caller can start something else meanwhile and ``wait_ready``
    later (``running_moto`` does both for a block)."""

    def __init__(self) -> None:
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from moto.server import main; main()",
             "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def wait_ready(self) -> None:
        wait_for(
            lambda: httpx.get(f"{self.endpoint}/moto-api/", timeout=1).is_success,
            self.process,
            "the S3 server",
        )

    def stop(self) -> None:
        stop_process(self.process)


@contextmanager
def running_moto() -> Iterator[MotoServer]:
    """A ``MotoServer`` that answers, for the block; stopped after."""
    server = MotoServer()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def create_bucket(endpoint: str, bucket: str) -> Any:
    """A new bucket on the S3 server at ``endpoint``; returns the boto3 client."""
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": MOTO_CREDENTIALS["AWS_DEFAULT_REGION"]},
    )
    return s3


# -- assessor-hub serve ------------------------------------------------------------------


def serve_command(data_dir: Path, port: int, *options: str) -> list[str]:
    """The command line of ``assessor-hub serve`` on 127.0.0.1:``port`` with ``data_dir``."""
    return [
        sys.executable, "-m", "assessor_app.hub.cli", "--data-dir", str(data_dir),
        "serve", "--host", "127.0.0.1", "--port", str(port), *options,
    ]  # fmt: skip


class ServeProcess:
    """One ``assessor-hub serve`` in a process group of its own (its ``--workers`` are in
    it too, and none may outlive it holding the port), its standard output appended to
    ``log`` and its errors to ``errors`` (the same file unless given). ``start`` again
    after ``kill`` restarts it on the same port."""

    def __init__(
        self,
        command: list[str],
        port: int,
        log: Path,
        errors: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = command
        self.port = port
        self.log = log
        self.errors = errors or log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        # What it said, read when it stopped: its files may be gone by the time a test
        # looks.
        self._said: tuple[str, str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        self._said = None
        with contextlib.ExitStack() as files:
            out = files.enter_context(self.log.open("ab"))
            err = out if self.errors == self.log else files.enter_context(self.errors.open("ab"))
            self.process = subprocess.Popen(
                self.command, stdout=out, stderr=err, start_new_session=True, env=self.env
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def stdout(self) -> str:
        return self._said[0] if self._said else _read(self.log)

    @property
    def stderr(self) -> str:
        return self._said[1] if self._said else _read(self.errors)

    def output(self) -> str:
        """All it has written so far, standard output and errors."""
        return self.stdout if self.errors == self.log else self.stdout + self.stderr

    def wait_ready(self, timeout: float = START_TIMEOUT_S, path: str = "/readyz") -> None:
        """Until ``path`` answers 200; an error (with its output) if it ends or times out."""
        wait_for(
            lambda: httpx.get(f"{self.base_url}{path}", timeout=2).status_code == 200,
            self._running(),
            f"assessor-hub serve on port {self.port}",
            timeout,
            self.output,
        )

    def stop(self) -> None:
        """SIGTERM to the group, as an operator stops it; SIGKILL to what is left."""
        process = self._running()
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self._kill_group()
        self._said = (self.stdout, self.stderr)

    def kill(self) -> None:
        """SIGKILL to it and its workers, as a crash of the machine or service would."""
        self._kill_group()
        self._running().wait(15)

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._running().pid, signal.SIGKILL)

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise RuntimeError("assessor-hub serve was not started")
        return self.process


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
