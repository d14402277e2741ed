"""``HubServer``, the one way tests serve the hub in-process: it answers once started,
says at once when the server could not start, and a stop leaves nothing serving, even
when a client still holds a request open."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from support.hub import SERVER_TIMEOUT_S, HubServer

from assessor_app.hub.app import create_app
from assessor_app.hub.config import HubSettings


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    # One backend is enough: this is about the server thread, not the SQL dialect.
    return HubSettings.from_data_dir(tmp_path / "hub-data")


def _refused(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/healthz", timeout=5)
    except httpx.ConnectError:
        return True
    return False


def test_a_started_hub_answers_and_a_stopped_one_refuses(settings: HubSettings) -> None:
    with HubServer(create_app(settings)) as server:
        health = httpx.get(f"{server.base_url}/healthz", timeout=5)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert _refused(server.base_url)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_server_that_cannot_start_fails_at_once(settings: HubSettings, tmp_path: Path) -> None:
    # uvicorn loads the certificate in the server's thread, which ends on the error.
    server = HubServer(create_app(settings), ssl_certfile=str(tmp_path / "missing.pem"))
    began = time.monotonic()
    with pytest.raises(AssertionError, match="ended before it started"):
        server.start()
    assert time.monotonic() - began < SERVER_TIMEOUT_S
    assert _refused(server.base_url)


def test_stop_ends_the_server_while_a_request_waits_for_its_body(settings: HubSettings) -> None:
    # The hub would wait a minute for the body; a graceful stop waits for the request.
    patient = replace(settings, body_idle_seconds=60)
    server = HubServer(create_app(patient)).start()
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as held:
        held.sendall(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: hub\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        server.stop()  # raises if the server thread is still running
        assert _refused(server.base_url)
