"""Validity papers against a real hub (SQLite and PostgreSQL): seeded at the plan's rate
into an assessor's production queue, indistinguishable there from live work, compared
with the key on upload without reaching any educator, and a miss makes the assessor
*recalibration required* until they qualify again on a calibration set."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from support.hub import HubServer

from assessor_app.hub.calibration import admin as calibration_admin
from assessor_app.hub.db import AssignmentRow, User
from assessor_app.hub.scoring.affiliations import set_user_affiliations
from assessor_app.hub.scoring.allocation import set_capacity
from assessor_app.hub.scoring.flow_models import ValidityResult
from assessor_app.hub.scoring.models import FinalDecision, WorkItem
from assessor_app.hub.scoring.validity import needs_recalibration
from assessor_app.hub.workflow.hooks import save_workflow
from assessor_app.hub.workflow.models import CoachingFlag, DecisionReview, IssuedCredential
from tests.hub.conftest import World, make_submission_folder, sign_in
from tests.hub.scoring_flows_kit import (
    CREDENTIAL,
    KEY_NOT_YET,
    KEY_PASS,
    keyed_submission,
    run_flows,
    set_plan,
    upload,
)

PSEUDONYM = re.compile(r"^E-\d{4}$")


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, without the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


def _user_id(world: World, name: str) -> int:
    with world.admin.db.read() as session:
        user_id = session.scalar(select(User.id).where(User.username == name))
    assert user_id is not None
    return user_id


def _readers(world: World, submission_id: str) -> set[str]:
    with world.admin.db.read() as session:
        return set(
            session.scalars(
                select(User.username)
                .join(AssignmentRow, AssignmentRow.user_id == User.id)
                .where(AssignmentRow.submission_id == submission_id)
            )
        )


def _validity_assignment(world: World, name: str) -> str:
    with world.admin.db.read() as session:
        found = session.scalar(
            select(WorkItem.assignment_id).where(
                WorkItem.purpose == "validity", WorkItem.target_user_id == _user_id(world, name)
            )
        )
    assert found is not None
    return found


def test_a_validity_paper_looks_like_production_work_and_never_reaches_an_educator(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    due = datetime.now(UTC) + timedelta(days=5)
    live = admin.import_submission(
        make_submission_folder(tmp_path / "live", b"live work" * 500, id="sub-live-ann")
    )
    live_assignment = admin.assign(live, "ann", due_at=due)
    keyed = keyed_submission(admin, tmp_path, "sub-keyed-1", KEY_PASS)
    # Reviews and coaching after one Not Yet are on: a validity paper must trigger neither.
    with admin.db.write() as session:
        save_workflow(
            session, CREDENTIAL, datetime.now(UTC), review_required=True, coaching_after=1
        )
    set_plan(admin, validity_rate=0.5, validity_window=3)

    created = run_flows(admin)

    # ann holds two live reads: ceil(0.5 x 2) = 1 paper; bob holds one: ceil(0.5) = 1, but
    # there is one keyed submission per assessor to go round, and each gets it.
    assert sorted((i.purpose, i.submission_id) for i in created) == [
        ("validity", keyed),
        ("validity", keyed),
    ]
    paper = _validity_assignment(world, "ann")
    delta = ann.get("/api/v1/assignments").json()
    items = {item["id"]: item for item in delta["items"]}
    assert set(items) == {world.ann_assignment, live_assignment, paper}
    assert items[paper]["kind"] == items[live_assignment]["kind"] == "production"
    assert shape(items[paper]) == shape(items[live_assignment])
    assert set(items[paper]) == set(items[live_assignment])
    # Its due date repeats the lead time of the latest live assignment.
    paper_due = datetime.fromisoformat(items[paper]["due_at"])
    lead = paper_due - datetime.fromisoformat(items[paper]["assigned_at"])
    assert abs(lead - (due - datetime.fromisoformat(items[live_assignment]["assigned_at"]))) < (
        timedelta(seconds=5)
    )
    manifest = ann.get(f"/api/v1/submissions/{keyed}").json()
    live_manifest = ann.get(f"/api/v1/submissions/{live}").json()
    assert shape(manifest) == shape(live_manifest)
    assert PSEUDONYM.match(manifest["educator_pseudonym"])
    assert PSEUDONYM.match(live_manifest["educator_pseudonym"])
    # No key is served for it: it is not calibration work.
    assert ann.get(f"/api/v1/assignments/{paper}/key").status_code == 404

    # ann misses the key (beginning / beginning against proficient / proficient).
    response = upload(ann, paper, "beginning", "beginning")
    assert response.status_code == 200, response.text
    with admin.db.read() as session:
        row = session.get(AssignmentRow, paper)
        assert row is not None and row.status == "decided"
        assert session.get(DecisionReview, paper) is None
        assert session.scalar(select(func.count()).select_from(CoachingFlag)) == 0
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 0
        assert session.get(FinalDecision, keyed) is None
        result = session.get(ValidityResult, paper)
        assert result is not None
        assert (result.exact_share, result.adjacent_share, result.worst_distance) == (0.0, 0.5, 2)
        assert (result.same_decision, result.within_rule) == (False, False)
    # No feedback report: to the assessor it is a decision that is not final yet.
    report = ann.get(f"/api/v1/submissions/{keyed}/report.pdf")
    assert report.status_code == 409
    assert report.headers["content-type"].startswith("application/problem+json")


def test_a_missed_paper_requires_recalibration_until_the_assessor_qualifies_again(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    admin.add_assessor("fran", "correct horse battery", "Fran", roles=["assessor", "facilitator"])
    keyed = keyed_submission(admin, tmp_path, "sub-keyed-1", KEY_PASS)
    second_key = keyed_submission(admin, tmp_path, "sub-keyed-2", KEY_NOT_YET)
    set_plan(admin, validity_rate=1.0, validity_window=2)
    run_flows(admin)
    paper = _validity_assignment(world, "ann")
    with admin.db.read() as session:
        assert needs_recalibration(session, _user_id(world, "ann"), CREDENTIAL) is None
    assert "recalibration" not in ann.get("/api/v1/me").json()

    assert upload(ann, paper, "beginning", "proficient").status_code == 200

    me = ann.get("/api/v1/me").json()
    assert me["recalibration"] == [
        {
            "credential_id": CREDENTIAL,
            "credential_title": "Wait time after questions",
            "reason": "Over your last 1 paper checked against a key: exact agreement 50% is "
            "below 80%; exact-or-adjacent agreement 50% is below 90%; a criterion is 2 "
            "levels off the key; at most 1 allowed; a decision differs from the key's "
            "Pass / Not Yet. Qualify again on a calibration set of this credential to "
            "receive new work for it.",
        }
    ]
    with sign_in(hub.base_url, "bob") as bob:
        assert "recalibration" not in bob.get("/api/v1/me").json()
    # No further validity paper and no live read while recalibration is required: with
    # bob and fran full, a new submission's first read waits rather than go to ann.
    with admin.db.write() as session:
        for name in ("bob", "fran"):
            set_capacity(session, _user_id(world, name), 0)
    fresh = admin.import_submission(
        make_submission_folder(tmp_path / "fresh", b"fresh work" * 300, id="sub-fresh")
    )
    assert [i.purpose for i in run_flows(admin)] == []
    assert _readers(world, fresh) == set()
    with admin.db.read() as session:
        assert needs_recalibration(session, _user_id(world, "ann"), CREDENTIAL) is not None

    # A calibration set on the other keyed submission, scored as its key: qualified again.
    calibration_admin.create_session(
        admin,
        title="Recalibration",
        credential_id=CREDENTIAL,
        submission_ids=[second_key],
        participants=["ann"],
        facilitator="fran",
    )
    with admin.db.read() as session:
        calibration = session.scalar(
            select(AssignmentRow.id).where(
                AssignmentRow.kind == "calibration", AssignmentRow.submission_id == second_key
            )
        )
    assert calibration is not None
    # Still required while the set is not scored.
    assert "recalibration" in ann.get("/api/v1/me").json()
    assert upload(ann, calibration, "developing", "proficient").status_code == 200
    assert "recalibration" not in ann.get("/api/v1/me").json()
    with admin.db.read() as session:
        assert needs_recalibration(session, _user_id(world, "ann"), CREDENTIAL) is None
    # Live work reaches ann again.
    run_flows(admin)
    assert _readers(world, fresh) == {"ann"}
    assert keyed != second_key


def test_a_set_scored_below_the_rule_does_not_clear_recalibration(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    admin.add_assessor("fran", "correct horse battery", "Fran", roles=["assessor", "facilitator"])
    keyed_submission(admin, tmp_path, "sub-keyed-1", KEY_PASS)
    second_key = keyed_submission(admin, tmp_path, "sub-keyed-2", KEY_NOT_YET)
    set_plan(admin, validity_rate=1.0, validity_window=2)
    run_flows(admin)
    assert (
        upload(ann, _validity_assignment(world, "ann"), "beginning", "beginning").status_code == 200
    )
    calibration_admin.create_session(
        admin,
        title="Recalibration",
        credential_id=CREDENTIAL,
        submission_ids=[second_key],
        participants=["ann"],
        facilitator="fran",
    )
    with admin.db.read() as session:
        calibration = session.scalar(
            select(AssignmentRow.id).where(AssignmentRow.kind == "calibration")
        )
    assert calibration is not None
    assert upload(ann, calibration, "beginning", "beginning").status_code == 200
    assert "recalibration" in ann.get("/api/v1/me").json()


def test_agreement_over_the_whole_window_decides(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    """A window of two: one exact paper then one a level off on one criterion averages
    75% exact, below the 80% rule; after the exact paper alone the assessor is fine."""
    admin = world.admin
    for n in (1, 2):
        keyed_submission(admin, tmp_path, f"sub-keyed-{n}", KEY_PASS)
    for n in (1, 2):
        live = admin.import_submission(
            make_submission_folder(tmp_path / f"live{n}", b"live %d" % n * 300, id=f"sub-live-{n}")
        )
        admin.assign(live, "ann")
    set_plan(admin, validity_rate=0.5, validity_window=2)
    # ann: three live reads, ceil(1.5) = 2 papers.
    created = [i for i in run_flows(admin) if i.target_user_id == _user_id(world, "ann")]
    assert len(created) == 2
    with admin.db.read() as session:
        papers = list(
            session.scalars(
                select(WorkItem.assignment_id)
                .where(WorkItem.target_user_id == _user_id(world, "ann"))
                .order_by(WorkItem.id)
            )
        )
    assert upload(ann, str(papers[0]), "proficient", "proficient").status_code == 200
    assert "recalibration" not in ann.get("/api/v1/me").json()
    assert upload(ann, str(papers[1]), "developing", "proficient").status_code == 200
    reason = ann.get("/api/v1/me").json()["recalibration"][0]["reason"]
    assert reason.startswith("Over your last 2 papers checked against keys: exact agreement 75%")


def test_no_paper_is_seeded_across_a_conflict_of_interest(
    hub: HubServer, world: World, tmp_path: Path
) -> None:
    admin = world.admin
    conflicted = keyed_submission(
        admin, tmp_path, "sub-keyed-1", KEY_PASS, affiliations="[district-1]"
    )
    other = keyed_submission(admin, tmp_path, "sub-keyed-2", KEY_NOT_YET)
    with admin.db.write() as session:
        set_user_affiliations(session, _user_id(world, "ann"), ["district-1"])
    set_plan(admin, validity_rate=1.0)
    created = run_flows(admin)
    ann_id, bob_id = _user_id(world, "ann"), _user_id(world, "bob")
    assert sorted((i.target_user_id == ann_id, i.submission_id) for i in created) == [
        (False, conflicted),
        (True, other),
    ]
    assert {i.target_user_id for i in created} == {ann_id, bob_id}
    assert _readers(world, conflicted) == {"bob"}
    assert _readers(world, other) == {"ann"}
