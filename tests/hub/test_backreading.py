"""Backreading against a real hub (SQLite and PostgreSQL): a sampled share of decided
sheets becomes backread work, the backreader sees the decided read without its reader,
records agree or disagree per criterion (idempotent, checked against the rubric), may send
a decision still under review back, and the assessor reads the disagreements without
learning who backread."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.hub import HubServer

from assessor_app.hub.scoring.models import WorkItem
from assessor_app.hub.scoring.plan import sampled
from assessor_app.hub.workflow.hooks import save_workflow
from tests.hub.conftest import PASSWORD, World, make_submission_folder, sign_in
from tests.hub.scoring_flows_kit import CREDENTIAL, run_flows, set_plan, upload

DISAGREE = {
    "criteria": [
        {
            "criterion_id": "c1-wait",
            "agree": False,
            "level_id": "developing",
            "comment": "The clip shows one pause of two seconds, not three.",
        },
        {"criterion_id": "c2-reflection", "agree": True},
    ],
    "comment": "Look again at the first question.",
}


def put_verdict(
    client: httpx.Client,
    assignment_id: str,
    body: dict[str, Any],
    key: str = "v-1",
    version: int = 1,
) -> httpx.Response:
    return client.put(
        f"/api/v1/assignments/{assignment_id}/backread",
        json=body,
        headers={"Idempotency-Key": key, "If-Match": f'"{version}"'},
    )


def _backread_of(world: World, sheet: str) -> str:
    with world.admin.db.read() as session:
        found = session.scalar(
            select(WorkItem.assignment_id).where(
                WorkItem.purpose == "backread", WorkItem.subject_assignment_id == sheet
            )
        )
    assert found is not None
    return found


@pytest.fixture
def back(hub: HubServer, world: World) -> httpx.Client:
    world.admin.add_assessor("back", PASSWORD, "Bea Backreader", roles=["backreader"])
    return sign_in(hub.base_url, "back")


def test_a_backreader_disagrees_and_the_assessor_reads_it_unnamed(
    hub: HubServer, world: World, ann: httpx.Client, back: httpx.Client
) -> None:
    admin = world.admin
    set_plan(admin, backread_rate=1.0)
    assert run_flows(admin) == []  # nothing decided yet, nothing to backread
    assert upload(ann, world.ann_assignment, "proficient", "proficient").status_code == 200
    created = run_flows(admin)
    assert [(i.purpose, i.subject_assignment_id) for i in created] == [
        ("backread", world.ann_assignment)
    ]
    assert run_flows(admin) == []  # sampled once
    backread = _backread_of(world, world.ann_assignment)
    item = back.get("/api/v1/assignments").json()["items"][0]
    assert (item["id"], item["kind"], item["submission_id"]) == (
        backread,
        "backread",
        world.ann_submission,
    )

    answer = back.get(f"/api/v1/assignments/{backread}/reads")
    assert answer.status_code == 200, answer.text
    read = answer.json()["reads"]
    assert ann.get(f"/api/v1/assignments/{backread}/reads").status_code == 404
    assert [(r["label"], r["decision"]) for r in read] == [("Decided read", "pass")]
    assert [(c["criterion_id"], c["level_id"]) for c in read[0]["criteria"]] == [
        ("c1-wait", "proficient"),
        ("c2-reflection", "proficient"),
    ]
    assert "ann" not in answer.text.lower()

    # Refusals first: headers, the rubric, someone else's assignment.
    no_key = back.put(f"/api/v1/assignments/{backread}/backread", json=DISAGREE)
    assert no_key.status_code == 400, no_key.text
    no_match = back.put(
        f"/api/v1/assignments/{backread}/backread", json=DISAGREE, headers={"Idempotency-Key": "k"}
    )
    assert no_match.status_code == 428
    no_level = {"criteria": [{"criterion_id": "c1-wait", "agree": False}, DISAGREE["criteria"][1]]}
    refused = put_verdict(back, backread, no_level, key="bad-1")
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("criteria[0].level_id", "level_required")
    ]
    missing = put_verdict(back, backread, {"criteria": [DISAGREE["criteria"][1]]}, key="bad-2")
    assert missing.status_code == 422
    assert "Wait after the question" in missing.json()["errors"][0]["message"]
    unknown = {
        "criteria": [
            {"criterion_id": "c1-wait", "agree": False, "level_id": "superb"},
            DISAGREE["criteria"][1],
        ]
    }
    assert put_verdict(back, backread, unknown, key="bad-3").json()["errors"][0]["code"] == (
        "unknown_level"
    )
    assert put_verdict(ann, backread, DISAGREE).status_code == 404
    assert put_verdict(back, backread, DISAGREE, version=7).status_code == 412

    recorded = put_verdict(back, backread, DISAGREE)
    assert recorded.status_code == 200, recorded.text
    receipt = recorded.json()
    assert (receipt["assignment_id"], receipt["version"], receipt["sent_back"]) == (
        backread,
        2,
        False,
    )
    assert recorded.headers["ETag"] == '"2"'
    again = put_verdict(back, backread, DISAGREE)
    assert (again.status_code, again.json()) == (200, receipt)
    other_body = {**DISAGREE, "comment": "Changed my mind."}
    assert put_verdict(back, backread, other_body).status_code == 422
    assert put_verdict(back, backread, other_body, key="v-2", version=2).status_code == 409
    status = {i["id"]: i["status"] for i in back.get("/api/v1/assignments").json()["items"]}
    assert status[backread] == "decided"

    findings = ann.get("/api/v1/backreading").json()["findings"]
    assert [{k: f[k] for k in f if k != "recorded_at"} for f in findings] == [
        {
            "assignment_id": world.ann_assignment,
            "credential_title": "Wait time after questions",
            "educator_pseudonym": "E-0001",
            "criterion_id": "c1-wait",
            "criterion_title": "Wait after the question",
            "own_level_id": "proficient",
            "backreader_level_id": "developing",
            "comment": "The clip shows one pause of two seconds, not three.",
        }
    ]
    text = ann.get("/api/v1/backreading").text
    assert "back" not in text.replace("backread", "") and "Bea" not in text
    with sign_in(hub.base_url, "bob") as bob:
        assert bob.get("/api/v1/backreading").json() == {"findings": []}


def test_send_back_returns_a_decision_under_review_and_refuses_a_final_one(
    hub: HubServer, world: World, ann: httpx.Client, back: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    set_plan(admin, backread_rate=1.0)
    # ann's first sheet is final (no review); then reviews are switched on for the next.
    assert upload(ann, world.ann_assignment, "proficient", "proficient").status_code == 200
    with admin.db.write() as session:
        save_workflow(session, CREDENTIAL, datetime.now(UTC), review_required=True)
    second = admin.import_submission(
        make_submission_folder(tmp_path / "second", b"second" * 300, id="sub-second")
    )
    pending = admin.assign(second, "ann")
    assert upload(ann, pending, "proficient", "proficient").status_code == 200
    run_flows(admin)
    send_back = {**DISAGREE, "send_back": True}

    final = put_verdict(back, _backread_of(world, world.ann_assignment), send_back, key="f-1")
    assert final.status_code == 409
    assert "without sending it back" in final.json()["detail"]
    no_comment = put_verdict(
        back, _backread_of(world, pending), {**send_back, "comment": " "}, key="f-2"
    )
    assert no_comment.json()["errors"][0]["code"] == "comment_required"

    returned = put_verdict(back, _backread_of(world, pending), send_back, key="f-3")
    assert returned.status_code == 200, returned.text
    assert returned.json()["sent_back"] is True
    mine = {i["id"]: i for i in ann.get("/api/v1/assignments").json()["items"]}
    assert mine[pending]["status"] == "returned_for_revision"
    assert mine[pending]["review_comment"] == "Look again at the first question."
    # The finding keeps the level the returned sheet had.
    findings = ann.get("/api/v1/backreading").json()["findings"]
    assert [(f["assignment_id"], f["own_level_id"]) for f in findings] == [(pending, "proficient")]
    # ann uploads the revision as usual.
    assert upload(ann, pending, "developing", "proficient", version=3).status_code == 200


def test_the_backread_rate_draws_decided_sheets_once(
    hub: HubServer, world: World, ann: httpx.Client, back: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    sheets = [world.ann_assignment]
    for n in range(5):
        sub = admin.import_submission(
            make_submission_folder(tmp_path / f"s{n}", b"sheet %d" % n * 300, id=f"sub-s{n}")
        )
        sheets.append(admin.assign(sub, "ann"))
    for sheet in sheets:
        assert upload(ann, sheet, "proficient", "beginning").status_code == 200
    set_plan(admin, backread_rate=0.5)
    created = run_flows(admin)
    drawn = {s for s in sheets if sampled(s, "backread", 0.5)}
    assert {i.subject_assignment_id for i in created} == drawn
    assert run_flows(admin) == []
    # At the full rate the rest follow, each once; the undecided bob sheet never.
    set_plan(admin, backread_rate=1.0)
    assert {i.subject_assignment_id for i in run_flows(admin)} == set(sheets) - drawn
    assert run_flows(admin) == []
