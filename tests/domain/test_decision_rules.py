"""Decision rules, table-driven at their boundaries: all-meet and minimum points."""

from __future__ import annotations

from dataclasses import replace

import pytest
from domain_helpers import ladder_rubric

from assessor_app.domain import (
    AllCriteriaMeet,
    Decision,
    MinimumPoints,
    ProblemCode,
    Rubric,
    ScoreSheet,
    evaluate,
)


def sheet_with(levels: dict[str, str | None]) -> ScoreSheet:
    sheet = ScoreSheet(feedback="Feedback for the educator.")
    for criterion_id, level_id in levels.items():
        sheet = sheet.with_level(criterion_id, level_id)
    return sheet


ALL_MEET_CASES = [
    pytest.param(
        {"A": "l3", "B": "l3", "C": "l3"}, Decision.PASS, id="every-criterion-at-lowest-meeting"
    ),
    pytest.param({"A": "l4", "B": "l4", "C": "l4"}, Decision.PASS, id="every-criterion-at-top"),
    pytest.param({"A": "l4", "B": "l2", "C": "l4"}, Decision.NOT_YET, id="one-just-below"),
    pytest.param({"A": "l1", "B": "l4", "C": "l4"}, Decision.NOT_YET, id="one-at-bottom"),
    pytest.param({"A": "l1", "B": "l1", "C": "l1"}, Decision.NOT_YET, id="all-at-bottom"),
    pytest.param({"A": "l4", "B": "l4", "C": None}, None, id="one-unscored"),
    pytest.param({"A": "l4", "B": "l4"}, None, id="one-never-touched"),
]


@pytest.mark.parametrize(("levels", "expected"), ALL_MEET_CASES)
def test_all_meet_rule(levels: dict[str, str | None], expected: Decision | None) -> None:
    rubric = ladder_rubric(AllCriteriaMeet())
    result = evaluate(sheet_with(levels), rubric)
    assert result.computed is expected
    assert result.decision is expected
    unscored = [p.criterion_id for p in result.problems if p.code is ProblemCode.UNSCORED]
    assert unscored == (["C"] if expected is None else [])
    assert result.can_finalize is (expected is not None)


def test_all_meet_is_the_default_rule() -> None:
    assert isinstance(Rubric(criteria=ladder_rubric().criteria).decision_rule, AllCriteriaMeet)
    assert AllCriteriaMeet().kind == "all_meet"


# min_total 9 over three 1-4 point criteria; default floor 2, C's own floor 3.
MIN_POINTS = MinimumPoints(min_total=9, floor=2, floors={"C": 3})
# The same threshold with a per-criterion floor below the default.
LOWER_FLOOR_FOR_A = MinimumPoints(min_total=9, floor=2, floors={"A": 1})

MIN_POINTS_CASES = [
    pytest.param(
        MIN_POINTS,
        {"A": "l3", "B": "l3", "C": "l3"},
        Decision.PASS,
        9.0,
        id="total-exactly-at-threshold",
    ),
    pytest.param(
        MIN_POINTS,
        {"A": "l3", "B": "l2", "C": "l3"},
        Decision.NOT_YET,
        8.0,
        id="total-one-point-below",
    ),
    pytest.param(
        MIN_POINTS, {"A": "l4", "B": "l4", "C": "l4"}, Decision.PASS, 12.0, id="total-at-maximum"
    ),
    pytest.param(
        MIN_POINTS,
        {"A": "l2", "B": "l4", "C": "l3"},
        Decision.PASS,
        9.0,
        id="criterion-at-default-floor",
    ),
    pytest.param(
        MIN_POINTS,
        {"A": "l1", "B": "l4", "C": "l4"},
        Decision.NOT_YET,
        9.0,
        id="criterion-below-default-floor",
    ),
    pytest.param(
        MIN_POINTS,
        {"A": "l4", "B": "l4", "C": "l3"},
        Decision.PASS,
        11.0,
        id="criterion-at-own-floor",
    ),
    pytest.param(
        MIN_POINTS,
        {"A": "l4", "B": "l4", "C": "l2"},
        Decision.NOT_YET,
        10.0,
        id="own-floor-above-default-overrides",
    ),
    pytest.param(
        LOWER_FLOOR_FOR_A,
        {"A": "l1", "B": "l4", "C": "l4"},
        Decision.PASS,
        9.0,
        id="own-floor-below-default-overrides",
    ),
    pytest.param(
        LOWER_FLOOR_FOR_A,
        {"A": "l4", "B": "l1", "C": "l4"},
        Decision.NOT_YET,
        9.0,
        id="default-floor-still-applies-elsewhere",
    ),
    pytest.param(MIN_POINTS, {"A": "l4", "B": "l4", "C": None}, None, 8.0, id="one-unscored"),
]


@pytest.mark.parametrize(("rule", "levels", "expected", "total"), MIN_POINTS_CASES)
def test_minimum_points_rule(
    rule: MinimumPoints, levels: dict[str, str | None], expected: Decision | None, total: float
) -> None:
    result = evaluate(sheet_with(levels), ladder_rubric(rule))
    assert result.computed is expected
    assert result.total_points == total
    assert result.can_finalize is (expected is not None)


def test_minimum_points_ignores_meets_flags() -> None:
    # A at l2 does not "meet", yet the points rule passes: the rule, not the flags, decides.
    levels = {"A": "l2", "B": "l4", "C": "l3"}
    assert evaluate(sheet_with(levels), ladder_rubric(MIN_POINTS)).computed is Decision.PASS
    assert evaluate(sheet_with(levels), ladder_rubric()).computed is Decision.NOT_YET


def test_floor_for_prefers_the_criterion_floor() -> None:
    assert MIN_POINTS.floor_for("C") == 3
    assert MIN_POINTS.floor_for("A") == 2
    assert LOWER_FLOOR_FOR_A.floor_for("A") == 1
    assert MinimumPoints(min_total=5).floor_for("anything") == 0.0
    assert MIN_POINTS.kind == "min_points"


def test_fractional_points_meet_the_threshold_exactly() -> None:
    ladder = ladder_rubric(MinimumPoints(min_total=7.5))
    half_up = Rubric(
        criteria=tuple(
            replace(c, levels=tuple(replace(lv, points=lv.points + 0.5) for lv in c.levels))
            for c in ladder.criteria
        ),
        decision_rule=ladder.decision_rule,
    )
    # 1.5 + 2.5 + 3.5 = 7.5 exactly; one level lower is 6.5.
    at = evaluate(sheet_with({"A": "l1", "B": "l2", "C": "l3"}), half_up)
    below = evaluate(sheet_with({"A": "l1", "B": "l1", "C": "l3"}), half_up)
    assert (at.computed, at.total_points) == (Decision.PASS, 7.5)
    assert (below.computed, below.total_points) == (Decision.NOT_YET, 6.5)
