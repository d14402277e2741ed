"""The hub client's waits end on a cancel or at the reply deadline, whatever they wait
for: a connect that hangs (a listener whose backlog is full drops the SYN, as a dead
route does), a hub that accepted the connection and says nothing, a body that trickles,
and the pause before a retry. Real sockets on 127.0.0.1; no proxy needed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from assessor_app.sync.client import HubClient, StallRule, Timeouts
from assessor_app.sync.errors import Cancelled, HubNotAnswering, HubUnreachable, Stalled
from assessor_app.sync.progress import CancelToken

SLOW = Timeouts(connect=30, read=30, write=30, pool=30, reply=30)


@pytest.fixture
def hanging_connect() -> Iterator[str]:
    """A URL whose connect never completes: the listener's one backlog slot is taken."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield f"http://127.0.0.1:{port}"
    filler.close()
    listener.close()


@pytest.fixture
def silent_hub() -> Iterator[str]:
    """A URL that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def run_and_cancel(seconds: float, call: Callable[[HubClient], object], client: HubClient) -> float:
    """Run ``call(client)`` and cancel the client's token after ``seconds``; returns how
    long the call went on after the cancel (it must end with Cancelled)."""
    token = CancelToken()
    client.cancel = token
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.monotonic())
        token.cancel()

    timer = threading.Timer(seconds, cancel)
    timer.start()
    try:
        with pytest.raises(Cancelled):
            call(client)
        ended = time.monotonic()
    finally:
        timer.cancel()
        timer.join()
    return ended - cancelled_at[0]


def test_cancel_ends_a_connect_that_hangs(hanging_connect: str) -> None:
    with HubClient(hanging_connect, "tok", timeout=SLOW) as client:
        assert run_and_cancel(0.3, lambda c: c.me(), client) < 0.5


def test_a_connect_that_hangs_past_the_reply_deadline_is_unreachable_not_frozen(
    hanging_connect: str,
) -> None:
    timeouts = Timeouts(connect=30, read=30, write=30, pool=30, reply=0.4)
    with HubClient(hanging_connect, "tok", timeout=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(HubUnreachable) as info:
            client.me()
    assert not isinstance(info.value, HubNotAnswering)
    assert time.monotonic() - started < 1.5


def test_cancel_ends_the_wait_for_a_reply_head(silent_hub: str) -> None:
    with HubClient(silent_hub, "tok", timeout=SLOW) as client:
        assert run_and_cancel(0.3, lambda c: c.me(), client) < 0.5


def test_cancel_ends_the_wait_for_an_artifact_reply_head(silent_hub: str) -> None:
    class Sink:
        def write(self, data: memoryview) -> None:
            raise AssertionError("no byte was sent")

        def restart(self) -> None:
            raise AssertionError("no byte was sent")

    with HubClient(silent_hub, "tok", timeout=SLOW) as client:
        took = run_and_cancel(0.3, lambda c: c.download_artifact("a1", Sink(), size=10), client)
    assert took < 0.5


def test_a_silent_hub_is_not_answering_at_the_reply_deadline(silent_hub: str) -> None:
    timeouts = Timeouts(connect=30, read=30, write=30, pool=30, reply=0.4)
    with HubClient(silent_hub, "tok", timeout=timeouts, max_retries=3) as client:
        started = time.monotonic()
        with pytest.raises(HubNotAnswering):
            client.me()
    assert time.monotonic() - started < 1.5


def test_cancel_ends_a_backoff_wait_between_retries() -> None:
    # Connection refused at once, then a long backoff: the cancel must cut the backoff.
    probe = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    with HubClient(url, "tok", backoff_base=60, backoff_max=60, jitter=lambda: 1.0) as client:
        assert run_and_cancel(0.3, lambda c: c.me(), client) < 0.5


def test_a_body_under_the_floor_for_a_window_stalls() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    body = b"x" * 1000
    release = threading.Event()

    def serve() -> None:
        conn = listener.accept()[0]
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body[:100]
        )  # then nothing more, within the read timeout
        release.wait(10)
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    got = bytearray()

    class Sink:
        def write(self, data: memoryview) -> None:
            got.extend(data)

        def restart(self) -> None:
            got.clear()

    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        with HubClient(url, "tok", timeout=SLOW) as client:
            started = time.monotonic()
            with pytest.raises(Stalled):
                client.download_artifact(
                    "a1", Sink(), size=1000, chunk_size=100, stall=StallRule(1000, 0.5)
                )
        assert time.monotonic() - started < 1.5
        assert bytes(got) == body[:100]
    finally:
        release.set()
        thread.join()
        listener.close()


def test_behind_an_environment_proxy_cancel_ends_the_wait_for_a_reply(
    silent_hub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hub's address is never contacted: the proxy (here silent) gets every request.
    monkeypatch.setenv("HTTP_PROXY", silent_hub)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    class Sink:
        def write(self, data: memoryview) -> None:
            raise AssertionError("no byte was sent")

        def restart(self) -> None:
            raise AssertionError("no byte was sent")

    with HubClient("http://127.0.0.1:9", "tok", timeout=SLOW) as client:
        assert run_and_cancel(0.3, lambda c: c.me(), client) < 0.5
        took = run_and_cancel(0.3, lambda c: c.download_artifact("a1", Sink(), size=10), client)
    assert took < 0.5
