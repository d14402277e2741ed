"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1, to put between a client and a real hub.

Every request is recorded (method, path, lower-case headers) and, unless a fault rule
matches, forwarded to the upstream server over a fresh connection; the answer is relayed
and the client connection closed (``Connection: close``), which keeps the relay simple
and makes each request independent. Rules match on method and a path substring and apply
a number of ``times`` (None: until removed):

- ``fail(status, retry_after=..., title=...)``: answer with that status (problem+json,
  with that title: hostile text, say) without forwarding;
- ``delay(seconds)``: hold the request that long before forwarding (past a timeout);
- ``delay_response(seconds)``: forward at once, then hold the upstream's answer that
  long before relaying it (the server has acted; the client is still waiting);
- ``drop_after(n)``: relay the response head and ``n`` body bytes, then cut;
- ``corrupt(at=...)``: flip a body byte at each given body offset;
- ``swallow()``: forward the request, let the upstream answer, then close the client
  connection without a byte (the server committed; the client never hears);
- ``throttle(bytes_per_second)``: relay bodies slowly;
- ``endless(content_length=..., chunked=...)``: relay the real body, then keep sending
  filler until the client hangs up, announced with no length, a false ``Content-Length``
  (e.g. 10**12) or as chunked;
- ``trickle(bytes_per_second, after=n)``: relay ``n`` body bytes, then the rest one byte
  at a time at that rate (a mobile link or captive portal that barely moves);
- ``rewrite_json(fn)``: forward, then relay the upstream's JSON answer as ``fn`` returns
  it (``fn`` takes the decoded body and returns the new one), with a fresh
  ``Content-Length`` — a hub that sends well-formed but hostile data.

Headers that arrive late are ``delay_response``; a ``Retry-After`` of a day is
``fail(503, retry_after="86400")``.

    with FaultProxy(hub.base_url) as proxy:
        proxy.drop_after(100_000, path="/content", times=1)
        client = hub.client("ann", base_url=proxy.url)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["Fault", "FaultProxy", "SeenRequest"]

_HEAD_END = b"\r\n\r\n"
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    fault: str | None


@dataclass
class Fault:
    kind: str
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    after_bytes: int = 0
    at: tuple[int, ...] = ()
    rate: float = 0.0
    content_length: int | None = None
    chunked: bool = False
    title: str = "Injected fault"
    rewrite: Callable[[object], object] | None = None
    used: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path in path


def _read_head(sock: socket.socket, buffer: bytearray) -> bytes | None:
    while _HEAD_END not in buffer:
        data = sock.recv(_BLOCK)
        if not data:
            return None
        buffer += data
    end = buffer.index(_HEAD_END) + len(_HEAD_END)
    head = bytes(buffer[:end])
    del buffer[:end]
    return head


