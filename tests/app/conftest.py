"""The app's tests against a real hub: the hub with the assessor ann, and ann signed in
on a real profile (store, keyring, vault). The window steps they share are in
tests/support/app_desk.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.hub import PASSWORD, RunningHub, running_hub

from assessor_app.services.account import ProfileSession, sign_in


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
