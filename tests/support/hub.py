"""A real hub for tests: ``assessor_app.hub`` served by uvicorn on 127.0.0.1 (an ephemeral
port) from a thread, with its own data folder, seeded through ``HubAdmin``.

    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        seeded = hub.seed_submission("ann", {"clip.mp4": video_bytes, "plan.txt": b"..."})
        client = hub.client("ann")          # a signed-in assessor_app HubClient
        ...
        assert hub.decision_keys() == {seeded.assignment_id: key}

or, in a conftest: ``from support.hub import real_hub  # noqa: F401`` and ask for the
``real_hub`` fixture. The server is stopped and its database closed on exit. Artifacts are
real files; ``make_video`` makes a short real H.264 clip with ffmpeg when a test needs
genuine video.

``HubServer`` is the one way tests serve a hub app in-process (the hub tests' ``start_hub``
fixture and ``RunningHub`` both use it); ``tests/support/serve.py`` runs the real
``assessor-hub serve`` command instead.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.app import create_app
from assessor_app.hub.badges.issuer_url import pin_issuer_url
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import ArtifactRow, DecisionRow
from assessor_app.protocol.v1 import CriterionScoreWire, DecisionUpload
from assessor_app.sync.client import HubClient, Timeouts

__all__ = [
    "CREDENTIAL_ID",
    "PASSWORD",
    "SERVER_TIMEOUT_S",
    "HubServer",
    "RunningHub",
    "SeededArtifact",
    "SeededSubmission",
    "make_video",
    "passing_upload",
    "real_hub",
    "running_hub",
    "wait_until",
]

PASSWORD = "correct horse battery"
CREDENTIAL_ID = "support-wait-time"

# A small two-criterion credential; every level id is valid for ``passing_upload``.
CREDENTIAL_YAML = f"""\
id: {CREDENTIAL_ID}
title: Wait time after questions
competency: Pauses after asking a question so that every student can think.
version: 1
overview: Show a lesson segment where you ask open questions and wait before answers.
artifact_requirements:
  - A short classroom clip
reflection_prompts:
  - What changed when you waited longer?
rubric:
  criteria:
    - id: c1-wait
      title: Wait after the question
      levels:
        - {{id: beginning, label: Beginning, points: 1, descriptor: First hand., meets: false}}
        - {{id: proficient, label: Proficient, points: 3, descriptor: Waits 3 s., meets: true}}
    - id: c2-reflection
      title: Reflection on student thinking
      levels:
        - {{id: beginning, label: Beginning, points: 1, descriptor: Lesson only., meets: false}}
        - {{id: proficient, label: Proficient, points: 2, descriptor: Links answers., meets: true}}
"""


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


# Seconds a server is given to start, and to stop (twice: gracefully, then forced).
SERVER_TIMEOUT_S = 15


class HubServer:
    """uvicorn serving ``app`` on a free 127.0.0.1 port from a thread; ``with`` it, or
    ``start()`` and ``stop()``. ``uvicorn_options`` go to ``uvicorn.Config`` (say, the proxy
    options ``assessor-hub serve`` derives from its command line)."""

    def __init__(self, app: FastAPI, **uvicorn_options: Any) -> None:
        self.app = app
        # Bound here and handed to uvicorn, so no other process can take the port between
        # choosing it and serving on it.
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        # As ``serve`` does: the issuer address is pinned to where the hub listens.
        pin_issuer_url(app.state.hub.settings.data_dir, self.base_url)
        options: dict[str, Any] = {"log_level": "warning", "lifespan": "off", "access_log": False}
        self._server = uvicorn.Server(uvicorn.Config(app, **(options | uvicorn_options)))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> HubServer:
        self._thread.start()
        try:
            # A server that fails to start ends its thread: say so then, not at the timeout.
            wait_until(
                lambda: self._server.started or not self._thread.is_alive(),
                SERVER_TIMEOUT_S,
                "the hub to start",
            )
            if not self._server.started:
                raise AssertionError("the hub server ended before it started (see its log)")
        except AssertionError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, join the thread, close the socket and the database's connections."""
        self._server.should_exit = True
        self._thread.join(SERVER_TIMEOUT_S)
        if self._thread.is_alive():
            # A graceful stop waits for open connections; a test that left one open must
            # not leave the server running behind it.
            self._server.force_exit = True
            self._thread.join(SERVER_TIMEOUT_S)
        self._sock.close()
        self.app.state.hub.db.dispose()
        if self._thread.is_alive():
            raise AssertionError(f"the hub server at {self.base_url} did not stop")

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def passing_upload(note: str = "") -> DecisionUpload:
    """A complete, valid Pass sheet for the support credential."""
    from datetime import UTC, datetime

    return DecisionUpload(
        decision="pass",
        criteria=[
            CriterionScoreWire(criterion_id="c1-wait", level_id="proficient", rationale=note),
            CriterionScoreWire(criterion_id="c2-reflection", level_id="proficient"),
        ],
        feedback="Clear, patient questioning.",
        scored_at=datetime.now(UTC),
    )


def make_video(path: Path, seconds: float = 2.0, size: str = "160x120") -> Path:
    """A real H.264/AAC MP4 clip (test pattern and tone) made by ffmpeg."""
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate=25",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


@dataclass(frozen=True)
class SeededArtifact:
    id: str
    filename: str
    sha256: str
    size: int
    data: bytes


@dataclass(frozen=True)
class SeededSubmission:
    id: str
    assignment_id: str
    username: str
    artifacts: tuple[SeededArtifact, ...]

    def artifact(self, filename: str) -> SeededArtifact:
        return next(a for a in self.artifacts if a.filename == filename)


