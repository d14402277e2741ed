"""Sync throughput against curl, over loopback, in the same run from the same hub.

The hub (``assessor-hub serve``, its own process) holds 20 submissions, each a 50 MB
binary (random bytes, served as application/octet-stream) and 4 small files. The sync
engine runs in a child process with verification and encryption on: delta, manifests,
then 4 parallel resumable downloads into the encrypted vault, each verified by sha256
before it is published. curl then fetches the same artifact URLs with the same bearer
token and the same parallelism (``--parallel --parallel-max 4``), writing to /dev/null.
Figures: the sync's throughput, its ratio to curl's (goal >= 0.9), the same for the
download phase alone (the run also fetches the delta and 20 manifests and records states),
and the sync child's own peak resident memory (VmHWM, which an exec starts afresh:
ru_maxrss would also count the benchmark process the child was forked from, and
RUSAGE_CHILDREN the largest child of the whole run). The CPU seconds per GB of the sync
child, of curl, and of the hub while serving each of them show what bounds the ratio: all
three processes share the machine's cores.

Two more rows put the ratio in context. **curl writing files** fetches the same artifacts
into files on the same disk as the vault (a sync must store what it fetches; /dev/null
does not). **Hash-only client** runs the sync's own HTTP download code, 4-way, into a
sink that only computes the sha256 (no encryption, no disk, no database): the most a
verifying client can reach on this machine, so a ratio near it means the rest of the
sync costs little.

**Ctrl+C to exit** runs ``assessor sync`` (the command line, its own process, through the
fault proxy of the tests) and sends SIGINT while every artifact body trickles in at
1 byte/s, and while the hub's ``Retry-After: 100`` is being waited out; the figure is the
slowest of ``CANCEL_RUNS`` from the signal to the process's exit (goal: under 1 s).
Everything is made in a temporary folder and removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from benchmarks.hub_process import free_port, start_hub
from benchmarks.result import Result

SUBMISSIONS = 20
VIDEO_BYTES = 50 * 1000 * 1000
SMALL_FILES = 4
PARALLEL = 4
USER = "bench"
PASSWORD = "bench-password"
PASSPHRASE = "bench-passphrase"
CANCEL_RUNS = 3
RUBRIC = (
    Path(__file__).resolve().parents[1] / "resources" / "rubrics" / "wait-time-questioning.yaml"
)


def _seed(hub_dir: Path, work: Path) -> tuple[list[str], int]:
    """Create the account and the submissions; returns artifact ids and total bytes."""
    from assessor_app.hub.admin import HubAdmin
    from assessor_app.hub.config import HubSettings
    from assessor_app.hub.db import ArtifactRow

    with HubAdmin(HubSettings.from_data_dir(hub_dir)) as admin:
        admin.add_assessor(USER, PASSWORD)
        credential = admin.import_credential(RUBRIC)
        for i in range(SUBMISSIONS):
            folder = work / f"sub-{i}"
            folder.mkdir()
            with open(folder / "video.bin", "wb") as f:
                for _ in range(VIDEO_BYTES // (10 * 1000 * 1000)):
                    f.write(os.urandom(10 * 1000 * 1000))
            lines = [
                f"credential: {credential}",
                "attempt: 1",
                f"educator_pseudonym: E-{i:04d}",
                "artifacts:",
                "  - {file: video.bin, title: Lesson video, media_type: application/octet-stream}",
            ]
            for k in range(SMALL_FILES):
                (folder / f"note-{k}.txt").write_text(f"submission {i} note {k}\n" * 200)
                lines.append(f"  - {{file: note-{k}.txt, title: Note {k}}}")
            (folder / "submission.yaml").write_text("\n".join(lines) + "\n")
            admin.assign(admin.import_submission(folder), USER)
            shutil.rmtree(folder)  # the hub has its own copy
        with admin.db.read() as session:
            rows = session.execute(select(ArtifactRow.id, ArtifactRow.size)).all()
    return [r.id for r in rows], sum(r.size for r in rows)


def _process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a running process has used (Linux /proc; else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kib() -> int:
    """This process's peak resident memory in KiB: VmHWM (Linux), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(config_path: str) -> int:
    """Run one sync (in this child process) and print seconds (whole run and download
    phase), bytes, CPU seconds and peak memory."""
    from assessor_app.store import open_store
    from assessor_app.store.vault import Vault
    from assessor_app.sync.client import HubClient
    from assessor_app.sync.engine import SyncEngine
    from assessor_app.sync.progress import SyncPhase, SyncProgress

    config = json.loads(Path(config_path).read_text())
    store = open_store(Path(config["db"]))
    vault = Vault(Path(config["vault"]), os.urandom(32))

    def client() -> HubClient:
        return HubClient(config["url"], config["token"])

    phases: dict[SyncPhase, float] = {}

    def on_progress(progress: SyncProgress) -> None:
        phases.setdefault(progress.phase, time.perf_counter())

    main_client = client()
    engine = SyncEngine(
        store,
        vault,
        main_client,
        client_factory=client,
        parallel_downloads=PARALLEL,
        progress=on_progress,
    )
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    report = engine.run(up=False)
    end = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_SELF)
    main_client.close()
    store.close()
    downloads_start = phases[SyncPhase.DOWNLOADS]
    downloads_end = min((t for t in phases.values() if t > downloads_start), default=end)
    out = {
        "seconds": end - start,
        "download_seconds": downloads_end - downloads_start,
        "bytes": report.bytes_downloaded,
        "ok": report.ok,
        "problems": report.problems,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "kernel_seconds": after.ru_stime - before.ru_stime,
        "peak_kib": _peak_kib(),
    }
    print(json.dumps(out))
    return 0


