"""Request bodies are bounded: over the limit a request gets 413 before its body is read,
whether it says its length or streams chunks, and a body that stalls gets 408. Measured on
a real ``assessor-hub serve`` process: a 300 MB unauthenticated sign-in must not grow its
memory by 20 MB."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from support.hub import HubServer
from support.serve import serving

from assessor_app.hub.config import DEFAULT_MAX_BODY_BYTES, HubSettings
from assessor_app.protocol.v1 import PROBLEM_MEDIA_TYPE
from tests.hub.conftest import World, sign_in

HUGE = 300 * 1024 * 1024
CHUNK = b"a" * (256 * 1024)
MEMORY_BUDGET = 20 * 1024 * 1024


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid`` in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """``assessor-hub serve`` in its own process: (base URL, pid)."""
    with serving(HubSettings.from_data_dir(tmp_path / "hub")) as hub:
        yield hub.base_url, hub.process.pid


def _head(port: int, extra: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        (
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n"
        ).encode()
    )
    return sock


def _response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + int(
        dict(_headers(data)).get("content-length", "0")
    ):
        more = sock.recv(65536)
        if not more:
            break
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, dict(_headers(data)), body


def _headers(data: bytes) -> list[tuple[str, str]]:
    lines = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]


def _stream_chunked(sock: socket.socket, total: int) -> int:
    """Send ``total`` bytes as chunks until the hub answers or drops the connection;
    returns how many bytes went out."""
    sent = 0
    try:
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the hub has answered
            sock.sendall(b"%x\r\n%b\r\n" % (len(CHUNK), CHUNK))
            sent += len(CHUNK)
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def _assert_413(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 413
    assert headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = json.loads(body)
    assert problem["status"] == 413
    assert f"{DEFAULT_MAX_BODY_BYTES:,} bytes" in problem["detail"]


def test_declared_300_mb_sign_in_is_refused_unread_and_memory_stays_flat(
    served: tuple[str, int],
) -> None:
    base, pid = served
    port = int(base.rsplit(":", 1)[1])
    before = _memory(pid)
    sock = _head(port, f"Content-Length: {HUGE}\r\n")
    with sock:
        _assert_413(*_response(sock))
    after = _memory(pid)
    print(f"declared 300 MB: VmHWM {before['VmHWM']} -> {after['VmHWM']} bytes")
    assert after["VmHWM"] - before["VmHWM"] < MEMORY_BUDGET


def test_chunked_300_mb_sign_in_is_cut_off_and_memory_stays_flat(
    served: tuple[str, int],
) -> None:
    base, pid = served
    port = int(base.rsplit(":", 1)[1])
    before = _memory(pid)
    sock = _head(port, "Transfer-Encoding: chunked\r\n")
    with sock:
        sent = _stream_chunked(sock, HUGE)
        assert sent < HUGE // 10, f"the hub kept reading: {sent} bytes"
        try:
            status, headers, body = _response(sock)
        except ConnectionResetError:
            status = 0  # the answer can be lost when the hub closes with bytes unread
        if status:
            _assert_413(status, headers, body)
    after = _memory(pid)
    print(f"chunked 300 MB ({sent} bytes sent): VmHWM {before['VmHWM']} -> {after['VmHWM']}")
    assert after["VmHWM"] - before["VmHWM"] < MEMORY_BUDGET
    assert httpx.get(f"{base}/healthz").status_code == 200


def test_bodies_up_to_the_limit_are_read_and_one_byte_more_is_413(hub: HubServer) -> None:
    url = f"{hub.base_url}/api/v1/auth/token"
    padding = DEFAULT_MAX_BODY_BYTES - len(b'{"username":"x","password":"","p":""}')
    at_limit = b'{"username":"x","password":"","p":"' + b"p" * padding + b'"}'
    assert len(at_limit) == DEFAULT_MAX_BODY_BYTES
    response = httpx.post(url, content=at_limit, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text  # read whole and judged
    assert "p" in [e["field"] for e in response.json()["errors"]]
    over = at_limit[:-2] + b'p"}'
    response = httpx.post(url, content=over, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    _assert_413(413, dict(response.headers), response.content)

    def chunks() -> Iterator[bytes]:
        yield over[: len(over) // 2]
        yield over[len(over) // 2 :]

    streamed = httpx.post(url, content=chunks(), headers={"Content-Type": "application/json"})
    _assert_413(streamed.status_code, dict(streamed.headers), streamed.content)


def test_a_body_that_stalls_gets_408_and_downloads_are_not_cut(
    start_hub: Callable[[HubSettings], HubServer], settings: HubSettings, world: World
) -> None:
    hub = start_hub(replace(settings, body_idle_seconds=0.5))
    port = int(hub.base_url.rsplit(":", 1)[1])
    sock = _head(port, "Content-Length: 100\r\n")
    with sock:
        sock.sendall(b'{"username": "ann"')  # and then nothing more
        started = time.monotonic()
        status, headers, body = _response(sock)
        waited = time.monotonic() - started
    assert status == 408
    assert headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert json.loads(body)["detail"] == (
        "The request body stalled for 0.5 s; send it again without pausing."
    )
    assert 0.4 < waited < 5
    with sign_in(hub.base_url, "ann") as ann:
        url = f"/api/v1/artifacts/{world.ann_artifacts[0]}/content"
        with ann.stream("GET", url) as download:
            time.sleep(1.0)  # a reader slower than the body limit: the download goes on
            assert download.read() == world.payload
