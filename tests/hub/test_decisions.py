"""``PUT /assignments/{id}/decision``: recording, idempotent replay, 400/428/412/410/409,
re-validation against the rubric (422), and cross-assessor 404 on every endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from support.hub import HubServer

from assessor_app.hub.db import DecisionRow, User, hold_change_counter
from assessor_app.hub.decisions import record_decision
from assessor_app.protocol.v1 import (
    IDEMPOTENCY_KEY_WORDS,
    DecisionUpload,
    is_idempotency_key,
    version_tag,
)
from assessor_app.sync.client import HubClient
from tests.hub.conftest import World, sign_in

PROBLEM = "application/problem+json"


def passing(clip: str) -> dict[str, Any]:
    return {
        "decision": "pass",
        "criteria": [
            {
                "criterion_id": "c1-wait",
                "level_id": "proficient",
                "rationale": "Waited four seconds after each open question.",
                "citations": [{"kind": "time", "artifact_id": clip, "start_ms": 0, "end_ms": 9000}],
            },
            {"criterion_id": "c2-reflection", "level_id": "proficient"},
        ],
        "feedback": "Strong use of wait time.",
        "scored_at": "2025-03-01T10:00:00Z",
    }


def put(
    client: httpx.Client,
    assignment: str,
    body: Any,
    key: str | None = "k-1",
    match: str | None = '"1"',
) -> httpx.Response:
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = key
    if match is not None:
        headers["If-Match"] = match
    return client.put(f"/api/v1/assignments/{assignment}/decision", json=body, headers=headers)


def decisions(world: World) -> int:
    with world.admin.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def test_decision_is_recorded_and_replayed_without_a_second_one(
    ann: httpx.Client, world: World
) -> None:
    body = passing(world.ann_artifacts[0])
    first = put(ann, world.ann_assignment, body)
    assert first.status_code == 200, first.text
    receipt = first.json()
    assert receipt["assignment_id"] == world.ann_assignment
    assert receipt["decision"] == "pass"
    assert receipt["version"] == 2
    assert first.headers["ETag"] == '"2"'
    # The retry after a lost response: same key, same body (keys reordered), stale If-Match.
    replay = ann.put(
        f"/api/v1/assignments/{world.ann_assignment}/decision",
        json=dict(reversed(list(body.items()))),
        headers={"Idempotency-Key": "k-1", "If-Match": '"1"'},
    )
    assert replay.status_code == 200
    assert replay.json() == receipt
    assert decisions(world) == 1
    items = ann.get("/api/v1/assignments").json()["items"]
    mine = next(i for i in items if i["id"] == world.ann_assignment)
    assert (mine["status"], mine["version"]) == ("decided", 2)


def test_a_retry_is_answered_while_another_write_holds_the_change_counter(
    ann: httpx.Client, world: World
) -> None:
    body = passing(world.ann_artifacts[0])
    receipt = put(ann, world.ann_assignment, body).json()
    with world.admin.db.write() as session:
        # What every upload's write takes first: a retry must not queue behind it (before,
        # it waited for the writer to finish and the client gave up).
        hold_change_counter(session)
        replay = ann.put(
            f"/api/v1/assignments/{world.ann_assignment}/decision",
            json=body,
            headers={"Idempotency-Key": "k-1", "If-Match": '"1"'},
            timeout=10,
        )
        reused = put(ann, world.ann_assignment, {**body, "feedback": "Other."}, key="k-1")
    assert (replay.status_code, replay.json()) == (200, receipt)
    assert replay.headers["ETag"] == '"2"'
    assert reused.status_code == 422
    assert "Idempotency-Key was already used" in reused.json()["detail"]
    assert decisions(world) == 1


def test_the_sheet_is_checked_before_the_change_counter_is_taken(world: World) -> None:
    """Uploads are recorded one at a time behind the change counter: what never changes
    (the submission, its artifacts, the rubric) is read before it, so uploads hold it for
    less. The state that can change is read after it."""
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()))

    upload = DecisionUpload.model_validate(passing(world.ann_artifacts[0]))
    with world.admin.db.read() as session:
        ann = session.scalars(select(User.id).where(User.username == "ann")).one()
    event.listen(world.admin.db.engine, "before_cursor_execute", note)
    try:
        with world.admin.db.write() as session:
            record_decision(session, world.ann_assignment, ann, upload, "k-order", None)
    finally:
        event.remove(world.admin.db.engine, "before_cursor_execute", note)
    taken = next(i for i, s in enumerate(statements) if s.startswith("UPDATE hub_counters"))
    before, after = statements[:taken], statements[taken:]
    for table in ("credentials", "artifacts"):
        assert any(f"FROM {table}" in s for s in before), (table, before)
    assert any(s.startswith("SELECT") and "FROM decisions" in s for s in after)
    assert any(s.startswith("UPDATE assignments") for s in after)
    assert decisions(world) == 1


def test_same_key_with_a_different_body_is_refused(ann: httpx.Client, world: World) -> None:
    body = passing(world.ann_artifacts[0])
    assert put(ann, world.ann_assignment, body).status_code == 200
    changed = {**body, "feedback": "Something else."}
    response = put(ann, world.ann_assignment, changed)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "Idempotency-Key was already used" in response.json()["detail"]
    assert decisions(world) == 1


def test_missing_key_gets_400_and_missing_if_match_428(ann: httpx.Client, world: World) -> None:
    body = passing(world.ann_artifacts[0])
    no_key = put(ann, world.ann_assignment, body, key=None)
    assert no_key.status_code == 400  # the Idempotency-Key draft, not 428
    assert no_key.headers["content-type"] == PROBLEM
    assert "Send an Idempotency-Key of 1 to 200" in no_key.json()["detail"]
    no_match = put(ann, world.ann_assignment, body, match=None)
    assert no_match.status_code == 428
    assert "Send If-Match" in no_match.json()["detail"]
    neither = put(ann, world.ann_assignment, body, key=None, match=None)
    assert neither.status_code == 400
    assert "Idempotency-Key" in neither.json()["detail"]
    garbled = put(ann, world.ann_assignment, body, match="version one")
    assert garbled.status_code == 400
    too_long = put(ann, world.ann_assignment, body, key="k" * 201)
    assert too_long.status_code == 400
    assert decisions(world) == 0


def test_stale_version_gets_412_with_the_current_state(ann: httpx.Client, world: World) -> None:
    response = put(ann, world.ann_assignment, passing(world.ann_artifacts[0]), match='"7"')
    assert response.status_code == 412
    problem = response.json()
    assert problem["assignment"]["id"] == world.ann_assignment
    assert problem["assignment"]["version"] == 1
    assert problem["assignment"]["status"] == "assigned"
    assert decisions(world) == 0


def test_revoked_assignment_gets_410(ann: httpx.Client, world: World) -> None:
    world.admin.revoke(world.ann_assignment)
    response = put(ann, world.ann_assignment, passing(world.ann_artifacts[0]), match='"2"')
    assert response.status_code == 410
    assert response.json()["assignment"]["status"] == "revoked"
    assert decisions(world) == 0


def test_decided_under_another_key_gets_409_with_the_decision(
    ann: httpx.Client, world: World
) -> None:
    body = passing(world.ann_artifacts[0])
    first = put(ann, world.ann_assignment, body, key="device-a").json()
    other = put(ann, world.ann_assignment, body, key="device-b", match='"2"')
    assert other.status_code == 409
    assert other.json()["decision"] == first
    assert decisions(world) == 1


def test_sheet_is_revalidated_against_the_rubric(ann: httpx.Client, world: World) -> None:
    clip = world.ann_artifacts[0]
    body = passing(clip)
    body["criteria"][0]["rationale"] = " "
    body["criteria"][1]["level_id"] = "legendary"
    response = put(ann, world.ann_assignment, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("criteria[0]", "rationale_required"),
        ("criteria[1]", "unknown_level"),
    }
    assert "legendary" in response.json()["detail"]

    not_yet = {**passing(clip), "decision": "not_yet", "feedback": ""}
    not_yet["criteria"][0]["level_id"] = "developing"
    response = put(ann, world.ann_assignment, not_yet)
    assert [e["field"] for e in response.json()["errors"]] == ["feedback"]

    overridden = {**passing(clip), "decision": "not_yet"}
    response = put(ann, world.ann_assignment, overridden)
    assert [e["code"] for e in response.json()["errors"]] == ["override_reason_required"]

    foreign = passing(world.bob_artifacts[0])
    response = put(ann, world.ann_assignment, foreign)
    assert response.json()["errors"][0]["field"] == "criteria[0].citations[0].artifact_id"

    backwards = passing(clip)
    backwards["criteria"][0]["citations"][0].update(start_ms=9000, end_ms=10)
    response = put(ann, world.ann_assignment, backwards)
    assert response.json()["errors"][0]["code"] == "invalid_citation"
    assert decisions(world) == 0


def test_every_kind_of_citation_is_recorded_and_impossible_ones_refused(
    ann: httpx.Client, world: World
) -> None:
    artifact = world.ann_artifacts[0]
    body = passing(artifact)
    body["criteria"][0]["citations"] += [
        {"kind": "quote", "artifact_id": artifact, "text": "Wait five seconds.", "page": 2},
        {
            "kind": "region",
            "artifact_id": artifact,
            "rect": {"x": 10, "y": 20, "width": 300, "height": 120},
        },
        {"kind": "cell", "artifact_id": artifact, "row": "S01", "column": "Q3", "value": "2"},
    ]
    flat = {**body, "criteria": [dict(c) for c in body["criteria"]]}
    flat["criteria"][0]["citations"] = [
        {
            "kind": "region",
            "artifact_id": artifact,
            "rect": {"x": 0, "y": 0, "width": 0, "height": 5},
        }
    ]
    response = put(ann, world.ann_assignment, flat)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_citation"
    long_row = {**body, "criteria": [dict(c) for c in body["criteria"]]}
    long_row["criteria"][0]["citations"] = [
        {"kind": "cell", "artifact_id": artifact, "row": "S" * 201, "column": "Q3"}
    ]
    response = put(ann, world.ann_assignment, long_row)
    assert response.status_code == 422
    assert "criteria[0].citations[0].cell.row" in [e["field"] for e in response.json()["errors"]]
    assert decisions(world) == 0

    recorded = put(ann, world.ann_assignment, body)
    assert recorded.status_code == 200, recorded.text
    with world.admin.db.read() as session:
        row = session.scalars(select(DecisionRow)).one()
        upload = DecisionUpload.model_validate(row.body)
    kinds = [c.kind for c in upload.criteria[0].citations]
    assert kinds == ["time", "quote", "region", "cell"]
    assert upload.criteria[0].citations[1].model_dump()["page"] == 2


def test_malformed_bodies_get_422_naming_the_fields(ann: httpx.Client, world: World) -> None:
    headers = {"Idempotency-Key": "k", "If-Match": '"1"', "content-type": "application/json"}
    url = f"/api/v1/assignments/{world.ann_assignment}/decision"
    broken = ann.put(url, content=b'{"decision": "pass",', headers=headers)
    assert broken.status_code == 422
    assert broken.headers["content-type"] == PROBLEM
    assert "not valid JSON" in broken.json()["detail"]
    wrong = ann.put(
        url,
        json={
            "decision": "maybe",
            "criteria": [{"criterion_id": "c1-wait", "citations": [{"kind": "time"}]}],
            "scored_at": "yesterday",
        },
        headers=headers,
    )
    assert wrong.status_code == 422
    fields = [e["field"] for e in wrong.json()["errors"]]
    assert "decision" in fields
    assert "scored_at" in fields
    assert "criteria[0].citations[0].time.artifact_id" in fields
    assert (
        "decision: Input should be 'pass', 'not_yet' or 'return_incomplete'"
        in (wrong.json()["detail"])
    )
    not_object = ann.put(url, json=[1, 2], headers=headers)
    assert not_object.status_code == 422
    assert decisions(world) == 0


def test_another_assessors_things_are_404_exactly_like_missing_ones(
    hub: HubServer, world: World, ann: httpx.Client
) -> None:
    body = passing(world.ann_artifacts[0])

    def same_404(theirs: httpx.Response, missing: httpx.Response) -> None:
        assert theirs.status_code == missing.status_code == 404
        assert theirs.headers["content-type"] == PROBLEM
        a, b = theirs.json(), missing.json()
        a.pop("instance"), b.pop("instance")
        assert a == b

    same_404(
        ann.get(f"/api/v1/submissions/{world.bob_submission}"),
        ann.get("/api/v1/submissions/sub-nope"),
    )
    same_404(
        ann.get(f"/api/v1/artifacts/{world.bob_artifacts[0]}/content"),
        ann.get("/api/v1/artifacts/art-nope/content"),
    )
    head_theirs = ann.head(f"/api/v1/artifacts/{world.bob_artifacts[0]}/content")
    assert head_theirs.status_code == 404
    same_404(
        put(ann, world.bob_assignment, body, key="x1"),
        put(ann, "asg-nope", body, key="x2"),
    )
    ids = [i["id"] for i in ann.get("/api/v1/assignments").json()["items"]]
    assert ids == [world.ann_assignment]
    # And bob still sees and can decide his own.
    with sign_in(hub.base_url, "bob") as bob:
        assert bob.get(f"/api/v1/submissions/{world.bob_submission}").status_code == 200
        assert put(bob, world.bob_assignment, passing(world.bob_artifacts[0])).status_code == 200


# Keys that can travel in an HTTP header, and that neither side may take.
BAD_KEYS = ["", "k" * 201, "two words", "clé-1", "tab\tkey"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_the_client_and_the_hub_refuse_the_same_idempotency_keys(
    ann: httpx.Client, world: World, hub: HubServer, key: str
) -> None:
    body = passing(world.ann_artifacts[0])
    response = ann.put(
        f"/api/v1/assignments/{world.ann_assignment}/decision",
        json=body,
        headers={"Idempotency-Key": key.encode("latin-1"), "If-Match": version_tag(1)},
    )
    assert response.status_code == 400, response.text
    assert IDEMPOTENCY_KEY_WORDS in response.json()["detail"]
    client = HubClient(hub.base_url, "no-token-needed")
    try:
        with pytest.raises(ValueError, match=IDEMPOTENCY_KEY_WORDS):
            client.put_decision(world.ann_assignment, DecisionUpload.model_validate(body), key, 1)
    finally:
        client.close()
    assert decisions(world) == 0


def test_keys_the_client_makes_are_taken_by_the_hub(ann: httpx.Client, world: World) -> None:
    # The outbox makes one UUID per upload; the longest key the rule allows also passes.
    for key in (str(uuid.uuid4()), "k" * 200):
        assert is_idempotency_key(key)
    key = str(uuid.uuid4())
    response = put(ann, world.ann_assignment, passing(world.ann_artifacts[0]), key=key)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == version_tag(2)
    assert not is_idempotency_key(key + "\n")  # the whole value, not a prefix
