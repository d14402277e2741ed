"""Tables of stackable pathways: the imported pathways, and the programme credentials
issued from them (migrations ``0005_pathways`` and ``0007_programme_revocation``).

A programme credential keeps what it was issued for — the pathway as it was then and the
component credentials that earned it — so a pathway changed by a later import never
changes a credential already issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.hub.db import Base


class Pathway(Base):
    """A programme credential and the micro-credentials (``components``, credential ids)
    of which ``required`` earn it."""

    __tablename__ = "pathways"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    criteria: Mapped[str] = mapped_column(Text, nullable=False)
    components: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    required: Mapped[int] = mapped_column(Integer, nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ProgrammeCredential(Base):
    """A programme credential issued to one educator. The unique constraint is what makes
    it "exactly once": a second issue for the same pathway and educator cannot commit."""

    __tablename__ = "programme_credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pathway_id: Mapped[str] = mapped_column(ForeignKey("pathways.id"), nullable=False)
    educator_pseudonym: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The pathway's name, description, criteria and rule when this was issued.
    pathway: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # Ids of the issued component credentials that earned it, in the pathway's order.
    component_credentials: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    # Its bit in the revocation status list, from the counter the badges use
    # (``badges.status_list.allocate_index``), so no bit is shared with a badge.
    status_index: Mapped[int] = mapped_column(Integer, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        UniqueConstraint(
            "pathway_id", "educator_pseudonym", name="uq_programme_credentials_educator"
        ),
        UniqueConstraint("status_index", name="uq_programme_credentials_status_index"),
        Index("ix_programme_credentials_educator", "educator_pseudonym"),
    )
