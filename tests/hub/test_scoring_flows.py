"""Second reads, adjudication and declines through the real hub over HTTP: blind second
reads, agreement settles, disagreement goes to an adjudicator who sees both reads without
names and must justify a level both reads missed, the final decision issues the badge
once, nothing reaches the educator before it, conflicts are never assigned, and a declined
assignment returns to the pool."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.hub import HubServer, wait_until
from support.serve import serving

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow, SubmissionRow, User, utcnow
from assessor_app.hub.scoring.affiliations import set_user_affiliations
from assessor_app.hub.scoring.allocation import allocate
from assessor_app.hub.scoring.models import (
    ADJUDICATION,
    BACKREAD,
    SECOND,
    Decline,
    FinalDecision,
    WorkItem,
)
from assessor_app.hub.scoring.plan import save_plan
from assessor_app.hub.scoring.work import add_work
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.v1 import DecisionUpload
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    PASSWORD,
    artifact_ids,
    make_submission_folder,
    sign_in,
)
from tests.hub.test_workflow import sheet

CRED = "test-wait-time"


def put(client: httpx.Client, assignment: str, body: dict[str, Any]) -> httpx.Response:
    return client.put(
        f"/api/v1/assignments/{assignment}/decision",
        json=body,
        headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": '"1"'},
    )


def run_allocation(admin: HubAdmin) -> dict[str, tuple[str, str]]:
    """Allocate; what was given, by assignment id: (user, purpose)."""
    with admin.db.write() as session:
        run = allocate(session, utcnow())
    return {a.assignment_id: (a.username, a.purpose) for a in run.allocated}


def only(given: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    assert len(given) == 1, given
    ((assignment, (user, purpose)),) = given.items()
    return assignment, user, purpose


def final_of(admin: HubAdmin, submission: str) -> tuple[str, str, str] | None:
    with admin.db.read() as session:
        row = session.get(FinalDecision, submission)
        return (row.decision, row.source, row.assignment_id) if row else None


def badges(admin: HubAdmin, submission: str) -> list[str]:
    with admin.db.read() as session:
        return list(
            session.scalars(
                select(IssuedCredential.assignment_id).where(
                    IssuedCredential.submission_id == submission
                )
            )
        )


def work(admin: HubAdmin, submission: str, purpose: str) -> list[WorkItem]:
    with admin.db.read() as session:
        return list(
            session.scalars(
                select(WorkItem).where(
                    WorkItem.submission_id == submission, WorkItem.purpose == purpose
                )
            )
        )


@pytest.fixture
def scoring(admin: HubAdmin, tmp_path: Path) -> Callable[..., str]:
    """Accounts ann and bob (assessors) and adj (adjudicator); returns a function that
    imports a submission."""
    admin.import_credential(CREDENTIAL_FILE)
    admin.add_assessor("ann", PASSWORD, "Ann Example")
    admin.add_assessor("bob", PASSWORD, "Bob Example")
    admin.add_assessor("adj", PASSWORD, "Ada Judge", ["adjudicator"])

    def submission(name: str, **extra: str) -> str:
        folder = make_submission_folder(tmp_path / name, name.encode() * 100, id=name, **extra)
        return admin.import_submission(folder)

    return submission


def plan(admin: HubAdmin, **changes: Any) -> None:
    with admin.db.write() as session:
        save_plan(session, CRED, utcnow(), **changes)


def clients(hub: HubServer) -> dict[str, httpx.Client]:
    return {name: sign_in(hub.base_url, name) for name in ("ann", "bob", "adj")}


def test_disagreeing_reads_go_to_an_adjudicator_whose_decision_is_final(
    admin: HubAdmin, scoring: Callable[..., str], hub: HubServer
) -> None:
    plan(admin, second_read_share=1.0)
    sub = scoring("sub-pair")
    clip = artifact_ids(admin, sub)[0]
    people = clients(hub)
    first, first_reader, purpose = only(run_allocation(admin))
    assert purpose == "first"
    assert put(people[first_reader], first, sheet(clip, "pass")).status_code == 200
    # Not final: nothing reaches the educator, and a blind second read waits.
    assert final_of(admin, sub) is None and badges(admin, sub) == []
    report = people[first_reader].get(f"/api/v1/submissions/{sub}/report.pdf")
    assert report.status_code == 409 and "not final yet" in report.json()["detail"]
    assert [i.assignment_id for i in work(admin, sub, SECOND)] == [None]
    second, second_reader, purpose = only(run_allocation(admin))
    assert (purpose, {first_reader, second_reader}) == (SECOND, {"ann", "bob"})
    # The second read looks like any production work.
    listed = people[second_reader].get("/api/v1/assignments").json()["items"]
    assert [(i["id"], i["kind"]) for i in listed] == [(second, "production")]
    assert people[second_reader].get(f"/api/v1/assignments/{second}/reads").status_code == 404
    assert put(people[second_reader], second, sheet(clip, "not_yet")).status_code == 200
    assert final_of(admin, sub) is None and badges(admin, sub) == []
    adjudication, adjudicator, purpose = only(run_allocation(admin))
    assert (adjudicator, purpose) == ("adj", ADJUDICATION)
    adj = people["adj"]
    (listed_adj,) = adj.get("/api/v1/assignments").json()["items"]
    assert (listed_adj["id"], listed_adj["kind"]) == (adjudication, "adjudication")
    reads = adj.get(f"/api/v1/assignments/{adjudication}/reads")
    assert reads.status_code == 200
    body = reads.json()
    assert [r["label"] for r in body["reads"]] == ["Read A", "Read B"]
    assert [r["decision"] for r in body["reads"]] == ["pass", "not_yet"]
    assert [c["level_id"] for c in body["reads"][1]["criteria"]] == ["developing", "beginning"]
    assert body["reads"][0]["criteria"][0]["citations"][0]["artifact_id"] == clip
    for secret in ("ann", "Ann", "bob", "Bob", "Internal", "private_note", "user"):
        assert secret not in reads.text
    # A level neither read gave needs a rationale of its own.
    lower = sheet(clip, "not_yet")
    lower["criteria"][0].update(level_id="beginning", rationale="")
    refused = put(adj, adjudication, lower)
    assert refused.status_code == 422
    assert {
        (e["field"], e["code"]) for e in refused.json()["errors"] if e["code"].startswith("adj")
    } == {("criteria[0].rationale", "adjudication_rationale_required")}
    assert final_of(admin, sub) is None
    # Read A's levels need none; the adjudicator decides Pass.
    assert put(adj, adjudication, sheet(clip, "pass")).status_code == 200
    assert final_of(admin, sub) == ("pass", "adjudicated", adjudication)
    assert badges(admin, sub) == [adjudication]
    assert adj.get(f"/api/v1/submissions/{sub}/report.pdf").status_code == 200
    # Nothing more to give out.
    assert run_allocation(admin) == {}
    for client in people.values():
        client.close()


def test_agreeing_reads_settle_and_a_single_read_is_final(
    admin: HubAdmin, scoring: Callable[..., str], hub: HubServer
) -> None:
    plan(admin, second_read_share=1.0)
    sub = scoring("sub-agree")
    clip = artifact_ids(admin, sub)[0]
    people = clients(hub)
    first, reader, _ = only(run_allocation(admin))
    assert put(people[reader], first, sheet(clip, "pass")).status_code == 200
    second, other, _ = only(run_allocation(admin))
    assert other != reader
    agreeing = sheet(clip, "pass", feedback="Every open question got a pause.")
    assert put(people[other], second, agreeing).status_code == 200
    assert final_of(admin, sub) == ("pass", "agreed", second)
    assert badges(admin, sub) == [second]
    assert work(admin, sub, ADJUDICATION) == []
    # The first reader's own sheet is not what reaches the educator.
    assert people[reader].get(f"/api/v1/submissions/{sub}/report.pdf").status_code == 404
    assert people[other].get(f"/api/v1/submissions/{sub}/report.pdf").status_code == 200
    # Without second reads, a read is final at once.
    plan(admin, second_read_share=0.0)
    single = scoring("sub-single")
    clip = artifact_ids(admin, single)[0]
    assignment, reader, _ = only(run_allocation(admin))
    assert put(people[reader], assignment, sheet(clip, "not_yet")).status_code == 200
    assert final_of(admin, single) == ("not_yet", "single", assignment)
    assert work(admin, single, SECOND) == []
    for client in people.values():
        client.close()


def test_conflicts_are_never_assigned_in_any_flow(
    admin: HubAdmin, scoring: Callable[..., str], hub: HubServer
) -> None:
    plan(admin, second_read_share=1.0)
    with admin.db.write() as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
        set_user_affiliations(session, ids["ann"], ["district-1"])
        set_user_affiliations(session, ids["adj"], ["district-1"])
    sub = scoring("sub-district", affiliations="[district-1]")
    clip = artifact_ids(admin, sub)[0]
    people = clients(hub)
    first, reader, _ = only(run_allocation(admin))
    assert reader == "bob"
    assert put(people["bob"], first, sheet(clip, "pass")).status_code == 200
    # The second read has no eligible reader: ann shares the district, bob read it.
    assert run_allocation(admin) == {}
    with admin.db.write() as session:
        set_user_affiliations(session, ids["ann"], [])
    second, reader, _ = only(run_allocation(admin))
    assert reader == "ann"
    assert put(people["ann"], second, sheet(clip, "not_yet")).status_code == 200
    # The adjudication waits: the only adjudicator shares the district.
    assert run_allocation(admin) == {}
    assert [i.assignment_id for i in work(admin, sub, ADJUDICATION)] == [None]
    # A backread of bob's sheet waits too: the only backreader shares the district.
    admin.add_assessor("bk", PASSWORD, "Back Reader", ["backreader"])
    with admin.db.write() as session:
        set_user_affiliations(
            session, session.scalar(select(User.id).where(User.username == "bk")), ["district-1"]
        )
        add_work(session, sub, BACKREAD, utcnow(), subject_assignment_id=first)
    assert run_allocation(admin) == {}
    with admin.db.read() as session:
        kinds = set(
            session.scalars(select(AssignmentRow.kind).where(AssignmentRow.user_id == ids["adj"]))
        )
    assert kinds == set()
    for client in people.values():
        client.close()


def test_a_declined_assignment_goes_back_to_the_pool_never_to_its_decliner(
    admin: HubAdmin, scoring: Callable[..., str], hub: HubServer, settings: HubSettings
) -> None:
    sub = scoring("sub-decline")
    people = clients(hub)
    assignment, reader, _ = only(run_allocation(admin))
    client = people[reader]
    cursor = client.get("/api/v1/assignments").json()["cursor"]
    url = f"/api/v1/assignments/{assignment}/decline"
    body = {"reason": "conflict_of_interest", "comment": "My sister teaches there."}
    assert client.post(url, json=body).status_code == 400  # no Idempotency-Key
    assert (
        client.post(url, json={"reason": "busy"}, headers={"Idempotency-Key": "k1"}).status_code
        == 422
    )
    other = people["bob" if reader == "ann" else "ann"]
    assert other.post(url, json=body, headers={"Idempotency-Key": "k1"}).status_code == 404
    assert client.post(url, json=body, headers={"Idempotency-Key": "k1"}).status_code == 204
    assert client.post(url, json=body, headers={"Idempotency-Key": "k1"}).status_code == 204
    changes = client.get("/api/v1/assignments", params={"since": cursor}).json()
    assert (changes["items"], changes["revoked"]) == ([], [assignment])
    with admin.db.read() as session:
        declines = [
            (d.assignment_id, d.reason, d.comment) for d in session.scalars(select(Decline))
        ]
    assert declines == [(assignment, "conflict_of_interest", "My sister teaches there.")]
    again, new_reader, purpose = only(run_allocation(admin))
    assert (new_reader, purpose) == ("bob" if reader == "ann" else "ann", "first")
    # The second reader declines too: the first never gets it back, nobody else is left.
    assert (
        other.post(
            f"/api/v1/assignments/{again}/decline",
            json={"reason": "cannot_score"},
            headers={"Idempotency-Key": "k2"},
        ).status_code
        == 204
    )
    assert run_allocation(admin) == {}
    assert [i.assignment_id for i in work(admin, sub, "first")][-1] is None
    # A decided assignment cannot be declined.
    done = scoring("sub-done")
    decided, who, _ = only(run_allocation(admin))
    assert put(people[who], decided, sheet(artifact_ids(admin, done)[0])).status_code == 200
    refused = people[who].post(
        f"/api/v1/assignments/{decided}/decline",
        json={"reason": "cannot_score"},
        headers={"Idempotency-Key": "k3"},
    )
    assert refused.status_code == 409 and "decided" in refused.json()["detail"]
    # A key already used for another decline is refused, as for uploads.
    scoring("sub-key")
    fresh, holder, _ = only(run_allocation(admin))
    used = "k1" if holder == reader else "k2"
    reused = people[holder].post(
        f"/api/v1/assignments/{fresh}/decline",
        json={"reason": "cannot_score"},
        headers={"Idempotency-Key": used},
    )
    assert reused.status_code == 422 and "Idempotency-Key reused" in reused.text
    for c in people.values():
        c.close()


def test_reads_near_the_pass_line_get_a_second_read(
    admin: HubAdmin, scoring: Callable[..., str], tmp_path: Path
) -> None:
    points = tmp_path / "points.yaml"
    points.write_text(
        CREDENTIAL_FILE.read_text()
        .replace(f"id: {CRED}", "id: test-points")
        .replace("rubric:\n", "rubric:\n  decision_rule: {kind: min_points, min_total: 4}\n")
    )
    admin.import_credential(points)
    with admin.db.write() as session:
        save_plan(session, "test-points", utcnow(), second_read_near_cut=1.0)

    def read(name: str, c1: str, c2: str, decision: str) -> str:
        sub = scoring(name)
        with admin.db.write() as session:
            # Imported for the wait-time credential; this test needs the points rule.
            session.execute(
                SubmissionRow.__table__.update()
                .where(SubmissionRow.id == sub)
                .values(credential_id="test-points")
            )
        assignment = admin.assign(sub, "ann")
        body = sheet(artifact_ids(admin, sub)[0], decision)
        body["criteria"][0]["level_id"], body["criteria"][1]["level_id"] = c1, c2
        admin.record_decision(assignment, DecisionUpload.model_validate(body), f"k-{name}")
        return sub

    # 3 + 1 = 4 points: on the line. 1 + 1 = 2 points: two away from it.
    near = read("sub-near", "proficient", "beginning", "pass")
    far = read("sub-far", "beginning", "beginning", "not_yet")
    assert [i.assignment_id for i in work(admin, near, SECOND)] == [None]
    assert final_of(admin, near) is None and badges(admin, near) == []
    assert work(admin, far, SECOND) == []
    assert final_of(admin, far) is not None and final_of(admin, far)[:2] == ("not_yet", "single")


def test_the_review_stage_comes_after_the_final_decision(
    admin: HubAdmin, scoring: Callable[..., str], hub: HubServer
) -> None:
    plan(admin, second_read_share=1.0)
    admin.set_workflow(CRED, review_required=True)
    admin.add_assessor("rev", PASSWORD, "Rev", ["reviewer"])
    sub = scoring("sub-review")
    clip = artifact_ids(admin, sub)[0]
    people = clients(hub)
    first, reader, _ = only(run_allocation(admin))
    assert put(people[reader], first, sheet(clip)).status_code == 200
    # A read waiting for its second is no decision to review yet.
    assert people[reader].get("/api/v1/assignments").json()["items"][0]["status"] == "decided"
    assert admin.pending_reviews() == []
    second, other, _ = only(run_allocation(admin))
    assert put(people[other], second, sheet(clip)).status_code == 200
    assert [r.assignment_id for r in admin.pending_reviews()] == [second]
    assert final_of(admin, sub) == ("pass", "agreed", second) and badges(admin, sub) == []
    # Returned: not final any more; agreed again on the revised upload, then approved.
    admin.review(second, "rev", approve=False, comment="Cite the second pause too.")
    assert final_of(admin, sub) is None
    revised = people[other].put(
        f"/api/v1/assignments/{second}/decision",
        json=sheet(clip, feedback="Both pauses cited."),
        headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": '"3"'},
    )
    assert revised.status_code == 200, revised.text
    assert final_of(admin, sub) == ("pass", "agreed", second)
    admin.review(second, "rev", approve=True)
    assert badges(admin, sub) == [second]
    for client in people.values():
        client.close()


def test_serve_allocates_open_work_periodically(
    admin: HubAdmin, scoring: Callable[..., str], settings: HubSettings
) -> None:
    sub = scoring("sub-served")
    with serving(settings, "--allocate-every", "0.2") as served:
        wait_until(lambda: bool(_readers(admin, sub)), 30, "serve to allocate")
    assert len(_readers(admin, sub)) == 1
    assert "Allocating open work every 0.2 s" in served.stdout


def _readers(admin: HubAdmin, submission: str) -> list[str]:
    with admin.db.read() as session:
        return list(
            session.scalars(
                select(User.username)
                .join(AssignmentRow, AssignmentRow.user_id == User.id)
                .where(AssignmentRow.submission_id == submission)
            )
        )


def test_an_adjudicator_may_return_a_submission_as_incomplete(
    admin: HubAdmin, scoring: Callable[..., str]
) -> None:
    plan(admin, second_read_share=1.0)
    sub = scoring("sub-incomplete")
    clip = artifact_ids(admin, sub)[0]
    for decision in ("pass", "not_yet"):
        assignment, _, _ = only(run_allocation(admin))
        upload = DecisionUpload.model_validate(sheet(clip, decision))
        admin.record_decision(assignment, upload, f"k-{decision}")
    adjudication, _, purpose = only(run_allocation(admin))
    assert purpose == ADJUDICATION
    returned = DecisionUpload.model_validate(
        {
            "decision": "return_incomplete",
            "criteria": [],
            "feedback": "The clip stops after two minutes: upload the whole lesson segment.",
            "scored_at": "2025-03-01T10:00:00Z",
        }
    )
    admin.record_decision(adjudication, returned, "k-adj")
    assert final_of(admin, sub) == ("return_incomplete", "adjudicated", adjudication)
    assert badges(admin, sub) == []
