"""The client's offline store: one SQLite database per profile (hub account), its
migrations, and repositories that speak domain types.

    store = open_store(profile_for(hub_url, username))
    store.sheets.set_level(assignment_id, criterion_id, level_id)
"""

from assessor_app.store.db import StoreCorruptError, StoreError, StoreTooNewError
from assessor_app.store.models import AuditAction, DownloadState, LocalState, OutboxState
from assessor_app.store.paths import (
    Profile,
    data_root,
    last_profile,
    list_profiles,
    profile_for,
    remember_last_profile,
)
from assessor_app.store.profile_store import Store, open_store
from assessor_app.store.repositories import NotFoundError, SheetLockedError, StateError

__all__ = [
    "AuditAction",
    "DownloadState",
    "LocalState",
    "NotFoundError",
    "OutboxState",
    "Profile",
    "SheetLockedError",
    "StateError",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreTooNewError",
    "data_root",
    "last_profile",
    "list_profiles",
    "open_store",
    "profile_for",
    "remember_last_profile",
]
