"""Tables of the review workflow, resubmission routing, coaching flags, issued badges and
the recipients they name.

They live on the hub's one declarative ``Base``; migrations from ``0003`` on create
them. The reviewer's comment on a returned decision is mapped onto ``AssignmentRow`` as
``review_comment`` (a correlated subquery loaded with the row), so every place that turns an
assignment into an ``AssignmentItem`` carries it without a second query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.hub.db import AssignmentRow, Base

# States of a decision under second-level review.
REVIEW_PENDING = "pending"
REVIEW_APPROVED = "approved"
REVIEW_RETURNED = "returned"

DEFAULT_COACHING_AFTER = 2


class CredentialWorkflow(Base):
    """Per-credential workflow options; a credential without a row uses the defaults."""

    __tablename__ = "credential_workflows"
    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    review_required: Mapped[bool] = mapped_column(Boolean, nullable=False)
    coaching_after: Mapped[int] = mapped_column(Integer, nullable=False)
    show_assessor_name: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class DecisionReview(Base):
    """The second-level review of an assignment's current decision."""

    __tablename__ = "decision_reviews"
    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (Index("ix_decision_reviews_state", "state"),)


class ReturnedDecision(Base):
    """A decision a reviewer sent back, kept for the record: the assignment is open again,
    so its ``decisions`` row is moved here. A retry of its upload replays the old receipt."""

    __tablename__ = "returned_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    decision: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        Index("ix_returned_decisions_user_key", "user_id", "idempotency_key"),
        Index("ix_returned_decisions_assignment", "assignment_id"),
    )


class CoachingFlag(Base):
    """Final Not Yet attempts of one educator at one credential; ``flagged_at`` is when the
    count first reached the credential's coaching threshold."""

    __tablename__ = "coaching_flags"
    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    educator_pseudonym: Mapped[str] = mapped_column(String(200), primary_key=True)
    not_yet_attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    last_submission_id: Mapped[str] = mapped_column(String(64), nullable=False)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class IssuedCredential(Base):
    """An Open Badges credential issued for a final Pass. The signed document is built from
    this row, the decision and the submission whenever it is served, so it needs no copy."""

    __tablename__ = "issued_credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), nullable=False)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The credential's bit in the hub's revocation status list (``badges.status_list``).
    status_index: Mapped[int] = mapped_column(Integer, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        UniqueConstraint("assignment_id", name="uq_issued_credentials_assignment"),
        UniqueConstraint("status_index", name="uq_issued_credentials_status_index"),
        Index("ix_issued_credentials_submission", "submission_id"),
    )


class CredentialRecipient(Base):
    """Who an educator's credentials name: ``subject_id`` becomes ``credentialSubject.id``
    (and the VC-JWT's ``sub``). A ``urn:uuid:`` the hub makes on the first Pass, unless the
    programme gave a DID or other URI at import; ``email_hash`` (with its ``email_salt``) is a
    hashed e-mail the programme chose to add as an ``IdentityObject``. Fixed once recorded,
    so every credential of the educator names the same recipient."""

    __tablename__ = "credential_recipients"
    educator_pseudonym: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    email_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    email_salt: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


AssignmentRow.review_comment = column_property(
    select(DecisionReview.comment)
    .where(
        DecisionReview.assignment_id == AssignmentRow.id,
        DecisionReview.state == REVIEW_RETURNED,
    )
    .correlate_except(DecisionReview)
    .scalar_subquery()
)
