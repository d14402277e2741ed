"""``serve --workers N``: several uvicorn worker processes serving one hub.

uvicorn starts each worker as a fresh Python process that imports the app by name
(``WORKER_APP``), so the settings cannot travel as arguments. ``worker_runtime`` puts
them, as JSON, in ``$ASSESSOR_HUB_WORKER_SETTINGS``, which the workers inherit and each
worker's ``create_worker_app`` reads back. They can hold the database password and the
metrics token, which must never appear on a command line; a process's environment is
readable by its own user only, and goes with the process (a file would stay behind
after a ``serve`` killed outright).

``worker_runtime`` also makes a private temporary folder (0700) for
``$PROMETHEUS_MULTIPROC_DIR``: prometheus-client then keeps each worker's figures in files
there, and a scrape of any worker adds up all of them (see ``HubMetrics``).
prometheus-client picks that mode when it is imported, so the variable is set before
uvicorn starts the workers, and the folder is new, hence empty, at every start (figures
of an earlier run would otherwise be counted again). It is removed when ``serve`` ends.

Everything the workers share is in the database (tokens, sign-in throttles, idempotency
keys, the change counter, calibration and credential state); what a worker keeps in
memory is derived from files that do not change while it runs (the issuer's keys, the
credential schema). Several workers therefore need a database they can all write at
once: PostgreSQL (``check_workers``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from assessor_app.hub.badges.signing import ProofFormat
from assessor_app.hub.config import MULTIPROCESS_ENV, HubSettings, ServeArtifacts
from assessor_app.hub.private_files import private_dir
from assessor_app.hub.signin_throttle import SigninThrottle
from assessor_app.hub.storage import S3Location

WORKER_APP = "assessor_app.hub.workers:create_worker_app"
SETTINGS_ENV = "ASSESSOR_HUB_WORKER_SETTINGS"


class WorkersRefused(ValueError):
    """``--workers`` cannot be used with these settings; the message says why."""


def check_workers(workers: int, db_url: str) -> None:
    """Several workers only on a database they can share safely. SQLite would run, but
    lets one writer in at a time across all of them (so more workers buy nothing), and its
    file must be on a local disk of the one machine."""
    if workers > 1 and make_url(db_url).get_backend_name() == "sqlite":
        raise WorkersRefused(
            f"--workers {workers} needs PostgreSQL (--db postgresql+psycopg://USER@HOST/DB): "
            "the workers share tokens, sign-in throttles and the change counter through the "
            "database, and SQLite lets one writer in at a time. Run one worker on SQLite."
        )


def _throttle_json(throttle: SigninThrottle) -> dict[str, float | int]:
    return {
        f.name: (value.total_seconds() if isinstance(value, timedelta) else value)
        for f in fields(throttle)
        for value in [getattr(throttle, f.name)]
    }


def _throttle_of(data: dict[str, Any]) -> SigninThrottle:
    defaults = SigninThrottle()
    values: dict[str, Any] = {
        name: timedelta(seconds=value) if isinstance(getattr(defaults, name), timedelta) else value
        for name, value in data.items()
    }
    return SigninThrottle(**values)


def settings_json(settings: HubSettings, *, docs: bool) -> str:
    """The settings (and whether ``/docs`` is served) as the workers read them back."""
    encoders: dict[str, Any] = {
        "data_dir": str,
        "db_url": str,
        "storage_dir": str,
        "token_ttl": timedelta.total_seconds,
        "signin_throttle": _throttle_json,
        "max_body_bytes": int,
        "body_idle_seconds": float,
        "proof": str,
        "metrics_token": lambda v: v,
        "object_store": lambda v: None if v is None else str(v),
        "s3_endpoint": lambda v: v,
        "serve_artifacts": str,
        "presign_seconds": int,
        "threads": int,
    }
    names = {f.name for f in fields(HubSettings)}
    if names != set(encoders):
        # A new setting must be handed to the workers too, not silently left at its default.
        raise RuntimeError(f"settings not handed to workers: {sorted(names ^ set(encoders))}")
    document = {name: encoders[name](getattr(settings, name)) for name in sorted(names)}
    return json.dumps({"settings": document, "docs": docs})


def settings_of(text: str) -> tuple[HubSettings, bool]:
    """The inverse of ``settings_json``."""
    data = json.loads(text)
    s = data["settings"]
    settings = HubSettings(
        data_dir=Path(s["data_dir"]),
        db_url=s["db_url"],
        storage_dir=Path(s["storage_dir"]),
        token_ttl=timedelta(seconds=s["token_ttl"]),
        signin_throttle=_throttle_of(s["signin_throttle"]),
        max_body_bytes=s["max_body_bytes"],
        body_idle_seconds=s["body_idle_seconds"],
        proof=ProofFormat(s["proof"]),
        metrics_token=s["metrics_token"],
        object_store=None if s["object_store"] is None else S3Location.parse(s["object_store"]),
        s3_endpoint=s["s3_endpoint"],
        serve_artifacts=ServeArtifacts(s["serve_artifacts"]),
        presign_seconds=s["presign_seconds"],
        threads=s["threads"],
    )
    return settings, bool(data["docs"])


@contextmanager
def worker_runtime(settings: HubSettings, *, docs: bool) -> Iterator[Path]:
    """The settings and the metrics folder named in the environment the workers inherit;
    the folder removed and the variables restored after."""
    root = Path(tempfile.mkdtemp(prefix="assessor-hub-metrics-"))
    saved = {name: os.environ.get(name) for name in (SETTINGS_ENV, MULTIPROCESS_ENV)}
    try:
        os.environ[SETTINGS_ENV] = settings_json(settings, docs=docs)
        os.environ[MULTIPROCESS_ENV] = str(private_dir(root))
        yield root
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(root, ignore_errors=True)


def create_worker_app() -> FastAPI:
    """What each worker serves: the hub for the settings ``serve`` handed over. The
    database was migrated by ``serve`` before the workers started."""
    from assessor_app.hub.app import create_app
    from assessor_app.hub.request_log import configure_hub_logging

    configure_hub_logging()
    settings, docs = settings_of(os.environ[SETTINGS_ENV])
    return create_app(settings, migrate=False, docs=docs)
