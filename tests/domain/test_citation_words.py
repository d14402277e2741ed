"""Citations in words: one phrase for the chip, the report and the command line."""

from __future__ import annotations

import pytest

from assessor_app.domain import (
    Artifact,
    Citation,
    ImageRegion,
    PdfPage,
    Quote,
    Rect,
    TableCell,
    TimeRange,
)
from assessor_app.domain.citations import (
    MISSING_ARTIFACT,
    QUOTE_LIMIT,
    describe_citation,
    describe_citations,
    trim_quote,
)

CLIP = Artifact("vid", "clip.mp4", "video/mp4", 10, "a" * 64, "Lesson clip")
UNTITLED_CLIP = Artifact("raw", "lesson 3 (final).mp4", "video/mp4", 10, "a" * 64)
INTERVIEW = Artifact("aud", "talk.m4a", "audio/mp4", 10, "a" * 64, "Student interview")
PLAN = Artifact("plan", "plan.pdf", "application/pdf", 10, "b" * 64, "Lesson plan")
UNTITLED_PLAN = Artifact("plan2", "plan_v2.pdf", "application/pdf", 10, "b" * 64)
REFLECTION = Artifact("refl", "reflection.txt", "text/plain", 10, "c" * 64, "Reflection")
PHOTO = Artifact("img", "board.jpg", "image/jpeg", 10, "d" * 64, "Student work photo")
QUIZ = Artifact("quiz", "quiz.csv", "text/csv", 10, "e" * 64, "Quiz results")
INDEX = {
    a.id: a for a in (CLIP, UNTITLED_CLIP, INTERVIEW, PLAN, UNTITLED_PLAN, REFLECTION, PHOTO, QUIZ)
}


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        (Citation("vid", TimeRange(192_000, 220_000)), "Lesson clip, 03:12-03:40"),
        (Citation("vid", TimeRange(3_723_000, 3_730_999)), "Lesson clip, 1:02:03-1:02:10"),
        (Citation("raw", TimeRange(5_000, 10_000)), "lesson 3 (final).mp4, 00:05-00:10"),
        (Citation("aud", TimeRange(0, 45_000)), "Student interview, 00:00-00:45"),
        (Citation("plan", PdfPage(2)), "Lesson plan, p. 2"),
        (Citation("plan", PdfPage(4, Rect(10, 20, 100, 50))), "Lesson plan, p. 4"),
        (Citation("plan2", PdfPage(3)), "plan_v2.pdf, p. 3"),
        (Citation("refl", Quote("I waited longer.")), "Reflection: “I waited longer.”"),
        (Citation("refl", Quote("  I  waited\n\nlonger. ")), "Reflection: “I waited longer.”"),
        (
            Citation("plan", Quote("Wait five seconds.", page=2)),
            "Lesson plan, p. 2: “Wait five seconds.”",
        ),
        (Citation("img", ImageRegion(Rect(10, 20, 30, 40))), "Student work photo, region"),
        (Citation("quiz", TableCell("S01", "Q3", "2")), "Quiz results, row S01, column Q3"),
    ],
)
def test_reference_names_the_artifact_and_the_place(citation: Citation, expected: str) -> None:
    assert describe_citation(citation, INDEX) == expected


def test_citation_of_an_artifact_no_longer_in_the_submission() -> None:
    gone = Citation("deleted-artifact", TimeRange(1_000, 2_000))
    assert describe_citation(gone, INDEX) == f"{MISSING_ARTIFACT}, 00:01-00:02"
    assert MISSING_ARTIFACT == "an artifact no longer in the submission"


def test_long_quotes_are_cut_at_a_word_with_an_ellipsis() -> None:
    words = " ".join(f"word{i}" for i in range(100))
    text = describe_citation(Citation("refl", Quote(words)), INDEX)
    quoted = text.removeprefix("Reflection: “").removesuffix("”")
    assert quoted.endswith("…")
    assert len(quoted) <= QUOTE_LIMIT
    # Every word kept is whole: the text before the ellipsis is a prefix made of full words.
    kept = quoted.removesuffix("…").split(" ")
    assert kept == words.split(" ")[: len(kept)]
    assert len(kept) > 10


def test_a_single_huge_word_is_still_cut() -> None:
    assert trim_quote("x" * 500, limit=50) == "x" * 49 + "…"


def test_short_quote_is_untouched() -> None:
    assert trim_quote("Short, and sweet.") == "Short, and sweet."


def test_describe_citations_keeps_the_recorded_order() -> None:
    citations = [
        Citation("plan", PdfPage(5)),
        Citation("vid", TimeRange(0, 1_000)),
        Citation("nope", PdfPage(1)),
    ]
    assert describe_citations(citations, INDEX.values()) == [
        "Lesson plan, p. 5",
        "Lesson clip, 00:00-00:01",
        f"{MISSING_ARTIFACT}, p. 1",
    ]


def test_a_short_quote_limit_still_breaks_at_a_word() -> None:
    """The chip's short form: never half a word ("…was looki")."""
    text = "The teacher was looking at the class for a long while before asking again."
    words = describe_citation(Citation("refl", Quote(text)), INDEX, quote_limit=32)
    quoted = words.removeprefix("Reflection: “").removesuffix("”")
    assert quoted == "The teacher was looking at the…"
    assert set(quoted.removesuffix("…").split()) <= set(text.split())
