"""The assessor's time-pinned notes and the sheet's citations as one list in evidence
order, and the edits the notes pane makes to notes: text, criterion, sharing with the
educator, delete, and undoing a delete.

Evidence order is the submission's artifact order, then the place in the artifact (time
or page), notes before citations at the same place; it is defined here once, for the
workspace's pane and the command line alike. Callers on the GUI run the edits on the
database worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assessor_app.domain import Artifact, Citation, PdfPage, Quote, TimeRange
from assessor_app.domain.notes import TimeNote
from assessor_app.store import Store


@dataclass(frozen=True)
class EvidenceEntry:
    """One row of the notes and citations list: a note, or a citation of a criterion
    (``position`` is its index among that criterion's citations)."""

    artifact_id: str
    place: int
    criterion_id: str | None
    note: TimeNote | None = None
    citation: Citation | None = None
    position: int = 0

    @property
    def is_note(self) -> bool:
        return self.note is not None


def place_in_artifact(citation: Citation) -> int:
    """Where a citation starts in its artifact: milliseconds, or a page (of a page or a
    quote); 0 for a target without a place, which sorts it first in its artifact."""
    target = citation.target
    if isinstance(target, TimeRange):
        return target.start_ms
    if isinstance(target, PdfPage):
        return target.page
    if isinstance(target, Quote) and target.page is not None:
        return target.page
    return 0


def evidence_order(
    artifacts: Sequence[Artifact],
    notes: Iterable[TimeNote],
    citations: Iterable[tuple[str, Sequence[Citation]]],
) -> list[EvidenceEntry]:
    """``citations`` are ``(criterion_id, that criterion's citations)`` in rubric order.
    Entries of an artifact not in the submission come last."""
    entries = [EvidenceEntry(n.artifact_id, n.time_ms, n.criterion_id, note=n) for n in notes]
    for criterion_id, cited in citations:
        entries += [
            EvidenceEntry(c.artifact_id, place_in_artifact(c), criterion_id, citation=c, position=i)
            for i, c in enumerate(cited)
        ]
    rank = {a.id: i for i, a in enumerate(artifacts)}

    def key(entry: EvidenceEntry) -> tuple[int, int, int, int]:
        # The note's id keeps two notes at one moment in the order they were written.
        tie = entry.note.id if entry.note is not None else 1 << 62
        return (rank.get(entry.artifact_id, len(rank)), entry.place, 0 if entry.note else 1, tie)

    return sorted(entries, key=key)


class NotesService:
    """The note edits the workspace's notes pane makes; each is saved before it returns."""

    def __init__(self, store: Store) -> None:
        self._notes = store.notes

    def notes(self, assignment_id: str) -> list[TimeNote]:
        return self._notes.list(assignment_id)

    def shared(self, assignment_id: str) -> list[TimeNote]:
        """The notes the assessor chose to share with the educator."""
        return [n for n in self._notes.list(assignment_id) if n.shared]

    def edit(
        self, note: TimeNote, *, text: str, criterion_id: str | None, shared: bool
    ) -> TimeNote:
        """Change a note's text, its criterion (None: none) and whether it is shared."""
        if not text.strip():
            raise ValueError("A note needs some text; delete it instead.")
        return self._notes.update(
            note.id,
            text=text.strip(),
            time_ms=note.time_ms,
            criterion_id=criterion_id,
            shared=shared,
        )

    def delete(self, note: TimeNote) -> None:
        self._notes.delete(note.id)

    def undo_delete(self, note: TimeNote) -> TimeNote:
        """Store a deleted note again, as it was."""
        return self._notes.restore(note)
