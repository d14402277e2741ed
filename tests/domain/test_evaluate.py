"""``evaluate()``: the problems that stop a sheet being final, overrides and total points."""

from __future__ import annotations

import pytest
from domain_helpers import ladder_rubric

from assessor_app.domain import (
    CriterionScore,
    Decision,
    ProblemCode,
    RationaleRequirement,
    ScoreSheet,
    evaluate,
)

PASSING = {"A": "l3", "B": "l4", "C": "l3"}
FAILING = {"A": "l1", "B": "l4", "C": "l3"}


def scored(
    levels: dict[str, str],
    feedback: str = "",
    override: Decision | None = None,
    override_reason: str = "",
) -> ScoreSheet:
    sheet = ScoreSheet(feedback=feedback, override=override, override_reason=override_reason)
    for criterion_id, level_id in levels.items():
        sheet = sheet.with_level(criterion_id, level_id)
    return sheet


def codes(
    sheet: ScoreSheet, rationales: dict[str, RationaleRequirement] | None = None
) -> list[tuple[ProblemCode, str | None]]:
    result = evaluate(sheet, ladder_rubric(rationales=rationales))
    return [(p.code, p.criterion_id) for p in result.problems]


def test_a_complete_passing_sheet_has_no_problems() -> None:
    result = evaluate(scored(PASSING), ladder_rubric())
    assert result.problems == ()
    assert (result.computed, result.decision) == (Decision.PASS, Decision.PASS)
    assert result.total_points == 10.0
    assert result.can_finalize


def test_unscored_criteria_are_named() -> None:
    result = evaluate(scored({"B": "l4"}), ladder_rubric())
    unscored = [p for p in result.problems if p.code is ProblemCode.UNSCORED]
    assert [p.criterion_id for p in unscored] == ["A", "C"]
    assert "Criterion A" in unscored[0].message
    assert result.computed is None and result.decision is None
    assert result.total_points == 4.0
    assert not result.can_finalize


def test_an_empty_sheet_lists_every_criterion() -> None:
    result = evaluate(ScoreSheet(), ladder_rubric())
    assert [(p.code, p.criterion_id) for p in result.problems] == [
        (ProblemCode.UNSCORED, "A"),
        (ProblemCode.UNSCORED, "B"),
        (ProblemCode.UNSCORED, "C"),
    ]
    assert result.total_points == 0.0
    assert isinstance(result.total_points, float)


def test_unknown_level() -> None:
    sheet = scored({**PASSING, "B": "l9"})
    result = evaluate(sheet, ladder_rubric())
    assert [(p.code, p.criterion_id) for p in result.problems] == [(ProblemCode.UNKNOWN_LEVEL, "B")]
    assert "l9" in result.problems[0].message
    assert result.computed is None
    # The unknown level earns nothing.
    assert result.total_points == 6.0


def test_unknown_criterion() -> None:
    sheet = scored({**PASSING, "Z": "l1"}, feedback="")
    result = evaluate(sheet, ladder_rubric())
    assert [(p.code, p.criterion_id) for p in result.problems] == [
        (ProblemCode.UNKNOWN_CRITERION, "Z")
    ]
    assert "Z" in result.problems[0].message
    # The rubric's own criteria still decide.
    assert result.computed is Decision.PASS
    assert result.total_points == 10.0


@pytest.mark.parametrize(
    "rationale", ["", "   ", "\n\t  \n"], ids=["empty", "spaces", "blank-lines"]
)
def test_missing_required_rationale(rationale: str) -> None:
    sheet = scored(PASSING).with_rationale("B", rationale)
    assert codes(sheet, rationales={"B": RationaleRequirement.REQUIRED}) == [
        (ProblemCode.RATIONALE_REQUIRED, "B")
    ]


def test_required_rationale_given() -> None:
    sheet = scored(PASSING).with_rationale("B", "Pauses of 4 s at 03:12 and 05:40.")
    assert codes(sheet, rationales={"B": RationaleRequirement.REQUIRED}) == []


def test_required_rationale_is_not_asked_of_an_unscored_criterion_twice() -> None:
    sheet = scored({"A": "l3", "C": "l3"})
    assert codes(sheet, rationales={"B": RationaleRequirement.REQUIRED}) == [
        (ProblemCode.UNSCORED, "B")
    ]


@pytest.mark.parametrize("requirement", [RationaleRequirement.OPTIONAL, RationaleRequirement.NONE])
def test_optional_or_no_rationale_is_not_needed(requirement: RationaleRequirement) -> None:
    rationales = dict.fromkeys("ABC", requirement)
    assert codes(scored(PASSING), rationales=rationales) == []


