"""How parallel downloads record their states: one recorder thread applies the workers'
store writes in order, skips a state a later write of the same download replaces, keeps
every audit write, and reports a failed write after applying the rest. End to end, a sync
of many small files and a large one leaves every row verified and audited once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from support.hub import RunningHub
from sync_kit import ClientProfile, EngineMaker, assert_downloads_consistent, assert_vault_verified

from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import AuditAction, DownloadState
from assessor_app.sync.downloads import _Recorder, _without_superseded, _Write

pytest_plugins = ["sync_fixtures"]


def noop(_store: Any) -> None:
    pass


def test_a_state_replaced_by_a_later_write_of_the_same_download_is_skipped() -> None:
    a_downloading = _Write("a", noop, state_only=True)
    b_downloading = _Write("b", noop, state_only=True)
    a_verified = _Write("a", noop, state_only=False)
    c_downloading = _Write("c", noop, state_only=True)
    c_failed = _Write("c", noop, state_only=True)
    batch = [a_downloading, b_downloading, a_verified, c_downloading, c_failed]
    assert _without_superseded(batch) == [b_downloading, a_verified, c_failed]
    # Writes that do more than set a state are never skipped.
    audits = [_Write("a", noop, state_only=False), _Write("a", noop, state_only=False)]
    assert _without_superseded(audits) == audits


def test_recorder_applies_in_order_and_reports_the_first_failure_last() -> None:
    applied: list[int] = []
    gate = threading.Event()

    def write(n: int) -> Callable[[Any], None]:
        def apply(store: Any) -> None:
            assert store == "store"
            gate.wait(5)
            if n == 2:
                raise RuntimeError("disk I/O error")
            applied.append(n)

        return apply

    recorder = _Recorder("store")  # type: ignore[arg-type]
    for n in range(6):
        recorder.submit(_Write(f"sha{n}", write(n), state_only=False))
    gate.set()
    with pytest.raises(RuntimeError, match="disk I/O error"):
        recorder.close()
    assert applied == [0, 1, 3, 4, 5]


def test_many_small_files_and_a_large_one_are_all_verified_and_audited_once(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
) -> None:
    files = {f"note-{i}.txt": f"note {i}\n".encode() * (i + 1) for i in range(12)}
    files["lesson.bin"] = os.urandom(3 * 1024 * 1024 + 77)
    seeded = shared_hub.seed_submission(assessor, files)
    report = make_engine(parallel_downloads=4).run(up=False)
    assert report.ok, report.problems
    assert report.artifacts_downloaded == len(files)
    assert report.bytes_downloaded == sum(len(d) for d in files.values())
    rows = profile.store.submissions.downloads(seeded.id)
    assert {r.state for r in rows} == {DownloadState.VERIFIED}
    assert all(r.bytes_done == r.artifact.size for r in rows)
    downloaded = [
        e.detail["artifact_id"]
        for e in profile.store.audit.entries(seeded.assignment_id)
        if e.action == AuditAction.DOWNLOADED
    ]
    assert sorted(downloaded) == sorted(r.artifact.id for r in rows)
    assert len(assert_vault_verified(profile.vault)) == len(files)
    assert_downloads_consistent(profile)
    assert os.listdir(profile.vault.root / "partial") == []
    assert profile.store.assignments.local_state(seeded.assignment_id) == LocalState.READY