class _HashSink:
    """Computes the sha256 of what it is given, and keeps nothing."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def write(self, data: memoryview) -> int:
        self.hash.update(data)
        return len(data)

    def restart(self) -> None:
        self.hash = hashlib.sha256()


def _hash_only(config_path: str) -> int:
    """Fetch every artifact with the sync's HTTP client, ``PARALLEL`` at a time, into a
    hashing sink (in this child process); print seconds and bytes."""
    from assessor_app.sync.client import HubClient

    config = json.loads(Path(config_path).read_text())

    def fetch(artifact_id: str) -> int:
        with HubClient(config["url"], config["token"]) as client:
            return client.download_artifact(artifact_id, _HashSink()).received

    start = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        received = sum(pool.map(fetch, config["artifacts"]))
    print(json.dumps({"seconds": time.perf_counter() - start, "bytes": received}))
    return 0


def _run_child(mode: str, config: Path) -> dict[str, Any]:
    """Run this module in a child process (``--child`` or ``--hash-only``); its JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_sync", mode, str(config)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _curl(
    base: str, token: str, artifact_ids: list[str], work: Path, *, to_files: bool = False
) -> tuple[float, float]:
    """Seconds and CPU seconds of curl fetching every artifact, to /dev/null or (with
    ``to_files``) into files beside the vault, removed afterwards."""
    config = work / "curl.cfg"
    header = work / "curl-headers"
    header.write_text(f"Authorization: Bearer {token}\n")
    folder = work / "curl-files"
    folder.mkdir(exist_ok=True)
    config.write_text(
        "".join(
            f'url = "{base}/api/v1/artifacts/{a}/content"\n'
            f'output = "{folder / a if to_files else "/dev/null"}"\n'
            for a in artifact_ids
        )
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            "curl",
            "--silent",
            "--no-progress-meter",
            "--fail",
            "--parallel",
            "--parallel-max",
            str(PARALLEL),
            "--header",
            f"@{header}",
            "--config",
            str(config),
        ],
        check=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    shutil.rmtree(folder)
    return seconds, cpu


