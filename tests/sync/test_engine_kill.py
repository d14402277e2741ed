"""SIGKILL of a syncing client at random moments, during downloads and during uploads,
then another sync. After the rerun every assignment is ready with verified evidence, the
vault holds only verified files, and the hub holds exactly one decision per finalized
assignment under the outbox entry's key.

The client runs in a child process (``sync_child.py``) behind a throttling proxy so the
kill lands while work is in flight; the delay before each kill comes from a seeded random
generator, so a failure can be replayed with its seed. The normal suite kills at 24
points (6 + 6 seeds x 2 kills each); ``make stress`` runs many more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub, SeededSubmission
from sync_kit import (
    CHILD,
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_one_decision_each,
    assert_ready_with_evidence,
    assert_vault_verified,
    child_config,
    finalize,
)

from assessor_app.domain.assignment_state import OutboxState

pytest_plugins = ["sync_fixtures"]

KILLS_PER_SEED = 2


class Child:
    def __init__(self, config: dict[str, object], workdir: Path) -> None:
        path = workdir / "child-config.json"
        path.write_text(json.dumps(config))
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            _out, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"the sync child did not start: {line!r} {err[-2000:]}")

    def kill(self) -> int:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)
        return self.proc.returncode

    def finish(self) -> dict[str, object]:
        out, err = self.proc.communicate(timeout=120)
        assert self.proc.returncode == 0, err[-2000:]
        return json.loads(out.strip().splitlines()[-1])


def kill_at_random(
    config: dict[str, object], workdir: Path, rng: random.Random, window: float
) -> bool:
    """Start a child sync and SIGKILL it after a random delay; False if it finished
    first."""
    child = Child(config, workdir)
    child.wait_ready()
    try:
        child.proc.wait(timeout=rng.uniform(0.0, window))
    except subprocess.TimeoutExpired:
        assert child.kill() == -signal.SIGKILL
        return True
    child.finish()
    return False


def seed_downloads(hub: RunningHub, username: str, n: int) -> list[SeededSubmission]:
    return [
        hub.seed_submission(
            username,
            {
                "clip.bin": os.urandom(1_300_000 + 5000 * i),
                "plan.txt": f"plan {i}\n".encode() * 400,
                "work.bin": os.urandom(300_000),
            },
        )
        for i in range(n)
    ]


def run_download_kills(
    seed: int,
    kills: int,
    hub: RunningHub,
    username: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    workdir: Path,
) -> None:
    rng = random.Random(seed)
    seeded = seed_downloads(hub, username, 2)
    with FaultProxy(hub.base_url) as proxy:
        # About 2 s of downloading at this rate, so most kills land mid-transfer.
        proxy.throttle(700_000, path="/content")
        config = child_config(hub, username, profile, proxy.url, up=False, parallel=3)
        landed = 0
        for _ in range(kills):
            landed += kill_at_random(config, workdir, rng, 1.8)
            assert_vault_verified(profile.vault)
    assert landed >= 1, "no kill landed while the child was syncing"
    report = make_engine().run()
    assert report.ok, report.problems
    for s in seeded:
        assert_ready_with_evidence(profile, s.assignment_id)
    assert_downloads_consistent(profile)
    assert assert_vault_verified(profile.vault) == {a.sha256 for s in seeded for a in s.artifacts}


def run_upload_kills(
    seed: int,
    kills: int,
    hub: RunningHub,
    username: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    workdir: Path,
) -> None:
    rng = random.Random(seed)
    seeded = [hub.seed_submission(username, {f"{i}.txt": b"evidence"}) for i in range(6)]
    assert make_engine().run().ok
    ids = [s.assignment_id for s in seeded]
    for assignment_id in ids:
        finalize(profile, assignment_id)
    with FaultProxy(hub.base_url) as proxy:
        # Each decision is recorded by the hub well before the client hears of it, and six
        # of them take longer than the kill window, so the first kill always lands.
        proxy.delay_response(0.4, times=None, method="PUT")
        config = child_config(hub, username, profile, proxy.url, down=False)
        landed = sum(kill_at_random(config, workdir, rng, 1.2) for _ in range(kills))
    assert landed >= 1, "no kill landed while the child was syncing"
    report = make_engine().run()
    assert report.ok, report.problems
    assert report.conflicts == 0
    assert all(
        e.state == OutboxState.UPLOADED for a in ids for e in profile.store.outbox.entries(a)
    )
    assert_one_decision_each(hub, profile, ids)


@pytest.mark.parametrize("seed", range(6))
def test_kill_during_download_then_rerun(
    seed: int,
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    tmp_path: Path,
) -> None:
    run_download_kills(seed, KILLS_PER_SEED, shared_hub, assessor, profile, make_engine, tmp_path)


@pytest.mark.parametrize("seed", range(6))
def test_kill_during_upload_then_rerun(
    seed: int,
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    tmp_path: Path,
) -> None:
    run_upload_kills(seed, KILLS_PER_SEED, shared_hub, assessor, profile, make_engine, tmp_path)


@pytest.mark.stress
@pytest.mark.parametrize("seed", range(100, 130))
def test_stress_kills_during_download_and_upload(
    seed: int,
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    tmp_path: Path,
) -> None:
    run_download_kills(seed, 4, shared_hub, assessor, profile, make_engine, tmp_path)
    run_upload_kills(seed, 4, shared_hub, assessor, profile, make_engine, tmp_path)
