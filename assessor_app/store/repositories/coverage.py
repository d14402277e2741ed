"""Evidence coverage (which artifacts were opened, which stretches of a video were
played) and workspace state (the open artifact, each video's position), per assignment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from assessor_app.domain import TimeRange
from assessor_app.store.models import (
    ArtifactOpenedRow,
    PlayedRangeRow,
    VideoPositionRow,
    WorkspaceRow,
    utcnow,
)
from assessor_app.store.repositories._common import Repository, get_assignment


def merge_ranges(ranges: list[TimeRange]) -> list[TimeRange]:
    """Overlapping or touching ranges joined, sorted by start."""
    merged: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: (r.start_ms, r.end_ms)):
        if merged and r.start_ms <= merged[-1].end_ms:
            last = merged.pop()
            r = TimeRange(last.start_ms, max(last.end_ms, r.end_ms))
        merged.append(r)
    return merged


class Coverage(Repository):
    def mark_opened(self, assignment_id: str, artifact_id: str, at: datetime | None = None) -> None:
        at = at or utcnow()
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            row = session.get(ArtifactOpenedRow, (assignment_id, artifact_id))
            if row is None:
                session.add(
                    ArtifactOpenedRow(
                        assignment_id=assignment_id,
                        artifact_id=artifact_id,
                        first_opened_at=at,
                        last_opened_at=at,
                    )
                )
            else:
                row.last_opened_at = at

    def opened(self, assignment_id: str) -> dict[str, datetime]:
        """Artifact id -> when it was first opened."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(ArtifactOpenedRow).where(ArtifactOpenedRow.assignment_id == assignment_id)
            )
            return {row.artifact_id: row.first_opened_at for row in rows}

    def add_played(self, assignment_id: str, artifact_id: str, played: TimeRange) -> None:
        """Record a played stretch, merged with what was played before."""
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            where = (PlayedRangeRow.assignment_id == assignment_id) & (
                PlayedRangeRow.artifact_id == artifact_id
            )
            old = [
                TimeRange(r.start_ms, r.end_ms)
                for r in session.scalars(select(PlayedRangeRow).where(where))
            ]
            session.execute(delete(PlayedRangeRow).where(where))
            for r in merge_ranges([*old, played]):
                session.add(
                    PlayedRangeRow(
                        assignment_id=assignment_id,
                        artifact_id=artifact_id,
                        start_ms=r.start_ms,
                        end_ms=r.end_ms,
                    )
                )

    def played(self, assignment_id: str, artifact_id: str) -> list[TimeRange]:
        with self._db.reading() as session:
            rows = session.scalars(
                select(PlayedRangeRow)
                .where(
                    PlayedRangeRow.assignment_id == assignment_id,
                    PlayedRangeRow.artifact_id == artifact_id,
                )
                .order_by(PlayedRangeRow.start_ms)
            )
            return [TimeRange(r.start_ms, r.end_ms) for r in rows]


class Workspace(Repository):
    def set_open_artifact(self, assignment_id: str, artifact_id: str | None) -> None:
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            session.merge(
                WorkspaceRow(
                    assignment_id=assignment_id, open_artifact_id=artifact_id, updated_at=utcnow()
                )
            )

    def open_artifact(self, assignment_id: str) -> str | None:
        with self._db.reading() as session:
            row = session.get(WorkspaceRow, assignment_id)
            return None if row is None else row.open_artifact_id

    def set_video_position(self, assignment_id: str, artifact_id: str, position_ms: int) -> None:
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            session.merge(
                VideoPositionRow(
                    assignment_id=assignment_id,
                    artifact_id=artifact_id,
                    position_ms=max(0, position_ms),
                    updated_at=utcnow(),
                )
            )

    def video_position(self, assignment_id: str, artifact_id: str) -> int | None:
        with self._db.reading() as session:
            row = session.get(VideoPositionRow, (assignment_id, artifact_id))
            return None if row is None else row.position_ms

    def video_positions(self, assignment_id: str) -> dict[str, int]:
        with self._db.reading() as session:
            rows = session.scalars(
                select(VideoPositionRow).where(VideoPositionRow.assignment_id == assignment_id)
            )
            return {row.artifact_id: row.position_ms for row in rows}
