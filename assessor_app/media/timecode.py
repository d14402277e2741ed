"""Timecodes for the player: formatting positions and parsing what an assessor types
into "Go to time".

Accepted input: ``75`` (seconds), ``1:15``, ``01:15.250``, ``1:02:03``, ``1:02:03.5``;
a comma works as the decimal mark too. Errors are ``TimecodeError`` with a sentence
that says what to type instead.
"""

from __future__ import annotations

import re

from assessor_app.domain.citations import format_timecode

__all__ = ["TimecodeError", "format_precise", "format_timecode", "parse_timecode"]

_PATTERN = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+)(?:[.,](\d{1,3}))?$")


class TimecodeError(ValueError):
    """Input that is not a time; the message is shown to the assessor as is."""


def format_precise(ms: int) -> str:
    """``03:12.040`` (or ``1:03:12.040``): :func:`format_timecode` plus milliseconds,
    for frame stepping where whole seconds are too coarse."""
    ms = max(0, int(ms))
    return f"{format_timecode(ms)}.{ms % 1000:03d}"


def parse_timecode(text: str, *, duration_ms: int | None = None) -> int:
    """Milliseconds for ``text``; raises :class:`TimecodeError` for anything else,
    including a time beyond ``duration_ms`` when it is given."""
    cleaned = text.strip()
    if not cleaned:
        raise TimecodeError("Type a time such as 3:12 or 1:02:03.")
    match = _PATTERN.match(cleaned)
    if match is None:
        raise TimecodeError(
            f"“{cleaned}” is not a time. Type minutes and seconds such as 3:12, "
            "hours too such as 1:02:03, or seconds such as 75."
        )
    hours_s, minutes_s, seconds_s, fraction_s = match.groups()
    hours = int(hours_s) if hours_s else 0
    minutes = int(minutes_s) if minutes_s else 0
    seconds = int(seconds_s)
    if minutes_s is not None and seconds >= 60:
        raise TimecodeError(f"“{cleaned}” has {seconds} seconds; seconds go up to 59.")
    if hours_s is not None and minutes >= 60:
        raise TimecodeError(f"“{cleaned}” has {minutes} minutes; minutes go up to 59.")
    millis = int(fraction_s.ljust(3, "0")) if fraction_s else 0
    total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    if duration_ms is not None and total > duration_ms:
        raise TimecodeError(
            f"{format_timecode(total)} is after the end of this video "
            f"({format_timecode(duration_ms)})."
        )
    return total
