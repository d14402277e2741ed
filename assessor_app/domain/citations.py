"""Evidence citations: a pointer from a rationale into one artifact."""

from __future__ import annotations

from dataclasses import dataclass


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
    """Text quoted from a text, PDF or spreadsheet artifact."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a quotation cannot be empty")


@dataclass(frozen=True)
class Citation:
    artifact_id: str
    target: TimeRange | PdfPage | Quote


def format_timecode(ms: int) -> str:
    """``03:12`` under an hour, ``1:02:03`` above."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"
