"""Score sheets are immutable: every edit helper returns a new sheet."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from domain_helpers import ladder_criterion, ladder_rubric

from assessor_app.domain import Citation, CriterionScore, Decision, Quote, ScoreSheet, TimeRange

CITE = Citation("video-1", TimeRange(1_000, 4_000))


def test_score_of_an_untouched_criterion_is_blank() -> None:
    assert ScoreSheet().score("A") == CriterionScore("A", None, "", ())


def test_with_level_returns_a_new_sheet_and_leaves_the_old_one() -> None:
    before = ScoreSheet(feedback="Keep going.")
    after = before.with_level("A", "l3")
    assert before.scores == {}
    assert after.score("A").level_id == "l3"
    assert after.feedback == "Keep going."
    assert after is not before


def test_with_rationale_keeps_level_and_citations() -> None:
    sheet = ScoreSheet().with_score(CriterionScore("A", "l2", "", (CITE,)))
    edited = sheet.with_rationale("A", "Waited 3 s.")
    assert edited.score("A") == CriterionScore("A", "l2", "Waited 3 s.", (CITE,))
    assert sheet.score("A").rationale == ""


def test_with_level_keeps_rationale_and_can_clear_the_level() -> None:
    sheet = ScoreSheet().with_rationale("B", "Most students spoke.").with_level("B", "l4")
    cleared = sheet.with_level("B", None)
    assert cleared.score("B") == CriterionScore("B", None, "Most students spoke.", ())
    assert sheet.score("B").level_id == "l4"


def test_with_score_replaces_only_its_criterion() -> None:
    sheet = ScoreSheet().with_level("A", "l1").with_level("B", "l2")
    quote = Citation("plan-1", Quote("Wait three seconds."))
    edited = sheet.with_score(CriterionScore("B", "l3", "", (quote,)))
    assert edited.score("A").level_id == "l1"
    assert edited.score("B").citations == (quote,)
    assert sheet.score("B") == CriterionScore("B", "l2")


def test_sheets_and_scores_are_frozen() -> None:
    sheet = ScoreSheet(override=Decision.PASS, override_reason="Strong video.")
    with pytest.raises(FrozenInstanceError):
        sheet.feedback = "changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        sheet.score("A").level_id = "l1"  # type: ignore[misc]


def test_criterion_and_rubric_lookups() -> None:
    criterion = ladder_criterion("A")
    assert criterion.level("l2") is not None and criterion.level("l2").points == 2.0
    assert criterion.level("l9") is None
    assert [criterion.level_index(f"l{n}") for n in range(1, 5)] == [0, 1, 2, 3]
    assert criterion.level_index("l9") is None
    rubric = ladder_rubric()
    assert rubric.criterion("B") is not None and rubric.criterion("B").id == "B"
    assert rubric.criterion("Z") is None
    assert rubric.max_points == 12.0
