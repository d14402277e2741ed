"""Brings a hub database to the newest schema with the bundled Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from assessor_app.hub.private_files import private_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant will do: it only has to be the same in every hub process.
_MIGRATION_LOCK = 0x4A55_B0B


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(url: str) -> None:
    """Create or upgrade the schema. On PostgreSQL an advisory lock keeps two hub processes
    starting together from migrating at once."""
    private_sqlite(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
