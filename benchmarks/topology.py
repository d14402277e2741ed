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

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
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
from benchmarks.servers import (
    MotoServer,
    ServeProcess,
    create_bucket,
    environment,
    free_port,
    moto_credentials,
    running_postgres,
    serve_command,
    stop_process,
    wait_for,
)

__all__ = ["NGINX_TEMPLATE", "Topology", "render_nginx_config"]

NGINX_TEMPLATE = resources_dir() / "deploy" / "nginx-assessor-hub.conf"
BUCKET = "assessor-evidence"
DATABASE = "assessor_hub"


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
        self._hubs: list[ServeProcess] = []
        self._stack = ExitStack()

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
        self._hubs[index].kill()

    def restart_hub(self, index: int) -> None:
        """Start hub process ``index`` again (after ``kill_hub``) on its old address, and
        wait until it is ready; nginx sends it requests again once it answers."""
        if self.hub_alive(index):
            raise RuntimeError(f"hub process {index} is running")
        self._hubs[index].start().wait_ready()

    def hub_alive(self, index: int) -> bool:
        return self._hubs[index].alive()

    def hub_log(self, index: int) -> list[dict[str, Any]]:
        """The JSON lines hub process ``index`` has written to its log so far."""
        lines = []
        for line in self._hubs[index].output().splitlines():
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
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _start(self) -> None:
        if self._given_root is None:
            self.root = Path(tempfile.mkdtemp(prefix="assessor-topology-"))
            self._stack.callback(shutil.rmtree, self.root, ignore_errors=True)
        else:
            self.root = self._given_root
            self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.root.chmod(0o711)  # postgres passes through to its own folder
        self.base_url = f"http://127.0.0.1:{free_port()}"
        # boto3 here and in the hubs reads the credentials from the environment; the
        # issuer is the address the clients use (nginx), as a deployment sets it. Entered
        # before any process starts, so restored once all have stopped.
        self._stack.enter_context(moto_credentials())
        self._stack.enter_context(environment({"ASSESSOR_HUB_ISSUER_URL": self.base_url}))
        # Slow starters run side by side: the S3 server's start overlaps PostgreSQL's, and
        # the hub processes start together.
        s3_server = MotoServer()
        self._stack.callback(s3_server.stop)
        self.s3_endpoint = s3_server.endpoint
        postgres = self._stack.enter_context(
            running_postgres(self.root / "postgres", max_connections=200)
        )
        self.db_url = postgres.create_database(DATABASE)
        s3_server.wait_ready()
        self._create_bucket()
        # Migrations run here, once, before any hub process starts.
        with self.admin():
            pass
        token_file = self.root / "metrics-token"
        token_file.write_text(self.metrics_token, encoding="utf-8")
        for index in range(self.workers):
            self._launch_hub(index, token_file)
        for hub in self._hubs:
            hub.wait_ready()
        self._start_nginx()

    def _create_bucket(self) -> None:
        s3 = create_bucket(self.s3_endpoint, self.bucket)
        # As docs/deploy.md asks of a real bucket: an overwritten or deleted object stays
        # recoverable as an older version.
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})

    def _launch_hub(self, index: int, token_file: Path) -> None:
        port = free_port()
        self.hub_urls.append(f"http://127.0.0.1:{port}")
        command = serve_command(
            self.data_dir, port,
            "--db", self.db_url, "--storage", self.storage_url, "--s3-endpoint", self.s3_endpoint,
            "--forwarded-allow-ips", "127.0.0.1", "--metrics-token-file", str(token_file),
            *self.hub_options,
        )  # fmt: skip
        hub = ServeProcess(command, port, self.root / f"hub-{index}.log").start()
        self._hubs.append(hub)
        self._stack.callback(hub.stop)

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
        self._stack.callback(stop_process, process, signal.SIGQUIT)
        wait_for(
            lambda: httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200,
            process,
            "nginx",
        )
