"""Sending the assessor's declines: each queued decline goes to the hub with its own
Idempotency-Key, oldest first, before anything is downloaded (so declined work is not
fetched). The hub's 204 withdraws the assignment here at once; a refusal is kept with the
hub's reason; trouble reaching the hub leaves the decline queued for the next sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from assessor_app.store import Store
from assessor_app.sync.client import HubClient
from assessor_app.sync.errors import AuthExpired, Cancelled, HubError, HubHttpError
from assessor_app.sync.progress import CancelToken, SyncReport
from assessor_app.sync.trouble import trouble_of, trouble_words

__all__ = ["send_declines"]

log = logging.getLogger(__name__)


def _name(store: Store, assignment_id: str) -> str:
    for item in store.assignments.queue():
        if item.assignment.id == assignment_id and item.credential_title:
            return f"{item.credential_title} · Educator {item.educator_pseudonym}"
    return "one of your assignments"


def send_declines(
    store: Store,
    client: HubClient,
    report: SyncReport,
    *,
    now: Callable[[], datetime],
    cancel: CancelToken,
) -> list[str]:
    """Send every queued decline, recording results in ``report``; returns the
    assignments the hub took back (withdrawn here now)."""
    sent: list[str] = []
    for decline in store.declines.queued():
        if cancel.cancelled:
            report.cancelled = True
            return sent
        try:
            client.decline(decline.assignment_id, decline.request, decline.idempotency_key)
        except AuthExpired:
            report.reached_hub_at = now()
            report.sign_in_required = True
            return sent
        except Cancelled:
            report.cancelled = True
            return sent
        except HubError as exc:
            log.warning("a decline was not sent: %s", exc)
            if isinstance(exc, HubHttpError):
                report.reached_hub_at = now()
            if isinstance(exc, HubHttpError) and not exc.transient:
                store.declines.mark_refused(decline.id, trouble_words(exc))
                report.problems.append(
                    f"The hub did not accept your decline of "
                    f"{_name(store, decline.assignment_id)}: {trouble_words(exc)} "
                    "The assignment stays in your queue."
                )
                continue
            report.hub_trouble = report.hub_trouble or trouble_of(exc)
            report.problems.append(
                f"Your decline of {_name(store, decline.assignment_id)} is not sent yet: "
                f"{trouble_words(exc)} It is sent at the next sync."
            )
            return sent
        report.reached_hub_at = now()
        store.declines.mark_sent(decline.id, now())
        report.declined += 1
        sent.append(decline.assignment_id)
    return sent
