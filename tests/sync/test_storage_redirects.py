"""Evidence served by the object storage: the real hub (artifacts in a bucket of moto's
standalone S3 server) redirects an artifact GET to a presigned URL, and the real client
follows it to the storage origin the hub declares in ``/me`` only, without its bearer
token, resuming with Range, asking the hub again when the storage refuses an expired URL,
verifying sha256 in the vault. A hostile hub's redirect anywhere else is refused. A fault
proxy in front of the S3 server records what the client sent there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.fault_proxy import FaultProxy, SeenRequest
from support.hub import RunningHub, running_hub, wait_until
from support.s3_server import S3Server
from sync_kit import (
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
    open_profile,
)
from test_client_downloads import Sink
from test_client_http import Reply

from assessor_app.hub.config import ServeArtifacts
from assessor_app.hub.storage import S3Location
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.errors import MalformedReply

if TYPE_CHECKING:
    from conftest import ScriptedHub

CLIP = os.urandom(3 * 1024 * 1024 + 4321)
NOTE = b"My reflection on wait time.\n"


@pytest.fixture
def storage_proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as proxy:
        yield proxy


def _s3_hub(
    tmp_path: Path, s3_server: S3Server, endpoint: str, **settings: object
) -> AbstractContextManager[RunningHub]:
    return running_hub(
        tmp_path / "hub",
        object_store=S3Location.parse(s3_server.url),
        s3_endpoint=endpoint,
        **settings,
    )


def _storage_gets(proxy: FaultProxy, sha: str) -> list[SeenRequest]:
    return [r for r in proxy.requests("GET") if sha in r.path]


@pytest.mark.parametrize("body_path", ["direct", "streamed"])
def test_client_downloads_by_redirect_without_its_token(
    tmp_path: Path, s3_server: S3Server, storage_proxy: FaultProxy, body_path: str
) -> None:
    """Both of the client's body paths: ``http.client`` straight, and httpx (a custom
    transport, as behind a proxy)."""
    options = {"transport": httpx.HTTPTransport()} if body_path == "streamed" else {}
    with _s3_hub(tmp_path, s3_server, storage_proxy.url) as hub:
        hub.add_assessor("ann")
        seeded = hub.seed_submission("ann", {"clip.mp4": CLIP, "note.txt": NOTE})
        clip = seeded.artifact("clip.mp4")
        token = hub.token("ann")
        # The hub answers with a redirect to the storage it declares, after authorization.
        auth = {"Authorization": f"Bearer {token}"}
        me = httpx.get(f"{hub.base_url}/api/v1/me", headers=auth).json()
        assert me["artifact_origin"] == storage_proxy.url
        content = f"{hub.base_url}/api/v1/artifacts/{clip.id}/content"
        redirect = httpx.get(content, headers=auth)
        assert redirect.status_code == 307
        assert redirect.headers["Location"].startswith(storage_proxy.url + "/")
        assert redirect.headers["ETag"] == f'"{clip.sha256}"'
        # Counted as handed to the storage, with no evidence bytes through the hub (once
        # the answer is out: the count follows it).
        registry = hub.app.state.hub_metrics.registry
        wait_until(
            lambda: registry.get_sample_value("assessor_hub_artifact_redirects_total") == 1,
            5,
            "the redirect to be counted",
        )
        assert registry.get_sample_value("assessor_hub_artifact_bytes_total") == 0
        assert httpx.get(content).status_code == 401
        assert hub.add_assessor("bob")
        assert (
            httpx.get(content, headers={"Authorization": f"Bearer {hub.token('bob')}"}).status_code
            == 404
        )

        with hub.client("ann", **options) as client:
            sink = Sink()
            result = client.download_artifact(clip.id, sink, size=clip.size, if_range=clip.sha256)
            assert bytes(sink.data) == CLIP
            assert result.etag == f'"{clip.sha256}"'
            # Resume: a partial download asks only for the rest, there too.
            partial = Sink(CLIP[:1_000_000])
            client.download_artifact(
                clip.id, partial, offset=1_000_000, size=clip.size, if_range=clip.sha256
            )
            assert bytes(partial.data) == CLIP and partial.restarts == 0
    gets = _storage_gets(storage_proxy, clip.sha256)
    assert len(gets) == 2  # the whole download, then the resume
    assert all("authorization" not in r.headers for r in gets)
    assert all(token not in str(r.headers) and token not in r.path for r in gets)
    assert gets[-1].headers.get("range") == "bytes=1000000-"
    assert "if-range" not in gets[-1].headers


def test_dropped_and_refused_storage_links_resume_with_fresh_ones(
    tmp_path: Path, s3_server: S3Server, storage_proxy: FaultProxy
) -> None:
    with _s3_hub(tmp_path, s3_server, storage_proxy.url, presign_seconds=60) as hub:
        hub.add_assessor("ann")
        clip = hub.seed_submission("ann", {"clip.mp4": CLIP}).artifact("clip.mp4")
        storage_proxy.drop_after(700_000, path=clip.sha256, times=1)
        storage_proxy.fail(403, path=clip.sha256, times=1, title="Request has expired")
        with hub.client("ann") as client:
            sink = Sink()
            client.download_artifact(clip.id, sink, size=clip.size, if_range=clip.sha256)
        assert bytes(sink.data) == CLIP
    gets = _storage_gets(storage_proxy, clip.sha256)
    # The whole GET cut at 700 kB; the resume's link refused (as an expired one is); the
    # rest, from where it stopped, with the link the hub gave when asked again.
    assert [r.fault for r in gets] == ["drop", "status", None]
    assert [r.headers.get("range") for r in gets] == [None, "bytes=700000-", "bytes=700000-"]


def test_presigned_links_are_short_lived_and_take_ranges(
    tmp_path: Path, s3_server: S3Server
) -> None:
    """The links carry the configured lifetime (the S3 server refuses them with 403 after
    it, which the test server does not enforce: the proxy test above plays that 403)."""
    with _s3_hub(tmp_path, s3_server, s3_server.endpoint, presign_seconds=90) as hub:
        hub.add_assessor("ann")
        clip = hub.seed_submission("ann", {"note.txt": NOTE}).artifact("note.txt")
        auth = {"Authorization": f"Bearer {hub.token('ann')}"}
        content = f"{hub.base_url}/api/v1/artifacts/{clip.id}/content"
        location = httpx.get(content, headers=auth).headers["Location"]
        query = parse_qs(urlsplit(location).query)
        assert query["X-Amz-Expires"] == ["90"]
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert hub.token("ann") not in location
        reply = httpx.get(location, headers={"Range": "bytes=3-9"})
        assert reply.status_code == 206 and reply.content == NOTE[3:10]
        assert reply.headers["Content-Disposition"] == "attachment; filename*=UTF-8''note.txt"


def test_proxy_mode_streams_through_the_hub(tmp_path: Path, s3_server: S3Server) -> None:
    with _s3_hub(
        tmp_path, s3_server, s3_server.endpoint, serve_artifacts=ServeArtifacts.PROXY
    ) as hub:
        hub.add_assessor("ann")
        clip = hub.seed_submission("ann", {"clip.mp4": CLIP}).artifact("clip.mp4")
        auth = {"Authorization": f"Bearer {hub.token('ann')}"}
        assert (
            httpx.get(f"{hub.base_url}/api/v1/me", headers=auth).json()["artifact_origin"] is None
        )
        with hub.client("ann") as client:
            sink = Sink()
            client.download_artifact(clip.id, sink, size=clip.size, if_range=clip.sha256)
        assert bytes(sink.data) == CLIP


def test_sync_fetches_evidence_from_the_storage(
    tmp_path: Path, s3_server: S3Server, storage_proxy: FaultProxy
) -> None:
    with _s3_hub(tmp_path, s3_server, storage_proxy.url) as hub:
        hub.add_assessor("ann")
        seeded = hub.seed_submission("ann", {"clip.mp4": CLIP, "note.txt": NOTE})
        profile = open_profile(tmp_path / "ann")
        engines = EngineMaker(hub, "ann", profile)
        try:
            report = engines().run()
        finally:
            engines.close()
        assert_ready_with_evidence(profile, seeded.assignment_id)
        assert assert_vault_verified(profile.vault) == {a.sha256 for a in seeded.artifacts}
        assert_downloads_consistent(profile)
        assert report is not None
    for artifact in seeded.artifacts:
        assert _storage_gets(storage_proxy, artifact.sha256)


ORIGIN = "http://127.0.0.1:9"


def _hostile(hub: ScriptedHub, location: str, declared: str | None) -> None:
    hub.route(
        "GET",
        "/me",
        [
            Reply(
                200,
                {
                    "username": "ann",
                    "display_name": "Ann",
                    "roles": ["assessor"],
                    "calibration_status": "none",
                    "artifact_origin": declared,
                },
            )
        ]
        * 5,
    )
    hub.route(
        "GET",
        "/artifacts/a1/content",
        lambda seen: Reply(307, b"", {"Location": location, "ETag": '"x"'}),
    )


@pytest.mark.parametrize(
    ("location", "declared"),
    [
        ("http://127.0.0.1:{evil}/steal?x=1", ORIGIN),  # another port of the same host
        ("http://localhost:{evil}/steal", "http://localhost:1"),
        ("http://127.0.0.1:{evil}/steal", None),  # the hub declares no storage at all
        ("https://127.0.0.1:{evil}/steal", "http://127.0.0.1:{evil}"),  # another scheme
        ("//127.0.0.1:{evil}/steal", ORIGIN),
        ("not a url at all", ORIGIN),
    ],
)
def test_hostile_redirects_are_refused(
    hub: ScriptedHub, location: str, declared: str | None
) -> None:
    with FaultProxy("http://127.0.0.1:9") as evil:
        port = evil.url.rsplit(":", 1)[1]
        _hostile(
            hub,
            location.replace("{evil}", port),
            declared.replace("{evil}", port) if declared else None,
        )
        client = HubClient(
            hub.url,
            "tok-abc123",
            max_retries=1,
            timeout=Timeouts(connect=2, read=5, write=5, pool=2),
        )
        try:
            with pytest.raises(MalformedReply, match="not followed"):
                client.download_artifact("a1", Sink())
        finally:
            client.close()
        assert evil.seen == []
