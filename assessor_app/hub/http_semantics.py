"""HTTP header rules the hub applies, per RFC 9110: entity tags and their comparison
(``If-Match``, ``If-None-Match``), content negotiation on ``Accept`` q-values, the
``WWW-Authenticate`` challenge of a 401, and the syntax of a media type (RFC 6838).

Pure functions on header values; the routes decide what a result means for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BEARER_CHALLENGE = 'Bearer realm="assessor-hub"'
"""The challenge on every 401: the hub's only scheme is a bearer token from /auth/token."""

INVALID_TOKEN_CHALLENGE = f'{BEARER_CHALLENGE}, error="invalid_token"'
"""A 401 for a token that was sent but is unknown, expired or revoked (RFC 6750 3.1)."""

FALLBACK_MEDIA_TYPE = "application/octet-stream"


class MalformedHeader(ValueError):
    """A header value that does not follow its grammar; ``str()`` says what is expected."""


@dataclass(frozen=True)
class EntityTag:
    """``opaque`` is the tag without quotes and without the ``W/`` prefix."""

    opaque: str
    weak: bool = False

    def __str__(self) -> str:
        return f'{"W/" if self.weak else ""}"{self.opaque}"'


ANY: Literal["*"] = "*"
TagCondition = Literal["*"] | tuple[EntityTag, ...]

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E (obs-text refused:
# none of the hub's tags use it).
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e]*)"[ \t]*')


def parse_tag_condition(value: str, header: str) -> TagCondition:
    """``*`` or the comma-separated entity tags of an ``If-Match`` / ``If-None-Match``
    value. Raises MalformedHeader for anything else (an unquoted ``99``, say)."""
    if value.strip() == ANY:
        return ANY
    tags: list[EntityTag] = []
    for member in value.split(","):
        if not member.strip():
            continue  # RFC 9110 5.6.1: empty list elements are ignored
        match = _ENTITY_TAG.fullmatch(member)
        if match is None:
            raise MalformedHeader(
                f'{header} must be "*" or entity tags in double quotes, e.g. "3" or "3", "4".'
            )
        tags.append(EntityTag(match.group(2), weak=match.group(1) is not None))
    if not tags:
        raise MalformedHeader(f"{header} is empty: send an entity tag in double quotes.")
    return tuple(tags)


def if_match_holds(condition: TagCondition, current: EntityTag) -> bool:
    """RFC 9110 13.1.1: ``*`` holds for an existing resource; otherwise a tag must match
    the current one by strong comparison (neither may be weak)."""
    if condition == ANY:
        return True
    return not current.weak and any(
        not tag.weak and tag.opaque == current.opaque for tag in condition
    )


def if_none_match_holds(condition: TagCondition, current: EntityTag) -> bool:
    """RFC 9110 13.1.2: false (so a GET answers 304) when ``*`` is sent or a tag matches
    the current one by weak comparison."""
    if condition == ANY:
        return False
    return all(tag.opaque != current.opaque for tag in condition)


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[ !#-\[\]-~]|\\[ -~])*"'
_PARAMETERS = rf"(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*"
_RESTRICTED_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(rf"{_RESTRICTED_NAME}/{_RESTRICTED_NAME}{_PARAMETERS}")
MEDIA_TYPE_MAX_LENGTH = 200
"""The hub stores media types in a 200-character column."""


def is_media_type(value: str) -> bool:
    """``type/subtype`` with RFC 6838 restricted names, optionally followed by RFC 9110
    parameters; printable ASCII only, so it is safe in a ``Content-Type`` header."""
    return len(value) <= MEDIA_TYPE_MAX_LENGTH and _MEDIA_TYPE.fullmatch(value) is not None


def servable_media_type(value: str) -> str:
    """``value`` if it can be sent as a ``Content-Type``, else the generic binary type (a
    row stored before media types were checked must not break the response)."""
    return value if is_media_type(value) else FALLBACK_MEDIA_TYPE


_MEDIA_RANGE = re.compile(rf"[ \t]*({_TOKEN})/({_TOKEN})((?:[ \t]*;[^;]*)*)[ \t]*")
_Q_NAME = re.compile(r"[ \t]*;[ \t]*q[ \t]*=", re.I)
_QVALUE = re.compile(r"[ \t]*;[ \t]*q[ \t]*=[ \t]*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)[ \t]*", re.I)


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float

    def matches(self, offer: str) -> int:
        """How specifically this range names ``offer``: 2 exact, 1 ``type/*``, 0 ``*/*``,
        -1 not at all."""
        kind, sub = offer.lower().split("/", 1)
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def _ranges(accept: str) -> list[_Range]:
    """The media ranges of an ``Accept`` value; members that do not parse (a q outside
    0..1 included) are skipped: RFC 9110 leaves them to the server, and skipping is lenient."""
    ranges = []
    for member in accept.split(","):
        match = _MEDIA_RANGE.fullmatch(member)
        if match is None:
            continue
        q: float | None = 1.0
        for parameter in re.findall(r";[^;]*", match.group(3)):
            if _Q_NAME.match(parameter):
                weight = _QVALUE.fullmatch(parameter)
                q = float(weight.group(1)) if weight else None
        if q is not None:
            ranges.append(_Range(match.group(1).lower(), match.group(2).lower(), q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers (RFC 9110 12.5.1): each offer weighs the q of the most
    specific range that names it; ties go to the earlier offer. No usable ``Accept`` means
    anything goes (the first offer); None means no offer is acceptable (406)."""
    ranges = _ranges(accept) if accept is not None else []
    if not ranges:
        return offers[0] if offers else None
    best: tuple[float, str] | None = None
    for offer in offers:
        named = [(r.matches(offer), r.q) for r in ranges if r.matches(offer) >= 0]
        if not named:
            continue
        q = max(named)[1]
        if q > 0 and (best is None or q > best[0]):
            best = (q, offer)
    return best[1] if best else None
