"""Calibration over HTTP against a real hub (SQLite and PostgreSQL): the blind rule, the
session flow from creation to consensus, keys, qualification and who may do what."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.hub import HubServer

from assessor_app.domain.agreement import MINIMUM_ITEMS
from assessor_app.hub.calibration import admin as calibration_admin
from assessor_app.hub.calibration.agreement import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from assessor_app.protocol.calibration import (
    AssignmentKey,
    QualificationRules,
    SessionDetail,
    SessionResults,
)
from tests.hub.conftest import PASSWORD, World, make_submission_folder, sign_in

PROBLEM = "application/problem+json"
LEVELS_C1 = ("beginning", "developing", "proficient")
LEVELS_C2 = ("beginning", "proficient")
KEY_PASS = (
    "{decision: pass, criteria: {c1-wait: {level: proficient, rationale: Waits five seconds.},"
    " c2-reflection: {level: proficient, rationale: Links answers to waiting.}}}"
)
KEY_NOT_YET = (
    "{decision: not_yet, criteria: {c1-wait: {level: developing, rationale: Waits sometimes.},"
    " c2-reflection: {level: proficient, rationale: Names what changed.}}}"
)


@dataclass
class Calibration:
    world: World
    keyed: str
    keyed2: str
    plain: str
    login: Callable[[str], httpx.Client]


@pytest.fixture
def cal(hub: HubServer, world: World, tmp_path: Path) -> Iterator[Calibration]:
    """fran facilitates; ann, bob, cat, dan score; eve takes part in nothing. Two keyed
    submissions and one without a key, none assigned yet."""
    admin = world.admin
    admin.add_assessor("fran", PASSWORD, "Fran Facilitator", roles=["assessor", "facilitator"])
    for name in ("cat", "dan", "eve"):
        admin.add_assessor(name, PASSWORD, f"{name.title()} Example")
    keyed = admin.import_submission(
        make_submission_folder(
            tmp_path / "k1", b"keyed one" * 50, id="sub-key-1", calibration_key=KEY_PASS
        )
    )
    keyed2 = admin.import_submission(
        make_submission_folder(
            tmp_path / "k2", b"keyed two" * 50, id="sub-key-2", calibration_key=KEY_NOT_YET
        )
    )
    plain = admin.import_submission(
        make_submission_folder(tmp_path / "p1", b"plain" * 50, id="sub-plain-1")
    )
    clients: dict[str, httpx.Client] = {}

    def login(name: str) -> httpx.Client:
        if name not in clients:
            clients[name] = sign_in(hub.base_url, name)
        return clients[name]

    yield Calibration(world, keyed, keyed2, plain, login)
    for client in clients.values():
        client.close()


def upload(client: httpx.Client, assignment_id: str, c1: str, c2: str) -> httpx.Response:
    """An ordinary decision upload; Pass exactly when the rubric says so."""
    passes = c1 == "proficient" and c2 == "proficient"
    body = {
        "decision": "pass" if passes else "not_yet",
        "criteria": [
            {"criterion_id": "c1-wait", "level_id": c1, "rationale": "Seen at 02:10."},
            {"criterion_id": "c2-reflection", "level_id": c2, "rationale": ""},
        ],
        "feedback": "" if passes else "Wait longer after open questions.",
        "scored_at": "2025-03-01T10:00:00Z",
    }
    return client.put(
        f"/api/v1/assignments/{assignment_id}/decision",
        json=body,
        headers={"Idempotency-Key": f"key-{assignment_id}", "If-Match": '"1"'},
    )


def create(client: httpx.Client, submissions: list[str], participants: list[str]) -> httpx.Response:
    return client.post(
        "/api/v1/calibration/sessions",
        json={
            "title": "Spring calibration",
            "credential_id": "test-wait-time",
            "submission_ids": submissions,
            "participants": participants,
        },
    )


def own_assignments(client: httpx.Client, session_id: str) -> dict[str, str]:
    detail = SessionDetail.model_validate(
        client.get(f"/api/v1/calibration/sessions/{session_id}").json()
    )
    return {i.submission_id: i.assignment_id for i in detail.items if i.assignment_id}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def expected_statistics(ratings: list[list[int | None]], n_levels: int) -> dict[str, Any]:
    """The documented contract of ``AgreementStatistics``, as ``agreement`` defines it."""
    labels = list(range(n_levels))
    pairs = []
    for a, b in combinations(ratings, 2):
        both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
        if both:
            pairs.append(([x for x, _ in both], [y for _, y in both]))
    complete = [u for u in range(len(ratings[0])) if all(r[u] is not None for r in ratings)]
    counts = [[sum(1 for r in ratings if r[u] == k) for k in labels] for u in complete]
    alpha = krippendorff_alpha(
        [[math.nan if x is None else x for x in r] for r in ratings], level="ordinal"
    )
    n_items = sum(1 for u in range(len(ratings[0])) if sum(r[u] is not None for r in ratings) > 1)
    values = {
        "exact_agreement": _mean([percent_agreement(a, b) for a, b in pairs]),
        "adjacent_agreement": _mean([percent_agreement(a, b, tolerance=1) for a, b in pairs]),
        "cohen_kappa": _mean([cohen_kappa(a, b, labels=labels) for a, b in pairs]),
        "cohen_kappa_quadratic": _mean(
            [cohen_kappa(a, b, weights="quadratic", labels=labels) for a, b in pairs]
        ),
        "fleiss_kappa": fleiss_kappa(counts) if counts else None,
        "krippendorff_alpha": None if math.isnan(alpha) else alpha,
    }
    # A statistic needs MINIMUM_ITEMS units rated by two or more; with fewer it is None.
    return {
        **{k: v if n_items >= MINIMUM_ITEMS[k] else None for k, v in values.items()},
        "n_ratings": sum(1 for r in ratings for x in r if x is not None),
        "n_items": n_items,
    }


def assert_statistics(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    assert set(actual) - {"criterion_id"} == set(expected)
    for name, value in expected.items():
        if value is None:
            assert actual[name] is None, name
        else:
            assert actual[name] == pytest.approx(value, abs=1e-12), name


def test_session_flow_is_blind_until_reveal_then_shows_matrix_statistics_and_consensus(
    cal: Calibration,
) -> None:
    fran, ann, bob, cat, eve = (cal.login(n) for n in ("fran", "ann", "bob", "cat", "eve"))
    created = create(fran, [cal.keyed, cal.plain], ["ann", "bob", "cat"])
    assert created.status_code == 201, created.text
    session = SessionDetail.model_validate(created.json())
    assert created.headers["Location"] == f"/api/v1/calibration/sessions/{session.id}"
    assert session.state == "open"
    assert session.facilitator == "fran"
    assert [(i.submission_id, i.keyed, i.assignment_id) for i in session.items] == [
        (cal.keyed, True, None),  # fran facilitates without scoring
        (cal.plain, False, None),
    ]
    assert [(p.username, p.submitted, p.submitted_items) for p in session.participants] == [
        ("ann", False, 0),
        ("bob", False, 0),
        ("cat", False, 0),
    ]

    # The session's assignments arrive through the ordinary delta as calibration work.
    ids = {name: own_assignments(cal.login(name), session.id) for name in ("ann", "bob", "cat")}
    delta = ann.get("/api/v1/assignments").json()["items"]
    calibration = {i["id"]: i for i in delta if i["kind"] == "calibration"}
    assert set(calibration) == set(ids["ann"].values())
    assert {i["submission_id"] for i in calibration.values()} == {cal.keyed, cal.plain}

    assert upload(ann, ids["ann"][cal.keyed], "proficient", "proficient").status_code == 200
    assert upload(ann, ids["ann"][cal.plain], "developing", "beginning").status_code == 200
    assert upload(bob, ids["bob"][cal.keyed], "developing", "proficient").status_code == 200
    assert upload(bob, ids["bob"][cal.plain], "developing", "proficient").status_code == 200
    assert upload(cat, ids["cat"][cal.plain], "beginning", "beginning").status_code == 200

    # Blind: who has submitted is visible, what they scored is not, to anyone.
    for client in (fran, ann, bob, cat):
        detail = client.get(f"/api/v1/calibration/sessions/{session.id}")
        assert detail.status_code == 200
        assert not any(level in detail.text for level in LEVELS_C1)
        participants = [
            (p["username"], p["submitted"], p["submitted_items"])
            for p in detail.json()["participants"]
        ]
        assert participants == [("ann", True, 2), ("bob", True, 2), ("cat", False, 1)]
        results = client.get(f"/api/v1/calibration/sessions/{session.id}/results")
        assert results.status_code == 409
        assert results.headers["content-type"] == PROBLEM
        assert results.json()["waiting"] == 1
        assert not any(level in results.text for level in LEVELS_C1)
    # Another participant's assignment, and its key, are 404 like anything not yours.
    assert bob.get(f"/api/v1/assignments/{ids['ann'][cal.keyed]}/key").status_code == 404
    assert cat.get(f"/api/v1/assignments/{ids['cat'][cal.keyed]}/key").status_code == 409
    # Outsiders cannot tell the session exists; participants may not act for the facilitator.
    for path in ("", "/results"):
        assert eve.get(f"/api/v1/calibration/sessions/{session.id}{path}").status_code == 404
    assert eve.post(f"/api/v1/calibration/sessions/{session.id}/reveal").status_code == 404
    forbidden = ann.post(f"/api/v1/calibration/sessions/{session.id}/reveal")
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == PROBLEM

    revealed = fran.post(f"/api/v1/calibration/sessions/{session.id}/reveal")
    assert revealed.status_code == 200
    assert revealed.json()["state"] == "revealed"
    assert revealed.json()["revealed_at"] is not None
    # cat's unscored item is withdrawn: no blind scoring after the reveal.
    assert ids["cat"][cal.keyed] in cat.get("/api/v1/assignments").json()["revoked"]
    assert upload(cat, ids["cat"][cal.keyed], "proficient", "proficient").status_code == 410

    response = bob.get(f"/api/v1/calibration/sessions/{session.id}/results")
    assert response.status_code == 200
    results = SessionResults.model_validate(response.json())
    assert results.state == "revealed"
    assert [p.username for p in results.participants] == ["ann", "bob", "cat"]
    matrix = {
        (item.submission_id, c.criterion_id): (c.levels, c.master_level, c.disagreement)
        for item in results.items
        for c in item.criteria
    }
    assert matrix == {
        (cal.keyed, "c1-wait"): (
            {"ann": "proficient", "bob": "developing", "cat": None},
            "proficient",
            True,
        ),
        (cal.keyed, "c2-reflection"): (
            {"ann": "proficient", "bob": "proficient", "cat": None},
            "proficient",
            False,
        ),
        (cal.plain, "c1-wait"): (
            {"ann": "developing", "bob": "developing", "cat": "beginning"},
            None,
            True,
        ),
        (cal.plain, "c2-reflection"): (
            {"ann": "beginning", "bob": "proficient", "cat": "beginning"},
            None,
            True,
        ),
    }
    assert [(i.decisions, i.master_decision) for i in results.items] == [
        ({"ann": "pass", "bob": "not_yet", "cat": None}, "pass"),
        ({"ann": "not_yet", "bob": "not_yet", "cat": "not_yet"}, None),
    ]

    # Ranks per rater (ann, bob, cat) over the units (keyed, plain).
    c1 = [[2, 1], [1, 1], [None, 0]]
    c2 = [[1, 0], [1, 1], [None, 0]]
    stats = response.json()["statistics"]
    assert [s["criterion_id"] for s in stats["per_criterion"]] == ["c1-wait", "c2-reflection"]
    assert_statistics(stats["per_criterion"][0], expected_statistics(c1, 3))
    assert_statistics(stats["per_criterion"][1], expected_statistics(c2, 2))
    overall = [a + b for a, b in zip(c1, c2, strict=True)]
    assert_statistics(stats["overall"], expected_statistics(overall, 3))
    # By hand: c2 pairs agree on 1 of 2, 1 of 1 and 0 of 1 shared units.
    assert stats["per_criterion"][1]["exact_agreement"] == pytest.approx(0.5)
    assert stats["overall"]["n_ratings"] == 10

    # Consensus: the facilitator's, validated against the rubric.
    consensus_url = f"/api/v1/calibration/sessions/{session.id}/consensus"
    entry = {"submission_id": cal.plain, "criterion_id": "c1-wait", "level_id": "developing"}
    assert ann.put(consensus_url, json={"items": [entry]}).status_code == 403
    bad = fran.put(
        consensus_url,
        json={"items": [{**entry, "level_id": "excellent"}, {**entry, "submission_id": "sub-x"}]},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == [
        "items[0].level_id",
        "items[1].submission_id",
    ]
    good = fran.put(
        consensus_url,
        json={
            "items": [
                {**entry, "note": "Waited after two of three open questions."},
                {
                    "submission_id": cal.keyed,
                    "criterion_id": "c1-wait",
                    "level_id": "proficient",
                },
            ],
            "notes": "Agreed: count only open questions.",
        },
    )
    assert good.status_code == 200, good.text
    seen_by_cat = SessionResults.model_validate(
        cat.get(f"/api/v1/calibration/sessions/{session.id}/results").json()
    )
    assert [
        (c.submission_id, c.criterion_id, c.level_id, c.note) for c in seen_by_cat.consensus
    ] == [
        (cal.keyed, "c1-wait", "proficient", ""),
        (cal.plain, "c1-wait", "developing", "Waited after two of three open questions."),
    ]
    assert seen_by_cat.notes == "Agreed: count only open questions."

    closed = fran.post(f"/api/v1/calibration/sessions/{session.id}/close")
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert fran.put(consensus_url, json={"items": []}).status_code == 409
    assert fran.post(f"/api/v1/calibration/sessions/{session.id}/reveal").status_code == 409
    final = cat.get(f"/api/v1/calibration/sessions/{session.id}/results").json()
    assert final["state"] == "closed"
    assert len(final["consensus"]) == 2


def test_results_open_once_everyone_has_submitted_without_a_reveal(cal: Calibration) -> None:
    fran, ann, bob = (cal.login(n) for n in ("fran", "ann", "bob"))
    session_id = create(fran, [cal.plain], ["ann", "bob"]).json()["id"]
    results_url = f"/api/v1/calibration/sessions/{session_id}/results"
    ann_item = own_assignments(ann, session_id)[cal.plain]
    assert upload(ann, ann_item, "proficient", "beginning").status_code == 200
    assert ann.get(results_url).status_code == 409
    assert fran.post(f"/api/v1/calibration/sessions/{session_id}/close").status_code == 409
    bob_item = own_assignments(bob, session_id)[cal.plain]
    assert upload(bob, bob_item, "proficient", "proficient").status_code == 200
    detail = ann.get(f"/api/v1/calibration/sessions/{session_id}").json()
    assert detail["state"] == "revealed"
    assert detail["revealed_at"] is None  # nobody revealed: everyone was in
    results = ann.get(results_url).json()
    assert results["items"][0]["criteria"][1]["levels"] == {"ann": "beginning", "bob": "proficient"}
    stats = results["statistics"]["per_criterion"]
    assert stats[0]["exact_agreement"] == 1.0
    assert stats[1]["exact_agreement"] == 0.0
    assert stats[1]["adjacent_agreement"] == 1.0
    # One item cannot support a chance-corrected statistic: none is given (it used to
    # read Cohen 0.00, Fleiss -1.00, weighted -0.50 beside 100% exact-or-adjacent).
    for row in stats:
        assert row["n_items"] == 1
        for name in ("cohen_kappa", "cohen_kappa_quadratic", "fleiss_kappa", "krippendorff_alpha"):
            assert row[name] is None, name


def test_only_facilitators_create_sessions_and_bad_requests_say_why(cal: Calibration) -> None:
    fran, ann = cal.login("fran"), cal.login("ann")
    refused = create(ann, [cal.plain], ["bob"])
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert ann.get("/api/v1/calibration/sessions").json()["items"] == []  # nothing was made

    bad = create(fran, [cal.plain, "sub-missing", cal.plain], ["bob", "zed"])
    assert bad.status_code == 422
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("submission_ids", "duplicate"),
        ("submission_ids[1]", "unknown_submission"),
        ("participants[1]", "unknown_user"),
    }
    # ann already scores her own submission in production: she cannot score it blind.
    busy = create(fran, [cal.world.ann_submission], ["ann", "bob"])
    assert busy.status_code == 409
    assert f"{cal.world.ann_submission} to ann" in busy.json()["detail"]
    assert fran.get("/api/v1/calibration/sessions").json()["items"] == []

    for missing in ("999999", "abc", "-1"):
        response = fran.get(f"/api/v1/calibration/sessions/{missing}")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM


def test_session_list_is_the_callers_own_newest_first_in_pages(cal: Calibration) -> None:
    fran = cal.login("fran")
    made = [create(fran, [cal.plain], [name]).json()["id"] for name in ("ann", "bob", "cat")]
    first = fran.get("/api/v1/calibration/sessions", params={"limit": 2}).json()
    assert [s["id"] for s in first["items"]] == [made[2], made[1]]
    assert first["next_cursor"] is not None
    second = fran.get(
        "/api/v1/calibration/sessions", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [s["id"] for s in second["items"]] == [made[0]]
    assert second["next_cursor"] is None
    summary = second["items"][0]
    assert (summary["state"], summary["item_count"], summary["participant_count"]) == (
        "open",
        1,
        1,
    )
    assert [
        s["id"] for s in cal.login("bob").get("/api/v1/calibration/sessions").json()["items"]
    ] == [made[1]]
    assert cal.login("eve").get("/api/v1/calibration/sessions").json() == {
        "items": [],
        "next_cursor": None,
    }
    bad = fran.get("/api/v1/calibration/sessions", params={"cursor": "x1"})
    assert bad.status_code == 422


def test_key_is_409_until_the_callers_decision_arrives_then_compares(cal: Calibration) -> None:
    admin = cal.world.admin
    ann, bob = cal.login("ann"), cal.login("bob")
    keyed = admin.assign(cal.keyed2, "ann", kind="calibration")
    plain = admin.assign(cal.plain, "ann", kind="calibration")
    url = f"/api/v1/assignments/{keyed}/key"
    waiting = ann.get(url)
    assert waiting.status_code == 409
    assert waiting.headers["content-type"] == PROBLEM
    assert "Waits sometimes" not in waiting.text
    assert bob.get(url).status_code == 404  # not bob's: same as a missing one
    assert ann.get(f"/api/v1/assignments/{plain}/key").status_code == 404  # no key
    assert ann.get(f"/api/v1/assignments/{cal.world.ann_assignment}/key").status_code == 404

    assert upload(ann, keyed, "beginning", "proficient").status_code == 200
    key = AssignmentKey.model_validate(ann.get(url).json())
    assert key.decision == "not_yet"
    assert key.your_decision == "not_yet"
    assert [(c.criterion_id, c.level_id, c.rationale) for c in key.criteria] == [
        ("c1-wait", "developing", "Waits sometimes."),
        ("c2-reflection", "proficient", "Names what changed."),
    ]
    assert {k: (a.yours, a.master, a.exact, a.distance) for k, a in key.agreement.items()} == {
        "c1-wait": ("beginning", "developing", False, 1),
        "c2-reflection": ("proficient", "proficient", True, 0),
    }
    assert (key.summary.exact_share, key.summary.adjacent_share) == (0.5, 1.0)
    assert key.summary.same_decision is True


def _decide_keyed(cal: Calibration, name: str, first: tuple[str, str], second: tuple[str, str]):
    admin, client = cal.world.admin, cal.login(name)
    for submission, levels in ((cal.keyed, first), (cal.keyed2, second)):
        assignment = admin.assign(submission, name, kind="calibration")
        assert upload(client, assignment, *levels).status_code == 200


def _standing(client: httpx.Client) -> tuple[str, dict[str, Any]]:
    body = client.get("/api/v1/calibration/qualification").json()
    me = client.get("/api/v1/me").json()["calibration_status"]
    assert me == body["status"]
    return me, (body["items"][0] if body["items"] else {})


def test_qualification_follows_the_rules_of_the_credential(cal: Calibration) -> None:
    admin = cal.world.admin
    ann = cal.login("ann")
    assert _standing(ann) == ("none", {})

    # ann: keys assigned, nothing decided yet, then one, then both exactly right.
    first = admin.assign(cal.keyed, "ann", kind="calibration")
    second = admin.assign(cal.keyed2, "ann", kind="calibration")
    status, item = _standing(ann)
    assert (status, item["status"], item["keyed_items"], item["decided_items"]) == (
        "in_progress",
        "not_started",
        2,
        0,
    )
    assert upload(ann, first, "proficient", "proficient").status_code == 200
    status, item = _standing(ann)
    assert (status, item["status"], item["exact_share"]) == ("in_progress", "in_progress", 1.0)
    assert upload(ann, second, "developing", "proficient").status_code == 200
    status, item = _standing(ann)
    assert (status, item["status"], item["reasons"]) == ("qualified", "qualified", [])
    assert item["rules"] == QualificationRules().model_dump()

    # bob: one criterion one level off (3 of 4 exact) and so a different decision.
    _decide_keyed(cal, "bob", ("developing", "proficient"), ("developing", "proficient"))
    status, item = _standing(cal.login("bob"))
    assert status == "not_qualified"
    assert (item["exact_share"], item["adjacent_share"], item["max_distance"]) == (0.75, 1.0, 1)
    assert item["same_decision"] is False
    assert item["reasons"] == [
        "exact agreement 75% is below 80%",
        "a decision differs from the key's Pass / Not Yet",
    ]
    lenient = QualificationRules(exact_share=0.7, adjacent_share=0.9, same_decision=False)
    calibration_admin.set_qualification(admin, "test-wait-time", lenient)
    status, item = _standing(cal.login("bob"))
    assert (status, item["rules"]) == ("qualified", lenient.model_dump())

    # cat: good shares under loose rules, but one criterion two levels off.
    _decide_keyed(cal, "cat", ("beginning", "proficient"), ("developing", "proficient"))
    loose = QualificationRules(exact_share=0.5, adjacent_share=0.5, same_decision=False)
    calibration_admin.set_qualification(admin, "test-wait-time", loose)
    status, item = _standing(cal.login("cat"))
    assert status == "not_qualified"
    assert item["reasons"] == ["a criterion is 2 levels off the key; at most 1 allowed"]
    calibration_admin.set_qualification(
        admin, "test-wait-time", loose.model_copy(update={"max_distance": 2})
    )
    assert _standing(cal.login("cat"))[0] == "qualified"


def test_unkeyed_calibration_work_keeps_the_older_status_words(cal: Calibration) -> None:
    dan = cal.login("dan")
    assignment = cal.world.admin.assign(cal.plain, "dan", kind="calibration")
    assert _standing(dan) == ("in_progress", {})
    assert upload(dan, assignment, "developing", "beginning").status_code == 200
    assert _standing(dan) == ("completed", {})


def test_facilitator_reads_the_sessions_submissions_and_no_one_elses(cal: Calibration) -> None:
    cal.world.admin.add_assessor("gil", PASSWORD, "Gil Other", roles=["assessor", "facilitator"])
    fran, gil, eve = cal.login("fran"), cal.login("gil"), cal.login("eve")
    # fran facilitates without scoring; gil facilitates another session.
    assert create(fran, [cal.keyed, cal.plain], ["ann", "bob"]).status_code == 201
    assert create(gil, [cal.keyed2], ["cat"]).status_code == 201

    for submission_id in (cal.keyed, cal.plain):
        response = fran.get(f"/api/v1/submissions/{submission_id}")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == submission_id
        assert body["credential"]["id"] == "test-wait-time"
        criteria = body["credential"]["rubric"]["criteria"]
        assert [c["id"] for c in criteria] == ["c1-wait", "c2-reflection"]
        assert all(c["title"] for c in criteria)

    nothing = fran.get("/api/v1/submissions/sub-missing")
    assert nothing.status_code == 404
    for client, submission_id in (
        (fran, cal.keyed2),  # in gil's session, not fran's
        (gil, cal.keyed),  # in fran's session, not gil's
        (eve, cal.keyed),  # in no session of hers
        (eve, cal.world.ann_submission),
    ):
        refused = client.get(f"/api/v1/submissions/{submission_id}")
        assert refused.status_code == 404
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json() == nothing.json() | {"instance": refused.json().get("instance")}
    # gil still reads the one in his own session.
    assert gil.get(f"/api/v1/submissions/{cal.keyed2}").json()["id"] == cal.keyed2
