"""The progress reporter's download rate and stalled names, as the CLI and the status
bar get them; and the cancel token's wait."""

from __future__ import annotations

import threading
import time

from assessor_app.sync.progress import CancelToken, ProgressReporter, SyncPhase, SyncProgress


def test_the_rate_follows_the_bytes_and_falls_to_zero_while_a_download_is_stalled() -> None:
    seen: list[SyncProgress] = []
    reporter = ProgressReporter(seen.append, interval=0)
    reporter.phase(SyncPhase.DOWNLOADS, items_total=2, bytes_total=1_000_000)
    reporter.add_bytes(100_000, "a.mp4")
    time.sleep(0.2)
    reporter.add_bytes(100_000, "a.mp4")
    assert 300_000 < seen[-1].bytes_per_second < 1_000_000  # 100 kB in about 0.2 s

    reporter.RATE_WINDOW = 0.1  # a short window, so the pause below outlasts it
    time.sleep(0.3)
    reporter.stalled("a.mp4", True)
    assert seen[-1].stalled == ("a.mp4",) and seen[-1].bytes_per_second == 0
    reporter.stalled("b.mp4", True)
    reporter.stalled("a.mp4", False)
    assert seen[-1].stalled == ("b.mp4",)
    reporter.phase(SyncPhase.UPLOADS)
    assert seen[-1].stalled == () and seen[-1].bytes_per_second == 0


def test_a_cancel_token_wakes_its_waiters_at_once() -> None:
    token = CancelToken()
    assert token.wait(0.01) is False
    threading.Timer(0.1, token.cancel).start()
    started = time.monotonic()
    assert token.wait(30) is True
    assert time.monotonic() - started < 1 and token.cancelled and token()
