"""Load benchmark: many assessors at once against the hub, with Locust.

``python -m benchmarks load --users 500 --spawn-rate 5 --seconds 120`` seeds that many
accounts (each with ``ASSIGNMENTS_PER_USER`` assignments whose submission has one piece
of evidence), starts the hub, and lets Locust (headless, ``benchmarks/locustfile.py``)
play the assessors: they start ``--spawn-rate`` per second (the ramp: each one's first
sync fetches its whole queue), then all of them go on for ``--seconds`` more: sign in,
assignment delta, manifests, evidence, decision uploads, calibration polling. It prints,
per call, requests per second, p50/p95/p99 and errors, for the whole run and for the part
after the ramp (once every assessor has started).

Configurations measured, one after the other:

- the deployed topology (``benchmarks/topology.py``): nginx in front of two hub
  processes on PostgreSQL, artifacts in an S3 server (moto's), evidence by redirect;
- one hub process on SQLite with its artifacts on local disk (evidence streamed by it),
  for comparison;
- the hub's CPU seconds per GB of evidence delivered from object storage, by presigned
  redirect and by ``--serve-artifacts proxy``, read from ``/proc`` before and after
  downloading the same file several times (and checking its sha256).

Locust runs on the same machine as the hub and takes CPU from it; its latencies include
its own scheduling delays. The output names the core count and the load average before
each run and the CPU the hub processes and Locust used during it, since other work on
the machine moves every figure.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    SubmissionRow,
    Token,
    User,
    next_change_seq,
)
from assessor_app.hub.security import hash_password, new_token, token_digest
from assessor_app.hub.storage import S3Location
from benchmarks.hub_process import free_port, start_hub
from benchmarks.result import Result
from benchmarks.servers import create_bucket, moto_credentials, running_moto

DEFAULT_USERS = 500
# Measured after every assessor has started.
DEFAULT_SECONDS = 120.0
# A week's queue of an assessor who scores 5-20 submissions a week.
ASSIGNMENTS_PER_USER = 4
EVIDENCE_BYTES = 256 * 1024
# Assessors starting per second: each one's first sync fetches its whole queue (manifests
# and evidence), the morning's sync. 500 assessors start within 100 s, where a real
# programme's start over an hour or more.
DEFAULT_SPAWN_RATE = 5.0
# Seconds each simulated assessor pauses between actions (see locustfile.py).
THINK_SECONDS = (5.0, 15.0)
USERNAME_PREFIX = "load"
PASSWORD = "load benchmark password"
CPU_FILE_MB = 64
CPU_DOWNLOADS = 8
CHUNK = 1024 * 1024
LOCUSTFILE = Path(__file__).with_name("locustfile.py")

CREDENTIAL = """\
id: load-credential
title: Load credential
competency: Stands in for a real competency.
rubric:
  criteria:
    - id: c1
      title: Only criterion
      levels:
        - {id: low, label: Low, points: 1, descriptor: Not yet., meets: false}
        - {id: high, label: High, points: 2, descriptor: Meets it., meets: true}
"""

# The calls the goal is set for (p99 under 250 ms, no errors).
GOAL_CALLS = ("/assignments (delta)", "decision upload")
GOAL_P99_MS = 250.0


@dataclass(frozen=True)
class CallStats:
    """One call's figures over a part of the run; times in milliseconds."""

    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class LoadRun:
    """One configuration's run: the per-call figures and the CPU the hub processes and
    Locust used meanwhile; ``machine`` is the core count and load before it."""

    label: str
    calls: list[CallStats]
    steady: list[CallStats]
    """The requests that started once every assessor had started (and its first sync
    was under way): the routine load without the morning's ramp."""
    ramp_seconds: float
    hub_cpu_seconds: float
    locust_cpu_seconds: float
    machine: str


def machine_words() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} (1 min) {five:.2f} (5 min)"


