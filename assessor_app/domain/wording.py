"""Counting words the same way everywhere: "1 decision uploaded", "2 decisions uploaded",
"Overdue by 2 days", "850 KB/s".

The one home of plural and rate wording for the GUI, the command line and the sync
report.
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["plural", "rate_words", "span"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with the noun in the right number: ``plural(1, "file")`` is "1 file",
    ``plural(3, "file")`` is "3 files"; irregular nouns pass their plural form."""
    noun = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count} {noun}"


def rate_words(bytes_per_second: float) -> str:
    """``850 KB/s``, ``2.4 MB/s``; empty while nothing is measured."""
    if bytes_per_second <= 0:
        return ""
    if bytes_per_second < 1_000_000:
        return f"{max(1, round(bytes_per_second / 1000))} KB/s"
    return f"{bytes_per_second / 1_000_000:.1f} MB/s"


def span(delta: timedelta) -> str:
    """A duration in the largest whole unit that fits: days, hours or minutes (at least
    one minute): "2 days", "1 hour", "5 minutes"."""
    seconds = int(delta.total_seconds())
    if seconds >= 86_400:
        return plural(seconds // 86_400, "day")
    if seconds >= 3_600:
        return plural(seconds // 3_600, "hour")
    return plural(max(1, seconds // 60), "minute")
