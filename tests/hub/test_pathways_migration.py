"""Hub migration 0005: a database at 0004 with an account in it upgrades to the pathway
tables (matching the models, the account kept); 0005 downgrades to 0004 without them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import assessor_app.hub.app  # noqa: F401  (registers every model on the metadata)
from assessor_app.hub.db import Base
from assessor_app.hub.migrate import upgrade_database
from tests.hub.migration_kit import migrate

PATHWAY_TABLES = {"pathways", "programme_credentials"}


def test_0005_upgrades_a_0004_database_and_downgrades(db_url: str) -> None:
    upgrade_database(db_url)
    migrate(db_url, "downgrade", "0004")
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
        migrate(db_url, "upgrade", "0005")
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


def test_0007_gives_programme_credentials_issued_before_it_their_own_status_bits(
    db_url: str,
) -> None:
    upgrade_database(db_url)
    migrate(db_url, "downgrade", "0006")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            counter = "SELECT value FROM hub_counters WHERE name = 'status_list_index'"
            conn.execute(text("UPDATE hub_counters SET value = 5 WHERE name = 'status_list_index'"))
            conn.execute(
                text(
                    "INSERT INTO pathways (id, name, description, criteria, components, required, "
                    "content_sha256, imported_at, updated_at) VALUES ('p', 'P', 'd', 'c', "
                    "'[\"a\"]', 1, 'x', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            for educator, day in (("E-2", "02"), ("E-1", "03")):
                conn.execute(
                    text(
                        "INSERT INTO programme_credentials (id, pathway_id, educator_pseudonym, "
                        f"issued_at, pathway, component_credentials) VALUES ('{educator}', 'p', "
                        f"'{educator}', '2026-01-{day} 00:00:00', '{{}}', '[]')"
                    )
                )
        migrate(db_url, "upgrade", "0007")
        with engine.connect() as conn:
            indexes = conn.execute(
                text("SELECT id, status_index FROM programme_credentials ORDER BY id")
            ).all()
            # In the order they were issued, after every bit the badges already hold.
            assert [tuple(row) for row in indexes] == [("E-1", 6), ("E-2", 5)]
            assert conn.execute(text(counter)).scalar_one() == 7
        # Later revisions add tables the models describe too: compare at the head.
        upgrade_database(db_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        migrate(db_url, "downgrade", "0006")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("programme_credentials")}
            assert "status_index" not in columns
    finally:
        engine.dispose()
