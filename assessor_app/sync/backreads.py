"""Sending backread verdicts: each queued verdict goes to the hub with its own
Idempotency-Key and the version it was written against (If-Match), like a decision.
The hub's receipt marks it uploaded; a refusal (a conflict, or a verdict the hub will not
take) is kept with the hub's reason; trouble reaching the hub leaves it queued.
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

__all__ = ["send_verdicts"]

log = logging.getLogger(__name__)


def send_verdicts(
    store: Store,
    client: HubClient,
    report: SyncReport,
    *,
    now: Callable[[], datetime],
    cancel: CancelToken,
) -> None:
    """Send every queued backread verdict, recording results in ``report``."""
    for queued in store.verdicts.queued():
        if cancel.cancelled:
            report.cancelled = True
            return
        key, version = queued.idempotency_key, queued.if_match_version
        assert key is not None and version is not None  # set when it was queued
        try:
            client.put_backread(queued.assignment_id, queued.verdict, key, version)
        except AuthExpired:
            report.reached_hub_at = now()
            report.sign_in_required = True
            return
        except Cancelled:
            report.cancelled = True
            return
        except HubError as exc:
            log.warning("a backread verdict was not sent: %s", exc)
            if isinstance(exc, HubHttpError):
                report.reached_hub_at = now()
            if isinstance(exc, HubHttpError) and not exc.transient:
                store.verdicts.mark_refused(queued.assignment_id, trouble_words(exc))
                report.conflicts += 1
                report.problems.append(
                    f"The hub did not accept a backread: {trouble_words(exc)} "
                    "Your verdict is kept; review it in the queue."
                )
                continue
            report.hub_trouble = report.hub_trouble or trouble_of(exc)
            report.problems.append(
                f"A backread is not uploaded yet: {trouble_words(exc)} It is sent at the next sync."
            )
            return
        report.reached_hub_at = now()
        store.verdicts.mark_sent(queued.assignment_id)
        report.uploaded += 1
