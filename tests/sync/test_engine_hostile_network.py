"""The sync engine against a hub (or a link) that misbehaves on purpose, through the fault
proxy in front of the real hub: bodies longer than the manifest says, bodies that
trickle, replies that never come, and a hub that asks to be left alone for a day. Each
test asserts what the assessor is told, what the store and vault hold, and how long the
engine took to give up or to stop when cancelled."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub, wait_until
from sync_kit import (
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
)

from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import DownloadState
from assessor_app.sync.client import StallRule, Timeouts
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.errors import HubNotAnswering
from assessor_app.sync.progress import SyncProgress, SyncReport
from assessor_app.sync.trouble import SAVED_HERE

pytest_plugins = ["sync_fixtures"]

MiB = 1024 * 1024


@pytest.fixture
def proxy(shared_hub: RunningHub) -> Iterator[FaultProxy]:
    with FaultProxy(shared_hub.base_url) as p:
        yield p


def check_invariants(profile: ClientProfile) -> None:
    assert_vault_verified(profile.vault)
    assert_downloads_consistent(profile)


def bytes_on_disk(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# -- bounded downloads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_length", "chunked"),
    [(None, False), (None, True)],
    ids=["no-length", "chunked"],
)
def test_an_endless_body_is_cut_at_the_manifest_size_and_refetched_a_bounded_number_of_times(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
    content_length: int | None,
    chunked: bool,
) -> None:
    seeded = shared_hub.seed_submission(
        assessor, {"clip.bin": os.urandom(300_000), "notes.txt": b"fine"}
    )
    clip = seeded.artifact("clip.bin")
    proxy.endless(content_length=content_length, chunked=chunked, path=f"/artifacts/{clip.id}/")

    report = make_engine(base_url=proxy.url, max_verify_attempts=3).run()

    assert report.artifacts_downloaded == 1 and report.artifacts_failed == 1
    assert len(report.problems) == 1 and "clip.bin" in report.problems[0]
    assert "3 attempts" in report.problems[0]
    assert len(proxy.requests("GET", f"/artifacts/{clip.id}/")) == 3
    rows = {r.artifact.filename: r for r in profile.store.submissions.downloads(seeded.id)}
    assert rows["clip.bin"].state == DownloadState.FAILED
    assert rows["notes.txt"].state == DownloadState.VERIFIED
    assert not profile.vault.has(clip.sha256)
    assert profile.vault.partial_offset(clip.sha256) == 0
    # Nothing past the manifest's size was ever written: the vault holds the small file.
    assert bytes_on_disk(profile.vault_root) < 10_000
    check_invariants(profile)

    proxy.clear()
    again = make_engine(base_url=proxy.url).run()
    assert again.ok, again.problems
    assert_ready_with_evidence(profile, seeded.assignment_id)


@pytest.mark.parametrize("content_length", [10**12, 300_001, 299_999])
def test_a_content_length_that_disagrees_with_the_manifest_is_refused_before_writing(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
    content_length: int,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(300_000)})
    proxy.endless(content_length=content_length, path="/content")

    report = make_engine(base_url=proxy.url, max_verify_attempts=2).run()

    assert report.artifacts_failed == 1 and report.bytes_downloaded == 0
    assert "clip.bin" in report.problems[0]
    (row,) = profile.store.submissions.downloads(seeded.id)
    assert row.state == DownloadState.FAILED
    assert len(proxy.requests("GET", "/content")) == 2
    assert bytes_on_disk(profile.vault_root) == 0
    check_invariants(profile)


def test_a_resumed_body_longer_than_its_range_is_cut_off_and_not_resumed_from(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(3 * MiB)})
    clip = seeded.artifacts[0]
    proxy.drop_after(1_500_000, path="/content", times=1)
    first = make_engine(base_url=proxy.url, client_options={"max_retries": 0}).run()
    assert not first.ok
    partial = profile.vault.partial_offset(clip.sha256)
    assert partial > 0

    # The resumed request gets the right Content-Range, then a body without end.
    proxy.endless(content_length=None, path="/content", times=1)
    second = make_engine(base_url=proxy.url, max_verify_attempts=1).run()

    gets = proxy.requests("GET", "/content")
    assert gets[-1].headers.get("range") == f"bytes={partial}-"
    assert second.artifacts_failed == 1
    assert profile.vault.partial_offset(clip.sha256) == 0
    check_invariants(profile)

    third = make_engine(base_url=proxy.url).run()
    assert third.ok, third.problems
    assert_ready_with_evidence(profile, seeded.assignment_id)


# -- stalls --------------------------------------------------------------------------------

FAST_STALL = StallRule(floor_bytes_per_second=2048, window_seconds=0.8)


def test_a_trickling_download_is_abandoned_resumed_from_its_offset_and_then_reported(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"lesson.bin": os.urandom(4 * MiB)})
    clip = seeded.artifacts[0]
    # 2.3 MB fast, then 1 byte/s: the writer seals a chunk once the next one starts, so
    # each attempt keeps one more complete chunk.
    proxy.trickle(1, after=2_300_000, path="/content")
    seen: list[SyncProgress] = []

    started = time.monotonic()
    report = make_engine(
        base_url=proxy.url, stall=FAST_STALL, stall_resumes=1, progress=seen.append
    ).run()
    elapsed = time.monotonic() - started

    assert elapsed < 10
    assert not report.ok and report.artifacts_downloaded == 0
    assert len(report.problems) == 1 and "lesson.bin" in report.problems[0]
    assert "too slowly" in report.problems[0] and "next sync" in report.problems[0]
    gets = proxy.requests("GET", "/content")
    assert len(gets) == 2  # the first attempt and one resume in the same sync
    assert "range" not in gets[0].headers
    assert gets[1].headers["range"] == f"bytes={MiB}-"
    partial = profile.vault.partial_offset(clip.sha256)
    assert partial == 2 * MiB
    assert any(p.stalled == ("lesson.bin",) for p in seen)
    assert any(p.bytes_per_second > 0 for p in seen)
    (row,) = profile.store.submissions.downloads(seeded.id)
    assert row.state == DownloadState.NOT_DOWNLOADED and row.bytes_done == partial
    check_invariants(profile)

    proxy.clear()
    again = make_engine(base_url=proxy.url, stall=FAST_STALL).run()
    assert again.ok, again.problems
    assert proxy.requests("GET", "/content")[-1].headers["range"] == f"bytes={partial}-"
    assert_ready_with_evidence(profile, seeded.assignment_id)


def test_a_download_that_stalled_once_resumes_and_completes_in_the_same_sync(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"lesson.bin": os.urandom(3 * MiB)})
    proxy.trickle(1, after=2_300_000, path="/content", times=1)

    report = make_engine(base_url=proxy.url, stall=FAST_STALL).run()

    assert report.ok, report.problems
    gets = proxy.requests("GET", "/content")
    assert [g.headers.get("range") for g in gets] == [None, f"bytes={MiB}-"]
    assert_ready_with_evidence(profile, seeded.assignment_id)
    check_invariants(profile)


def test_a_slow_download_shows_its_bytes_and_rate_before_a_whole_block_has_arrived(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    # 400 kB at 100 kB/s: the whole file is smaller than one 1 MiB block.
    seeded = shared_hub.seed_submission(assessor, {"lesson.bin": os.urandom(400_000)})
    proxy.throttle(100_000, path="/content")
    seen: list[SyncProgress] = []

    report = make_engine(base_url=proxy.url, progress=seen.append).run()

    assert report.ok, report.problems
    midway = [p for p in seen if 0 < p.bytes_done < 400_000]
    assert len(midway) >= 3, [p.bytes_done for p in seen]
    assert all(p.bytes_per_second > 0 for p in midway[1:])
    assert [p.bytes_done for p in midway] == sorted(p.bytes_done for p in midway)
    assert_ready_with_evidence(profile, seeded.assignment_id)


# -- cancellation and waits ----------------------------------------------------------------


class Running:
    """An engine run on its own thread, to cancel from the test's."""

    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine
        self.report: SyncReport | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        self.report = self.engine.run()

    def cancel(self) -> float:
        """Cancel and wait for the run to end; returns the seconds that took."""
        started = time.monotonic()
        self.engine.cancel.cancel()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the sync did not stop"
        return time.monotonic() - started


