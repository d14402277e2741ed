"""Throttling of failed sign-ins, per address-and-account and per account.

Two rules, both kept in the database so they hold across hub processes:

- per address and account: after ``max_failures`` failures within ``window`` the pair
  waits until the oldest of them leaves the window;
- per account, whatever the address: after ``free_failures`` failures each further
  failure doubles the wait before the next try (``base_delay``, ``2 * base_delay``, …),
  capped at ``max_delay``. Rotating addresses therefore gains nothing, while the cap means
  an attacker can slow a user down but never lock them out for good.

A successful sign-in clears both. Attempts are noted before the password is checked, so
concurrent guesses are throttled like consecutive ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
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


@dataclass(frozen=True)
class Attempt:
    """The rows that note one sign-in attempt as a failure until it proves otherwise."""

    pair_id: int
    account_id: int


def begin_attempt(
    session: Session, rules: SigninThrottle, keys: SigninKeys, now: datetime
) -> Attempt:
    """Note the attempt as a failure before the password is checked, committed on its own,
    so that concurrent guesses see each other: each is judged by the attempts noted before
    it (lower ids), and a burst cannot all slip through the same gap. Prunes old rows."""
    if session.get_bind().dialect.name == "postgresql":
        # Ids must commit in the order they are given, else two guesses could each miss
        # the other; SQLite already runs one writer at a time. Held for a few ms.
        session.execute(text("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE"))
    pair = LoginFailure(throttle_key=keys.pair, failed_at=now)
    account = LoginFailure(throttle_key=keys.account, failed_at=now)
    session.add_all([pair, account])
    session.flush()
    oldest_kept = now - max(rules.window, rules.account_memory)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < oldest_kept))
    return Attempt(pair.id, account.id)


def seconds_to_wait(
    session: Session, rules: SigninThrottle, keys: SigninKeys, attempt: Attempt, now: datetime
) -> int:
    """0 when this attempt may check its password, else whole seconds until one may."""
    pair_count, pair_oldest = session.execute(
        select(func.count(), func.min(LoginFailure.failed_at)).where(
            LoginFailure.throttle_key == keys.pair,
            LoginFailure.id < attempt.pair_id,
            LoginFailure.failed_at > now - rules.window,
        )
    ).one()
    waits = [timedelta(0)]
    if pair_count >= rules.max_failures and pair_oldest is not None:
        waits.append(pair_oldest + rules.window - now)
    account_count, account_latest = session.execute(
        select(func.count(), func.max(LoginFailure.failed_at)).where(
            LoginFailure.throttle_key == keys.account,
            LoginFailure.id < attempt.account_id,
            LoginFailure.failed_at > now - rules.account_memory,
        )
    ).one()
    delay = rules.account_delay(int(account_count))
    # Only a real delay counts: a concurrent attempt may carry a later clock than this
    # one's ``now``, which must not turn a free failure into a wait.
    if account_latest is not None and delay > timedelta(0):
        waits.append(account_latest + delay - now)
    wait = max(waits).total_seconds()
    return max(1, math.ceil(wait)) if wait > 0 else 0


def withdraw(session: Session, attempt: Attempt) -> None:
    """A refused attempt checked no password, so it is no failure."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.id.in_((attempt.pair_id, attempt.account_id)))
    )


def clear(session: Session, keys: SigninKeys) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.throttle_key.in_((keys.pair, keys.account)))
    )
