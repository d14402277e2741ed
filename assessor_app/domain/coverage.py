"""Evidence coverage: which stretches of a video or audio artifact were actually played.

``PlayedRanges`` keeps a sorted union of half-open ``[start, end)`` intervals in
milliseconds. The player reports stretches it really played (a seek is a jump, never a
stretch), the store persists ``to_list()``, and finalize compares ``share(duration)``
against the profile's threshold.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator


class PlayedRanges:
    """A union of half-open millisecond intervals, always sorted and non-overlapping;
    touching intervals (``[0, 5)`` and ``[5, 9)``) are merged."""

    __slots__ = ("_ranges",)

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self._ranges: list[tuple[int, int]] = []
        for start, end in ranges:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        """Add ``[start, end)``; empty or reversed intervals are ignored, negative
        starts are clipped to 0."""
        start, end = max(0, int(start)), int(end)
        if end <= start:
            return
        ranges = self._ranges
        # First interval that could touch the new one: its end >= start.
        lo = bisect.bisect_left(ranges, start, key=lambda r: r[1])
        hi = lo
        while hi < len(ranges) and ranges[hi][0] <= end:
            start = min(start, ranges[hi][0])
            end = max(end, ranges[hi][1])
            hi += 1
        ranges[lo:hi] = [(start, end)]

    def merge(self, other: PlayedRanges) -> PlayedRanges:
        """A new union of both (neither operand changes)."""
        merged = self.copy()
        for start, end in other:
            merged.add(start, end)
        return merged

    def copy(self) -> PlayedRanges:
        duplicate = PlayedRanges()
        duplicate._ranges = list(self._ranges)
        return duplicate

    @property
    def total_ms(self) -> int:
        return sum(end - start for start, end in self._ranges)

    def share(self, duration_ms: int) -> float:
        """Fraction of ``[0, duration_ms)`` covered, between 0.0 and 1.0."""
        if duration_ms <= 0:
            return 0.0
        covered = sum(
            min(end, duration_ms) - start for start, end in self._ranges if start < duration_ms
        )
        return min(1.0, covered / duration_ms)

    def gaps(self, duration_ms: int) -> list[tuple[int, int]]:
        """The unplayed stretches of ``[0, duration_ms)``, for "not yet watched" hints."""
        result: list[tuple[int, int]] = []
        cursor = 0
        for start, end in self._ranges:
            if start >= duration_ms:
                break
            if start > cursor:
                result.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < duration_ms:
            result.append((cursor, duration_ms))
        return result

    def to_list(self) -> list[list[int]]:
        """JSON-friendly ``[[start, end], ...]``."""
        return [[start, end] for start, end in self._ranges]

    @classmethod
    def from_list(cls, pairs: Iterable[Iterable[int]]) -> PlayedRanges:
        """Inverse of :meth:`to_list`; raises ``ValueError`` on anything but pairs of
        integers."""
        ranges = cls()
        for pair in pairs:
            items = list(pair)
            if len(items) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in items
            ):
                raise ValueError(f"a played range is a pair of integers, not {pair!r}")
            ranges.add(items[0], items[1])
        return ranges

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._ranges)

    def __len__(self) -> int:
        return len(self._ranges)

    def __bool__(self) -> bool:
        return bool(self._ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlayedRanges) and self._ranges == other._ranges

    def __repr__(self) -> str:
        return f"PlayedRanges({self._ranges!r})"
