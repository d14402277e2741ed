"""Artifact downloads on both of the client's body paths, against a real server on
127.0.0.1: the direct ``http.client`` path (the default) and the httpx stream (used behind
an environment proxy or a custom transport). Each must resume with Range/If-Range, restart
on 200, treat 416 right, resume after a drop, retry 503, map errors, time out, cancel,
verify TLS with a private CA, reuse or replace its connection, and keep tokens out of the
logs."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from support.hub import wait_until
from test_client_http import Reply, problem, serve_bytes

from assessor_app.store.vault import Vault
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    HubUnreachable,
    MalformedReply,
    NotFound,
    WrongSize,
)

if TYPE_CHECKING:
    from conftest import ScriptedHub, Seen, Waits

MakeClient = Callable[..., HubClient]

DATA = os.urandom(3 * 1024 * 1024 + 12_345)  # a few vault chunks and a short last one
SHA = hashlib.sha256(DATA).hexdigest()
CONTENT = "/artifacts/a1/content"


class Sink:
    """Collects what it is given; copies, since the client reuses its buffer."""

    def __init__(self, initial: bytes = b"") -> None:
        self.data = bytearray(initial)
        self.restarts = 0
        self.largest_write = 0

    def write(self, data: memoryview) -> None:
        self.largest_write = max(self.largest_write, len(data))
        self.data += data

    def restart(self) -> None:
        self.data.clear()
        self.restarts += 1


@pytest.fixture(params=["direct", "streamed"])
def client_for(request: pytest.FixtureRequest, make_client: MakeClient) -> MakeClient:
    """Makes clients that read bodies on one path: a custom transport selects httpx."""

    def make(**options: object) -> HubClient:
        if request.param == "streamed":
            options.setdefault("transport", httpx.HTTPTransport())
        return make_client(**options)

    return make


def test_whole_download_in_blocks_with_progress(hub: ScriptedHub, client_for: MakeClient) -> None:
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    sink, seen = Sink(), []
    result = client_for().download_artifact(
        "a1", sink, progress=lambda done, total: seen.append((done, total))
    )
    assert bytes(sink.data) == DATA
    assert (result.offset, result.received, result.size) == (len(DATA), len(DATA), len(DATA))
    assert result.etag == f'"{SHA}"' and not result.restarted
    assert sink.largest_write <= 1024 * 1024
    assert seen[-1] == (len(DATA), len(DATA))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    (sent,) = hub.calls("GET", CONTENT)
    assert "range" not in sent.headers
    assert sent.headers["authorization"] == "Bearer tok-abc123"
    assert sent.headers["accept-encoding"] == "identity"
    assert sent.headers["user-agent"] == "assessor-app"


def test_resume_sends_range_and_if_range(hub: ScriptedHub, client_for: MakeClient) -> None:
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    sink = Sink(DATA[:1_000_000])
    result = client_for().download_artifact("a1", sink, offset=1_000_000, if_range=SHA)
    assert bytes(sink.data) == DATA
    assert result.received == len(DATA) - 1_000_000 and not result.restarted
    (sent,) = hub.calls("GET", CONTENT)
    assert sent.headers["range"] == "bytes=1000000-"
    assert sent.headers["if-range"] == f'"{SHA}"'


def test_changed_content_restarts_from_zero(hub: ScriptedHub, client_for: MakeClient) -> None:
    new = os.urandom(70_000)
    hub.route("GET", CONTENT, serve_bytes(new, hashlib.sha256(new).hexdigest()))
    sink = Sink(DATA[:5000])
    result = client_for().download_artifact("a1", sink, offset=5000, if_range=SHA)
    assert result.restarted and sink.restarts == 1
    assert bytes(sink.data) == new and result.offset == len(new)


def test_drop_mid_body_resumes_from_the_bytes_received(
    hub: ScriptedHub, client_for: MakeClient, waits: Waits
) -> None:
    ranged = serve_bytes(DATA, SHA)
    drops = [1_500_000]

    def flaky(seen: Seen) -> Reply:
        reply = ranged(seen)
        if drops:
            reply.drop_after = drops.pop()
        return reply

    hub.route("GET", CONTENT, flaky)
    sink = Sink()
    result = client_for().download_artifact("a1", sink, if_range=SHA)
    assert bytes(sink.data) == DATA and sink.restarts == 0
    first, second = hub.calls("GET", CONTENT)
    assert "range" not in first.headers
    assert second.headers["range"] == "bytes=1500000-"
    assert len(waits.delays) == 1 and result.offset == len(DATA)


def test_drops_beyond_the_retry_budget_are_unreachable(
    hub: ScriptedHub, client_for: MakeClient, waits: Waits
) -> None:
    hub.route("GET", CONTENT, [Reply(200, DATA, {"ETag": f'"{SHA}"'}, drop_after=10_000)])
    sink = Sink()
    with pytest.raises(HubUnreachable, match="after 2 attempts"):
        client_for(max_retries=1).download_artifact("a1", sink)
    assert len(hub.calls("GET", CONTENT)) == 2 and len(waits.delays) == 1


def test_416_at_the_end_is_complete_and_beyond_it_restarts(
    hub: ScriptedHub, client_for: MakeClient
) -> None:
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    client = client_for()
    done = client.download_artifact("a1", Sink(DATA), offset=len(DATA), if_range=SHA)
    assert done.received == 0 and done.size == len(DATA)
    sink = Sink(b"x" * (len(DATA) + 3))
    again = client.download_artifact("a1", sink, offset=len(DATA) + 3)
    assert again.restarted and bytes(sink.data) == DATA


def test_wrong_content_range_is_malformed(hub: ScriptedHub, client_for: MakeClient) -> None:
    hub.route(
        "GET",
        CONTENT,
        [Reply(206, DATA[9:], {"Content-Range": f"bytes 9-{len(DATA) - 1}/{len(DATA)}"})],
    )
    with pytest.raises(MalformedReply, match="Content-Range"):
        client_for().download_artifact("a1", Sink(DATA[:700]), offset=700)


def test_cancel_stops_between_blocks(hub: ScriptedHub, client_for: MakeClient) -> None:
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    sink = Sink()
    with pytest.raises(Cancelled):
        client_for().download_artifact(
            "a1", sink, chunk_size=64 * 1024, cancel=lambda: len(sink.data) >= 200_000
        )
    assert 200_000 <= len(sink.data) < 300_000


def test_busy_hub_is_waited_for(hub: ScriptedHub, client_for: MakeClient, waits: Waits) -> None:
    ranged = serve_bytes(DATA, SHA)
    busy = [Reply(503, b"busy", {"Retry-After": "4"})]
    hub.route("GET", CONTENT, lambda seen: busy.pop() if busy else ranged(seen))
    sink = Sink()
    client_for().download_artifact("a1", sink)
    assert bytes(sink.data) == DATA and waits.delays == [4.0]


@pytest.mark.parametrize(
    ("reply", "error"),
    [(problem(401, "Token expired"), AuthExpired), (problem(404, "Not found"), NotFound)],
)
def test_error_statuses_are_typed(
    hub: ScriptedHub, client_for: MakeClient, reply: Reply, error: type
) -> None:
    hub.route("GET", CONTENT, [reply])
    with pytest.raises(error) as info:
        client_for().download_artifact("a1", Sink())
    assert info.value.problem.title == reply.body["title"]  # type: ignore[attr-defined,index]


def test_silent_hub_times_out(hub: ScriptedHub, client_for: MakeClient, waits: Waits) -> None:
    hub.route("GET", CONTENT, [Reply(hang=True)])
    client = client_for(max_retries=1, timeout=Timeouts(connect=2, read=0.3, write=2, pool=2))
    with pytest.raises(HubUnreachable, match="did not answer in time"):
        client.download_artifact("a1", Sink())
    assert len(hub.calls("GET", CONTENT)) == 2 and len(waits.delays) == 1


def test_into_the_vault_across_a_drop(
    hub: ScriptedHub, client_for: MakeClient, tmp_path: Path
) -> None:
    """The vault writer copies each block before the client reuses its buffer."""
    vault = Vault(tmp_path / "vault", os.urandom(32))
    hub.route("GET", CONTENT, [Reply(200, DATA, {"ETag": f'"{SHA}"'}, drop_after=2_200_000)])
    client = client_for(max_retries=0)
    with pytest.raises(HubUnreachable), vault.writer(SHA, resume=True) as w:
        client.download_artifact("a1", w, if_range=SHA)
    offset = vault.partial_offset(SHA)
    assert offset == 2 * 1024 * 1024  # the whole chunks that arrived before the drop
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    with vault.writer(SHA, resume=True) as w:
        assert w.offset == offset
        client.download_artifact("a1", w, offset=w.offset, if_range=SHA)
    with vault.open(SHA) as f:
        assert f.read() == DATA


def test_logs_of_a_download_hold_no_token(
    hub: ScriptedHub, client_for: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    ranged = serve_bytes(DATA, SHA)
    drops = [100_000]

    def dropping_once(seen: Seen) -> Reply:
        reply = ranged(seen)
        if drops:
            reply.drop_after = drops.pop()
        return reply

    hub.route("GET", CONTENT, dropping_once)
    caplog.set_level(logging.DEBUG)
    client_for().download_artifact("a1", Sink(), if_range=SHA)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "[redacted]" in text and "interrupted at byte" in text
    assert "tok-abc123" not in text


# -- the direct path's connection ---------------------------------------------------------


def test_a_connection_the_hub_closed_is_replaced_without_a_retry(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    # The whole body, then the hub hangs up without saying so: the connection looks
    # reusable until the close arrives.
    hub.route("GET", CONTENT, [Reply(200, DATA, {"ETag": f'"{SHA}"'}, drop_after=len(DATA))])
    client = make_client()
    first = Sink()
    client.download_artifact("a1", first)
    direct = client._direct
    assert direct is not None
    wait_until(direct.stale, 5, "the hang-up")
    second = Sink()
    client.download_artifact("a1", second)
    assert bytes(first.data) == bytes(second.data) == DATA
    assert waits.delays == []
    assert len(hub.calls("GET", CONTENT)) == 2


def test_connection_close_from_the_hub_is_honoured(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    hub.route("GET", CONTENT, [Reply(200, DATA, {"ETag": f'"{SHA}"', "Connection": "close"})])
    client = make_client()
    for _ in range(3):
        sink = Sink()
        client.download_artifact("a1", sink)
        assert bytes(sink.data) == DATA
    assert waits.delays == []


def test_an_environment_proxy_is_used_for_downloads(
    hub: ScriptedHub, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set, the body goes through httpx and so through the proxy (here a
    second server that answers the proxied request itself)."""
    proxy = type(hub)()
    proxy.start()
    try:
        proxy.route("GET", CONTENT, serve_bytes(DATA, SHA))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        sink = Sink()
        make_client().download_artifact("a1", sink)
        assert bytes(sink.data) == DATA
        assert len(proxy.calls("GET", CONTENT)) == 1
        assert hub.calls("GET", CONTENT) == []
    finally:
        proxy.stop()


