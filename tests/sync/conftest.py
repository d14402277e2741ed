"""A scriptable HTTP server on 127.0.0.1 that stands in for the hub in the client tests:
each route answers from a script (a list of replies, or a function of the request), and
every request is recorded with its headers and body."""

from __future__ import annotations

import json
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import pytest
from support.s3_server import moto_endpoint, s3_server  # noqa: F401

from assessor_app.sync.client import HubClient, Timeouts


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class ReplyLike(Protocol):
    """What a route answers; the tests' ``Reply`` type. ``hang``: wait (until teardown)
    instead of answering; ``drop_after``: send the headers and this many body bytes, then
    cut the connection."""

    status: int
    hang: bool
    drop_after: int | None

    def encoded(self) -> tuple[bytes, dict[str, str]]: ...


Script = list[ReplyLike] | Callable[[Seen], ReplyLike]


class _Server(ThreadingHTTPServer):
    """Clients that cancel or give up close their sockets mid-reply on purpose; only other
    errors are worth a traceback on the test's output."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class ScriptedHub:
    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.requests: list[Seen] = []
        self.routes: dict[tuple[str, str], Script] = {}
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hub = self  # type: ignore[attr-defined]
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def route(self, method: str, path: str, script: Script) -> None:
        """Answer ``method path`` from ``script``: replies in turn (the last one repeats)
        or a function of the request."""
        self.routes[(method, "/api/v1" + path)] = (
            list(script) if isinstance(script, list) else script
        )

    def calls(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.requests if s.method == method and s.path == "/api/v1" + path]

    def reply_for(self, seen: Seen) -> ReplyLike | None:
        with self._lock:
            self.requests.append(seen)
            script = self.routes.get((seen.method, seen.path))
            if script is None:
                return None
            if callable(script):
                return script(seen)
            return script.pop(0) if len(script) > 1 else script[0]


_NOT_FOUND = b'{"type": "about:blank", "title": "Not found", "status": 404}'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def _serve(self) -> None:
        hub: ScriptedHub = self.server.hub  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(
            self.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        reply = hub.reply_for(seen)
        if reply is None:
            self.send_response(404)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(_NOT_FOUND)))
            self.end_headers()
            self.wfile.write(_NOT_FOUND)
            return
        if reply.hang:
            hub.release.wait(20)
            self.close_connection = True
            return
        data, headers = reply.encoded()
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if reply.drop_after is not None:
            self.wfile.write(data[: reply.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _serve


@pytest.fixture
def hub() -> Iterator[ScriptedHub]:
    server = ScriptedHub()
    server.start()
    yield server
    server.stop()


@dataclass
class Waits:
    """Records the client's backoff sleeps instead of sleeping."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def make_client(hub: ScriptedHub, waits: Waits) -> Iterator[Callable[..., HubClient]]:
    clients: list[HubClient] = []

    def make(**kwargs: object) -> HubClient:
        options: dict[str, object] = {
            "token": "tok-abc123",
            "max_retries": 3,
            "sleep": waits,
            "jitter": lambda: 0.5,
            "timeout": Timeouts(connect=2, read=5, write=5, pool=2),
        }
        options.update(kwargs)
        base = str(options.pop("base_url", hub.url))
        client = HubClient(base, **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def tls_material(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it:
    (ca.pem, server-cert.pem, server-key.pem)."""
    import ipaddress
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("District proxy CA"))
        .issuer_name(name("District proxy CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = (tmp_path / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_pem, cert_pem, key_pem


@pytest.fixture
def tls_hub(tls_material: tuple[Path, Path, Path]) -> Iterator[ScriptedHub]:
    _ca, cert, key = tls_material
    server = ScriptedHub(tls=(cert, key))
    server.start()
    yield server
    server.stop()
