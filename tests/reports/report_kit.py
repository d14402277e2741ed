"""Domain objects for the report tests, and helpers that read PDFs back with poppler."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
    Rubric,
    ScoreSheet,
    Submission,
    TimeRange,
)

PRIVATE_NOTE = "PRIVATE-NOTE-Borderline-ask-lead"
OVERRIDE_REASON = "OVERRIDE-REASON-policy-exception"
ASSESSOR = "Dana Quillfeather"
ISSUER = "Northfield Teaching Council"
DECIDED_AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} (poppler-utils) is needed by the report tests")
    return path


def pdf_text(pdf: Path, *, layout: bool = True) -> str:
    args = [_poppler("pdftotext"), *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(
        [_poppler("pdfinfo"), "-enc", "UTF-8", str(pdf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_fonts(pdf: Path) -> str:
    return subprocess.run(
        [_poppler("pdffonts"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout


def credential() -> Credential:
    def level(cid: str, n: int, label: str, descriptor: str) -> Level:
        return Level(f"{cid}-{n}", label, float(n), descriptor, meets=n >= 3)

    return Credential(
        id="wait-time",
        title="Wait time in questioning",
        competency="Uses deliberate wait time after questions.",
        rubric=Rubric(
            criteria=(
                Criterion(
                    id="pauses",
                    title="Pauses after questions",
                    description="How long the educator waits.",
                    levels=(
                        level("pauses", 1, "Beginning", "Answers own questions."),
                        level("pauses", 2, "Developing", "Waits after some questions."),
                        level("pauses", 3, "Proficient", "Waits three seconds or more."),
                        level("pauses", 4, "Exemplary", "Waits after answers too."),
                    ),
                ),
                Criterion(
                    id="reflection",
                    title="Reflection on impact",
                    levels=(
                        level("reflection", 1, "Beginning", "No mention of wait time."),
                        level("reflection", 2, "Developing", "Mentions it, no effect."),
                        level("reflection", 3, "Proficient", "Describes the effect."),
                        level("reflection", 4, "Exemplary", "Effect and a next step."),
                    ),
                ),
            )
        ),
        artifact_requirements=("A classroom video of 10-20 minutes.", "A written reflection."),
    )


ARTIFACTS = (
    Artifact("vid", "clip.mp4", "video/mp4", 1000, "a" * 64, "Lesson clip"),
    Artifact("plan", "plan.pdf", "application/pdf", 1000, "b" * 64, "Lesson plan"),
    Artifact("refl", "reflection.txt", "text/plain", 100, "c" * 64, "Reflection"),
)


def submission(attempt: int = 1, **changes: Any) -> Submission:
    values: dict[str, Any] = {
        "id": f"sub-{attempt}",
        "credential_id": "wait-time",
        "attempt": attempt,
        "educator_pseudonym": "Educator E-4821",
        "artifacts": ARTIFACTS,
    }
    if attempt > 1:
        values["change_note"] = "I planned a pause after every question this time."
        values["previous_attempts"] = (
            PreviousAttempt(
                attempt=attempt - 1,
                decision=Decision.NOT_YET,
                feedback="Plan where you will wait.",
                criteria={"pauses": "pauses-2", "reflection": "reflection-3"},
            ),
        )
    values.update(changes)
    return Submission(**values)


def sheet(pauses: str = "pauses-3", reflection: str = "reflection-3", **changes: Any) -> ScoreSheet:
    values: dict[str, Any] = {
        "scores": {
            "pauses": CriterionScore(
                "pauses",
                pauses,
                "You waited four seconds after the key question.",
                (
                    Citation("vid", TimeRange(192_000, 220_000)),
                    Citation("plan", PdfPage(2)),
                ),
            ),
            "reflection": CriterionScore(
                "reflection",
                reflection,
                "Your reflection counts who answered.",
                (Citation("refl", Quote("The quiet students started to answer.")),),
            ),
        },
        "feedback": "Keep the pause even when the silence feels long.",
        "private_note": PRIVATE_NOTE,
    }
    values.update(changes)
    return ScoreSheet(**values)


@dataclass
class Rendered:
    pdf: Path
    text: str
    info: dict[str, str] = field(default_factory=dict)

    @property
    def flat(self) -> str:
        """The layout text with all runs of whitespace collapsed to one space."""
        return " ".join(self.text.split())
