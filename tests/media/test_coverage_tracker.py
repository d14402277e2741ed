"""The coverage tracker on its own, with a clock the test moves: stretches grow with time
reports, a jump or a seek closes them, long ones are cut every few seconds, and a pause
ends the stretch where playback is now."""

from __future__ import annotations

from assessor_app.media.coverage_tracker import FLUSH_MS, CoverageTracker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def tracker() -> tuple[CoverageTracker, list[tuple[int, int]], Clock]:
    reported: list[tuple[int, int]] = []
    clock = Clock()
    return CoverageTracker(lambda s, e: reported.append((s, e)), clock), reported, clock


def test_time_reports_grow_one_stretch_until_it_is_closed() -> None:
    coverage, reported, _ = tracker()
    for ms in (250, 500, 750):
        coverage.played_to(ms, position=0, rate=1.0)
    assert coverage.running and list(coverage.ranges()) == [(0, 750)]
    assert reported == []
    coverage.close()
    assert reported == [(0, 750)] and not coverage.running
    assert list(coverage.ranges()) == [(0, 750)]


def test_a_jump_closes_the_stretch_and_starts_a_new_one_where_it_landed() -> None:
    coverage, reported, _ = tracker()
    coverage.played_to(300, position=0, rate=1.0)
    coverage.played_to(9000, position=300, rate=1.0)  # VLC skipped ahead on its own
    coverage.played_to(9250, position=9000, rate=1.0)
    coverage.close()
    assert reported == [(0, 300), (9000, 9250)]
    # At double speed a 2.5 s step between reports is still playback.
    fast, fast_reported, _ = tracker()
    fast.played_to(500, position=0, rate=2.0)
    fast.played_to(3000, position=500, rate=2.0)
    fast.close()
    assert fast_reported == [(0, 3000)]


def test_a_long_viewing_is_reported_in_pieces() -> None:
    coverage, reported, _ = tracker()
    for ms in range(250, FLUSH_MS + 1000, 250):
        coverage.played_to(ms, position=0, rate=1.0)
    assert reported == [(0, FLUSH_MS)]
    assert list(coverage.ranges()) == [(0, FLUSH_MS + 750)]


def test_a_pause_ends_the_stretch_where_playback_is_now() -> None:
    coverage, reported, clock = tracker()
    coverage.played_to(1000, position=750, rate=1.0)
    clock.now += 0.1  # 100 ms after VLC's last report
    assert coverage.hold(rate=1.0, duration=60_000) == 1100
    coverage.close()
    assert reported == [(750, 1100)]
    # Never more than the usual gap between reports, nor past the end.
    coverage.played_to(1300, position=1100, rate=1.0)
    clock.now += 5
    assert coverage.playing_now(rate=1.0, duration=60_000) == 1700
    assert coverage.reached(rate=1.0, duration=1500) == 1500


def test_a_new_media_starts_with_nothing_played() -> None:
    coverage, reported, _ = tracker()
    coverage.played_to(500, position=0, rate=1.0)
    coverage.restart()
    assert list(coverage.ranges()) == [] and not coverage.running
    coverage.close()
    assert reported == []
