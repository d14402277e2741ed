"""The status words of the UI guide, shared by the GUI and the command line: every state
shown has its word and symbol, the review's words win over the local state's, downloads
carry a bounded percent, and the due countdown reads the same in both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.queue_state import QUEUE_STATES, QueueState
from assessor_app.domain.status_words import (
    STATUS,
    due_countdown,
    due_text,
    shown_state,
    status_word,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_every_state_shown_has_a_word_and_a_symbol() -> None:
    # Each local and review state is a state the queue shows, each with its own value.
    assert set(STATUS) == set(QUEUE_STATES) == {*LocalState, *ReviewState}
    assert len({s.value for s in QUEUE_STATES}) == len(QUEUE_STATES)
    words = [style.word for style in STATUS.values()]
    assert len(set(words)) == len(words) and all(words)
    assert all(style.symbol for style in STATUS.values())


@pytest.mark.parametrize(
    ("state", "word"),
    [
        (LocalState.NOT_DOWNLOADED, "Not downloaded"),
        (LocalState.READY, "Ready"),
        (LocalState.IN_PROGRESS, "In progress"),
        (LocalState.FINALIZED, "Queued for upload"),
        (LocalState.UPLOADED, "Uploaded"),
        (LocalState.CONFLICT, "Needs attention"),
        (LocalState.REVOKED, "Withdrawn"),
        (ReviewState.AWAITING_REVIEW, "Uploaded · awaiting review"),
    ],
)
def test_the_words(state: QueueState, word: str) -> None:
    assert status_word(state) == word


def test_the_review_says_more_than_the_local_state() -> None:
    assert status_word(LocalState.UPLOADED, review=ReviewState.AWAITING_REVIEW) == (
        "Uploaded · awaiting review"
    )
    assert status_word(LocalState.IN_PROGRESS, review=ReviewState.RETURNED_FOR_REVISION) == (
        "Returned by reviewer"
    )
    assert status_word(LocalState.UPLOADED, review=ReviewState.RETURNED_INCOMPLETE) == (
        "Returned as incomplete"
    )
    assert shown_state(LocalState.UPLOADED) is LocalState.UPLOADED


def test_a_download_shows_its_percent_within_bounds() -> None:
    assert status_word(LocalState.DOWNLOADING, 42) == "Downloading 42%"
    assert status_word(LocalState.DOWNLOADING, 140) == "Downloading 100%"
    assert status_word(LocalState.DOWNLOADING) == "Downloading"
    assert status_word(LocalState.READY, 42) == "Ready"


def test_the_due_countdown() -> None:
    assert due_text(NOW + timedelta(days=3, hours=1), NOW) == "Due in 3 days"
    assert due_text(NOW + timedelta(seconds=20), NOW) == "Due now"
    assert due_text(None, NOW) == "No due date"
    overdue = due_countdown(NOW - timedelta(days=2, hours=3), NOW)
    assert overdue.overdue and overdue.text == "⚠ Overdue by 2 days"
    assert due_text(NOW - timedelta(days=2), NOW) == "Overdue by 2 days"
    # A naive time is UTC, as the store and the wire keep it.
    assert due_text(datetime(2026, 3, 5, 13, 0), NOW) == "Due in 3 days"
