"""Artifacts: the evidence files of a submission."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ArtifactKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    PDF = "pdf"
    IMAGE = "image"
    TEXT = "text"
    SPREADSHEET = "spreadsheet"
    OTHER = "other"


_TEXT_TYPES = {"text/plain", "text/markdown"}
_SPREADSHEET_TYPES = {
    "text/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Artifact:
    """One evidence file. ``filename`` is for display only and never becomes a path."""

    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    title: str = ""

    @property
    def kind(self) -> ArtifactKind:
        media = self.media_type.split(";")[0].strip().lower()
        if media in _SPREADSHEET_TYPES:
            return ArtifactKind.SPREADSHEET
        if media in _TEXT_TYPES:
            return ArtifactKind.TEXT
        if media == "application/pdf":
            return ArtifactKind.PDF
        major = media.split("/")[0]
        if major in ("video", "audio", "image"):
            return ArtifactKind(major)
        return ArtifactKind.OTHER

    @property
    def display_name(self) -> str:
        return self.title or self.filename
