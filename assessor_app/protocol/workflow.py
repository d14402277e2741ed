"""Wire schemas of the hub's review workflow, coaching flags and issued credentials
(``/api/v1/reviews``, ``/api/v1/coaching``, ``/api/v1/credentials``, ``/api/v1/issuer``).
Field names are part of the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assessor_app.domain.decision import Decision
from assessor_app.protocol.v1 import CriterionLevelOut

__all__ = [
    "CoachingFlagOut",
    "CoachingList",
    "IssuedCredentialList",
    "IssuedCredentialOut",
    "IssuedCredentialSummary",
    "ReviewAction",
    "ReviewItem",
    "ReviewList",
    "ReviewOutcome",
    "RevocationOut",
    "RevocationRequest",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewItem(_Wire):
    """A decision waiting for second-level review, with what the reviewer needs to judge it."""

    assignment_id: str
    submission_id: str
    credential_id: str
    credential_title: str
    attempt: int
    educator_pseudonym: str
    assessor: str
    decision: Decision
    total_points: float
    criteria: list[CriterionLevelOut]
    feedback: str
    override_reason: str = ""
    recorded_at: datetime


class ReviewList(_Wire):
    items: list[ReviewItem]


class ReviewAction(_Wire):
    """``comment`` is optional to approve and required to return a decision."""

    comment: Annotated[str, Field(max_length=20_000)] = ""


class ReviewOutcome(_Wire):
    assignment_id: str
    state: Literal["approved", "returned"]
    assignment_status: str
    assignment_version: int
    credential_id: str | None = Field(
        default=None, description="the Open Badges credential issued by an approved Pass"
    )


class CoachingFlagOut(_Wire):
    credential_id: str
    educator_pseudonym: str
    not_yet_attempts: int
    threshold: int
    flagged: bool
    flagged_at: datetime | None = None
    last_submission_id: str


class CoachingList(_Wire):
    items: list[CoachingFlagOut]


class IssuedCredentialSummary(_Wire):
    id: str
    submission_id: str
    assignment_id: str
    issued_at: datetime


class IssuedCredentialOut(_Wire):
    """An issued Open Badges 3.0 credential: ``jwt`` is the signed VC-JWT (RS256 or EdDSA) and
    ``credential`` the same document, readable."""

    id: str
    issued_at: datetime
    format: Literal["vc+jwt"] = "vc+jwt"
    jwt: str
    credential: dict[str, Any]


class IssuedCredentialList(_Wire):
    items: list[IssuedCredentialSummary]


class RevocationRequest(_Wire):
    """Why an issued credential is revoked; kept on the hub, never published."""

    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class RevocationOut(_Wire):
    """A revoked credential: its bit in the revocation status list is now set."""

    id: str
    revoked_at: datetime
    reason: str
    status_list_credential: str
    status_list_index: int
