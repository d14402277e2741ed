"""The fuzz gate: Schemathesis against a real hub's own ``/openapi.json``, signed in as a
seeded account that holds every role. Every response must be a non-5xx that matches what
the document says (status code, content type, body schema, headers).

The seeded ids are offered to the fuzzer as dictionaries, so half of its path values name
things that exist and its requests reach past the 404. Signing out is fuzzed in a run of
its own with a token of its own: in the main run it would revoke the token and leave the
fuzzer knocking on 401s, which the test also refuses.

The run is bounded by ``ASSESSOR_FUZZ_SECONDS`` (about two minutes by default, the gate in
``make test``); ``make fuzz`` runs it longer and adds the stateful phase through
``ASSESSOR_FUZZ_PHASES``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from support.hub import HubServer

from assessor_app.hub.admin import ROLES, HubAdmin
from assessor_app.hub.app import create_app
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow
from tests.hub.conftest import PASSWORD, World, sign_in

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
SECONDS = int(os.environ.get("ASSESSOR_FUZZ_SECONDS", "100"))
PHASES = os.environ.get("ASSESSOR_FUZZ_PHASES", "examples,coverage,fuzzing")
LOGOUT = "/api/v1/auth/logout"
FUZZER = "fuzz"


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    # One backend is enough: the fuzzer tests the HTTP surface, not the SQL dialect.
    return HubSettings.from_data_dir(tmp_path / "hub-data")


@pytest.fixture
def fuzzed_hub(world: World, settings: HubSettings) -> Iterator[HubServer]:
    world.admin.add_assessor(FUZZER, PASSWORD, "Fuzz Tester", list(ROLES))
    world.admin.assign(world.ann_submission, FUZZER)
    with HubServer(create_app(settings)) as server:
        yield server


def _calibration_session(hub: HubServer, world: World) -> str:
    with sign_in(hub.base_url, FUZZER) as client:
        made = client.post(
            "/api/v1/calibration/sessions",
            json={
                "title": "Fuzzed calibration",
                "credential_id": "test-wait-time",
                "submission_ids": [world.bob_submission],
                "participants": [FUZZER, "ann"],
            },
        )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _config(world: World, admin: HubAdmin, session_id: str, path: Path) -> Path:
    """Seeded values the fuzzer draws from half of the time (JSON is valid TOML here)."""
    with admin.db.read() as session:
        assignments = list(session.scalars(select(AssignmentRow.id)))
    values = {
        "assignments": assignments,
        "submissions": [world.ann_submission, world.bob_submission],
        "artifacts": world.ann_artifacts + world.bob_artifacts,
        "credentials": ["test-wait-time"],
        "sessions": [session_id],
        "usernames": [FUZZER],
        "passwords": [PASSWORD],
    }
    bindings = {
        "path.assignment_id": "assignments",
        "path.submission_id": "submissions",
        "path.artifact_id": "artifacts",
        "path.credential": "credentials",
        "path.session_id": "sessions",
        "body.username": "usernames",
        "body.password": "passwords",
    }
    lines = [f"[dictionaries.{name}]\nvalues = {json.dumps(v)}\n" for name, v in values.items()]
    lines.append("[parameters]")
    lines += [
        f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}'
        for key, name in bindings.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _authorization(hub: HubServer) -> str:
    with sign_in(hub.base_url, FUZZER) as client:
        return str(client.headers["Authorization"])


def _fuzz(hub: HubServer, config: Path, authorization: str, seconds: int, *only: str) -> str:
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{hub.base_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            PHASES,
            "--max-time",
            str(seconds),
            "--workers",
            "1",
            "--seed",
            os.environ.get("ASSESSOR_FUZZ_SEED", "15"),
            "--request-timeout",
            "10",
            "--header",
            f"Authorization: {authorization}",
            "--output-sanitize",
            "true",
            *only,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 90,
        cwd=config.parent,
    )
    report = run.stdout[-20000:]
    assert run.returncode == 0, f"the fuzzer reported findings:\n{report}\n{run.stderr[-2000:]}"
    assert "passed" in run.stdout, report
    print(run.stdout[run.stdout.rfind("SUMMARY") :])  # the figures, for `pytest -s` and make fuzz
    return run.stdout


@pytest.mark.timeout(SECONDS + 240)
def test_the_fuzzer_finds_nothing(
    fuzzed_hub: HubServer, world: World, admin: HubAdmin, tmp_path: Path
) -> None:
    session_id = _calibration_session(fuzzed_hub, world)
    config = _config(world, admin, session_id, tmp_path / "schemathesis.toml")
    # Both tokens first: the fuzzed wrong passwords then slow down signing in.
    main, for_logout = _authorization(fuzzed_hub), _authorization(fuzzed_hub)
    report = _fuzz(fuzzed_hub, config, main, SECONDS, "--exclude-path", LOGOUT)
    # Signed in all along: the fuzzer's token still works at the end.
    me = httpx.get(f"{fuzzed_hub.base_url}/api/v1/me", headers={"Authorization": main})
    assert me.status_code == 200, report[-6000:]
    _fuzz(fuzzed_hub, config, for_logout, max(10, SECONDS // 10), "--include-path", LOGOUT)
