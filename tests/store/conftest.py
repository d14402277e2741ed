"""Fixtures for the store tests: a profile under the per-test ASSESSOR_HOME, its open
store, and a fetched assignment ready for scoring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_factories import HUB, assignment_item, submission_out

from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import Profile, Store, open_store, profile_for


@pytest.fixture
def profile(assessor_home: Path) -> Profile:
    return profile_for(HUB, "alice")


@pytest.fixture
def store(profile: Profile) -> Iterator[Store]:
    opened = open_store(profile)
    yield opened
    opened.close()


@pytest.fixture
def assigned(store: Store) -> str:
    """A fetched, ready assignment; returns its id."""
    store.assignments.upsert([assignment_item()])
    store.submissions.save(submission_out())
    store.assignments.set_local_state("asg-1", LocalState.READY)
    return "asg-1"
