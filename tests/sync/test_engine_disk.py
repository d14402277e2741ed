"""A disk that really fills up during a download (not just a low free-space reading).

Mounting a tiny file system needs privileges a test cannot count on, so the sync runs in a
child process whose file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the vault's
write fail with EFBIG part-way through, exactly where ENOSPC would. The engine must stop
downloading with a clear message, publish nothing unverified, and leave states that the
next sync completes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.hub import RunningHub
from sync_kit import (
    CHILD,
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
    child_config,
)

from assessor_app.store import DownloadState, LocalState

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
