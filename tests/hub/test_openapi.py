"""The hub's ``/openapi.json`` tells the truth: every error is a problem+json document of
one schema, secured operations document 401 and its challenge, headers are declared, and
what the hub really sends validates against what the document says."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from support.hub import HubServer

from tests.hub.conftest import World

PROBLEM = "application/problem+json"


@pytest.fixture
def document(hub: HubServer) -> dict[str, Any]:
    response = httpx.get(f"{hub.base_url}/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _assert_matches(document: dict[str, Any], method: str, path: str, reply: httpx.Response):
    """``reply`` is what the document says ``method path`` answers with its status."""
    documented = document["paths"][path][method]["responses"].get(str(reply.status_code))
    assert documented is not None, f"{method} {path} does not document {reply.status_code}"
    media_type = reply.headers["content-type"].split(";")[0]
    schema = documented["content"][media_type]["schema"]
    jsonschema_rs.validate({**schema, "components": document["components"]}, reply.json())
    for name, header in documented.get("headers", {}).items():
        if header["required"]:
            assert name in reply.headers, f"{name} is documented as always sent"


def test_every_error_is_a_documented_problem(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    errors = 0
    for method, path, operation in _operations(document):
        assert {"400", "500"} <= set(operation["responses"]), (method, path)
        for status, response in operation["responses"].items():
            assert response["description"], (method, path, status)
            assert response["headers"]["X-Content-Type-Options"]["required"], (path, status)
            if path.startswith("/api/"):
                assert response["headers"]["Cache-Control"]["required"], (path, status)
            if int(status) < 400:
                continue
            errors += 1
            if method == "head":  # a HEAD answer has no body to describe
                assert "content" not in response, (path, status)
                continue
            assert response["content"] == {
                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
    assert errors > 100


def test_secured_operations_document_401_and_its_challenge(document: dict[str, Any]) -> None:
    secured = [(m, p, o) for m, p, o in _operations(document) if o.get("security")]
    assert len(secured) > 20
    for method, path, operation in secured:
        unauthorized = operation["responses"]["401"]
        assert unauthorized["headers"]["WWW-Authenticate"]["required"] is True, (method, path)
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert token["429"]["headers"]["Retry-After"]["required"] is True
    assert "413" in token and "422" in token


def test_response_headers_are_declared(document: dict[str, Any]) -> None:
    content = document["paths"]["/api/v1/artifacts/{artifact_id}/content"]
    for method in ("get", "head"):
        responses = content[method]["responses"]
        assert {"ETag", "Accept-Ranges"} <= set(responses["200"]["headers"])
        assert {"ETag", "Accept-Ranges", "Content-Range"} <= set(responses["206"]["headers"])
        assert "Content-Range" in responses["416"]["headers"]
        assert "304" in responses
    decision = document["paths"]["/api/v1/assignments/{assignment_id}/decision"]["put"]
    assert decision["responses"]["200"]["headers"]["ETag"]["required"] is True


def test_what_is_sent_matches_what_is_documented(
    hub: HubServer, world: World, document: dict[str, Any], ann: httpx.Client
) -> None:
    token = "/api/v1/auth/token"
    invalid = httpx.post(f"{hub.base_url}{token}", json={"username": 5})
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"username", "password"}
    _assert_matches(document, "post", token, invalid)

    too_large = httpx.post(
        f"{hub.base_url}{token}",
        content=b'{"username": "' + b"a" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert too_large.status_code == 413
    _assert_matches(document, "post", token, too_large)

    wrong = httpx.post(f"{hub.base_url}{token}", json={"username": "ann", "password": "nope"})
    assert wrong.status_code == 401
    _assert_matches(document, "post", token, wrong)

    me = httpx.get(f"{hub.base_url}/api/v1/me")
    assert me.status_code == 401
    _assert_matches(document, "get", "/api/v1/me", me)

    content = "/api/v1/artifacts/{artifact_id}/content"
    artifact = world.ann_artifacts[0]
    missing = ann.get(content.replace("{artifact_id}", "no-such-artifact"))
    assert missing.status_code == 404
    _assert_matches(document, "get", content, missing)
    beyond = ann.get(
        content.replace("{artifact_id}", artifact), headers={"Range": "bytes=999999999-"}
    )
    assert beyond.status_code == 416
    _assert_matches(document, "get", content, beyond)
    part = ann.get(content.replace("{artifact_id}", artifact), headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    for name, header in document["paths"][content]["get"]["responses"]["206"]["headers"].items():
        assert not header["required"] or name in part.headers, name
