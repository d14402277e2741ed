"""Fixtures of the review tests: a real hub on 127.0.0.1 whose credential asks for a
second-level review, an assessor (ann) and a reviewer (rev), and ann's signed-in profile
(real SQLite store and encrypted vault in the per-test ASSESSOR_HOME)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, SeededSubmission, running_hub

from assessor_app.services.account import ProfileSession, sign_in
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


@pytest.fixture
def review_hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.admin.set_workflow(CREDENTIAL_ID, review_required=True)
        hub.add_assessor(ASSESSOR)
        hub.admin.add_assessor(REVIEWER, PASSWORD, roles=("reviewer",))
        yield hub


@pytest.fixture
def desk(review_hub: RunningHub, memory_keyring: object) -> Iterator[Desk]:
    seeded = review_hub.seed_submission(ASSESSOR, {"reflection.txt": REFLECTION})
    session = sign_in(review_hub.base_url, ASSESSOR, PASSWORD)
    try:
        yield Desk(review_hub, seeded, session)
    finally:
        session.close()
