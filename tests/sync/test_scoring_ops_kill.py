"""SIGKILL of a syncing client while it sends declines and backread verdicts, then another
sync. The hub answers each request late (it has recorded it before the client hears of
it), so a kill lands either before the hub recorded a request or after it and before the
client marked it sent. After the rerun the hub holds exactly one decline / one verdict per
item, under the key the client queued it with, and nothing is left queued on the client.

The sync runs in a child process (``sync_child.py``); each kill comes a random moment
after the child's first such request reached the hub (from a seeded generator, so a
failure can be replayed with its seed), and at least one kill per test must catch an item
recorded by the hub and not yet marked on the client.
"""

from __future__ import annotations

import random
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support.fault_proxy import FaultProxy
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, running_hub, wait_until
from sync_kit import ClientProfile, EngineMaker, child_config, finalize, open_profile
from test_engine_kill import Child

from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.decline import DeclineReason
from assessor_app.hub.db import utcnow
from assessor_app.hub.scoring.allocation import allocate
from assessor_app.hub.scoring.flow_models import BackreadVerdictRow
from assessor_app.hub.scoring.models import Decline, ScoringPlan
from assessor_app.protocol.scoring import BackreadCriterion, BackreadVerdict
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring_ops import decline, record_backread

ITEMS = 4
KILLS = 2


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        hub.admin.add_assessor("back", PASSWORD, "Bea Backreader", roles=["backreader"])
        yield hub


def _engine(hub: RunningHub, username: str, profile: ClientProfile) -> EngineMaker:
    return EngineMaker(hub, username, profile)


def _kill_while_sending(
    hub: RunningHub,
    username: str,
    profile: ClientProfile,
    method: str,
    path: str,
    seed: int,
    recorded_not_marked: Callable[[], bool],
) -> None:
    """Kill the child sync KILLS times, each a random moment after its first request of
    ``method`` ``path`` reached the proxy; at least one kill must leave an item recorded
    by the hub and still queued here (the moment a lost answer is made of)."""
    rng = random.Random(seed)
    caught = False
    with FaultProxy(hub.base_url) as proxy:
        # Every answer comes 0.4 s after the hub recorded the request.
        proxy.delay_response(0.4, times=None, method=method, path=path)
        config = child_config(hub, username, profile, proxy.url)
        for _ in range(KILLS):
            seen = len(proxy.requests(method, path))
            child = Child(config, profile.root)
            child.wait_ready()
            wait_until(
                lambda c=child, n=seen: (
                    len(proxy.requests(method, path)) > n or c.proc.poll() is not None
                ),
                30,
                "the child to send",
            )
            try:
                child.proc.wait(timeout=rng.uniform(0.05, 0.6))
            except subprocess.TimeoutExpired:
                assert child.kill() == -signal.SIGKILL
                caught = caught or recorded_not_marked()
            else:
                child.finish()
    assert caught, "no kill left an item recorded by the hub and unmarked here"


@pytest.mark.parametrize("seed", range(2))
def test_kill_while_declines_are_sent_then_rerun(
    seed: int, hub: RunningHub, tmp_path: Path
) -> None:
    profile = open_profile(tmp_path / "ann")
    engines = _engine(hub, "ann", profile)
    try:
        seeded = [hub.seed_submission("ann", {"notes.txt": b"notes %d" % i}) for i in range(ITEMS)]
        ids = [s.assignment_id for s in seeded]
        assert engines().run().new_assignments == ITEMS
        for assignment_id in ids:
            decline(profile.store, assignment_id, DeclineReason.CANNOT_SCORE, "It will not play.")
        keys = {d.assignment_id: d.idempotency_key for d in profile.store.declines.queued()}
        assert set(keys) == set(ids)

        def recorded_not_marked() -> bool:
            with hub.admin.db.read() as session:
                recorded = set(session.scalars(select(Decline.assignment_id)))
            return bool(recorded & {d.assignment_id for d in profile.store.declines.queued()})

        _kill_while_sending(hub, "ann", profile, "POST", "/decline", seed, recorded_not_marked)

        report = engines().run()
        assert report.ok, report.problems
        assert profile.store.declines.queued() == []
        assert queue_rows(profile.store) == []
        assert {profile.store.assignments.local_state(a) for a in ids} == {LocalState.REVOKED}
        with hub.admin.db.read() as session:
            rows = session.execute(select(Decline.assignment_id, Decline.idempotency_key)).all()
        assert sorted(rows) == sorted(keys.items())
        # Nothing is sent again.
        assert engines().run().declined == 0
    finally:
        engines.close()
        profile.store.close()


def _verdict() -> BackreadVerdict:
    return BackreadVerdict(
        criteria=[
            BackreadCriterion(
                criterion_id="c1-wait",
                agree=False,
                level_id="beginning",
                comment="Most pauses are under two seconds.",
            ),
            BackreadCriterion(criterion_id="c2-reflection", agree=True),
        ],
        comment="Look again at the first question.",
    )


@pytest.mark.parametrize("seed", range(2))
def test_kill_while_backread_verdicts_are_sent_then_rerun(
    seed: int, hub: RunningHub, tmp_path: Path
) -> None:
    ann, back = open_profile(tmp_path / "ann"), open_profile(tmp_path / "back")
    ann_engines, back_engines = _engine(hub, "ann", ann), _engine(hub, "back", back)
    try:
        seeded = [hub.seed_submission("ann", {"notes.txt": b"notes %d" % i}) for i in range(ITEMS)]
        assert ann_engines().run().new_assignments == ITEMS
        for s in seeded:
            finalize(ann, s.assignment_id)
        assert ann_engines().run().uploaded == ITEMS
        with hub.admin.db.write() as session:
            session.add(
                ScoringPlan(
                    credential_id=CREDENTIAL_ID,
                    updated_at=utcnow(),
                    second_read_share=0.0,
                    second_read_near_cut=0.0,
                    adjudicate_when="decision",
                    adjudicate_distance=1,
                    validity_rate=0.0,
                    validity_window=3,
                    backread_rate=1.0,
                    require_qualified=False,
                )
            )
        with hub.admin.db.write() as session:
            allocate(session, datetime.now(UTC))
        assert back_engines().run().new_assignments == ITEMS
        backreads = [r.assignment_id for r in queue_rows(back.store)]
        assert len(backreads) == ITEMS
        for assignment_id in backreads:
            record_backread(back.store, assignment_id, _verdict())
        keys = {v.assignment_id: v.idempotency_key for v in back.store.verdicts.queued()}
        assert set(keys) == set(backreads)

        def recorded_not_marked() -> bool:
            with hub.admin.db.read() as session:
                recorded = set(session.scalars(select(BackreadVerdictRow.assignment_id)))
            return bool(recorded & {v.assignment_id for v in back.store.verdicts.queued()})

        _kill_while_sending(hub, "back", back, "PUT", "/backread", seed, recorded_not_marked)

        report = back_engines().run()
        assert report.ok, report.problems
        assert report.conflicts == 0
        assert back.store.verdicts.queued() == []
        assert {back.store.assignments.local_state(a) for a in backreads} == {LocalState.UPLOADED}
        with hub.admin.db.read() as session:
            rows = session.execute(
                select(BackreadVerdictRow.assignment_id, BackreadVerdictRow.idempotency_key)
            ).all()
        assert sorted(rows) == sorted(keys.items())
        assert back_engines().run().uploaded == 0
    finally:
        ann_engines.close()
        back_engines.close()
        ann.store.close()
        back.store.close()
