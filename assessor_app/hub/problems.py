"""RFC 9457 problem responses for every error the hub returns, FastAPI's own included."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assessor_app.hub.decisions import DecisionRefused
from assessor_app.hub.http_semantics import (
    BEARER_CHALLENGE,
    MalformedHeader,
    TagCondition,
    parse_tag_condition,
)
from assessor_app.protocol.v1 import (
    IDEMPOTENCY_KEY_WORDS,
    PROBLEM_MEDIA_TYPE,
    ProblemDetail,
    is_idempotency_key,
)

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


class Problem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors
        self.extra = extra


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = ProblemDetail(
        title=title, status=status, detail=detail, instance=instance, errors=errors, **extra
    )
    sent = dict(headers or {})
    if status == 401 and not any(name.lower() == "www-authenticate" for name in sent):
        sent["WWW-Authenticate"] = BEARER_CHALLENGE  # RFC 9110 15.5.2: every 401 has one
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=sent,
    )


def field_path(loc: Sequence[Any]) -> tuple[str, str]:
    """``("body", "criteria", 0, "level_id")`` -> ``("body", "criteria[0].level_id")``."""
    where, *rest = loc or ("request",)
    path = ""
    for part in rest:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return str(where), path


def _describe(error: Mapping[str, Any]) -> dict[str, str]:
    where, path = field_path(error.get("loc", ()))
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "is not valid"))
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return {
            "field": "body",
            "code": kind,
            "message": f"The body is not valid JSON ({reason}) near character {path or 0}.",
        }
    if where == "body" and not path:
        if kind == "missing":
            message = "The request needs a JSON body."
        elif kind == "model_attributes_type":
            message = "The body must be a JSON object."
        return {"field": "body", "code": kind, "message": message}
    if where == "body":
        return {"field": path, "code": kind, "message": f"{path}: {message}"}
    label = {"query": "query parameter", "header": "header", "path": "path parameter"}.get(
        where, where
    )
    return {"field": f"{where}.{path}", "code": kind, "message": f"{label} {path}: {message}"}


def required_idempotency_key(idempotency_key: str | None) -> str:
    """The request's Idempotency-Key (an upload's, a decline's), or a problem when it is
    missing or malformed: the Idempotency-Key draft answers that with 400."""
    if not is_idempotency_key(idempotency_key):
        raise Problem(
            400,
            "Bad Request",
            f"Send an Idempotency-Key of {IDEMPOTENCY_KEY_WORDS}: a unique id you keep for "
            "this request and reuse on retries.",
        )
    return idempotency_key


def upload_conditions(
    idempotency_key: str | None, if_match: str | None
) -> tuple[str, TagCondition]:
    """The Idempotency-Key and parsed If-Match of an upload (a decision, a backread
    verdict), or a problem when either is missing or malformed."""
    # RFC 6585 answers a missing precondition with 428.
    idempotency_key = required_idempotency_key(idempotency_key)
    if if_match is None:
        raise Problem(
            428,
            "Precondition Required",
            'Send If-Match with the assignment version you scored, in quotes, e.g. "3".',
        )
    try:
        return idempotency_key, parse_tag_condition(if_match, "If-Match")
    except MalformedHeader as exc:
        raise Problem(400, "Bad Request", str(exc)) from None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            errors=exc.errors,
            **exc.extra,
        )

    @app.exception_handler(DecisionRefused)
    async def _refused(request: Request, exc: DecisionRefused) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            **exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else ""
        if exc.status_code == 404 and not detail:
            detail = "Nothing here: check the address and that it is assigned to you."
        return problem_response(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_describe(e) for e in exc.errors()]
        detail = "The request was not accepted: " + "; ".join(e["message"] for e in errors)
        return problem_response(
            422, "Invalid request", detail, instance=request.url.path, errors=errors
        )
