"""Time-pinned notes beside the sheet: the notes service lists them with the citations in
evidence order, edits, shares, deletes and restores them in the real store, and the
feedback report carries the shared ones only (read back with ``pdftotext``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from quality_kit import GOOD_FEEDBACK, Seeded, score_all

from assessor_app.domain import Citation, PdfPage, Quote, TimeRange
from assessor_app.services.notes import NotesService, evidence_order
from assessor_app.services.reports import feedback_report
from assessor_app.store import NotFoundError


def _pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(done.stdout.decode("utf-8").split())


def test_notes_and_citations_come_in_evidence_order(seeded: Seeded) -> None:
    store, credential = seeded.store, seeded.credential
    scoring = seeded.scoring()
    first, second = (c.id for c in credential.rubric.criteria[:2])
    late = scoring.add_note("asg-1", "art-video", 90_000, "late hands", None)
    early = scoring.add_note("asg-1", "art-video", 5_000, "waits 4 s", first)
    scoring.add_citation("asg-1", second, Citation("art-plan", PdfPage(3)))
    scoring.add_citation("asg-1", first, Citation("art-plan", PdfPage(1)))
    scoring.add_citation("asg-1", first, Citation("art-video", TimeRange(40_000, 50_000)))
    scoring.add_citation("asg-1", second, Citation("art-reflection", Quote("I counted")))

    opened = scoring.open("asg-1")
    cited = [(c.id, opened.sheet.score(c.id).citations) for c in credential.rubric.criteria]
    entries = evidence_order(opened.submission.artifacts, opened.notes, cited)

    shown = [(e.artifact_id, e.place, e.note.text if e.note else e.criterion_id) for e in entries]
    assert shown == [
        ("art-video", 5_000, "waits 4 s"),
        ("art-video", 40_000, first),
        ("art-video", 90_000, "late hands"),
        ("art-plan", 1, first),
        ("art-plan", 3, second),
        ("art-reflection", 0, second),
    ]
    assert entries[0].note == early and entries[2].note == late
    assert [e.position for e in entries if not e.is_note] == [1, 0, 0, 1]
    assert store.notes.list("asg-1") == [early, late]


def test_edit_share_delete_and_undo_reach_the_store(seeded: Seeded) -> None:
    store, credential = seeded.store, seeded.credential
    scoring, notes = seeded.scoring(), NotesService(seeded.store)
    criterion = credential.rubric.criteria[1].id
    note = scoring.add_note("asg-1", "art-video", 45_000, "waits 4 s", None)
    assert not note.shared

    edited = notes.edit(
        note, text="  waits 4 s, then asks again ", criterion_id=criterion, shared=True
    )
    (stored,) = store.notes.list("asg-1")
    assert stored == edited
    assert (stored.text, stored.criterion_id, stored.shared, stored.time_ms) == (
        "waits 4 s, then asks again",
        criterion,
        True,
        45_000,
    )
    assert notes.shared("asg-1") == [stored]

    notes.delete(stored)
    assert store.notes.list("asg-1") == []
    restored = notes.undo_delete(stored)
    assert restored == stored
    assert store.notes.list("asg-1") == [stored]

    # A note added after the delete may take the freed id; undo still brings it back.
    notes.delete(stored)
    newer = scoring.add_note("asg-1", "art-video", 1_000, "newer", None)
    back = notes.undo_delete(stored)
    assert back.id != newer.id
    assert [(n.text, n.shared, n.created_at) for n in store.notes.list("asg-1")] == [
        ("newer", False, newer.created_at),
        (stored.text, True, stored.created_at),
    ]


def test_an_empty_edit_is_refused_and_a_gone_note_says_so(seeded: Seeded) -> None:
    scoring, notes = seeded.scoring(), NotesService(seeded.store)
    note = scoring.add_note("asg-1", "art-video", 1_000, "keep me", None)
    try:
        notes.edit(note, text="   ", criterion_id=None, shared=False)
    except ValueError as error:
        assert "delete it instead" in str(error)
    else:
        raise AssertionError("an empty note was accepted")
    assert [n.text for n in seeded.store.notes.list("asg-1")] == ["keep me"]
    notes.delete(note)
    try:
        notes.delete(note)
    except NotFoundError:
        pass
    else:
        raise AssertionError("deleting a deleted note went unnoticed")


def test_the_report_has_the_shared_notes_only(seeded: Seeded, tmp_path: Path) -> None:
    credential = seeded.credential
    scoring, notes = seeded.scoring(), NotesService(seeded.store)
    score_all(scoring, credential, "asg-1", meets=True)
    scoring.set_feedback("asg-1", GOOD_FEEDBACK)
    first = credential.rubric.criteria[0]
    shared = scoring.add_note("asg-1", "art-video", 185_000, "six hands went up", first.id)
    notes.edit(shared, text=shared.text, criterion_id=first.id, shared=True)
    scoring.add_note("asg-1", "art-video", 12_000, "PRIVATE camera shakes", None)
    scoring.finalize("asg-1")

    out = tmp_path / "report.pdf"
    feedback_report(seeded.store, "asg-1", out)
    text = _pdf_text(out)

    shown = f"Notes from the assessor • Lesson clip, 03:05 ({first.title}): six hands went up"
    assert shown in text
    assert "PRIVATE" not in text and "camera shakes" not in text


def test_without_shared_notes_the_report_has_no_notes_section(
    seeded: Seeded, tmp_path: Path
) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=True)
    scoring.set_feedback("asg-1", GOOD_FEEDBACK)
    scoring.add_note("asg-1", "art-video", 12_000, "PRIVATE camera shakes", None)
    scoring.finalize("asg-1")
    out = tmp_path / "report.pdf"
    feedback_report(seeded.store, "asg-1", out)
    text = _pdf_text(out)
    assert "Notes from the assessor" not in text and "PRIVATE" not in text
    assert "Results by criterion" in text
