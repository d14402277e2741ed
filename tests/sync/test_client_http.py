"""The hub client against a real HTTP server on 127.0.0.1: retries and backoff, Retry-After,
unreachable and stalled hubs, error mapping, malformed replies, idempotent uploads,
resumable downloads (also into the real vault), TLS with a private CA, and logs free of
secrets."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store.vault import Vault
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    Conflict,
    HubBusy,
    HubProblem,
    HubUnreachable,
    MalformedReply,
    NotFound,
)

if TYPE_CHECKING:
    from conftest import ScriptedHub, Seen, Waits

MakeClient = Callable[..., HubClient]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Reply:
    """One scripted answer of the test hub (see ReplyLike in conftest.py)."""

    status: int = 200
    body: bytes | dict | list | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    drop_after: int | None = None

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, (dict, list)):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        if isinstance(self.body, str):
            return self.body.encode(), headers
        return self.body, headers


def serve_bytes(data: bytes, sha256: str) -> Callable[[Seen], Reply]:
    """Artifact content with single-range support, ETag and If-Range, like the hub."""

    def answer(seen: Seen) -> Reply:
        etag = f'"{sha256}"'
        wanted = seen.headers.get("range")
        if_range = seen.headers.get("if-range")
        if wanted and (if_range is None or if_range == etag):
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if start >= len(data):
                return Reply(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            return Reply(
                206,
                data[start:],
                {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}", "ETag": etag},
            )
        return Reply(200, data, {"ETag": etag, "Accept-Ranges": "bytes"})

    return answer


PROBLEM = {"Content-Type": "application/problem+json"}
ME = {
    "username": "alice",
    "display_name": "Alice Example",
    "roles": ["assessor"],
    "calibration_status": "calibrated",
}
TOKEN_REPLY = {
    "access_token": "tok-fresh-9f8e7d",
    "token_type": "bearer",
    "expires_at": NOW.isoformat(),
}
RECEIPT = {
    "assignment_id": "as-1",
    "decision": "pass",
    "version": 5,
    "recorded_at": NOW.isoformat(),
}


def problem(status: int, title: str, detail: str = "", **extra: object) -> Reply:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Reply(status, body, PROBLEM)


def upload() -> DecisionUpload:
    return DecisionUpload.model_validate(
        {
            "decision": "pass",
            "criteria": [{"criterion_id": "c1", "level_id": "meets", "rationale": "clear"}],
            "feedback": "Well done.",
            "scored_at": NOW.isoformat(),
        }
    )


# -- sign-in, headers, logs -------------------------------------------------------------


def test_login_then_authenticated_call(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route("POST", "/auth/token", [Reply(200, TOKEN_REPLY)])
    hub.route("GET", "/me", [Reply(200, ME)])
    client = make_client(token=None)
    with pytest.raises(AuthExpired):
        client.me()  # no request without a token
    assert hub.calls("GET", "/me") == []
    token = client.login("alice", "s3cret-pass")
    assert token.access_token == "tok-fresh-9f8e7d"
    assert client.token == "tok-fresh-9f8e7d"
    (sent,) = hub.calls("POST", "/auth/token")
    assert sent.json() == {"username": "alice", "password": "s3cret-pass"}
    assert "authorization" not in sent.headers
    assert client.me().display_name == "Alice Example"
    assert hub.calls("GET", "/me")[0].headers["authorization"] == "Bearer tok-fresh-9f8e7d"
    assert "tok-fresh" not in repr(client)


def test_logs_never_contain_password_or_token(
    hub: ScriptedHub, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    hub.route("POST", "/auth/token", [Reply(503), Reply(200, TOKEN_REPLY)])
    hub.route("GET", "/me", [Reply(200, ME)])
    caplog.set_level(logging.DEBUG)
    client = make_client(token=None)
    client.login("alice", "s3cret-pass")
    client.me()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/api/v1/me" in text or "/me" in text  # the calls were logged ...
    assert "[redacted]" in text  # ... with the Authorization header redacted
    assert "s3cret-pass" not in text
    assert "tok-fresh-9f8e7d" not in text


def test_throttled_login_is_not_retried(hub: ScriptedHub, make_client: MakeClient) -> None:
    throttled = problem(429, "Too many sign-in attempts")
    throttled.headers["Retry-After"] = "120"
    hub.route("POST", "/auth/token", [throttled])
    with pytest.raises(HubProblem) as info:
        make_client(token=None).login("alice", "wrong")
    assert info.value.status == 429
    assert info.value.retry_after == 120
    assert len(hub.calls("POST", "/auth/token")) == 1


# -- retries ----------------------------------------------------------------------------


def test_503_retried_with_exponential_backoff_and_jitter(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    hub.route("GET", "/me", [Reply(503), Reply(502), Reply(504), Reply(200, ME)])
    assert make_client(backoff_base=1.0).me().username == "alice"
    assert len(hub.calls("GET", "/me")) == 4
    # jitter() = 0.5 of the exponential ceiling 1, 2, 4
    assert waits.delays == [0.5, 1.0, 2.0]


def test_backoff_is_capped(hub: ScriptedHub, make_client: MakeClient, waits: Waits) -> None:
    hub.route("GET", "/me", [Reply(503)] * 5 + [Reply(200, ME)])
    make_client(max_retries=5, backoff_base=1.0, backoff_max=3.0, jitter=lambda: 1.0).me()
    assert waits.delays == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_retry_after_seconds_and_date_are_honoured(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    later = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    hub.route(
        "GET",
        "/me",
        [
            Reply(429, b"", {"Retry-After": "7"}),
            Reply(503, b"", {"Retry-After": later}),
            Reply(200, ME),
        ],
    )
    make_client(retry_after_max=90.0, now=lambda: NOW).me()
    assert len(hub.calls("GET", "/me")) == 3
    assert waits.delays == [7.0, 42.0]


def test_a_retry_after_past_the_cap_ends_the_call_instead_of_sleeping(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    hub.route("GET", "/me", [Reply(503, b"", {"Retry-After": "86400"}), Reply(200, ME)])
    with pytest.raises(HubBusy) as info:
        make_client(retry_after_max=120.0).me()
    assert str(info.value) == "The hub asked to wait 1440 minutes; sync again later."
    assert info.value.transient and info.value.seconds == 86400
    assert len(hub.calls("GET", "/me")) == 1 and waits.delays == []


def test_retries_are_bounded(hub: ScriptedHub, make_client: MakeClient, waits: Waits) -> None:
    hub.route("GET", "/me", [problem(503, "Hub is restarting", "try again shortly")])
    with pytest.raises(HubProblem) as info:
        make_client(max_retries=2).me()
    assert len(hub.calls("GET", "/me")) == 3
    assert len(waits.delays) == 2
    assert info.value.status == 503 and info.value.transient
    assert "Hub is restarting: try again shortly" in str(info.value)


def test_connection_refused_is_unreachable_after_bounded_attempts(
    make_client: MakeClient, waits: Waits
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The port is closed again: connecting is refused.
    client = make_client(base_url=f"http://127.0.0.1:{port}", max_retries=3)
    with pytest.raises(HubUnreachable) as info:
        client.me()
    assert len(waits.delays) == 3
    assert "after 4 attempts" in str(info.value)
    assert info.value.transient


def test_stalled_hub_times_out(hub: ScriptedHub, make_client: MakeClient, waits: Waits) -> None:
    hub.route("GET", "/me", [Reply(hang=True)])
    client = make_client(max_retries=1, timeout=Timeouts(connect=2, read=0.3, write=2, pool=2))
    with pytest.raises(HubUnreachable, match="did not answer in time"):
        client.me()
    assert len(hub.calls("GET", "/me")) == 2
    assert len(waits.delays) == 1


# -- errors and malformed replies --------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (problem(401, "Token expired"), AuthExpired, 401),
        (problem(404, "Not found"), NotFound, 404),
        (problem(409, "Already decided", current={"decision": "not_yet"}), Conflict, 409),
        (problem(410, "Assignment revoked"), Conflict, 410),
        (problem(412, "Version changed", current_version=7), Conflict, 412),
        (problem(422, "Invalid sheet", errors=[{"loc": "criteria", "msg": "x"}]), HubProblem, 422),
        (Reply(500, "<html>oops</html>", {"Content-Type": "text/html"}), HubProblem, 500),
    ],
)
def test_error_statuses_map_to_typed_errors(
    hub: ScriptedHub, make_client: MakeClient, reply: Reply, error: type, status: int
) -> None:
    hub.route("PUT", "/assignments/as-1/decision", [reply])
    with pytest.raises(error) as info:
        make_client().put_decision("as-1", upload(), "key-00000001", 4)
    assert info.value.status == status
    assert info.value.problem.status == status
    assert len(hub.calls("PUT", "/assignments/as-1/decision")) == 1  # not retried
    if status == 409:
        assert info.value.problem.model_extra == {"current": {"decision": "not_yet"}}
    if status == 500:
        assert info.value.problem.title == "Internal Server Error"


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        (b"{not json", "not valid protocol v1"),
        (b'{"items": [], "revoked": []}', "cursor"),
        (b'{"items": [{"id": 3}], "revoked": [], "cursor": "c", "has_more": false}', "items.0"),
    ],
)
def test_malformed_reply(
    hub: ScriptedHub, make_client: MakeClient, body: bytes, mentions: str
) -> None:
    hub.route("GET", "/assignments", [Reply(200, body, {"Content-Type": "application/json"})])
    with pytest.raises(MalformedReply) as info:
        make_client().assignments(since="c0", limit=50)
    assert mentions in str(info.value)
    assert "Traceback" not in str(info.value)
    (seen,) = hub.calls("GET", "/assignments")
    assert seen.query == {"since": ["c0"], "limit": ["50"]}


def test_ids_never_escape_their_path_segment(hub: ScriptedHub, make_client: MakeClient) -> None:
    with pytest.raises(NotFound):
        make_client().submission("../me")
    assert hub.requests[0].path == "/api/v1/submissions/..%2Fme"


# -- decision upload ---------------------------------------------------------------------


def test_upload_retries_always_carry_the_idempotency_key(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route(
        "PUT",
        "/assignments/as-1/decision",
        [
            Reply(503),
            Reply(200, RECEIPT, drop_after=5),  # the hub committed, the reply was lost
            Reply(200, RECEIPT),
        ],
    )
    receipt = make_client().put_decision("as-1", upload(), "outbox-entry-17", 4)
    assert receipt.version == 5 and receipt.decision.value == "pass"
    attempts = hub.calls("PUT", "/assignments/as-1/decision")
    assert len(attempts) == 3
    assert {a.headers["idempotency-key"] for a in attempts} == {"outbox-entry-17"}
    assert {a.headers["if-match"] for a in attempts} == {'"4"'}
    assert all(a.json() == upload().model_dump(mode="json") for a in attempts)


# One rule with the hub (protocol.v1): 201 characters would be refused there, so never sent.
@pytest.mark.parametrize("key", ["", "has space in it", "x" * 201, "caf\u00e9-key", None])
def test_upload_without_a_valid_key_is_never_sent(
    hub: ScriptedHub, make_client: MakeClient, key: object
) -> None:
    with pytest.raises(ValueError):
        make_client().put_decision("as-1", upload(), key, 4)  # type: ignore[arg-type]
    assert hub.requests == []


# -- downloads ---------------------------------------------------------------------------


class ListSink:
    def __init__(self, initial: bytes = b"") -> None:
        self.data = bytearray(initial)
        self.restarts = 0

    def write(self, data: bytes) -> None:
        self.data += data

    def restart(self) -> None:
        self.data.clear()
        self.restarts += 1


DATA = os.urandom(300_000)
SHA = hashlib.sha256(DATA).hexdigest()


def test_full_download_with_progress(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    sink, seen = ListSink(), []
    result = make_client().download_artifact(
        "a1", sink, chunk_size=64 * 1024, progress=lambda done, total: seen.append((done, total))
    )
    assert bytes(sink.data) == DATA
    assert (result.offset, result.received, result.size) == (len(DATA), len(DATA), len(DATA))
    assert result.etag == f'"{SHA}"'
    assert seen[-1] == (len(DATA), len(DATA))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    (sent,) = hub.calls("GET", "/artifacts/a1/content")
    assert "range" not in sent.headers
    assert sent.headers["authorization"] == "Bearer tok-abc123"


def test_resumed_download_uses_range_and_if_range(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    sink = ListSink(DATA[:100_000])
    result = make_client().download_artifact("a1", sink, offset=100_000, if_range=SHA)
    assert bytes(sink.data) == DATA
    assert result.received == len(DATA) - 100_000 and not result.restarted
    (sent,) = hub.calls("GET", "/artifacts/a1/content")
    assert sent.headers["range"] == "bytes=100000-"
    assert sent.headers["if-range"] == f'"{SHA}"'


def test_200_instead_of_206_restarts_the_sink(hub: ScriptedHub, make_client: MakeClient) -> None:
    new = os.urandom(50_000)  # the hub's copy changed: If-Range fails, full content
    hub.route("GET", "/artifacts/a1/content", serve_bytes(new, hashlib.sha256(new).hexdigest()))
    sink = ListSink(DATA[:1000])
    result = make_client().download_artifact("a1", sink, offset=1000, if_range=SHA)
    assert result.restarted and sink.restarts == 1
    assert bytes(sink.data) == new
    assert result.offset == len(new)


def test_connection_dropped_mid_body_resumes_from_offset(
    hub: ScriptedHub, make_client: MakeClient, waits: Waits
) -> None:
    ranged = serve_bytes(DATA, SHA)
    first = True

    def flaky(seen: Seen) -> Reply:
        nonlocal first
        reply = ranged(seen)
        if first:
            first = False
            reply.drop_after = 123_456
        return reply

    hub.route("GET", "/artifacts/a1/content", flaky)
    sink = ListSink()
    result = make_client().download_artifact("a1", sink, if_range=SHA, chunk_size=4096)
    assert bytes(sink.data) == DATA and sink.restarts == 0
    first_call, second_call = hub.calls("GET", "/artifacts/a1/content")
    assert "range" not in first_call.headers
    resumed_at = int(second_call.headers["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= 123_456
    assert second_call.headers["if-range"] == f'"{SHA}"'
    assert len(waits.delays) == 1 and result.offset == len(DATA)


def test_416_at_the_end_means_complete(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    sink = ListSink(DATA)
    result = make_client().download_artifact("a1", sink, offset=len(DATA), if_range=SHA)
    assert result.received == 0 and result.size == len(DATA) and bytes(sink.data) == DATA


def test_416_beyond_the_end_restarts(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    sink = ListSink(b"x" * (len(DATA) + 10))
    result = make_client().download_artifact("a1", sink, offset=len(DATA) + 10)
    assert result.restarted and bytes(sink.data) == DATA


def test_wrong_content_range_is_malformed(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route(
        "GET",
        "/artifacts/a1/content",
        [Reply(206, DATA[10:], {"Content-Range": f"bytes 10-{len(DATA) - 1}/{len(DATA)}"})],
    )
    with pytest.raises(MalformedReply, match="Content-Range"):
        make_client().download_artifact("a1", ListSink(DATA[:500]), offset=500)


def test_download_cancel(hub: ScriptedHub, make_client: MakeClient) -> None:
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    sink = ListSink()
    with pytest.raises(Cancelled):
        make_client().download_artifact(
            "a1", sink, chunk_size=8192, cancel=lambda: len(sink.data) >= 50_000
        )
    assert 50_000 <= len(sink.data) < len(DATA)


def test_download_503_then_success(hub: ScriptedHub, make_client: MakeClient, waits: Waits) -> None:
    ranged = serve_bytes(DATA, SHA)
    busy = [Reply(503, b"", {"Retry-After": "3"})]
    hub.route("GET", "/artifacts/a1/content", lambda s: busy.pop() if busy else ranged(s))
    sink = ListSink()
    make_client().download_artifact("a1", sink)
    assert bytes(sink.data) == DATA and waits.delays == [3.0]


def test_download_into_the_vault_resumes_after_a_drop(
    hub: ScriptedHub, make_client: MakeClient, tmp_path: Path
) -> None:
    """The vault's resumable writer is a download sink: a dropped transfer leaves
    encrypted partial chunks, and the next attempt continues from the vault's offset."""
    vault = Vault(tmp_path / "vault", os.urandom(32), chunk_size=16 * 1024)
    hub.route(
        "GET",
        "/artifacts/a1/content",
        [Reply(200, DATA, {"ETag": f'"{SHA}"'}, drop_after=100_000)],
    )
    client = make_client(max_retries=0)
    with pytest.raises(HubUnreachable), vault.writer(SHA, resume=True) as w:
        client.download_artifact("a1", w, if_range=SHA)
    assert not vault.has(SHA)
    offset = vault.partial_offset(SHA)
    assert 0 < offset <= 100_000
    hub.route("GET", "/artifacts/a1/content", serve_bytes(DATA, SHA))
    with vault.writer(SHA, resume=True) as w:
        assert w.offset == offset
        client.download_artifact("a1", w, offset=w.offset, if_range=SHA)
    assert hub.calls("GET", "/artifacts/a1/content")[-1].headers["range"] == f"bytes={offset}-"
    with vault.open(SHA) as f:
        assert f.read() == DATA


# -- transport security ------------------------------------------------------------------


def test_tls_is_verified_and_a_private_ca_can_be_configured(
    tls_hub: ScriptedHub, make_client: MakeClient, waits: Waits, tls_material: tuple[Path, ...]
) -> None:
    tls_hub.route("GET", "/me", [Reply(200, ME)])
    with pytest.raises(HubUnreachable, match="certificate could not be verified"):
        make_client(base_url=tls_hub.url).me()
    assert waits.delays == []  # an untrusted certificate is not retried
    ca_pem = tls_material[0]
    assert make_client(base_url=tls_hub.url, ca_bundle=ca_pem).me().username == "alice"


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        HubClient("http://hub.district.example")
    with pytest.raises(ValueError, match="CA bundle"):
        HubClient("https://hub.district.example", ca_bundle=Path("/nonexistent/ca.pem"))
    HubClient("http://localhost:8765").close()
    HubClient("https://hub.district.example").close()
