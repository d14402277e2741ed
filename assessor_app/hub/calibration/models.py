"""Calibration tables of the hub: sessions, their items, participants and assignments,
the consensus a facilitator records, and per-credential qualification rules.

They share ``assessor_app.hub.db.Base``; migration ``0002`` creates them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.hub.db import Base

OPEN = "open"
REVEALED = "revealed"
CLOSED = "closed"


class CalibrationSession(Base):
    """``state`` is what the facilitator did (open, revealed, closed); an open session whose
    participants have all submitted is reported as revealed (see ``service``)."""

    __tablename__ = "calibration_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    credential_id: Mapped[str] = mapped_column(String(64), nullable=False)
    credential_version: Mapped[int] = mapped_column(Integer, nullable=False)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_calibration_sessions_facilitator", "facilitator_id"),)


class CalibrationSessionItem(Base):
    __tablename__ = "calibration_session_items"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)


class CalibrationParticipant(Base):
    __tablename__ = "calibration_session_participants"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (Index("ix_calibration_participants_user", "user_id"),)


class CalibrationSessionAssignment(Base):
    """Which ordinary calibration assignment scores which session item for whom."""

    __tablename__ = "calibration_session_assignments"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), nullable=False)
    __table_args__ = (
        UniqueConstraint(
            "session_id", "user_id", "submission_id", name="uq_calibration_session_assignment"
        ),
    )


class CalibrationConsensus(Base):
    __tablename__ = "calibration_consensus"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    submission_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level_id: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class QualificationRule(Base):
    """Rules for one credential; a credential without a row uses the defaults of
    ``protocol.calibration.QualificationRules``."""

    __tablename__ = "calibration_qualification_rules"
    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    exact_share: Mapped[float] = mapped_column(Float, nullable=False)
    adjacent_share: Mapped[float] = mapped_column(Float, nullable=False)
    max_distance: Mapped[int] = mapped_column(Integer, nullable=False)
    same_decision: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
