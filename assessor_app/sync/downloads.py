"""Evidence downloads: parallel, resumable, verified, and careful with the disk.

Each distinct sha256 is fetched once (two artifacts with the same content share one vault
file) by a pool of worker threads, each with its own ``HubClient``. A download continues
from the vault's ``.part`` state with ``Range`` + ``If-Range`` (the sha256), and the vault
writer checks the sha256 before it publishes anything, so unverified bytes never become
evidence. A mismatch starts again from byte 0, a bounded number of times, and is then
reported; so does a body of another size than the manifest's (the client never writes
past that size). When the hub cannot serve an artifact's id (404, a server error, a
malformed answer), another artifact id with the same sha256 is tried before the
download is given up: the bytes are the same, whichever id carries them. A download that
stalls (under the stall rule's floor for a whole window) is put aside with what it has,
and resumed from there once the others are done, a bounded number of times. Before each
download the free space under the vault is checked for what the download will need; a
full disk stops further downloads with a clear message, and every partial download
stays where it is for the next sync.

Download states and audit entries are written by one recorder thread, in the order the
workers report them: each is a durable (fsynced) commit, and SQLite admits one writer at
a time and makes the others poll with growing sleeps, so workers that wrote themselves
spent most of a fast sync waiting for the database instead of the network. When commits
fall behind, a state that a later write of the same download replaces (``downloading``,
once the file is verified) is skipped: the final rows are the same, with fewer commits.
Likewise a worker verifies a download and moves on; publishing the verified file (fsync,
rename, fsync of its folder) runs on a publisher thread, so the network is not idle while
the disk catches up.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from assessor_app.store import AuditAction, DownloadState, Store
from assessor_app.store.disk import free_bytes, is_disk_full, mb, safety_margin
from assessor_app.store.repositories import ArtifactDownload
from assessor_app.store.vault import TAG_SIZE, EvidenceMismatch, Vault, VaultError, VaultWriter
from assessor_app.sync.client import HubClient, StallRule
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    HubBusy,
    HubError,
    HubHttpError,
    MalformedReply,
    NotFound,
    Stalled,
    WrongSize,
)
from assessor_app.sync.progress import CancelToken, ProgressReporter
from assessor_app.sync.trouble import trouble_words

__all__ = [
    "DownloadJob",
    "DownloadStatus",
    "Downloader",
    "JobOutcome",
    "plan_jobs",
    "record_downloaded",
]

log = logging.getLogger(__name__)

DiskFree = Callable[[Path], int]


@dataclass(frozen=True)
class DownloadJob:
    """One content to fetch: the artifacts (of one or more submissions) that have it, and
    the assignments that need them."""

    sha256: str
    size: int
    artifacts: tuple[ArtifactDownload, ...]
    needs: Mapping[str, Sequence[str]]
    """Submission id -> the assignments that need its evidence."""

    @property
    def artifact_ids(self) -> list[str]:
        """The distinct ids that serve this content, in manifest order."""
        return list(dict.fromkeys(row.artifact.id for row in self.artifacts))

    @property
    def display_name(self) -> str:
        return self.artifacts[0].artifact.display_name


class DownloadStatus(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # did not verify within the attempts, or the hub refused it
    INTERRUPTED = "interrupted"  # the hub could not be reached; resumes next time
    STALLED = "stalled"  # too slow: resumes later in this run, or next time
    CANCELLED = "cancelled"
    DISK_FULL = "disk_full"
    SIGN_IN = "sign_in"
    SKIPPED = "skipped"  # not started: the run was stopped first


@dataclass(frozen=True)
class JobOutcome:
    job: DownloadJob
    status: DownloadStatus
    received: int = 0
    message: str = ""
    error: HubError | None = None
    """The hub error that interrupted the download, if one did."""


def plan_jobs(
    store: Store, vault: Vault, needs: dict[str, list[str]]
) -> tuple[list[DownloadJob], list[ArtifactDownload]]:
    """The downloads still to do for ``needs`` (submission id -> assignment ids that need
    its evidence), grouped by sha256; and the artifacts whose content is already in the
    vault but not yet recorded as verified (an earlier run stopped in between)."""
    by_sha: dict[str, list[ArtifactDownload]] = {}
    present: list[ArtifactDownload] = []
    for submission_id in needs:
        for row in store.submissions.downloads(submission_id):
            sha = row.artifact.sha256
            in_vault = vault.has(sha)
            if row.state == DownloadState.VERIFIED and in_vault:
                continue
            if in_vault:
                present.append(row)
                continue
            by_sha.setdefault(sha, []).append(row)
    jobs = [
        DownloadJob(
            sha,
            rows[0].artifact.size,
            tuple(rows),
            {r.submission_id: needs[r.submission_id] for r in rows},
        )
        for sha, rows in by_sha.items()
    ]
    return jobs, present


class Downloader:
    """Runs download jobs on ``workers`` threads. ``client_factory`` makes one client per
    worker thread; the downloader closes them when done."""

    def __init__(
        self,
        store: Store,
        vault: Vault,
        client_factory: Callable[[], HubClient],
        *,
        workers: int,
        max_attempts: int,
        cancel: CancelToken,
        progress: ProgressReporter,
        disk_free: DiskFree = free_bytes,
        disk_margin: int | None = None,
        close_clients: bool = True,
        stall: StallRule | None = None,
        stall_resumes: int = 2,
    ) -> None:
        if workers < 1:
            raise ValueError("at least one download worker is needed")
        if max_attempts < 1:
            raise ValueError("at least one download attempt is needed")
        self._store = store
        self._vault = vault
        self._factory = client_factory
        self._workers = workers
        self._max_attempts = max_attempts
        self._cancel = cancel
        self._progress = progress
        self._disk_free = disk_free
        self._margin = safety_margin(vault.root) if disk_margin is None else disk_margin
        self._close_clients = close_clients
        self._stall = stall
        self._stall_resumes = stall_resumes
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._reserved = 0
        self._local = threading.local()
        self._clients: list[HubClient] = []
        self.outcomes: list[JobOutcome] = []
        """How each job ended, once all have: there even when ``run`` then fails to
        record the last states (a full disk)."""
        self._recorder: _Recorder | None = None
        self._publisher: ThreadPoolExecutor | None = None
        # Verified files waiting to be published each hold an open file: bound them.
        self._publish_slots = threading.BoundedSemaphore(2 * workers)

    def run(self, jobs: Iterable[DownloadJob]) -> list[JobOutcome]:
        """Download ``jobs``; when this returns, every file is published or dropped and
        every state change is in the store."""
        jobs = list(jobs)
        if not jobs:
            return []
        self._recorder = recorder = _Recorder(self._store)
        try:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="publish") as publisher:
                self._publisher = publisher
                with ThreadPoolExecutor(self._workers, thread_name_prefix="download") as pool:
                    results = list(pool.map(self._run_job, jobs))
                    for _ in range(self._stall_resumes):
                        stalled = [i for i, r in enumerate(results) if _is_stalled(r)]
                        if not stalled:
                            break
                        again = pool.map(self._run_job, [jobs[i] for i in stalled])
                        for i, outcome in zip(stalled, again, strict=True):
                            results[i] = outcome
                outcomes = [r.result() if isinstance(r, Future) else r for r in results]
                self.outcomes = outcomes
        finally:
            self._publisher = None
            try:
                recorder.close()
            finally:
                self._recorder = None
                if self._close_clients:
                    for client in self._clients:
                        client.close()
        return outcomes

    def _client(self) -> HubClient:
        client: HubClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._factory()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    # -- one job ---------------------------------------------------------------------------

    def _run_job(self, job: DownloadJob) -> JobOutcome | Future[JobOutcome]:
        if self._stop.is_set() or self._cancel.cancelled:
            return JobOutcome(job, DownloadStatus.SKIPPED)
        try:
            return self._download(job)
        except Exception as exc:
            return self._unexpected(job, exc)

    def _unexpected(self, job: DownloadJob, exc: Exception) -> JobOutcome:
        # A bug or an unexpected reply must not leave rows stuck in "downloading".
        log.exception("download of an artifact failed unexpectedly")
        self._set_state(job, DownloadState.NOT_DOWNLOADED)
        return JobOutcome(
            job,
            DownloadStatus.INTERRUPTED,
            message=f"“{job.display_name}” could not be downloaded ({type(exc).__name__}); "
            "it will be tried again on the next sync.",
        )

    def _download(self, job: DownloadJob) -> JobOutcome | Future[JobOutcome]:
        name = job.display_name
        self._progress.stalled(name, False)
        self._progress.item_started(name)
        if job.size > self._vault.chunk_size:
            # A file of one block is verified a moment later; "downloading" would only
            # cost a commit.
            self._set_state(job, DownloadState.DOWNLOADING, self._vault.partial_offset(job.sha256))
        received = 0
        mismatches = 0
        sources = job.artifact_ids
        while True:
            try:
                writer = self._vault.writer(job.sha256, resume=True)
            except OSError as exc:
                # Taking up a partial download rewrites what it recovered: that can fill
                # the disk too (the partial file stays as it was).
                if not is_disk_full(exc):
                    raise
                return self._disk_filled(job, received)
            start = writer.offset
            try:
                needed = self._reserve(job, start)
            except _DiskFull as full:
                writer.abort()
                return self._stopped(job, DownloadStatus.DISK_FULL, received, str(full))
            last = [start]

            def on_progress(offset: int, _size: int | None, last: list[int] = last) -> None:
                if offset > last[0]:
                    self._progress.add_bytes(offset - last[0], name)
                last[0] = offset

            try:
                result = self._client().download_artifact(
                    sources[0],
                    writer,
                    offset=start,
                    size=job.size,
                    if_range=job.sha256,
                    progress=on_progress,
                    cancel=self._cancel,
                    stall=self._stall,
                )
                received += result.received
                writer.verify()
            except (EvidenceMismatch, WrongSize) as exc:
                if isinstance(exc, WrongSize):
                    # Bytes from a reply of the wrong size are not trusted to resume from.
                    self._abort(writer)
                    self._vault.discard_partial(job.sha256)
                # The writer dropped every byte (partial file included): start from zero.
                mismatches += 1
                log.warning(
                    "artifact failed verification (attempt %d): %s", mismatches, type(exc).__name__
                )
                if mismatches >= self._max_attempts:
                    message = (
                        f"“{name}” did not match its checksum after {mismatches} attempts, so "
                        "it was not kept. Sync again later; if it keeps failing, tell the "
                        "hub's administrator."
                    )
                    self._set_state(job, DownloadState.FAILED, 0, message)
                    return JobOutcome(job, DownloadStatus.FAILED, received, message)
                continue
            except Cancelled:
                self._abort(writer)
                return self._stopped(job, DownloadStatus.CANCELLED, received, "")
            except Stalled as exc:
                self._abort(writer)
                return self._stalled(job, exc, received + last[0] - start)
            except OSError as exc:
                self._abort(writer)
                if not is_disk_full(exc):
                    raise
                return self._disk_filled(job, received)
            except AuthExpired:
                self._abort(writer)
                return self._stopped(job, DownloadStatus.SIGN_IN, received, "")
            except (NotFound, MalformedReply, HubError) as exc:
                self._abort(writer)
                if isinstance(exc, HubBusy):
                    self._stop.set()  # the hub asked everyone to wait
                if len(sources) > 1 and isinstance(exc, HubHttpError | MalformedReply):
                    log.info("an artifact id was not served (%s); trying another", exc)
                    sources.pop(0)
                    continue
                return self._hub_error(job, exc, received)
            finally:
                self._release(needed)
            return self._hand_over(job, writer, received)

    def _hand_over(
        self, job: DownloadJob, writer: VaultWriter, received: int
    ) -> JobOutcome | Future[JobOutcome]:
        """Publish a verified download: on the publisher thread inside ``run``."""
        if self._publisher is None:
            return self._publish(job, writer, received)
        self._publish_slots.acquire()
        try:
            return self._publisher.submit(self._publish_in_turn, job, writer, received)
        except BaseException:
            self._publish_slots.release()
            writer.abort()
            raise

    def _publish_in_turn(self, job: DownloadJob, writer: VaultWriter, received: int) -> JobOutcome:
        try:
            return self._publish(job, writer, received)
        except Exception as exc:
            return self._unexpected(job, exc)
        finally:
            self._publish_slots.release()

    def _publish(self, job: DownloadJob, writer: VaultWriter, received: int) -> JobOutcome:
        try:
            writer.publish()
        except OSError as exc:
            # The writer has dropped the file: the download starts again next time.
            if not is_disk_full(exc):
                raise
            return self._disk_filled(job, received)
        self._verified(job)
        self._progress.item_done(job.display_name)
        return JobOutcome(job, DownloadStatus.VERIFIED, received)

    def _disk_filled(self, job: DownloadJob, received: int) -> JobOutcome:
        message = (
            f"The disk filled up while downloading “{job.display_name}” "
            f"({mb(self._free())} free). Free some space and sync again; nothing was lost."
        )
        return self._stopped(job, DownloadStatus.DISK_FULL, received, message)

    def _hub_error(self, job: DownloadJob, exc: HubError, received: int) -> JobOutcome:
        name = job.display_name
        if isinstance(exc, NotFound):
            message = f"The hub no longer offers “{name}” to you; it was not downloaded."
            self._set_state(job, DownloadState.FAILED, 0, message)
            return JobOutcome(job, DownloadStatus.FAILED, received, message)
        log.warning("download of an artifact stopped: %s", exc)
        message = (
            f"“{name}” could not be downloaded: {trouble_words(exc)} What arrived is kept "
            "and the download continues on the next sync."
        )
        self._set_state(job, DownloadState.NOT_DOWNLOADED, error=message)
        return JobOutcome(job, DownloadStatus.INTERRUPTED, received, message, exc)

    def _stalled(self, job: DownloadJob, exc: Stalled, received: int) -> JobOutcome:
        log.info("download of an artifact stalled: %s", exc)
        self._progress.stalled(job.display_name, True)
        message = (
            f"“{job.display_name}” was arriving too slowly ({exc}). What arrived is kept "
            "and the download continues on the next sync."
        )
        self._set_state(job, DownloadState.NOT_DOWNLOADED, error=message)
        return JobOutcome(job, DownloadStatus.STALLED, received, message)

    def _stopped(
        self, job: DownloadJob, status: DownloadStatus, received: int, message: str
    ) -> JobOutcome:
        if status in (DownloadStatus.DISK_FULL, DownloadStatus.SIGN_IN):
            self._stop.set()
        self._set_state(job, DownloadState.NOT_DOWNLOADED, error=message)
        return JobOutcome(job, status, received, message)

    # -- disk space --------------------------------------------------------------------------

    def _free(self) -> int:
        try:
            return self._disk_free(self._vault.root)
        except OSError:
            return 0

    def _reserve(self, job: DownloadJob, start: int) -> int:
        """Claim the space the rest of this download needs (from ``start``, what the
        writer already holds), counting what running downloads have claimed; raises
        _DiskFull with the message to show."""
        rest = job.size - start
        needed = rest + (rest // self._vault.chunk_size + 1) * TAG_SIZE + 64
        with self._lock:
            free = self._free() - self._reserved
            if free < needed + self._margin:
                raise _DiskFull(
                    f"Not enough free disk space to download “{job.display_name}”: "
                    f"{mb(needed + self._margin)} needed, {mb(free)} free. "
                    "Free some space and sync again; nothing was lost."
                )
            self._reserved += needed
        return needed

    def _release(self, needed: int) -> None:
        with self._lock:
            self._reserved -= needed

    # -- store updates ------------------------------------------------------------------------

    def _abort(self, writer: object) -> None:
        try:
            writer.abort()  # type: ignore[attr-defined]
        except (OSError, VaultError):
            # Keeping the partial file failed (the disk may be full): it is simply lost.
            log.warning("could not keep a partial download")

    def _set_state(
        self,
        job: DownloadJob,
        state: DownloadState,
        bytes_done: int | None = None,
        error: str = "",
    ) -> None:
        if bytes_done is None:
            bytes_done = self._vault.partial_offset(job.sha256)
        done = bytes_done

        def write(store: Store) -> None:
            for row in job.artifacts:
                store.submissions.set_download_state(
                    row.artifact.id, state, bytes_done=done, error=error
                )

        self._record(job, write, state_only=True)

    def _verified(self, job: DownloadJob) -> None:
        def write(store: Store) -> None:
            for row in job.artifacts:
                store.submissions.set_download_state(
                    row.artifact.id, DownloadState.VERIFIED, bytes_done=row.artifact.size
                )
            record_downloaded(store, job.artifacts, job.needs)

        self._record(job, write, state_only=False)

    def _record(
        self, job: DownloadJob, write: Callable[[Store], None], *, state_only: bool
    ) -> None:
        if self._recorder is None:
            write(self._store)  # not inside run(): nobody else is writing
        else:
            self._recorder.submit(_Write(job.sha256, write, state_only))


def _is_stalled(result: JobOutcome | Future[JobOutcome]) -> bool:
    return isinstance(result, JobOutcome) and result.status == DownloadStatus.STALLED


def record_downloaded(
    store: Store, artifacts: Iterable[ArtifactDownload], needs: Mapping[str, Sequence[str]]
) -> None:
    """Audit ``downloaded`` for each artifact, under each assignment that uses it."""
    for row in artifacts:
        for assignment_id in needs.get(row.submission_id, ()):
            store.audit.append(
                AuditAction.DOWNLOADED,
                assignment_id,
                {"artifact_id": row.artifact.id, "bytes": row.artifact.size},
            )


class _DiskFull(Exception):
    pass


@dataclass(frozen=True)
class _Write:
    """One store write for the download of ``key`` (its sha256). Every write sets the
    state of all the download's rows; a ``state_only`` one does nothing else, so a later
    write for the same key makes it redundant."""

    key: str
    apply: Callable[[Store], None]
    state_only: bool


class _Recorder:
    """Applies store writes on its own thread, in the order submitted. Workers never wait
    for a commit; ``close`` waits for all of them and re-raises the first failure (the
    writes after it are still attempted, as each stands alone)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="download-states", daemon=True)
        self._thread.start()

    def submit(self, write: _Write) -> None:
        self._queue.put(write)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = batch[-1] is None  # close() puts the end marker after every write
            for write in _without_superseded([w for w in batch if w is not None]):
                try:
                    write.apply(self._store)
                except BaseException as exc:
                    log.exception("could not record a download's state")
                    if self._error is None:
                        self._error = exc


def _without_superseded(batch: list[_Write]) -> list[_Write]:
    """``batch`` in order, minus each state-only write followed by another write for the
    same download."""
    later: set[str] = set()
    kept: list[_Write] = []
    for write in reversed(batch):
        if not (write.state_only and write.key in later):
            kept.append(write)
        later.add(write.key)
    kept.reverse()
    return kept
