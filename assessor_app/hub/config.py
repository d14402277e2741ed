"""Where the hub keeps its data, and the settings one hub process runs with."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import platformdirs

from assessor_app.hub.badges.signing import DEFAULT_PROOF, ProofFormat
from assessor_app.hub.private_files import private_dir, private_sqlite
from assessor_app.hub.signin_throttle import DEFAULT_SIGNIN_THROTTLE, SigninThrottle
from assessor_app.hub.storage import S3Location

APP_NAME = "assessor-hub"
HOME_ENV = "ASSESSOR_HUB_HOME"
DEFAULT_TOKEN_TTL = timedelta(hours=12)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BODY_IDLE_SECONDS = 30.0
# Long enough to start a download, short enough that a copied link is soon useless; a
# download that outlives it asks the hub for a fresh one.
DEFAULT_PRESIGN_SECONDS = 300
# Requests one hub process works on at once (each holds a thread and a database
# connection). Python runs one thread at a time, so more threads add no CPU: they only
# overlap waits for the database. Past a few, they take turns at the interpreter lock
# instead, and a request holding the change counter waits behind every other one
# (``python -m benchmarks load`` measured upload p99 several times higher with 40).
DEFAULT_THREADS = 8
MAX_THREADS = 64
# prometheus-client's own variable: when set as it is imported, its figures go to files in
# that folder (``serve --workers N``; see ``hub/workers.py``).
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


class ServeArtifacts(StrEnum):
    """How artifact bodies reach clients when they are in object storage."""

    REDIRECT = "redirect"  # to a short-lived presigned URL of the storage
    PROXY = "proxy"  # streamed through the hub, for storages the laptops cannot reach


def default_data_dir() -> Path:
    """``$ASSESSOR_HUB_HOME`` when set, else the platform's per-user data folder."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


@dataclass(frozen=True)
class HubSettings:
    """``db_url`` and ``storage_dir`` default to a SQLite file and a folder in ``data_dir``."""

    data_dir: Path
    db_url: str
    storage_dir: Path
    token_ttl: timedelta = DEFAULT_TOKEN_TTL
    signin_throttle: SigninThrottle = DEFAULT_SIGNIN_THROTTLE
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_idle_seconds: float = DEFAULT_BODY_IDLE_SECONDS
    proof: ProofFormat = DEFAULT_PROOF
    metrics_token: str | None = None
    """The bearer token a Prometheus scraper sends for ``/metrics``; None turns it off."""
    object_store: S3Location | None = None
    """Artifacts in this bucket instead of ``storage_dir``."""
    s3_endpoint: str | None = None
    """The S3 server's URL when it is not AWS (else boto3's own configuration)."""
    serve_artifacts: ServeArtifacts = ServeArtifacts.REDIRECT
    presign_seconds: int = DEFAULT_PRESIGN_SECONDS
    threads: int = DEFAULT_THREADS
    """Requests worked on at once per process; the database pool holds as many connections."""

    @classmethod
    def from_data_dir(
        cls,
        data_dir: Path | None = None,
        db_url: str | None = None,
        storage_dir: Path | None = None,
        token_ttl: timedelta = DEFAULT_TOKEN_TTL,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        proof: ProofFormat = DEFAULT_PROOF,
        metrics_token: str | None = None,
        object_store: S3Location | None = None,
        s3_endpoint: str | None = None,
        serve_artifacts: ServeArtifacts = ServeArtifacts.REDIRECT,
        presign_seconds: int = DEFAULT_PRESIGN_SECONDS,
        threads: int = DEFAULT_THREADS,
    ) -> HubSettings:
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        return cls(
            data_dir=root,
            db_url=db_url or sqlite_url(root / "hub.sqlite3"),
            storage_dir=Path(storage_dir) if storage_dir is not None else root / "artifacts",
            token_ttl=token_ttl,
            max_body_bytes=max_body_bytes,
            proof=proof,
            metrics_token=metrics_token,
            object_store=object_store,
            s3_endpoint=s3_endpoint,
            serve_artifacts=serve_artifacts,
            presign_seconds=presign_seconds,
            threads=threads,
        )


def secure_data_dir(settings: HubSettings) -> None:
    """The data folder 0700 and a SQLite database 0600 (see ``private_files``)."""
    private_dir(settings.data_dir)
    private_sqlite(settings.db_url)
