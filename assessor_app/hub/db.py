"""The hub's database: SQLAlchemy 2 models, engine set-up, sessions and the change counter.

SQLite (default) runs in WAL mode. Writers open their transaction with ``BEGIN IMMEDIATE``
there, so two writers queue on the database lock instead of failing when one upgrades a
read snapshot. On PostgreSQL the change counter's row lock gives the same ordering.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from assessor_app.common.utc_datetime import UTCDateTime

CHANGE_SEQ = "change_seq"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Counter(Base):
    """Named monotonic counters; ``change_seq`` orders every assignment change."""

    __tablename__ = "hub_counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Token(Base):
    """Bearer tokens, stored as the sha256 of the token: a database leak yields no token."""

    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class LoginFailure(Base):
    """One failed sign-in; kept in the database so throttling holds across hub processes."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    throttle_key: Mapped[str] = mapped_column(String(64), nullable=False)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (Index("ix_login_failures_key_at", "throttle_key", "failed_at"),)


class CredentialRow(Base):
    """An imported credential version; ``document`` is its ``CredentialSchema`` JSON."""

    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(64), nullable=False)
    credential_version: Mapped[int] = mapped_column(Integer, nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    educator_pseudonym: Mapped[str] = mapped_column(String(200), nullable=False)
    change_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    previous_attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        ForeignKeyConstraint(
            ["credential_id", "credential_version"], ["credentials.id", "credentials.version"]
        ),
    )


class ArtifactRow(Base):
    __tablename__ = "artifacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    media_type: Mapped[str] = mapped_column(String(200), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)


class CalibrationKey(Base):
    """Master scores of a keyed calibration submission (served by the calibration API)."""

    __tablename__ = "calibration_keys"
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(32), nullable=False)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AssignmentRow(Base):
    """``change_seq`` is taken from the change counter in the transaction of every change,
    so ``/assignments?since=`` can page by it without losing or repeating a row."""

    __tablename__ = "assignments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # 32: room for the workflow's statuses, e.g. ``returned_for_revision`` (migration 0003).
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    if TYPE_CHECKING:
        # Loaded with the row: the column property hub/workflow/models.py attaches.
        review_comment: Mapped[str | None]
    __table_args__ = (
        UniqueConstraint("change_seq", name="uq_assignments_change_seq"),
        Index("ix_assignments_user_seq", "user_id", "change_seq"),
        Index("ix_assignments_submission", "submission_id"),
    )


class DecisionRow(Base):
    """The one decision of an assignment, with the upload that carried it. The
    (user, idempotency key) pair makes a retried upload return the first answer."""

    __tablename__ = "decisions"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    decision: Mapped[str] = mapped_column(String(32), nullable=False)
    total_points: Mapped[float] = mapped_column(Float, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_decisions_user_key"),)


# Connections the pool opens beyond ``pool_size`` for a moment (the allocation job beside
# a full set of requests); they are closed again when returned.
POOL_OVERFLOW = 4


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """``pool_size`` connections are kept open: as many as requests run at once, so that
    none waits for one and none is opened and closed per request."""
    # Database errors end up in the incident log: never with the values of a statement
    # (token digests, password hashes, assessors' notes).
    pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN can be chosen below.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("hub_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """Engine plus read and write sessions; each ``with`` block is one transaction."""

    def __init__(self, url: str, pool_size: int = 5) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(hub_write=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def hold_change_counter(session: Session) -> None:
    """Take the change counter's row lock (as ``next_change_seq`` does, without counting),
    held until the transaction ends: the write is then ordered with every decision, seeing
    each one committed before it or after it. SQLite serialises writers anyway."""
    session.execute(select(Counter.value).where(Counter.name == CHANGE_SEQ).with_for_update())


def next_change_seq(session: Session) -> int:
    """The next change number. The counter row stays locked until the transaction ends, so
    changes commit in the order of their numbers and a reader never skips one."""
    value = session.execute(
        update(Counter)
        .where(Counter.name == CHANGE_SEQ)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
    return int(value)
