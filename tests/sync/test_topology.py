"""The hub as it is deployed, end to end: nginx (the configuration docs/deploy.md shows)
in front of two ``assessor-hub serve`` processes on one PostgreSQL database, evidence in
a bucket of moto's S3 server, all real processes on loopback (``benchmarks/topology.py``).
The real client signs in through one hub process and syncs through the other, fetches
evidence by presigned redirect, uploads its decision through nginx; racing uploads of one
decision land once; a hub process killed mid-sync loses nothing."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.hub import CREDENTIAL_YAML, PASSWORD, passing_upload
from sync_kit import (
    ClientProfile,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
    finalize,
    open_profile,
)

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.hub.db import DecisionRow
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.errors import Conflict
from assessor_app.sync.progress import SyncPhase, SyncProgress
from benchmarks.topology import Topology

pytestmark = pytest.mark.postgres

CLIP_BYTES = 2 * 1024 * 1024 + 777


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    with Topology(workers=2) as running:
        with running.admin() as admin:
            credential = running.root / "credential.yaml"
            credential.write_text(CREDENTIAL_YAML, encoding="utf-8")
            admin.import_credential(credential)
        yield running


def _seed(topology: Topology, username: str, folder: Path, files: dict[str, bytes]) -> str:
    """Import a submission with ``files`` and assign it to ``username``; the assignment id."""
    folder.mkdir(parents=True)
    lines = ["credential: support-wait-time", "attempt: 1", f"educator_pseudonym: E-{folder.name}"]
    lines.append("artifacts:")
    for name, data in files.items():
        (folder / name).write_bytes(data)
        lines.append(f"  - {{file: {name}, title: {name}}}")
    (folder / "submission.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with topology.admin() as admin:
        return admin.assign(admin.import_submission(folder), username)


def _decisions(topology: Topology) -> dict[str, str]:
    """Assignment id -> Idempotency-Key of the decision PostgreSQL holds (one at most:
    the assignment id is the table's key)."""
    with topology.admin() as admin, admin.db.read() as session:
        rows = session.execute(select(DecisionRow.assignment_id, DecisionRow.idempotency_key))
        return {assignment_id: key for assignment_id, key in rows}


def _client(url: str, token: str | None = None) -> HubClient:
    return HubClient(
        url,
        token,
        backoff_base=0.01,
        backoff_max=0.05,
        timeout=Timeouts(connect=5, read=20, write=20, pool=5),
    )


def _engine(
    profile: ClientProfile,
    url: str,
    token: str,
    progress: Callable[[SyncProgress], None] | None = None,
) -> tuple[SyncEngine, list[HubClient]]:
    clients = [_client(url, token)]

    def another() -> HubClient:
        clients.append(_client(url, token))
        return clients[-1]

    engine = SyncEngine(
        profile.store,
        profile.vault,
        clients[0],
        client_factory=another,
        disk_margin=0,
        progress=progress,
    )
    return engine, clients


def _sync(
    profile: ClientProfile,
    url: str,
    token: str,
    progress: Callable[[SyncProgress], None] | None = None,
) -> Any:
    engine, clients = _engine(profile, url, token, progress)
    try:
        return engine.run()
    finally:
        for client in clients:
            client.close()


def _routes(lines: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(x["method"], x["route"], x["status"]) for x in lines if "route" in x]


def _sign_in(url: str, username: str) -> str:
    with _client(url) as client:
        return client.login(username, PASSWORD).access_token


def test_sign_in_through_one_hub_and_sync_through_the_other(
    topology: Topology, tmp_path: Path
) -> None:
    with topology.admin() as admin:
        admin.add_assessor("ann", PASSWORD)
    clip, note = os.urandom(CLIP_BYTES), b"My reflection on wait time.\n"
    assignment = _seed(topology, "ann", tmp_path / "ann-1", {"clip.mp4": clip, "note.txt": note})
    first, second = topology.hub_urls
    # Only what this test makes them do (other tests may have used the hubs before).
    logged = [len(topology.hub_log(0)), len(topology.hub_log(1))]

    token = _sign_in(first, "ann")
    profile = open_profile(tmp_path / "ann")
    report = _sync(profile, second, token)

    assert report.ok, report.problems
    assert_ready_with_evidence(profile, assignment)
    assert len(assert_vault_verified(profile.vault)) == 2
    assert_downloads_consistent(profile)
    # The token one process made is good on the other: it lives in PostgreSQL.
    signed_in = _routes(topology.hub_log(0)[logged[0] :])
    synced = _routes(topology.hub_log(1)[logged[1] :])
    assert ("POST", "/api/v1/auth/token", 200) in signed_in
    assert not [r for r in synced if r[1] == "/api/v1/auth/token"]
    assert ("GET", "/api/v1/assignments", 200) in synced
    assert not [r for r in signed_in if r[1] == "/api/v1/assignments"]
    # Evidence came from the bucket: the hub answered each artifact with a redirect.
    artifact_answers = [r for r in synced if r[1] == "/api/v1/artifacts/{artifact_id}/content"]
    assert artifact_answers and {r[2] for r in artifact_answers} == {307}
    stored = topology.s3().list_objects_v2(Bucket=topology.bucket)["Contents"]
    assert {item["Size"] for item in stored} >= {CLIP_BYTES, len(note)}

    # The decision goes up through nginx and is stored once.
    finalize(profile, assignment)
    before = len(topology.nginx_log())
    report = _sync(profile, topology.base_url, token)
    assert report.ok and report.uploaded == 1, report.problems
    entry = profile.store.outbox.entries(assignment)[0]
    assert entry.state == OutboxState.UPLOADED
    assert _decisions(topology)[assignment] == entry.idempotency_key
    assert profile.store.assignments.local_state(assignment) == LocalState.UPLOADED
    proxied = topology.nginx_log()[before:]
    uploads = [
        line for line in proxied if f'"PUT /api/v1/assignments/{assignment}/decision' in line
    ]
    assert len(uploads) == 1 and " 200 " in uploads[0]
    assert any(f"upstream={url.removeprefix('http://')}" in uploads[0] for url in (first, second))


def test_racing_uploads_of_one_decision_land_once(topology: Topology, tmp_path: Path) -> None:
    with topology.admin() as admin:
        admin.add_assessor("bea", PASSWORD)
    same = _seed(topology, "bea", tmp_path / "bea-1", {"note.txt": b"one"})
    rival = _seed(topology, "bea", tmp_path / "bea-2", {"note.txt": b"two"})
    token = _sign_in(topology.base_url, "bea")
    # One client straight to each hub process and two through nginx, all at once.
    urls = [*topology.hub_urls, topology.base_url, topology.base_url]
    start = threading.Barrier(len(urls))

    def race(assignment: str, keys: list[str]) -> list[object]:
        results: list[object] = [None] * len(urls)
        sheet = passing_upload()  # one body: a resend is byte for byte the same upload

        def upload(index: int) -> None:
            with _client(urls[index], token) as client:
                start.wait(10)
                try:
                    results[index] = client.put_decision(assignment, sheet, keys[index], 1)
                except Exception as exc:
                    results[index] = exc

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(urls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return results

    # The same Idempotency-Key from every client (a retry racing its original): one
    # decision, and every client is told it is recorded.
    key = "race-same-key-0001"
    results = race(same, [key] * len(urls))
    assert not [r for r in results if isinstance(r, Exception) or r is None], results
    assert _decisions(topology)[same] == key
    # Different keys for one assignment (two laptops): one wins, the others hear conflict.
    keys = [f"race-rival-key-{i:04d}" for i in range(len(urls))]
    results = race(rival, keys)
    winners = [keys[i] for i, r in enumerate(results) if not isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == len(urls) - 1
    assert _decisions(topology)[rival] == winners[0]


def test_a_hub_killed_mid_sync_loses_nothing(topology: Topology, tmp_path: Path) -> None:
    with topology.admin() as admin:
        admin.add_assessor("cal", PASSWORD)
    decided = _seed(topology, "cal", tmp_path / "cal-0", {"note.txt": b"decided"})
    token = _sign_in(topology.base_url, "cal")
    profile = open_profile(tmp_path / "cal")
    assert _sync(profile, topology.base_url, token).ok
    finalize(profile, decided)
    more = [
        _seed(topology, "cal", tmp_path / f"cal-{i}", {"clip.mp4": os.urandom(CLIP_BYTES)})
        for i in range(1, 6)
    ]
    served_before = len(_routes(topology.hub_log(0)))
    proxied_before = len(topology.nginx_log())

    def crash(progress: SyncProgress) -> None:
        # Once the sync is fetching manifests, the first hub process dies as in a crash.
        if progress.phase == SyncPhase.MANIFESTS and topology.hub_alive(0):
            topology.kill_hub(0)

    try:
        _sync(profile, topology.base_url, token, crash)
        assert not topology.hub_alive(0)
        assert len(_routes(topology.hub_log(0))) > served_before, "hub 0 served nothing"

        # Whatever that sync managed, the next one through nginx completes it.
        report = _sync(profile, topology.base_url, token)
        assert report.ok, report.problems
        for assignment in more:
            assert_ready_with_evidence(profile, assignment)
        assert_downloads_consistent(profile)
        assert len(assert_vault_verified(profile.vault)) == 1 + len(more)
        entries = profile.store.outbox.entries(decided)
        assert [e.state for e in entries] == [OutboxState.UPLOADED]
        assert _decisions(topology)[decided] == entries[0].idempotency_key
        # Through nginx too, evidence came from the bucket: every artifact GET that a hub
        # answered was a redirect.
        artifact_gets = [
            line
            for line in topology.nginx_log()[proxied_before:]
            if '"GET /api/v1/artifacts/' in line and "upstream_status=" in line
        ]
        assert len(artifact_gets) >= len(more)
        assert all(line.split('" ', 1)[1].startswith("307 ") for line in artifact_gets)
        # The surviving process answers for the whole topology.
        assert httpx.get(f"{topology.base_url}/readyz").status_code == 200
    finally:
        if not topology.hub_alive(0):
            topology.restart_hub(0)
    assert httpx.get(f"{topology.hub_urls[0]}/readyz").status_code == 200
