"""What the connection indicator says: the rule, from the last real contact with the hub.

Plain Python (no Qt), so the rule is tested on its own. ``after_sync`` folds a finished
sync's report into the ``Connection`` the window keeps; ``indicator_text`` words it:
"Online · synced 2 min ago", "Offline since 14:02 — your work is saved here", "Hub not
answering since 14:05", "Sign in needed". A sync that failed never counts as synced, and
"since" is when contact was first lost, not the latest failed attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from assessor_app.domain.wording import plural
from assessor_app.sync.progress import SyncReport
from assessor_app.sync.trouble import HubTrouble

__all__ = ["Connection", "Contact", "after_sync", "indicator_text"]


class Contact(StrEnum):
    UNKNOWN = "unknown"  # no sync has ended since the app started
    ONLINE = "online"
    OFFLINE = "offline"
    NOT_ANSWERING = "not_answering"
    SIGN_IN = "sign_in"


_TROUBLE_CONTACT = {
    HubTrouble.OFFLINE: Contact.OFFLINE,
    HubTrouble.NOT_ANSWERING: Contact.NOT_ANSWERING,
}


@dataclass(frozen=True)
class Connection:
    """``since`` is when the current contact state began; ``synced_at`` when a sync last
    completed (not cancelled, the hub reached); both UTC."""

    contact: Contact = Contact.UNKNOWN
    since: datetime | None = None
    synced_at: datetime | None = None


def after_sync(previous: Connection, report: SyncReport, now: datetime) -> Connection:
    """The connection after a sync that ended at ``now`` with ``report``."""
    if report.sign_in_required:
        contact = Contact.SIGN_IN
    elif report.hub_trouble is not None:
        contact = _TROUBLE_CONTACT[report.hub_trouble]
    elif report.reached_hub_at is not None:
        contact = Contact.ONLINE
    else:
        # Cancelled before any contact: nothing new is known about the hub.
        return previous
    synced_at = previous.synced_at
    if contact is Contact.ONLINE and not report.cancelled:
        synced_at = report.reached_hub_at
    if contact is previous.contact:
        return replace(previous, synced_at=synced_at)
    return Connection(contact, now, synced_at)


def _ago(when: datetime, now: datetime) -> str:
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return "synced just now"
    if minutes < 120:
        return f"synced {minutes} min ago"
    if minutes < 48 * 60:
        return f"synced {plural(minutes // 60, 'hour')} ago"
    return f"synced {plural(minutes // (24 * 60), 'day')} ago"


def _clock(when: datetime, now: datetime, zone: tzinfo | None) -> str:
    """14:02 today, else with the date (Mon 3 Dec 14:02)."""
    local, today = when.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %H:%M')}"


def indicator_text(connection: Connection, now: datetime, zone: tzinfo | None = None) -> str:
    """The indicator's words at ``now``; times are shown in ``zone`` (default: the
    computer's local time)."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    contact, since = connection.contact, connection.since or now
    if contact is Contact.ONLINE:
        if connection.synced_at is None:
            return "Online · not synced yet"
        return f"Online · {_ago(connection.synced_at, now)}"
    if contact is Contact.OFFLINE:
        return f"Offline since {_clock(since, now, zone)} — your work is saved here"
    if contact is Contact.NOT_ANSWERING:
        return f"Hub not answering since {_clock(since, now, zone)}"
    if contact is Contact.SIGN_IN:
        return "Sign in needed"
    return "Not synced yet"