@pytest.mark.parametrize("feedback", ["", "  \n "], ids=["empty", "blank"])
def test_not_yet_needs_feedback(feedback: str) -> None:
    result = evaluate(scored(FAILING, feedback=feedback), ladder_rubric())
    assert result.decision is Decision.NOT_YET
    assert [p.code for p in result.problems] == [ProblemCode.FEEDBACK_REQUIRED]
    assert "Not Yet" in result.problems[0].message
    assert not result.can_finalize


def test_not_yet_with_feedback_is_finalizable() -> None:
    result = evaluate(
        scored(FAILING, feedback="Show a full questioning sequence."), ladder_rubric()
    )
    assert result.problems == ()
    assert result.can_finalize


def test_override_without_reason() -> None:
    sheet = scored(FAILING, override=Decision.PASS, override_reason="  ")
    result = evaluate(sheet, ladder_rubric())
    assert (result.computed, result.decision) == (Decision.NOT_YET, Decision.PASS)
    assert [p.code for p in result.problems] == [ProblemCode.OVERRIDE_REASON_REQUIRED]
    assert "Pass" in result.problems[0].message


def test_override_with_reason_is_finalizable() -> None:
    sheet = scored(FAILING, override=Decision.PASS, override_reason="A's evidence is in the plan.")
    result = evaluate(sheet, ladder_rubric())
    assert (result.computed, result.decision) == (Decision.NOT_YET, Decision.PASS)
    assert result.can_finalize


def test_override_to_not_yet_needs_a_reason_and_feedback() -> None:
    result = evaluate(scored(PASSING, override=Decision.NOT_YET), ladder_rubric())
    assert (result.computed, result.decision) == (Decision.PASS, Decision.NOT_YET)
    assert [p.code for p in result.problems] == [
        ProblemCode.OVERRIDE_REASON_REQUIRED,
        ProblemCode.FEEDBACK_REQUIRED,
    ]


@pytest.mark.parametrize(
    ("levels", "override"),
    [(PASSING, Decision.PASS), (FAILING, Decision.NOT_YET)],
    ids=["pass", "not-yet"],
)
def test_override_equal_to_computed_needs_no_reason(
    levels: dict[str, str], override: Decision
) -> None:
    sheet = scored(levels, override=override, feedback="Some feedback.")
    result = evaluate(sheet, ladder_rubric())
    assert result.decision is override
    assert result.problems == ()


def test_override_on_an_incomplete_sheet_is_still_unscored() -> None:
    sheet = scored({"A": "l4"}, override=Decision.PASS, override_reason="Obvious.")
    result = evaluate(sheet, ladder_rubric())
    assert result.decision is Decision.PASS
    assert [p.code for p in result.problems] == [ProblemCode.UNSCORED, ProblemCode.UNSCORED]


def test_return_incomplete_with_feedback_and_no_scores_is_finalizable() -> None:
    sheet = ScoreSheet(
        override=Decision.RETURN_INCOMPLETE, feedback="The video file is missing its sound."
    )
    result = evaluate(sheet, ladder_rubric())
    assert result.computed is None
    assert result.decision is Decision.RETURN_INCOMPLETE
    assert result.problems == ()
    assert result.total_points == 0.0
    assert result.can_finalize


def test_return_incomplete_without_feedback() -> None:
    result = evaluate(ScoreSheet(override=Decision.RETURN_INCOMPLETE), ladder_rubric())
    assert [p.code for p in result.problems] == [ProblemCode.FEEDBACK_REQUIRED]
    assert "Returned as incomplete" in result.problems[0].message


def test_return_incomplete_still_reports_an_unknown_level() -> None:
    sheet = scored(
        {"A": "nope"}, override=Decision.RETURN_INCOMPLETE, feedback="The plan is missing."
    )
    assert codes(sheet) == [(ProblemCode.UNKNOWN_LEVEL, "A")]


def test_total_points_adds_the_chosen_levels() -> None:
    sheet = ScoreSheet(
        scores={
            "A": CriterionScore("A", "l1"),
            "B": CriterionScore("B", "l2"),
            "C": CriterionScore("C", "l4"),
        },
        feedback="More wait time, please.",
    )
    result = evaluate(sheet, ladder_rubric())
    assert result.total_points == 7.0
    assert ladder_rubric().max_points == 12.0
