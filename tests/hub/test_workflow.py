"""The hub's review workflow through the HTTP API, on SQLite and PostgreSQL:
``return_incomplete``, second-level review (approve; return -> updated assignment in the
delta -> re-upload), resubmission as attempt 2 with the earlier attempt, and coaching flags."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from support.hub import HubServer

from assessor_app.hub.admin import EXPORT_COLUMNS, HubAdmin
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import User
from assessor_app.hub.workflow.models import IssuedCredential
from tests.hub.conftest import (
    PASSWORD,
    World,
    artifact_ids,
    make_submission_folder,
    sign_in,
)

CLIP_REASON = "The classroom clip is missing: upload the 5 to 10 minute lesson segment."


def sheet(clip: str, decision: str = "pass", **changes: Any) -> dict[str, Any]:
    """A score sheet for the test credential: Pass levels, or developing/beginning for
    Not Yet."""
    passing = decision == "pass"
    body: dict[str, Any] = {
        "decision": decision,
        "criteria": [
            {
                "criterion_id": "c1-wait",
                "level_id": "proficient" if passing else "developing",
                "rationale": "Waited after open questions in the first half only.",
                "citations": [
                    {"kind": "time", "artifact_id": clip, "start_ms": 12_000, "end_ms": 40_000}
                ],
            },
            {"criterion_id": "c2-reflection", "level_id": "proficient" if passing else "beginning"},
        ],
        "feedback": "Strong use of wait time."
        if passing
        else "Wait after every open question, and link the pauses to the answers you got.",
        "private_note": "Internal: borderline on c1.",
        "scored_at": "2025-03-01T10:00:00Z",
    }
    body.update(changes)
    return body


def upload(
    client: httpx.Client, assignment: str, body: dict[str, Any], key: str, version: int
) -> httpx.Response:
    return client.put(
        f"/api/v1/assignments/{assignment}/decision",
        json=body,
        headers={"Idempotency-Key": key, "If-Match": f'"{version}"'},
    )


def delta(client: httpx.Client, since: str | None = None) -> dict[str, Any]:
    params = {"since": since} if since else {}
    response = client.get("/api/v1/assignments", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def item(client: httpx.Client, assignment: str, since: str | None = None) -> dict[str, Any]:
    return next(i for i in delta(client, since)["items"] if i["id"] == assignment)


def run_cli(settings: HubSettings, capsys: pytest.CaptureFixture[str], *args: str) -> tuple:
    command, *rest = args
    status = main(["--data-dir", str(settings.data_dir), command, "--db", settings.db_url, *rest])
    out = capsys.readouterr()
    return status, out.out, out.err


def export(admin: HubAdmin, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "decisions.csv"
    admin.export_decisions_csv(path)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
        return list(reader)


def issued(admin: HubAdmin) -> int:
    with admin.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def new_artifacts(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "clip-v2.mp4").write_bytes(b"\x00\x01second attempt clip" * 500)
    (folder / "reflection-v2.txt").write_text("This time I waited after every question.\n")
    (folder / "submission.yaml").write_text(
        "artifacts:\n"
        "  - {file: clip-v2.mp4, title: Lesson clip (second lesson)}\n"
        "  - {file: reflection-v2.txt, title: Reflection}\n"
    )
    return folder


def test_return_incomplete_is_recorded_as_returned_without_a_badge(
    ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    body = {
        "decision": "return_incomplete",
        "criteria": [],
        "feedback": CLIP_REASON,
        "scored_at": "2025-03-01T10:00:00Z",
    }
    response = upload(ann, world.ann_assignment, body, "ret-1", 1)
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "return_incomplete"
    mine = item(ann, world.ann_assignment)
    assert (mine["status"], mine["version"]) == ("returned", 2)
    assert "review_comment" not in mine
    assert issued(world.admin) == 0
    assert ann.get("/api/v1/credentials").json() == {"items": []}
    # Decided is decided: a returned assignment cannot be revoked or decided again.
    again = upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "ret-2", 2)
    assert again.status_code == 409
    [row] = export(world.admin, tmp_path)
    assert row["decision"] == "return_incomplete"
    assert row["workflow_status"] == "returned"
    assert row["feedback"] == CLIP_REASON
    assert (row["criteria"], row["badge_id"], row["coaching_flag"]) == ("", "", "")
    assert row["not_yet_attempts"] == "0"


def test_review_approval_makes_a_pass_final_and_issues_its_credential(
    hub: HubServer, ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    admin = world.admin
    admin.set_workflow("test-wait-time", review_required=True)
    admin.add_assessor("rita", PASSWORD, "Rita Reviewer", roles=["reviewer"])
    response = upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k-1", 1)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    cursor = delta(ann)["cursor"]
    assert item(ann, world.ann_assignment)["status"] == "pending_review"
    assert issued(admin) == 0  # not final yet: no badge

    assert ann.get("/api/v1/reviews").status_code == 403
    assert ann.post(f"/api/v1/reviews/{world.ann_assignment}/approve").status_code == 403
    with sign_in(hub.base_url, "rita") as rita:
        [pending] = rita.get("/api/v1/reviews").json()["items"]
        assert pending["assignment_id"] == world.ann_assignment
        assert (pending["assessor"], pending["decision"], pending["attempt"]) == ("ann", "pass", 1)
        assert [c["level_id"] for c in pending["criteria"]] == ["proficient", "proficient"]
        assert pending["feedback"] == "Strong use of wait time."
        assert "private_note" not in pending

        approved = rita.post(
            f"/api/v1/reviews/{world.ann_assignment}/approve", json={"comment": "Well cited."}
        )
        assert approved.status_code == 200, approved.text
        outcome = approved.json()
        assert (outcome["state"], outcome["assignment_status"]) == ("approved", "decided")
        assert outcome["assignment_version"] == 3
        assert outcome["credential_id"]
        twice = rita.post(f"/api/v1/reviews/{world.ann_assignment}/approve")
        assert twice.status_code == 409
        assert rita.get("/api/v1/reviews").json() == {"items": []}

    changed = delta(ann, cursor)["items"]
    assert [(i["id"], i["status"], i["version"]) for i in changed] == [
        (world.ann_assignment, "decided", 3)
    ]
    assert issued(admin) == 1
    [mine] = ann.get("/api/v1/credentials").json()["items"]
    assert mine["id"] == outcome["credential_id"]
    [row] = export(admin, tmp_path)
    assert (row["workflow_status"], row["review_state"], row["reviewer"]) == (
        "decided",
        "approved",
        "rita",
    )
    assert (row["review_comment"], row["badge_id"]) == ("Well cited.", outcome["credential_id"])


def test_a_returned_decision_reaches_the_assessor_and_can_be_uploaded_again(
    hub: HubServer, ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    admin = world.admin
    admin.set_workflow("test-wait-time", review_required=True)
    admin.add_assessor("rita", PASSWORD, "Rita Reviewer", roles=["assessor", "reviewer"])
    clip = world.ann_artifacts[0]
    first_body = sheet(clip, "not_yet")
    first = upload(ann, world.ann_assignment, first_body, "k-1", 1)
    assert first.status_code == 200, first.text
    cursor = delta(ann)["cursor"]
    comment = "Cite the moment in the clip where the wait time falls short."
    with sign_in(hub.base_url, "rita") as rita:
        url = f"/api/v1/reviews/{world.ann_assignment}/return"
        empty = rita.post(url, json={"comment": "  "})
        assert empty.status_code == 422
        assert "comment is empty" in empty.json()["detail"]
        returned = rita.post(url, json={"comment": comment})
        assert returned.status_code == 200, returned.text
        assert returned.json()["assignment_status"] == "returned_for_revision"
        assert rita.post(url, json={"comment": comment}).status_code == 409

    [update_item] = delta(ann, cursor)["items"]
    assert update_item["id"] == world.ann_assignment
    assert (update_item["status"], update_item["version"]) == ("returned_for_revision", 3)
    assert update_item["review_comment"] == comment
    assert export(admin, tmp_path) == []  # the returned decision is no longer the decision

    # A retry of the first upload (lost response) replays its receipt, records nothing.
    replay = upload(ann, world.ann_assignment, first_body, "k-1", 1)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    stale = upload(ann, world.ann_assignment, first_body, "k-2", 2)
    assert stale.status_code == 412
    assert stale.json()["assignment"]["review_comment"] == comment

    revised = sheet(clip, "not_yet")
    revised["criteria"][0]["rationale"] = "At 00:12-00:40 the pause after the question is 1 s."
    again = upload(ann, world.ann_assignment, revised, "k-2", 3)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 4
    now = item(ann, world.ann_assignment)
    assert (now["status"], now["version"]) == ("pending_review", 4)
    assert "review_comment" not in now

    # Rita is also an assessor, but reviews only others' decisions.
    with sign_in(hub.base_url, "rita") as rita:
        [pending] = rita.get("/api/v1/reviews").json()["items"]
        assert pending["criteria"][0]["rationale"].startswith("At 00:12-00:40")
        assert rita.post(f"/api/v1/reviews/{world.ann_assignment}/approve").status_code == 200
    [row] = export(admin, tmp_path)
    assert (row["decision"], row["workflow_status"], row["review_state"]) == (
        "not_yet",
        "decided",
        "approved",
    )
    assert row["not_yet_attempts"] == "1"


def test_resubmission_goes_to_the_same_assessor_with_the_earlier_attempt(
    ann: httpx.Client,
    world: World,
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = new_artifacts(tmp_path / "attempt-2")
    status, _, err = run_cli(
        settings, capsys, "resubmit", world.ann_submission, str(folder), "--note", "New lesson."
    )
    assert status == 1
    assert "has no final decision yet" in err

    not_yet = sheet(world.ann_artifacts[0], "not_yet")
    assert upload(ann, world.ann_assignment, not_yet, "k-1", 1).status_code == 200
    cursor = delta(ann)["cursor"]
    status, out, err = run_cli(
        settings,
        capsys,
        "resubmit",
        world.ann_submission,
        str(folder),
        "--note",
        "Filmed a new lesson with longer pauses.",
    )
    assert status == 0, err
    assert "attempt 2" in out
    assert "routed to ann" in out
    [new_item] = delta(ann, cursor)["items"]
    assert (new_item["status"], new_item["version"], new_item["kind"]) == (
        "assigned",
        1,
        "production",
    )
    submission = ann.get(f"/api/v1/submissions/{new_item['submission_id']}").json()
    assert submission["attempt"] == 2
    assert submission["educator_pseudonym"] == "E-0001"
    assert submission["change_note"] == "Filmed a new lesson with longer pauses."
    assert [a["title"] for a in submission["artifacts"]] == [
        "Lesson clip (second lesson)",
        "Reflection",
    ]
    [earlier] = submission["previous_attempts"]
    assert (earlier["attempt"], earlier["decision"]) == (1, "not_yet")
    assert earlier["feedback"] == not_yet["feedback"]
    assert [(c["criterion_id"], c["level_id"]) for c in earlier["criteria"]] == [
        ("c1-wait", "developing"),
        ("c2-reflection", "beginning"),
    ]
    assert earlier["criteria"][0]["rationale"] == not_yet["criteria"][0]["rationale"]
    clip = submission["artifacts"][0]
    content = ann.get(f"/api/v1/artifacts/{clip['id']}/content")
    assert content.content == (folder / "clip-v2.mp4").read_bytes()

    status, _, err = run_cli(
        settings, capsys, "resubmit", world.ann_submission, str(folder), "--note", "x"
    )
    assert status == 1
    assert "a later attempt exists" in err

    # Attempt 2 is Not Yet again; ann has meanwhile lost the assessor role.
    attempt2 = new_item["id"]
    body = sheet(clip["id"], "not_yet")
    assert upload(ann, attempt2, body, "k-2", 1).status_code == 200
    with world.admin.db.write() as session:
        session.execute(update(User).where(User.username == "ann").values(roles=["reviewer"]))
    status, out, err = run_cli(
        settings,
        capsys,
        "resubmit",
        new_item["submission_id"],
        str(folder),
        "--note",
        "Third try.",
    )
    assert status == 0, err
    assert "ann, who decided attempt 2, is no longer an active assessor" in out
    assert "unassigned" in out
    assert delta(ann, delta(ann)["cursor"])["items"] == []


def test_a_pass_cannot_be_resubmitted(ann: httpx.Client, world: World, tmp_path: Path) -> None:
    assert upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k", 1).is_success
    with pytest.raises(ValueError, match="was decided Pass"):
        world.admin.resubmit(world.ann_submission, new_artifacts(tmp_path / "again"), "note")


def test_coaching_flag_after_the_configured_number_of_not_yet_attempts(
    hub: HubServer,
    ann: httpx.Client,
    world: World,
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = world.admin
    admin.add_assessor("ada", PASSWORD, "Ada Admin", roles=["admin"])
    status, out, _ = run_cli(settings, capsys, "set-workflow", "test-wait-time")
    assert (status, out) == (
        0,
        "test-wait-time: review off, coaching after 2 Not Yet attempts, assessor name "
        "hidden on reports.\n",
    )
    status, out, _ = run_cli(
        settings, capsys, "set-workflow", "test-wait-time", "--coaching-after", "3"
    )
    assert "coaching after 3 Not Yet attempts" in out
    status, _, err = run_cli(settings, capsys, "set-workflow", "nope", "--coaching-after", "1")
    assert status == 1
    assert "'nope' is not imported" in err

    assignment, clip = world.ann_assignment, world.ann_artifacts[0]
    submission = world.ann_submission
    for attempt in (1, 2, 3):
        body = sheet(clip, "not_yet")
        assert upload(ann, assignment, body, f"k-{attempt}", 1).status_code == 200
        flagged = [f.educator_pseudonym for f in admin.coaching_flags()]
        assert flagged == (["E-0001"] if attempt == 3 else [])
        if attempt < 3:
            made = admin.resubmit(submission, new_artifacts(tmp_path / f"a{attempt}"), "again")
            assert made.assignment_id is not None
            submission, assignment = made.submission_id, made.assignment_id
            clip = ann.get(f"/api/v1/submissions/{submission}").json()["artifacts"][0]["id"]

    with sign_in(hub.base_url, "ada") as ada:
        [flag] = ada.get("/api/v1/coaching").json()["items"]
    assert flag["credential_id"] == "test-wait-time"
    assert (flag["educator_pseudonym"], flag["not_yet_attempts"], flag["threshold"]) == (
        "E-0001",
        3,
        3,
    )
    assert flag["flagged"] is True
    assert flag["last_submission_id"] == submission
    assert ann.get("/api/v1/coaching").status_code == 403
    # Another educator's one Not Yet is counted but not flagged.
    folder = make_submission_folder(tmp_path / "other", b"clip")
    meta = folder / "submission.yaml"
    meta.write_text(meta.read_text().replace("E-0001", "E-0002"))
    other = admin.import_submission(folder)
    other_assignment = admin.assign(other, "bob")
    with sign_in(hub.base_url, "bob") as bob:
        body = sheet(artifact_ids(admin, other)[0], "not_yet")
        assert upload(bob, other_assignment, body, "b-1", 1).status_code == 200
    assert [
        (f.educator_pseudonym, f.flagged) for f in admin.coaching_flags(flagged_only=False)
    ] == [
        ("E-0001", True),
        ("E-0002", False),
    ]
    status, out, _ = run_cli(settings, capsys, "coaching")
    assert out.splitlines() == [
        "FLAGGED  test-wait-time  E-0001  3 Not Yet (threshold 3)",
        "1 flagged for coaching.",
    ]
    rows = export(admin, tmp_path)
    assert [(r["attempt"], r["not_yet_attempts"], r["coaching_flag"]) for r in rows] == [
        ("1", "3", "yes"),
        ("2", "3", "yes"),
        ("3", "3", "yes"),
        ("1", "1", ""),
    ]


def test_calibration_work_skips_the_workflow(hub: HubServer, world: World) -> None:
    admin = world.admin
    admin.set_workflow("test-wait-time", review_required=True)
    practice = admin.assign(world.ann_submission, "bob", kind="calibration")
    with sign_in(hub.base_url, "bob") as bob:
        body = sheet(world.ann_artifacts[0])
        assert upload(bob, practice, body, "cal-1", 1).status_code == 200
        assert item(bob, practice)["status"] == "decided"
        assert bob.get("/api/v1/credentials").json() == {"items": []}
    assert admin.pending_reviews() == []
    assert issued(admin) == 0
