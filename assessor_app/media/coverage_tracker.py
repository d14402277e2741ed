"""What of one media was really played: the ``VideoPlayer`` feeds it VLC's time reports
and its own seeks, pauses and ends, and it keeps the stretches as ``PlayedRanges``.

A stretch grows with each time report while playback runs. A jump (VLC skipping ahead
on its own, or a seek the player did not see) ends it and starts a new one; a seek, a
pause, an end or closing the media closes it. A long uninterrupted stretch is closed
every few seconds and a new one begun, so a crash during a long viewing loses little.
Each closed stretch goes to ``on_range`` (the player's ``playedRange`` signal).

Pure Python, no Qt and no VLC: time comes from ``clock``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from assessor_app.domain.coverage import PlayedRanges

__all__ = ["CoverageTracker"]

# A continuous stretch of playback is reported in pieces of at most this length, so a
# crash during a long uninterrupted viewing loses little coverage.
FLUSH_MS = 5000
# A position jump larger than this (scaled by the rate) is a seek, not playback.
MAX_STEP_MS = 1500
# VLC reports the time every 250-300 ms of playback; an end arriving after the last
# report is credited with at most this much more (scaled by the rate).
TIME_REPORT_GAP_MS = 400


class CoverageTracker:
    """The played stretches of the current media, and the one running now."""

    def __init__(
        self,
        on_range: Callable[[int, int], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_range = on_range
        self._clock = clock
        self._played = PlayedRanges()
        self._start: int | None = None
        self._end = 0
        self._end_at = 0.0

    def restart(self) -> None:
        """A new media: nothing of it has been played."""
        self._played = PlayedRanges()
        self._start = None

    @property
    def running(self) -> bool:
        """Whether a stretch is open (playback ran since the last close)."""
        return self._start is not None

    def ranges(self) -> PlayedRanges:
        """Everything played so far, the running stretch included."""
        ranges = self._played.copy()
        if self._start is not None and self._end > self._start:
            ranges.add(self._start, self._end)
        return ranges

    def played_to(self, ms: int, *, position: int, rate: float) -> None:
        """Playback reached ``ms``; a new stretch starts at ``position`` (where the
        playhead was)."""
        if self._start is None:
            self._start = self._end = position
        step = ms - self._end
        if step < 0 or step > MAX_STEP_MS * max(1.0, rate):
            # A jump VLC made on its own (or a seek we did not see): restart there.
            self.close()
            self._start = self._end = ms
            self._end_at = self._clock()
            return
        self._end = ms
        self._end_at = self._clock()
        if self._end - self._start >= FLUSH_MS:
            self.close()
            self._start = self._end = ms

    def hold(self, *, rate: float, duration: int) -> int:
        """The running stretch ends where playback is now, not at VLC's last report (a
        pause: the playhead stops where the picture stops); returns that moment. Call
        ``close`` after."""
        self._end = self.playing_now(rate=rate, duration=duration)
        return self._end

    def close(self) -> None:
        """Close the running stretch, if any, and report it."""
        start, end = self._start, self._end
        self._start = None
        if start is not None and end > start:
            self._played.add(start, end)
            self._on_range(start, end)

    def playing_now(self, *, rate: float, duration: int) -> int:
        """Where playback is now: VLC's last time report (up to a quarter second old)
        plus the time since, within the usual gap between reports."""
        since_ms = (self._clock() - self._end_at) * 1000 * rate
        now = self._end + round(min(since_ms, TIME_REPORT_GAP_MS * rate))
        return min(now, duration or now)

    def reached(self, *, rate: float, duration: int) -> int:
        """The furthest moment really played, counting the short stretch after VLC's
        last time report."""
        reached = max((end for _start, end in self.ranges()), default=0)
        if self._start is not None:
            reached = max(reached, self.playing_now(rate=rate, duration=duration))
        return reached