# -- TLS ------------------------------------------------------------------------------------


def test_tls_download_verifies_the_hub_against_the_configured_ca(
    tls_hub: ScriptedHub, make_client: MakeClient, waits: Waits, tls_material: tuple[Path, ...]
) -> None:
    tls_hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    with pytest.raises(HubUnreachable, match="certificate could not be verified"):
        make_client(base_url=tls_hub.url).download_artifact("a1", Sink())
    assert waits.delays == []  # an untrusted certificate is not retried
    assert tls_hub.calls("GET", CONTENT) == []
    client = make_client(base_url=tls_hub.url, ca_bundle=tls_material[0])
    for _ in range(2):  # the second one on the kept-alive connection
        sink = Sink()
        client.download_artifact("a1", sink)
        assert bytes(sink.data) == DATA


def test_a_size_other_than_the_manifest_is_refused_before_anything_is_written(
    hub: ScriptedHub, client_for: MakeClient
) -> None:
    hub.route("GET", CONTENT, serve_bytes(DATA, SHA))
    client = client_for()
    sink = Sink()
    with pytest.raises(WrongSize):
        client.download_artifact("a1", sink, size=len(DATA) - 1)
    assert sink.data == b""
    resumed = Sink(DATA[:5000])
    with pytest.raises(WrongSize):  # Content-Range: bytes 5000-.../len(DATA)
        client.download_artifact("a1", resumed, offset=5000, size=len(DATA) + 1, if_range=SHA)
    assert bytes(resumed.data) == DATA[:5000]
    result = client.download_artifact("a1", Sink(), size=len(DATA))
    assert result.offset == len(DATA)
