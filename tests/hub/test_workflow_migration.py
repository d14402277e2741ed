"""Hub migration 0003: the workflow and badge tables match the models, and the schema
downgrades to 0002 and upgrades to the head again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import assessor_app.hub.app  # noqa: F401  (registers every model on the metadata)
from assessor_app.hub.db import Base
from assessor_app.hub.migrate import alembic_config, upgrade_database
from tests.hub.migration_kit import migrate

WORKFLOW_TABLES = {
    "credential_workflows",
    "decision_reviews",
    "returned_decisions",
    "coaching_flags",
    "issued_credentials",
}


def test_0003_matches_the_models_and_downgrades_cleanly(db_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    upgrade_database(db_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == head
            assert compare_metadata(context, Base.metadata) == []
            assert set(inspect(conn).get_table_names()) >= WORKFLOW_TABLES
            status = next(
                c for c in inspect(conn).get_columns("assignments") if c["name"] == "status"
            )
            assert status["type"].length == 32
        migrate(db_url, "downgrade", "0002")
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0002"
            tables = set(inspect(conn).get_table_names())
            assert not WORKFLOW_TABLES & tables
            assert {"assignments", "decisions", "calibration_sessions"} <= tables
        upgrade_database(db_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == head
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
