"""The header rules of ``assessor_app.hub.http_semantics``: entity-tag lists and their
strong and weak comparison, Accept q-values, and media-type syntax."""

from __future__ import annotations

import pytest

from assessor_app.hub.http_semantics import (
    ANY,
    FALLBACK_MEDIA_TYPE,
    EntityTag,
    MalformedHeader,
    if_match_holds,
    if_none_match_holds,
    is_media_type,
    negotiate,
    parse_tag_condition,
    servable_media_type,
)

THREE = EntityTag("3")


def test_tag_lists_star_and_weak_tags_parse() -> None:
    assert parse_tag_condition("*", "If-Match") == ANY
    assert parse_tag_condition(' "1" , W/"2",,"x-y"', "If-Match") == (
        EntityTag("1"),
        EntityTag("2", weak=True),
        EntityTag("x-y"),
    )
    assert parse_tag_condition('""', "If-Match") == (EntityTag(""),)
    assert str(EntityTag("2", weak=True)) == 'W/"2"'


@pytest.mark.parametrize(
    "value", ["99", '"1', '1"', 'w/"1"', '"1" "2"', '"a"b"', "", " , ", '"é"', '"1"\r\n', "*, *"]
)
def test_malformed_tag_lists_are_refused(value: str) -> None:
    with pytest.raises(MalformedHeader, match="If-Match"):
        parse_tag_condition(value, "If-Match")


def test_if_match_compares_strongly() -> None:
    assert if_match_holds(parse_tag_condition('"3"', "If-Match"), THREE)
    assert if_match_holds(parse_tag_condition('"1", "3"', "If-Match"), THREE)
    assert if_match_holds(ANY, THREE)
    assert not if_match_holds(parse_tag_condition('W/"3"', "If-Match"), THREE)
    assert not if_match_holds(parse_tag_condition('"4", W/"3"', "If-Match"), THREE)
    assert not if_match_holds(parse_tag_condition('"3"', "If-Match"), EntityTag("3", weak=True))


def test_if_none_match_compares_weakly() -> None:
    assert not if_none_match_holds(ANY, THREE)
    assert not if_none_match_holds(parse_tag_condition('W/"3"', "If-None-Match"), THREE)
    assert not if_none_match_holds(parse_tag_condition('"9", "3"', "If-None-Match"), THREE)
    assert if_none_match_holds(parse_tag_condition('"9", W/"33"', "If-None-Match"), THREE)


JSON, JWT = "application/json", "application/vc+jwt"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        (JWT, JWT),
        (f"{JWT};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.1, {JWT};q=0.9", JWT),
        (f"{JSON};q=0, */*", JWT),
        (f"application/*;q=0.2, {JWT};q=0.3", JWT),
        (f"*/*;q=0.9, {JSON};q=0.1", JWT),
        (f"{JWT} ; Q=1.000, {JSON};q=1", JSON),
        ("text/html", None),
        (f"{JWT};q=0, {JSON};q=0", None),
        ("garbage, ;;, /", JSON),
        (f"{JWT};q=2, {JSON};q=0.5", JSON),
        (f"{JWT};quality=low;q=0.9, {JSON};q=0.5", JWT),
    ],
)
def test_negotiation_follows_q_values(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, [JSON, JWT]) == chosen


@pytest.mark.parametrize(
    "value",
    [
        "video/mp4",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/markdown; charset=utf-8",
        'text/plain;charset="utf-8"',
        "application/ld+json",
    ],
)
def test_media_types_that_are_valid(value: str) -> None:
    assert is_media_type(value)
    assert servable_media_type(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "text/plain\r\nX-Evil: 1",
        "text/plain\n",
        "text/plain\x00",
        "video",
        "video/",
        "/mp4",
        "vid eo/mp4",
        "video/mp4;",
        "text/plain; charset",
        "tëxt/plain",
        "-video/mp4",
        "a/" + "b" * 200,
    ],
)
def test_media_types_that_are_refused(value: str) -> None:
    assert not is_media_type(value)
    assert servable_media_type(value) == FALLBACK_MEDIA_TYPE
