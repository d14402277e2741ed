"""Revocable tokens: ``POST /auth/logout`` ends the presented token at once, and
``assessor-hub set-password`` / ``revoke-tokens`` end every token of an account."""

from __future__ import annotations

import io
import sys

import httpx
import pytest
from support.hub import HubServer

from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import PASSWORD, World, sign_in

PROBLEM = "application/problem+json"


def _hub_cli(settings: HubSettings, *args: str, stdin: str | None = None) -> int:
    command, *rest = args
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        return main(["--data-dir", str(settings.data_dir), command, "--db", settings.db_url, *rest])
    finally:
        sys.stdin = sys.__stdin__


def _refused(client: httpx.Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_logout_revokes_the_presented_token_at_once(hub: HubServer, world: World) -> None:
    laptop, tablet = sign_in(hub.base_url, "ann"), sign_in(hub.base_url, "ann")
    bob = sign_in(hub.base_url, "bob")
    assert laptop.get("/api/v1/me").status_code == 200
    response = laptop.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert response.content == b""
    _refused(laptop)
    assert laptop.post("/api/v1/auth/logout").status_code == 401
    # Only that token: the account's other sign-ins and other accounts go on.
    assert tablet.get("/api/v1/me").json()["username"] == "ann"
    assert bob.get("/api/v1/me").json()["username"] == "bob"


def test_logout_without_a_token_is_401(hub: HubServer, world: World) -> None:
    response = httpx.post(f"{hub.base_url}/api/v1/auth/logout")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoke_tokens_signs_an_account_out_everywhere(
    hub: HubServer, world: World, settings: HubSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop, tablet = sign_in(hub.base_url, "ann"), sign_in(hub.base_url, "ann")
    bob = sign_in(hub.base_url, "bob")
    assert _hub_cli(settings, "revoke-tokens", "ann") == 0
    assert "Signed ann out everywhere: revoked 2 tokens." in capsys.readouterr().out
    _refused(laptop)
    _refused(tablet)
    assert bob.get("/api/v1/me").status_code == 200
    # The password still works: this is a sign-out, not a lock.
    assert sign_in(hub.base_url, "ann").get("/api/v1/me").status_code == 200
    assert _hub_cli(settings, "revoke-tokens", "nobody") == 1
    assert "no account named 'nobody'" in capsys.readouterr().err


def test_a_password_change_revokes_every_token_of_the_account(
    hub: HubServer, world: World, settings: HubSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = sign_in(hub.base_url, "ann")
    bob = sign_in(hub.base_url, "bob")
    status = _hub_cli(
        settings, "set-password", "ann", "--password-stdin", stdin="a brand new passphrase\n"
    )
    assert status == 0
    assert "Changed the password of ann and revoked 1 token." in capsys.readouterr().out
    _refused(laptop)
    assert bob.get("/api/v1/me").status_code == 200
    old = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann", "password": PASSWORD}
    )
    assert old.status_code == 401
    renewed = sign_in(hub.base_url, "ann", "a brand new passphrase")
    assert renewed.get("/api/v1/me").status_code == 200
    # Too short: refused, nothing changed.
    assert _hub_cli(settings, "set-password", "ann", "--password-stdin", stdin="short\n") == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert renewed.get("/api/v1/me").status_code == 200
