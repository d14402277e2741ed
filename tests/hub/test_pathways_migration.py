"""Hub migration 0005: a database at 0004 with an account in it upgrades to the pathway
tables (matching the models, the account kept); 0005 downgrades to 0004 without them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import assessor_app.hub.app  # noqa: F401  (registers every model on the metadata)
from assessor_app.hub.db import Base
from assessor_app.hub.migrate import alembic_config, upgrade_database

PATHWAY_TABLES = {"pathways", "programme_credentials"}


def _alembic(url: str, action: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def test_0005_upgrades_a_0004_database_and_downgrades(db_url: str) -> None:
    upgrade_database(db_url)
    _alembic(db_url, "downgrade", "0004")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            assert not PATHWAY_TABLES & set(inspect(conn).get_table_names())
            conn.execute(
                text(
                    "INSERT INTO users (id, username, display_name, roles, password_hash, "
                    "is_demo, created_at) VALUES (1, 'ann', 'Ann', '[]', 'x', false, "
                    "'2026-01-01 00:00:00')"
                )
            )
        _alembic(db_url, "upgrade", "0005")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == "0005"
            assert set(inspect(conn).get_table_names()) >= PATHWAY_TABLES
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ann"]
            unique = inspect(conn).get_unique_constraints("programme_credentials")
            assert [u["column_names"] for u in unique] == [["pathway_id", "educator_pseudonym"]]
        upgrade_database(db_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
