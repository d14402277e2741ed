"""Sockets that a cancel, a reply deadline or a stalled transfer interrupts within a
fraction of a second, for both of the hub client's paths.

A blocking socket call cannot be interrupted from another thread, and httpx has no
per-request abort. So every socket the client opens waits in slices of at most ``SLICE``
seconds and asks its ``Watch`` between them: has the sync been cancelled, has the reply
deadline (connect until the reply's head) passed, has the body stalled under the floor for
a whole window? A connect is non-blocking and polled the same way; a TLS handshake, a read
or a write simply resumes after a slice that timed out. When data flows, each call waits
once and returns: the slices cost nothing then.

``PolledSocket`` stands in for a socket under ``http.client`` (artifact bodies);
``PolledBackend`` is an httpcore network backend for httpx (every other call). Only the
name lookup (``getaddrinfo``) still blocks, as it has no timeout to give.
"""

from __future__ import annotations

import errno
import io
import os
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

from assessor_app.sync.errors import Cancelled, Stalled

__all__ = [
    "SLICE",
    "DeadlinePassed",
    "PolledBackend",
    "PolledSocket",
    "StallRule",
    "Watch",
    "open_connection",
]

SLICE = 0.1
"""Longest wait, in seconds, between two looks at the watch: the bound on how late a
cancel, a deadline or a stall is noticed."""


class DeadlinePassed(Exception):
    """The reply deadline passed; ``connected`` says whether the hub had accepted the
    connection (then it is there but not answering)."""

    def __init__(self, connected: bool) -> None:
        super().__init__("the hub did not answer before the deadline")
        self.connected = connected


@dataclass(frozen=True)
class StallRule:
    """A body is stalled when fewer than ``floor_bytes_per_second`` arrive on average
    over ``window_seconds``."""

    floor_bytes_per_second: float
    window_seconds: float


class _StallMeter:
    def __init__(self, rule: StallRule) -> None:
        self.rule = rule
        self._start = time.monotonic()
        self._bytes = 0

    def note(self, count: int) -> None:
        self._bytes += count

    def check(self) -> None:
        # Consecutive windows: each must bring at least floor * window bytes.
        elapsed = time.monotonic() - self._start
        if elapsed < self.rule.window_seconds:
            return
        if self._bytes < self.rule.floor_bytes_per_second * elapsed:
            raise Stalled(
                f"less than {self.rule.floor_bytes_per_second / 1024:g} KB/s for "
                f"{self.rule.window_seconds:g} s"
            )
        self._start = time.monotonic()
        self._bytes = 0


class _ArrivalMeter:
    def __init__(self, callback: Callable[[int], None], every: float) -> None:
        self._callback = callback
        self._every = every
        self._last = time.monotonic()
        self._bytes = 0

    def note(self, count: int) -> None:
        self._bytes += count
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._callback(self._bytes)


class Watch:
    """What a client's sockets check between slices. One per client (and so per thread):
    the client sets ``cancel`` and arms the deadline and stall rule around each call."""

    def __init__(self) -> None:
        self.cancel: Callable[[], bool] | None = None
        self.deadline: float | None = None
        """``time.monotonic()`` by which the reply's head must have arrived."""
        self._stall: _StallMeter | None = None
        self._arrivals: _ArrivalMeter | None = None

    def arm(self, reply_seconds: float, cancel: Callable[[], bool] | None) -> None:
        self.cancel = cancel
        self.deadline = time.monotonic() + reply_seconds

    def disarm(self) -> None:
        self.deadline = None

    def watch_stalls(self, rule: StallRule | None) -> None:
        self._stall = _StallMeter(rule) if rule is not None else None

    def report_arrivals(
        self, callback: Callable[[int], None] | None, *, every: float = 0.5
    ) -> None:
        """While set, ``callback`` hears, at most every ``every`` seconds, how many bytes
        have arrived since it was set: a slow body shows progress and a rate long before a
        whole block has been read."""
        self._arrivals = _ArrivalMeter(callback, every) if callback is not None else None

    def check(self, *, connected: bool = True) -> None:
        """Raise Cancelled, DeadlinePassed or Stalled when the time has come."""
        if self.cancel is not None and self.cancel():
            raise Cancelled("cancelled")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlinePassed(connected)
        if self._stall is not None:
            self._stall.check()

    def received(self, count: int) -> None:
        if self._stall is not None:
            self._stall.note(count)
        if self._arrivals is not None:
            self._arrivals.note(count)

    def slice(self, end: float | None) -> float:
        """Seconds to wait before the next look: at most SLICE, and not past ``end``
        (an operation's own timeout) or the deadline."""
        now = time.monotonic()
        wait = SLICE
        for limit in (end, self.deadline):
            if limit is not None:
                wait = min(wait, limit - now)
        return max(wait, 0.001)


def _timed_out(end: float | None) -> bool:
    return end is not None and time.monotonic() >= end


def _end(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _poll(sock: socket.socket, *, write: bool, timeout: float) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLOUT if write else select.POLLIN)
        return bool(poller.poll(timeout * 1000))
    ready = (
        select.select([], [sock], [sock], timeout)
        if write
        else select.select([sock], [], [], timeout)
    )
    return any(ready)


