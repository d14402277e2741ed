"""The hub's production topology on loopback, started and stopped as one context manager:
a fresh PostgreSQL cluster, moto's standalone S3 server with a versioned bucket, several
``assessor-hub serve`` processes on both, and nginx (the configuration in
``resources/deploy/nginx-assessor-hub.conf``, the one docs/deploy.md shows) balancing over
them. Used by the topology test and by the load benchmark.

    with Topology(workers=2) as t:
        with t.admin() as admin:            # HubAdmin on the same database and bucket
            admin.add_assessor("ann", "correct horse battery")
        httpx.get(f"{t.base_url}/readyz")   # through nginx
        httpx.get(f"{t.hub_urls[0]}/readyz")  # one hub process directly
        t.kill_hub(1)                       # SIGKILL, as a crash would
        t.restart_hub(1)                    # on the same address, once ready
        t.hub_log(0)                        # that process's JSON log lines

Everything runs as child processes under one temporary folder; leaving the ``with`` block
stops them all (also after an error or a failed start) and removes the folder. Needs
PostgreSQL, nginx and ``moto[server]`` (``make test`` installs them).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import httpx

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.resources import resources_dir
from assessor_app.hub.storage import S3Location

__all__ = ["NGINX_TEMPLATE", "Topology", "render_nginx_config"]

NGINX_TEMPLATE = resources_dir() / "deploy" / "nginx-assessor-hub.conf"
START_TIMEOUT_S = 60
BUCKET = "assessor-evidence"
DATABASE = "assessor_hub"
# Any credentials do for moto; boto3 (in the hubs and here) refuses to sign without some.
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "topology-access-key",
    "AWS_SECRET_ACCESS_KEY": "topology-secret-key",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def render_nginx_config(
    *, hubs: Sequence[str], listen: str, server_name: str, access_log: str, tls: str = ""
) -> str:
    """The template with its places filled: ``hubs`` are ``host:port`` of the hub
    processes; ``tls`` the certificate lines (none on loopback)."""
    servers = "\n".join(f"    server {hub} max_fails=1 fail_timeout=5s;" for hub in hubs)
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for place, value in {
        "{{HUB_SERVERS}}": servers,
        "{{LISTEN}}": listen,
        "{{SERVER_NAME}}": server_name,
        "{{TLS}}": tls,
        "{{ACCESS_LOG}}": access_log,
    }.items():
        text = text.replace(place, value)
    return text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up (status {process.returncode})")
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {START_TIMEOUT_S} s")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a hub and, with ``--workers``, its worker processes: they share its process
    group, and none may outlive it holding the port."""
    _stop(process)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _as_postgres(command: str) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["su", "postgres", "-s", "/bin/sh", "-c", command]
    return ["/bin/sh", "-c", command]


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql)")
    return found[-1].parent


