"""ASGI middleware that keeps every request bounded and every failure a problem document.

``BodyLimit`` refuses a body over the configured size with 413 before it is read into
memory: at once when ``Content-Length`` says so, else as soon as the chunks counted so far
pass the limit. A body that stalls longer than the idle limit gets 408, so slow clients
cannot hold requests open. ``NulRefusal`` answers 400 to a NUL character, which PostgreSQL
cannot store. ``IncidentGuard`` turns any exception no handler answered into a problem 500
that carries an incident id, and logs that id with the traceback so an admin can find it;
the client never sees a plain-text error or a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assessor_app.hub.config import DEFAULT_BODY_IDLE_SECONDS, DEFAULT_MAX_BODY_BYTES
from assessor_app.hub.numbers import parse_number
from assessor_app.hub.problems import problem_response

log = logging.getLogger("assessor_app.hub.incidents")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit. An HTTPException, so
    that FastAPI's body reader passes it on (it turns other errors into 400) and the
    problem handlers answer it."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large_detail(max_bytes))


async def _answer(
    scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str, **extra: Any
) -> None:
    response = problem_response(status, title, detail, instance=scope.get("path"), **extra)
    await response(scope, receive, send)


class BodyTimedOut(HTTPException):
    """Raised from ``receive`` when a client stalls in the middle of its body."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408, f"The request body stalled for {seconds:g} s; send it again without pausing."
        )


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        idle_seconds: float = DEFAULT_BODY_IDLE_SECONDS,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # uvicorn has already refused a malformed Content-Length; the chunks are counted
        # below whatever it says.
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        declared = parse_number(length.decode("latin-1").strip())
        if declared is not None and declared > self.max_bytes:
            detail = _too_large_detail(self.max_bytes)
            await _answer(scope, receive, send, 413, "Content Too Large", detail)
            return
        seen = 0
        body_done = False

        async def counted_receive() -> Message:
            nonlocal seen, body_done
            if body_done:
                # After the body, receive only waits for a disconnect (e.g. while a
                # download streams): that wait has no time limit.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_seconds)
            except TimeoutError:
                raise BodyTimedOut(self.idle_seconds) from None
            if message["type"] == "http.request":
                body_done = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted_receive, send)


def _too_large_detail(max_bytes: int) -> str:
    return f"The request body is larger than this hub accepts ({max_bytes:,} bytes)."


_NUL_ESCAPE = b"\\u0000"


_NUL_DETAIL = (
    "The request contains a NUL character (U+0000), which the hub does not store; "
    "remove it and send the request again."
)


class NulRefused(HTTPException):
    def __init__(self) -> None:
        super().__init__(400, _NUL_DETAIL)


class NulRefusal:
    """Refuses a NUL character in the path, the query or a JSON body with 400: PostgreSQL
    text cannot hold one, so it would otherwise fail deep in a query or a write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = bytes(scope.get("query_string", b"")).lower()
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await _answer(scope, receive, send, 400, "Bad Request", _NUL_DETAIL)
            return
        tail = b""

        async def scanned_receive() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                # Keep the end of the previous chunk: an escape can straddle two chunks.
                seen = tail + message.get("body", b"")
                if _NUL_ESCAPE in seen or b"\x00" in seen:
                    raise NulRefused
                tail = seen[-(len(_NUL_ESCAPE) - 1) :]
            return message

        await self.app(scope, scanned_receive, send)


class IncidentGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception:
            incident = secrets.token_hex(8)
            # The path only: query strings and bodies may hold personal data.
            log.exception(
                "incident %s: %s %s failed", incident, scope.get("method"), quote(scope["path"])
            )
            if started:
                raise
            await _answer(
                scope,
                receive,
                send,
                500,
                "Internal Server Error",
                "The hub could not answer this request. Try again; if it keeps failing, tell "
                f"the hub's admin incident {incident}.",
                incident=incident,
            )
