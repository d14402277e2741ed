"""Submissions, their credentials (rubric included) and artifact metadata with each
artifact's download state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from assessor_app.domain import Artifact, Credential, Submission
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import PreviousAttemptOut, SubmissionOut
from assessor_app.store.models import (
    ArtifactRow,
    AssignmentRow,
    CredentialRow,
    DownloadState,
    SubmissionRow,
)
from assessor_app.store.repositories._common import NotFoundError, Repository


@dataclass(frozen=True)
class ArtifactDownload:
    """An artifact's metadata and how far its download has got."""

    artifact: Artifact
    submission_id: str
    state: DownloadState
    bytes_done: int
    error: str


def _artifact(row: ArtifactRow) -> Artifact:
    return Artifact(row.id, row.filename, row.media_type, row.size, row.sha256, row.title)


def _download(row: ArtifactRow) -> ArtifactDownload:
    return ArtifactDownload(
        _artifact(row),
        row.submission_id,
        DownloadState(row.download_state),
        row.bytes_done,
        row.error,
    )


class Submissions(Repository):
    def save(self, submission: SubmissionOut) -> None:
        """Store a submission as the hub sent it. An artifact whose content or size changed,
        or whose download failed, starts its download again; one no longer in the manifest
        is forgotten."""
        credential = submission.credential
        with self._db.transaction() as session:
            session.merge(
                CredentialRow(
                    id=credential.id,
                    version=credential.version,
                    title=credential.title,
                    schema_json=credential.model_dump(mode="json"),
                )
            )
            session.merge(
                SubmissionRow(
                    id=submission.id,
                    credential_id=credential.id,
                    credential_version=credential.version,
                    attempt=submission.attempt,
                    educator_pseudonym=submission.educator_pseudonym,
                    change_note=submission.change_note,
                    previous_attempts=[
                        p.model_dump(mode="json") for p in submission.previous_attempts
                    ],
                )
            )
            existing = {
                row.id: row
                for row in session.scalars(
                    select(ArtifactRow).where(ArtifactRow.submission_id == submission.id)
                )
            }
            for position, art in enumerate(submission.artifacts):
                row = existing.pop(art.id, None)
                if row is None:
                    row = ArtifactRow(id=art.id, submission_id=submission.id, bytes_done=0)
                    session.add(row)
                if (
                    row.sha256 != art.sha256
                    or row.size != art.size
                    or row.download_state == DownloadState.FAILED
                ):
                    row.download_state = DownloadState.NOT_DOWNLOADED
                    row.bytes_done = 0
                    row.error = ""
                row.position = position
                row.filename = art.filename
                row.media_type = art.media_type
                row.size = art.size
                row.sha256 = art.sha256
                row.title = art.title
            for row in existing.values():
                session.delete(row)

    def load(self, submission_id: str) -> tuple[Submission, Credential] | None:
        """The submission with its artifacts in manifest order, and its credential."""
        with self._db.reading() as session:
            sub = session.get(SubmissionRow, submission_id)
            if sub is None:
                return None
            cred = session.get(CredentialRow, (sub.credential_id, sub.credential_version))
            assert cred is not None  # the foreign key guarantees it
            artifacts = session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.submission_id == submission_id)
                .order_by(ArtifactRow.position)
            )
            submission = Submission(
                id=sub.id,
                credential_id=sub.credential_id,
                attempt=sub.attempt,
                educator_pseudonym=sub.educator_pseudonym,
                artifacts=tuple(_artifact(a) for a in artifacts),
                change_note=sub.change_note,
                previous_attempts=tuple(
                    PreviousAttemptOut.model_validate(p).to_domain() for p in sub.previous_attempts
                ),
            )
            return submission, CredentialSchema.model_validate(cred.schema_json).to_domain()

    def load_for_assignment(self, assignment_id: str) -> tuple[Submission, Credential] | None:
        with self._db.reading() as session:
            row = session.get(AssignmentRow, assignment_id)
            if row is None:
                raise NotFoundError(f"no assignment {assignment_id!r} in this profile")
            submission_id = row.submission_id
        return self.load(submission_id)

    def credential(self, credential_id: str, version: int) -> Credential | None:
        with self._db.reading() as session:
            row = session.get(CredentialRow, (credential_id, version))
            return (
                None
                if row is None
                else CredentialSchema.model_validate(row.schema_json).to_domain()
            )

    def artifact_owners(self, artifact_ids: Iterable[str]) -> dict[str, str]:
        """Artifact id -> the submission that has it, for those of ``artifact_ids`` in
        the profile."""
        ids = list(artifact_ids)
        with self._db.reading() as session:
            rows = session.execute(
                select(ArtifactRow.id, ArtifactRow.submission_id).where(ArtifactRow.id.in_(ids))
            )
            return {artifact_id: submission_id for artifact_id, submission_id in rows}

    def with_failed_downloads(self) -> set[str]:
        """The submissions with an artifact whose download failed (its manifest may be
        wrong: it is fetched again before the next attempt)."""
        query = select(ArtifactRow.submission_id).where(
            ArtifactRow.download_state == DownloadState.FAILED
        )
        with self._db.reading() as session:
            return set(session.scalars(query))

    def download(self, artifact_id: str) -> ArtifactDownload | None:
        with self._db.reading() as session:
            row = session.get(ArtifactRow, artifact_id)
            return None if row is None else _download(row)

    def downloads(self, submission_id: str | None = None) -> list[ArtifactDownload]:
        """Artifacts of one submission (or all), in manifest order."""
        query = select(ArtifactRow).order_by(ArtifactRow.submission_id, ArtifactRow.position)
        if submission_id is not None:
            query = query.where(ArtifactRow.submission_id == submission_id)
        with self._db.reading() as session:
            return [_download(row) for row in session.scalars(query)]

    def set_download_state(
        self,
        artifact_id: str,
        state: DownloadState,
        *,
        bytes_done: int | None = None,
        error: str = "",
    ) -> None:
        """Record download progress; ``error`` is a message for the user, never content."""
        with self._db.transaction() as session:
            row = session.get(ArtifactRow, artifact_id)
            if row is None:
                raise NotFoundError(f"no artifact {artifact_id!r} in this profile")
            row.download_state = DownloadState(state)
            if bytes_done is not None:
                row.bytes_done = bytes_done
            row.error = error