def _import_submission(admin: HubAdmin, root: Path, name: str, content_bytes: int) -> str:
    folder = root / name
    folder.mkdir()
    with open(folder / "lesson.mp4", "wb") as out:
        block = os.urandom(CHUNK)
        for i in range(0, content_bytes, CHUNK):
            out.write((i.to_bytes(8, "little") + block[8:])[: content_bytes - i])
    (folder / "submission.yaml").write_text(
        f"id: {name}\ncredential: load-credential\neducator_pseudonym: E-0\n"
        "artifacts:\n  - {file: lesson.mp4, title: Lesson}\n"
    )
    return admin.import_submission(folder)


def seed(admin: HubAdmin, root: Path, users: int, evidence_bytes: int) -> list[str]:
    """In ``root`` (made here): ``users`` accounts ``load0000``… with the same password, each with
    ``ASSIGNMENTS_PER_USER`` assignments; every submission's one artifact is the same
    stored blob (the storage is content-addressed), imported once. Returns a valid
    access token per account, in order: the desktop app keeps its token for the day, so
    an assessor's sync starts signed in."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "credential.yaml").write_text(CREDENTIAL)
    admin.import_credential(root / "credential.yaml")
    template_id = _import_submission(admin, root, "sub-template", evidence_bytes)
    # One scrypt hash for all: hashing 500 passwords would take half a minute.
    password_hash = hash_password(PASSWORD)
    now = datetime.now(UTC)
    with admin.db.write() as session:
        template = session.query(ArtifactRow).filter_by(submission_id=template_id).one()
        accounts = [
            User(
                username=f"{USERNAME_PREFIX}{n:04d}",
                display_name=f"Load assessor {n}",
                roles=["assessor"],
                password_hash=password_hash,
                is_demo=False,
                created_at=now,
            )
            for n in range(users)
        ]
        session.add_all(accounts)
        session.flush()
        tokens = [new_token() for _ in accounts]
        session.add_all(
            Token(
                token_hash=token_digest(token),
                user_id=account.id,
                created_at=now,
                expires_at=now + admin.settings.token_ttl,
            )
            for account, token in zip(accounts, tokens, strict=True)
        )
        slots = [(a.id, k) for a in accounts for k in range(ASSIGNMENTS_PER_USER)]
        # Parents flushed first: the rows have no relationship() to order the inserts by.
        session.add_all(
            SubmissionRow(
                id=f"sub-{user_id}-{k}",
                credential_id="load-credential",
                credential_version=1,
                attempt=1,
                educator_pseudonym=f"E-{user_id}-{k}",
                change_note="",
                previous_attempts=[],
                created_at=now,
            )
            for user_id, k in slots
        )
        session.flush()
        session.add_all(
            ArtifactRow(
                id=f"art-{user_id}-{k}",
                submission_id=f"sub-{user_id}-{k}",
                position=0,
                filename=template.filename,
                title=template.title,
                media_type=template.media_type,
                size=template.size,
                sha256=template.sha256,
            )
            for user_id, k in slots
        )
        session.flush()
        for user_id, k in slots:
            session.add(
                AssignmentRow(
                    id=f"asg-{user_id}-{k}",
                    submission_id=f"sub-{user_id}-{k}",
                    user_id=user_id,
                    kind="production",
                    status="assigned",
                    version=1,
                    assigned_at=now,
                    due_at=None,
                    change_seq=next_change_seq(session),
                )
            )
    return tokens


@dataclass(frozen=True)
class Sample:
    """One request as Locust saw it: when it started (epoch seconds), the call, its
    response time in milliseconds, and why it failed ("" when it did not)."""

    started: float
    name: str
    milliseconds: float
    failure: str


def percentile(values: list[float], share: float) -> float:
    """The smallest value that ``share`` of ``values`` are at most (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def call_stats(name: str, samples: list[Sample], duration: float) -> CallStats:
    times = [s.milliseconds for s in samples]
    return CallStats(
        name=name,
        requests=len(samples),
        failures=sum(1 for s in samples if s.failure),
        per_second=len(samples) / duration if duration > 0 else 0.0,
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
    )


def summarize(samples: list[Sample], start: float, end: float) -> list[CallStats]:
    """Per call, then all calls, for the requests that started in [start, end)."""
    window = [s for s in samples if start <= s.started < end]
    names = sorted({s.name for s in window})
    calls = [call_stats(n, [s for s in window if s.name == n], end - start) for n in names]
    return [*calls, call_stats("all calls", window, end - start)]


@dataclass(frozen=True)
class Pace:
    """How the simulated assessors arrive and act: ``spawn_rate`` start per second, then
    all of them act for ``seconds`` more, pausing ``think`` seconds between actions."""

    seconds: float = DEFAULT_SECONDS
    spawn_rate: float = DEFAULT_SPAWN_RATE
    think: tuple[float, float] = THINK_SECONDS

    def ramp_seconds(self, users: int) -> float:
        return users / self.spawn_rate

    def run_seconds(self, users: int) -> float:
        return self.ramp_seconds(users) + self.seconds


def run_locust(base_url: str, tokens: list[str], pace: Pace, workdir: Path) -> list[Sample]:
    """Locust against ``base_url`` at ``pace``, one simulated assessor per token; every
    request it made. Raises if Locust itself fails (not if requests fail: those are
    counted)."""
    users = len(tokens)
    think = pace.think
    seconds = pace.run_seconds(users)
    tokens_file = workdir / "tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    tokens_file.chmod(0o600)
    environment = {
        **os.environ,
        "LOAD_TOKENS_FILE": str(tokens_file),
        "LOAD_SAMPLES_FILE": str(workdir / "samples.csv"),
        "LOAD_THINK": f"{think[0]},{think[1]}",
        "LOAD_USERNAME_PREFIX": USERNAME_PREFIX,
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_CRITERION": "c1",
        "LOAD_LEVEL": "high",
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", f"{pace.spawn_rate:.2f}",
        "--run-time", f"{max(1, round(seconds))}s", "--stop-timeout", "10",
        "--host", base_url, "--only-summary", "--loglevel", "ERROR",
    ]  # fmt: skip
    finished = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=seconds + 120
    )
    samples_file = workdir / "samples.csv"
    # Locust exits with 1 when any request failed; that is a result, not a crash.
    if finished.returncode not in (0, 1) or not samples_file.exists():
        raise RuntimeError(f"locust failed ({finished.returncode}): {finished.stderr[-2000:]}")
    with open(samples_file, newline="") as handle:
        samples = [
            Sample(float(started), name, float(milliseconds), failure)
            for started, name, milliseconds, failure in csv.reader(handle)
        ]
    if not samples:
        raise RuntimeError("locust made no requests")
    for failure in sorted({f"{s.name}: {s.failure}" for s in samples if s.failure}):
        print(f"  failed: {failure}")
    return samples


