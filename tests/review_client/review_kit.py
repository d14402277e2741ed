"""Shared by the review tests: the accounts, and ``Desk`` (the hub, ann's seeded assignment
and her open profile) with sync and hub-side helpers. The fixtures are in ``conftest``."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from support.hub import RunningHub, SeededSubmission

from assessor_app.services.account import ProfileSession
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import SyncReport

REVIEWER = "rev"
ASSESSOR = "ann"
REFLECTION = b"I waited five seconds after each question; more students answered.\n"


@dataclass
class Desk:
    """The hub, ann's seeded assignment and her open profile."""

    hub: RunningHub
    seeded: SeededSubmission
    session: ProfileSession

    @property
    def assignment_id(self) -> str:
        return self.seeded.assignment_id

    def sync(self) -> SyncReport:
        session = self.session
        client = session.client()
        try:
            report = SyncEngine(
                session.store, session.vault, client, parallel_downloads=1, disk_margin=0
            ).run()
        finally:
            client.close()
        assert report.ok, report.problems
        return report

    def hub_status(self) -> tuple[str, int]:
        """The assignment's status and version as the hub's own API reports them."""
        client = self.session.client()
        try:
            delta = client.assignments(since=None)
        finally:
            client.close()
        [item] = [i for i in delta.items if i.id == self.assignment_id]
        return item.status, item.version

    def return_over_http(self, comment: str) -> httpx.Response:
        """The reviewer returns the pending decision through the hub's HTTP API."""
        return httpx.post(
            f"{self.hub.base_url}/api/v1/reviews/{self.assignment_id}/return",
            json={"comment": comment},
            headers={"Authorization": f"Bearer {self.hub.token(REVIEWER)}"},
            timeout=30,
        )
