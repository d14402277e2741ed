"""The agreement rule between two reads and the criteria an adjudicator must justify."""

from __future__ import annotations

import pytest
from domain_helpers import ladder_rubric

from assessor_app.domain.adjudication import (
    AdjudicationRule,
    AgreementBasis,
    Read,
    agreed_decision,
    criteria_needing_rationale,
    level_distance,
    reads_agree,
)
from assessor_app.domain.decision import Decision

RUBRIC = ladder_rubric()
PASS, NOT_YET = Decision.PASS, Decision.NOT_YET


def read(decision: Decision, a: str | None, b: str | None = "l3", c: str | None = "l3") -> Read:
    return Read(decision, {"A": a, "B": b, "C": c})


@pytest.mark.parametrize(
    ("text", "basis", "distance", "words"),
    [
        ("decision", AgreementBasis.DECISION, 1, "decision"),
        ("distance:2", AgreementBasis.DISTANCE, 2, "distance:2"),
        ("distance:0", AgreementBasis.DISTANCE, 0, "distance:0"),
        ("both", AgreementBasis.BOTH, 1, "both:1"),
        (" both:3 ", AgreementBasis.BOTH, 3, "both:3"),
    ],
)
def test_rules_parse_and_print(text: str, basis: AgreementBasis, distance: int, words: str) -> None:
    rule = AdjudicationRule.parse(text)
    assert (rule.basis, rule.distance, str(rule)) == (basis, distance, words)
    assert AdjudicationRule.parse(str(rule)) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("levels", "not a rule"),
        ("distance", "needs a number"),
        ("distance:-1", "not a whole number"),
        ("distance:1.5", "not a whole number"),
        ("distance:", "not a whole number"),
        ("decision:1", "takes no distance"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AdjudicationRule.parse(text)


def test_distance_is_counted_in_level_order_across_criteria() -> None:
    assert level_distance({"A": "l1", "B": "l3"}, {"A": "l2", "B": "l3"}, RUBRIC) == 1
    assert level_distance({"A": "l1", "B": "l4"}, {"A": "l2", "B": "l2"}, RUBRIC) == 2
    assert level_distance({"A": "l4"}, {"A": "l4"}, RUBRIC) == 0
    # One read without a level (or an unknown one) is as far apart as the criterion allows.
    assert level_distance({"A": None}, {"A": "l4"}, RUBRIC) == 3
    assert level_distance({"A": "zz"}, {"A": "l1"}, RUBRIC) == 3
    assert level_distance({"A": None}, {}, RUBRIC) == 0


@pytest.mark.parametrize(
    ("rule", "first", "second", "agree"),
    [
        ("decision", read(PASS, "l3"), read(PASS, "l4"), True),
        ("decision", read(PASS, "l4"), read(NOT_YET, "l2"), False),
        ("decision", read(PASS, "l3", "l4"), read(PASS, "l4", "l3"), True),
        ("distance:1", read(PASS, "l3"), read(NOT_YET, "l2"), True),
        ("distance:1", read(PASS, "l4"), read(PASS, "l2"), False),
        ("distance:2", read(PASS, "l4"), read(PASS, "l2"), True),
        ("both", read(PASS, "l4"), read(PASS, "l3"), True),
        ("both", read(PASS, "l3"), read(NOT_YET, "l2"), False),
        ("both", read(PASS, "l4"), read(PASS, "l4", "l3", "l1"), False),
        ("both:2", read(PASS, "l4", "l4"), read(PASS, "l4", "l2"), True),
    ],
)
def test_reads_agree_under_each_rule(rule: str, first: Read, second: Read, agree: bool) -> None:
    parsed = AdjudicationRule.parse(rule)
    assert reads_agree(first, second, parsed, RUBRIC) is agree
    assert reads_agree(second, first, parsed, RUBRIC) is agree


def test_only_one_decision_can_be_final() -> None:
    near = AdjudicationRule.parse("distance:1")
    assert agreed_decision(read(PASS, "l3"), read(PASS, "l4"), near, RUBRIC) is PASS
    # Near in levels, yet different decisions: an adjudicator decides.
    assert reads_agree(read(PASS, "l3"), read(NOT_YET, "l2"), near, RUBRIC)
    assert agreed_decision(read(PASS, "l3"), read(NOT_YET, "l2"), near, RUBRIC) is None
    both = AdjudicationRule.parse("both")
    assert agreed_decision(read(NOT_YET, "l1"), read(NOT_YET, "l2"), both, RUBRIC) is NOT_YET
    assert agreed_decision(read(NOT_YET, "l1"), read(NOT_YET, "l3"), both, RUBRIC) is None


def test_rationale_is_needed_where_the_final_level_differs_from_both_reads() -> None:
    read_a = {"A": "l1", "B": "l3", "C": "l4", "D": None}
    read_b = {"A": "l2", "B": "l4", "C": "l4", "D": None}
    final = {"C": "l2", "A": "l2", "B": "l1", "D": "l1"}
    # In the final sheet's order; A matches read B, so it needs none.
    assert criteria_needing_rationale(final, read_a, read_b) == ["C", "B", "D"]
    assert criteria_needing_rationale(read_a, read_a, read_b) == []


def test_negative_distance_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="negative"):
        AdjudicationRule(AgreementBasis.DISTANCE, -1)
