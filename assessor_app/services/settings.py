"""The profile's settings as the settings dialog edits them, and the small per-assessor
aids kept with them: the comment bank per credential and the "addressed" marks a
resubmission's criteria carry. The keys and the range checks live in the store's
settings repository; this is what the UI calls instead of reaching into the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assessor_app.store import Store
from assessor_app.store.repositories.settings import (
    CITE_WINDOW_RANGE,
    CITE_WINDOW_SECONDS,
    DEFAULTS,
    PAUSE_ON_TYPING,
)
from assessor_app.store.secrets import SecretStoreKind

__all__ = ["CITE_WINDOW_RANGE", "ProfileSettings", "SettingsService", "WorkspaceSettings"]


@dataclass(frozen=True)
class ProfileSettings:
    """What the settings dialog shows and saves. ``secret_store`` is shown, not edited:
    it is chosen at sign-in."""

    parallel_downloads: int
    stall_floor_kb: float
    stall_window_seconds: float
    retention_days: int
    video_rate: float
    video_volume: int
    secret_store: SecretStoreKind
    cite_window_seconds: int
    pause_on_typing: bool = True


@dataclass(frozen=True)
class WorkspaceSettings:
    """What an open workspace takes from the profile. The workspace reads it on the
    database worker; until it arrives it shows these defaults: an empty comment bank, no
    "addressed" marks and the settings' default values."""

    comment_bank: tuple[str, ...] = ()
    addressed: Mapping[str, bool] = field(default_factory=dict)
    pause_on_typing: bool = bool(DEFAULTS[PAUSE_ON_TYPING])
    cite_window_ms: int = int(DEFAULTS[CITE_WINDOW_SECONDS]) * 1000


class SettingsService:
    """Named reads and writes of one profile's settings (small local writes)."""

    def __init__(self, store: Store) -> None:
        self._settings = store.settings

    def read(self) -> ProfileSettings:
        settings = self._settings
        video = settings.video_defaults()
        return ProfileSettings(
            parallel_downloads=settings.parallel_downloads(),
            stall_floor_kb=settings.stall_floor_kb(),
            stall_window_seconds=settings.stall_window_seconds(),
            retention_days=settings.retention_days(),
            video_rate=float(video.get("rate", 1.0)),
            video_volume=int(video.get("volume", 80)),
            secret_store=settings.secret_store_kind() or "keyring",
            cite_window_seconds=settings.cite_window_seconds(),
            pause_on_typing=settings.pause_on_typing(),
        )

    def save(self, values: ProfileSettings) -> None:
        """Write the editable values; a value out of range raises ValueError."""
        settings = self._settings
        settings.set_parallel_downloads(values.parallel_downloads)
        settings.set_stall_rule(values.stall_floor_kb, values.stall_window_seconds)
        settings.set_retention_days(values.retention_days)
        settings.set_video_defaults({"rate": values.video_rate, "volume": values.video_volume})
        settings.set_cite_window_seconds(values.cite_window_seconds)
        settings.set_pause_on_typing(values.pause_on_typing)

    def for_workspace(self, credential_id: str, assignment_id: str) -> WorkspaceSettings:
        """Everything a workspace on this assignment reads from the profile, in one go."""
        return WorkspaceSettings(
            comment_bank=tuple(self.comment_bank(credential_id)),
            addressed=self.addressed_marks(assignment_id),
            pause_on_typing=self.pause_on_typing(),
            cite_window_ms=self.cite_window_ms(),
        )

    def cite_window_ms(self) -> int:
        """The window C cites when no range is marked, ending at the playhead."""
        return self._settings.cite_window_seconds() * 1000

    def pause_on_typing(self) -> bool:
        """Typing in a rationale, the feedback or a note editor pauses the video."""
        return self._settings.pause_on_typing()

    def comment_bank(self, credential_id: str) -> list[str]:
        """The assessor's saved feedback phrases for one credential."""
        return self._settings.comment_bank(credential_id)

    def set_comment_bank(self, credential_id: str, comments: list[str]) -> None:
        self._settings.set_comment_bank(credential_id, comments)

    def addressed_marks(self, assignment_id: str) -> dict[str, bool]:
        """Per criterion id: whether this attempt addressed the earlier feedback."""
        return self._settings.addressed_marks(assignment_id)

    def set_addressed_marks(self, assignment_id: str, marks: dict[str, bool]) -> None:
        self._settings.set_addressed_marks(assignment_id, marks)
