"""Fixtures for tests against a real hub: the hub with the assessor ann, and ann signed in
on a real profile (store, keyring, vault). A conftest or test module imports them by name
to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor_app.services.account import ProfileSession, sign_in
from support.hub import PASSWORD, RunningHub, running_hub


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        yield hub


@pytest.fixture
def session(hub: RunningHub) -> Iterator[ProfileSession]:
    session = sign_in(hub.base_url, "ann", PASSWORD)
    yield session
    session.close()
