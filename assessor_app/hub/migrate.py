"""Brings a hub database to the newest schema with the bundled Alembic migrations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from assessor_app.hub.private_files import private_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant will do: it only has to be the same in every hub process.
_MIGRATION_LOCK = 0x4A55_B0B


@dataclass(frozen=True)
class SchemaChange:
    """The schema revision before and after ``upgrade_database`` (None: no schema yet)."""

    before: str | None
    after: str | None

    @property
    def migrated(self) -> bool:
        return self.before != self.after


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(url: str) -> SchemaChange:
    """Create or upgrade the schema. On PostgreSQL an advisory lock keeps hub processes
    starting together from migrating at once: the first migrates, the others wait for it
    and then find the schema current."""
    private_sqlite(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            before = MigrationContext.configure(connection).get_current_revision()
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            after = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return SchemaChange(before, after)
