"""Sign-in throttles that hold: forwarded headers believed only from named proxies, and a
per-account delay that grows with each failure whatever address the guesses come from,
but stays bounded so that nobody is locked out for good."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session
from support.hub import HubServer
from support.serve import serving

from assessor_app.hub.cli import build_parser, proxy_options
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import make_engine
from assessor_app.hub.migrate import upgrade_database
from assessor_app.hub.signin_throttle import (
    SigninKeys,
    SigninThrottle,
    begin_attempt,
    seconds_to_wait,
)
from tests.hub.conftest import PASSWORD, World

# Account delays that tests can wait out, long enough for a busy machine: 2 s, then capped at 4 s.
SHORT = SigninThrottle(
    free_failures=2,
    base_delay=timedelta(seconds=2),
    max_delay=timedelta(seconds=4),
)


def _sign_in(base_url: str, password: str, forwarded_for: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/auth/token",
        json={"username": "ann", "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.fixture
def serve_with(start_hub: Callable[..., HubServer]) -> Callable[..., str]:
    """Serves a hub with the uvicorn proxy options ``assessor-hub serve`` derives from its
    command line; returns the base URL."""

    def start(settings: HubSettings, *serve_args: str) -> str:
        args = build_parser().parse_args(["serve", *serve_args])
        return start_hub(settings, **proxy_options(args)).base_url

    return start


def test_serve_ignores_forwarded_for_by_default_so_rotating_it_meets_a_429(
    settings: HubSettings, world: World
) -> None:
    with serving(settings) as served:
        base_url = served.base_url
        statuses = [_sign_in(base_url, "guess", f"10.0.0.{n}").status_code for n in range(30)]
        assert statuses[:5] == [401] * 5
        assert set(statuses[5:]) == {429}
        refused = _sign_in(base_url, PASSWORD, "10.9.9.9")  # even the right password
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1


def test_forwarded_for_is_believed_only_from_a_named_proxy(
    serve_with, settings: HubSettings, world: World
) -> None:
    # Only the per-address rule here: the account rule is out of reach.
    lenient = replace(settings, signin_throttle=SigninThrottle(free_failures=1000))
    default = serve_with(lenient)
    for _ in range(5):
        assert _sign_in(default, "guess", "10.0.0.1").status_code == 401
    # Without a named proxy the header is ignored: this is the same client (127.0.0.1).
    assert _sign_in(default, PASSWORD, "10.0.0.2").status_code == 429

    behind_proxy = serve_with(lenient, "--forwarded-allow-ips", "127.0.0.1")
    for _ in range(5):
        assert _sign_in(behind_proxy, "guess", "10.0.1.1").status_code == 401
    assert _sign_in(behind_proxy, PASSWORD, "10.0.1.1").status_code == 429
    # The proxy is named, so the forwarded address is the client: another one may sign in.
    assert _sign_in(behind_proxy, PASSWORD, "10.0.1.2").status_code == 200


def test_forwarded_allow_ips_takes_addresses_networks_or_star(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parse = build_parser().parse_args
    named = parse(["serve", "--forwarded-allow-ips", "10.0.0.5, 10.1.0.0/16,::1"])
    assert proxy_options(named) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/16", "::1"],
    }
    assert proxy_options(parse(["serve"])) == {"proxy_headers": False}
    with pytest.raises(SystemExit):
        parse(["serve", "--forwarded-allow-ips", "10.0.0.5,proxy.local"])
    assert "'proxy.local' is not an IP address or network" in capsys.readouterr().err


def test_account_delay_grows_with_each_failure_from_any_address_and_stays_bounded(
    serve_with, settings: HubSettings, world: World
) -> None:
    base_url = serve_with(replace(settings, signin_throttle=SHORT), "--forwarded-allow-ips", "*")
    addresses = (f"10.1.0.{n}" for n in range(1, 1000))

    def attempt(password: str = "guess") -> httpx.Response:
        return _sign_in(base_url, password, next(addresses))

    def failing_attempt() -> tuple[float, float]:
        """When the failure was sent and when its 401 arrived (the hub notes it between)."""
        sent = time.monotonic()
        assert attempt().status_code == 401
        return sent, time.monotonic()

    failing_attempt()
    sent, answered = failing_attempt()
    # After the free failures every new address meets the account's delay, right password too.
    for wait in (2.0, 4.0, 4.0, 4.0):
        refused = attempt(PASSWORD)
        assert refused.status_code == 429
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= wait
        assert f"try again in {retry_after} s" in refused.json()["detail"]
        # A quarter into the delay it still holds: the seconds left are the margin a busy
        # machine needs between sending the check and the hub judging it.
        time.sleep(max(0.0, sent + wait / 4 - time.monotonic()))
        assert attempt().status_code == 429, f"the {wait} s delay ended early"
        time.sleep(max(0.0, answered + wait + 0.05 - time.monotonic()))
        sent, answered = failing_attempt()
    # Capped: however many failures, the right password works once the longest delay passed.
    time.sleep(max(0.0, answered + 4.05 - time.monotonic()))
    assert attempt(PASSWORD).status_code == 200
    # And success clears the account's record: the next mistake is free again.
    assert attempt().status_code == 401
    assert attempt().status_code == 401


def test_a_burst_of_concurrent_guesses_is_throttled_like_a_sequence(
    serve_with, settings: HubSettings, world: World
) -> None:
    rules = SigninThrottle(
        free_failures=2, base_delay=timedelta(seconds=30), max_delay=timedelta(seconds=30)
    )
    base_url = serve_with(replace(settings, signin_throttle=rules), "--forwarded-allow-ips", "*")

    def guess(n: int) -> int:
        return _sign_in(base_url, "guess" if n else PASSWORD, f"10.2.0.{n}").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(guess, range(1, 21)))
    # Only the free failures checked a password; every other guess met the delay.
    assert sorted(statuses) == [401, 401] + [429] * 18
    assert _sign_in(base_url, PASSWORD, "10.2.1.1").status_code == 429


def test_the_account_delay_is_capped_however_long_the_attack() -> None:
    rules = SigninThrottle(free_failures=5)
    assert rules.account_delay(4) == timedelta(0)
    assert rules.account_delay(5) == timedelta(seconds=2)
    assert rules.account_delay(7) == timedelta(seconds=8)
    assert rules.account_delay(10_000) == timedelta(minutes=5)


def test_a_concurrent_attempt_with_a_later_clock_does_not_delay_a_free_failure(
    tmp_path: Path,
) -> None:
    # Two guesses in a burst: the one noted second took its clock first. Within the free
    # failures neither may wait, whatever the order of their clocks.
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    upgrade_database(url)
    rules = SigninThrottle(free_failures=2)
    earlier = datetime.now(UTC)
    later = earlier + timedelta(milliseconds=40)
    with Session(make_engine(url)) as session:
        begin_attempt(session, rules, SigninKeys.of("10.0.0.1", "ann"), later)
        keys = SigninKeys.of("10.0.0.2", "ann")
        second = begin_attempt(session, rules, keys, earlier)
        assert seconds_to_wait(session, rules, keys, second, earlier) == 0
        third_keys = SigninKeys.of("10.0.0.3", "ann")
        third = begin_attempt(session, rules, third_keys, later)
        assert seconds_to_wait(session, rules, third_keys, third, later) == 2
