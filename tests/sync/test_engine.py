"""The sync engine against a real hub on 127.0.0.1: delta by cursor, manifests, parallel
verified downloads into the vault, ordered uploads with conflicts, revocation, retention,
disk space, cancellation and progress."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub, passing_upload
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
from assessor_app.store import AuditAction, DownloadState
from assessor_app.sync.progress import CancelToken, SyncPhase, SyncProgress

pytest_plugins = ["sync_fixtures"]


def files(seed: int, big: int = 300_000) -> dict[str, bytes]:
    rng = os.urandom
    return {
        "clip.bin": seed.to_bytes(4, "big") + rng(big),
        "plan.txt": f"Lesson plan {seed}\n".encode() * 50,
        "work.txt": f"Student work {seed}\n".encode() * 20,
    }


def test_first_sync_downloads_everything_verified_and_ready(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    seeded = [shared_hub.seed_submission(assessor, files(i)) for i in range(3)]
    seen: list[SyncProgress] = []

    report = make_engine(progress=seen.append, parallel_downloads=3).run()

    assert report.ok, report.problems
    assert report.new_assignments == 3
    assert report.manifests_fetched == 3
    assert report.artifacts_downloaded == 9
    assert report.bytes_downloaded == sum(a.size for s in seeded for a in s.artifacts)
    for s in seeded:
        assert_ready_with_evidence(profile, s.assignment_id)
        for artifact in s.artifacts:
            with profile.vault.open(artifact.sha256) as f:
                assert f.read() == artifact.data
    assert assert_vault_verified(profile.vault) == {a.sha256 for s in seeded for a in s.artifacts}
    assert_downloads_consistent(profile)
    downloaded = [e for e in profile.store.audit.entries() if e.action == AuditAction.DOWNLOADED]
    assert len(downloaded) == 9
    assert profile.store.settings.sync_cursor() is not None
    phases = [p.phase for p in seen]
    assert SyncPhase.DOWNLOADS in phases and phases[-1] == SyncPhase.DONE
    final_download = [p for p in seen if p.phase == SyncPhase.DOWNLOADS][-1]
    assert final_download.items_done == final_download.items_total == 9
    assert {p.current for p in seen if p.phase == SyncPhase.DOWNLOADS} >= {"clip.bin"}

    again = make_engine().run()
    assert again.ok and again.new_assignments == 0 and again.artifacts_downloaded == 0


def test_delta_is_read_page_by_page_with_the_cursor(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    seeded = [shared_hub.seed_submission(assessor, {"a.txt": f"{i}".encode()}) for i in range(5)]
    engine = make_engine()
    pages: list[tuple[str | None, bool]] = []
    original = engine.client.assignments

    def small_pages(since: str | None = None, limit: int = 100) -> object:
        delta = original(since=since, limit=2)
        pages.append((since, delta.has_more))
        return delta

    engine.client.assignments = small_pages  # type: ignore[method-assign]
    report = engine.run(up=False)

    assert report.new_assignments == 5
    assert [more for _, more in pages] == [True, True, False]
    assert pages[0][0] is None and pages[1][0] is not None
    assert {i.assignment.id for i in profile.store.assignments.queue()} == {
        s.assignment_id for s in seeded
    }
    # Nothing changed since: one page from the saved cursor, and it is empty.
    pages.clear()
    assert engine.run(up=False).new_assignments == 0
    assert len(pages) == 1 and pages[0][0] == profile.store.settings.sync_cursor()


def test_same_content_in_two_submissions_is_fetched_once(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    shared = os.urandom(200_000)
    a = shared_hub.seed_submission(assessor, {"clip.bin": shared, "a.txt": b"one"})
    b = shared_hub.seed_submission(assessor, {"clip.bin": shared, "b.txt": b"two"})
    with FaultProxy(shared_hub.base_url) as proxy:
        report = make_engine(base_url=proxy.url).run()
        content_gets = proxy.requests("GET", "/content")
    assert report.ok, report.problems
    assert report.artifacts_downloaded == 3  # the shared clip once, two small files
    assert len(content_gets) == 3
    assert_ready_with_evidence(profile, a.assignment_id)
    assert_ready_with_evidence(profile, b.assignment_id)


def test_uploads_drain_in_order_and_are_recorded_once(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    seeded = [shared_hub.seed_submission(assessor, {"a.txt": f"{i}".encode()}) for i in range(3)]
    make_engine().run(up=False)
    order = [seeded[2].assignment_id, seeded[0].assignment_id, seeded[1].assignment_id]
    for assignment_id in order:
        finalize(profile, assignment_id)

    with FaultProxy(shared_hub.base_url) as proxy:
        report = make_engine(base_url=proxy.url).run(down=False)
        puts = [r.path.split("/")[-2] for r in proxy.requests("PUT")]

    assert report.ok and report.uploaded == 3
    assert puts == order
    assert_one_decision_each(shared_hub, profile, order)
    uploaded = [e for e in profile.store.audit.entries() if e.action == AuditAction.UPLOADED]
    assert {e.assignment_id for e in uploaded} == set(order)
    # Nothing left: a second run sends nothing.
    assert make_engine().run().uploaded == 0


@pytest.mark.parametrize("status", [409, 410, 412])
def test_hub_refusals_become_conflicts_that_keep_the_local_decision(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    status: int,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.txt": b"evidence"})
    follower = shared_hub.seed_submission(assessor, {"b.txt": b"more evidence"})
    make_engine().run(up=False)
    aid = seeded.assignment_id
    finalize(profile, aid, passing_upload("mine"))
    finalize(profile, follower.assignment_id)
    if status == 409:
        shared_hub.admin.record_decision(aid, passing_upload("theirs"), "someone-elses-key")
    elif status == 410:
        shared_hub.admin.revoke(aid)
    else:
        shared_hub.admin.revoke(aid)  # bump the version, then give it back at a new one
        with shared_hub.admin.db.write() as session:
            from assessor_app.hub.db import AssignmentRow

            row = session.get(AssignmentRow, aid)
            assert row is not None
            row.status = "assigned"

    report = make_engine().run(down=False)

    assert report.conflicts == 1 and report.uploaded == 1
    entry = profile.store.outbox.entries(aid)[0]
    assert entry.state == OutboxState.CONFLICT
    assert entry.hub_state["status"] == status
    assert profile.store.assignments.local_state(aid) == LocalState.CONFLICT
    latest = profile.store.decisions.latest(aid)
    assert latest is not None and latest.upload.criteria[0].rationale == "mine"
    # The problem names the submission as the assessor knows it, not by its id.
    [item] = [i for i in profile.store.assignments.queue() if i.assignment.id == aid]
    assert any(f"Educator {item.educator_pseudonym}" in p for p in report.problems)
    assert not any(aid in p for p in report.problems)
    # The conflict did not hold up the next decision in the queue.
    assert_one_decision_each(shared_hub, profile, [follower.assignment_id])
    if status == 409:
        assert shared_hub.decision_keys()[aid] == "someone-elses-key"
    else:
        assert aid not in shared_hub.decision_keys()


def test_expired_token_stops_and_keeps_the_queue(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"a.txt": b"evidence"})
    make_engine().run(up=False)
    finalize(profile, seeded.assignment_id)
    engine = make_engine()
    engine.client.token = "no-longer-valid"

    report = engine.run(down=False)

    assert report.sign_in_required and not report.ok
    assert report.uploaded == 0
    entry = profile.store.outbox.entries(seeded.assignment_id)[0]
    assert entry.state == OutboxState.QUEUED
    assert seeded.assignment_id not in shared_hub.decision_keys()
    down = engine.run(up=False)
    assert down.sign_in_required


def test_revocation_purges_idle_evidence_and_keeps_work(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    shared = os.urandom(50_000)
    idle = shared_hub.seed_submission(assessor, {"idle.bin": os.urandom(60_000)})
    worked = shared_hub.seed_submission(assessor, {"worked.bin": os.urandom(60_000)})
    sharing = shared_hub.seed_submission(assessor, {"shared.bin": shared, "x.txt": b"x"})
    live = shared_hub.seed_submission(assessor, {"shared.bin": shared, "y.txt": b"y"})
    make_engine().run()
    profile.store.sheets.set_rationale(worked.assignment_id, "c1-wait", "Waited 4 s at 02:10")
    for s in (idle, worked, sharing):
        shared_hub.admin.revoke(s.assignment_id)

    report = make_engine().run()

    assert report.revoked_assignments == 3
    assert not profile.vault.has(idle.artifacts[0].sha256)
    assert profile.vault.has(worked.artifacts[0].sha256)  # local work keeps its evidence
    assert profile.vault.has(sharing.artifact("shared.bin").sha256)  # live one still uses it
    assert not profile.vault.has(sharing.artifact("x.txt").sha256)
    assert report.purged == 2
    for s in (idle, worked, sharing):
        assert profile.store.assignments.is_revoked(s.assignment_id)
        assert profile.store.assignments.local_state(s.assignment_id) == LocalState.REVOKED
    assert profile.store.sheets.load_sheet(worked.assignment_id).scores["c1-wait"].rationale
    purged = [e for e in profile.store.audit.entries() if e.action == AuditAction.PURGED]
    assert {e.assignment_id for e in purged} == {idle.assignment_id, sharing.assignment_id}
    assert_ready_with_evidence(profile, live.assignment_id)
    assert_downloads_consistent(profile)
    assert_vault_verified(profile.vault)


def test_retention_purges_evidence_of_old_uploads_only(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    old = shared_hub.seed_submission(assessor, {"old.bin": os.urandom(40_000)})
    recent = shared_hub.seed_submission(assessor, {"recent.bin": os.urandom(40_000)})
    open_ = shared_hub.seed_submission(assessor, {"open.bin": os.urandom(40_000)})
    make_engine().run()
    finalize(profile, old.assignment_id)
    # Upload one 20 days ago and one 3 days ago (keeping everything while doing so).
    keep_all = 10_000
    ago_20 = make_engine(
        now=lambda: datetime.now(UTC) - timedelta(days=20), retention_days=keep_all
    )
    assert ago_20.run(down=False).uploaded == 1
    finalize(profile, recent.assignment_id)
    ago_3 = make_engine(now=lambda: datetime.now(UTC) - timedelta(days=3), retention_days=keep_all)
    assert ago_3.run(down=False).uploaded == 1

    report = make_engine().run()  # retention_days from the profile: 14

    assert report.purged == 1
    assert not profile.vault.has(old.artifacts[0].sha256)
    assert profile.vault.has(recent.artifacts[0].sha256)
    assert profile.vault.has(open_.artifacts[0].sha256)
    assert profile.store.decisions.latest(old.assignment_id) is not None
    assert profile.store.assignments.local_state(old.assignment_id) == LocalState.UPLOADED
    (row,) = profile.store.submissions.downloads(old.id)
    assert row.state == DownloadState.NOT_DOWNLOADED
    assert [
        e.detail["reason"]
        for e in profile.store.audit.entries(old.assignment_id)
        if e.action == AuditAction.PURGED
    ] == ["retention"]
    # Uploaded evidence is not fetched again, and a second pass removes nothing more.
    again = make_engine().run()
    assert again.purged == 0 and again.artifacts_downloaded == 0
    assert make_engine(retention_days=1, now=later(days=5)).run().purged == 1


def test_full_disk_stops_downloads_with_a_clear_message(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    seeded = shared_hub.seed_submission(
        assessor, {"big.bin": os.urandom(3_000_000), "small.txt": b"notes"}
    )
    report = make_engine(
        disk_free=lambda _path: 1_000_000, parallel_downloads=1, disk_margin=0
    ).run()

    assert report.disk_full and not report.ok
    message = next(p for p in report.problems if "disk space" in p)
    assert "“big.bin”" in message and "MB needed" in message and "MB free" in message
    assert "nothing was lost" in message
    assert profile.store.assignments.local_state(seeded.assignment_id) == LocalState.NOT_DOWNLOADED
    assert not profile.vault.has(seeded.artifact("big.bin").sha256)
    assert_downloads_consistent(profile)

    healed = make_engine().run()
    assert healed.ok, healed.problems
    assert_ready_with_evidence(profile, seeded.assignment_id)


def test_cancel_stops_promptly_and_the_next_run_resumes(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    big = os.urandom(4_000_000)
    seeded = shared_hub.seed_submission(assessor, {"big.bin": big})
    token = CancelToken()

    def cancel_midway(p: SyncProgress) -> None:
        if p.phase == SyncPhase.DOWNLOADS and p.bytes_done >= 1_500_000:
            token.cancel()

    with FaultProxy(shared_hub.base_url) as proxy:
        proxy.throttle(8_000_000, path="/content")
        report = make_engine(base_url=proxy.url, progress=cancel_midway, cancel=token).run()
        assert report.cancelled and not report.ok
        sha = seeded.artifacts[0].sha256
        assert not profile.vault.has(sha)
        partial = profile.vault.partial_offset(sha)
        assert 1_000_000 <= partial < len(big)
        assert profile.store.assignments.local_state(seeded.assignment_id) == (
            LocalState.NOT_DOWNLOADED
        )
        (row,) = profile.store.submissions.downloads(seeded.id)
        assert row.bytes_done == partial

        proxy.clear()
        resumed = make_engine(base_url=proxy.url).run()
        ranges = [r.headers.get("range") for r in proxy.requests("GET", "/content")]
    assert resumed.ok, resumed.problems
    assert ranges[-1] == f"bytes={partial}-"
    assert resumed.bytes_downloaded == len(big) - partial
    assert_ready_with_evidence(profile, seeded.assignment_id)
