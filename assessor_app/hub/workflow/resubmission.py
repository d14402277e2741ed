"""Resubmission: attempt N+1 of a submission that was decided Not Yet or returned as
incomplete, from a folder of new artifacts.

The folder holds the new artifact files. An optional ``submission.yaml`` lists them with
titles (``artifacts:`` entries as for ``import-submission``; nothing else, because the
credential, the educator and the attempt number come from the earlier attempt). Without it,
every visible regular file in the folder is an artifact, in name order.

The new attempt carries every earlier attempt's decision, feedback, levels and rationales
in ``previous_attempts``, and goes to the assessor who decided attempt N when that account
still holds the ``assessor`` role; otherwise it stays unassigned and the caller is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.decision import Decision
from assessor_app.hub.db import AssignmentRow, DecisionRow, SubmissionRow, User
from assessor_app.hub.submission_file import METADATA_FILE, ArtifactEntry
from assessor_app.protocol.v1 import AssignmentStatus, CriterionLevelOut, PreviousAttemptOut

RESUBMITTABLE = (Decision.NOT_YET.value, Decision.RETURN_INCOMPLETE.value)


class ResubmissionError(ValueError):
    """``str()`` says what is wrong and what to do."""


class _ArtifactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifacts: list[ArtifactEntry] = Field(min_length=1, max_length=200)

    @field_validator("artifacts")
    @classmethod
    def _unique(cls, value: list[ArtifactEntry]) -> list[ArtifactEntry]:
        names = [a.file for a in value]
        if len(set(names)) != len(names):
            raise ValueError("each artifact file may be listed once")
        return value


def load_artifact_folder(folder: Path) -> list[ArtifactEntry]:
    """The new attempt's artifacts; raises ``ResubmissionError``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResubmissionError(f"{folder}: not a folder")
    meta = folder / METADATA_FILE
    if meta.exists():
        try:
            data: Any = yaml.safe_load(meta.read_text(encoding="utf-8"))
            entries = _ArtifactsFile.model_validate(data).artifacts
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ResubmissionError(f"{meta}: cannot be read: {exc}") from None
        except ValidationError as exc:
            lines = [
                f"{meta}: {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
                for e in exc.errors()
            ]
            raise ResubmissionError("\n".join(lines)) from None
    else:
        entries = [
            ArtifactEntry(file=p.name)
            for p in sorted(folder.iterdir())
            if not p.name.startswith(".") and p.is_file() and not p.is_symlink()
        ]
        if not entries:
            raise ResubmissionError(f"{folder}: holds no artifact files")
    root = folder.resolve()
    for entry in entries:
        path = folder / entry.file
        # A symlink could point anywhere: only regular files inside the folder are taken.
        if path.is_symlink() or not path.is_file() or path.resolve().parent != root:
            raise ResubmissionError(f"{folder}: {entry.file!r} is not a file in the folder")
    return entries


@dataclass(frozen=True)
class ResubmissionPlan:
    prior: SubmissionRow
    attempt: int
    previous_attempts: list[dict[str, Any]]
    assessor: User | None
    message: str


def plan_resubmission(session: Session, submission_id: str) -> ResubmissionPlan:
    """Check that ``submission_id`` may be resubmitted and work out attempt N+1."""
    prior = session.get(SubmissionRow, submission_id)
    if prior is None:
        raise ResubmissionError(f"no submission with id {submission_id!r}")
    later = session.scalar(
        select(SubmissionRow.id).where(
            SubmissionRow.credential_id == prior.credential_id,
            SubmissionRow.educator_pseudonym == prior.educator_pseudonym,
            SubmissionRow.attempt > prior.attempt,
        )
    )
    if later is not None:
        raise ResubmissionError(
            f"{submission_id} is attempt {prior.attempt}, and a later attempt exists "
            f"({later}): resubmit the latest attempt"
        )
    final = session.execute(
        select(DecisionRow, User)
        .join(AssignmentRow, AssignmentRow.id == DecisionRow.assignment_id)
        .join(User, User.id == DecisionRow.user_id)
        .where(
            AssignmentRow.submission_id == prior.id,
            AssignmentRow.kind == "production",
            AssignmentRow.status != AssignmentStatus.PENDING_REVIEW,
        )
        .order_by(DecisionRow.recorded_at.desc())
        .limit(1)
    ).first()
    if final is None:
        raise ResubmissionError(
            f"{submission_id} has no final decision yet: it can be resubmitted once it is "
            "decided Not Yet or returned as incomplete"
        )
    decision, assessor = final
    if decision.decision not in RESUBMITTABLE:
        raise ResubmissionError(
            f"{submission_id} was decided {Decision(decision.decision).label}: only a Not Yet "
            "or an incomplete return can be resubmitted"
        )
    this_attempt = PreviousAttemptOut(
        attempt=prior.attempt,
        decision=Decision(decision.decision),
        feedback=decision.body.get("feedback", ""),
        criteria=[
            CriterionLevelOut(
                criterion_id=c["criterion_id"],
                level_id=c.get("level_id"),
                rationale=c.get("rationale", ""),
            )
            for c in decision.body.get("criteria", [])
        ],
    ).model_dump(mode="json")
    active = "assessor" in assessor.roles
    message = (
        f"routed to {assessor.username}, who decided attempt {prior.attempt}"
        if active
        else f"{assessor.username}, who decided attempt {prior.attempt}, is no longer an active "
        "assessor: the new attempt is unassigned; give it to someone with `assessor-hub assign`"
    )
    return ResubmissionPlan(
        prior=prior,
        attempt=prior.attempt + 1,
        previous_attempts=[*prior.previous_attempts, this_attempt],
        assessor=assessor if active else None,
        message=message,
    )