def format_calls(title: str, calls: list[CallStats]) -> str:
    rows = [("call", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")]
    rows += [
        (c.name, str(c.requests), f"{c.per_second:.1f}", f"{c.p50:.0f}", f"{c.p95:.0f}",
         f"{c.p99:.0f}", str(c.failures))
        for c in calls
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [title]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def goal_verdict(calls: list[CallStats]) -> str:
    """ "met", "NOT met", or which goal call was not made at all (a short run)."""
    by_name = {c.name: c for c in calls}
    missing = [name for name in GOAL_CALLS if name not in by_name]
    if by_name["all calls"].failures == 0 and missing:
        return f"not measured (no {' and no '.join(missing)})"
    met = by_name["all calls"].failures == 0 and all(
        by_name[name].p99 < GOAL_P99_MS for name in GOAL_CALLS
    )
    return "met" if met else "NOT met"


def results_of(run: LoadRun) -> list[Result]:
    """The figures of one configuration that go into the benchmark table."""
    results: list[Result] = []
    for part, calls in (("", run.calls), (" after the ramp", run.steady)):
        by_name = {c.name: c for c in calls}
        total = by_name["all calls"]
        label = f"load {run.label}{part}"
        results += [
            Result(f"{label}: all calls", total.per_second, "req/s"),
            Result(f"{label}: errors", float(total.failures), "requests"),
        ]
        for name in GOAL_CALLS:
            if name in by_name:
                call = by_name[name]
                results += [
                    Result(f"{label}: {name} p{n}", value, "ms")
                    for n, value in ((50, call.p50), (95, call.p95), (99, call.p99))
                ]
    return [
        *results,
        Result(f"load {run.label}: hub CPU during the run", run.hub_cpu_seconds, "CPU s"),
        Result(f"load {run.label}: Locust CPU during the run", run.locust_cpu_seconds, "CPU s"),
    ]


def report(run: LoadRun) -> str:
    """The printed summary of one run: the per-call tables (whole run, and after the
    ramp), what the machine was doing, and whether the goal was met."""
    goal = f"p99 under {GOAL_P99_MS:.0f} ms for {' and '.join(GOAL_CALLS)}, 0 errors"
    return "\n".join([
        format_calls(f"\n{run.label}: the whole run", run.calls),
        format_calls(
            f"\n{run.label}: after the ramp (its first {run.ramp_seconds:.0f} s left out)",
            run.steady,
        ),
        f"machine before the run: {run.machine}",
        f"CPU used meanwhile: hub processes {run.hub_cpu_seconds:.1f} s, "
        f"Locust {run.locust_cpu_seconds:.1f} s",
        f"goal ({goal}): {goal_verdict(run.calls)} over the whole run, "
        f"{goal_verdict(run.steady)} after the ramp",
    ])  # fmt: skip


def _children(pid: int) -> list[int]:
    try:
        return [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except FileNotFoundError:
        return []  # it has ended


def _own_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and of its live descendants (hub workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        total += _own_cpu_seconds(current)
        pending += _children(current)
    return total


def _is_hub(pid: int) -> bool:
    try:
        return b"assessor_app.hub.cli" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False


def hub_cpu_seconds() -> float:
    """CPU time of every hub process this benchmark has started and that still runs,
    their worker processes included (counted once: a forked worker has its parent's
    command line)."""
    total, pending = 0.0, _children(os.getpid())
    while pending:
        current = pending.pop()
        if _is_hub(current):
            total += process_cpu_seconds(current)
        else:
            pending += _children(current)
    return total


@contextmanager
def _hub(data_dir: Path, *extra: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = start_hub(data_dir, port, extra)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(15)


def measured_run(
    label: str, base_url: str, tokens: list[str], pace: Pace, workdir: Path
) -> LoadRun:
    """``run_locust`` with the CPU time the hub processes and Locust used during it."""
    workdir.mkdir(parents=True, exist_ok=True)
    machine = machine_words()
    ramp = pace.ramp_seconds(len(tokens))
    print(
        f"  {label}: {len(tokens)} assessors starting {pace.spawn_rate:g} per second "
        f"(over {ramp:.0f} s), then {pace.seconds:.0f} s more ({machine})",
        flush=True,
    )
    hub_before = hub_cpu_seconds()
    locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    samples = run_locust(base_url, tokens, pace, workdir)
    locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = min(s.started for s in samples)
    end = max(s.started + s.milliseconds / 1000 for s in samples)
    return LoadRun(
        label=label,
        calls=summarize(samples, start, end),
        steady=summarize(samples, start + ramp, end),
        ramp_seconds=ramp,
        hub_cpu_seconds=hub_cpu_seconds() - hub_before,
        locust_cpu_seconds=locust_after.ru_utime
        + locust_after.ru_stime
        - locust_before.ru_utime
        - locust_before.ru_stime,
        machine=machine,
    )


def sqlite_single_worker(root: Path, users: int, pace: Pace) -> LoadRun:
    """One ``assessor-hub serve`` process on SQLite, artifacts on local disk."""
    data_dir = root / "sqlite-hub"
    with HubAdmin(HubSettings.from_data_dir(data_dir)) as admin:
        tokens = seed(admin, root / "sqlite-seed", users, EVIDENCE_BYTES)
    with _hub(data_dir) as (base_url, _):
        label = f"1 hub, SQLite, local disk, {users} users"
        return measured_run(label, base_url, tokens, pace, root / "sqlite")


def deployed_topology(root: Path, users: int, pace: Pace) -> LoadRun:
    """nginx in front of two hub processes on PostgreSQL, artifacts in S3 (redirects)."""
    # Imported here: the topology needs PostgreSQL and nginx, the SQLite run does not.
    from benchmarks.topology import Topology

    with Topology(workers=2) as running:
        with running.admin() as admin:
            tokens = seed(admin, root / "topology-seed", users, EVIDENCE_BYTES)
        label = f"nginx + 2 hubs, PostgreSQL, S3, {users} users"
        return measured_run(label, running.base_url, tokens, pace, root / "topology")


def _deliver(base_url: str, token: str, artifact_id: str, expected: str) -> int:
    """One download of the artifact as the client does it: from the hub, or from where
    the hub redirects to (without the token). Returns the bytes received, checked."""
    digest = hashlib.sha256()
    url = f"{base_url}/api/v1/artifacts/{artifact_id}/content"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=120) as client:
        first = client.get(url, headers=headers)
        if first.status_code == 307:
            url, headers = first.headers["Location"], {}
        elif first.status_code != 200:
            raise RuntimeError(f"the hub answered {first.status_code}")
        total = 0
        with client.stream("GET", url, headers=headers) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(CHUNK):
                digest.update(chunk)
                total += len(chunk)
    if digest.hexdigest() != expected:
        raise RuntimeError("the delivered evidence differs from the stored file")
    return total


def cpu_per_gigabyte(root: Path) -> dict[str, float]:
    """Hub CPU seconds per GB delivered from S3 storage, per ``--serve-artifacts`` mode."""
    with moto_credentials(), running_moto() as s3_server:
        endpoint = s3_server.endpoint
        bucket = "load-evidence"
        create_bucket(endpoint, bucket)
        storage = f"s3://{bucket}/evidence"
        data_dir = root / "s3-hub"
        settings = HubSettings.from_data_dir(
            data_dir, object_store=S3Location.parse(storage), s3_endpoint=endpoint
        )
        with HubAdmin(settings) as admin:
            token = seed(admin, root / "s3-seed", 1, CPU_FILE_MB * CHUNK)[0]
            with admin.db.read() as session:
                artifact = session.query(ArtifactRow).filter_by(id="art-1-0").one()
                artifact_id, sha256 = artifact.id, artifact.sha256
        figures: dict[str, float] = {}
        for mode in ("redirect", "proxy"):
            extra = ("--storage", storage, "--s3-endpoint", endpoint, "--serve-artifacts", mode)
            with _hub(data_dir, *extra) as (base_url, pid):
                _deliver(base_url, token, artifact_id, sha256)  # warm both up
                before = process_cpu_seconds(pid)
                delivered = sum(
                    _deliver(base_url, token, artifact_id, sha256) for _ in range(CPU_DOWNLOADS)
                )
                figures[mode] = (process_cpu_seconds(pid) - before) / (delivered / 1e9)
        return figures


def run(
    users: int = DEFAULT_USERS,
    seconds: float = DEFAULT_SECONDS,
    spawn_rate: float = DEFAULT_SPAWN_RATE,
) -> list[Result]:
    pace = Pace(seconds=seconds, spawn_rate=spawn_rate)
    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        results = [Result("machine: CPU cores", float(os.cpu_count() or 0), "cores")]
        for configuration in (deployed_topology, sqlite_single_worker):
            load_run = configuration(root, users, pace)
            print(report(load_run), flush=True)
            results += results_of(load_run)
        print("  hub CPU per GB of evidence from S3 storage: redirect, then proxy", flush=True)
        cpu = cpu_per_gigabyte(root)
        results += [
            Result("hub CPU per GB of evidence, presigned redirect", cpu["redirect"], "CPU s/GB",
                   compared_to="proxied through the hub", ratio=cpu["redirect"] / cpu["proxy"]),
            Result("hub CPU per GB of evidence, proxied through the hub", cpu["proxy"],
                   "CPU s/GB"),
        ]  # fmt: skip
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)
