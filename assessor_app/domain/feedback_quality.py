"""The feedback quality check: hints that the feedback to an educator will not help them.

Before a sheet is finalized its overall feedback is checked against the credential's
``FeedbackQualityRules`` (defined with the credential, in ``rubric``):

- it names no criterion: by title, by a word of one title that no other title has, or as
  "criterion N" (the educator cannot tell which part of the rubric it is about);
- for a Not Yet, it is shorter than a minimum (too short to say what evidence would show the
  competency);
- it only repeats the chosen levels' descriptors with hardly any words of the assessor's own.

These are heuristics on words, not judgements: a finding never blocks finalizing on its own;
the assessor may go ahead by giving a reason. A "returned as incomplete" decision is about
what is missing from the submission, not about the rubric, so it gets no findings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from assessor_app.domain.decision import Decision
from assessor_app.domain.rubric import (
    DEFAULT_DESCRIPTOR_SIMILARITY,
    Credential,
    Criterion,
    FeedbackQualityRules,
)
from assessor_app.domain.scoresheet import ScoreSheet

# Fewer new content words than this, with most words taken from descriptors, is "only
# repeating". Three allows "Good." or "Well done" on top of a copied descriptor.
MIN_OWN_WORDS = 3

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_CRITERION_NUMBER = re.compile(r"\bcriteri(?:on|a)\s*#?\s*(\d+)", re.IGNORECASE)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "with",
        "you",
        "your",
        "not",
        "no",
    ]
)
# Words too common to identify a criterion even when only one title has them.
_COMMON_TITLE_WORDS = frozenset(
    [
        "about",
        "after",
        "also",
        "before",
        "between",
        "during",
        "each",
        "from",
        "into",
        "more",
        "most",
        "over",
        "than",
        "then",
        "these",
        "those",
        "through",
        "under",
        "when",
        "where",
        "which",
        "while",
        "with",
        "within",
        "without",
    ]
)
# Suffixes folded away so that "waited" finds "Wait time" and "questioning" finds
# "Questions"; a stem keeps at least _MIN_STEM letters.
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
_MIN_STEM = 4


class FindingCode(StrEnum):
    NO_CRITERION_NAMED = "no_criterion_named"
    TOO_SHORT = "too_short"
    REPEATS_DESCRIPTOR = "repeats_descriptor"


@dataclass(frozen=True)
class FeedbackFinding:
    """One reason to look at the feedback again; ``message`` is written for the assessor."""

    code: FindingCode
    message: str


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def only_repeats_descriptor(
    text: str,
    descriptors: Iterable[str],
    similarity: float = DEFAULT_DESCRIPTOR_SIMILARITY,
) -> bool:
    """Whether ``text`` is made of the descriptors' words with hardly any of its own."""
    words = _content_words(text)
    if not words:
        return False
    vocabulary: set[str] = set()
    for descriptor in descriptors:
        vocabulary.update(_content_words(descriptor))
    if not vocabulary:
        return False
    repeated = sum(1 for w in words if w in vocabulary)
    own = len(words) - repeated
    return own < MIN_OWN_WORDS and repeated >= max(3, similarity * len(words))


def _title_stems(criterion: Criterion) -> set[str]:
    return {
        _stem(w)
        for w in _content_words(criterion.title)
        if len(w) >= _MIN_STEM and w not in _COMMON_TITLE_WORDS
    }


def names_criterion(text: str, criteria: Iterable[Criterion]) -> bool:
    """Whether ``text`` names one of ``criteria``: its whole title, "criterion N", or a
    title word (of four letters or more, endings aside) that no other criterion's title has."""
    criteria = tuple(criteria)
    if not criteria:
        return True
    folded = " ".join(_WORD.findall(text.casefold()))
    for criterion in criteria:
        title = " ".join(_WORD.findall(criterion.title.casefold()))
        if title and f" {title} " in f" {folded} ":
            return True
    for match in _CRITERION_NUMBER.finditer(text):
        if 1 <= int(match.group(1)) <= len(criteria):
            return True
    counts = Counter(stem for c in criteria for stem in _title_stems(c))
    distinctive = {stem for stem, n in counts.items() if n == 1}
    return any(_stem(w) in distinctive for w in _content_words(text))


def check_feedback(
    sheet: ScoreSheet,
    credential: Credential,
    decision: Decision | None,
    rules: FeedbackQualityRules | None = None,
) -> tuple[FeedbackFinding, ...]:
    """The findings on ``sheet.feedback`` for ``decision``, under ``rules`` (default: the
    credential's). Empty feedback gets none here: where it matters, ``evaluate`` already
    refuses it."""
    rules = rules or credential.feedback_quality
    feedback = sheet.feedback.strip()
    if not feedback or decision is Decision.RETURN_INCOMPLETE:
        return ()
    criteria = credential.rubric.criteria
    findings: list[FeedbackFinding] = []
    if rules.require_criterion_named and not names_criterion(feedback, criteria):
        examples = ", ".join(f"“{c.title}”" for c in criteria[:2])
        findings.append(
            FeedbackFinding(
                FindingCode.NO_CRITERION_NAMED,
                "The feedback names no criterion. Say which part of the rubric each point is "
                f"about (for example {examples}), so the educator knows where to look.",
            )
        )
    if (
        decision is Decision.NOT_YET
        and rules.min_length_not_yet > 0
        and len(feedback) < rules.min_length_not_yet
    ):
        findings.append(
            FeedbackFinding(
                FindingCode.TOO_SHORT,
                f"The feedback for a Not Yet is {len(feedback)} characters; this credential "
                f"asks for at least {rules.min_length_not_yet}. Say what you saw and what "
                "evidence would show the competency next time.",
            )
        )
    if rules.flag_descriptor_repeat:
        chosen = [
            level.descriptor
            for criterion in criteria
            if (level_id := sheet.score(criterion.id).level_id)
            and (level := criterion.level(level_id)) is not None
        ]
        descriptors = chosen or [lv.descriptor for c in criteria for lv in c.levels]
        if only_repeats_descriptor(feedback, descriptors, rules.descriptor_similarity):
            findings.append(
                FeedbackFinding(
                    FindingCode.REPEATS_DESCRIPTOR,
                    "The feedback only repeats the rubric's descriptors. Say what you saw in "
                    "the evidence, in your own words.",
                )
            )
    return tuple(findings)
