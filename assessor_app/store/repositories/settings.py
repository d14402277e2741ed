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
    "stall_floor_kb": 2,
    "stall_window_seconds": 30,
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

    def stall_floor_kb(self) -> float:
        """A download slower than this many KB/s over a whole window is abandoned and
        resumed later."""
        return float(self.get("stall_floor_kb"))

    def stall_window_seconds(self) -> float:
        return float(self.get("stall_window_seconds"))

    def set_stall_rule(self, floor_kb: float, window_seconds: float) -> None:
        if not 0.1 <= floor_kb <= 1000:
            raise ValueError("the slowest download speed must be between 0.1 and 1000 KB/s")
        if not 5 <= window_seconds <= 600:
            raise ValueError("the stall window must be between 5 and 600 seconds")
        self.set("stall_floor_kb", floor_kb)
        self.set("stall_window_seconds", window_seconds)

    def video_defaults(self) -> dict[str, Any]:
        return {**DEFAULTS["video_defaults"], **(self.get("video_defaults") or {})}

    def set_video_defaults(self, values: dict[str, Any]) -> None:
        self.set("video_defaults", {**self.video_defaults(), **values})
