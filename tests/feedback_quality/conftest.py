"""Fixtures of the feedback-quality tests: a real profile store (SQLite in the per-test
ASSESSOR_HOME) seeded with two downloaded submissions of the demo credential."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from quality_kit import HUB_URL, USER, Seeded, demo_credential, seed_store

from assessor_app.domain import Credential
from assessor_app.store import open_store, profile_for


@pytest.fixture
def credential() -> Credential:
    return demo_credential()


@pytest.fixture
def seeded(credential: Credential) -> Iterator[Seeded]:
    store = open_store(profile_for(HUB_URL, USER))
    seed_store(store, credential)
    yield Seeded(store, credential)
    store.close()
