"""What a sync run tells its caller: progress while it runs, a report when it ends, and
the token that cancels it.

Pure Python, shared by the command line and the GUI (which forwards ``SyncProgress`` as a
Qt signal). Progress carries display names only, never a path, a token or content.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from assessor_app.domain.wording import plural
from assessor_app.sync.trouble import HubTrouble

__all__ = [
    "PHASE_WORDS",
    "CancelToken",
    "ProgressCallback",
    "ProgressReporter",
    "SyncPhase",
    "SyncProgress",
    "SyncReport",
]


class SyncPhase(StrEnum):
    RECOVER = "recover"
    ASSIGNMENTS = "assignments"
    MANIFESTS = "manifests"
    DOWNLOADS = "downloads"
    UPLOADS = "uploads"
    RETENTION = "retention"
    DONE = "done"


@dataclass(frozen=True)
class SyncProgress:
    """A snapshot of a running sync. ``bytes_total`` is 0 outside the download phase;
    ``current`` is the display name of the file or item being worked on;
    ``bytes_per_second`` the recent download rate and ``stalled`` the display names of
    downloads that are making (almost) no progress."""

    phase: SyncPhase
    items_done: int = 0
    items_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    current: str = ""
    bytes_per_second: float = 0.0
    stalled: tuple[str, ...] = ()

    @property
    def fraction(self) -> float | None:
        """Share done in this phase (bytes when known, else items); None if unknown."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.items_total:
            return min(1.0, self.items_done / self.items_total)
        return None


PHASE_WORDS: dict[SyncPhase, str] = {
    SyncPhase.RECOVER: "Preparing",
    SyncPhase.ASSIGNMENTS: "Checking for new assignments",
    SyncPhase.MANIFESTS: "Fetching submissions",
    SyncPhase.DOWNLOADS: "Downloading evidence",
    SyncPhase.UPLOADS: "Uploading decisions",
    SyncPhase.RETENTION: "Tidying old evidence",
    SyncPhase.DONE: "Finishing",
}
"""What each phase is called in the status bar and on the command line."""

ProgressCallback = Callable[[SyncProgress], None]


class CancelToken:
    """Thread-safe cancellation flag: ``cancel()`` from any thread; the hub client looks
    at it between slices of every socket wait (see ``sockets``), so a cancel is noticed
    within a fraction of a second in every phase, and ``wait`` sleeps until it comes."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until cancelled or ``timeout`` seconds have passed; True if cancelled."""
        return self._event.wait(timeout)

    def __call__(self) -> bool:
        """So the token can be passed where a ``cancel() -> bool`` callable is expected."""
        return self._event.is_set()


@dataclass
class SyncReport:
    """What one run did. ``problems`` are sentences for the assessor; ``cancelled`` and
    ``sign_in_required`` say why a run stopped early. ``reached_hub_at`` is when the hub
    last answered during the run (any answer, even a refusal); ``hub_trouble`` says why
    contact failed, if it did (the connection indicator is built from both)."""

    new_assignments: int = 0
    updated_assignments: int = 0
    revoked_assignments: int = 0
    manifests_fetched: int = 0
    manifests_refused: int = 0
    artifacts_downloaded: int = 0
    bytes_downloaded: int = 0
    artifacts_failed: int = 0
    uploaded: int = 0
    declined: int = 0
    conflicts: int = 0
    retries_scheduled: int = 0
    purged: int = 0
    problems: list[str] = field(default_factory=list)
    cancelled: bool = False
    sign_in_required: bool = False
    disk_full: bool = False
    reached_hub_at: datetime | None = None
    hub_trouble: HubTrouble | None = None

    @property
    def ok(self) -> bool:
        """True when the run finished everything it set out to do."""
        return not (self.problems or self.cancelled or self.sign_in_required)

    def summary(self) -> str:
        """One line for a status bar or the CLI."""
        if self.sign_in_required:
            return "Sign in again to sync; your work is kept on this computer."
        parts = [
            f"{self.new_assignments} new",
            f"{plural(self.artifacts_downloaded, 'file')} downloaded",
            f"{plural(self.uploaded, 'decision')} uploaded",
        ]
        if self.declined:
            parts.append(f"{plural(self.declined, 'decline')} sent")
        if self.revoked_assignments:
            parts.append(f"{self.revoked_assignments} withdrawn")
        if self.conflicts:
            parts.append(plural(self.conflicts, "conflict"))
        if self.retries_scheduled:
            parts.append(f"{plural(self.retries_scheduled, 'upload')} to retry")
        if self.purged:
            parts.append(f"{plural(self.purged, 'file')} removed")
        text = ", ".join(parts)
        if self.cancelled:
            return f"Sync cancelled ({text})."
        if self.problems:
            return f"Sync finished with {plural(len(self.problems), 'problem')} ({text})."
        return f"Sync finished ({text})."


class ProgressReporter:
    """Collects progress from several worker threads and forwards it at most every
    ``interval`` seconds (phase changes and item completions always go through), so a
    fast download does not flood the GUI with signals. The download rate is taken over
    the last ``RATE_WINDOW`` seconds."""

    RATE_WINDOW = 5.0

    def __init__(self, callback: ProgressCallback | None, *, interval: float = 0.1) -> None:
        self._callback = callback
        self._interval = interval
        self._lock = threading.Lock()
        self._state = SyncProgress(SyncPhase.RECOVER)
        self._last_sent = 0.0
        self._samples: deque[tuple[float, int]] = deque()

    @property
    def state(self) -> SyncProgress:
        with self._lock:
            return self._state

    def phase(self, phase: SyncPhase, *, items_total: int = 0, bytes_total: int = 0) -> None:
        fresh = SyncProgress(phase, items_total=items_total, bytes_total=bytes_total)
        with self._lock:
            self._samples.clear()
        self._apply(lambda _old: fresh, force=True)

    def stalled(self, current: str, stalled: bool) -> None:
        """Mark ``current`` as stalled (abandoned for now, to be resumed) or not."""

        def change(old: SyncProgress) -> SyncProgress:
            names = tuple(n for n in old.stalled if n != current)
            # No bytes come while a download stalls: the rate falls with the time passed.
            return replace(
                old,
                stalled=(*names, current) if stalled else names,
                bytes_per_second=self._rate(old.bytes_done),
            )

        self._apply(change, force=True)

    def item_started(self, current: str) -> None:
        self._apply(lambda old: replace(old, current=current), force=True)

    def item_done(self, current: str = "") -> None:
        self._apply(
            lambda old: replace(old, items_done=old.items_done + 1, current=current), force=True
        )

    def add_bytes(self, count: int, current: str) -> None:
        def change(old: SyncProgress) -> SyncProgress:
            done = old.bytes_done + count
            return replace(old, bytes_done=done, current=current, bytes_per_second=self._rate(done))

        self._apply(change, force=False)

    def _rate(self, done: int) -> float:
        # Called under the lock.
        now = time.monotonic()
        samples = self._samples
        samples.append((now, done))
        while len(samples) > 2 and now - samples[1][0] >= self.RATE_WINDOW:
            samples.popleft()
        first_time, first_done = samples[0]
        elapsed = now - first_time
        return (done - first_done) / elapsed if elapsed > 0 else 0.0

    def _apply(self, change: Callable[[SyncProgress], SyncProgress], *, force: bool) -> None:
        with self._lock:
            self._state = state = change(self._state)
            now = time.monotonic()
            if not force and now - self._last_sent < self._interval:
                return
            self._last_sent = now
        if self._callback is not None:
            self._callback(state)
