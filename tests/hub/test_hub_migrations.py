"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select

from assessor_app.hub.db import Base, Counter
from assessor_app.hub.migrate import alembic_config, upgrade_database


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    upgrade_database(db_url)
    upgrade_database(db_url)  # a second run is a no-op
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            counters = conn.execute(select(Counter.name, Counter.value).order_by(Counter.name))
            assert counters.all() == [("change_seq", 0), ("status_list_index", 0)]
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert context.get_current_revision() == head
    finally:
        engine.dispose()
