"""Per-profile settings: a key -> JSON value table with defaults for what is unset.

Every key is named here, once; callers use the named methods, never a key string."""

from __future__ import annotations

import builtins
import copy
from typing import Any

from sqlalchemy import select

from assessor_app.protocol.v1 import RecalibrationNotice
from assessor_app.store.models import Setting
from assessor_app.store.repositories._common import Repository
from assessor_app.store.secrets import SECRET_STORE_KINDS, SecretStoreKind

SYNC_CURSOR = "sync_cursor"
RETENTION_DAYS = "retention_days"
PARALLEL_DOWNLOADS = "parallel_downloads"
STALL_FLOOR_KB = "stall_floor_kb"
STALL_WINDOW_SECONDS = "stall_window_seconds"
VIDEO_DEFAULTS = "video_defaults"
SECRET_STORE = "secret_store"
CA_BUNDLE = "ca_bundle"
CALIBRATION_UNKEYED = "calibration_unkeyed"
CITE_WINDOW_SECONDS = "cite_window_seconds"
CITE_WINDOW_RANGE = (1, 120)
PAUSE_ON_TYPING = "pause_video_on_typing"
# The hub's last word (``/me``) on the credentials this assessor must recalibrate for.
RECALIBRATION = "recalibration"
# One key per credential (the assessor's reusable feedback phrases) and per assignment
# (which earlier feedback points a resubmission addressed, by criterion id).
_COMMENT_BANK_PREFIX = "comment_bank:"
_ADDRESSED_PREFIX = "addressed:"

DEFAULTS: dict[str, Any] = {
    SYNC_CURSOR: None,
    RETENTION_DAYS: 14,
    PARALLEL_DOWNLOADS: 4,
    STALL_FLOOR_KB: 2,
    STALL_WINDOW_SECONDS: 30,
    VIDEO_DEFAULTS: {"rate": 1.0, "volume": 100, "skip_ms": 5000, "muted": False},
    CITE_WINDOW_SECONDS: 10,
    PAUSE_ON_TYPING: True,
    RECALIBRATION: [],
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
        value = self.get(SYNC_CURSOR)
        return None if value is None else str(value)

    def set_sync_cursor(self, cursor: str | None) -> None:
        self.set(SYNC_CURSOR, cursor)

    def retention_days(self) -> int:
        return int(self.get(RETENTION_DAYS))

    def set_retention_days(self, days: int) -> None:
        if days < 0:
            raise ValueError("the retention period cannot be negative")
        self.set(RETENTION_DAYS, days)

    def parallel_downloads(self) -> int:
        return int(self.get(PARALLEL_DOWNLOADS))

    def set_parallel_downloads(self, count: int) -> None:
        if not 1 <= count <= 16:
            raise ValueError("parallel downloads must be between 1 and 16")
        self.set(PARALLEL_DOWNLOADS, count)

    def stall_floor_kb(self) -> float:
        """A download slower than this many KB/s over a whole window is abandoned and
        resumed later."""
        return float(self.get(STALL_FLOOR_KB))

    def stall_window_seconds(self) -> float:
        return float(self.get(STALL_WINDOW_SECONDS))

    def set_stall_rule(self, floor_kb: float, window_seconds: float) -> None:
        if not 0.1 <= floor_kb <= 1000:
            raise ValueError("the slowest download speed must be between 0.1 and 1000 KB/s")
        if not 5 <= window_seconds <= 600:
            raise ValueError("the stall window must be between 5 and 600 seconds")
        self.set(STALL_FLOOR_KB, floor_kb)
        self.set(STALL_WINDOW_SECONDS, window_seconds)

    def video_defaults(self) -> dict[str, Any]:
        return {**DEFAULTS[VIDEO_DEFAULTS], **(self.get(VIDEO_DEFAULTS) or {})}

    def set_video_defaults(self, values: dict[str, Any]) -> None:
        self.set(VIDEO_DEFAULTS, {**self.video_defaults(), **values})

    def pause_on_typing(self) -> bool:
        """Whether typing a rationale, the feedback or a note pauses a playing video."""
        return self.get(PAUSE_ON_TYPING) is not False

    def set_pause_on_typing(self, pause: bool) -> None:
        self.set(PAUSE_ON_TYPING, bool(pause))

    def cite_window_seconds(self) -> int:
        """How far back C reaches from the playhead when no range is marked."""
        low, high = CITE_WINDOW_RANGE
        value = self.get(CITE_WINDOW_SECONDS)
        # A hand-edited value out of range falls back to the default, never to an empty range.
        if not isinstance(value, int) or not low <= value <= high:
            return int(DEFAULTS[CITE_WINDOW_SECONDS])
        return value

    def set_cite_window_seconds(self, seconds: int) -> None:
        low, high = CITE_WINDOW_RANGE
        if not low <= seconds <= high:
            raise ValueError(f"the cite window must be between {low} and {high} seconds")
        self.set(CITE_WINDOW_SECONDS, seconds)

    def recalibration(self) -> list[RecalibrationNotice]:
        return [RecalibrationNotice.model_validate(n) for n in self.get(RECALIBRATION)]

    def set_recalibration(self, notices: list[RecalibrationNotice]) -> None:
        self.set(RECALIBRATION, [n.model_dump(mode="json") for n in notices])

    def secret_store_kind(self) -> SecretStoreKind | None:
        """Where this profile keeps its token and vault key (None before the first use)."""
        value = self.get(SECRET_STORE)
        return value if value in SECRET_STORE_KINDS else None

    def set_secret_store_kind(self, kind: SecretStoreKind) -> None:
        self.set(SECRET_STORE, kind)

    def ca_bundle(self) -> str | None:
        """The certificate bundle the assessor named at sign-in, if any."""
        value = self.get(CA_BUNDLE)
        return None if value is None else str(value)

    def set_ca_bundle(self, path: str) -> None:
        self.set(CA_BUNDLE, path)

    # ``builtins.set``: in this class's scope ``set`` is the method above.
    def calibration_unkeyed(self) -> builtins.set[str]:
        """Calibration assignments the hub has no key for (not to be asked again)."""
        return set(self.get(CALIBRATION_UNKEYED) or [])

    def set_calibration_unkeyed(self, assignment_ids: builtins.set[str]) -> None:
        self.set(CALIBRATION_UNKEYED, sorted(assignment_ids))

    def comment_bank(self, credential_id: str) -> list[str]:
        return [str(c) for c in self.get(_COMMENT_BANK_PREFIX + credential_id) or []]

    def set_comment_bank(self, credential_id: str, comments: list[str]) -> None:
        self.set(_COMMENT_BANK_PREFIX + credential_id, list(comments))

    def addressed_marks(self, assignment_id: str) -> dict[str, bool]:
        marks = self.get(_ADDRESSED_PREFIX + assignment_id) or {}
        return {str(k): bool(v) for k, v in marks.items()}

    def set_addressed_marks(self, assignment_id: str, marks: dict[str, bool]) -> None:
        self.set(_ADDRESSED_PREFIX + assignment_id, dict(marks))