def _started(home: Path, args: tuple[str, ...], stdin: str) -> subprocess.Popen[str]:
    """``assessor ARGS`` with its own data folder, ``stdin`` written to it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assessor_app.cli.main", *args],
        env={**os.environ, "ASSESSOR_HOME": str(home)},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    return process


def _seconds_to_exit(base: str, work: Path, fault: str) -> float:
    """The slowest of CANCEL_RUNS: SIGINT to ``assessor sync`` while ``fault`` ("trickle"
    or "retry-after") holds it, until the process has exited (code 130)."""
    from tests.support.fault_proxy import FaultProxy

    slowest = 0.0
    with FaultProxy(base) as proxy:
        for run_index in range(CANCEL_RUNS):
            home = work / f"cli-{fault}-{run_index}"
            login = _started(
                home,
                ("login", proxy.url, "--user", USER, "--password-stdin",
                 "--secret-store", "passphrase-file", "--passphrase-stdin"),
                f"{PASSWORD}\n{PASSPHRASE}\n",
            )  # fmt: skip
            if login.wait(60) != 0:
                raise RuntimeError(f"assessor login exited {login.returncode}")
            proxy.clear()
            waited_for = "/content" if fault == "trickle" else "/assignments"
            if fault == "trickle":
                proxy.trickle(1, after=100_000, path="/content")
            else:
                proxy.fail(503, retry_after="100", path="/assignments", times=None)
            seen = len(proxy.requests(path=waited_for))
            sync = _started(home, ("sync", "--passphrase-stdin"), f"{PASSPHRASE}\n")
            deadline = time.monotonic() + 120
            while len(proxy.requests(path=waited_for)) <= seen:
                if time.monotonic() > deadline or sync.poll() is not None:
                    sync.kill()
                    raise RuntimeError(f"assessor sync never reached {waited_for}")
                time.sleep(0.01)
            time.sleep(1.0)  # well inside the trickle or the wait
            sent = time.perf_counter()
            sync.send_signal(signal.SIGINT)
            code = sync.wait(60)
            slowest = max(slowest, time.perf_counter() - sent)
            if code != 130:
                raise RuntimeError(f"assessor sync exited {code} after Ctrl+C, not 130")
            proxy.clear()
    return slowest


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        hub_dir = work / "hub"
        artifact_ids, total = _seed(hub_dir, work)
        port = free_port()
        hub = start_hub(hub_dir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(
                f"{base}/api/v1/auth/token",
                json={"username": USER, "password": PASSWORD},
                timeout=30,
            ).json()["access_token"]
            config = work / "child.json"
            config.write_text(
                json.dumps(
                    {
                        "db": str(work / "client" / "profile.sqlite3"),
                        "vault": str(work / "client" / "evidence"),
                        "url": base,
                        "token": token,
                        "artifacts": artifact_ids,
                    }
                )
            )
            hub_before = _process_cpu_seconds(hub.pid)
            sync = _run_child("--child", config)
            hub_sync = _process_cpu_seconds(hub.pid)
            if not sync["ok"] or sync["bytes"] != total:
                raise RuntimeError(f"the sync did not complete: {sync['problems']}")
            curl_seconds, curl_cpu = _curl(base, token, artifact_ids, work)
            hub_curl = _process_cpu_seconds(hub.pid)
            files_seconds, _cpu = _curl(base, token, artifact_ids, work, to_files=True)
            hashed = _run_child("--hash-only", config)
            if hashed["bytes"] != total:
                raise RuntimeError("the hash-only client did not fetch every byte")
            cancel_trickle = _seconds_to_exit(base, work, "trickle")
            cancel_retry = _seconds_to_exit(base, work, "retry-after")
        finally:
            hub.terminate()
            hub.wait(30)
    mb = total / 1e6
    gb = total / 1e9
    sync_rate = mb / sync["seconds"]
    phase_rate = mb / sync["download_seconds"]
    curl_rate = mb / curl_seconds
    label = f"{SUBMISSIONS} x ({VIDEO_BYTES // 1_000_000} MB + {SMALL_FILES} small), {PARALLEL}-way"
    results = [
        Result(
            f"sync throughput, {label}", sync_rate, "MB/s", "curl, same hub", sync_rate / curl_rate
        ),
        Result(
            "sync throughput (same run)",
            sync_rate,
            "MB/s",
            "curl writing files",
            sync_rate * files_seconds / mb,
        ),
        Result(
            "sync download phase alone",
            phase_rate,
            "MB/s",
            "curl, same hub",
            phase_rate / curl_rate,
        ),
        Result("curl throughput, same artifacts", curl_rate, "MB/s"),
        Result(
            "curl writing files beside the vault",
            mb / files_seconds,
            "MB/s",
            "curl, /dev/null",
            curl_seconds / files_seconds,
        ),
        Result(
            "hash-only client (the sync's HTTP code + sha256, no vault, no database)",
            mb / hashed["seconds"],
            "MB/s",
            "curl, same hub",
            curl_seconds / hashed["seconds"],
        ),
        Result("sync peak memory (the sync child alone, VmHWM)", sync["peak_kib"] / 1024, "MiB"),
        Result("sync child CPU (sha256 + AES-GCM + disk)", sync["cpu_seconds"] / gb, "s/GB"),
        Result(
            "  of which in the kernel (socket, page cache, fsync)",
            sync["kernel_seconds"] / gb,
            "s/GB",
        ),
        Result("curl CPU (to /dev/null)", curl_cpu / gb, "s/GB"),
        Result(
            f"Ctrl+C to exit, body trickling at 1 byte/s (slowest of {CANCEL_RUNS})",
            cancel_trickle,
            "s",
        ),
        Result(
            f"Ctrl+C to exit, waiting out Retry-After: 100 (slowest of {CANCEL_RUNS})",
            cancel_retry,
            "s",
        ),
    ]
    if hub_before is not None and hub_sync is not None and hub_curl is not None:
        results += [
            Result("hub CPU while serving the sync", (hub_sync - hub_before) / gb, "s/GB"),
            Result("hub CPU while serving curl", (hub_curl - hub_sync) / gb, "s/GB"),
        ]
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(_child(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == "--hash-only":
        sys.exit(_hash_only(sys.argv[2]))
    for result in run():
        print(result)
