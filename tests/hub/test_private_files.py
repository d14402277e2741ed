"""The hub's files are private whatever the umask: the data folder and every folder in it
0700, the database (and its WAL files), the issuer key and address, and every blob 0600 —
for a fresh hub, for one an older version left readable, and after ``seed-demo``."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from support.hub import HubServer

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.demo.seed import seed_demo
from tests.hub.conftest import CREDENTIAL_FILE, PASSWORD, make_submission_folder


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    """Mode of ``root`` and everything under it, by path relative to ``root``."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def loose(root: Path) -> dict[str, str]:
    """Everything not private: folders other than 0700, files other than 0600."""
    wrong = {}
    for name, mode in modes(root).items():
        want = 0o700 if (root / name).is_dir() else 0o600
        if mode != want:
            wrong[name] = oct(mode)
    return wrong


def test_a_hub_keeps_its_files_private_under_umask_022(
    umask_022: None, tmp_path: Path, start_hub: Callable[[HubSettings], HubServer]
) -> None:
    settings = HubSettings.from_data_dir(tmp_path / "hub")
    with HubAdmin(settings) as admin:
        admin.add_assessor("ann", PASSWORD)
        admin.import_credential(CREDENTIAL_FILE)
        admin.import_submission(make_submission_folder(tmp_path / "sub", os.urandom(50_000)))
    hub = start_hub(settings)
    token = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann", "password": PASSWORD}
    )
    assert token.status_code == 200
    assert httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").status_code == 200

    found = modes(settings.data_dir)
    assert {"hub.sqlite3", "hub.sqlite3-wal", "issuer-rs256.pem", "issuer-url.txt"} <= set(found)
    blobs = [p for p in (settings.storage_dir).rglob("*") if p.is_file()]
    assert len(blobs) == 2  # the clip and the reflection
    assert loose(settings.data_dir) == {}


def test_a_readable_data_folder_from_an_older_hub_is_tightened(
    umask_022: None, tmp_path: Path
) -> None:
    settings = HubSettings.from_data_dir(tmp_path / "hub")
    with HubAdmin(settings):
        pass
    settings.data_dir.chmod(0o755)
    (settings.data_dir / "hub.sqlite3").chmod(0o644)
    settings.storage_dir.chmod(0o755)
    with HubAdmin(settings):
        assert loose(settings.data_dir) == {}


def test_seed_demo_leaves_only_private_files(umask_022: None, tmp_path: Path) -> None:
    settings = HubSettings.from_data_dir(tmp_path / "hub")
    with HubAdmin(settings, demo_accounts=True) as admin:
        seed_demo(admin, cache_dir=tmp_path / "cache", video_seconds=0.5)
    assert len([p for p in settings.storage_dir.rglob("*") if p.is_file()]) > 10
    # The generated sample folders are inputs meant for people to open; the 0700 data
    # folder already keeps other accounts out of them.
    assert settings.data_dir.joinpath("demo-submissions").is_dir()
    assert {n: m for n, m in loose(settings.data_dir).items() if "demo-submissions" not in n} == {}
