"""``GET /artifacts/{id}/content``: streaming, ETag, every Range case, If-Range, HEAD."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.hub.conftest import World

SIZE = 100_000


@pytest.fixture
def clip(world: World) -> tuple[str, bytes, str]:
    return world.ann_artifacts[0], world.payload, hashlib.sha256(world.payload).hexdigest()


def _get(client: httpx.Client, artifact: str, **headers: str) -> httpx.Response:
    return client.get(f"/api/v1/artifacts/{artifact}/content", headers=headers)


def test_whole_artifact_with_etag(ann: httpx.Client, clip: tuple[str, bytes, str]) -> None:
    artifact, payload, sha = clip
    response = _get(ann, artifact)
    assert response.status_code == 200
    assert response.content == payload
    assert response.headers["ETag"] == f'"{sha}"'
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Content-Type"] == "video/mp4"
    assert "Content-Range" not in response.headers


SINGLE_RANGES = [
    ("bytes=0-99", 0, 99),
    ("bytes=1000-1000", 1000, 1000),
    ("bytes=99990-", 99990, SIZE - 1),
    ("bytes=-500", SIZE - 500, SIZE - 1),
    ("bytes=-200000", 0, SIZE - 1),
    ("bytes=99000-500000", 99000, SIZE - 1),
]


def test_single_ranges_answer_206(ann: httpx.Client, clip: tuple[str, bytes, str]) -> None:
    artifact, payload, sha = clip
    for header, start, end in SINGLE_RANGES:
        response = _get(ann, artifact, Range=header)
        assert response.status_code == 206, header
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{SIZE}", header
        assert response.headers["Content-Length"] == str(end - start + 1), header
        assert response.headers["ETag"] == f'"{sha}"'
        assert response.content == payload[start : end + 1], header


def test_unsatisfiable_range_answers_416(ann: httpx.Client, clip: tuple[str, bytes, str]) -> None:
    for header in ("bytes=100000-", "bytes=200000-300000", "bytes=-0"):
        response = _get(ann, clip[0], Range=header)
        assert response.status_code == 416, header
        assert response.headers["Content-Range"] == f"bytes */{SIZE}"
        assert response.headers["content-type"] == "application/problem+json"
        assert str(SIZE) in response.json()["detail"]


def test_multi_or_unusable_range_gets_the_whole_file(
    ann: httpx.Client, clip: tuple[str, bytes, str]
) -> None:
    for header in ("bytes=0-1,5-6", "items=0-5", "bytes=50-10", "bytes=abc"):
        response = _get(ann, clip[0], Range=header)
        assert response.status_code == 200, header
        assert response.content == clip[1], header


def test_if_range_resumes_only_the_same_content(
    ann: httpx.Client, clip: tuple[str, bytes, str]
) -> None:
    artifact, payload, sha = clip
    same = _get(ann, artifact, Range="bytes=500-", **{"If-Range": f'"{sha}"'})
    assert same.status_code == 206
    assert same.content == payload[500:]
    changed = _get(ann, artifact, Range="bytes=500-", **{"If-Range": f'"{"0" * 64}"'})
    assert changed.status_code == 200
    assert changed.content == payload
    dated = _get(ann, artifact, Range="bytes=500-", **{"If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert dated.status_code == 200
    assert dated.content == payload


def test_if_none_match_and_head(ann: httpx.Client, clip: tuple[str, bytes, str]) -> None:
    artifact, _, sha = clip
    assert _get(ann, artifact, **{"If-None-Match": f'"{sha}"'}).status_code == 304
    head = ann.head(f"/api/v1/artifacts/{artifact}/content", headers={"Range": "bytes=10-19"})
    assert head.status_code == 200  # RFC 9110 14.2: Range is defined for GET only
    assert head.headers["Content-Length"] == str(SIZE)
    assert head.headers["ETag"] == f'"{sha}"'
    assert head.headers["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in head.headers
    assert head.content == b""


def test_hostile_file_name_is_only_quoted_in_the_header(
    ann: httpx.Client, clip: tuple[str, bytes, str]
) -> None:
    disposition = _get(ann, clip[0]).headers["Content-Disposition"]
    assert disposition == "attachment; filename*=UTF-8''clip.mp4"
