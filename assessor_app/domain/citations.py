"""Evidence citations: a pointer from a rationale into one artifact, and the one way a
citation is put into words (``describe_citation``: the chip, the report and the command
line all use it), so "Lesson plan, p. 2" reads the same everywhere.

Also here: the rule for the video range the Cite key takes (``range_to_cite``), so it can
never be empty whatever the marks and the playhead say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assessor_app.domain.artifacts import Artifact

# Table labels come from the artifact's own cells; a citation keeps them bounded.
LABEL_LIMIT = 200
QUOTE_LIMIT = 160
MISSING_ARTIFACT = "an artifact no longer in the submission"


@dataclass(frozen=True)
class TimeRange:
    """A stretch of a video or audio artifact, in milliseconds."""

    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if self.start_ms < 0 or self.end_ms < self.start_ms:
            raise ValueError(f"invalid time range {self.start_ms}-{self.end_ms} ms")


@dataclass(frozen=True)
class Rect:
    """A rectangle on a PDF page, in PDF points from the top-left corner."""

    x: float
    y: float
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError("a rectangle cannot have a negative size")


@dataclass(frozen=True)
class PdfPage:
    """A page (1-based) of a PDF artifact, optionally a region of it."""

    page: int
    rect: Rect | None = None

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError(f"PDF pages are numbered from 1, not {self.page}")


@dataclass(frozen=True)
class Quote:
    """Text quoted from a text or PDF artifact; ``page`` (1-based) when it is from a PDF."""

    text: str
    page: int | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a quotation cannot be empty")
        if self.page is not None and self.page < 1:
            raise ValueError(f"PDF pages are numbered from 1, not {self.page}")


@dataclass(frozen=True)
class ImageRegion:
    """A rectangle of an image, in the image's pixels from its top-left corner."""

    rect: Rect

    def __post_init__(self) -> None:
        if self.rect.x < 0 or self.rect.y < 0 or self.rect.width <= 0 or self.rect.height <= 0:
            raise ValueError("an image region needs a position inside the image and a size")


@dataclass(frozen=True)
class TableCell:
    """One cell of a table: its row, named by the row's first cell, and its column heading.

    ``value`` is what the cell held when it was cited, so the report can quote it."""

    row: str
    column: str
    value: str = ""

    def __post_init__(self) -> None:
        for what, label in (("row", self.row), ("column", self.column)):
            if not label.strip():
                raise ValueError(f"a table cell needs its {what}")
            if len(label) > LABEL_LIMIT:
                raise ValueError(f"a table cell's {what} is longer than {LABEL_LIMIT} characters")


CiteTarget = TimeRange | PdfPage | Quote | ImageRegion | TableCell


@dataclass(frozen=True)
class Citation:
    artifact_id: str
    target: CiteTarget


def format_timecode(ms: int) -> str:
    """``03:12`` under an hour, ``1:02:03`` above."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_range(target: TimeRange) -> str:
    return f"{format_timecode(target.start_ms)}-{format_timecode(target.end_ms)}"


def range_to_cite(
    playhead_ms: int,
    duration_ms: int,
    window_ms: int,
    mark_in: int | None = None,
    mark_out: int | None = None,
) -> TimeRange:
    """The video range the Cite key takes: the marked range, else ``window_ms`` ending at the
    playhead. Never empty: a range that would be (C at 00:00, marks on one frame) becomes
    ``window_ms`` from its start, clamped to the duration when it is known.

    One mark stands for one end: with only an in point the range runs to the playhead (or a
    window on from it when the playhead is before it); with only an out point it is the
    window ending there. Marks set in the wrong order are swapped."""
    window = max(1, window_ms)
    if mark_in is not None and mark_out is not None:
        start, end = sorted((mark_in, mark_out))
    elif mark_in is not None:
        start = mark_in
        end = playhead_ms if playhead_ms > mark_in else mark_in + window
    elif mark_out is not None:
        start, end = mark_out - window, mark_out
    else:
        start, end = playhead_ms - window, playhead_ms
    start = max(0, start)
    if end <= start:
        end = start + window
    if duration_ms > 0:
        end = min(end, duration_ms)
        if end <= start:
            start = max(0, end - window)
    return TimeRange(start, max(end, start + 1))


def trim_quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Collapse whitespace and cut at a word boundary under ``limit`` characters, adding an
    ellipsis when anything was cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # A quote of one enormous word is cut mid-word rather than reduced to nothing.
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def describe_place(target: CiteTarget) -> str:
    """Where in its artifact a target points: "03:12-03:40", "p. 2", "region",
    "row S01, column Q3"; "" for a quote with no page."""
    if isinstance(target, TimeRange):
        return format_range(target)
    if isinstance(target, PdfPage):
        return f"p. {target.page}"
    if isinstance(target, ImageRegion):
        return "region"
    if isinstance(target, TableCell):
        return f"row {' '.join(target.row.split())}, column {' '.join(target.column.split())}"
    return f"p. {target.page}" if target.page is not None else ""


def describe_citation(
    citation: Citation, artifacts: Mapping[str, Artifact], quote_limit: int = QUOTE_LIMIT
) -> str:
    """One citation in words: the artifact by its title (its file name when it has none),
    where in it, and a quote (cut at a word under ``quote_limit``) when there is one:
    ``Classroom video, 03:12-03:40``, ``Lesson plan, p. 2: “I waited…”``,
    ``Quiz results, row S01, column Q3``. ``artifacts`` maps artifact id to artifact; a
    citation of one no longer there still gets words, never an error."""
    artifact = artifacts.get(citation.artifact_id)
    name = (" ".join(artifact.display_name.split()) or artifact.id) if artifact else None
    target = citation.target
    words = ", ".join(part for part in (name or MISSING_ARTIFACT, describe_place(target)) if part)
    if isinstance(target, Quote):
        return f"{words}: “{trim_quote(target.text, quote_limit)}”"
    return words


def describe_citations(citations: Iterable[Citation], artifacts: Iterable[Artifact]) -> list[str]:
    """Every citation in words, in the order the assessor recorded them."""
    index = {a.id: a for a in artifacts}
    return [describe_citation(c, index) for c in citations]
