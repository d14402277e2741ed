"""Throttling of failed sign-ins, per address-and-account and per account.

Two rules, both kept in the database so they hold across hub processes:

- per address and account: after ``max_failures`` failures within ``window`` the pair
  waits until the oldest of them leaves the window;
- per account, whatever the address: after ``free_failures`` failures each further
  failure doubles the wait before the next try (``base_delay``, ``2 * base_delay``, …),
  capped at ``max_delay``. Rotating addresses therefore gains nothing, while the cap means
  an attacker can slow a user down but never lock them out for good.

A successful sign-in clears both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assessor_app.hub.db import LoginFailure
from assessor_app.hub.security import account_throttle_key, throttle_key


@dataclass(frozen=True)
class SigninThrottle:
    window: timedelta = timedelta(minutes=5)
    max_failures: int = 5
    free_failures: int = 5
    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=5)
    # Account failures older than this no longer count (nor lengthen the delay).
    account_memory: timedelta = timedelta(hours=1)

    def account_delay(self, failures: int) -> timedelta:
        """The wait after the ``failures``-th failure in a row."""
        extra = failures - self.free_failures
        if extra < 0:
            return timedelta(0)
        # Capping the exponent keeps the float finite however long an attack goes on.
        return min(self.max_delay, self.base_delay * 2 ** min(extra, 40))


DEFAULT_SIGNIN_THROTTLE = SigninThrottle()


@dataclass(frozen=True)
class SigninKeys:
    pair: str
    account: str

    @classmethod
    def of(cls, client: str, username: str) -> SigninKeys:
        return cls(throttle_key(client, username), account_throttle_key(username))


def seconds_to_wait(
    session: Session, rules: SigninThrottle, keys: SigninKeys, now: datetime
) -> int:
    """0 when a sign-in may be tried now, else whole seconds until it may."""
    pair_count, pair_oldest = session.execute(
        select(func.count(), func.min(LoginFailure.failed_at)).where(
            LoginFailure.throttle_key == keys.pair, LoginFailure.failed_at > now - rules.window
        )
    ).one()
    waits = [timedelta(0)]
    if pair_count >= rules.max_failures and pair_oldest is not None:
        waits.append(pair_oldest + rules.window - now)
    account_count, account_latest = session.execute(
        select(func.count(), func.max(LoginFailure.failed_at)).where(
            LoginFailure.throttle_key == keys.account,
            LoginFailure.failed_at > now - rules.account_memory,
        )
    ).one()
    if account_latest is not None:
        waits.append(account_latest + rules.account_delay(int(account_count)) - now)
    wait = max(waits).total_seconds()
    return max(1, math.ceil(wait)) if wait > 0 else 0


def record_failure(
    session: Session, rules: SigninThrottle, keys: SigninKeys, now: datetime
) -> None:
    session.add(LoginFailure(throttle_key=keys.pair, failed_at=now))
    session.add(LoginFailure(throttle_key=keys.account, failed_at=now))
    oldest_kept = now - max(rules.window, rules.account_memory)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < oldest_kept))


def clear(session: Session, keys: SigninKeys) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.throttle_key.in_((keys.pair, keys.account)))
    )
