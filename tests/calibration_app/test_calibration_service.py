"""The calibration service against a real hub: blind sessions, results once everyone has
submitted, the facilitator's reveal and consensus, keys fetched after upload and kept for
offline use, and the drift of agreement with keys."""

from __future__ import annotations

import pytest
from calibration_kit import (
    ANN_LEVELS,
    CONSENSUS_NOTE,
    DISCUSSION_NOTES,
    KEYED_ITEM,
    MASTER_RATIONALE_REFLECTION,
    MASTER_RATIONALE_WAIT,
    SESSION_TITLE,
    Scene,
    offline_service,
    score_and_finalize,
    sync,
)

from assessor_app.services.calibration import KeyFetchReport, KeyNotReady, SessionUnavailable
from assessor_app.sync.errors import HubProblem


def test_session_stays_blind_until_everyone_submitted(scene: Scene) -> None:
    opened = scene.open_session()
    assert opened.is_facilitator and opened.detail.title == SESSION_TITLE
    assert [p.username for p in opened.detail.participants] == ["ann", "bob"]

    scene.score("ann", ANN_LEVELS)
    ann_view = scene.service("ann").session(scene.session_id)
    assert not ann_view.is_facilitator and not ann_view.can_reveal
    assert ann_view.results is None
    assert ann_view.state_words == "Open: scoring is blind"
    done = {p.username: (p.submitted, p.submitted_items) for p in ann_view.detail.participants}
    assert done == {"ann": (True, 2), "bob": (False, 0)}
    # ann has scored but cannot see anyone's levels: nothing about results was kept either
    cached = scene.service("ann").cache.session(scene.session_id)
    assert cached is not None and cached.results is None


def test_results_matrix_statistics_and_consensus(scored: Scene, unreachable_port: int) -> None:
    ann = scored.service("ann").session(scored.session_id)
    assert ann.results is not None
    assert ann.credential is not None  # ann scored, so the rubric is on her computer
    keyed = next(i for i in ann.results.items if i.submission_id == scored.keyed_submission)
    rows = {r.criterion_id: r for r in keyed.criteria}
    assert rows["c1-wait"].levels == {"ann": "proficient", "bob": "beginning"}
    assert rows["c1-wait"].disagreement
    assert rows["c1-wait"].master_level == "proficient"
    assert rows["c2-reflection"].levels == {"ann": "proficient", "bob": "proficient"}
    assert not rows["c2-reflection"].disagreement
    assert ann.level_label("c1-wait", "beginning") == "Beginning"
    assert ann.criterion_title("c2-reflection") == "Reflection on student thinking"
    overall = ann.results.statistics.overall
    # 4 units (2 items x 2 criteria), one disagreement
    assert overall.exact_agreement == pytest.approx(0.75)
    assert overall.adjacent_agreement == pytest.approx(1.0)
    assert overall.n_ratings == 8

    # only the facilitator may record a consensus
    with pytest.raises(HubProblem) as refused:
        scored.service("ann").save_consensus(scored.session_id, [], "mine")
    assert refused.value.status == 403

    agreed = scored.agree()
    assert agreed.results is not None
    assert [(c.criterion_id, c.level_id, c.note) for c in agreed.results.consensus] == [
        ("c1-wait", "proficient", CONSENSUS_NOTE)
    ]
    assert agreed.results.notes == DISCUSSION_NOTES
    # the facilitator scored nothing, yet the hub lets her read the session's rubric
    assert agreed.credential is not None
    assert agreed.criterion_title("c1-wait") == "Wait after the question"
    assert agreed.level_choices("c1-wait") == [
        ("beginning", "Beginning"),
        ("proficient", "Proficient"),
    ]
    # offline and never read here, the rubric is unknown: the levels seen stand in for it
    offline = offline_service(scored.person("fay"), unreachable_port).session(scored.session_id)
    assert offline.from_cache and offline.credential is None
    assert offline.level_choices("c1-wait") == [
        ("proficient", "proficient"),
        ("beginning", "beginning"),
    ]
    again = scored.service("ann").session(scored.session_id)
    assert again.results is not None and again.results.notes == DISCUSSION_NOTES


