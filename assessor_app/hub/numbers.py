"""The one rule for whole numbers that reach the hub as text (paths, queries, headers).

Only ASCII digits count: ``str.isdigit`` also accepts "²" or "٣", which ``int`` then
refuses. Values are bounded by what a signed 64-bit database column holds, and a number
is never converted while it is longer than that bound (``int`` of thousands of digits is
slow, and refused past 4,300).
"""

from __future__ import annotations

from pydantic import BeforeValidator

from assessor_app.domain.whole_numbers import MAX_NUMBER

__all__ = ["MAX_NUMBER", "AsciiWhole", "parse_number", "parse_size"]
_MAX_DIGITS = len(str(MAX_NUMBER))


def _significant(text: str) -> str | None:
    """The digits of ``text`` without leading zeros; None unless all are ASCII digits."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    return text.lstrip("0") or "0"


def parse_number(text: str, maximum: int = MAX_NUMBER) -> int | None:
    """``text`` as a whole number in 0..``maximum``; None for anything else."""
    digits = _significant(text)
    if digits is None or len(digits) > _MAX_DIGITS:
        return None
    value = int(digits)
    return value if value <= maximum else None


def parse_size(text: str) -> int | None:
    """``text`` as a byte position or length: a number past ``MAX_NUMBER`` is as good as
    ``MAX_NUMBER`` (beyond any file's end); None unless all are ASCII digits."""
    digits = _significant(text)
    if digits is None:
        return None
    return int(digits) if len(digits) <= _MAX_DIGITS else MAX_NUMBER


def _ascii_whole(value: object) -> object:
    """Query text must be a number by ``parse_number``'s rule; pydantic alone also takes
    "+5", " 5", "1_0" and "5.0"."""
    if isinstance(value, str) and parse_number(value) is None:
        raise ValueError("must be a whole number written in the digits 0-9")
    return value


AsciiWhole = BeforeValidator(_ascii_whole)
"""Annotate an ``int`` query parameter with this to hold it to the one number rule."""