def assert_no_sync_threads_left() -> None:
    names = {t.name for t in threading.enumerate()}
    assert not [n for n in names if n.startswith(("download", "publish"))], names


def test_cancel_during_a_trickling_body_ends_the_sync_within_a_second(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(
        assessor, {"lesson.bin": os.urandom(3 * MiB), "notes.bin": os.urandom(3 * MiB)}
    )
    proxy.trickle(1, after=2_300_000, path="/content")
    run = Running(make_engine(base_url=proxy.url, parallel_downloads=2))
    wait_until(lambda: len(proxy.requests("GET", "/content")) == 2, 10, "both downloads")
    time.sleep(0.5)  # both bodies are trickling now

    assert run.cancel() < 1.0
    assert run.report is not None and run.report.cancelled
    assert_no_sync_threads_left()
    for artifact in seeded.artifacts:
        assert profile.vault.partial_offset(artifact.sha256) == MiB
    assert profile.store.assignments.local_state(seeded.assignment_id) == LocalState.NOT_DOWNLOADED
    check_invariants(profile)


def test_cancel_while_waiting_out_a_retry_after_ends_the_sync_within_a_second(
    shared_hub: RunningHub,
    assessor: str,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    proxy.fail(503, retry_after="100", path="/assignments", times=None)
    engine = make_engine(base_url=proxy.url, client_options={"retry_after_max": 120})
    run = Running(engine)
    wait_until(lambda: len(proxy.requests("GET", "/assignments")) == 1, 10, "the request")
    time.sleep(0.3)

    assert run.cancel() < 1.0
    assert run.report is not None and run.report.cancelled


def test_cancel_while_waiting_for_the_reply_head_ends_the_sync_within_a_second(
    shared_hub: RunningHub,
    assessor: str,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    proxy.delay_response(40, path="/assignments")
    run = Running(make_engine(base_url=proxy.url))
    wait_until(lambda: len(proxy.requests("GET", "/assignments")) == 1, 10, "the request")
    time.sleep(0.3)

    assert run.cancel() < 1.0
    assert run.report is not None and run.report.cancelled


def test_a_retry_after_of_a_day_ends_the_sync_with_a_message_instead_of_sleeping(
    shared_hub: RunningHub,
    assessor: str,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    proxy.fail(503, retry_after="86400", path="/assignments", times=None)

    started = time.monotonic()
    report = make_engine(base_url=proxy.url, client_options={"retry_after_max": 120}).run()

    assert time.monotonic() - started < 5
    assert report.problems == [
        f"The hub asked to wait 1440 minutes; sync again later. {SAVED_HERE}"
    ]
    assert len(proxy.requests("GET", "/assignments")) == 1


def test_a_hub_that_accepts_but_never_answers_is_given_up_at_the_reply_deadline(
    shared_hub: RunningHub,
    assessor: str,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    # Each read is well inside its own timeout; the reply as a whole is not.
    proxy.delay_response(40, path="/me")
    client = make_engine.client(
        proxy.url, timeout=Timeouts(connect=5, read=10, write=10, pool=5, reply=0.5)
    )

    started = time.monotonic()
    with pytest.raises(HubNotAnswering, match=r"did not answer within 0\.5 seconds"):
        client.me()
    assert time.monotonic() - started < 2
    assert len(proxy.requests("GET", "/me")) == 1  # not retried: it would only wait longer
