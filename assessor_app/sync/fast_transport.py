"""The fast download transport: artifact bodies read straight from the socket.

Artifact bodies are the bulk of a sync, and httpx parses a body in 64 KiB pieces. So the
hub client's artifact GET goes over one kept-alive ``http.client`` connection per client
(``DirectConnection``: the same URL, headers, TLS context and timeouts as every other
call) and is read with ``readinto`` into the caller's reusable buffer (``DirectReply``).
When an environment proxy applies or a custom transport is given, the body streams
through httpx instead (``StreamedReply``). Both are an ``ArtifactReply``, and both turn
socket failures into httpx ``TransportError``s, so the client's one retry policy covers
either path.

The sockets are the watched ones of :mod:`assessor_app.sync.sockets`: a cancel, the reply
deadline or a stalled body interrupts them.
"""

from __future__ import annotations

import http.client
import select
import ssl
from collections.abc import Iterator
from typing import Protocol

import httpx

from assessor_app.sync.sockets import PolledSocket, Watch, open_connection

__all__ = ["ArtifactReply", "DirectConnection", "DirectReply", "StreamedReply"]


def _as_transport_error(exc: BaseException, phase: str) -> httpx.TransportError:
    """The httpx error that stands for a socket-level failure while ``phase`` ("connect",
    "write" or "read"), so both download paths share one retry policy."""
    message = str(exc) or type(exc).__name__
    error: type[httpx.TransportError]
    if isinstance(exc, TimeoutError):
        error = {"connect": httpx.ConnectTimeout, "write": httpx.WriteTimeout}.get(
            phase, httpx.ReadTimeout
        )
    elif isinstance(exc, http.client.HTTPException):
        error = httpx.RemoteProtocolError
    else:
        error = {"connect": httpx.ConnectError, "write": httpx.WriteError}.get(
            phase, httpx.ReadError
        )
    return error(message)


class ArtifactReply(Protocol):
    """An artifact response whose body is read block by block."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...

    def readinto(self, buffer: memoryview) -> int:
        """Fill ``buffer`` from the body; 0 at its end. Failures are httpx
        TransportErrors, a body cut short included."""
        ...

    def error_response(self) -> httpx.Response:
        """The whole (error) reply as an httpx response, for the client's error mapping."""
        ...

    def close(self) -> None: ...


class StreamedReply:
    """An artifact body streamed by httpx (used behind proxies and custom transports)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._pieces: Iterator[bytes] = response.iter_raw()
        self._rest = memoryview(b"")

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._response.headers

    def readinto(self, buffer: memoryview) -> int:
        if not self._rest:
            self._rest = memoryview(next(self._pieces, b""))
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n

    def error_response(self) -> httpx.Response:
        self._response.read()
        return self._response

    def close(self) -> None:
        self._response.close()


class _WatchedConnection(http.client.HTTPConnection):
    """An ``http.client`` connection whose socket is watched (see ``sockets``), with TLS
    when given a context."""

    def __init__(
        self, host: str, port: int | None, timeout: float, tls: ssl.SSLContext | None, watch: Watch
    ) -> None:
        super().__init__(host, port or (443 if tls is not None else 80), timeout=timeout)
        self._tls = tls
        self._watch = watch

    def connect(self) -> None:
        sock = open_connection(self.host, self.port, self.timeout, self._watch, tls=self._tls)
        self.sock = PolledSocket(sock, self._watch, self.timeout)


class DirectConnection:
    """One kept-alive ``http.client`` connection to the hub, for artifact bodies. Its TLS
    context trusts the same roots and bundle as the client's httpx one, so certificates
    are verified exactly as for every other call."""

    def __init__(
        self,
        url: httpx.URL,
        tls: ssl.SSLContext | None,
        watch: Watch,
        *,
        connect: float,
        read: float,
        write: float,
    ) -> None:
        self._read = read
        self._write = write
        if url.scheme == "https":
            assert tls is not None
        else:
            tls = None  # a CA bundle given for a plain-http hub plays no part
        self._conn = _WatchedConnection(url.host, url.port, connect, tls, watch)

    def stale(self) -> bool:
        """Whether the kept-alive connection cannot carry the next request: it is closed,
        or readable while idle, which happens only when the hub closed it (or sent
        something unasked)."""
        sock = self._conn.sock
        if sock is None:
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])

    def get(self, url: httpx.URL, headers: dict[str, str]) -> DirectReply:
        conn = self._conn
        if self.stale():
            conn.close()
        if conn.sock is None:
            try:
                conn.connect()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise _as_transport_error(exc, "connect") from exc
        sock = conn.sock
        phase = "write"
        try:
            sock.settimeout(self._write)
            conn.request("GET", url.raw_path.decode("ascii"), headers=headers)
            phase = "read"
            sock.settimeout(self._read)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _as_transport_error(exc, phase) from exc
        except BaseException:
            conn.close()  # cancelled or past the deadline mid-reply: the state is unknown
            raise
        return DirectReply(conn, response, httpx.Request("GET", url))

    def close(self) -> None:
        self._conn.close()


class DirectReply:
    """An artifact response read straight from the socket into the caller's buffer."""

    def __init__(
        self,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        request: httpx.Request,
    ) -> None:
        self._conn = conn
        self._response = response
        self._request = request
        self.status_code = response.status
        self.headers = httpx.Headers(response.getheaders())

    def readinto(self, buffer: memoryview) -> int:
        try:
            n = self._response.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise _as_transport_error(exc, "read") from exc
        except BaseException:
            self.close()
            raise
        if not n and self._response.length:
            # http.client returns 0 when the peer closes early; the body is incomplete.
            self.close()
            raise httpx.RemoteProtocolError("the hub closed the connection mid-body")
        return n

    def error_response(self) -> httpx.Response:
        try:
            body = self._response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise _as_transport_error(exc, "read") from exc
        return httpx.Response(
            self.status_code, headers=self.headers, content=body, request=self._request
        )

    def close(self) -> None:
        if not self._response.isclosed():
            # Unread body bytes would be taken for the next reply: drop the connection.
            self._response.close()
            self._conn.close()
