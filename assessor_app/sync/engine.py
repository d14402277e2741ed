"""The sync engine: one run brings the profile and the hub in step.

First the assessor's declines are sent (``declines``), so declined work is not fetched.
Down: uploads a crash left half-sent go back in the queue; the assignment delta is read
page by page from the saved cursor (each page applied, then its cursor saved, so a crash
repeats at most one page, harmlessly); revoked assignments are flagged, and their evidence
purged when the assessor had done no work on them; the hub's recalibration notices, the
reads of adjudications and backreads and the backreading findings on the assessor's own
sheets are kept for offline reading; missing submission manifests are
fetched; then evidence is downloaded in parallel, resumably and verified (see
``downloads``). Up: the outbox is drained in order (see ``uploads``), then backread
verdicts are sent (``backreads``); when something was
uploaded the delta is read once more, so the hub's answer (decided, or waiting for a
reviewer) shows at once rather than after the next sync. An assignment the delta lists as
returned for revision becomes editable again (see ``Assignments.apply_delta``). Last,
evidence past the retention period is purged (see ``retention``).

Pure Python without Qt: the command line calls ``run`` directly and the GUI runs it on a
worker thread (``services.sync_runner``). Messages in the report are for the assessor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from assessor_app.domain.assignment_state import DOWNLOAD_PATH, LocalState
from assessor_app.store import DownloadState, Store
from assessor_app.store.disk import DISK_FULL_MESSAGE, free_bytes, is_disk_full
from assessor_app.store.repositories import QueueItem
from assessor_app.store.vault import Vault
from assessor_app.sync.backreads import send_verdicts
from assessor_app.sync.client import HubClient, StallRule
from assessor_app.sync.declines import send_declines
from assessor_app.sync.downloads import (
    DiskFree,
    Downloader,
    DownloadStatus,
    JobOutcome,
    plan_jobs,
    record_downloaded,
)
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    HubError,
    HubHttpError,
    MalformedReply,
    NotFound,
)
from assessor_app.sync.manifests import ManifestRefused, check_manifest, refusal_message
from assessor_app.sync.progress import (
    CancelToken,
    ProgressCallback,
    ProgressReporter,
    SyncPhase,
    SyncReport,
)
from assessor_app.sync.retention import has_local_work, purge_assignments, purge_expired
from assessor_app.sync.trouble import trouble_of, trouble_words
from assessor_app.sync.uploads import upload_outbox

__all__ = ["SyncEngine"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# Local states whose evidence is no longer fetched: the decision is with the hub, or the
# hub withdrew the assignment.
_NO_DOWNLOAD = frozenset({LocalState.UPLOADED, LocalState.REVOKED})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Stop(Exception):
    """Ends the network part of a run early; the report already says why."""


def _who(item: QueueItem, pseudonym: str | None = None, title: str | None = None) -> str:
    """How a report line names a submission: its credential and educator when known."""
    pseudonym = pseudonym or item.educator_pseudonym
    title = title or item.credential_title
    if pseudonym and title:
        return f"“{title}” by {pseudonym}"
    return f"for assignment {item.assignment.id}"


class SyncEngine:
    """Syncs one profile's ``store`` and ``vault`` with the hub behind ``client``.

    ``client_factory`` makes a new client per download worker (``ProfileSession.client``
    is one); without it downloads run one at a time on ``client``. ``parallel_downloads``
    defaults to the profile's setting. ``disk_free(path)`` reports free bytes (injectable
    for tests); ``disk_margin`` is left free after every download (None: 2% of the
    disk, at most 64 MiB). ``stall`` (default: the profile's setting) says when a
    download is too slow; a stalled one is resumed up to ``stall_resumes`` times in the
    run. ``cancel`` reaches every client the engine uses, so every wait ends within a
    fraction of a second of it. ``now`` is the clock for retries and retention.
    """

    def __init__(
        self,
        store: Store,
        vault: Vault,
        client: HubClient,
        *,
        client_factory: Callable[[], HubClient] | None = None,
        parallel_downloads: int | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        max_verify_attempts: int = 3,
        retention_days: int | None = None,
        disk_free: DiskFree = free_bytes,
        disk_margin: int | None = None,
        stall: StallRule | None = None,
        stall_resumes: int = 2,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.vault = vault
        self.client = client
        self.client_factory = client_factory
        self.parallel_downloads = parallel_downloads
        self.cancel = cancel or CancelToken()
        self.max_verify_attempts = max_verify_attempts
        self.retention_days = retention_days
        self.disk_free = disk_free
        self.disk_margin = disk_margin
        self.stall = stall
        self.stall_resumes = stall_resumes
        self.now = now
        self._progress = ProgressReporter(progress)
        client.cancel = self.cancel

    def run(self, *, down: bool = True, up: bool = True) -> SyncReport:
        """One sync. Never raises for hub or network trouble, nor for a disk that fills
        up: the report says what happened (``cancelled``, ``sign_in_required``,
        ``disk_full``, ``problems``)."""
        report = SyncReport()
        try:
            self._run(report, down=down, up=up)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            # SQLite rolled back the commit that failed and the vault publishes only
            # verified files, so what is stored is consistent; the next sync goes on.
            log.warning("sync stopped: the disk is full")
            if not report.disk_full:
                report.disk_full = True
                report.problems.append(DISK_FULL_MESSAGE)
            self._progress.phase(SyncPhase.DONE)
        return report

    def _run(self, report: SyncReport, *, down: bool, up: bool) -> None:
        self._progress.phase(SyncPhase.RECOVER)
        recovered = self.store.outbox.recover_interrupted()
        if recovered:
            log.info("%d interrupted upload(s) queued again", recovered)
        try:
            if up:
                self._check_cancel(report)
                declined = send_declines(
                    self.store, self.client, report, now=self.now, cancel=self.cancel
                )
                # Evidence of declined work is not kept unless the assessor worked on it.
                idle = [a for a in declined if not has_local_work(self.store, a)]
                report.purged += purge_assignments(
                    self.store, self.vault, idle, self.now(), "declined"
                )
            if down:
                self._down(report)
            if up:
                self._check_cancel(report)
                upload_outbox(
                    self.store,
                    self.client,
                    report,
                    now=self.now,
                    cancel=self.cancel,
                    progress=self._progress,
                )
                self._check_cancel(report)
                send_verdicts(self.store, self.client, report, now=self.now, cancel=self.cancel)
                if down and report.uploaded:
                    self._refresh_after_upload(report)
        except _Stop:
            pass
        if not report.cancelled:
            # Also after a download found the disk full: purging expired evidence frees space.
            self._progress.phase(SyncPhase.RETENTION)
            report.purged += purge_expired(self.store, self.vault, self.now(), self.retention_days)
        self._progress.phase(SyncPhase.DONE)
        log.info(
            "sync: %d new, %d downloaded, %d uploaded, %d conflicts, %d problems%s",
            report.new_assignments,
            report.artifacts_downloaded,
            report.uploaded,
            report.conflicts,
            len(report.problems),
            " (cancelled)" if report.cancelled else "",
        )

    # -- down ----------------------------------------------------------------------------

    def _check_cancel(self, report: SyncReport) -> None:
        if self.cancel.cancelled or report.cancelled:
            report.cancelled = True
            raise _Stop
        if report.sign_in_required:
            raise _Stop

    def _hub_call(
        self,
        report: SyncReport,
        call: Callable[[], _T],
        *,
        let_through: tuple[type[HubError], ...] = (),
    ) -> _T:
        """Run a hub call; sign-in, cancellation and an unreachable hub end the run's
        network part with the reason in the report. Errors in ``let_through`` concern
        only what the call was for: they are raised to the caller."""
        try:
            result = call()
        except AuthExpired:
            report.reached_hub_at = self.now()
            report.sign_in_required = True
            raise _Stop from None
        except Cancelled:
            report.cancelled = True
            raise _Stop from None
        except let_through as exc:
            if trouble_of(exc) is None:
                report.reached_hub_at = self.now()
            raise
        except HubError as exc:
            log.warning("sync stopped: %s", exc)
            if isinstance(exc, HubHttpError):
                report.reached_hub_at = self.now()
            report.hub_trouble = trouble_of(exc)
            report.problems.append(trouble_words(exc))
            raise _Stop from None
        report.reached_hub_at = self.now()
        return result

    def _down(self, report: SyncReport) -> None:
        self._apply_delta(report)
        self._fetch_scoring(report)
        self._fetch_manifests(report)
        self._download_evidence(report)

    def _refresh_after_upload(self, report: SyncReport) -> None:
        """Read the delta again after uploads. Only a status update: if the hub cannot
        answer now, the next sync brings the same changes, so that is no problem."""
        self._check_cancel(report)
        problems, trouble = len(report.problems), report.hub_trouble
        try:
            self._apply_delta(report, announce=False)
            # An uploaded validity paper may have made recalibration required (or not).
            self._fetch_recalibration(report)
        except _Stop:
            if report.cancelled or report.sign_in_required:
                raise
            del report.problems[problems:]
            report.hub_trouble = trouble
            log.info("status refresh after upload skipped; the next sync brings it")

    def _apply_delta(self, report: SyncReport, *, announce: bool = True) -> None:
        if announce:
            self._progress.phase(SyncPhase.ASSIGNMENTS)
        cursor = self.store.settings.sync_cursor()
        while True:
            self._check_cancel(report)
            delta = self._hub_call(report, partial(self.client.assignments, since=cursor))
            applied = self.store.assignments.apply_delta(delta.items)
            created = applied.created
            if applied.returned:
                log.info(
                    "%d decision(s) returned for revision by a reviewer", len(applied.returned)
                )
            report.new_assignments += len(created)
            report.updated_assignments += len(delta.items) - len(created)
            revoked = self.store.assignments.mark_revoked(delta.revoked)
            report.revoked_assignments += len(revoked)
            idle = [a for a in revoked if not has_local_work(self.store, a)]
            report.purged += purge_assignments(self.store, self.vault, idle, self.now(), "revoked")
            self.store.settings.set_sync_cursor(delta.cursor)
            cursor = delta.cursor
            if announce:
                for _ in delta.items:
                    self._progress.item_done()
            if not delta.has_more:
                return

    def _fetch_scoring(self, report: SyncReport) -> None:
        """What scoring operations show besides the queue: whether the hub asks this
        assessor to recalibrate (``/me``), the reads of new adjudications and backreads,
        and backreaders' findings on the assessor's own sheets. Kept here, so all of it
        reads offline."""
        self._fetch_recalibration(report)
        for assignment_id in self.store.reads.missing():
            self._check_cancel(report)
            try:
                reads = self._hub_call(
                    report, partial(self.client.reads, assignment_id), let_through=(NotFound,)
                )
            except NotFound:
                report.problems.append(
                    "The hub did not send the reads of one of your adjudications or "
                    "backreads; they are asked for again at the next sync."
                )
                continue
            self.store.reads.save(assignment_id, reads)
        self._check_cancel(report)
        try:
            findings = self._hub_call(report, self.client.backreading, let_through=(NotFound,))
        except NotFound:
            # A hub without backreading has no findings to give.
            return
        self.store.findings.replace_all(findings.findings)

    def _fetch_recalibration(self, report: SyncReport) -> None:
        self._check_cancel(report)
        me = self._hub_call(report, self.client.me)
        self.store.settings.set_recalibration(me.recalibration)

    def _fetch_manifests(self, report: SyncReport) -> None:
        """Fetch the manifests not yet in the profile, and again those of submissions whose
        downloads failed (the hub may have corrected them). A manifest that cannot be used
        refuses its submission only; nothing of it is kept, so the next sync asks again."""
        failed = self.store.submissions.with_failed_downloads()
        wanted = [
            item
            for item in self.store.assignments.queue(include_revoked=False)
            if item.local_state not in _NO_DOWNLOAD
            and (item.attempt is None or item.assignment.submission_id in failed)
        ]
        self._progress.phase(SyncPhase.MANIFESTS, items_total=len(wanted))
        fetched: set[str] = set()
        for item in wanted:
            self._check_cancel(report)
            submission_id = item.assignment.submission_id
            if submission_id in fetched:
                continue
            fetched.add(submission_id)
            try:
                submission = self._hub_call(
                    report,
                    partial(self.client.submission, submission_id),
                    let_through=(NotFound, MalformedReply),
                )
            except NotFound:
                report.problems.append(
                    "The hub no longer offers one of the submissions assigned to you; "
                    "it will be checked again on the next sync."
                )
                continue
            except MalformedReply as exc:
                # A reply that does not parse is this submission's trouble, not the
                # connection's: the rest of the sync goes on.
                log.warning("manifest of a submission refused: %s", exc)
                report.manifests_refused += 1
                report.problems.append(
                    refusal_message(_who(item), "it does not follow the hub protocol")
                )
                continue
            try:
                owners = self.store.submissions.artifact_owners(a.id for a in submission.artifacts)
                check_manifest(submission, owners)
            except ManifestRefused as refused:
                log.warning("manifest of a submission refused: %s", refused.reason)
                report.manifests_refused += 1
                who = _who(item, submission.educator_pseudonym, submission.credential.title)
                report.problems.append(refusal_message(who, refused.reason))
                continue
            self.store.submissions.save(submission)
            report.manifests_fetched += 1
            self._progress.item_done(submission.educator_pseudonym)

    def _needs(self) -> dict[str, list[str]]:
        """Submission id -> the live assignments that need its evidence."""
        needs: dict[str, list[str]] = {}
        for item in self.store.assignments.queue(include_revoked=False):
            if item.local_state in _NO_DOWNLOAD or item.attempt is None:
                continue
            needs.setdefault(item.assignment.submission_id, []).append(item.assignment.id)
        return needs

    def _download_evidence(self, report: SyncReport) -> None:
        self._check_cancel(report)
        needs = self._needs()
        jobs, present = plan_jobs(self.store, self.vault, needs)
        # Content already verified into the vault (shared, or an earlier run stopped
        # before recording it) needs no download.
        for row in present:
            self.store.submissions.set_download_state(
                row.artifact.id, DownloadState.VERIFIED, bytes_done=row.artifact.size
            )
        record_downloaded(self.store, present, needs)
        waiting = {a for job in jobs for ids in job.needs.values() for a in ids}
        for ids in needs.values():
            for assignment_id in ids:
                if assignment_id in waiting and self._state(assignment_id) in DOWNLOAD_PATH:
                    self.store.assignments.set_local_state(assignment_id, LocalState.DOWNLOADING)
        total = sum(max(0, j.size - self.vault.partial_offset(j.sha256)) for j in jobs)
        self._progress.phase(SyncPhase.DOWNLOADS, items_total=len(jobs), bytes_total=total)
        factory = self.client_factory
        workers = self.parallel_downloads or self.store.settings.parallel_downloads()
        if factory is None:
            workers = 1
        settings = self.store.settings
        stall = self.stall or StallRule(
            settings.stall_floor_kb() * 1024, settings.stall_window_seconds()
        )
        downloader = Downloader(
            self.store,
            self.vault,
            self._watched(factory) if factory is not None else (lambda: self.client),
            workers=max(1, workers),
            max_attempts=self.max_verify_attempts,
            cancel=self.cancel,
            progress=self._progress,
            disk_free=self.disk_free,
            disk_margin=self.disk_margin,
            close_clients=factory is not None,
            stall=stall,
            stall_resumes=self.stall_resumes,
        )
        try:
            outcomes = downloader.run(jobs)
        except Exception as exc:
            if is_disk_full(exc):
                # The store could not record how the downloads ended (the disk is full);
                # the report still says which file the disk filled up on.
                self._count_outcomes(report, downloader.outcomes)
            raise
        finally:
            self._settle_states(needs)
        self._count_outcomes(report, outcomes)
        if self.cancel.cancelled:
            report.cancelled = True
        self._check_cancel(report)

    def _count_outcomes(self, report: SyncReport, outcomes: list[JobOutcome]) -> None:
        disk_message = ""
        for outcome in outcomes:
            report.bytes_downloaded += outcome.received
            status = outcome.status
            if status == DownloadStatus.VERIFIED:
                report.artifacts_downloaded += 1
            elif status == DownloadStatus.FAILED:
                report.artifacts_failed += 1
                report.problems.append(outcome.message)
            elif status in (DownloadStatus.INTERRUPTED, DownloadStatus.STALLED):
                report.problems.append(outcome.message)
                if outcome.error is not None:
                    report.hub_trouble = report.hub_trouble or trouble_of(outcome.error)
            elif status == DownloadStatus.DISK_FULL:
                report.disk_full = True
                disk_message = disk_message or outcome.message
            elif status == DownloadStatus.SIGN_IN:
                report.sign_in_required = True
            elif status == DownloadStatus.CANCELLED:
                report.cancelled = True
        if disk_message:
            report.problems.append(disk_message)

    def _watched(self, factory: Callable[[], HubClient]) -> Callable[[], HubClient]:
        def make() -> HubClient:
            client = factory()
            client.cancel = self.cancel
            return client

        return make

    def _state(self, assignment_id: str) -> LocalState:
        return self.store.assignments.local_state(assignment_id)

    def _settle_states(self, needs: dict[str, list[str]]) -> None:
        """ready when every artifact is verified, else back to not_downloaded (partial
        downloads are kept in the vault for the next run)."""
        for submission_id, ids in needs.items():
            rows = self.store.submissions.downloads(submission_id)
            complete = all(
                r.state == DownloadState.VERIFIED and self.vault.has(r.artifact.sha256)
                for r in rows
            )
            for assignment_id in ids:
                if self._state(assignment_id) not in DOWNLOAD_PATH:
                    continue
                target = LocalState.READY if complete else LocalState.NOT_DOWNLOADED
                self.store.assignments.set_local_state(assignment_id, target)
