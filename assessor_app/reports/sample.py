"""A sample feedback report for the documentation: ``python -m assessor_app.reports.sample OUTDIR``.

Builds a realistic decided resubmission for the "Wait time in questioning" credential,
writes ``feedback-report.pdf`` to OUTDIR and, when poppler's ``pdftoppm`` is installed,
renders its first page to ``feedback-report-page1.png`` beside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportlab import rl_config

from assessor_app.domain import (
    Artifact,
    Citation,
    Credential,
    Criterion,
    CriterionScore,
    Decision,
    Level,
    PdfPage,
    PreviousAttempt,
    Quote,
    RationaleRequirement,
    Rubric,
    ScoreSheet,
    Submission,
    TimeRange,
)
from assessor_app.reports.feedback_report import build_feedback_report

PDF_NAME = "feedback-report.pdf"
PNG_NAME = "feedback-report-page1.png"


def _levels(criterion_id: str, descriptors: tuple[str, str, str, str]) -> tuple[Level, ...]:
    labels = ("Beginning", "Developing", "Proficient", "Exemplary")
    return tuple(
        Level(f"{criterion_id}-{i + 1}", label, float(i + 1), text, meets=i >= 2)
        for i, (label, text) in enumerate(zip(labels, descriptors, strict=True))
    )


def sample_credential() -> Credential:
    criteria = (
        Criterion(
            id="planning",
            title="Questions planned with wait time",
            description="The lesson plan shows higher-order questions and where to pause.",
            rationale=RationaleRequirement.REQUIRED,
            levels=_levels(
                "planning",
                (
                    "Questions are not planned, or only recall questions are listed.",
                    "Some higher-order questions are planned; pauses are not mentioned.",
                    "Higher-order questions are planned, each with a planned pause of at "
                    "least three seconds.",
                    "Questions and pauses are planned and sequenced to build on students' "
                    "answers, with a plan for who answers and how.",
                ),
            ),
        ),
        Criterion(
            id="practice",
            title="Wait time after questions",
            description="In the video, the educator waits after asking before taking answers.",
            rationale=RationaleRequirement.REQUIRED,
            levels=_levels(
                "practice",
                (
                    "The educator answers their own questions or calls on the first hand "
                    "within a second.",
                    "The educator waits about three seconds after some questions.",
                    "The educator waits three to five seconds after most questions and "
                    "discourages calling out.",
                    "The educator waits consistently, also after students' answers "
                    "(wait time 2), and names the pause for students.",
                ),
            ),
        ),
        Criterion(
            id="responses",
            title="Student responses",
            description="Evidence that longer wait time changed students' answers.",
            levels=_levels(
                "responses",
                (
                    "Answers are single words from a few students.",
                    "More students answer, but answers stay short.",
                    "Answers are longer and more students take part than at the start.",
                    "Students build on each other's answers and give reasons without "
                    "being prompted.",
                ),
            ),
        ),
        Criterion(
            id="reflection",
            title="Reflection on impact",
            description="The reflection connects the change in practice to student learning.",
            levels=_levels(
                "reflection",
                (
                    "The reflection describes the lesson without reference to wait time.",
                    "The reflection mentions wait time but not its effect on students.",
                    "The reflection uses evidence from the lesson to describe the effect "
                    "of wait time on students.",
                    "The reflection uses evidence to describe the effect and sets a "
                    "specific next step for practice.",
                ),
            ),
        ),
    )
    return Credential(
        id="wait-time-questioning",
        title="Wait time in questioning",
        competency=(
            "The educator plans and uses deliberate wait time after questions so that "
            "more students think and respond at greater depth."
        ),
        rubric=Rubric(criteria=criteria),
        artifact_requirements=(
            "A lesson plan with the questions you planned to ask.",
            "A 10-20 minute classroom video of the questioning.",
            "A reflection of 300-600 words.",
        ),
    )


def sample_submission() -> Submission:
    artifacts = (
        Artifact(
            "a-video", "lesson-2024-11-05.mp4", "video/mp4", 184_000_000, "a" * 64, "Lesson clip"
        ),
        Artifact("a-plan", "plan_v2.pdf", "application/pdf", 220_000, "b" * 64, "Lesson plan"),
        Artifact("a-refl", "reflection.txt", "text/plain", 3_100, "c" * 64, "Reflection"),
    )
    return Submission(
        id="sub-4821-2",
        credential_id="wait-time-questioning",
        attempt=2,
        educator_pseudonym="Educator E-4821",
        artifacts=artifacts,
        change_note=(
            "I re-planned the lesson with a pause after each question and filmed the "
            "whole discussion this time. My reflection now uses the students' answers."
        ),
        previous_attempts=(
            PreviousAttempt(
                attempt=1,
                decision=Decision.NOT_YET,
                feedback="The video shows few pauses; plan where you will wait.",
                criteria={
                    "planning": "planning-2",
                    "practice": "practice-2",
                    "responses": "responses-2",
                    "reflection": "reflection-2",
                },
            ),
        ),
    )


def sample_sheet() -> ScoreSheet:
    scores = (
        CriterionScore(
            "planning",
            "planning-3",
            "Each of the five discussion questions on page 2 has a planned pause, and the "
            "plan asks students to think silently before any hands go up.",
            (Citation("a-plan", PdfPage(2)),),
        ),
        CriterionScore(
            "practice",
            "practice-4",
            "You waited four to six seconds after every question in the clip, and after "
            "Maya's answer you waited again, which drew a second, fuller answer.",
            (
                Citation("a-video", TimeRange(192_000, 220_000)),
                Citation("a-video", TimeRange(431_500, 458_000)),
            ),
        ),
        CriterionScore(
            "responses",
            "responses-3",
            "Nine students answered the ratio question, against three at the start of the "
            "lesson, and answers included reasons.",
            (Citation("a-video", TimeRange(505_000, 562_000)),),
        ),
        CriterionScore(
            "reflection",
            "reflection-3",
            "The reflection counts who answered before and after you changed your pauses.",
            (
                Citation(
                    "a-refl",
                    Quote(
                        "When I waited, the students who never speak started to answer, and "
                        "their answers were longer than anything I heard in the first lesson, "
                        "so I want to keep the pause even when the silence feels "
                        "uncomfortable for me."
                    ),
                ),
            ),
        ),
    )
    return ScoreSheet(
        scores={s.criterion_id: s for s in scores},
        feedback=(
            "Your pauses after questions are now deliberate and consistent, and the video "
            "shows their effect: more students answer, and they give reasons. "
            "The clearest evidence is the exchange at 07:11, where waiting after Maya's "
            "answer led to a second, fuller one.\n\n"
            "Next step: in your reflection you noticed who answers; try planning wait time "
            "2 (after a student's answer) for the questions where you want students to "
            "build on each other."
        ),
        private_note="Borderline on reflection; discussed with the lead assessor.",
    )


@dataclass(frozen=True)
class SampleFiles:
    pdf: Path
    png: Path | None


def write_sample(outdir: Path) -> SampleFiles:
    """Write the sample PDF (and page 1 as PNG when pdftoppm exists) into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    # Fixed dates and ids inside the PDF, so the committed sample only changes with the code.
    previous, rl_config.invariant = rl_config.invariant, 1
    pdf = outdir / PDF_NAME
    try:
        build_feedback_report(
            pdf,
            credential=sample_credential(),
            submission=sample_submission(),
            sheet=sample_sheet(),
            decision=Decision.PASS,
            decided_at=datetime(2024, 11, 18, 16, 40, tzinfo=UTC),
        )
    finally:
        rl_config.invariant = previous
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return SampleFiles(pdf, None)
    stem = outdir / "feedback-report-page1"
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    return SampleFiles(pdf, outdir / PNG_NAME)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m assessor_app.reports.sample OUTDIR", file=sys.stderr)
        return 2
    files = write_sample(Path(args[0]))
    print(files.pdf)
    if files.png is not None:
        print(files.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