def test_reveal_shows_results_before_everyone_submitted(scene: Scene) -> None:
    scene.open_session()
    scene.score("ann", ANN_LEVELS)
    with pytest.raises(HubProblem) as refused:
        scene.service("ann").reveal(scene.session_id)
    assert refused.value.status == 403
    revealed = scene.service("fay").reveal(scene.session_id)
    assert revealed.detail.state == "revealed"
    assert revealed.results is not None
    keyed = next(i for i in revealed.results.items if i.submission_id == scene.keyed_submission)
    assert {r.criterion_id: r.levels["bob"] for r in keyed.criteria} == {
        "c1-wait": None,
        "c2-reflection": None,
    }
    assert scene.service("ann").session(scene.session_id).results is not None


def test_key_after_upload_kept_for_offline_and_drift(scored: Scene, unreachable_port: int) -> None:
    ann = scored.service("ann")
    keyed_id = scored.assignment("ann", scored.keyed_submission)
    report = ann.fetch_keys()
    assert report.fetched == [keyed_id]
    assert report.unkeyed == [scored.assignment("ann", scored.plain_submission)]
    assert report.waiting == [] and report.failed == {}

    comparison = ann.comparison(keyed_id)
    assert comparison is not None
    assert comparison.item_name == KEYED_ITEM
    rows = {r.criterion_id: r for r in comparison.rows}
    wait, reflection = rows["c1-wait"], rows["c2-reflection"]
    assert (wait.title, wait.yours, wait.master, wait.distance) == (
        "Wait after the question",
        "Proficient",
        "Proficient",
        0,
    )
    assert (wait.symbol, wait.words) == ("✓", "Exact: same level as the key")
    assert wait.master_rationale == MASTER_RATIONALE_WAIT
    assert (reflection.yours, reflection.master, reflection.distance) == (
        "Proficient",
        "Beginning",
        1,
    )
    assert (reflection.symbol, reflection.words) == ("≈", "Adjacent: one level above the key")
    assert reflection.master_rationale == MASTER_RATIONALE_REFLECTION
    assert comparison.exact_share == pytest.approx(0.5)
    assert not comparison.same_decision
    assert (
        comparison.decision_words()
    ) == "Your decision: Pass; the key's: Not Yet (✗ different decision)"

    # nothing left to ask for (the unkeyed item is not asked about again); offline, the
    # kept key, the drift and the session seen before are still there
    assert ann.fetch_keys() == KeyFetchReport()
    ann.session(scored.session_id)
    offline = offline_service(scored.person("ann"), unreachable_port)
    kept = offline.comparison(keyed_id)
    assert kept is not None and kept.rows == comparison.rows
    drift = offline.drift()
    assert [(p.assignment_id, p.label, p.exact_share, p.adjacent_share) for p in drift] == [
        (keyed_id, KEYED_ITEM, 0.5, 1.0)
    ]
    listing = offline.sessions()
    assert listing.from_cache and [e.title for e in listing.entries] == [SESSION_TITLE]
    view = offline.session(scored.session_id)
    assert view.from_cache and view.results is not None


def test_key_is_not_ready_before_the_decision_reached_the_hub(scene: Scene) -> None:
    submission = scene.keyed_submission
    scene.hub.admin.assign(submission, "ann", "calibration")
    ann = scene.person("ann")
    sync(ann)
    assignment_id = scene.assignment("ann", submission)
    with pytest.raises(KeyNotReady):
        scene.service("ann").fetch_key(assignment_id)
    # finalized but not uploaded: fetch_keys does not even ask
    score_and_finalize(ann, assignment_id, ANN_LEVELS["keyed"])
    assert scene.service("ann").fetch_keys().fetched == []
    sync(ann)
    assert scene.service("ann").fetch_keys().fetched == [assignment_id]


def test_unknown_session_offline_is_a_clear_error(scene: Scene, unreachable_port: int) -> None:
    offline = offline_service(scene.person("ann"), unreachable_port)
    with pytest.raises(SessionUnavailable, match="cannot be reached"):
        offline.session("12345")
