"""The educator feedback report, read back from the PDF with poppler."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from report_kit import (
    ARTIFACTS,
    ASSESSOR,
    ISSUER,
    OVERRIDE_REASON,
    PRIVATE_NOTE,
    Rendered,
    _poppler,
    credential,
    pdf_text,
    sheet,
    submission,
)

from assessor_app.domain import (
    Artifact,
    Citation,
    Credential,
    Criterion,
    CriterionScore,
    Decision,
    ImageRegion,
    Level,
    PdfPage,
    Quote,
    Rect,
    Rubric,
    ScoreSheet,
    TableCell,
    TimeRange,
)
from assessor_app.reports import build_feedback_report
from assessor_app.reports.feedback_report import DEFAULT_ISSUER

Render = Callable[..., Rendered]


def _line_with(text: str, needle: str) -> str:
    lines = [line for line in text.splitlines() if needle in line]
    assert len(lines) == 1, f"expected one line with {needle!r}, got {lines}"
    return lines[0]


def test_pass_report_shows_the_rubric_the_award_and_the_evidence(render: Render) -> None:
    report = render()
    text = report.text
    assert "Feedback on your submission" in text
    assert "Wait time in questioning" in text
    assert "Uses deliberate wait time after questions." in text
    assert "Educator E-4821" in text
    assert re.search(r"Attempt\s+1\b", text)
    assert "14 March 2025" in text
    assert "Decision: Pass" in text
    assert "The evidence you submitted shows this competency." in text
    assert re.search(r"Points\s+6 of 8", text)
    for criterion in credential().rubric.criteria:
        assert criterion.title in text
        for level in criterion.levels:
            assert level.label in text
            assert level.descriptor in text
    # The award is in words on the awarded row, once per criterion.
    assert text.count("✓ Awarded") == 2
    awarded = _line_with(text, "Waits three seconds or more.")
    assert "Proficient" in awarded
    assert "✓ Awarded" in awarded
    assert "✓" not in _line_with(text, "Waits after some questions.")
    assert "Awarded level: Proficient, 3 of 4 points." in text
    assert "You waited four seconds after the key question." in text
    assert "Your reflection counts who answered." in text
    assert "Lesson clip, 03:12-03:40" in text
    assert "Lesson plan, p. 2" in text
    assert "Reflection: “The quiet students started to answer.”" in text
    assert "Keep the pause even when the silence feels long." in text
    assert "What changed" not in text


def test_metadata_title_subject_and_issuer_as_author(render: Render) -> None:
    report = render(assessor_name=ASSESSOR)
    assert report.info["Title"] == "Feedback: Wait time in questioning, attempt 1"
    assert report.info["Author"] == ISSUER
    assert report.info["Subject"] == "Pass: Uses deliberate wait time after questions."
    pages = int(report.info["Pages"])
    assert f"Page 1 of {pages}" in report.text
    assert f"Page {pages} of {pages}" in report.text


def test_default_issuer_is_the_author(render: Render) -> None:
    report = render(issuer=DEFAULT_ISSUER)
    assert report.info["Author"] == DEFAULT_ISSUER


def test_private_note_override_reason_and_assessor_name_never_appear(render: Render) -> None:
    overridden = sheet(override=Decision.NOT_YET, override_reason=OVERRIDE_REASON)
    report = render(sheet=overridden, decision=Decision.NOT_YET, assessor_name=ASSESSOR)
    raw = report.pdf.read_bytes()
    for secret in (PRIVATE_NOTE, OVERRIDE_REASON, ASSESSOR):
        assert secret not in report.text
        assert secret.encode() not in raw
    assert ASSESSOR not in report.info.values()


def test_assessor_name_shown_only_when_the_credential_allows_it(render: Render) -> None:
    shown = render("shown", assessor_name=ASSESSOR, show_assessor_name=True)
    assert re.search(rf"Assessor\s+{ASSESSOR}", shown.text)
    assert shown.info["Author"] == ISSUER
    allowed_but_unknown = render("unknown", assessor_name=None, show_assessor_name=True)
    assert "Assessor " not in allowed_but_unknown.text.replace("Assessor's rationale", "")


def test_not_yet_report(render: Render) -> None:
    not_yet = sheet(pauses="pauses-2", feedback="Plan a pause after each key question.")
    report = render(sheet=not_yet, decision=Decision.NOT_YET)
    assert "Decision: Not Yet" in report.text
    assert "does not show this competency yet" in report.flat
    assert "Plan a pause after each key question." in report.text
    assert "Developing" in _line_with(report.text, "Waits after some questions.")
    assert "✓ Awarded" in _line_with(report.text, "Waits after some questions.")
    assert re.search(r"Points\s+5 of 8", report.text)


def test_resubmission_shows_what_changed(render: Render) -> None:
    report = render(submission=submission(attempt=2))
    text = report.text
    assert "What changed since attempt 1" in text
    assert "I planned a pause after every question this time." in text
    assert "Decision on attempt 1: Not Yet. Decision now (attempt 2): Pass." in text
    pauses_row = _line_with(text, "Pauses after questions   ")
    assert re.search(r"Developing \(2\)\s+Proficient \(3\)\s+Higher", pauses_row)
    reflection_row = _line_with(text, "Reflection on impact   ")
    assert re.search(r"Proficient \(3\)\s+Proficient \(3\)\s+Same", reflection_row)
    assert report.info["Title"] == "Feedback: Wait time in questioning, attempt 2"


def test_resubmission_without_a_recorded_earlier_attempt(render: Render) -> None:
    bare = submission(attempt=3, previous_attempts=(), change_note="")
    report = render(submission=bare)
    assert "What changed since attempt 2" in report.text
    assert "No note was included with this resubmission." in report.text
    assert "The result of attempt 2 is not on record." in report.text


def test_returned_as_incomplete_has_a_reason_and_no_judgement(render: Render) -> None:
    returned = ScoreSheet(
        feedback="The video is missing: only the lesson plan was uploaded.",
        private_note=PRIVATE_NOTE,
        override=Decision.RETURN_INCOMPLETE,
        override_reason=OVERRIDE_REASON,
    )
    report = render(
        submission=submission(attempt=2), sheet=returned, decision=Decision.RETURN_INCOMPLETE
    )
    text = report.text
    assert "Decision: Returned as incomplete" in text
    assert "No judgement has been made about the competency" in report.flat
    assert "Reason for return" in text
    assert "The video is missing: only the lesson plan was uploaded." in text
    assert "A classroom video of 10-20 minutes." in text
    for absent in (
        "Results by criterion",
        "Awarded",
        "Waits three seconds or more.",
        "Points",
        "Overall feedback",
        "What changed",
        PRIVATE_NOTE,
        OVERRIDE_REASON,
    ):
        assert absent not in text
    assert report.info["Subject"].startswith("Returned as incomplete:")


def test_sections_come_in_reading_order(render: Render) -> None:
    report = render(submission=submission(attempt=2))
    plain = pdf_text(report.pdf, layout=False)
    order = [
        "Feedback on your submission",
        "Decision: Pass",
        "Overall feedback",
        "What changed since attempt 1",
        "Results by criterion",
        "Criterion 1 of 2: Pauses after questions",
        "You waited four seconds",
        "Criterion 2 of 2: Reflection on impact",
        "Your reflection counts who answered.",
    ]
    positions = [plain.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_sections_are_in_the_pdf_outline(render: Render) -> None:
    raw = render(submission=submission(attempt=2)).pdf.read_bytes()
    assert b"/Outlines" in raw
    for heading in (
        b"Overall feedback",
        b"What changed since attempt 1",
        b"Results by criterion",
        b"Criterion 2 of 2: Reflection on impact",
    ):
        assert b"/Title (" + heading + b")" in raw


def test_long_feedback_wraps_and_flows_over_pages(render: Render) -> None:
    paragraphs = [
        f"Paragraph {i:02d}: " + "the pause after the question gave students time to think. " * 12
        for i in range(40)
    ]
    paragraphs.append("Final-paragraph-marker with a verylongwordthatkeepsgoing" + "x" * 150)
    report = render(sheet=sheet(feedback="\n\n".join(paragraphs)))
    pages = int(report.info["Pages"])
    assert pages >= 4
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in report.text
    for i in range(40):
        assert f"Paragraph {i:02d}:" in report.text
    assert "Final-paragraph-marker" in report.text
    # Wrapped, not clipped: no line of text is wider than the page allows.
    assert max(len(line) for line in report.text.splitlines()) < 130


def _criterion_with(descriptor_words: int, levels: int = 9) -> tuple[Credential, ScoreSheet]:
    long_levels = tuple(
        Level(
            f"l{n}",
            f"Level {n}",
            float(n),
            f"Descriptor {n}. " + "More detail here. " * descriptor_words,
            meets=n > levels // 2,
        )
        for n in range(1, levels + 1)
    )
    big = replace(
        credential(),
        rubric=Rubric(criteria=(Criterion("big", "A very detailed criterion", long_levels),)),
    )
    scored = ScoreSheet(
        scores={
            "big": CriterionScore(
                "big", f"l{levels}", "Top level.", (Citation("plan", PdfPage(1)),)
            )
        },
        feedback="Fine work.",
    )
    return big, scored


HEADER_ROW = re.compile(r"Level\s+Points\s+Descriptor\s+Result")


def test_rubric_table_splits_across_pages_with_its_header_on_each(render: Render) -> None:
    big, scored = _criterion_with(descriptor_words=40)
    report = render(credential=big, sheet=scored)
    pages = report.text.split("\f")
    assert int(report.info["Pages"]) >= 3
    for n in range(1, 10):
        assert f"Descriptor {n}." in report.text
    # The header row opens the table on every page it reaches, and only there.
    table_pages = [page for page in pages if "More detail here." in page]
    assert len(table_pages) >= 3
    assert [len(HEADER_ROW.findall(page)) for page in table_pages] == [1] * len(table_pages)
    assert "✓ Awarded" in _line_with(report.text, "Descriptor 9.")
    # The criterion starts on page 1, where there is room, instead of leaving a blank page.
    assert "Criterion 1 of 1: A very detailed criterion" in pages[0]


def test_a_level_descriptor_taller_than_a_page_still_renders(render: Render) -> None:
    huge, scored = _criterion_with(descriptor_words=190, levels=3)
    report = render(credential=huge, sheet=scored)
    assert int(report.info["Pages"]) >= 4
    # Every word is there; a row split between pages may break a sentence across them.
    for word in ("More ", " here."):
        assert report.flat.count(word) == 3 * 190
    for n in range(1, 4):
        assert f"Descriptor {n}." in report.text
    assert "✓ Awarded" in report.text


def test_markup_in_user_text_is_shown_literally(render: Render) -> None:
    hostile = sheet(feedback="Use <b>wait</b> & <font size=40>time</font> <br/> wisely.")
    report = render(sheet=hostile)
    assert "Use <b>wait</b> & <font size=40>time</font> <br/> wisely." in report.text


def test_citation_to_a_removed_artifact_is_still_readable(render: Render) -> None:
    orphan = sheet().with_score(
        CriterionScore("pauses", "pauses-3", "See the clip.", (Citation("gone", PdfPage(1)),))
    )
    report = render(sheet=orphan)
    assert "an artifact no longer in the submission" in report.text


def test_unscored_criterion_and_empty_texts_are_stated(render: Render) -> None:
    partial = ScoreSheet(scores={"pauses": CriterionScore("pauses", "pauses-3")})
    report = render(sheet=partial, decision=Decision.NOT_YET)
    assert "No level was awarded for this criterion." in report.text
    assert "No rationale was written for this criterion." in report.text
    assert "No overall feedback was written." in report.text
    assert report.text.count("✓ Awarded") == 1


def test_writes_to_a_binary_stream() -> None:
    buffer = io.BytesIO()
    build_feedback_report(
        buffer,
        credential=credential(),
        submission=submission(),
        sheet=sheet(),
        decision=Decision.PASS,
        decided_at=datetime(2025, 1, 2),
    )
    data = buffer.getvalue()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def _page_one_words(pdf: Path) -> list[tuple[float, str]]:
    """(bottom edge in points from the top, word) of every word on page 1 above the footer."""
    html = subprocess.run(
        [_poppler("pdftotext"), "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html
    )
    return [(float(y), word) for y, word in words if float(y) < FOOTER_TOP]


# A4 in points; the text frame ends 20 mm + 6 mm footer room + 6 pt padding above the foot.
PAGE_HEIGHT = 841.89
FRAME_BOTTOM = PAGE_HEIGHT - (26 / 25.4 * 72) - 6
FRAME_HEIGHT = FRAME_BOTTOM - (20 / 25.4 * 72) - 6
FOOTER_TOP = FRAME_BOTTOM + 6


@pytest.mark.parametrize("feedback_sentences", range(0, 60, 4))
def test_page_one_is_filled_before_the_criteria_start(
    render: Render, feedback_sentences: int
) -> None:
    big, scored = _criterion_with(descriptor_words=10, levels=5)
    feedback = "Keep the pause. " + "You planned where to wait. " * feedback_sentences
    report = render(credential=big, sheet=replace(scored, feedback=feedback))
    lowest = max(y for y, _word in _page_one_words(report.pdf))
    # At most a quarter of page 1 is left empty (it used to be up to half, or more).
    assert FRAME_BOTTOM - lowest <= FRAME_HEIGHT / 4 + 2


LABELS = ("Assessor's rationale", "Evidence cited", "Results by criterion", "Overall feedback")


@pytest.mark.parametrize("rationale_sentences", range(0, 120, 6))
def test_no_heading_or_label_is_left_alone_at_the_foot_of_a_page(
    render: Render, rationale_sentences: int
) -> None:
    long = "The pause was clear. " * rationale_sentences
    scores = {
        cid: replace(score, rationale=score.rationale + " " + long)
        for cid, score in sheet().scores.items()
    }
    report = render(sheet=replace(sheet(), scores=scores), submission=submission(attempt=2))
    for page in report.text.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Wait time in questioning ·")]
        if not body:
            continue
        last = body[-1]
        assert not any(last.startswith(label) for label in LABELS), page[-400:]
        assert not re.match(r"Criterion \d+ of \d+:", last), page[-400:]


def test_every_kind_of_citation_is_named_with_its_place(render: Render) -> None:
    artifacts = (
        *ARTIFACTS,
        Artifact("photo", "work.png", "image/png", 10, "d" * 64, "Student work photo"),
        Artifact("quiz", "quiz.csv", "text/csv", 10, "e" * 64, "Quiz results"),
        Artifact("class", "lesson-clip.mp4", "video/mp4", 10, "f" * 64, "Classroom video"),
    )
    cited = sheet().with_score(
        CriterionScore(
            "pauses",
            "pauses-3",
            "See the evidence.",
            (
                Citation("class", TimeRange(47_000, 63_000)),
                Citation("plan", Quote("Wait five seconds after each question.", page=2)),
                Citation("photo", ImageRegion(Rect(10, 20, 300, 120))),
                Citation("quiz", TableCell("S01", "Q3", "2")),
            ),
        )
    )
    report = render(sheet=cited, submission=submission(artifacts=artifacts))
    for expected in (
        "Classroom video, 00:47-01:03",
        "Lesson plan, p. 2: “Wait five seconds after each question.”",
        "Student work photo, region",
        "Quiz results, row S01, column Q3",
    ):
        assert expected in report.text
    assert "(1:20)" not in report.text
