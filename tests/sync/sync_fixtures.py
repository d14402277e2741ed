"""Fixtures of the sync engine tests (load with ``pytest_plugins = ["sync_fixtures"]``):
one real hub per module, a fresh assessor and client profile per test, and an engine
maker bound to them."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from support.hub import RunningHub, running_hub
from sync_kit import ClientProfile, EngineMaker, open_profile

_users = count(1)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub per test module; each test makes its own assessor, so tests stay apart."""
    with running_hub(tmp_path_factory.mktemp("hub")) as hub:
        yield hub


@pytest.fixture
def assessor(shared_hub: RunningHub) -> str:
    return shared_hub.add_assessor(f"assessor{next(_users)}")


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[ClientProfile]:
    p = open_profile(tmp_path / "client")
    yield p
    p.store.close()


@pytest.fixture
def make_engine(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile
) -> Iterator[EngineMaker]:
    maker = EngineMaker(shared_hub, assessor, profile)
    yield maker
    maker.close()
