"""The hub's OpenAPI document, made to tell the truth about errors and headers.

FastAPI documents a route's success and whatever its decorator lists; it does not know that
every error here is an RFC 9457 ``application/problem+json`` document (see ``problems``),
that the bearer dependency answers 401, or which headers a response carries. This module
rewrites the generated document once, for every operation alike, so routes only list the
errors that are particular to them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from assessor_app.hub.headers import API_PATH_PREFIX
from assessor_app.protocol.v1 import PROBLEM_MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/Problem"

# What ``problems.problem_response`` sends: ``errors`` is the field list of a 422.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. A 422 lists each refused field in `errors`.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    400: "Malformed request: a header, number or body the hub cannot read",
    401: "Not signed in, or the access token is unknown, expired or revoked",
    404: "Nothing here, or not yours",
    413: "The request body is larger than the hub accepts",
    422: "The request was understood but refused; `errors` names each field",
    500: "Unexpected failure; `detail` carries an incident id that is also in the hub's log",
}


def _header(description: str, *, required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


_NOSNIFF = {"X-Content-Type-Options": _header("Always `nosniff`", required=True)}
_CACHE = {"Cache-Control": _header("`no-store`: no cache may keep a copy", required=True)}
_CHALLENGE = {"WWW-Authenticate": _header("The Bearer challenge", required=True)}
_RETRY_AFTER = {"Retry-After": _header("Seconds to wait before trying again", required=True)}
_ARTIFACT = {
    "ETag": _header("The artifact's sha256, quoted (strong)", required=True),
    "Accept-Ranges": _header("`bytes`", required=True),
    "Content-Disposition": _header("attachment, with the original file name", required=True),
}

# Headers of particular (method, path, status) answers; every answer also carries
# ``X-Content-Type-Options``, and every answer under ``/api/`` ``Cache-Control`` (``headers``).
_ARTIFACT_PATH = "/api/v1/artifacts/{artifact_id}/content"
_RANGE = {"Content-Range": _header("The range sent, of the whole size", required=True)}
_OPERATION_HEADERS: dict[tuple[str, str, str], dict[str, Any]] = {
    **{
        (method, _ARTIFACT_PATH, status): headers
        for method in ("get", "head")
        for status, headers in (
            ("200", _ARTIFACT),
            ("206", {**_ARTIFACT, **_RANGE}),
            ("304", {"ETag": _ARTIFACT["ETag"]}),
            (
                "307",
                {
                    "ETag": _ARTIFACT["ETag"],
                    "Location": _header("The presigned storage URL", required=True),
                },
            ),
            ("416", {"Content-Range": _header("`bytes */SIZE`", required=True)}),
        )
    },
    ("put", "/api/v1/assignments/{assignment_id}/decision", "200"): {
        "ETag": _header("The assignment's new version, quoted", required=True)
    },
}

# Answers some operations give that their decorators do not list.
_EXTRA_STATUSES: dict[tuple[str, str], dict[str, str]] = {
    **{
        (method, _ARTIFACT_PATH): {"304": "Not modified: `If-None-Match` names the ETag"}
        for method in ("get", "head")
    },
}


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}


def _error_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """The errors every operation of this shape can answer, besides its own list."""
    statuses = {400, 500}
    if operation.get("security") or path.endswith("/auth/token"):
        statuses.add(401)
    if "{" in path:
        statuses.add(404)
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(413)
    return statuses


def document_errors_and_headers(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a generated OpenAPI document in place (and return it)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for error in _error_statuses(path, operation):
                responses.setdefault(str(error), {"description": _DESCRIPTIONS[error]})
            for status, description in _EXTRA_STATUSES.get((method, path), {}).items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                code = int(status)
                headers = {**_NOSNIFF, **(_CACHE if path.startswith(API_PATH_PREFIX) else {})}
                headers.update(_OPERATION_HEADERS.get((method, path, status), {}))
                if code >= 400:
                    response["content"] = _problem_content()
                    if code == 401:
                        headers.update(_CHALLENGE)
                    elif code == 429:
                        headers.update(_RETRY_AFTER)
                if code == 304 or method == "head":
                    response.pop("content", None)  # no body, whatever the status
                if code == 422 and response.get("description") == "Validation Error":
                    response["description"] = _DESCRIPTIONS[422]
                response.setdefault("description", _DESCRIPTIONS.get(code, "See the body"))
                response["headers"] = {**response.get("headers", {}), **headers}
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten document at ``/openapi.json`` (built once, on first ask)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors_and_headers(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
