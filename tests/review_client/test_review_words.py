"""The review's status words: every one has a symbol the application font can draw, and
the reviewer's comment is the tooltip's second line only when there is one."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.status_words import status_word
from assessor_app.store.repositories.assignments import review_state
from assessor_app.ui.qt import QFontMetrics, QGuiApplication
from assessor_app.ui.queue.model import review_note
from assessor_app.ui.status_words import symbol


def test_review_symbols_are_drawable(qtbot: QtBot) -> None:
    metrics = QFontMetrics(QGuiApplication.font())
    for review in ReviewState:
        shown = review
        assert metrics.inFontUcs4(ord(symbol(shown)))
        assert status_word(LocalState.UPLOADED, review=review) == status_word(shown)


def test_review_state_follows_the_local_state() -> None:
    assert review_state("pending_review", LocalState.UPLOADED) is ReviewState.AWAITING_REVIEW
    assert review_state("returned", LocalState.UPLOADED) is ReviewState.RETURNED_INCOMPLETE
    assert review_state("decided", LocalState.UPLOADED) is None
    for editable in (LocalState.READY, LocalState.IN_PROGRESS):
        assert review_state("returned_for_revision", editable) is ReviewState.RETURNED_FOR_REVISION
    # Finalized again, the revision is on its way: the local state tells.
    assert review_state("returned_for_revision", LocalState.FINALIZED) is None
    # A status not yet refreshed after finalizing says nothing about this sheet.
    assert review_state("pending_review", LocalState.FINALIZED) is None


def test_review_note() -> None:
    assert review_note(None) == "" and review_note("  ") == ""
    assert review_note("Quote the plan.") == "Reviewer’s comment: Quote the plan."