def _connect_one(
    family: int, kind: int, proto: int, address: Any, end: float | None, watch: Watch
) -> socket.socket:
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            raise OSError(code, os.strerror(code))
        while code != 0 and not _poll(sock, write=True, timeout=watch.slice(end)):
            watch.check(connected=False)
            if _timed_out(end):
                raise TimeoutError("timed out connecting to the hub")
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, os.strerror(code))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    except BaseException:
        sock.close()
        raise


def _handshake(sock: ssl.SSLSocket, end: float | None, watch: Watch) -> None:
    while True:
        watch.check()
        sock.settimeout(watch.slice(end))
        try:
            sock.do_handshake()
            return
        except TimeoutError:
            if _timed_out(end):
                raise


def open_connection(
    host: str,
    port: int,
    timeout: float | None,
    watch: Watch,
    *,
    tls: ssl.SSLContext | None = None,
    options: Iterable[tuple[int, int, int]] = (),
) -> socket.socket:
    """A connected (and with ``tls``, handshaken) socket to ``host:port``. ``timeout``
    bounds the connect and the handshake each; the watch is asked between slices."""
    end = _end(timeout)
    watch.check(connected=False)
    error: OSError | None = None
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        try:
            sock = _connect_one(family, kind, proto, address, end, watch)
        except TimeoutError:
            raise
        except OSError as exc:
            error = exc
            continue
        try:
            for option in options:
                sock.setsockopt(*option)
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
                _handshake(sock, end, watch)
        except BaseException:
            sock.close()
            raise
        return sock
    raise error or OSError(f"no address found for {host}")


def recv_into(sock: socket.socket, buffer: memoryview, timeout: float | None, watch: Watch) -> int:
    """Like ``sock.recv_into`` with a per-read ``timeout`` (TimeoutError), watched."""
    end = _end(timeout)
    while True:
        watch.check()
        sock.settimeout(watch.slice(end))
        try:
            count = sock.recv_into(buffer)
        except TimeoutError:
            if _timed_out(end):
                raise
            continue
        watch.received(count)
        return count


def send_all(
    sock: socket.socket, data: bytes | memoryview, timeout: float | None, watch: Watch
) -> None:
    """Like ``sock.sendall`` with ``timeout`` for each send that makes no progress."""
    view = memoryview(data)
    end = _end(timeout)
    while view:
        watch.check()
        sock.settimeout(watch.slice(end))
        try:
            sent = sock.send(view)
        except TimeoutError:
            if _timed_out(end):
                raise
            continue
        view = view[sent:]
        end = _end(timeout)


class _Reader(io.RawIOBase):
    """The raw side of ``PolledSocket.makefile('rb')``."""

    def __init__(self, owner: PolledSocket) -> None:
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        owner = self._owner
        return recv_into(owner.sock, memoryview(buffer).cast("B"), owner.timeout, owner.watch)

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._owner.release()


class PolledSocket:
    """A connected socket as ``http.client`` uses one (``sendall``, ``makefile``,
    ``settimeout``, ``close``), whose every wait is watched. Like a socket, it stays
    open while a file made from it is: ``http.client`` closes the connection of a reply
    that ends it, and then reads the reply from the file."""

    def __init__(self, sock: socket.socket, watch: Watch, timeout: float | None) -> None:
        self.sock = sock
        self.watch = watch
        self.timeout = timeout
        self._files = 0
        self._closed = False

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def sendall(self, data: bytes | memoryview) -> None:
        send_all(self.sock, data, self.timeout, self.watch)

    def makefile(
        self, mode: str = "rb", buffering: int = io.DEFAULT_BUFFER_SIZE
    ) -> io.BufferedReader:
        assert "r" in mode and "b" in mode
        self._files += 1
        return io.BufferedReader(
            _Reader(self), buffering if buffering > 0 else io.DEFAULT_BUFFER_SIZE
        )

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self._closed = True
        if not self._files:
            self.sock.close()

    def release(self) -> None:
        self._files -= 1
        if self._closed and not self._files:
            self.sock.close()


class _Stream(httpcore.NetworkStream):
    def __init__(self, sock: socket.socket, watch: Watch) -> None:
        self._sock = sock
        self._watch = watch

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        buffer = bytearray(max_bytes)
        try:
            count = recv_into(self._sock, memoryview(buffer), timeout, self._watch)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc
        return bytes(buffer[:count])

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            send_all(self._sock, buffer, timeout, self._watch)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.WriteError(exc) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            sock = ssl_context.wrap_socket(
                self._sock, server_hostname=server_hostname, do_handshake_on_connect=False
            )
            _handshake(sock, _end(timeout), self._watch)
        except TimeoutError as exc:
            self._sock.close()
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            self._sock.close()
            raise httpcore.ConnectError(exc) from exc
        except BaseException:
            self._sock.close()
            raise
        return _Stream(sock, self._watch)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if info == "socket":
            return self._sock
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "is_readable":
            return _poll(self._sock, write=False, timeout=0)
        return None


class PolledBackend(httpcore.NetworkBackend):
    """An httpcore network backend whose sockets are watched by ``watch``."""

    def __init__(self, watch: Watch) -> None:
        self._watch = watch

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            sock = open_connection(host, port, timeout, self._watch, options=socket_options or ())
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        return _Stream(sock, self._watch)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the hub is reached over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
