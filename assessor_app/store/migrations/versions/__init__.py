"""Revisions of the profile database, applied in order by ``store.db.open_store``."""
