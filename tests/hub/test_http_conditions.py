"""RFC 9110 semantics against the real hub: If-Match compared strongly (``*`` and lists
accepted, malformed values refused), If-None-Match with ``*`` and weak tags, HEAD ignoring
Range, and a ``WWW-Authenticate`` challenge on every 401."""

from __future__ import annotations

import hashlib
import re

import httpx
from support.hub import HubServer

from tests.hub.conftest import World
from tests.hub.test_decisions import PROBLEM, decisions, passing, put


def test_a_weak_tag_does_not_satisfy_if_match(ann: httpx.Client, world: World) -> None:
    body = passing(world.ann_artifacts[0])
    weak = put(ann, world.ann_assignment, body, match='W/"1"')
    assert weak.status_code == 412
    assert weak.json()["assignment"]["version"] == 1
    assert decisions(world) == 0
    listed = put(ann, world.ann_assignment, body, match='"7", "1"')
    assert listed.status_code == 200, listed.text
    assert listed.headers["ETag"] == '"2"'
    assert decisions(world) == 1


def test_if_match_star_is_accepted(ann: httpx.Client, world: World) -> None:
    response = put(ann, world.ann_assignment, passing(world.ann_artifacts[0]), match="*")
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert decisions(world) == 1


def test_malformed_if_match_is_refused(ann: httpx.Client, world: World) -> None:
    body = passing(world.ann_artifacts[0])
    for value in ("1", "99", '"1', "W/1", '"1" "2"'):
        response = put(ann, world.ann_assignment, body, match=value)
        assert response.status_code == 400, value
        assert response.headers["content-type"] == PROBLEM
        assert "entity tags in double quotes" in response.json()["detail"]
    assert decisions(world) == 0


def _content(client: httpx.Client, artifact: str, **headers: str) -> httpx.Response:
    return client.get(f"/api/v1/artifacts/{artifact}/content", headers=headers)


def test_if_none_match_star_and_weak_tags_answer_304(ann: httpx.Client, world: World) -> None:
    artifact = world.ann_artifacts[0]
    sha = hashlib.sha256(world.payload).hexdigest()
    for value in ("*", f'W/"{sha}"', f'"other", "{sha}"'):
        response = _content(ann, artifact, **{"If-None-Match": value})
        assert response.status_code == 304, value
        assert response.content == b""
        assert response.headers["ETag"] == f'"{sha}"'
    changed = _content(ann, artifact, **{"If-None-Match": '"other", W/"another"'})
    assert changed.status_code == 200
    assert changed.content == world.payload
    malformed = _content(ann, artifact, **{"If-None-Match": sha})
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == PROBLEM


def test_head_ignores_range_even_an_unsatisfiable_one(ann: httpx.Client, world: World) -> None:
    url = f"/api/v1/artifacts/{world.ann_artifacts[0]}/content"
    for value in ("bytes=10-19", "bytes=999999-", "bytes=-0"):
        head = ann.head(url, headers={"Range": value})
        assert head.status_code == 200, value
        assert head.headers["Content-Length"] == str(len(world.payload))
        assert head.headers["Content-Type"] == "video/mp4"
        assert "Content-Range" not in head.headers
        assert head.content == b""


def test_every_401_carries_a_challenge(hub: HubServer, world: World) -> None:
    wrong = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann", "password": "nope"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="assessor-hub"'
    assert wrong.headers["content-type"] == PROBLEM
    anonymous = httpx.get(f"{hub.base_url}/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="assessor-hub"'
    unknown = httpx.get(f"{hub.base_url}/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert unknown.headers["WWW-Authenticate"] == (
        'Bearer realm="assessor-hub", error="invalid_token"'
    )


def test_no_route_answers_401_without_a_challenge(hub: HubServer, world: World) -> None:
    """Every operation the OpenAPI document lists, called without a token (and once with a
    token the hub does not know): each 401 names the Bearer scheme."""
    spec = httpx.get(f"{hub.base_url}/openapi.json").json()
    unauthorized = 0
    for path, operations in spec["paths"].items():
        url = hub.base_url + re.sub(r"\{[^}]+\}", "x1", path)
        for method in operations:
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                response = httpx.request(method.upper(), url, headers=headers, json={})
                if response.status_code == 401:
                    unauthorized += 1
                    assert response.headers.get("WWW-Authenticate", "").startswith(
                        'Bearer realm="assessor-hub"'
                    ), f"{method.upper()} {path}"
    assert unauthorized >= 20  # the secured operations, twice each
