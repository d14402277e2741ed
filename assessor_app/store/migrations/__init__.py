"""Alembic migrations of the profile database, run programmatically by ``store.db``."""
