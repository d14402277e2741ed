"""Operating the hub: liveness, readiness, request ids in JSON logs, Prometheus metrics.

The logging and metrics test runs the real ``assessor-hub serve`` process and reads what
it writes to standard error, line by line, as JSON."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from support.hub import HubServer, wait_until
from support.serve import free_port, serve_command, serving

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.request_log import accepted_request_id
from assessor_app.protocol.v1 import PROBLEM_MEDIA_TYPE
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    PASSWORD,
    World,
    artifact_ids,
    make_submission_folder,
    sign_in,
)
from tests.hub.test_decisions import passing, put

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_healthz_and_readyz_when_all_is_well(hub: HubServer) -> None:
    health = httpx.get(f"{hub.base_url}/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = httpx.get(f"{hub.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_is_503_when_database_or_storage_is_gone(
    start_hub: Callable[[HubSettings], HubServer], tmp_path: Path
) -> None:
    db_dir = tmp_path / "db"
    db_dir.mkdir()
    settings = HubSettings.from_data_dir(
        tmp_path / "data", db_url=f"sqlite:///{db_dir / 'hub.sqlite3'}"
    )
    hub = start_hub(settings)
    assert httpx.get(f"{hub.base_url}/readyz").status_code == 200

    shutil.rmtree(settings.storage_dir)
    ready = httpx.get(f"{hub.base_url}/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = ready.json()
    assert body["checks"] == {"database": "ok", "storage": "unavailable"}
    assert "storage not reachable" in body["detail"]

    # The database file's folder goes away and no pooled connection survives it.
    db_dir.rename(tmp_path / "db-moved")
    hub.app.state.hub.db.dispose()
    ready = httpx.get(f"{hub.base_url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "unavailable", "storage": "unavailable"}
    # Alive all the same: liveness touches neither.
    health = httpx.get(f"{hub.base_url}/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


def test_request_id_is_kept_when_sane_and_made_otherwise(hub: HubServer, world: World) -> None:
    sent = "lb-7f3a9c1e-0001"
    kept = httpx.get(f"{hub.base_url}/healthz", headers={"X-Request-ID": sent})
    assert kept.headers["X-Request-ID"] == sent
    made = httpx.get(f"{hub.base_url}/healthz")
    assert HEX32.match(made.headers["X-Request-ID"])
    assert (
        made.headers["X-Request-ID"] != httpx.get(f"{hub.base_url}/healthz").headers["X-Request-ID"]
    )
    for insane in ("short", "x" * 129, "two words here", 'a"b;c=d\\e', "line\tfeed-000"):
        reply = httpx.get(f"{hub.base_url}/healthz", headers={"X-Request-ID": insane})
        assert HEX32.match(reply.headers["X-Request-ID"]), insane
    # Problem answers carry it too, once.
    missing = httpx.get(f"{hub.base_url}/api/v1/me", headers={"X-Request-ID": sent})
    assert missing.status_code == 401
    assert missing.headers.get_list("X-Request-ID") == [sent]
    assert accepted_request_id("0123456789abcdef") == "0123456789abcdef"


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, value = line.rsplit(" ", 1)
        head, _, rest = sample.partition("{")
        if head != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def test_served_hub_logs_json_with_request_ids_and_counts_metrics(
    admin: HubAdmin, settings: HubSettings, tmp_path: Path
) -> None:
    admin.add_assessor("ann", PASSWORD, "Ann Example")
    admin.import_credential(CREDENTIAL_FILE)
    payload = b"evidence bytes that must never reach a log " * 1000
    submission = admin.import_submission(make_submission_folder(tmp_path / "sub", payload))
    assignment = admin.assign(submission, "ann")
    artifact = artifact_ids(admin, submission)[0]
    token_file = tmp_path / "metrics-token"
    metrics_token = "scrape-" + "0123456789abcdef" * 2
    token_file.write_text(metrics_token + "\n")
    with serving(settings, "--metrics-token-file", str(token_file)) as served:
        base = served.base_url
        with sign_in(base, "ann") as ann:
            bearer = ann.headers["Authorization"].split()[1]
            delta = ann.get("/api/v1/assignments", headers={"X-Request-ID": "sync-req-000001"})
            assert delta.status_code == 200
            version = delta.json()["items"][0]["version"]
            content = ann.get(f"/api/v1/artifacts/{artifact}/content")
            assert content.content == payload
            upload = put(ann, assignment, passing(artifact), match=f'"{version}"')
            assert upload.status_code == 200, upload.text
            assert ann.get("/api/v1/submissions/nope").status_code == 404
        # Metrics: only for the scraper's token.
        assert httpx.get(f"{base}/metrics").status_code == 401
        wrong = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {bearer}"})
        assert wrong.status_code == 401
        scrapes: list[httpx.Response] = []

        def counted() -> bool:
            # A request is counted once its answer is out, so the last one may lag a little.
            scrapes.append(
                httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
            )
            return _metric(scrapes[-1].text, "assessor_hub_errors_total", status_class="4xx") >= 3

        wait_until(counted, 10, "the requests to be counted")
        scraped = scrapes[-1]
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        text = scraped.text
    err = served.stderr

    content_route = "/api/v1/artifacts/{artifact_id}/content"
    count = "assessor_hub_request_duration_seconds_count"
    assert _metric(text, count, method="GET", route=content_route, status="200") == 1
    assert artifact not in text  # labels are route templates, never ids
    assert _metric(text, count, method="GET", route="/api/v1/assignments", status="200") == 1
    assert _metric(text, "assessor_hub_syncs_total") == 1
    assert _metric(text, "assessor_hub_artifact_bytes_total") == len(payload)
    assert _metric(text, "assessor_hub_artifact_redirects_total") == 0
    assert _metric(text, "assessor_hub_decision_uploads_total", status="200") == 1
    # 401 (metrics without a token, twice) and 404 (the unknown submission) so far.
    assert _metric(text, "assessor_hub_errors_total", status_class="4xx") == 3
    assert _metric(text, "assessor_hub_errors_total", status_class="5xx") == 0
    bucket = "assessor_hub_request_duration_seconds_bucket"
    assert _metric(text, bucket, route="/api/v1/assignments", le="+Inf") == 1

    # Every line on standard error is one JSON object.
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert entries, err
    access = [e for e in entries if e["logger"] == "assessor_app.hub.access"]
    sync = [e for e in access if e.get("request_id") == "sync-req-000001"]
    assert len(sync) == 1
    assert sync[0]["route"] == "/api/v1/assignments"
    assert sync[0]["status"] == 200 and sync[0]["method"] == "GET"
    assert sync[0]["duration_ms"] >= 0
    assert {e["route"] for e in access} >= {content_route, "/api/v1/auth/token", "/healthz"}
    assert all(HEX32.match(e["request_id"]) or e["request_id"] == "sync-req-000001" for e in access)
    assert any(e["logger"].startswith("uvicorn") for e in entries)  # the server's own lines
    assert PASSWORD not in err
    assert bearer not in err
    assert metrics_token not in err
    assert "evidence bytes" not in err


def test_metrics_are_off_without_a_token(hub: HubServer) -> None:
    reply = httpx.get(f"{hub.base_url}/metrics")
    assert reply.status_code == 404
    assert "metrics-token-file" in reply.json()["detail"]


@pytest.mark.parametrize("token", ["short", "tab\tinside-the-token-here", "ü" * 20])
def test_unfit_metrics_token_file_is_a_message(
    settings: HubSettings, tmp_path: Path, token: str
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    process = subprocess.Popen(
        serve_command(settings, free_port(), "--metrics-token-file", str(token_file)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "metrics token" in err.decode()
