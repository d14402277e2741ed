"""Helpers and checks for the sync engine tests: a client profile (real SQLite store and
encrypted vault in a temp folder), engines wired to a real hub, and the invariants every
fault test ends with. The fixtures are in ``sync_fixtures``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from support.hub import RunningHub, passing_upload

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store import DownloadState, Store, open_store
from assessor_app.store.vault import Vault
from assessor_app.sync.client import HubClient
from assessor_app.sync.engine import SyncEngine

CHILD = Path(__file__).with_name("sync_child.py")
"""The script that runs one sync in a child process."""


@dataclass
class ClientProfile:
    """One assessor's local side: store, vault and the key that opens it."""

    root: Path
    store: Store
    vault: Vault
    key: bytes

    @property
    def db_path(self) -> Path:
        return self.root / "profile.sqlite3"

    @property
    def vault_root(self) -> Path:
        return self.root / "evidence"


def open_profile(root: Path, key: bytes | None = None) -> ClientProfile:
    root.mkdir(parents=True, exist_ok=True)
    key = key or os.urandom(32)
    store = open_store(root / "profile.sqlite3")
    return ClientProfile(root, store, Vault(root / "evidence", key), key)


class EngineMaker:
    """Builds engines for one assessor, optionally through a proxy, and closes every client
    it made."""

    def __init__(self, hub: RunningHub, username: str, profile: ClientProfile) -> None:
        self.hub = hub
        self.username = username
        self.profile = profile
        self.clients: list[HubClient] = []

    def client(self, base_url: str | None = None, **options: Any) -> HubClient:
        client = self.hub.client(self.username, base_url=base_url, **options)
        self.clients.append(client)
        return client

    def __call__(
        self,
        *,
        base_url: str | None = None,
        client_options: dict[str, Any] | None = None,
        **kw: Any,
    ) -> SyncEngine:
        options = client_options or {}
        kw.setdefault("disk_margin", 0)
        return SyncEngine(
            self.profile.store,
            self.profile.vault,
            self.client(base_url, **options),
            client_factory=lambda: self.client(base_url, **options),
            **kw,
        )

    def close(self) -> None:
        for client in self.clients:
            client.close()


# -- checks ------------------------------------------------------------------------------


def assert_vault_verified(vault: Vault) -> set[str]:
    """Every published vault file decrypts and hashes to its name; returns the digests."""
    digests = set(vault.digests())
    for sha in digests:
        digest = hashlib.sha256()
        with vault.open(sha) as f:
            while block := f.read(1024 * 1024):
                digest.update(block)
        assert digest.hexdigest() == sha, f"vault file {sha} holds other content"
    return digests


def assert_downloads_consistent(profile: ClientProfile) -> None:
    """An artifact is recorded verified exactly when the vault holds its content."""
    for row in profile.store.submissions.downloads():
        in_vault = profile.vault.has(row.artifact.sha256)
        if row.state == DownloadState.VERIFIED:
            assert in_vault, f"{row.artifact.filename} is verified but not in the vault"
        assert row.state != DownloadState.DOWNLOADING, "a download was left running"


def assert_ready_with_evidence(profile: ClientProfile, assignment_id: str) -> None:
    assert profile.store.assignments.local_state(assignment_id) == LocalState.READY
    loaded = profile.store.submissions.load_for_assignment(assignment_id)
    assert loaded is not None
    for artifact in loaded[0].artifacts:
        with profile.vault.open(artifact.sha256) as f:
            assert hashlib.sha256(f.read()).hexdigest() == artifact.sha256


def finalize(
    profile: ClientProfile, assignment_id: str, upload: DecisionUpload | None = None
) -> int:
    """Record a Pass decision and queue its upload, as the scoring service does."""
    assignment = profile.store.assignments.get(assignment_id)
    assert assignment is not None
    upload = upload or passing_upload()
    return profile.store.decisions.finalize(
        assignment_id, upload, upload.decision, assignment.version
    )


def assert_one_decision_each(
    hub: RunningHub, profile: ClientProfile, assignment_ids: list[str]
) -> None:
    """The hub holds exactly one decision per finalized assignment, recorded under the
    outbox entry's own Idempotency-Key, and the entry is uploaded."""
    keys = hub.decision_keys()
    for assignment_id in assignment_ids:
        entries = [
            e
            for e in profile.store.outbox.entries(assignment_id)
            if e.state != OutboxState.WITHDRAWN
        ]
        assert len(entries) == 1
        assert entries[0].state == OutboxState.UPLOADED, entries[0]
        assert keys.get(assignment_id) == entries[0].idempotency_key
        assert profile.store.assignments.local_state(assignment_id) == LocalState.UPLOADED


def later(days: float = 0, hours: float = 2) -> Callable[[], datetime]:
    """A clock that far ahead, so uploads waiting to retry are due."""
    return lambda: datetime.now(UTC) + timedelta(days=days, hours=hours)


def child_config(
    hub: RunningHub, username: str, profile: ClientProfile, url: str, **extra: object
) -> dict[str, object]:
    return {
        "db": str(profile.db_path),
        "vault": str(profile.vault_root),
        "key": profile.key.hex(),
        "url": url,
        "token": hub.token(username),
        **extra,
    }
