"""The feedback quality rules, table-driven, and their per-credential configuration in
credential files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from assessor_app.domain import Credential, Criterion, Decision, Level, Rubric, ScoreSheet
from assessor_app.domain.feedback_quality import (
    FindingCode,
    check_feedback,
    names_criterion,
    only_repeats_descriptor,
)
from assessor_app.domain.rubric import FeedbackQualityRules
from assessor_app.protocol.rubric_file import (
    CredentialSchema,
    RubricFileError,
    load_credential_file,
)

NAMED = FindingCode.NO_CRITERION_NAMED
SHORT = FindingCode.TOO_SHORT
REPEATS = FindingCode.REPEATS_DESCRIPTOR

LOW = "Most pauses are under two seconds and the teacher answers their own prompts."
HIGH = "Pauses of three seconds or more follow questions, and students extend answers."


def _criterion(cid: str, title: str) -> Criterion:
    return Criterion(
        id=cid,
        title=title,
        levels=(
            Level("low", "Beginning", 1, LOW, False),
            Level("high", "Proficient", 3, HIGH, True),
        ),
    )


CREDENTIAL = Credential(
    id="wait",
    title="Wait time",
    competency="Uses wait time to deepen thinking.",
    rubric=Rubric(
        criteria=(
            _criterion("c1", "Wait time after posing a question"),
            _criterion("c2", "Wait time after a student responds"),
            _criterion("c3", "Equitable participation"),
        )
    ),
)

LONG_SPECIFIC = (
    "Wait time after posing a question: at 03:05 you paused four seconds and six hands went "
    "up, but later pauses shrank to one second. Next time keep the pause after each student "
    "responds too, and film a stretch where quieter students answer."
)


def _sheet(feedback: str, level: str | None = "low") -> ScoreSheet:
    sheet = ScoreSheet(feedback=feedback)
    for cid in ("c1", "c2", "c3"):
        sheet = sheet.with_level(cid, level)
    return sheet


CASES = [
    # (id, feedback, decision, chosen level, rules, expected codes)
    ("specific not yet", LONG_SPECIFIC, Decision.NOT_YET, "low", None, set()),
    ("specific pass", LONG_SPECIFIC, Decision.PASS, "high", None, set()),
    (
        "names nothing",
        "Good lesson, keep it up, well done overall.",
        Decision.PASS,
        "high",
        None,
        {NAMED},
    ),
    (
        "named by full title",
        "Equitable participation was strong.",
        Decision.PASS,
        "high",
        None,
        set(),
    ),
    (
        "named by distinctive word",
        "More students responded once you waited.",
        Decision.PASS,
        "high",
        None,
        set(),
    ),
    (
        "shared title words are not enough",
        "Wait time was fine.",
        Decision.PASS,
        "high",
        None,
        {NAMED},
    ),
    ("named as criterion N", "Criterion 2 is where to look.", Decision.PASS, "high", None, set()),
    (
        "criterion number out of range",
        "Criterion 9 is where to look.",
        Decision.PASS,
        "high",
        None,
        {NAMED},
    ),
    (
        "short not yet",
        "Participation: call on more people.",
        Decision.NOT_YET,
        "low",
        None,
        {SHORT},
    ),
    ("short pass is fine", "Participation: lovely.", Decision.PASS, "high", None, set()),
    ("descriptor pasted", LOW, Decision.NOT_YET, "low", None, {NAMED, SHORT, REPEATS}),
    (
        "descriptor plus two words",
        LOW + " Good work.",
        Decision.NOT_YET,
        "low",
        None,
        {NAMED, SHORT, REPEATS},
    ),
    (
        "return incomplete gets nothing",
        "Missing video.",
        Decision.RETURN_INCOMPLETE,
        None,
        None,
        set(),
    ),
    ("empty feedback left to evaluate()", "", Decision.NOT_YET, "low", None, set()),
    (
        "length rule off",
        "Participation: call on more people.",
        Decision.NOT_YET,
        "low",
        FeedbackQualityRules(min_length_not_yet=0),
        set(),
    ),
    (
        "custom minimum",
        "Participation: call on more people.",
        Decision.NOT_YET,
        "low",
        FeedbackQualityRules(min_length_not_yet=20),
        set(),
    ),
    (
        "naming rule off",
        "Good lesson, keep it up, well done overall.",
        Decision.PASS,
        "high",
        FeedbackQualityRules(require_criterion_named=False),
        set(),
    ),
    (
        "repeat rule off",
        LOW,
        Decision.NOT_YET,
        "low",
        FeedbackQualityRules(flag_descriptor_repeat=False, min_length_not_yet=0),
        {NAMED},
    ),
    (
        "no levels yet: any descriptor counts",
        HIGH,
        Decision.PASS,
        None,
        FeedbackQualityRules(require_criterion_named=False),
        {REPEATS},
    ),
]


@pytest.mark.parametrize(
    ("feedback", "decision", "level", "rules", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rules(
    feedback: str,
    decision: Decision,
    level: str | None,
    rules: FeedbackQualityRules | None,
    expected: set[FindingCode],
) -> None:
    findings = check_feedback(_sheet(feedback, level), CREDENTIAL, decision, rules)
    assert {f.code for f in findings} == expected
    for finding in findings:
        assert finding.message.endswith(".")


def test_messages_say_what_to_do() -> None:
    findings = check_feedback(_sheet(LOW), CREDENTIAL, Decision.NOT_YET)
    by_code = {f.code: f.message for f in findings}
    assert "“Wait time after posing a question”" in by_code[NAMED]
    assert f"is {len(LOW)} characters" in by_code[SHORT]
    assert "at least 200" in by_code[SHORT]
    assert "own words" in by_code[REPEATS]


def test_the_credential_rules_apply_unless_others_are_given() -> None:
    lenient = replace(CREDENTIAL, feedback_quality=FeedbackQualityRules(min_length_not_yet=10))
    sheet = _sheet("Participation: call on more people.")
    assert check_feedback(sheet, lenient, Decision.NOT_YET) == ()
    assert [f.code for f in check_feedback(sheet, CREDENTIAL, Decision.NOT_YET)] == [SHORT]


def test_similarity_threshold() -> None:
    # Six content words, four from the descriptor: a share of 2/3.
    text = "Pauses under two seconds; rushed everywhere."
    assert only_repeats_descriptor(text, [LOW], similarity=0.6)
    assert not only_repeats_descriptor(text, [LOW], similarity=0.7)


def test_endings_are_folded_when_naming_criteria() -> None:
    criteria = CREDENTIAL.rubric.criteria
    assert names_criterion("The PARTICIPATION of quieter pupils grew.", criteria)
    assert names_criterion("You posed questions; posing them slowly helped.", criteria)
    assert not names_criterion("Pauses were long.", criteria)


def test_the_rubric_panel_uses_the_domain_heuristic() -> None:
    from assessor_app.ui.rubric import descriptor_check

    assert descriptor_check.only_repeats_descriptor is only_repeats_descriptor


# -- configuration in credential files ---------------------------------------------------

RUBRICS = Path(__file__).resolve().parents[2] / "resources" / "rubrics"


def _document() -> dict:
    return yaml.safe_load((RUBRICS / "wait-time-questioning.yaml").read_text(encoding="utf-8"))


def test_a_file_without_the_block_gets_the_defaults() -> None:
    credential = load_credential_file(RUBRICS / "wait-time-questioning.yaml")
    assert credential.feedback_quality == FeedbackQualityRules()
    assert credential.feedback_quality.min_length_not_yet == 200
    # Defaults are not written back, so the document stays as it was.
    assert CredentialSchema.from_domain(credential).feedback_quality is None


def test_a_file_may_configure_the_rules(tmp_path: Path) -> None:
    document = _document()
    document["feedback_quality"] = {
        "min_length_not_yet": 400,
        "require_criterion_named": False,
        "descriptor_similarity": 0.5,
    }
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    credential = load_credential_file(path)
    assert credential.feedback_quality == FeedbackQualityRules(
        require_criterion_named=False,
        min_length_not_yet=400,
        flag_descriptor_repeat=True,
        descriptor_similarity=0.5,
    )
    again = CredentialSchema.model_validate(
        CredentialSchema.from_domain(credential).model_dump(mode="json")
    ).to_domain()
    assert again.feedback_quality == credential.feedback_quality


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ({"descriptor_similarity": 1.5}, "feedback_quality.descriptor_similarity"),
        ({"min_length_not_yet": -1}, "feedback_quality.min_length_not_yet"),
        ({"minimum": 5}, "feedback_quality.minimum"),
    ],
)
def test_a_bad_block_is_refused_with_its_place(tmp_path: Path, block: dict, where: str) -> None:
    document = _document()
    document["feedback_quality"] = block
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(RubricFileError) as error:
        load_credential_file(path)
    assert [w for w, _ in error.value.problems] == [where]
    assert str(path) in str(error.value)