def _parse_headers(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _dechunk(data: bytes) -> bytearray:
    body = bytearray()
    while True:
        line_end = data.index(b"\r\n")
        size = int(data[:line_end].split(b";")[0], 16)
        if size == 0:
            return body
        start = line_end + 2
        body += data[start : start + size]
        data = data[start + size + 2 :]


class FaultProxy:
    """Listens on an ephemeral 127.0.0.1 port (``url``) and forwards to ``upstream``."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        assert parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
        self._upstream = (parts.hostname, parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.seen: list[SeenRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    # -- control ---------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule (requests seen are kept)."""
        with self._lock:
            self._faults.clear()

    def fail(
        self,
        status: int,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        retry_after: str | None = None,
        title: str = "Injected fault",
    ) -> Fault:
        return self.add(
            Fault("status", method, path, times, status, retry_after=retry_after, title=title)
        )

    def delay(
        self,
        seconds: float,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(Fault("delay", method, path, times, seconds=seconds))

    def delay_response(
        self,
        seconds: float,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(Fault("late", method, path, times, seconds=seconds))

    def drop_after(
        self, n: int, *, times: int | None = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        return self.add(Fault("drop", method, path, times, after_bytes=n))

    def corrupt(
        self,
        at: tuple[int, ...] = (0,),
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(Fault("corrupt", method, path, times, at=at))

    def swallow(
        self, *, times: int | None = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        return self.add(Fault("swallow", method, path, times))

    def throttle(
        self,
        bytes_per_second: float,
        *,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(Fault("throttle", method, path, times, rate=bytes_per_second))

    def endless(
        self,
        *,
        content_length: int | None = None,
        chunked: bool = False,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """The real body followed by filler without end; ``content_length`` replaces the
        upstream's (None: no length at all, the body ends only when the connection does)."""
        return self.add(
            Fault("endless", method, path, times, content_length=content_length, chunked=chunked)
        )

    def trickle(
        self,
        bytes_per_second: float,
        *,
        after: int = 0,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(
            Fault("trickle", method, path, times, rate=bytes_per_second, after_bytes=after)
        )

    def rewrite_json(
        self,
        fn: Callable[[object], object],
        *,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add(Fault("rewrite", method, path, times, rewrite=fn))

    def requests(self, method: str | None = None, path: str | None = None) -> list[SeenRequest]:
        with self._lock:
            return [
                s
                for s in self.seen
                if (method is None or s.method == method) and (path is None or path in s.path)
            ]

    # -- relay -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _pick(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.used += 1
                    return fault
            return None

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            buffer = bytearray()
            head = _read_head(conn, buffer)
            if head is None:
                return
            request_line, headers = _parse_headers(head)
            method, target, _version = request_line.split(" ", 2)
            length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
            while len(buffer) < length:
                data = conn.recv(_BLOCK)
                if not data:
                    return
                buffer += data
            body = bytes(buffer[:length])
            path = urlsplit(target).path
            fault = self._pick(method, path)
            with self._lock:
                self.seen.append(
                    SeenRequest(
                        method,
                        path,
                        {k.lower(): v for k, v in headers},
                        fault.kind if fault else None,
                    )
                )
            if fault is not None and fault.kind == "status":
                self._answer(conn, fault)
                return
            if fault is not None and fault.kind == "delay" and self._stopping.wait(fault.seconds):
                return
            self._forward(conn, request_line, headers, body, fault)
        except OSError:
            pass  # the client went away (e.g. it timed out): nothing to relay to
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, fault: Fault) -> None:
        body = json.dumps(
            {"type": "about:blank", "title": fault.title, "status": fault.status}
        ).encode()
        lines = [
            f"HTTP/1.1 {fault.status} Injected",
            "Content-Type: application/problem+json",
            f"Content-Length: {len(body)}",
            "Connection: close",
        ]
        if fault.retry_after is not None:
            lines.append(f"Retry-After: {fault.retry_after}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def _forward(
        self,
        conn: socket.socket,
        request_line: str,
        headers: list[tuple[str, str]],
        body: bytes,
        fault: Fault | None,
    ) -> None:
        kept = [(k, v) for k, v in headers if k.lower() not in ("connection", "keep-alive")]
        head = "\r\n".join([request_line, *(f"{k}: {v}" for k, v in kept), "Connection: close"])
        with socket.create_connection(self._upstream, timeout=30) as up:
            up.sendall(head.encode("latin-1") + _HEAD_END + body)
            buffer = bytearray()
            response_head = _read_head(up, buffer)
            if response_head is None:
                return
            if fault is not None and fault.kind == "swallow":
                while up.recv(_BLOCK):
                    pass  # let the upstream finish; the client hears nothing
                return
            if fault is not None and fault.kind == "late" and self._stopping.wait(fault.seconds):
                return
            status_line, response_headers = _parse_headers(response_head)
            if fault is not None and fault.kind == "rewrite":
                self._relay_rewritten(conn, up, buffer, status_line, response_headers, fault)
                return
            dropped = {"connection", "keep-alive"}
            if fault is not None and fault.kind == "endless":
                dropped |= {"content-length", "transfer-encoding"}
            relayed = [(k, v) for k, v in response_headers if k.lower() not in dropped]
            if fault is not None and fault.kind == "endless":
                if fault.content_length is not None:
                    relayed.append(("Content-Length", str(fault.content_length)))
                if fault.chunked:
                    relayed.append(("Transfer-Encoding", "chunked"))
            out_head = "\r\n".join(
                [status_line, *(f"{k}: {v}" for k, v in relayed), "Connection: close"]
            )
            conn.sendall(out_head.encode("latin-1") + _HEAD_END)
            if fault is not None and fault.kind == "endless":
                self._endless_body(conn, up, buffer, fault)
            elif fault is not None and fault.kind == "trickle":
                self._trickle_body(conn, up, buffer, fault)
            else:
                self._relay_body(conn, up, buffer, fault)

    def _endless_body(
        self, conn: socket.socket, up: socket.socket, first: bytearray, fault: Fault
    ) -> None:
        def send(data: bytes) -> None:
            if fault.chunked:
                data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
            conn.sendall(data)

        data = bytes(first)
        while True:
            if data:
                send(data)
            data = up.recv(_BLOCK)
            if not data:
                break
        filler = b"\xa5" * _BLOCK
        while not self._stopping.is_set():
            send(filler)  # ends with an OSError once the client hangs up

    def _trickle_body(
        self, conn: socket.socket, up: socket.socket, first: bytearray, fault: Fault
    ) -> None:
        body = bytearray(first)
        while data := up.recv(_BLOCK):
            body += data
        conn.sendall(body[: fault.after_bytes])
        for position in range(fault.after_bytes, len(body)):
            if self._stopping.wait(1 / fault.rate):
                return
            conn.sendall(body[position : position + 1])

    def _relay_rewritten(
        self,
        conn: socket.socket,
        up: socket.socket,
        first: bytearray,
        status_line: str,
        headers: list[tuple[str, str]],
        fault: Fault,
    ) -> None:
        body = bytearray(first)
        while data := up.recv(_BLOCK):
            body += data  # the upstream closes after its answer (Connection: close)
        names = {k.lower(): v for k, v in headers}
        if names.get("transfer-encoding", "").lower() == "chunked":
            body = _dechunk(bytes(body))
        assert fault.rewrite is not None
        new_body = json.dumps(fault.rewrite(json.loads(body))).encode()
        kept = [
            (k, v)
            for k, v in headers
            if k.lower() not in ("connection", "keep-alive", "content-length", "transfer-encoding")
        ]
        out_head = "\r\n".join(
            [
                status_line,
                *(f"{k}: {v}" for k, v in kept),
                f"Content-Length: {len(new_body)}",
                "Connection: close",
            ]
        )
        conn.sendall(out_head.encode("latin-1") + _HEAD_END + new_body)

    def _relay_body(
        self, conn: socket.socket, up: socket.socket, first: bytearray, fault: Fault | None
    ) -> None:
        sent = 0
        data = bytes(first)
        started = time.monotonic()
        while True:
            if not data:
                data = up.recv(_BLOCK)
                if not data:
                    return
            if fault is not None and fault.kind == "corrupt":
                block = bytearray(data)
                for position in fault.at:
                    if sent <= position < sent + len(block):
                        block[position - sent] ^= 0xFF
                data = bytes(block)
            if fault is not None and fault.kind == "drop":
                room = fault.after_bytes - sent
                if room <= len(data):
                    conn.sendall(data[: max(0, room)])
                    conn.shutdown(socket.SHUT_RDWR)
                    return
            if fault is not None and fault.kind == "throttle":
                for start in range(0, len(data), 8192):
                    piece = data[start : start + 8192]
                    conn.sendall(piece)
                    sent += len(piece)
                    ahead = sent / fault.rate - (time.monotonic() - started)
                    if ahead > 0 and self._stopping.wait(ahead):
                        return
                data = b""
                continue
            conn.sendall(data)
            sent += len(data)
            data = b""
