"""The hub client: protocol v1 over HTTPS with httpx (synchronous; run it off the GUI
thread).

It owns the transport rules: explicit connect/read/write/pool timeouts; TLS always
verified (against the public roots, the system store and, for district proxies, an extra
CA bundle); bounded retries with exponential backoff and full jitter on connection
errors, timeouts and 429/502/503/504, honouring ``Retry-After``; resumable artifact
downloads with ``Range``/``If-Range``; and decision uploads that always carry their
``Idempotency-Key``, so a retry after a lost response cannot record a second decision.

Artifact bodies are the bulk of a sync, so their GET takes the fast transport of
:mod:`assessor_app.sync.fast_transport` (``http.client``, read into one reusable buffer)
unless an environment proxy applies or a custom transport is given.

A hub with object storage answers an artifact GET with a redirect (307) to a short-lived
presigned URL. The client follows it only to the origin the hub declares in ``/me``
(``artifact_origin``), without its bearer token, over a connection of its own; the range
it asks for is the same, so a download still resumes, and the sha256 is still checked by
the vault. Every retry or resume asks the hub again, so an expired URL (403 from the
storage) is replaced by a fresh one. A redirect anywhere else is refused.
Replies are validated against :mod:`assessor_app.protocol.v1`; HTTP errors become the
typed errors of :mod:`assessor_app.sync.errors`. Tokens and passwords are never logged.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import os
import random
import re
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpcore
import httpx
from pydantic import BaseModel, ValidationError

from assessor_app.protocol.scoring import (
    BackreadFindings,
    BackreadReceipt,
    BackreadVerdict,
    DeclineRequest,
    ReadsOut,
)
from assessor_app.protocol.v1 import (
    API_PREFIX,
    IDEMPOTENCY_KEY_WORDS,
    AssignmentDelta,
    DecisionReceipt,
    DecisionUpload,
    Me,
    ProblemDetail,
    SubmissionOut,
    TokenRequest,
    TokenResponse,
    is_idempotency_key,
    version_tag,
)
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    Conflict,
    HubBusy,
    HubHttpError,
    HubNotAnswering,
    HubProblem,
    HubUnreachable,
    MalformedReply,
    NotFound,
    UntrustedCertificate,
    WrongSize,
)
from assessor_app.sync.fast_transport import ArtifactReply, DirectConnection, StreamedReply
from assessor_app.sync.sockets import (
    SLICE,
    DeadlinePassed,
    PolledBackend,
    StallRule,
    Watch,
)

__all__ = ["DownloadResult", "DownloadSink", "HubClient", "StallRule", "Timeouts"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_CONTENT_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED_RANGE_RE = re.compile(r"^bytes \*/(\d+)$")
_REDACTED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_M = TypeVar("_M", bound=BaseModel)
_DEFAULT_HEADERS = {"User-Agent": "assessor-app", "Accept": "application/json"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A presigned URL that has expired (or was refused) by the time it is used: 403 from S3.
_STORAGE_REFUSED = 403
_UNKNOWN_ORIGIN = object()
DEFAULT_DOWNLOAD_CHUNK = 1024 * 1024
"""Bytes read per block of an artifact body: the vault's chunk size, and large enough that
hashing and socket reads run without the GIL most of the time."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to connect, to wait for each read / write on the socket, and to
    get a connection from the pool; ``reply`` bounds each attempt as a whole, from
    connecting until the reply's head (an API call's whole reply) has arrived, however
    slowly its bytes drip in."""

    connect: float = 10.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0
    reply: float = 60.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class DownloadSink(Protocol):
    """Where artifact bytes go (the vault's writer is one). ``write`` gets a view of the
    download's read buffer, valid only during the call: a sink that keeps bytes copies
    them. ``restart`` means: forget all bytes so far, the next write is byte 0 of the
    artifact."""

    def write(self, data: memoryview) -> object: ...

    def restart(self) -> None: ...


@dataclass(frozen=True)
class DownloadResult:
    """``offset``: bytes of the artifact the sink holds now; ``received``: bytes written
    by this call; ``size``: the artifact's full size when the hub said it;
    ``restarted``: the sink was told to start again from byte 0."""

    offset: int
    received: int
    size: int | None
    etag: str | None
    restarted: bool


def _redacted(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("[redacted]" if k.lower() in _REDACTED_HEADERS else v) for k, v in headers.items()}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    defaults = {"http": 80, "https": 443}
    return (
        a.scheme == b.scheme
        and a.host.lower() == b.host.lower()
        and (a.port or defaults.get(a.scheme)) == (b.port or defaults.get(b.scheme))
    )


def _tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    # Public roots (certifi, via httpx) plus the operating system's store, where district
    # IT usually installs its proxy CA, plus an explicitly configured bundle.
    ctx = httpx.create_ssl_context()
    ctx.load_default_certs()
    if ca_bundle is not None:
        try:
            ctx.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"the CA bundle {ca_bundle} cannot be used: {exc}") from None
    return ctx


_shared_tls_lock = threading.Lock()
_shared_tls: dict[tuple[object, ...], ssl.SSLContext] = {}


def _file_stamp(path: str | None) -> tuple[str, int, int] | None:
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_mtime_ns, st.st_size)


def _shared_tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The context of ``_tls_context(ca_bundle)``, built again only when the bundle or the
    system's CA file changes (certifi's changes only with an upgrade). Loading the roots
    costs about 0.1 s of CPU, and every download worker has its own client. Only
    ``http.client`` connections get this context; they never change a context they are
    given, so threads may share it. (httpcore sets ALPN on its context at every connect,
    so each httpx client keeps a private one.)"""
    key = (
        str(ca_bundle) if ca_bundle is not None else None,
        _file_stamp(str(ca_bundle)) if ca_bundle is not None else None,
        _file_stamp(ssl.get_default_verify_paths().cafile),
    )
    with _shared_tls_lock:
        ctx = _shared_tls.get(key)
        if ctx is None:
            ctx = _shared_tls[key] = _tls_context(ca_bundle)
        return ctx


def _retry_after_seconds(value: str | None, now: Callable[[], datetime]) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _cert_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _describe_validation(error: ValidationError) -> str:
    # Only locations and messages: the input values could contain a token.
    problems = error.errors(include_input=False, include_url=False)
    first = problems[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _env_proxy(url: httpx.URL) -> str | None:
    """The proxy from the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ... minus
    ``NO_PROXY``) that httpx would send requests for ``url`` through, if any."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _watched_transport(
    verify: ssl.SSLContext, watch: Watch, proxy: str | None
) -> httpx.HTTPTransport:
    """httpx's transport (through ``proxy`` if given) over sockets ``watch`` can
    interrupt. httpx takes no network backend, but its pool is httpcore's, which does:
    the pool is replaced by one with the same settings (httpx's default limits) and the
    watched backend."""
    transport = httpx.HTTPTransport(verify=verify)
    limits: dict[str, Any] = {
        "max_connections": 100,
        "max_keepalive_connections": 20,
        "keepalive_expiry": 5.0,
    }
    backend = PolledBackend(watch)
    if proxy is None:
        transport._pool = httpcore.ConnectionPool(
            ssl_context=verify, network_backend=backend, **limits
        )
        return transport
    via = httpx.Proxy(url=proxy)
    transport._pool = httpcore.HTTPProxy(
        proxy_url=httpcore.URL(
            scheme=via.url.raw_scheme,
            host=via.url.raw_host,
            port=via.url.port,
            target=via.url.raw_path,
        ),
        proxy_auth=via.raw_auth,
        proxy_headers=via.headers.raw,
        ssl_context=verify,
        proxy_ssl_context=via.ssl_context,
        network_backend=backend,
        **limits,
    )
    return transport


class _Shown:
    """A body's progress as reported: each finished block and, twice a second while a
    slow block is still arriving, the bytes the socket has received so far. It never
    moves back within one body, although socket counts run ahead of finished blocks."""

    def __init__(
        self, progress: Callable[[int, int | None], None], offset: int, size: int | None
    ) -> None:
        self._progress = progress
        self._base = offset
        self._size = size
        self._shown = offset

    def arrived(self, count: int) -> None:
        at = self._base + count
        if self._size is not None:
            at = min(at, self._size)  # the count includes chunked framing
        if at > self._shown:
            self.block(at)

    def block(self, offset: int) -> None:
        if offset >= self._shown:
            self._shown = offset
            self._progress(offset, self._size)


class _Reply(Protocol):
    """What the retry loop needs of any response."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...

    def close(self) -> None: ...


_R = TypeVar("_R", bound=_Reply)


class HubClient:
    """A client for one hub. Thread-compatible: use one instance per worker thread.

    ``sleep`` and ``jitter`` exist so tests can observe the waits instead of waiting.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        ca_bundle: Path | None = None,
        timeout: Timeouts | None = None,
        max_retries: int = 4,
        transport: httpx.BaseTransport | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        allow_insecure_http: bool = False,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("https", "http"):
            raise ValueError("the hub address must start with https://")
        if url.scheme == "http" and not (_is_loopback(url.host) or allow_insecure_http):
            # A bearer token sent in the clear can be replayed by anyone on the path.
            raise ValueError("the hub address must use https:// (plain http only on this computer)")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.base_url = str(url).rstrip("/")
        self.token = token
        self.max_retries = max_retries
        self.timeouts = timeout or Timeouts()
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._sleep = sleep
        self._jitter = jitter
        self._now = now
        self._ca_bundle = ca_bundle
        self._transport = transport
        self.cancel: Callable[[], bool] | None = None
        """Checked by every wait of every call (a CancelToken is one); a call's own
        ``cancel`` argument takes its place."""
        self._watch = Watch()
        shared_tls: ssl.SSLContext | None = None
        if url.scheme == "https" or ca_bundle is not None:
            # Also checks the CA bundle now, so a bad one is reported before any request.
            shared_tls = _shared_tls_context(ca_bundle)
        # Built on first use: a download worker's client may never make an API call.
        self._http_client: httpx.Client | None = None
        self._direct: DirectConnection | None = None
        self._shared_tls = shared_tls
        self._storage_origin: object = _UNKNOWN_ORIGIN
        self._storage_direct: DirectConnection | None = None
        self._storage_http: httpx.Client | None = None
        if transport is None and _env_proxy(url) is None:
            t = self.timeouts
            self._direct = DirectConnection(
                url, shared_tls, self._watch, connect=t.connect, read=t.read, write=t.write
            )

    def __repr__(self) -> str:
        return f"HubClient({self.base_url!r}, signed_in={self.token is not None})"

    @property
    def _http(self) -> httpx.Client:
        if self._http_client is None:
            verify = _tls_context(self._ca_bundle)
            transport = self._transport
            proxy = _env_proxy(httpx.URL(self.base_url))
            if transport is None and (proxy is None or proxy.startswith(("http:", "https:"))):
                # httpx's calls get watched sockets too, straight or through the proxy
                # (a SOCKS proxy keeps httpx's own sockets).
                transport = _watched_transport(verify, self._watch, proxy)
            self._http_client = httpx.Client(
                base_url=self.base_url + API_PREFIX,
                timeout=self.timeouts.to_httpx(),
                verify=verify,
                transport=transport,
                follow_redirects=False,
                headers=_DEFAULT_HEADERS,
            )
        return self._http_client

    def close(self) -> None:
        if self._http_client is not None:
            self._http_client.close()
        if self._direct is not None:
            self._direct.close()
        if self._storage_http is not None:
            self._storage_http.close()
        if self._storage_direct is not None:
            self._storage_direct.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public call ----------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        expect: type[_M],
        *,
        body: BaseModel | None = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> _M:
        """One API call (``path`` below the API prefix) with this client's retries,
        timeouts and TLS, its reply validated as ``expect``. ``body`` is sent as JSON.
        An error status raises the typed error of :mod:`assessor_app.sync.errors`; a reply
        that is not ``expect`` raises ``MalformedReply``. ``retry_statuses`` narrows
        which answers are retried (e.g. not a 5xx to a call that may have acted)."""
        response = self._request(
            method,
            path,
            json=None if body is None else body.model_dump(mode="json"),
            params=params,
            headers=headers,
            authenticated=authenticated,
            retry_statuses=retry_statuses,
        )
        return self._parse(response, expect)

    # -- protocol v1 --------------------------------------------------------------------

    def login(self, username: str, password: str) -> TokenResponse:
        """Exchange credentials for a token (kept on this client as ``token``). A 401 here
        means the username or password was not accepted."""
        # A throttled sign-in (429) is not retried: retrying would prolong the lockout.
        token = self.call(
            "POST",
            "/auth/token",
            TokenResponse,
            body=TokenRequest(username=username, password=password),
            authenticated=False,
            retry_statuses=RETRY_STATUSES - {429},
        )
        self.token = token.access_token
        return token

    def logout(self) -> None:
        """Ask the hub to revoke this client's token (it is dropped here either way). A 401
        means the hub no longer accepts the token anyway."""
        try:
            self._request("POST", "/auth/logout")
        finally:
            self.token = None

    def me(self) -> Me:
        return self.call("GET", "/me", Me)

    def assignments(self, since: str | None = None, limit: int = 100) -> AssignmentDelta:
        params: dict[str, str | int] = {"limit": limit}
        if since:
            params["since"] = since
        return self.call("GET", "/assignments", AssignmentDelta, params=params)

    def submission(self, submission_id: str) -> SubmissionOut:
        path = f"/submissions/{quote(submission_id, safe='')}"
        return self.call("GET", path, SubmissionOut)

    def put_decision(
        self,
        assignment_id: str,
        upload: DecisionUpload,
        idempotency_key: str,
        if_match_version: int,
    ) -> DecisionReceipt:
        """Upload a decision. ``idempotency_key`` must be stable for the outbox entry: the
        same key is sent on every attempt, so the hub records at most one decision.
        409/410/412 raise Conflict with the hub's state in ``problem``."""
        if not is_idempotency_key(idempotency_key):
            raise ValueError(f"an idempotency key must be {IDEMPOTENCY_KEY_WORDS}")
        headers = {"Idempotency-Key": idempotency_key, "If-Match": version_tag(if_match_version)}
        path = f"/assignments/{quote(assignment_id, safe='')}/decision"
        return self.call("PUT", path, DecisionReceipt, body=upload, headers=headers)

    def reads(self, assignment_id: str) -> ReadsOut:
        """The reads an adjudication (both) or a backread (the decided one) shows."""
        return self.call("GET", f"/assignments/{quote(assignment_id, safe='')}/reads", ReadsOut)

    def decline(self, assignment_id: str, request: DeclineRequest, idempotency_key: str) -> None:
        """Decline an assignment (204). The key is the queued decline's own, so a send
        repeated after a lost answer records one decline."""
        if not is_idempotency_key(idempotency_key):
            raise ValueError(f"an idempotency key must be {IDEMPOTENCY_KEY_WORDS}")
        self._request(
            "POST",
            f"/assignments/{quote(assignment_id, safe='')}/decline",
            json=request.model_dump(mode="json"),
            headers={"Idempotency-Key": idempotency_key},
        )

    def put_backread(
        self,
        assignment_id: str,
        verdict: BackreadVerdict,
        idempotency_key: str,
        if_match_version: int,
    ) -> BackreadReceipt:
        """Record a backread verdict, as ``put_decision`` records a decision: the same key
        on every attempt, and 409/410/412 raise Conflict."""
        if not is_idempotency_key(idempotency_key):
            raise ValueError(f"an idempotency key must be {IDEMPOTENCY_KEY_WORDS}")
        headers = {"Idempotency-Key": idempotency_key, "If-Match": version_tag(if_match_version)}
        path = f"/assignments/{quote(assignment_id, safe='')}/backread"
        return self.call("PUT", path, BackreadReceipt, body=verdict, headers=headers)

    def backreading(self) -> BackreadFindings:
        """Backreaders' disagreements with the caller's own sheets."""
        return self.call("GET", "/backreading", BackreadFindings)

    def download_artifact(
        self,
        artifact_id: str,
        sink: DownloadSink,
        *,
        offset: int = 0,
        size: int | None = None,
        if_range: str | None = None,
        chunk_size: int = DEFAULT_DOWNLOAD_CHUNK,
        progress: Callable[[int, int | None], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        stall: StallRule | None = None,
    ) -> DownloadResult:
        """Stream an artifact's bytes into ``sink`` in writes of at most ``chunk_size``
        bytes, starting at ``offset`` (the bytes the
        sink already holds). ``size`` is the artifact's size from its manifest: no byte
        past it is ever given to the sink, a ``Content-Length`` or ``Content-Range`` that
        disagrees with it is refused before anything is written, and a body that goes on
        past it is cut off; both raise WrongSize. ``if_range`` is the expected sha256: if
        the hub's copy differs it answers with the whole content and the sink is
        restarted. A connection dropped mid-body is resumed from the bytes received,
        within the retry budget. ``progress(offset, size)`` is called after each block,
        and twice a second while a slow block is still arriving; ``cancel()`` returning
        True stops the download with Cancelled (the sink keeps what it has), within a
        fraction of a second even mid-read. A body that arrives
        slower than ``stall`` allows raises Stalled (the sink keeps what it has; resume
        from its offset later)."""
        if offset < 0 or chunk_size < 1:
            raise ValueError("offset must not be negative and chunk_size must be positive")
        expected = size
        cancel = cancel or self.cancel
        path = f"/artifacts/{quote(artifact_id, safe='')}/content"
        # One buffer for the whole download: every block is read into it and handed to
        # the sink as a view, so no block is allocated or copied on the way.
        buffer = memoryview(bytearray(chunk_size))
        received = 0
        restarted = False
        failures = 0
        refused = 0
        while True:
            headers = {"Accept-Encoding": "identity"}
            if offset > 0:
                headers["Range"] = f"bytes={offset}-"
                if if_range:
                    headers["If-Range"] = f'"{if_range}"'
            reply = self._open_artifact(path, headers, cancel)
            etag = reply.headers.get("ETag")
            if reply.status_code in _REDIRECTS:
                location = reply.headers.get("Location", "")
                reply.close()
                # The object is named by its sha256 and never changes, so If-Range (the
                # hub's ETag, not the storage's) is not sent there: Range alone resumes.
                storage_headers = {"Accept-Encoding": "identity"}
                if offset > 0:
                    storage_headers["Range"] = f"bytes={offset}-"
                reply = self._open_storage(path, location, storage_headers, cancel)
                if reply.status_code == _STORAGE_REFUSED:
                    reply.close()
                    refused += 1
                    if refused > self.max_retries:
                        raise MalformedReply(
                            f"The hub's storage refused {refused} fresh links to {path} "
                            "(HTTP 403): its clock or signing may be wrong; tell its admin."
                        )
                    log.info("storage link for an artifact refused (expired?); asking again")
                    continue
            try:
                status = reply.status_code
                if status == 416:
                    size = self._unsatisfied_size(reply.headers, path)
                    self._check_size(size, expected, path)
                    if offset == 0:
                        raise MalformedReply(f"The hub refused to send {path} at all (HTTP 416).")
                    if size == offset:
                        return DownloadResult(offset, received, size, etag, restarted)
                    sink.restart()
                    offset, restarted = 0, True
                    continue
                if status == 206:
                    size = self._check_content_range(reply.headers, path, offset, expected)
                elif status == 200:
                    if offset > 0:
                        # The hub ignored the range or its copy changed (If-Range failed).
                        log.info("download of artifact restarted from byte 0 (HTTP 200)")
                        sink.restart()
                        offset, restarted = 0, True
                    length = reply.headers.get("Content-Length")
                    size = int(length) if length and length.isdigit() else None
                    if size is not None:
                        self._check_size(size, expected, path)
                else:
                    self._raise_for_status(reply.error_response(), "GET", path)
                    raise MalformedReply(f"The hub answered GET {path} with HTTP {status}.")
                size = expected if expected is not None else size
                self._watch.watch_stalls(stall)
                shown = None if progress is None else _Shown(progress, offset, size)
                if shown is not None:
                    self._watch.report_arrivals(shown.arrived)
                try:
                    while True:
                        if cancel is not None and cancel():
                            raise Cancelled("download cancelled")
                        if size is not None and offset >= size:
                            # All the bytes the manifest promises are here: the body must
                            # end now. Reading one byte more tells an endless body apart.
                            if reply.readinto(buffer[:1]):
                                raise WrongSize(
                                    f"The hub sent more than the {size} bytes of {path}."
                                )
                            break
                        room = chunk_size if size is None else min(chunk_size, size - offset)
                        n = reply.readinto(buffer[:room])
                        if not n:
                            break
                        sink.write(buffer[:n])
                        offset += n
                        received += n
                        if shown is not None:
                            shown.block(offset)
                except httpx.TransportError as exc:
                    failures += 1
                    if failures > self.max_retries:
                        raise self._unreachable(exc, "GET", path) from None
                    delay = self._backoff(failures - 1)
                    log.info(
                        "download of artifact interrupted at byte %d (%s); resuming in %.2fs",
                        offset,
                        type(exc).__name__,
                        delay,
                    )
                    self._wait(delay, cancel)
                    continue
                if size is not None and offset != size:
                    raise MalformedReply(
                        f"The hub sent {offset} bytes of an artifact it said has {size} bytes."
                    )
                return DownloadResult(offset, received, size, etag, restarted)
            finally:
                self._watch.watch_stalls(None)
                self._watch.report_arrivals(None)
                reply.close()

    # -- transport ----------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str] | None, authenticated: bool) -> dict[str, str]:
        headers = dict(extra or {})
        if authenticated:
            if not self.token:
                raise AuthExpired(
                    401, ProblemDetail(title="Not signed in", status=401, detail="Sign in first.")
                )
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _backoff(self, attempt: int) -> float:
        # Full jitter: uniformly random in [0, min(max, base * 2^attempt)].
        return self._jitter() * min(self._backoff_max, self._backoff_base * 2**attempt)

    def _wait(self, delay: float, cancel: Callable[[], bool] | None) -> None:
        if cancel is not None and cancel():
            raise Cancelled("cancelled")
        wait_for_cancel = getattr(cancel, "wait", None)
        if cancel is None or self._sleep is not time.sleep:
            self._sleep(delay)  # nothing to watch, or a test observing the waits
        elif callable(wait_for_cancel):
            wait_for_cancel(delay)  # a CancelToken wakes this at once
        else:
            end = time.monotonic() + delay
            while (left := end - time.monotonic()) > 0 and not cancel():
                time.sleep(min(SLICE, left))
        if cancel is not None and cancel():
            raise Cancelled("cancelled")

    def _unreachable(self, exc: BaseException, method: str, path: str) -> HubUnreachable:
        if isinstance(exc, httpx.TimeoutException):
            why = "it did not answer in time"
        else:
            why = "the connection failed"
        # A read or write deadline passed on a connection the hub had accepted: the hub
        # is there but frozen, which the assessor is told apart from being offline.
        frozen = isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout)
        return (HubNotAnswering if frozen else HubUnreachable)(
            f"Could not reach the hub at {self.base_url} ({why}: {type(exc).__name__}) "
            f"for {method} {path} after {self.max_retries + 1} attempts."
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        stream: bool = False,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        cancel: Callable[[], bool] | None = None,
    ) -> httpx.Response:
        """Send with retries; returns the final response (2xx, or when streaming any
        status, else the typed error of its status is raised)."""
        all_headers = self._headers(headers, authenticated)

        def send() -> httpx.Response:
            request = self._http.build_request(
                method, path, json=json, params=params, headers=all_headers
            )
            return self._http.send(request, stream=stream)

        response = self._with_retries(method, path, all_headers, send, retry_statuses, cancel)
        if not stream:
            self._raise_for_status(response, method, path)
        return response

    def _open_artifact(
        self, path: str, headers: Mapping[str, str], cancel: Callable[[], bool] | None
    ) -> ArtifactReply:
        """GET an artifact with retries, its body not yet read; the reply may be 206, 416
        or an error status (read it with ``error_response``)."""
        all_headers = self._headers(headers, True)

        def send() -> ArtifactReply:
            if self._direct is not None:
                url = httpx.URL(self.base_url + API_PREFIX + path)
                return self._direct.get(url, {**_DEFAULT_HEADERS, **all_headers})
            request = self._http.build_request("GET", path, headers=all_headers)
            return StreamedReply(self._http.send(request, stream=True))

        return self._with_retries("GET", path, all_headers, send, RETRY_STATUSES, cancel)

    def _declared_origin(self, cancel: Callable[[], bool] | None) -> str | None:
        """The storage origin the hub declares in ``/me`` (asked once per client)."""
        if self._storage_origin is _UNKNOWN_ORIGIN:
            me = self._parse(self._request("GET", "/me", cancel=cancel), Me)
            self._storage_origin = me.artifact_origin
        origin = self._storage_origin
        return origin if isinstance(origin, str) else None

    def _open_storage(
        self,
        path: str,
        location: str,
        headers: Mapping[str, str],
        cancel: Callable[[], bool] | None,
    ) -> ArtifactReply:
        """GET a presigned storage URL the hub redirected ``path`` to, if it is on the
        storage origin the hub declares; with retries, without the bearer token."""
        declared = self._declared_origin(cancel)
        try:
            url = httpx.URL(location)
        except httpx.InvalidURL:
            url = None
        if url is None or declared is None or not _same_origin(url, httpx.URL(declared)):
            raise MalformedReply(
                f"The hub redirected {path} to another address than its evidence storage; "
                "the download was not followed there."
            )
        if url.scheme == "http" and httpx.URL(self.base_url).scheme == "https":
            raise MalformedReply(
                f"The hub redirected {path} from https to plain http; not followed."
            )

        def send() -> ArtifactReply:
            if self._transport is None and _env_proxy(url) is None:
                if self._storage_direct is None:
                    t = self.timeouts
                    tls = self._shared_tls
                    if url.scheme == "https" and tls is None:
                        tls = _shared_tls_context(self._ca_bundle)
                    self._storage_direct = DirectConnection(
                        url, tls, self._watch, connect=t.connect, read=t.read, write=t.write
                    )
                return self._storage_direct.get(url, dict(headers))
            client = self._storage_client(url)
            request = client.build_request("GET", url, headers=headers)
            return StreamedReply(client.send(request, stream=True))

        return self._with_retries("GET", "(storage) " + path, headers, send, RETRY_STATUSES, cancel)

    def _storage_client(self, url: httpx.URL) -> httpx.Client:
        """httpx for storage URLs behind a proxy or through a custom transport; it never
        carries the hub's headers or token."""
        if self._storage_http is None:
            verify = _tls_context(self._ca_bundle)
            transport = self._transport
            proxy = _env_proxy(url)
            if transport is None and (proxy is None or proxy.startswith(("http:", "https:"))):
                transport = _watched_transport(verify, self._watch, proxy)
            self._storage_http = httpx.Client(
                timeout=self.timeouts.to_httpx(),
                verify=verify,
                transport=transport,
                follow_redirects=False,
            )
        return self._storage_http

    def _with_retries(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        send: Callable[[], _R],
        retry_statuses: frozenset[int],
        cancel: Callable[[], bool] | None,
    ) -> _R:
        """Call ``send`` until it yields a reply that is not worth retrying (or the retry
        budget is spent), waiting with backoff or ``Retry-After`` in between."""
        cancel = cancel or self.cancel
        attempt = 0
        while True:
            if cancel is not None and cancel():
                raise Cancelled("cancelled")
            log.debug("%s %s attempt %d headers=%s", method, path, attempt + 1, _redacted(headers))
            self._watch.arm(self.timeouts.reply, cancel)
            try:
                response = send()
            except DeadlinePassed as exc:
                # Retrying a hub that let a whole minute pass would only wait longer.
                log.info("%s %s: no reply within %.0fs", method, path, self.timeouts.reply)
                error = HubNotAnswering if exc.connected else HubUnreachable
                raise error(
                    f"The hub at {self.base_url} did not answer within "
                    f"{self.timeouts.reply:g} seconds."
                ) from None
            except httpx.TransportError as exc:
                cert = _cert_failure(exc)
                if cert is not None:
                    # Retrying cannot fix an untrusted certificate; say what to do instead.
                    raise UntrustedCertificate(
                        f"The hub's TLS certificate could not be verified "
                        f"({cert.verify_message}). If your district uses an inspecting proxy, "
                        f"configure its CA bundle."
                    ) from None
                if attempt >= self.max_retries:
                    raise self._unreachable(exc, method, path) from None
                delay = self._backoff(attempt)
                log.info(
                    "%s %s failed (%s); retry %d/%d in %.2fs",
                    method,
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
            else:
                status = response.status_code
                log.debug("%s %s -> %d", method, path, status)
                if status not in retry_statuses or attempt >= self.max_retries:
                    return response
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"), self._now)
                response.close()
                if retry_after is not None and retry_after > self._retry_after_max:
                    log.info("%s %s -> %d; Retry-After %.0fs", method, path, status, retry_after)
                    raise HubBusy(retry_after)
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                log.info(
                    "%s %s -> %d; retry %d/%d in %.2fs",
                    method,
                    path,
                    status,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
            finally:
                self._watch.disarm()
            self._wait(delay, cancel)
            attempt += 1

    def _raise_for_status(self, response: httpx.Response, method: str, path: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        response.read()
        try:
            problem = ProblemDetail.model_validate_json(response.content)
        except ValidationError:
            problem = ProblemDetail(
                title=response.reason_phrase or "The hub reported an error", status=status
            )
        error_type: type[HubHttpError]
        if status == 401:
            error_type = AuthExpired
        elif status == 404:
            error_type = NotFound
        elif status in (409, 410, 412):
            error_type = Conflict
        else:
            error_type = HubProblem
        error = error_type(status, problem)
        error.retry_after = _retry_after_seconds(response.headers.get("Retry-After"), self._now)
        log.info("%s %s -> %d %s", method, path, status, problem.title)
        raise error

    def _parse(self, response: httpx.Response, model: type[_M]) -> _M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            method, path = response.request.method, response.request.url.path
            raise MalformedReply(
                f"The hub's reply to {method} {path} is not valid protocol v1 "
                f"({_describe_validation(exc)}). The hub may be a different version; "
                "nothing was changed."
            ) from None

    def _check_content_range(
        self, headers: httpx.Headers, path: str, offset: int, expected: int | None
    ) -> int | None:
        match = _CONTENT_RANGE_RE.match(headers.get("Content-Range", ""))
        if match is None or int(match.group(1)) != offset:
            raise MalformedReply(
                f"The hub answered a range request for {path} with a wrong Content-Range."
            )
        size = None if match.group(3) == "*" else int(match.group(3))
        if size is not None:
            self._check_size(size, expected, path)
        if expected is not None and int(match.group(2)) >= expected:
            raise WrongSize(f"The hub offered bytes of {path} past its size ({expected}).")
        length = headers.get("Content-Length")
        if length and length.isdigit() and int(length) != int(match.group(2)) - offset + 1:
            raise WrongSize(f"The hub's Content-Length for {path} disagrees with its range.")
        return size

    @staticmethod
    def _check_size(size: int, expected: int | None, path: str) -> None:
        """Refuse a size the hub announces that differs from the manifest's."""
        if expected is not None and size != expected:
            raise WrongSize(
                f"The hub announced {size} bytes for {path}; its manifest says {expected}."
            )

    def _unsatisfied_size(self, headers: httpx.Headers, path: str) -> int:
        match = _UNSATISFIED_RANGE_RE.match(headers.get("Content-Range", ""))
        if match is None:
            raise MalformedReply(f"The hub refused a range of {path} without saying its size.")
        return int(match.group(1))
