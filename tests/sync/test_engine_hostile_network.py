"""The sync engine against a hub (or a link) that misbehaves on purpose, through the fault
proxy in front of the real hub: bodies longer than the manifest says, bodies that
trickle, replies that never come, and a hub that asks to be left alone for a day. Each
test asserts what the assessor is told, what the store and vault hold, and how long the
engine took to give up or to stop when cancelled."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub
from sync_kit import (
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
)

from assessor_app.store import DownloadState

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
