"""Readable references for evidence citations, as an educator reads them in a report.

A citation points into one artifact of the submission; the reference names the artifact by
its title (or its file name when it has none) and says where in it to look:
``Video 'Lesson clip', 03:12-03:40``, ``Lesson plan, p. 2``,
``Reflection: “I waited longer…”``. A citation whose artifact is gone from the submission
still gets a sentence, never an error: the report must render whatever the sheet holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assessor_app.domain import Artifact, ArtifactKind, Citation, PdfPage, Quote, TimeRange
from assessor_app.domain.citations import format_timecode

MISSING_ARTIFACT = "an artifact no longer in the submission"
QUOTE_LIMIT = 160

# Media whose name reads better with its kind in front: "Video 'Lesson clip'".
_KIND_NOUNS = {
    ArtifactKind.VIDEO: "Video",
    ArtifactKind.AUDIO: "Audio",
    ArtifactKind.IMAGE: "Image",
}


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


def _artifact_name(artifact: Artifact) -> str:
    return " ".join(artifact.display_name.split()) or artifact.id


def describe_citation(citation: Citation, artifacts: Mapping[str, Artifact]) -> str:
    """One citation as a phrase; ``artifacts`` maps artifact id to the submission's artifact."""
    artifact = artifacts.get(citation.artifact_id)
    target = citation.target
    if artifact is None:
        return MISSING_ARTIFACT
    name = _artifact_name(artifact)
    noun = _KIND_NOUNS.get(artifact.kind)
    label = f"{noun} '{name}'" if noun else name
    if isinstance(target, TimeRange):
        return f"{label}, {format_timecode(target.start_ms)}-{format_timecode(target.end_ms)}"
    if isinstance(target, PdfPage):
        return f"{label}, p. {target.page}"
    if isinstance(target, Quote):
        return f"{label}: “{trim_quote(target.text)}”"
    return label


def artifact_index(artifacts: Iterable[Artifact]) -> dict[str, Artifact]:
    return {a.id: a for a in artifacts}


def describe_citations(citations: Iterable[Citation], artifacts: Iterable[Artifact]) -> list[str]:
    """Every citation as a phrase, in the order the assessor recorded them."""
    index = artifact_index(artifacts)
    return [describe_citation(c, index) for c in citations]
