"""Alembic environment: runs inside the connection and transaction that ``store.db``
hands over in ``config.attributes["connection"]``; there is no alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from assessor_app.store.models import Base

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    # SQLite can roll DDL back; store.db wraps each revision in one transaction.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
