"""The simulated assessor of ``python -m benchmarks load``, run by Locust (headless, in its
own process so its gevent patching stays out of the benchmark).

Each user is one account (``LOAD_USERNAME_PREFIX`` + a number, password
``LOAD_PASSWORD``) that starts signed in, with the access token of that line of
``LOAD_TOKENS_FILE``, as the desktop app does within a day. It syncs at once (its whole
queue: the assignment delta, each submission's manifest and evidence), then loops,
pausing ``LOAD_THINK`` seconds (default 5-15) between actions: a sync (the delta from its
cursor, and what is new), a decision upload, calibration polling, or now and then a fresh
sign-in (a password check, deliberately slow) as when the token has run out. A real
assessor acts far less often (a sync every few minutes at most); the pace is chosen so
that hundreds of users make a load worth measuring, and the req/s column says what that
load was.

Evidence is asked of the hub without following its redirect: fetching from the object
storage is the storage's load, the redirect is what the hub does.

Every request is also written to ``LOAD_SAMPLES_FILE`` (CSV: start time, call, response
time in ms, and the failure, empty if none) once Locust has stopped its users, so the
benchmark can compute exact percentiles over any part of the run.

Decision uploads carry an ``Idempotency-Key`` and ``If-Match`` like ``sync/uploads.py``;
once a user has decided all its assignments it re-sends its last upload with the same key,
the retry after a lost answer, which the hub must answer with the same receipt.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

PREFIX = os.environ.get("LOAD_USERNAME_PREFIX", "load")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
CRITERION = os.environ.get("LOAD_CRITERION", "c1")
LEVEL = os.environ.get("LOAD_LEVEL", "high")
API = "/api/v1"
PAGE = 100
# 2xx, or the storage redirect: both are the hub answering as it should.
EVIDENCE_OK = {200, 307}

TOKENS = Path(os.environ["LOAD_TOKENS_FILE"]).read_text().split()
THINK_SECONDS = tuple(float(s) for s in os.environ.get("LOAD_THINK", "5,15").split(","))
_numbers = itertools.count()
_samples: list[tuple[float, str, float, str]] = []


@events.request.add_listener
def _record(
    name: str,
    response_time: float,
    exception: BaseException | None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _samples.append((started, name, response_time, "" if exception is None else str(exception)))


@events.quit.add_listener
def _save(**_: Any) -> None:
    # ``quit`` comes after every user has stopped (``quitting`` comes before).
    with open(os.environ["LOAD_SAMPLES_FILE"], "w", newline="") as handle:
        csv.writer(handle).writerows(_samples)


class Assessor(FastHttpUser):
    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        number = next(_numbers)
        self.username = f"{PREFIX}{number:04d}"
        self.headers = {"Authorization": f"Bearer {TOKENS[number]}"}
        self.cursor: str | None = None
        self.undecided: dict[str, int] = {}  # assignment id -> version to send as If-Match
        self.last_upload: tuple[str, str, int, dict[str, Any]] | None = None
        self.client.get(f"{API}/me", headers=self.headers, name="/me")
        self.sync()

    @task(1)
    def sign_in(self) -> None:
        with self.client.post(
            f"{API}/auth/token",
            json={"username": self.username, "password": PASSWORD},
            name="sign in",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"sign-in answered {response.status_code}")
                return
            token = response.json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    @task(30)
    def sync(self) -> None:
        has_more = True
        while has_more:
            params = f"?limit={PAGE}" + (f"&since={self.cursor}" if self.cursor else "")
            with self.client.get(
                f"{API}/assignments{params}",
                headers=self.headers,
                name="/assignments (delta)",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"answered {response.status_code}")
                    return
                page = response.json()
            self.cursor = page["cursor"]
            has_more = page["has_more"]
            for item in page["items"]:
                if item["status"] == "assigned" and item["id"] not in self.undecided:
                    self.undecided[item["id"]] = item["version"]
                    self.fetch_submission(item["submission_id"])

    def fetch_submission(self, submission_id: str) -> None:
        with self.client.get(
            f"{API}/submissions/{submission_id}",
            headers=self.headers,
            name="/submissions/{id} (manifest)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")
                return
            artifacts = response.json()["artifacts"]
        for artifact in artifacts:
            with self.client.get(
                f"{API}/artifacts/{artifact['id']}/content",
                headers=self.headers,
                name="/artifacts/{id}/content (evidence)",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code not in EVIDENCE_OK:
                    response.failure(f"answered {response.status_code}")
                elif response.status_code == 200 and len(response.content) != artifact["size"]:
                    response.failure(f"{len(response.content)} bytes of {artifact['size']}")

    @task(5)
    def upload_decision(self) -> None:
        if self.undecided:
            assignment_id, version = self.undecided.popitem()
            body = {
                "decision": "pass",
                "criteria": [{"criterion_id": CRITERION, "level_id": LEVEL}],
                "feedback": "Clear, patient questioning throughout the lesson.",
                "scored_at": datetime.now(UTC).isoformat(),
            }
            self.last_upload = (assignment_id, str(uuid.uuid4()), version, body)
            name = "decision upload"
        elif self.last_upload is not None:
            name = "decision upload (retry, same key)"
        else:
            return
        assignment_id, key, version, body = self.last_upload
        with self.client.put(
            f"{API}/assignments/{assignment_id}/decision",
            json=body,
            headers={**self.headers, "Idempotency-Key": key, "If-Match": f'"{version}"'},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")

    @task(5)
    def poll_calibration(self) -> None:
        self.client.get(
            f"{API}/calibration/sessions?limit=50",
            headers=self.headers,
            name="/calibration/sessions (poll)",
        )
        self.client.get(
            f"{API}/calibration/qualification",
            headers=self.headers,
            name="/calibration/qualification (poll)",
        )
