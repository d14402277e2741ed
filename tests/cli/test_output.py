"""What the command line prints: the app's status words and due countdowns, and the
sync progress display on a terminal and in a log."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from assessor_app.cli.output import (
    ProgressDisplay,
    describe_progress,
    due_text,
    status_word,
    table,
)
from assessor_app.domain.assignment_state import LocalState
from assessor_app.sync.progress import SyncPhase, SyncProgress
from assessor_app.ui.status_words import STATUS, QueueState, due_countdown

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_status_words_are_the_apps() -> None:
    for state in LocalState:
        assert status_word(state) == STATUS[QueueState(state.value)].word
    assert status_word(LocalState.DOWNLOADING, 42) == "Downloading 42%"
    assert status_word(LocalState.FINALIZED) == "Queued for upload"
    assert status_word(LocalState.CONFLICT) == "Needs attention"


@pytest.mark.parametrize(
    "offset",
    [
        None,
        timedelta(days=3, hours=2),
        timedelta(hours=5),
        timedelta(minutes=7),
        timedelta(seconds=20),
        timedelta(days=-2, hours=-1),
        timedelta(minutes=-3),
    ],
)
def test_due_countdown_matches_the_app(offset: timedelta | None) -> None:
    due = None if offset is None else NOW + offset
    assert due_text(due, NOW) == due_countdown(due, NOW).text.removeprefix("⚠ ")


def test_due_countdown_words() -> None:
    assert due_text(NOW + timedelta(days=3, hours=1), NOW) == "Due in 3 days"
    assert due_text(NOW - timedelta(days=2), NOW) == "Overdue by 2 days"
    assert due_text(None, NOW) == "No due date"


def test_table_aligns_columns() -> None:
    assert table(["ID", "STATUS"], [["asg-1", "Ready"], ["asg-22", "Uploaded"]]) == (
        "ID      STATUS\nasg-1   Ready\nasg-22  Uploaded"
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_in_a_log_is_a_line_per_phase_and_at_most_one_per_interval() -> None:
    stream, clock = io.StringIO(), Clock()
    display = ProgressDisplay(stream, tty=False, interval=5.0, clock=clock)
    display(SyncProgress(SyncPhase.ASSIGNMENTS))
    display(SyncProgress(SyncPhase.DOWNLOADS, 0, 2, 0, 4_000_000, "clip.mp4"))
    clock.now = 1.0
    display(SyncProgress(SyncPhase.DOWNLOADS, 0, 2, 1_000_000, 4_000_000, "clip.mp4"))
    clock.now = 6.0
    display(SyncProgress(SyncPhase.DOWNLOADS, 1, 2, 3_000_000, 4_000_000, "plan.pdf"))
    display(SyncProgress(SyncPhase.DONE))

    assert stream.getvalue().splitlines() == [
        "sync: Checking for new assignments",
        "sync: Downloading evidence 0% (0/2, 0.0 MB of 4.0 MB) clip.mp4",
        "sync: Downloading evidence 75% (1/2, 3.0 MB of 4.0 MB) plan.pdf",
    ]


def test_progress_on_a_terminal_redraws_one_bar_and_clears_it() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, tty=True)
    display(SyncProgress(SyncPhase.DOWNLOADS, 0, 1, 500, 1000, "clip.mp4"))
    first = stream.getvalue()
    assert first.startswith("\r[############------------] Downloading evidence 50%")
    assert "\n" not in first
    display(SyncProgress(SyncPhase.DONE))
    assert stream.getvalue().endswith("\r")
    assert stream.getvalue()[len(first) :].strip() == ""


def test_progress_shows_the_rate_and_which_downloads_are_stalled() -> None:
    progress = SyncProgress(
        SyncPhase.DOWNLOADS,
        items_done=1,
        items_total=3,
        bytes_done=2_100_000,
        bytes_total=5_000_000,
        current="lesson.mp4",
        bytes_per_second=850_000,
        stalled=("interview.mp4", "\x1b[31mred.mp4"),
    )
    assert describe_progress(progress) == (
        "Downloading evidence 42% (1/3, 2.1 MB of 5.0 MB, 850 KB/s) lesson.mp4 "
        "stalled: interview.mp4, red.mp4"
    )
