"""Request ids and structured JSON logs for the hub.

``RequestContext`` (ASGI middleware, outermost) gives every request an id: a sane
incoming ``X-Request-ID`` (what a load balancer or the client chose) is kept, anything
else is replaced by a fresh random one. The id is returned in the ``X-Request-ID``
response header, stamped on every log line written while the request runs (through a
context variable, which Starlette copies into the threads that run the endpoints), and
the request's answer is written as one access line and observed by the metrics.

``JsonFormatter`` writes one JSON object per line. Its message passes the same secret
filter as the app's log (``logs.RedactingFilter``); access lines name the path only, never
the query string, headers or bodies, where tokens, passwords or evidence could be.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assessor_app.logs import RedactingFilter

REQUEST_ID_HEADER = "X-Request-ID"
# Long enough for a UUID or a load balancer's trace id, and nothing that could forge a log
# field or a header: letters, digits and a few separators.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNMATCHED_ROUTE = "(unmatched)"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("assessor_app.hub.access")

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is
# written as a field of its own.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def accepted_request_id(incoming: str | None) -> str:
    """The incoming id if it is sane, else a new one (32 hex digits)."""
    if incoming is not None and _SANE_REQUEST_ID.match(incoming):
        return incoming
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the
    process id (``serve --workers N`` interleaves several processes' lines), the request
    id when there is one, extra fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_hub_logging(*, verbose: bool = False) -> logging.Handler:
    """Send the hub's and uvicorn's loggers to standard error as JSON lines (where a
    service manager collects them). Returns the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    for name in ("assessor_app", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False
    return handler


class RequestObserver(Protocol):
    def observe(
        self, method: str, route: str, status: int, seconds: float, body_bytes: int
    ) -> None: ...


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/artifacts/{artifact_id}/content``),
    so that neither logs' fields nor metrics' labels grow with every id."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestContext:
    """Request id, access line and metrics for each HTTP request."""

    def __init__(self, app: ASGIApp, observer: RequestObserver | None = None) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = accepted_request_id(incoming)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if nothing was sent at all
        body_bytes = 0

        async def stamped(message: Message) -> None:
            nonlocal status, body_bytes
            if message["type"] == "http.response.body":
                body_bytes += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"),
                    (b"x-request-id", rid.encode("ascii")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", ""))
            route = route_template(scope)
            if self.observer is not None:
                self.observer.observe(method, route, status, seconds, body_bytes)
            client = scope.get("client")
            access_log.info(
                "%s %s %d",
                method,
                quote(str(scope.get("path", ""))),
                status,
                extra={
                    "method": method,
                    "path": quote(str(scope.get("path", ""))),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": client[0] if client else None,
                },
            )
            request_id.reset(token)