class Topology:
    """nginx at ``base_url`` in front of ``workers`` hub processes (``hub_urls``) on one
    PostgreSQL database (``db_url``) and one S3 bucket (``s3_endpoint``, ``bucket``).
    ``hub_options`` are added to every ``serve`` command line (e.g. ``--workers 2``)."""

    def __init__(
        self, workers: int = 2, *, hub_options: Sequence[str] = (), root: Path | None = None
    ) -> None:
        if workers < 1:
            raise ValueError("a topology needs at least one hub process")
        self.workers = workers
        self.hub_options = list(hub_options)
        self._given_root = root
        self.root = Path()
        self.base_url = ""
        self.hub_urls: list[str] = []
        self.db_url = ""
        self.s3_endpoint = ""
        self.bucket = BUCKET
        self.metrics_token = secrets.token_hex(32)
        self._hubs: list[subprocess.Popen[bytes]] = []
        self._hub_commands: list[list[str]] = []
        self._stack = ExitStack()
        self._saved_env: dict[str, str | None] = {}

    # -- what callers use ----------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The hubs' shared data folder (issuer key, pinned issuer address)."""
        return self.root / "hub-data"

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}/evidence"

    def settings(self) -> HubSettings:
        return HubSettings.from_data_dir(
            self.data_dir,
            db_url=self.db_url,
            object_store=S3Location.parse(self.storage_url),
            s3_endpoint=self.s3_endpoint,
        )

    def admin(self) -> HubAdmin:
        """A ``HubAdmin`` on the hubs' database and bucket; close it (or use ``with``)."""
        return HubAdmin(self.settings())

    def s3(self) -> Any:
        """A boto3 S3 client for the topology's server."""
        return boto3.client("s3", endpoint_url=self.s3_endpoint)

    def kill_hub(self, index: int) -> None:
        """SIGKILL hub process ``index`` (with its ``--workers``, as a crash of the machine
        or of the service would), and reap it."""
        process = self._hubs[index]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(15)

    def restart_hub(self, index: int) -> None:
        """Start hub process ``index`` again (after ``kill_hub``) on its old address, and
        wait until it is ready; nginx sends it requests again once it answers."""
        if self.hub_alive(index):
            raise RuntimeError(f"hub process {index} is running")
        self._hubs[index] = self._run_hub(index)
        self._await_hub(index)

    def hub_alive(self, index: int) -> bool:
        return self._hubs[index].poll() is None

    def hub_log(self, index: int) -> list[dict[str, Any]]:
        """The JSON lines hub process ``index`` has written to its log so far."""
        lines = []
        for line in self._hub_log_path(index).read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def nginx_log(self) -> list[str]:
        """nginx's access lines (``log_format assessor_hub``) so far."""
        path = self.root / "nginx" / "access.log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    # -- start and stop ------------------------------------------------------------------

    def __enter__(self) -> Topology:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            self._restore_environment()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._stack.close()
        finally:
            self._restore_environment()

    def _start(self) -> None:
        if self._given_root is None:
            self.root = Path(tempfile.mkdtemp(prefix="assessor-topology-"))
            self._stack.callback(shutil.rmtree, self.root, ignore_errors=True)
        else:
            self.root = self._given_root
            self.root.mkdir(parents=True, exist_ok=True)
        self.base_url = f"http://127.0.0.1:{_free_port()}"
        self._set_environment()
        # Slow starters run side by side: the S3 server's start overlaps PostgreSQL's, and
        # the hub processes start together.
        s3_server = self._launch_s3()
        self._start_postgres()
        self._await_s3(s3_server)
        # Migrations run here, once, before any hub process starts.
        with self.admin():
            pass
        token_file = self.root / "metrics-token"
        token_file.write_text(self.metrics_token, encoding="utf-8")
        for index in range(self.workers):
            self._launch_hub(index, token_file)
        for index in range(self.workers):
            self._await_hub(index)
        self._start_nginx()

    def _set_environment(self) -> None:
        """boto3 here and in the hubs reads the credentials from the environment; the
        issuer is the address the clients use (nginx), as a deployment sets it."""
        wanted = {**AWS_ENVIRONMENT, "ASSESSOR_HUB_ISSUER_URL": self.base_url}
        for name, value in wanted.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        self._saved_env.setdefault("AWS_ENDPOINT_URL", os.environ.pop("AWS_ENDPOINT_URL", None))

    def _restore_environment(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _start_postgres(self) -> None:
        bin_dir = _postgres_bin()
        folder = self.root / "postgres"
        folder.mkdir()
        if os.geteuid() == 0:
            self.root.chmod(0o711)  # postgres passes through to its own folder
            shutil.chown(folder, "postgres", "postgres")
        port = _free_port()
        data, log = folder / "data", folder / "log"
        subprocess.run(
            _as_postgres(f"{bin_dir}/initdb -D {data} -A trust -U postgres --no-sync"),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres(f"{bin_dir}/pg_ctl -D {data} -l {log} -w -o '{options}' start"),
            check=True,
            capture_output=True,
        )
        self._stack.callback(
            subprocess.run,
            _as_postgres(f"{bin_dir}/pg_ctl -D {data} -m fast -w stop"),
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(f"{bin_dir}/createdb -h 127.0.0.1 -p {port} -U postgres {DATABASE}"),
            check=True,
            capture_output=True,
        )
        self.db_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"

    def _launch_s3(self) -> subprocess.Popen[bytes]:
        port = _free_port()
        self.s3_endpoint = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-c", "from moto.server import main; main()"]
        server = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._stack.callback(_stop, server)
        return server

    def _await_s3(self, server: subprocess.Popen[bytes]) -> None:
        _wait_for(
            lambda: httpx.get(f"{self.s3_endpoint}/moto-api/", timeout=1).is_success,
            server,
            "the S3 server",
        )
        s3 = self.s3()
        s3.create_bucket(
            Bucket=self.bucket,
            CreateBucketConfiguration={"LocationConstraint": AWS_ENVIRONMENT["AWS_DEFAULT_REGION"]},
        )
        # As docs/deploy.md asks of a real bucket: an overwritten or deleted object stays
        # recoverable as an older version.
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})

    def _hub_log_path(self, index: int) -> Path:
        return self.root / f"hub-{index}.log"

    def _launch_hub(self, index: int, token_file: Path) -> None:
        port = _free_port()
        self.hub_urls.append(f"http://127.0.0.1:{port}")
        self._hub_commands.append([
            sys.executable, "-m", "assessor_app.hub.cli", "--data-dir", str(self.data_dir),
            "serve", "--host", "127.0.0.1", "--port", str(port),
            "--db", self.db_url, "--storage", self.storage_url, "--s3-endpoint", self.s3_endpoint,
            "--forwarded-allow-ips", "127.0.0.1", "--metrics-token-file", str(token_file),
            *self.hub_options,
        ])  # fmt: skip
        self._hubs.append(self._run_hub(index))

    def _run_hub(self, index: int) -> subprocess.Popen[bytes]:
        log = self._hub_log_path(index).open("ab")
        self._stack.callback(log.close)
        process = subprocess.Popen(
            self._hub_commands[index], stdout=log, stderr=log, start_new_session=True
        )
        self._stack.callback(_stop_group, process)
        return process

    def _await_hub(self, index: int) -> None:
        url = self.hub_urls[index]
        _wait_for(
            lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200,
            self._hubs[index],
            f"hub process {index}",
        )

    def _start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        folder = self.root / "nginx"
        folder.mkdir()
        site = render_nginx_config(
            hubs=[url.removeprefix("http://") for url in self.hub_urls],
            listen=self.base_url.removeprefix("http://"),
            server_name="localhost",
            access_log=str(folder / "access.log"),
        )
        (folder / "assessor-hub.conf").write_text(site, encoding="utf-8")
        # The process-level frame around the site file that /etc/nginx/nginx.conf gives in
        # production; as root, the workers stay root so they can use this folder.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\n"
            # Each client connection holds one to a hub too: room for the load benchmark's
            # hundreds of simulated assessors.
            "worker_rlimit_nofile 16384;\n"
            f"error_log {folder / 'error.log'} warn;\n"
            "events { worker_connections 8192; }\n"
            f"http {{ include {folder / 'assessor-hub.conf'}; }}\n",
            encoding="utf-8",
        )
        errors = (folder / "stderr.log").open("ab")
        self._stack.callback(errors.close)
        process = subprocess.Popen(
            [
                nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                "-g", f"daemon off; pid {folder / 'nginx.pid'};",
            ],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )  # fmt: skip
        self._stack.callback(_stop, process, signal.SIGQUIT)
        _wait_for(
            lambda: httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200,
            process,
            "nginx",
        )
