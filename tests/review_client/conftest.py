"""Fixtures of the review tests: a real hub on 127.0.0.1 whose credential asks for a
second-level review, an assessor (ann) and a reviewer (rev), and ann's signed-in profile
(real SQLite store and encrypted vault in the per-test ASSESSOR_HOME)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from review_kit import ASSESSOR, REFLECTION, REVIEWER, Desk
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, running_hub

from assessor_app.services.account import sign_in


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
