"""Citation targets validate themselves; timecodes format for display."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from assessor_app.domain import Citation, PdfPage, Quote, Rect, TimeRange
from assessor_app.domain.citations import format_timecode, range_to_cite


@pytest.mark.parametrize(
    ("start", "end", "needle"),
    [(-1, 10, "-1-10"), (-5, -1, "-5--1"), (2_000, 1_999, "2000-1999")],
    ids=["negative-start", "both-negative", "end-before-start"],
)
def test_invalid_time_ranges(start: int, end: int, needle: str) -> None:
    with pytest.raises(ValueError, match="invalid time range") as info:
        TimeRange(start, end)
    assert needle in str(info.value)


def test_valid_time_ranges() -> None:
    assert TimeRange(0, 0) == TimeRange(0, 0)
    moment = TimeRange(5_000, 5_000)
    assert (moment.start_ms, moment.end_ms) == (5_000, 5_000)
    assert TimeRange(0, 3_600_000).end_ms == 3_600_000


@pytest.mark.parametrize("page", [0, -1, -100])
def test_pdf_pages_start_at_one(page: int) -> None:
    with pytest.raises(ValueError, match=f"numbered from 1, not {page}"):
        PdfPage(page)


def test_pdf_page_with_region() -> None:
    target = PdfPage(3, Rect(10.0, 20.0, 100.0, 0.0))
    assert target.page == 3
    assert target.rect == Rect(10.0, 20.0, 100.0, 0.0)
    assert PdfPage(1).rect is None


@pytest.mark.parametrize(("width", "height"), [(-1.0, 5.0), (5.0, -0.5)])
def test_rect_size_cannot_be_negative(width: float, height: float) -> None:
    with pytest.raises(ValueError, match="negative size"):
        Rect(0.0, 0.0, width, height)


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_empty_quotes_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="cannot be empty"):
        Quote(text)


def test_quote_keeps_its_text() -> None:
    assert Quote("  “I waited.”  ").text == "  “I waited.”  "


def test_citations_are_immutable_values() -> None:
    citation = Citation("artifact-1", TimeRange(1_000, 2_000))
    assert citation == Citation("artifact-1", TimeRange(1_000, 2_000))
    assert citation != Citation("artifact-2", TimeRange(1_000, 2_000))
    assert len({citation, Citation("artifact-1", TimeRange(1_000, 2_000))}) == 1
    with pytest.raises(FrozenInstanceError):
        citation.artifact_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "00:00"),
        (999, "00:00"),
        (1_000, "00:01"),
        (59_999, "00:59"),
        (60_000, "01:00"),
        (192_000, "03:12"),
        (3_599_999, "59:59"),
        (3_600_000, "1:00:00"),
        (3_723_000, "1:02:03"),
        (36_000_000, "10:00:00"),
        (-5_000, "00:00"),
    ],
)
def test_format_timecode(ms: int, text: str) -> None:
    assert format_timecode(ms) == text


@pytest.mark.parametrize(
    ("playhead", "duration", "mark_in", "mark_out", "expected"),
    [
        (30_000, 80_000, None, None, (20_000, 30_000)),  # the window ending at the playhead
        (0, 80_000, None, None, (0, 10_000)),  # C at 00:00: never an empty range
        (3_000, 80_000, None, None, (0, 3_000)),
        (0, 4_000, None, None, (0, 4_000)),  # clamped to a short video
        (0, 0, None, None, (0, 10_000)),  # duration not known yet
        (50_000, 80_000, 12_000, 47_000, (12_000, 47_000)),  # the marked range
        (50_000, 80_000, 47_000, 12_000, (12_000, 47_000)),  # O before I: swapped
        (50_000, 80_000, 12_000, 12_000, (12_000, 22_000)),  # both marks on one moment
        (30_000, 80_000, 12_000, None, (12_000, 30_000)),  # only I: up to the playhead
        (5_000, 80_000, 12_000, None, (12_000, 22_000)),  # only I, playhead before it
        (78_000, 80_000, 75_000, 75_000, (75_000, 80_000)),  # clamped at the end
        (80_000, 80_000, 80_000, None, (70_000, 80_000)),  # I at the very end
        (50_000, 80_000, None, 40_000, (30_000, 40_000)),  # only O: the window ending there
        (50_000, 80_000, None, 0, (0, 10_000)),  # O at 00:00
    ],
)
def test_range_to_cite_is_never_empty(
    playhead: int, duration: int, mark_in: int | None, mark_out: int | None, expected: tuple
) -> None:
    cited = range_to_cite(playhead, duration, 10_000, mark_in, mark_out)
    assert (cited.start_ms, cited.end_ms) == expected
    assert cited.end_ms > cited.start_ms
