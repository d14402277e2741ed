"""The client's offline store: one SQLite database per profile (hub account), its
migrations, and repositories that speak domain types.

    store = open_store(profile_for(hub_url, username))
    store.sheets.set_level(assignment_id, criterion_id, level_id)

The names below are loaded on first use: ``from assessor_app.store import data_root``
reads only the small paths module, so the app can find the last profile before
SQLAlchemy and the models are imported (on a worker thread, off the start-up path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessor_app.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from assessor_app.store.db import StoreCorruptError, StoreError, StoreTooNewError
    from assessor_app.store.models import AuditAction, DownloadState
    from assessor_app.store.paths import (
        Profile,
        data_root,
        last_profile,
        list_profiles,
        profile_for,
        remember_last_profile,
    )
    from assessor_app.store.profile_store import Store, open_store
    from assessor_app.store.repositories import (
        NotFoundError,
        SheetChangedError,
        SheetLockedError,
    )

_HOMES = {
    "StoreCorruptError": "db",
    "StoreError": "db",
    "StoreTooNewError": "db",
    "AuditAction": "models",
    "DownloadState": "models",
    "Profile": "paths",
    "data_root": "paths",
    "last_profile": "paths",
    "list_profiles": "paths",
    "profile_for": "paths",
    "remember_last_profile": "paths",
    "Store": "profile_store",
    "open_store": "profile_store",
    "NotFoundError": "repositories",
    "SheetChangedError": "repositories",
    "SheetLockedError": "repositories",
}

__all__ = [
    "AuditAction",
    "DownloadState",
    "NotFoundError",
    "Profile",
    "SheetChangedError",
    "SheetLockedError",
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


__getattr__, __dir__ = lazy_exports(globals(), _HOMES)
