"""``GET /assignments``: the cursor rule (no loss, no repeat, even with writers between and
during calls), revocations, and ``GET /submissions/{id}``."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from support.hub import HubServer

from assessor_app.hub.admin import HubAdmin
from tests.hub.conftest import World, make_submission_folder


def _submissions(admin: HubAdmin, folder: Path, n: int) -> list[str]:
    return [admin.import_submission(folder) for _ in range(n)]


def _drain(
    client: httpx.Client, since: str | None, limit: int
) -> tuple[list[dict], list[str], str]:
    items: list[dict] = []
    revoked: list[str] = []
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if since is not None:
            params["since"] = since
        page = client.get("/api/v1/assignments", params=params).json()
        assert len(page["items"]) + len(page["revoked"]) <= limit
        items += page["items"]
        revoked += page["revoked"]
        since = page["cursor"]
        if not page["has_more"]:
            return items, revoked, since


def test_pages_lose_and_repeat_nothing_while_assignments_are_created_between_calls(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    subs = _submissions(admin, make_submission_folder(tmp_path / "f", b"x"), 30)
    created = [world.ann_assignment] + [admin.assign(s, "ann") for s in subs[:20]]
    seen: list[str] = []
    since: str | None = None
    extra = iter(subs[20:])
    while True:
        params: dict[str, str | int] = {"limit": 7}
        if since is not None:
            params["since"] = since
        page = ann.get("/api/v1/assignments", params=params).json()
        seen += [item["id"] for item in page["items"]]
        since = page["cursor"]
        # A new assignment lands between every two calls.
        nxt = next(extra, None)
        if nxt is not None:
            created.append(admin.assign(nxt, "ann"))
        if not page["has_more"] and nxt is None:
            break
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(created)
    assert all(world.bob_assignment != i for i in seen), (
        "another assessor's assignment leaked into the delta"
    )
    # Nothing new: an empty page keeps the cursor.
    again = ann.get("/api/v1/assignments", params={"since": since}).json()
    assert again == {"items": [], "revoked": [], "cursor": since, "has_more": False}


def test_concurrent_writers_never_make_a_reader_skip_a_change(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    subs = _submissions(admin, make_submission_folder(tmp_path / "f", b"y"), 40)
    created: list[str] = [world.ann_assignment]
    done = threading.Event()

    def writer(part: list[str]) -> None:
        for sub in part:
            created.append(admin.assign(sub, "ann"))

    threads = [threading.Thread(target=writer, args=(subs[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    seen: list[str] = []
    since: str | None = None
    while not done.is_set():
        if not any(t.is_alive() for t in threads):
            done.set()  # one more full drain after the writers finished
        items, _, since = _drain(ann, since, 5)
        seen += [i["id"] for i in items]
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(created)
    assert len(created) == 41


def test_revocations_and_decisions_appear_as_changes(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    admin = world.admin
    subs = _submissions(admin, make_submission_folder(tmp_path / "f", b"z"), 2)
    keep = admin.assign(subs[0], "ann", kind="calibration", due_at=None)
    drop = admin.assign(subs[1], "ann")
    items, revoked, cursor = _drain(ann, None, 100)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {world.ann_assignment, keep, drop}
    assert by_id[keep]["kind"] == "calibration"
    assert by_id[drop] == {
        "id": drop,
        "submission_id": subs[1],
        "kind": "production",
        "status": "assigned",
        "version": 1,
        "assigned_at": by_id[drop]["assigned_at"],
        "due_at": None,
    }
    assert revoked == []
    admin.revoke(drop)
    items, revoked, cursor = _drain(ann, cursor, 100)
    assert items == []
    assert revoked == [drop]
    # A revoked assignment's submission is no longer visible.
    assert ann.get(f"/api/v1/submissions/{subs[1]}").status_code == 404
    assert ann.get(f"/api/v1/submissions/{subs[0]}").status_code == 200


def test_bad_cursor_and_limits_are_refused_with_a_clear_message(ann: httpx.Client) -> None:
    bad = ann.get("/api/v1/assignments", params={"since": "yesterday"})
    assert bad.status_code == 422
    assert "cursor of an earlier reply" in bad.json()["detail"]
    assert ann.get("/api/v1/assignments", params={"limit": 0}).status_code == 422
    assert ann.get("/api/v1/assignments", params={"limit": 501}).status_code == 422


def test_submission_carries_credential_attempts_and_manifest(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    folder = make_submission_folder(tmp_path / "resub", b"again")
    meta = folder / "submission.yaml"
    meta.write_text(
        meta.read_text().replace("attempt: 1", "attempt: 2")
        + "change_note: Re-filmed with a timer.\n"
        + "previous_attempts:\n"
        + "  - attempt: 1\n    decision: not_yet\n    feedback: Wait longer.\n"
        + "    criteria: {c1-wait: beginning}\n"
    )
    sub = world.admin.import_submission(folder)
    world.admin.assign(sub, "ann")
    body = ann.get(f"/api/v1/submissions/{sub}").json()
    assert body["attempt"] == 2
    assert body["change_note"] == "Re-filmed with a timer."
    assert body["previous_attempts"] == [
        {
            "attempt": 1,
            "decision": "not_yet",
            "feedback": "Wait longer.",
            "criteria": [{"criterion_id": "c1-wait", "level_id": "beginning", "rationale": ""}],
        }
    ]
    assert body["credential"]["id"] == "test-wait-time"
    assert [c["id"] for c in body["credential"]["rubric"]["criteria"]] == [
        "c1-wait",
        "c2-reflection",
    ]
    clip, reflection = body["artifacts"]
    assert clip["filename"] == "clip.mp4"
    assert clip["media_type"] == "video/mp4"
    assert clip["title"] == "Lesson clip"
    assert clip["size"] == 5
    assert reflection["media_type"] == "text/plain"
