"""What the command line prints: tables, and the sync progress display on a terminal and
in a log."""

from __future__ import annotations

import io

from assessor_app.cli.output import ProgressDisplay, describe_progress, table
from assessor_app.sync.progress import SyncPhase, SyncProgress


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
