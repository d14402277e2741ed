"""The sync engine through a fault-injecting proxy in front of the real hub: dropped
connections, bursts of 5xx/429, responses slower than the timeout, corrupted bytes and
responses lost after the hub committed. Every test ends with the same invariants: the
vault holds only verified evidence, download states match the vault, and the hub holds
exactly one decision per finalized assignment, under the outbox entry's own key."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub
from sync_kit import (
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_one_decision_each,
    assert_ready_with_evidence,
    assert_vault_verified,
    finalize,
    later,
)

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.store import DownloadState
from assessor_app.sync.client import Timeouts

pytest_plugins = ["sync_fixtures"]

MiB = 1024 * 1024


@pytest.fixture
def proxy(shared_hub: RunningHub) -> Iterator[FaultProxy]:
    with FaultProxy(shared_hub.base_url) as p:
        yield p


def check_invariants(profile: ClientProfile) -> None:
    assert_vault_verified(profile.vault)
    assert_downloads_consistent(profile)


def test_connection_dropped_mid_body_resumes_from_its_offset(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(2 * MiB)})
    art = seeded.artifacts[0]
    proxy.drop_after(500_000, path="/content", times=1)

    report = make_engine(base_url=proxy.url).run()

    assert report.ok, report.problems
    gets = proxy.requests("GET", f"/artifacts/{art.id}/content")
    assert len(gets) == 2
    assert "range" not in gets[0].headers
    assert gets[1].headers["range"] == "bytes=500000-"
    assert gets[1].headers["if-range"] == f'"{art.sha256}"'
    assert report.bytes_downloaded == art.size
    assert_ready_with_evidence(profile, seeded.assignment_id)
    check_invariants(profile)


def test_repeated_drops_keep_the_partial_for_the_next_sync(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(4 * MiB)})
    art = seeded.artifacts[0]
    proxy.drop_after(700_000, path="/content", times=None)

    first = make_engine(base_url=proxy.url, client_options={"max_retries": 2}).run()

    assert not first.ok and first.artifacts_downloaded == 0
    assert any("clip.bin" in p and "next sync" in p for p in first.problems)
    partial = profile.vault.partial_offset(art.sha256)
    assert partial == 2 * MiB  # the complete encrypted chunks of 2.1 MB received
    (row,) = profile.store.submissions.downloads(seeded.id)
    assert row.state == DownloadState.NOT_DOWNLOADED and row.bytes_done == partial
    assert profile.store.assignments.local_state(seeded.assignment_id) == LocalState.NOT_DOWNLOADED
    check_invariants(profile)

    proxy.clear()
    before = len(proxy.requests("GET", "/content"))
    second = make_engine(base_url=proxy.url).run()

    assert second.ok, second.problems
    resumed = proxy.requests("GET", "/content")[before:]
    assert [r.headers.get("range") for r in resumed] == [f"bytes={partial}-"]
    assert second.bytes_downloaded == art.size - partial
    assert_ready_with_evidence(profile, seeded.assignment_id)
    check_invariants(profile)


def test_bursts_of_503_and_429_are_ridden_out(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.bin": os.urandom(300_000), "b.txt": b"b"})
    proxy.fail(503, times=3, path="/assignments", method="GET", retry_after="0")
    proxy.fail(429, times=2, path="/content", retry_after="0")
    proxy.fail(503, times=2, path="/submissions")

    report = make_engine(base_url=proxy.url).run(up=False)

    assert report.ok, report.problems
    assert [r.fault for r in proxy.requests("GET", "/assignments")][:4] == [
        "status",
        "status",
        "status",
        None,
    ]
    assert_ready_with_evidence(profile, seeded.assignment_id)

    finalize(profile, seeded.assignment_id)
    proxy.fail(429, times=2, method="PUT", retry_after="0")
    up = make_engine(base_url=proxy.url).run(down=False)
    assert up.ok and up.uploaded == 1
    puts = proxy.requests("PUT")
    assert len(puts) == 3 and len({p.headers["idempotency-key"] for p in puts}) == 1
    assert_one_decision_each(shared_hub, profile, [seeded.assignment_id])
    check_invariants(profile)


def test_a_500_on_upload_waits_to_retry_then_uploads_once(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    first = shared_hub.seed_submission(assessor, {"a.txt": b"a"})
    second = shared_hub.seed_submission(assessor, {"b.txt": b"b"})
    make_engine().run()
    finalize(profile, first.assignment_id)
    finalize(profile, second.assignment_id)
    proxy.fail(500, times=1, method="PUT")

    report = make_engine(base_url=proxy.url).run()

    assert report.retries_scheduled == 1 and report.uploaded == 0
    entry = profile.store.outbox.entries(first.assignment_id)[0]
    assert entry.state == OutboxState.RETRY_WAIT and entry.next_attempt_at is not None
    assert "500" in entry.last_error
    # The pass stopped at the failure: the second entry is still queued, in order.
    assert profile.store.outbox.entries(second.assignment_id)[0].state == OutboxState.QUEUED
    # Not due yet: a run now sends nothing for it.
    assert make_engine(base_url=proxy.url).run().uploaded == 1  # only the second
    retried = make_engine(base_url=proxy.url, now=later()).run()
    assert retried.uploaded == 1
    assert_one_decision_each(shared_hub, profile, [first.assignment_id, second.assignment_id])


def test_500_on_a_download_resumes_next_sync(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.bin": os.urandom(100_000), "b.txt": b"b"})
    proxy.fail(500, times=1, path=f"/artifacts/{seeded.artifacts[0].id}/")

    report = make_engine(base_url=proxy.url).run()

    assert report.artifacts_downloaded == 1 and len(report.problems) == 1
    assert "a.bin" in report.problems[0]
    check_invariants(profile)
    assert make_engine(base_url=proxy.url).run().ok
    assert_ready_with_evidence(profile, seeded.assignment_id)


def test_responses_slower_than_the_timeout_are_retried(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.bin": os.urandom(200_000)})
    fast_timeouts = {"timeout": Timeouts(connect=2, read=0.4, write=2, pool=2)}
    proxy.delay(1.5, times=1, path="/assignments")
    proxy.delay(1.5, times=1, path="/content")

    report = make_engine(base_url=proxy.url, client_options=fast_timeouts).run(up=False)

    assert report.ok, report.problems
    assert len(proxy.requests("GET", "/assignments")) == 2
    assert len(proxy.requests("GET", "/content")) == 2
    assert_ready_with_evidence(profile, seeded.assignment_id)

    finalize(profile, seeded.assignment_id)
    # Slow after the hub has recorded it: the retry must replay, not decide twice.
    proxy.delay_response(1.5, times=1, method="PUT")
    up = make_engine(base_url=proxy.url, client_options=fast_timeouts).run(down=False)
    assert up.uploaded == 1
    assert len(proxy.requests("PUT")) == 2
    assert_one_decision_each(shared_hub, profile, [seeded.assignment_id])
    check_invariants(profile)


def test_a_corrupted_download_is_fetched_again_and_verified(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(1_500_000)})
    proxy.corrupt(at=(123_456,), times=1, path="/content")

    report = make_engine(base_url=proxy.url).run()

    assert report.ok, report.problems
    gets = proxy.requests("GET", "/content")
    assert [g.fault for g in gets] == ["corrupt", None]
    assert "range" not in gets[1].headers  # fetched again from byte 0
    assert_ready_with_evidence(profile, seeded.assignment_id)
    check_invariants(profile)


def test_persistent_corruption_fails_and_keeps_nothing(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(
        assessor, {"clip.bin": os.urandom(1_500_000), "plan.txt": b"plan"}
    )
    bad = seeded.artifact("clip.bin")
    proxy.corrupt(at=(10,), times=None, path=f"/artifacts/{bad.id}/")

    report = make_engine(base_url=proxy.url, max_verify_attempts=3).run()

    assert report.artifacts_failed == 1 and report.artifacts_downloaded == 1
    assert len(proxy.requests("GET", f"/artifacts/{bad.id}/")) == 3
    message = next(p for p in report.problems if "clip.bin" in p)
    assert "checksum" in message and "3 attempts" in message
    row = next(r for r in profile.store.submissions.downloads(seeded.id) if r.artifact.id == bad.id)
    assert row.state == DownloadState.FAILED and "checksum" in row.error
    assert not profile.vault.has(bad.sha256)
    assert profile.vault.partial_offset(bad.sha256) == 0
    assert not profile.vault.partial_path(bad.sha256).exists()
    assert profile.store.assignments.local_state(seeded.assignment_id) == LocalState.NOT_DOWNLOADED
    check_invariants(profile)

    proxy.clear()
    assert make_engine(base_url=proxy.url).run().ok
    assert_ready_with_evidence(profile, seeded.assignment_id)


def test_response_lost_after_commit_is_retried_with_the_same_key(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = [shared_hub.seed_submission(assessor, {f"{i}.txt": b"x"}) for i in range(2)]
    make_engine().run()
    ids = [s.assignment_id for s in seeded]
    for assignment_id in ids:
        finalize(profile, assignment_id)
    proxy.swallow(times=1, method="PUT")

    report = make_engine(base_url=proxy.url).run(down=False)

    assert report.ok and report.uploaded == 2
    first_puts = proxy.requests("PUT", ids[0])
    assert [p.fault for p in first_puts] == ["swallow", None]
    assert len({p.headers["idempotency-key"] for p in first_puts}) == 1
    assert_one_decision_each(shared_hub, profile, ids)


def test_every_response_lost_leaves_a_retry_that_replays_later(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.txt": b"x"})
    make_engine().run()
    finalize(profile, seeded.assignment_id)
    proxy.swallow(times=None, method="PUT")

    lost = make_engine(base_url=proxy.url, client_options={"max_retries": 1}).run(down=False)

    assert lost.retries_scheduled == 1 and lost.uploaded == 0
    entry = profile.store.outbox.entries(seeded.assignment_id)[0]
    assert entry.state == OutboxState.RETRY_WAIT
    # The hub did record it, under this entry's key.
    assert shared_hub.decision_keys()[seeded.assignment_id] == entry.idempotency_key

    proxy.clear()
    again = make_engine(base_url=proxy.url, now=later()).run(down=False)
    assert again.uploaded == 1 and again.conflicts == 0
    assert_one_decision_each(shared_hub, profile, [seeded.assignment_id])
