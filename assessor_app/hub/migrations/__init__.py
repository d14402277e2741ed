"""Alembic migrations of the hub database, run programmatically by ``upgrade_database``."""
