"""Where each educator stands on a pathway: which of its components they have passed
(a component counts while an Open Badges credential issued for a final Pass of it stands:
a revoked badge does not count) and whether the programme credential was issued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.hub.db import SubmissionRow
from assessor_app.hub.pathways.models import Pathway, ProgrammeCredential
from assessor_app.hub.workflow.models import IssuedCredential


@dataclass(frozen=True)
class PassedComponent:
    credential_id: str
    issued_credential_id: str
    issued_at: datetime


@dataclass(frozen=True)
class EducatorProgress:
    educator_pseudonym: str
    components: tuple[str, ...]
    required: int
    passed: tuple[PassedComponent, ...]
    programme_credential_id: str | None

    @property
    def complete(self) -> bool:
        return len(self.passed) >= self.required

    @property
    def missing(self) -> tuple[str, ...]:
        done = {p.credential_id for p in self.passed}
        return tuple(c for c in self.components if c not in done)


def passed_components(
    session: Session, components: Sequence[str], educators: Sequence[str] | None = None
) -> dict[str, dict[str, PassedComponent]]:
    """Per educator, the first credential issued for each component passed, keyed by the
    component's credential id; ``educators`` None means every educator."""
    query = (
        select(
            SubmissionRow.educator_pseudonym,
            SubmissionRow.credential_id,
            IssuedCredential.id,
            IssuedCredential.issued_at,
        )
        .join(IssuedCredential, IssuedCredential.submission_id == SubmissionRow.id)
        .where(
            SubmissionRow.credential_id.in_(list(components)),
            IssuedCredential.revoked_at.is_(None),
        )
        .order_by(IssuedCredential.issued_at, IssuedCredential.id)
    )
    if educators is not None:
        query = query.where(SubmissionRow.educator_pseudonym.in_(list(educators)))
    passed: dict[str, dict[str, PassedComponent]] = {}
    for educator, credential_id, issued_id, issued_at in session.execute(query):
        passed.setdefault(educator, {}).setdefault(
            credential_id, PassedComponent(credential_id, issued_id, issued_at)
        )
    return passed


def pathway_progress(
    session: Session, pathway: Pathway, educator: str | None = None
) -> list[EducatorProgress]:
    """Every educator with a submission at one of the pathway's components or holding its
    programme credential (or just ``educator``), ordered by pseudonym."""
    components = list(pathway.components)
    wanted = [educator] if educator is not None else None
    issued = {
        row.educator_pseudonym: row.id
        for row in session.scalars(
            select(ProgrammeCredential).where(ProgrammeCredential.pathway_id == pathway.id)
        )
        if educator is None or row.educator_pseudonym == educator
    }
    query = select(SubmissionRow.educator_pseudonym).where(
        SubmissionRow.credential_id.in_(components)
    )
    if educator is not None:
        query = query.where(SubmissionRow.educator_pseudonym == educator)
    educators = set(session.scalars(query.distinct())) | set(issued)
    passed = passed_components(session, components, wanted)
    return [
        EducatorProgress(
            educator_pseudonym=name,
            components=tuple(components),
            required=pathway.required,
            passed=tuple(passed[name][c] for c in components if c in passed.get(name, {})),
            programme_credential_id=issued.get(name),
        )
        for name in sorted(educators)
    ]
