"""Draining the outbox: decisions go to the hub in the order they were finalized.

Each entry is sent with its own stable ``Idempotency-Key`` and ``If-Match`` version, so a
retry after a lost response records nothing twice. The hub's answer decides the entry's
fate: 2xx uploaded; 409/410/412 a conflict, stored with the hub's state beside the local
decision (nothing is dropped); a transient failure waits to retry with exponential
backoff and ends this upload pass; 401 stops with the entry back in the queue so the
assessor can sign in again; any other refusal is kept as a conflict for the assessor to
review, since sending the same body again cannot succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from assessor_app.store import Store
from assessor_app.sync.client import HubClient
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    Conflict,
    HubBusy,
    HubError,
    HubHttpError,
)
from assessor_app.sync.progress import CancelToken, ProgressReporter, SyncPhase, SyncReport
from assessor_app.sync.trouble import trouble_of, trouble_words

__all__ = ["RETRY_BASE", "RETRY_MAX", "retry_delay", "upload_outbox"]

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int, hub_asked: float | None = None) -> timedelta:
    """30 s, 1 min, 2 min, … up to an hour after the ``attempts``-th failure; never
    sooner than the hub's ``Retry-After``."""
    delay = min(RETRY_MAX, RETRY_BASE * 2 ** max(0, attempts - 1))
    if hub_asked is not None:
        delay = max(delay, timedelta(seconds=hub_asked))
    return delay


def _problem_state(error: HubHttpError) -> dict[str, object]:
    return error.problem.model_dump(mode="json", exclude_none=True)


def _names(store: Store) -> dict[str, str]:
    """Assignment id -> how the assessor knows it (credential · educator), for messages
    and progress: internal ids mean nothing to them."""
    return {
        item.assignment.id: f"{item.credential_title} · Educator {item.educator_pseudonym}"
        for item in store.assignments.queue()
        if item.credential_title and item.educator_pseudonym
    }


def upload_outbox(
    store: Store,
    client: HubClient,
    report: SyncReport,
    *,
    now: Callable[[], datetime],
    cancel: CancelToken,
    progress: ProgressReporter,
) -> None:
    """Send every due outbox entry, oldest first, recording results in ``report``."""
    progress.phase(SyncPhase.UPLOADS, items_total=store.outbox.pending_count())
    seen: set[int] = set()
    names: dict[str, str] | None = None
    while not cancel.cancelled:
        entry = store.outbox.next_pending(now())
        if entry is None or entry.id in seen:
            break
        seen.add(entry.id)
        entry = store.outbox.mark_uploading(entry.id)
        if names is None:
            names = _names(store)
        name = names.get(entry.assignment_id, "one of your assignments")
        progress.item_started(name)
        try:
            client.put_decision(
                entry.assignment_id, entry.upload, entry.idempotency_key, entry.if_match_version
            )
        except Conflict as exc:
            report.reached_hub_at = now()
            store.outbox.mark_conflict(entry.id, hub_state=_problem_state(exc), error=str(exc))
            report.conflicts += 1
            report.problems.append(
                f"The hub did not accept the decision for {name}: {trouble_words(exc)} "
                "Your decision is kept; review it in the queue."
            )
        except AuthExpired:
            report.reached_hub_at = now()
            store.outbox.recover_interrupted()
            report.sign_in_required = True
            return
        except Cancelled:
            store.outbox.recover_interrupted()
            report.cancelled = True
            return
        except HubError as exc:
            log.warning("upload of a decision stopped: %s", exc)
            if isinstance(exc, HubHttpError):
                report.reached_hub_at = now()
            report.hub_trouble = report.hub_trouble or trouble_of(exc)
            if exc.transient:
                hub_asked = exc.retry_after if isinstance(exc, HubHttpError) else None
                if isinstance(exc, HubBusy):
                    hub_asked = exc.seconds
                next_at = now() + retry_delay(entry.attempts, hub_asked)
                store.outbox.mark_retry(entry.id, str(exc), next_at)
                report.retries_scheduled += 1
                report.problems.append(
                    f"The decision for {name} is not uploaded yet: {trouble_words(exc)}"
                )
                # The hub is struggling: leave the rest of the queue for the next pass.
                return
            if isinstance(exc, HubHttpError):
                store.outbox.mark_conflict(entry.id, hub_state=_problem_state(exc), error=str(exc))
                report.conflicts += 1
                report.problems.append(
                    f"The hub refused the decision for {name}: "
                    f"{trouble_words(exc)} Your decision is kept; review it in the queue."
                )
            else:
                # A reply that is not protocol v1: the hub may have recorded it, so the
                # same key is sent again later rather than giving up on it.
                store.outbox.mark_retry(entry.id, str(exc), now() + retry_delay(entry.attempts))
                report.retries_scheduled += 1
                report.problems.append(trouble_words(exc))
                return
        else:
            report.reached_hub_at = now()
            store.outbox.mark_uploaded(entry.id, now())
            report.uploaded += 1
        progress.item_done(name)
