"""Tables of validity papers and backreading (migration ``0009_validity_backreading``):
each validity paper's comparison with its key, and each backreader's verdict on a decided
sheet. They share ``assessor_app.hub.db.Base``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.hub.db import Base


class ValidityResult(Base):
    """One validity paper the assessor decided, against its key. ``within_rule``: this
    paper alone meets the credential's qualification rule."""

    __tablename__ = "validity_results"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    credential_id: Mapped[str] = mapped_column(String(64), nullable=False)
    keyed_criteria: Mapped[int] = mapped_column(Integer, nullable=False)
    exact_share: Mapped[float] = mapped_column(Float, nullable=False)
    adjacent_share: Mapped[float] = mapped_column(Float, nullable=False)
    worst_distance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unscored: Mapped[int] = mapped_column(Integer, nullable=False)
    same_decision: Mapped[bool] = mapped_column(Boolean, nullable=False)
    within_rule: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        Index("ix_validity_results_user_credential", "user_id", "credential_id", "recorded_at"),
    )


class BackreadVerdictRow(Base):
    """A backreader's verdict (``BackreadVerdict`` JSON in ``body``) on the decided sheet
    ``subject_assignment_id``, recorded for the backread assignment ``assignment_id``.
    The (user, idempotency key) pair makes a retried upload return the first answer."""

    __tablename__ = "backread_verdicts"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    subject_assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # The sheet's levels when it was backread: a send-back moves the sheet on.
    subject_levels: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    sent_back: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_backread_verdicts_user_key"),
        Index("ix_backread_verdicts_subject", "subject_assignment_id"),
    )
