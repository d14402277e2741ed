"""Per-profile settings: a key -> JSON value table with defaults for what is unset."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from assessor_app.store.models import Setting
from assessor_app.store.repositories._common import Repository

DEFAULTS: dict[str, Any] = {
    "sync_cursor": None,
    "retention_days": 14,
    "parallel_downloads": 4,
    "video_defaults": {"rate": 1.0, "volume": 100, "skip_ms": 5000, "muted": False},
}


class Settings(Repository):
    def get(self, key: str) -> Any:
        """The stored value, else the default (a copy, so callers cannot change it)."""
        with self._db.reading() as session:
            row = session.get(Setting, key)
            return copy.deepcopy(row.value if row is not None else DEFAULTS.get(key))

    def set(self, key: str, value: Any) -> None:
        with self._db.transaction() as session:
            session.merge(Setting(key=key, value=value))

    def all(self) -> dict[str, Any]:
        """Defaults overlaid with what is stored."""
        values = copy.deepcopy(DEFAULTS)
        with self._db.reading() as session:
            values.update({row.key: row.value for row in session.scalars(select(Setting))})
        return values

    def sync_cursor(self) -> str | None:
        value = self.get("sync_cursor")
        return None if value is None else str(value)

    def set_sync_cursor(self, cursor: str | None) -> None:
        self.set("sync_cursor", cursor)

    def retention_days(self) -> int:
        return int(self.get("retention_days"))

    def set_retention_days(self, days: int) -> None:
        if days < 0:
            raise ValueError("the retention period cannot be negative")
        self.set("retention_days", days)

    def parallel_downloads(self) -> int:
        return int(self.get("parallel_downloads"))

    def set_parallel_downloads(self, count: int) -> None:
        if not 1 <= count <= 16:
            raise ValueError("parallel downloads must be between 1 and 16")
        self.set("parallel_downloads", count)

    def video_defaults(self) -> dict[str, Any]:
        return {**DEFAULTS["video_defaults"], **(self.get("video_defaults") or {})}

    def set_video_defaults(self, values: dict[str, Any]) -> None:
        self.set("video_defaults", {**self.video_defaults(), **values})
