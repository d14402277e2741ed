"""Response headers every hub answer carries, and the optional, self-contained API docs.

``SecurityHeaders`` stamps ``X-Content-Type-Options: nosniff`` on every response, and
``Cache-Control: no-store`` on every ``/api/`` response: tokens, assignments, notes,
decisions, credentials and evidence bytes all travel there, and no shared or browser cache
may keep a copy. A route that already asks for ``no-store`` keeps its own wording.

``install_docs`` serves Swagger UI at ``/docs`` from the assets shipped in the
``fastapi-offline`` package, never from a CDN; ``serve`` installs it only with ``--docs``.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PATH_PREFIX = "/api/"
NO_STORE = "no-store"
DOCS_URL = "/docs"
DOCS_ASSETS_URL = "/docs-assets"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = str(scope.get("path", "")).startswith(API_PATH_PREFIX)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if private and NO_STORE not in headers.get("Cache-Control", ""):
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, stamped)


def install_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` for ``app.openapi_url``, its scripts served by the hub."""
    assets = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        )
