"""No request makes the hub answer 5xx in plain text: numbers from outside are parsed by
one strict rule into a 4xx problem, and an unexpected failure is a problem 500 with an
incident id that the log names too."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from support.hub import HubServer

from assessor_app.hub.db import DecisionRow
from assessor_app.hub.numbers import MAX_NUMBER, parse_number, parse_size
from assessor_app.protocol.v1 import PROBLEM_MEDIA_TYPE
from tests.hub.conftest import World

CREDENTIAL = "test-wait-time"


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    return body


def test_only_ascii_digits_within_64_bits_are_numbers() -> None:
    assert parse_number("0") == 0
    assert parse_number("0042") == 42
    assert parse_number(str(MAX_NUMBER)) == MAX_NUMBER
    assert parse_number("0" * 5000 + "7") == 7
    for bad in ("", "²", "٣", "1²", "-1", "+1", " 1", "1_000", "9" * 20, str(MAX_NUMBER + 1)):
        assert parse_number(bad) is None, bad
    assert parse_number("10", maximum=9) is None
    assert parse_size("9" * 5000) == MAX_NUMBER
    assert parse_size("²") is None


def test_out_of_range_achievement_version_is_404_without_sign_in(
    hub: HubServer, world: World
) -> None:
    for version in ("99999999999999999999", "²", "9" * 5000):
        response = httpx.get(f"{hub.base_url}/api/v1/achievements/{CREDENTIAL}/v{version}")
        _problem(response, 404)
    assert httpx.get(f"{hub.base_url}/api/v1/achievements/{CREDENTIAL}/v1").status_code == 200


def test_superscript_cursors_and_session_ids_are_4xx(ann: httpx.Client) -> None:
    body = _problem(ann.get("/api/v1/assignments", params={"since": "²"}), 422)
    assert body["errors"] == [  # type: ignore[comparison-overlap]
        {"field": "query.since", "code": "invalid_cursor", "message": "not a cursor"}
    ]
    _problem(ann.get("/api/v1/assignments", params={"since": "99999999999999999999"}), 422)
    assert ann.get("/api/v1/assignments", params={"since": "0"}).status_code == 200
    _problem(ann.get("/api/v1/calibration/sessions/²"), 404)
    _problem(ann.get("/api/v1/calibration/sessions/99999999999999999999"), 404)
    _problem(ann.get("/api/v1/calibration/sessions", params={"cursor": "²"}), 422)
    assert ann.get("/api/v1/calibration/sessions", params={"cursor": "5"}).status_code == 200


def test_ranges_with_thousands_of_digits_are_answered(ann: httpx.Client, world: World) -> None:
    url = f"/api/v1/artifacts/{world.ann_artifacts[0]}/content"
    size = len(world.payload)
    huge = "9" * 5000
    response = _problem(ann.get(url, headers={"Range": f"bytes={huge}-"}), 416)
    assert response["detail"] == f"The artifact has {size} bytes; ask for a range inside it."
    for header in (f"bytes=0-{huge}", f"bytes=-{huge}"):
        whole = ann.get(url, headers={"Range": header})
        assert whole.status_code == 206, header
        assert whole.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
        assert whole.content == world.payload
    ignored = ann.get(url, headers={"Range": "bytes=²-".encode("latin-1")})
    assert ignored.status_code == 200
    assert ignored.content == world.payload


def test_unexpected_failure_is_problem_500_with_incident_in_log(
    ann: httpx.Client, settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    # A real fault: the table of assignments disappears under the running hub.
    engine = create_engine(settings.db_url)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE assignments RENAME TO assignments_gone"))
    engine.dispose()
    with caplog.at_level(logging.ERROR, logger="assessor_app.hub.incidents"):
        response = ann.get("/api/v1/assignments")
    body = _problem(response, 500)
    incident = body["incident"]
    assert isinstance(incident, str) and len(incident) == 16
    assert incident in str(body["detail"])
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "assessor_app.hub.incidents"]
    assert [r.getMessage() for r in logged] == [
        f"incident {incident}: GET /api/v1/assignments failed"
    ]
    assert logged[0].exc_info is not None
    assert ann.headers["Authorization"].split()[1] not in caplog.text
    # The failed statement is named without its values (they can be notes or digests).
    assert "[SQL parameters hidden due to hide_parameters=True]" in caplog.text


NUL_DETAIL = (
    "The request contains a NUL character (U+0000), which the hub does not store; "
    "remove it and send the request again."
)


def test_nul_characters_are_refused_with_400_on_every_database(
    hub: HubServer, ann: httpx.Client, world: World
) -> None:
    # PostgreSQL text cannot hold U+0000: these were 500s on a PostgreSQL hub.
    for path in (
        "/api/v1/submissions/a%00b",
        "/api/v1/artifacts/a%00b/content",
        "/api/v1/credentials/a%00b",
        "/api/v1/assignments?since=1%00",
    ):
        assert _problem(ann.get(path), 400)["detail"] == NUL_DETAIL, path
    anonymous = httpx.get(f"{hub.base_url}/api/v1/achievements/a%00b/v1")
    assert _problem(anonymous, 400)["detail"] == NUL_DETAIL
    token = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann\x00", "password": "x"}
    )
    assert _problem(token, 400)["detail"] == NUL_DETAIL

    def straddling() -> Iterator[bytes]:
        yield b'{"username": "ann\\u00'
        yield b'00", "password": "x"}'

    split = httpx.post(
        f"{hub.base_url}/api/v1/auth/token",
        content=straddling(),
        headers={"Content-Type": "application/json"},
    )
    assert _problem(split, 400)["detail"] == NUL_DETAIL
    assert ann.get(f"/api/v1/submissions/{world.ann_submission}").status_code == 200


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_a_decision_are_422_and_nothing_is_stored(
    ann: httpx.Client, world: World, number: str
) -> None:
    # Python's JSON reader takes NaN, Infinity and 1e999 (inf): they were a 500 on PostgreSQL
    # and stored as invalid JSON on SQLite.
    clip = world.ann_artifacts[0]
    citation = (
        f'{{"kind": "page", "artifact_id": "{clip}", "page": 1, '
        f'"rect": {{"x": {number}, "y": 0, "width": 1, "height": 1}}}}'
    )
    body = (
        '{"decision": "pass", "criteria": ['
        f'{{"criterion_id": "c1-wait", "level_id": "proficient", "citations": [{citation}]}},'
        '{"criterion_id": "c2-reflection", "level_id": "proficient"}],'
        '"feedback": "Clear.", "scored_at": "2025-03-01T10:00:00Z"}'
    )
    response = ann.put(
        f"/api/v1/assignments/{world.ann_assignment}/decision",
        content=body,
        headers={"Idempotency-Key": "k-1", "If-Match": '"1"', "Content-Type": "application/json"},
    )
    problem = _problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [  # type: ignore[union-attr]
        "criteria[0].citations[0].page.rect.x"
    ]
    with world.admin.db.read() as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 0


def test_page_limits_follow_the_same_number_rule(ann: httpx.Client) -> None:
    for path in ("/api/v1/assignments", "/api/v1/calibration/sessions"):
        for limit in ("²", "+5", " 5", "1_0", "5.0", "9" * 5000, "0", "501"):
            errors = _problem(ann.get(path, params={"limit": limit}), 422)["errors"]
            assert errors[0]["field"] == "query.limit", (path, limit)  # type: ignore[index]
        assert ann.get(path, params={"limit": "007"}).status_code == 200
