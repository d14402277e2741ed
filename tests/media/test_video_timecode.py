"""Timecodes: formatting positions and parsing what is typed into "Go to time"."""

from __future__ import annotations

import pytest

from assessor_app.media.timecode import (
    TimecodeError,
    format_precise,
    format_timecode,
    parse_timecode,
)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("75", 75_000),
        ("1:15", 75_000),
        (" 03:12 ", 192_000),
        ("03:12.5", 192_500),
        ("03:12,250", 192_250),
        ("1:02:03", 3_723_000),
        ("1:02:03.040", 3_723_040),
        ("0", 0),
    ],
)
def test_parse(text: str, ms: int) -> None:
    assert parse_timecode(text) == ms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a time"),
        ("abc", "is not a time"),
        ("1:2:3:4", "is not a time"),
        ("-5", "is not a time"),
        ("3:75", "seconds go up to 59"),
        ("1:75:00", "minutes go up to 59"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(TimecodeError, match=message):
        parse_timecode(text)


def test_parse_beyond_the_end() -> None:
    assert parse_timecode("4:59", duration_ms=300_000) == 299_000
    with pytest.raises(TimecodeError, match=r"after the end of this video \(05:00\)"):
        parse_timecode("5:01", duration_ms=300_000)


def test_format() -> None:
    assert format_timecode(192_400) == "03:12"
    assert format_timecode(3_723_000) == "1:02:03"
    assert format_precise(192_040) == "03:12.040"
    assert format_precise(-5) == "00:00.000"
    for ms in (0, 40, 59_999, 61_001, 3_600_000, 3_723_456):
        assert parse_timecode(format_precise(ms)) == ms
