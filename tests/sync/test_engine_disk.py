"""A disk that really fills up during a download (not just a low free-space reading), and
the free-space margin on a small disk.

Mounting a tiny file system needs privileges a test cannot count on, so the sync runs in a
child process whose file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the vault's
write fail with EFBIG part-way through, exactly where ENOSPC would. The engine must stop
downloading with a clear message, publish nothing unverified, and leave states that the
next sync completes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from support.hub import RunningHub
from support.small_disk import small_disk  # noqa: F401
from sync_kit import (
    CHILD,
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
    child_config,
    open_profile,
)

from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import DownloadState

pytest_plugins = ["sync_fixtures"]


def test_a_write_failing_for_space_stops_downloads_and_loses_nothing(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    tmp_path: Path,
) -> None:
    seeded = shared_hub.seed_submission(
        assessor, {"big.bin": os.urandom(3_000_000), "notes.txt": b"notes"}
    )
    big = seeded.artifact("big.bin")
    config = child_config(
        shared_hub,
        assessor,
        profile,
        shared_hub.base_url,
        up=False,
        parallel=1,
        file_size_limit=1_500_000,
    )
    config_path = tmp_path / "child.json"
    config_path.write_text(json.dumps(config))
    done = subprocess.run(
        [sys.executable, str(CHILD), str(config_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    assert report["disk_full"] is True
    message = next(p for p in report["problems"] if "disk" in p)
    assert "“big.bin”" in message and "nothing was lost" in message
    assert not profile.vault.has(big.sha256)
    assert_vault_verified(profile.vault)
    assert_downloads_consistent(profile)
    row = next(r for r in profile.store.submissions.downloads(seeded.id) if r.artifact.id == big.id)
    assert row.state == DownloadState.NOT_DOWNLOADED
    assert profile.store.assignments.local_state(seeded.assignment_id) == (
        LocalState.NOT_DOWNLOADED
    )

    healed = make_engine().run()
    assert healed.ok, healed.problems
    assert_ready_with_evidence(profile, seeded.assignment_id)


def _on_small_disk(hub: RunningHub, assessor: str, disk: Path) -> tuple[ClientProfile, EngineMaker]:
    profile = open_profile(disk / "client")
    return profile, EngineMaker(hub, assessor, profile)


def test_the_margin_left_free_is_in_proportion_to_a_small_disk(
    shared_hub: RunningHub,
    assessor: str,
    small_disk: Path,  # noqa: F811
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(6 * 1024 * 1024)})
    profile, make = _on_small_disk(shared_hub, assessor, small_disk)
    try:
        # The default margin: a fixed 64 MB would refuse this download on an 8 MB disk.
        report = make(disk_margin=None).run()
        assert report.ok, report.problems
        assert_ready_with_evidence(profile, seeded.assignment_id)
    finally:
        make.close()
        profile.store.close()


def test_a_download_larger_than_the_free_space_says_how_much_is_needed(
    shared_hub: RunningHub,
    assessor: str,
    small_disk: Path,  # noqa: F811
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"long.bin": os.urandom(12 * 1024 * 1024)})
    profile, make = _on_small_disk(shared_hub, assessor, small_disk)
    try:
        report = make(disk_margin=None).run()
        assert report.disk_full
        [problem] = report.problems
        assert re.search(
            r"Not enough free disk space to download “long\.bin”: 12 MB needed, "
            r"[0-8] MB free\. Free some space and sync again",
            problem,
        ), problem
        assert list(profile.vault.digests()) == []
        assert profile.store.assignments.local_state(seeded.assignment_id) == (
            LocalState.NOT_DOWNLOADED
        )
        assert_downloads_consistent(profile)
    finally:
        make.close()
        profile.store.close()