class RunningHub:
    """A hub serving on ``base_url``; ``admin`` is its ``HubAdmin``."""

    def __init__(
        self, data_dir: Path, *, token_ttl_seconds: float | None = None, **settings: Any
    ) -> None:
        """``settings`` go to ``HubSettings.from_data_dir`` (object storage, say)."""
        from datetime import timedelta

        self.data_dir = Path(data_dir)
        options: dict[str, Any] = dict(settings)
        if token_ttl_seconds is not None:
            options["token_ttl"] = timedelta(seconds=token_ttl_seconds)
        self.settings = HubSettings.from_data_dir(self.data_dir, **options)
        self.admin = HubAdmin(self.settings)
        self.admin.import_credential(self._credential_file())
        self._server = HubServer(create_app(self.settings))
        self.app = self._server.app
        self.base_url = self._server.base_url
        self._tokens: dict[str, str] = {}
        self._seq = 0

    def _credential_file(self) -> Path:
        path = self.data_dir / "support-credential.yaml"
        path.write_text(CREDENTIAL_YAML, encoding="utf-8")
        return path

    def start(self) -> RunningHub:
        self._server.start()
        return self

    def stop(self) -> None:
        try:
            self._server.stop()
        finally:
            self.admin.close()

    # -- seeding -------------------------------------------------------------------------

    def add_assessor(self, username: str, password: str = PASSWORD) -> str:
        return self.admin.add_assessor(username, password)

    def seed_submission(
        self,
        username: str,
        files: Mapping[str, bytes | Path],
        *,
        kind: AssignmentKind | str = AssignmentKind.PRODUCTION,
        assign: bool = True,
        resubmission: bool = False,
    ) -> SeededSubmission:
        """Import a submission whose artifacts are ``files`` (name -> bytes, or a file to
        copy) and, with ``assign``, assign it to ``username``. A ``resubmission`` is
        attempt 2, after an attempt 1 that was Not Yet with both criteria at Beginning."""
        self._seq += 1
        folder = self.data_dir / "imports" / f"sub-{self._seq}-{secrets.token_hex(3)}"
        folder.mkdir(parents=True)
        lines = [
            f"credential: {CREDENTIAL_ID}",
            f"attempt: {2 if resubmission else 1}",
            f"educator_pseudonym: E-{self._seq:04d}",
        ]
        if resubmission:
            lines += [
                "previous_attempts:",
                "  - {attempt: 1, decision: not_yet, feedback: Wait longer after asking.,",
                "     criteria: {c1-wait: beginning, c2-reflection: beginning}}",
            ]
        lines.append("artifacts:")
        contents: dict[str, bytes] = {}
        for name, content in files.items():
            if isinstance(content, Path):
                shutil.copyfile(content, folder / name)
                contents[name] = content.read_bytes()
            else:
                (folder / name).write_bytes(content)
                contents[name] = content
            lines.append(f"  - {{file: {name}, title: {name}}}")
        (folder / "submission.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        submission_id = self.admin.import_submission(folder)
        with self.admin.db.read() as session:
            rows = session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.submission_id == submission_id)
                .order_by(ArtifactRow.position)
            ).all()
            artifacts = tuple(
                SeededArtifact(r.id, r.filename, r.sha256, r.size, contents[r.filename])
                for r in rows
            )
        for artifact in artifacts:
            assert hashlib.sha256(artifact.data).hexdigest() == artifact.sha256
        assignment_id = self.admin.assign(submission_id, username, kind) if assign else ""
        return SeededSubmission(submission_id, assignment_id, username, artifacts)

    # -- signing in ------------------------------------------------------------------------

    def token(self, username: str, password: str = PASSWORD) -> str:
        """A bearer token for ``username`` (cached per hub)."""
        if username not in self._tokens:
            response = httpx.post(
                f"{self.base_url}/api/v1/auth/token",
                json={"username": username, "password": password},
                timeout=30,
            )
            response.raise_for_status()
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    def client(self, username: str, *, base_url: str | None = None, **options: Any) -> HubClient:
        """A signed-in client; ``base_url`` points it elsewhere (e.g. a fault proxy).
        Retries back off in milliseconds so fault tests stay fast."""
        settings: dict[str, Any] = {
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "retry_after_max": 2.0,
            "timeout": Timeouts(connect=5, read=10, write=10, pool=5),
        }
        settings.update(options)
        return HubClient(base_url or self.base_url, self.token(username), **settings)

    # -- inspecting ------------------------------------------------------------------------

    def decision_keys(self) -> dict[str, str]:
        """Assignment id -> the Idempotency-Key of its recorded decision. The decisions
        table's primary key is the assignment id, so there is at most one each."""
        with self.admin.db.read() as session:
            rows = session.execute(select(DecisionRow.assignment_id, DecisionRow.idempotency_key))
            return {assignment_id: key for assignment_id, key in rows}

    def decision_count(self) -> int:
        with self.admin.db.read() as session:
            return len(session.scalars(select(DecisionRow.assignment_id)).all())


@contextmanager
def running_hub(data_dir: Path, **options: Any) -> Iterator[RunningHub]:
    """Start a hub in ``data_dir`` and stop it on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    hub = RunningHub(data_dir, **options)
    try:
        yield hub.start()
    finally:
        hub.stop()


@pytest.fixture
def real_hub(tmp_path: Path) -> Iterator[RunningHub]:
    """A fresh, empty hub (the support credential imported) for one test."""
    with running_hub(tmp_path / "hub") as hub:
        yield hub
