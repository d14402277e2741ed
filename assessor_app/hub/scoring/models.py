"""Tables of scoring operations (migration ``0008_scoring_operations``): the scoring plan
per credential, affiliations of assessors and submissions, assessors' capacity, the work
items every flow creates and allocation turns into assignments, declines, and the final
decision of each submission.

A work item is a piece of work waiting for a reader (``assignment_id`` NULL) or the record
of who got it; the unique ``assignment_id`` means one piece of work is never given twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.hub.db import Base

# Why a work item exists; every flow creates its own purpose.
FIRST = "first"
SECOND = "second"
ADJUDICATION = "adjudication"
VALIDITY = "validity"
BACKREAD = "backread"
PURPOSES = (FIRST, SECOND, ADJUDICATION, VALIDITY, BACKREAD)

# How a submission's decision became final.
SOURCE_SINGLE = "single"
SOURCE_AGREED = "agreed"
SOURCE_ADJUDICATED = "adjudicated"


class ScoringPlan(Base):
    """A credential's scoring plan; a credential without a row has no second reads,
    validity papers or backreads, and needs no qualification for live work."""

    __tablename__ = "scoring_plans"
    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    second_read_share: Mapped[float] = mapped_column(Float, nullable=False)
    second_read_near_cut: Mapped[float] = mapped_column(Float, nullable=False)
    adjudicate_when: Mapped[str] = mapped_column(String(20), nullable=False)
    adjudicate_distance: Mapped[int] = mapped_column(Integer, nullable=False)
    validity_rate: Mapped[float] = mapped_column(Float, nullable=False)
    validity_window: Mapped[int] = mapped_column(Integer, nullable=False)
    backread_rate: Mapped[float] = mapped_column(Float, nullable=False)
    require_qualified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class UserAffiliation(Base):
    """An organisation or district an account belongs to; never sent to a client."""

    __tablename__ = "user_affiliations"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    affiliation: Mapped[str] = mapped_column(String(100), primary_key=True)


class SubmissionAffiliation(Base):
    """An organisation or district a submission comes from (``submission.yaml``)."""

    __tablename__ = "submission_affiliations"
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    affiliation: Mapped[str] = mapped_column(String(100), primary_key=True)
    __table_args__ = (Index("ix_submission_affiliations_affiliation", "affiliation"),)


class AssessorCapacity(Base):
    """How many open assignments allocation may give an account; no row, no limit."""

    __tablename__ = "assessor_capacity"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)


class WorkItem(Base):
    """Work for one reader of ``required_role``: only allocation turns it into an
    assignment. ``target_user_id`` names the one reader of a validity paper;
    ``subject_assignment_id`` the sheet a backread reads."""

    __tablename__ = "work_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False
    )
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    required_role: Mapped[str] = mapped_column(String(40), nullable=False)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    subject_assignment_id: Mapped[str | None] = mapped_column(
        ForeignKey("assignments.id"), nullable=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    assignment_id: Mapped[str | None] = mapped_column(
        ForeignKey("assignments.id"), nullable=True, unique=True
    )
    __table_args__ = (
        Index("ix_work_items_submission", "submission_id"),
        Index("ix_work_items_open", "assignment_id", "due_at"),
    )


class Decline(Base):
    """An assessor declined an assignment; they never get that submission again."""

    __tablename__ = "declines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id"), nullable=False, unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    declined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class FinalDecision(Base):
    """A submission's final decision: nothing reaches the educator (report, badge, review
    stage) before this row exists. ``assignment_id`` is the sheet that carries it."""

    __tablename__ = "final_decisions"
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(32), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
