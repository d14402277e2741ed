"""Hub test fixtures: a throwaway PostgreSQL cluster, a database per test on SQLite or
PostgreSQL, real uvicorn servers on 127.0.0.1, and a small seeded world."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.hub import HubServer
from support.s3_server import moto_endpoint, s3_server  # noqa: F401

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.app import create_app
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import ArtifactRow
from assessor_app.hub.migrate import upgrade_database
from benchmarks.servers import PostgresCluster, running_postgres

DATA = Path(__file__).with_name("data")
CREDENTIAL_FILE = DATA / "wait-time.yaml"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
    try:
        with running_postgres(root) as cluster:
            upgrade_database(cluster.url("postgres"))  # proves the cluster answers
            upgrade_database(cluster.create_database("hub_template"))
            yield cluster
    finally:
        shutil.rmtree(root, ignore_errors=True)


_databases = count(1)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated hub database for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    with cluster.database(f"hub_test_{next(_databases)}", "hub_template") as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> HubSettings:
    return HubSettings.from_data_dir(tmp_path / "hub-data", db_url=db_url)


@pytest.fixture
def admin(settings: HubSettings) -> Iterator[HubAdmin]:
    with HubAdmin(settings) as hub_admin:
        yield hub_admin


@pytest.fixture
def start_hub() -> Iterator[Callable[..., HubServer]]:
    """Serves a hub on the settings given (uvicorn options as keywords); all are stopped
    after the test."""
    with ExitStack() as servers:

        def start(hub_settings: HubSettings, **uvicorn_options: Any) -> HubServer:
            return servers.enter_context(HubServer(create_app(hub_settings), **uvicorn_options))

        yield start


@pytest.fixture
def hub(start_hub: Callable[[HubSettings], HubServer], settings: HubSettings) -> HubServer:
    return start_hub(settings)


def sign_in(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def make_submission_folder(root: Path, payload: bytes, **extra: str) -> Path:
    """A submission folder with a binary clip, a text reflection and ``submission.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "clip.mp4").write_bytes(payload)
    (root / "reflection.txt").write_text("I waited longer and more students answered.\n")
    lines = [
        "credential: test-wait-time",
        "attempt: 1",
        "educator_pseudonym: E-0001",
        "artifacts:",
        "  - {file: clip.mp4, title: Lesson clip}",
        "  - {file: reflection.txt, title: Reflection}",
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    (root / "submission.yaml").write_text("\n".join(lines) + "\n")
    return root


@dataclass
class World:
    """ann and bob, each with one assignment of their own submission."""

    admin: HubAdmin
    payload: bytes
    ann_submission: str
    ann_assignment: str
    ann_artifacts: list[str]
    bob_submission: str
    bob_assignment: str
    bob_artifacts: list[str]


def artifact_ids(hub_admin: HubAdmin, submission_id: str) -> list[str]:
    with hub_admin.db.read() as session:
        return list(
            session.scalars(
                select(ArtifactRow.id)
                .where(ArtifactRow.submission_id == submission_id)
                .order_by(ArtifactRow.position)
            )
        )


@pytest.fixture
def world(admin: HubAdmin, tmp_path: Path) -> World:
    payload = bytes((i * 7 + i // 251) % 256 for i in range(100_000))
    admin.add_assessor("ann", PASSWORD, "Ann Example")
    admin.add_assessor("bob", PASSWORD, "Bob Example")
    admin.import_credential(CREDENTIAL_FILE)
    ann_sub = admin.import_submission(make_submission_folder(tmp_path / "ann-sub", payload))
    bob_sub = admin.import_submission(
        make_submission_folder(tmp_path / "bob-sub", payload[::-1], id="sub-bob-only")
    )
    return World(
        admin=admin,
        payload=payload,
        ann_submission=ann_sub,
        ann_assignment=admin.assign(ann_sub, "ann"),
        ann_artifacts=artifact_ids(admin, ann_sub),
        bob_submission=bob_sub,
        bob_assignment=admin.assign(bob_sub, "bob"),
        bob_artifacts=artifact_ids(admin, bob_sub),
    )


@pytest.fixture
def ann(hub: HubServer, world: World) -> Iterator[httpx.Client]:
    with sign_in(hub.base_url, "ann") as client:
        yield client
