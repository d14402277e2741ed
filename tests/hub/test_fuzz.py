"""The fuzz gate: Schemathesis against a real hub's own ``/openapi.json``, signed in as a
seeded assessor. Every response must be a non-5xx that matches what the document says
(status code, content type, body schema, headers).

The run is bounded by ``ASSESSOR_FUZZ_SECONDS`` (about two minutes by default, the gate in
``make test``); ``make fuzz`` runs it longer and adds the stateful phase through
``ASSESSOR_FUZZ_PHASES``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor_app.hub.app import create_app
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import HubServer, World, sign_in

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
SECONDS = int(os.environ.get("ASSESSOR_FUZZ_SECONDS", "100"))
PHASES = os.environ.get("ASSESSOR_FUZZ_PHASES", "examples,coverage,fuzzing")


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    # One backend is enough: the fuzzer tests the HTTP surface, not the SQL dialect.
    return HubSettings.from_data_dir(tmp_path / "hub-data")


@pytest.fixture
def fuzzed_hub(world: World, settings: HubSettings) -> Iterator[HubServer]:
    server = HubServer(create_app(settings)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.timeout(SECONDS + 120)
def test_the_fuzzer_finds_nothing(fuzzed_hub: HubServer, tmp_path: Path) -> None:
    with sign_in(fuzzed_hub.base_url, "ann") as ann:
        authorization = ann.headers["Authorization"]
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--no-color",
            "run",
            f"{fuzzed_hub.base_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            PHASES,
            "--max-time",
            str(SECONDS),
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
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 90,
        cwd=tmp_path,
    )
    summary = run.stdout[-20000:]
    assert run.returncode == 0, f"the fuzzer reported findings:\n{summary}\n{run.stderr[-2000:]}"
    assert "passed" in run.stdout, summary
