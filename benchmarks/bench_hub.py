"""Hub benchmarks: artifact download throughput over loopback against reading the same
file from disk, and ``GET /assignments`` latency with 10,000 assignments for one assessor.

The hub runs as a real ``assessor-hub serve`` subprocess on a SQLite database in a
temporary folder, which is removed afterwards. ``BENCH_HUB_MB`` changes the file size.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    SubmissionRow,
    User,
    next_change_seq,
)
from benchmarks.hub_process import free_port, start_hub
from benchmarks.result import Result

FILE_MB = int(os.environ.get("BENCH_HUB_MB", "200"))
ASSIGNMENTS = 10_000
PAGE = 100
DRAINS = 3
CHUNK = 1024 * 1024
PASSWORD = "benchmark password"

CREDENTIAL = """\
id: bench-credential
title: Benchmark credential
competency: Stands in for a real competency.
rubric:
  criteria:
    - id: c1
      title: Only criterion
      levels:
        - {id: low, label: Low, points: 1, descriptor: Not yet., meets: false}
        - {id: high, label: High, points: 2, descriptor: Meets it., meets: true}
"""


def _write_random_file(path: Path, megabytes: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as out:
        for i in range(megabytes):
            # Vary each block cheaply so the file is not one repeated megabyte.
            out.write(i.to_bytes(8, "little") + block[8:])


def _seed(admin: HubAdmin, root: Path) -> tuple[str | None, str]:
    """One big artifact plus 10,000 assignments for ``bench``; returns (artifact id,
    path of the big file)."""
    admin.add_assessor("bench", PASSWORD, "Benchmark assessor")
    (root / "credential.yaml").write_text(CREDENTIAL)
    admin.import_credential(root / "credential.yaml")
    folder = root / "submission"
    folder.mkdir()
    _write_random_file(folder / "lesson.mp4", FILE_MB)
    (folder / "submission.yaml").write_text(
        "id: sub-big\ncredential: bench-credential\neducator_pseudonym: E-1\n"
        "artifacts:\n  - {file: lesson.mp4, title: Lesson}\n"
    )
    admin.import_submission(folder)
    admin.assign("sub-big", "bench")
    now = datetime.now(UTC)
    with admin.db.write() as session:
        user_id = session.scalar(select(User.id).where(User.username == "bench"))
        for n in range(ASSIGNMENTS - 1):
            submission_id = f"sub-{n:05d}"
            session.add(
                SubmissionRow(
                    id=submission_id,
                    credential_id="bench-credential",
                    credential_version=1,
                    attempt=1,
                    educator_pseudonym=f"E-{n:05d}",
                    change_note="",
                    previous_attempts=[],
                    created_at=now,
                )
            )
            session.add(
                AssignmentRow(
                    id=f"asg-{secrets.token_hex(8)}",
                    submission_id=submission_id,
                    user_id=user_id,
                    kind="production",
                    status="assigned",
                    version=1,
                    assigned_at=now,
                    due_at=None,
                    change_seq=next_change_seq(session),
                )
            )
    with admin.db.read() as session:
        artifact_id = session.scalar(
            select(ArtifactRow.id).where(ArtifactRow.submission_id == "sub-big")
        )
    return artifact_id, str(folder / "lesson.mp4")


def _disk_read_mbps(path: str) -> float:
    started = time.perf_counter()
    total = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            total += len(chunk)
    return total / (time.perf_counter() - started) / 1e6


def _download_mbps(client: httpx.Client, artifact_id: str) -> float:
    started = time.perf_counter()
    total = 0
    with client.stream("GET", f"/api/v1/artifacts/{artifact_id}/content") as response:
        response.raise_for_status()
        for chunk in response.iter_raw(CHUNK):
            total += len(chunk)
    elapsed = time.perf_counter() - started
    if total != FILE_MB * CHUNK:
        raise RuntimeError(f"downloaded {total} bytes, expected {FILE_MB * CHUNK}")
    return total / elapsed / 1e6


def _page_latencies(client: httpx.Client) -> list[float]:
    samples: list[float] = []
    for _ in range(DRAINS):
        since: str | None = None
        seen = 0
        while True:
            params: dict[str, str | int] = {"limit": PAGE}
            if since is not None:
                params["since"] = since
            started = time.perf_counter()
            page = client.get("/api/v1/assignments", params=params).json()
            samples.append((time.perf_counter() - started) * 1000)
            seen += len(page["items"])
            since = page["cursor"]
            if not page["has_more"]:
                break
        if seen != ASSIGNMENTS:
            raise RuntimeError(f"paged through {seen} assignments, expected {ASSIGNMENTS}")
    return samples


def run() -> list[Result]:
    root = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        data_dir = root / "hub"
        with HubAdmin(HubSettings.from_data_dir(data_dir)) as admin:
            artifact_id, big_file = _seed(admin, root)
        port = free_port()
        process = start_hub(data_dir, port)
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            # Best of three for each, alternating, so both see the same warm page cache.
            disk, hub = [], []
            for _ in range(3):
                disk.append(_disk_read_mbps(big_file))
                hub.append(_download_mbps(client, artifact_id))
            latencies = _page_latencies(client)
        disk_best, hub_best = max(disk), max(hub)
        quantiles = statistics.quantiles(latencies, n=100)
        label = f"{ASSIGNMENTS:,} assignments, limit {PAGE}"
        return [
            Result(
                f"hub artifact download ({FILE_MB} MB, loopback)",
                hub_best,
                "MB/s",
                compared_to="disk read of the same file",
                ratio=hub_best / disk_best,
            ),
            Result("disk read of the same file", disk_best, "MB/s"),
            Result(f"/assignments page latency p50 ({label})", quantiles[49], "ms"),
            Result(f"/assignments page latency p99 ({label})", quantiles[98], "ms"),
        ]
    finally:
        if process is not None:
            process.terminate()
            process.wait(15)
        shutil.rmtree(root, ignore_errors=True)
