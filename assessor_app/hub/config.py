"""Where the hub keeps its data, and the settings one hub process runs with."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import platformdirs

from assessor_app.hub.badges.signing import DEFAULT_PROOF, ProofFormat
from assessor_app.hub.private_files import private_dir, private_sqlite
from assessor_app.hub.signin_throttle import DEFAULT_SIGNIN_THROTTLE, SigninThrottle

APP_NAME = "assessor-hub"
HOME_ENV = "ASSESSOR_HUB_HOME"
DEFAULT_TOKEN_TTL = timedelta(hours=12)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BODY_IDLE_SECONDS = 30.0


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
        )


def secure_data_dir(settings: HubSettings) -> None:
    """The data folder 0700 and a SQLite database 0600 (see ``private_files``)."""
    private_dir(settings.data_dir)
    private_sqlite(settings.db_url)
