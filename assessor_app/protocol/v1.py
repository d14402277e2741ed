"""Schemas of protocol v1 (``/api/v1``). Field names are part of the contract: change
them only with a new API version."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.citations import (
    LABEL_LIMIT,
    Citation,
    ImageRegion,
    PdfPage,
    Quote,
    Rect,
    TableCell,
    TimeRange,
)
from assessor_app.domain.decision import Decision
from assessor_app.domain.scoresheet import CriterionScore, ScoreSheet
from assessor_app.domain.submission import PreviousAttempt
from assessor_app.protocol.rubric_file import CredentialSchema

__all__ = [
    "API_PREFIX",
    "API_VERSION",
    "PROBLEM_MEDIA_TYPE",
    "ArtifactOut",
    "AssignmentDelta",
    "AssignmentItem",
    "AssignmentStatus",
    "CellCitation",
    "CitationWire",
    "CredentialOut",
    "CriterionScoreWire",
    "DecisionReceipt",
    "DecisionUpload",
    "Me",
    "PageCitation",
    "PreviousAttemptOut",
    "ProblemDetail",
    "QuoteCitation",
    "RecalibrationNotice",
    "RectWire",
    "RegionCitation",
    "SubmissionOut",
    "TimeCitation",
    "TokenRequest",
    "TokenResponse",
]

API_VERSION = "v1"
API_PREFIX = "/api/v1"
PROBLEM_MEDIA_TYPE = "application/problem+json"

IDEMPOTENCY_KEY_RULE = re.compile(r"[\x21-\x7e]{1,200}")
"""An ``Idempotency-Key``, as the client sends it and the hub takes it: 1 to 200 visible
ASCII characters (the hub stores keys in a 200-character column; the client makes a UUID
per upload). Check a key with ``is_idempotency_key``."""
IDEMPOTENCY_KEY_WORDS = "1 to 200 visible ASCII characters"


def is_idempotency_key(value: object) -> TypeGuard[str]:
    """Whether ``value`` is an Idempotency-Key both sides accept (the whole of it: a
    trailing line break is not part of a key)."""
    return isinstance(value, str) and IDEMPOTENCY_KEY_RULE.fullmatch(value) is not None


def version_tag(version: int) -> str:
    """The ``If-Match`` an upload sends and the ``ETag`` the hub answers with: the
    assignment's version as a strong entity tag, in double quotes (``"3"``)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"an assignment version is a whole number, not {version!r}")
    return f'"{version}"'


class AssignmentStatus(StrEnum):
    """Where the hub has an assignment: ``assigned`` to an assessor, ``decided``,
    ``revoked`` (withdrawn), and in the review workflow ``pending_review`` (waiting for a
    reviewer), ``returned_for_revision`` (sent back to the assessor) and ``returned``
    (sent back to the educator as incomplete)."""

    ASSIGNED = "assigned"
    DECIDED = "decided"
    REVOKED = "revoked"
    PENDING_REVIEW = "pending_review"
    RETURNED_FOR_REVISION = "returned_for_revision"
    RETURNED = "returned"


ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


class _Wire(BaseModel):
    # NaN and Infinity are not JSON: PostgreSQL refuses to store them, other readers choke.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class TokenRequest(_Wire):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1_000)]


class TokenResponse(_Wire):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class RecalibrationNotice(_Wire):
    """In ``/me``: the caller must qualify again on a calibration set of this credential
    before receiving new production work for it, and why. (Listed with the other scoring
    operation schemas in ``protocol/scoring.py``.)"""

    credential_id: str
    credential_title: str
    reason: str


