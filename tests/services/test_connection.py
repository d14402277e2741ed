"""The connection indicator's rule (services.connection), without Qt: what it says after
syncs that reached the hub, failed to, were cancelled or needed a sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessor_app.services.connection import Connection, Contact, after_sync, indicator_text
from assessor_app.sync.progress import SyncReport
from assessor_app.sync.trouble import HubTrouble

T0 = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)


def _reached(at: datetime, **fields: object) -> SyncReport:
    return SyncReport(reached_hub_at=at, **fields)  # type: ignore[arg-type]


def test_a_completed_sync_is_online_and_ages_by_the_minute() -> None:
    connection = after_sync(Connection(), _reached(T0), T0)
    assert connection.contact is Contact.ONLINE
    assert indicator_text(connection, T0, UTC) == "Online · synced just now"
    assert indicator_text(connection, T0 + timedelta(minutes=2), UTC) == (
        "Online · synced 2 min ago"
    )
    assert indicator_text(connection, T0 + timedelta(hours=3), UTC) == (
        "Online · synced 3 hours ago"
    )
    assert indicator_text(connection, T0 + timedelta(hours=50), UTC) == (
        "Online · synced 2 days ago"
    )


def test_offline_keeps_the_time_contact_was_lost_and_never_says_synced() -> None:
    online = after_sync(Connection(), _reached(T0), T0)
    lost = T0 + timedelta(minutes=10)
    offline = after_sync(online, SyncReport(hub_trouble=HubTrouble.OFFLINE), lost)
    again = after_sync(
        offline, SyncReport(hub_trouble=HubTrouble.OFFLINE), lost + timedelta(hours=1)
    )
    text = indicator_text(again, lost + timedelta(hours=1), UTC)
    assert text == "Offline since 14:12 — your work is saved here"
    assert "synced" not in text
    # The last completed sync is remembered for when contact comes back.
    assert again.synced_at == T0


def test_a_frozen_hub_is_not_answering_even_when_an_earlier_call_reached_it() -> None:
    at = T0 + timedelta(minutes=3)
    report = _reached(T0, hub_trouble=HubTrouble.NOT_ANSWERING, problems=["frozen"])
    connection = after_sync(Connection(), report, at)
    assert connection.contact is Contact.NOT_ANSWERING
    assert indicator_text(connection, at, UTC) == "Hub not answering since 14:05"


def test_a_hub_that_answers_again_is_online_with_the_new_sync_time() -> None:
    down = after_sync(Connection(), SyncReport(hub_trouble=HubTrouble.OFFLINE), T0)
    back = T0 + timedelta(minutes=30)
    connection = after_sync(down, _reached(back), back)
    assert (connection.contact, connection.since, connection.synced_at) == (
        Contact.ONLINE,
        back,
        back,
    )


def test_sign_in_needed_and_a_cancelled_sync() -> None:
    online = after_sync(Connection(), _reached(T0), T0)
    later = T0 + timedelta(minutes=5)
    # Cancelled after reaching the hub: online, but it did not complete a sync.
    cancelled = after_sync(online, _reached(later, cancelled=True), later)
    assert cancelled.contact is Contact.ONLINE and cancelled.synced_at == T0
    # Cancelled before any contact: nothing new is known.
    assert after_sync(online, SyncReport(cancelled=True), later) == online
    refused = after_sync(online, _reached(later, sign_in_required=True), later)
    assert indicator_text(refused, later, UTC) == "Sign in needed"


def test_before_any_sync_and_on_another_day() -> None:
    assert indicator_text(Connection(), T0, UTC) == "Not synced yet"
    offline = after_sync(Connection(), SyncReport(hub_trouble=HubTrouble.OFFLINE), T0)
    assert indicator_text(offline, T0 + timedelta(days=1), UTC) == (
        "Offline since Thu 3 Dec 14:02 — your work is saved here"
    )
