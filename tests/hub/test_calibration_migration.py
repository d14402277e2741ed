"""Hub migration 0002 (calibration) on SQLite and PostgreSQL: it upgrades a 0001 database
with data in it, builds exactly the tables the calibration models describe, and downgrades
cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from assessor_app.hub.calibration import models
from assessor_app.hub.db import Base
from tests.hub.conftest import PostgresCluster
from tests.hub.migration_kit import migrate

CALIBRATION_TABLES = {
    models.CalibrationSession.__tablename__,
    models.CalibrationSessionItem.__tablename__,
    models.CalibrationParticipant.__tablename__,
    models.CalibrationSessionAssignment.__tablename__,
    models.CalibrationConsensus.__tablename__,
    models.QualificationRule.__tablename__,
}
_names = count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (not the migrated template)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    with cluster.database(f"calibration_migration_{next(_names)}") as url:
        yield url


def _calibration_diffs(diffs: list[object]) -> list[object]:
    """Differences touching a calibration table (later revisions may differ elsewhere)."""

    def tables(diff: object) -> set[str]:
        if isinstance(diff, list):
            return set().union(*(tables(d) for d in diff))
        found = set()
        for part in diff if isinstance(diff, tuple) else ():
            name = getattr(part, "name", None)
            table = getattr(part, "table", None)
            found |= {n for n in (name, getattr(table, "name", None)) if isinstance(n, str)}
            if isinstance(part, str):
                found.add(part)
        return found

    return [d for d in diffs if tables(d) & CALIBRATION_TABLES]


def test_0002_upgrades_a_populated_0001_database_and_downgrades(empty_db: str) -> None:
    migrate(empty_db, "upgrade", "0001")
    engine = create_engine(empty_db)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, display_name, roles, password_hash, is_demo,"
                    " created_at) VALUES ('ann', 'Ann', '[\"facilitator\"]', 'x', false, :now)"
                ),
                {"now": datetime(2025, 1, 1, tzinfo=UTC)},
            )
        migrate(empty_db, "upgrade", "0002")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == "0002"
            assert set(inspect(conn).get_table_names()) >= CALIBRATION_TABLES
            assert _calibration_diffs(compare_metadata(context, Base.metadata)) == []
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ann"]
            columns = {c["name"] for c in inspect(conn).get_columns("calibration_sessions")}
            assert {"facilitator_id", "state", "revealed_at", "closed_at", "notes"} <= columns

        migrate(empty_db, "downgrade", "0001")
        with engine.connect() as conn:
            assert not CALIBRATION_TABLES & set(inspect(conn).get_table_names())
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ann"]
        migrate(empty_db, "upgrade", "head")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= CALIBRATION_TABLES
    finally:
        engine.dispose()