class Me(_Wire):
    username: str
    display_name: str
    roles: list[str]
    calibration_status: str
    artifact_origin: str | None = None
    """Where ``GET /artifacts/{id}/content`` may redirect to (``scheme://host[:port]`` of
    the hub's object storage), or None when the hub serves every artifact itself. A
    client follows an artifact redirect to this origin only, and never sends its bearer
    token there."""
    recalibration: list[RecalibrationNotice] = Field(default_factory=list)
    """Credentials the caller receives no new production work for until they qualify
    again (scoring operations)."""

    @model_serializer(mode="wrap")
    def _omit_no_recalibration(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Sent only when there is one, so clients that predate the field still accept /me.
        data: dict[str, Any] = handler(self)
        if not data.get("recalibration"):
            data.pop("recalibration", None)
        return data


class AssignmentItem(_Wire):
    id: str
    submission_id: str
    kind: AssignmentKind
    status: AssignmentStatus
    version: int
    assigned_at: datetime
    due_at: datetime | None = None
    # Set while a reviewer has returned the decision (status ``returned_for_revision``).
    review_comment: str | None = None

    @model_serializer(mode="wrap")
    def _omit_absent_comment(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Sent only when there is one, so clients that predate the field still accept the
        # item: the wire stays exactly as it was for everything but a returned decision.
        data: dict[str, Any] = handler(self)
        if data.get("review_comment") is None:
            data.pop("review_comment", None)
        return data


class AssignmentDelta(_Wire):
    items: list[AssignmentItem]
    revoked: list[str]
    cursor: str
    has_more: bool


CredentialOut = CredentialSchema


class ArtifactOut(_Wire):
    id: str
    filename: str
    media_type: str
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    title: str = ""


class CriterionLevelOut(_Wire):
    criterion_id: str
    level_id: str | None = None
    rationale: str = ""


class PreviousAttemptOut(_Wire):
    attempt: int
    decision: Decision
    feedback: str
    criteria: list[CriterionLevelOut] = Field(default_factory=list)

    def to_domain(self) -> PreviousAttempt:
        return PreviousAttempt(
            attempt=self.attempt,
            decision=self.decision,
            feedback=self.feedback,
            criteria={c.criterion_id: c.level_id for c in self.criteria if c.level_id},
        )


class SubmissionOut(_Wire):
    id: str
    credential: CredentialOut
    attempt: Annotated[int, Field(ge=1)]
    educator_pseudonym: str
    change_note: str = ""
    previous_attempts: list[PreviousAttemptOut] = Field(default_factory=list)
    artifacts: list[ArtifactOut] = Field(default_factory=list)


class RectWire(_Wire):
    x: float
    y: float
    width: Annotated[float, Field(ge=0)]
    height: Annotated[float, Field(ge=0)]


class TimeCitation(_Wire):
    kind: Literal["time"] = "time"
    artifact_id: str
    start_ms: Annotated[int, Field(ge=0)]
    end_ms: Annotated[int, Field(ge=0)]


class PageCitation(_Wire):
    kind: Literal["page"] = "page"
    artifact_id: str
    page: Annotated[int, Field(ge=1)]
    rect: RectWire | None = None


class QuoteCitation(_Wire):
    """A quote; ``page`` when it was selected in a PDF."""

    kind: Literal["quote"] = "quote"
    artifact_id: str
    text: Annotated[str, Field(min_length=1, max_length=4_000)]
    page: Annotated[int, Field(ge=1)] | None = None


class RegionCitation(_Wire):
    """A rectangle of an image, in the image's pixels."""

    kind: Literal["region"] = "region"
    artifact_id: str
    rect: RectWire


class CellCitation(_Wire):
    """One table cell: the row named by its first cell, the column by its heading."""

    kind: Literal["cell"] = "cell"
    artifact_id: str
    row: Annotated[str, Field(min_length=1, max_length=LABEL_LIMIT)]
    column: Annotated[str, Field(min_length=1, max_length=LABEL_LIMIT)]
    value: Annotated[str, Field(max_length=4_000)] = ""


AnyCitationWire = TimeCitation | PageCitation | QuoteCitation | RegionCitation | CellCitation
CitationWire = Annotated[AnyCitationWire, Field(discriminator="kind")]


def _rect_wire(r: Rect) -> RectWire:
    return RectWire(x=r.x, y=r.y, width=r.width, height=r.height)


def citation_to_wire(citation: Citation) -> AnyCitationWire:
    t = citation.target
    if isinstance(t, TimeRange):
        return TimeCitation(artifact_id=citation.artifact_id, start_ms=t.start_ms, end_ms=t.end_ms)
    if isinstance(t, PdfPage):
        rect = _rect_wire(t.rect) if t.rect else None
        return PageCitation(artifact_id=citation.artifact_id, page=t.page, rect=rect)
    if isinstance(t, ImageRegion):
        return RegionCitation(artifact_id=citation.artifact_id, rect=_rect_wire(t.rect))
    if isinstance(t, TableCell):
        return CellCitation(
            artifact_id=citation.artifact_id, row=t.row, column=t.column, value=t.value
        )
    return QuoteCitation(artifact_id=citation.artifact_id, text=t.text, page=t.page)


def citation_from_wire(wire: AnyCitationWire) -> Citation:
    """Raises ValueError for a well-formed but impossible citation (end before start)."""
    if isinstance(wire, TimeCitation):
        return Citation(wire.artifact_id, TimeRange(wire.start_ms, wire.end_ms))
    if isinstance(wire, PageCitation):
        r = wire.rect
        return Citation(
            wire.artifact_id, PdfPage(wire.page, Rect(r.x, r.y, r.width, r.height) if r else None)
        )
    if isinstance(wire, RegionCitation):
        r = wire.rect
        return Citation(wire.artifact_id, ImageRegion(Rect(r.x, r.y, r.width, r.height)))
    if isinstance(wire, CellCitation):
        return Citation(wire.artifact_id, TableCell(wire.row, wire.column, wire.value))
    return Citation(wire.artifact_id, Quote(wire.text, wire.page))


class CriterionScoreWire(_Wire):
    criterion_id: Annotated[str, Field(min_length=1, max_length=64)]
    level_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    rationale: LongText = ""
    citations: Annotated[list[CitationWire], Field(max_length=200)] = Field(default_factory=list)


class DecisionUpload(_Wire):
    decision: Decision
    criteria: Annotated[list[CriterionScoreWire], Field(max_length=30)]
    feedback: LongText = ""
    private_note: LongText = ""
    override_reason: LongText = ""
    scored_at: datetime

    @classmethod
    def from_sheet(
        cls, sheet: ScoreSheet, decision: Decision, scored_at: datetime
    ) -> DecisionUpload:
        return cls(
            decision=decision,
            criteria=[
                CriterionScoreWire(
                    criterion_id=s.criterion_id,
                    level_id=s.level_id,
                    rationale=s.rationale,
                    citations=[citation_to_wire(c) for c in s.citations],
                )
                for s in sheet.scores.values()
            ],
            feedback=sheet.feedback,
            private_note=sheet.private_note,
            override_reason=sheet.override_reason,
            scored_at=scored_at,
        )

    def to_sheet(self, computed: Decision | None) -> ScoreSheet:
        """The sheet this upload describes. ``computed`` is the rubric's own result for the
        levels, so that a decision that differs from it counts as an override."""
        scores = {
            c.criterion_id: CriterionScore(
                c.criterion_id,
                c.level_id,
                c.rationale,
                tuple(citation_from_wire(x) for x in c.citations),
            )
            for c in self.criteria
        }
        return ScoreSheet(
            scores=scores,
            feedback=self.feedback,
            private_note=self.private_note,
            override=self.decision if self.decision != computed else None,
            override_reason=self.override_reason,
        )


class DecisionReceipt(_Wire):
    assignment_id: str
    decision: Decision
    version: int
    recorded_at: datetime


class ProblemDetail(BaseModel):
    """RFC 9457 problem details; ``errors`` lists field problems for a 422."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[dict[str, str]] | None = None
