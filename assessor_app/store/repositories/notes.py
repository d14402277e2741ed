"""Time-pinned notes (``domain.notes.TimeNote``) kept per assignment and artifact."""

from __future__ import annotations

from sqlalchemy import select

from assessor_app.domain.notes import TimeNote
from assessor_app.store.models import NoteRow, utcnow
from assessor_app.store.repositories._common import NotFoundError, Repository, get_assignment


def _note(row: NoteRow) -> TimeNote:
    return TimeNote(
        row.id,
        row.assignment_id,
        row.artifact_id,
        row.time_ms,
        row.text,
        row.criterion_id,
        row.created_at,
        row.updated_at,
        bool(row.shared),
    )


class Notes(Repository):
    def add(
        self,
        assignment_id: str,
        artifact_id: str,
        time_ms: int,
        text: str,
        criterion_id: str | None = None,
    ) -> TimeNote:
        if time_ms < 0:
            raise ValueError("a note's time cannot be negative")
        now = utcnow()
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            row = NoteRow(
                assignment_id=assignment_id,
                artifact_id=artifact_id,
                time_ms=time_ms,
                text=text,
                criterion_id=criterion_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return _note(row)

    def update(
        self,
        note_id: int,
        *,
        text: str,
        time_ms: int,
        criterion_id: str | None,
        shared: bool | None = None,
    ) -> TimeNote:
        """Replace the note's text, time and criterion (None unties it from a criterion);
        ``shared`` None keeps whether it is shared with the educator."""
        if time_ms < 0:
            raise ValueError("a note's time cannot be negative")
        with self._db.transaction() as session:
            row = session.get(NoteRow, note_id)
            if row is None:
                raise NotFoundError(f"no note {note_id}")
            row.text = text
            row.time_ms = time_ms
            row.criterion_id = criterion_id
            if shared is not None:
                row.shared = shared
            row.updated_at = utcnow()
            session.flush()
            return _note(row)

    def restore(self, note: TimeNote) -> TimeNote:
        """Put a deleted note back as it was: its times and flags, and its id unless a
        newer note took it meanwhile (SQLite reuses the highest rowid)."""
        with self._db.transaction() as session:
            get_assignment(session, note.assignment_id)
            taken = session.get(NoteRow, note.id) is not None
            row = NoteRow(
                id=None if taken else note.id,
                assignment_id=note.assignment_id,
                artifact_id=note.artifact_id,
                time_ms=note.time_ms,
                text=note.text,
                criterion_id=note.criterion_id,
                created_at=note.created_at,
                updated_at=note.updated_at,
                shared=note.shared,
            )
            session.add(row)
            session.flush()
            return _note(row)

    def delete(self, note_id: int) -> None:
        with self._db.transaction() as session:
            row = session.get(NoteRow, note_id)
            if row is None:
                raise NotFoundError(f"no note {note_id}")
            session.delete(row)

    def list(self, assignment_id: str, artifact_id: str | None = None) -> list[TimeNote]:
        """By artifact, then time, then creation."""
        query = (
            select(NoteRow)
            .where(NoteRow.assignment_id == assignment_id)
            .order_by(NoteRow.artifact_id, NoteRow.time_ms, NoteRow.id)
        )
        if artifact_id is not None:
            query = query.where(NoteRow.artifact_id == artifact_id)
        with self._db.reading() as session:
            return [_note(row) for row in session.scalars(query)]
