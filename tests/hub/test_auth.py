"""Sign-in, tokens, throttling, /me, problem+json for framework errors, and /openapi.json."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from support.hub import HubServer

from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import LoginFailure, Token, utcnow
from tests.hub.conftest import PASSWORD, World, sign_in

PROBLEM = "application/problem+json"


def _token(base_url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/auth/token", json={"username": username, "password": password}
    )


def test_sign_in_returns_a_bearer_token_that_opens_me(hub: HubServer, world: World) -> None:
    response = _token(hub.base_url, "ann", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 40
    me = httpx.get(
        f"{hub.base_url}/api/v1/me",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.json() == {
        "username": "ann",
        "display_name": "Ann Example",
        "roles": ["assessor"],
        "calibration_status": "none",
        # A hub on local disk streams evidence itself: it declares no storage origin.
        "artifact_origin": None,
    }
    # Only the token's hash is stored.
    with world.admin.db.read() as session:
        stored = session.scalars(select(Token.token_hash)).all()
    assert body["access_token"] not in stored
    assert len(stored) == 1


def test_calibration_status_follows_calibration_assignments(
    hub: HubServer, world: World, ann: httpx.Client
) -> None:
    world.admin.assign(world.bob_submission, "ann", kind="calibration")
    assert ann.get("/api/v1/me").json()["calibration_status"] == "in_progress"


def test_wrong_password_and_unknown_user_get_the_same_401(hub: HubServer, world: World) -> None:
    wrong = _token(hub.base_url, "ann", "not the password")
    unknown = _token(hub.base_url, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == PROBLEM
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Wrong user name or password."


def test_repeated_failures_are_throttled_across_hub_processes(
    start_hub: Callable[[HubSettings], HubServer], settings: HubSettings, world: World
) -> None:
    first, second = start_hub(settings), start_hub(settings)
    for attempt in range(5):
        server = first if attempt % 2 else second
        assert _token(server.base_url, "ann", "guess").status_code == 401
    for server in (first, second):
        refused = _token(server.base_url, "ann", PASSWORD)  # even the right password
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM
        assert 1 <= int(refused.headers["Retry-After"]) <= 300
    # Another account from the same address is not affected.
    assert _token(first.base_url, "bob", PASSWORD).status_code == 200
    # Once the failures are older than the window, sign-in works and clears them.
    with world.admin.db.write() as session:
        session.execute(update(LoginFailure).values(failed_at=utcnow() - timedelta(minutes=6)))
    assert _token(first.base_url, "ann", PASSWORD).status_code == 200
    with world.admin.db.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_expired_and_unknown_tokens_get_401(hub: HubServer, world: World) -> None:
    client = sign_in(hub.base_url, "ann")
    assert client.get("/api/v1/me").status_code == 200
    with world.admin.db.write() as session:
        session.execute(update(Token).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get("/api/v1/me")
    assert expired.status_code == 401
    assert expired.headers["content-type"] == PROBLEM
    assert "invalid_token" in expired.headers["WWW-Authenticate"]
    assert "sign in again" in expired.json()["detail"]
    forged = httpx.get(
        f"{hub.base_url}/api/v1/assignments", headers={"Authorization": "Bearer forged"}
    )
    assert forged.status_code == 401
    anonymous = httpx.get(f"{hub.base_url}/api/v1/assignments")
    assert anonymous.status_code == 401
    assert anonymous.json()["title"] == "Unauthorized"


def test_token_lifetime_follows_the_settings(
    start_hub: Callable[[HubSettings], HubServer], settings: HubSettings, world: World
) -> None:
    short = HubSettings(
        settings.data_dir, settings.db_url, settings.storage_dir, timedelta(minutes=5)
    )
    server = start_hub(short)
    before = utcnow()
    body = _token(server.base_url, "ann", PASSWORD).json()
    with world.admin.db.read() as session:
        expires = session.scalar(select(Token.expires_at))
    assert expires is not None
    assert timedelta(minutes=4) < expires - before <= timedelta(minutes=5, seconds=5)
    assert body["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))


def test_malformed_sign_in_bodies_get_actionable_422(hub: HubServer, world: World) -> None:
    url = f"{hub.base_url}/api/v1/auth/token"
    not_json = httpx.post(
        url, content=b"{username: ann", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.headers["content-type"] == PROBLEM
    assert "not valid JSON" in not_json.json()["detail"]
    missing = httpx.post(url, json={"username": "ann"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "password", "code": "missing", "message": "password: Field required"}
    ]
    extra = httpx.post(url, json={"username": "ann", "password": "x", "remember": True})
    assert extra.json()["errors"][0]["field"] == "remember"
    no_body = httpx.post(url)
    assert no_body.json()["errors"][0]["message"] == "The request needs a JSON body."


def test_framework_errors_are_problem_documents(hub: HubServer, ann: httpx.Client) -> None:
    missing = ann.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["status"] == 404
    wrong_method = ann.delete("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == PROBLEM
    assert wrong_method.json()["title"] == "Method Not Allowed"
    bad_limit = ann.get("/api/v1/assignments", params={"limit": "lots"})
    assert bad_limit.status_code == 422
    assert bad_limit.json()["errors"][0]["field"] == "query.limit"
    assert "query parameter limit" in bad_limit.json()["detail"]


def test_openapi_describes_protocol_v1(hub: HubServer) -> None:
    spec = httpx.get(f"{hub.base_url}/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/assignments",
        "/api/v1/submissions/{submission_id}",
        "/api/v1/artifacts/{artifact_id}/content",
        "/api/v1/assignments/{assignment_id}/decision",
    ):
        assert path in paths
    assert "put" in paths["/api/v1/assignments/{assignment_id}/decision"]
    assert "DecisionUpload" in spec["components"]["schemas"]
