"""Wire conversions of protocol v1 round-trip score sheets and citations without loss."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from assessor_app.domain import (
    Citation,
    CriterionScore,
    Decision,
    ImageRegion,
    PdfPage,
    Quote,
    Rect,
    ScoreSheet,
    TableCell,
    TimeRange,
)
from assessor_app.domain.citations import LABEL_LIMIT
from assessor_app.protocol.v1 import (
    AnyCitationWire,
    CellCitation,
    CitationWire,
    DecisionUpload,
    PageCitation,
    QuoteCitation,
    RegionCitation,
    TimeCitation,
    citation_from_wire,
    citation_to_wire,
)

CITATIONS = [
    Citation("video-1", TimeRange(192_000, 197_500)),
    Citation("video-1", TimeRange(0, 0)),
    Citation("plan-1", PdfPage(2)),
    Citation("plan-1", PdfPage(4, Rect(72.0, 144.5, 200.0, 36.0))),
    Citation("reflection-1", Quote("I counted to five before calling on anyone.")),
    Citation("plan-1", Quote("Wait five seconds.", page=2)),
    Citation("photo-1", ImageRegion(Rect(12.0, 40.0, 300.0, 120.5))),
    Citation("quiz-1", TableCell("S01", "Q3", "2")),
]
WIRE_KINDS = [
    TimeCitation,
    TimeCitation,
    PageCitation,
    PageCitation,
    QuoteCitation,
    QuoteCitation,
    RegionCitation,
    CellCitation,
]
ADAPTER: TypeAdapter[AnyCitationWire] = TypeAdapter(CitationWire)
SCORED_AT = datetime(2025, 3, 4, 14, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(("citation", "wire_kind"), list(zip(CITATIONS, WIRE_KINDS, strict=True)))
def test_citation_round_trip(citation: Citation, wire_kind: type) -> None:
    wire = citation_to_wire(citation)
    assert isinstance(wire, wire_kind)
    assert wire.artifact_id == citation.artifact_id
    assert citation_from_wire(wire) == citation
    # Through JSON as the hub would receive it, using the discriminated union.
    parsed = ADAPTER.validate_json(wire.model_dump_json())
    assert citation_from_wire(parsed) == citation


def test_citation_json_shape() -> None:
    assert citation_to_wire(CITATIONS[0]).model_dump() == {
        "kind": "time",
        "artifact_id": "video-1",
        "start_ms": 192_000,
        "end_ms": 197_500,
    }
    assert citation_to_wire(CITATIONS[2]).model_dump() == {
        "kind": "page",
        "artifact_id": "plan-1",
        "page": 2,
        "rect": None,
    }


def test_impossible_wire_citations_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid time range"):
        citation_from_wire(TimeCitation(artifact_id="v", start_ms=5_000, end_ms=4_000))
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"kind": "page", "artifact_id": "p", "page": 0})
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"kind": "quote", "artifact_id": "q", "text": ""})
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"kind": "time", "artifact_id": "v", "start_ms": -1, "end_ms": 3})


def test_new_targets_are_strict_and_bounded() -> None:
    assert citation_to_wire(CITATIONS[7]).model_dump() == {
        "kind": "cell",
        "artifact_id": "quiz-1",
        "row": "S01",
        "column": "Q3",
        "value": "2",
    }
    flat = {"kind": "region", "artifact_id": "i", "rect": {"x": 0, "y": 0, "width": 0, "height": 9}}
    with pytest.raises(ValueError, match="image region needs"):
        citation_from_wire(ADAPTER.validate_python(flat))
    refused = [
        {"kind": "region", "artifact_id": "i"},
        {"kind": "region", "artifact_id": "i", "rect": {**flat["rect"], "x": "nan", "width": 1}},
        {"kind": "cell", "artifact_id": "t", "row": "", "column": "Q3"},
        {"kind": "cell", "artifact_id": "t", "row": "S" * (LABEL_LIMIT + 1), "column": "Q3"},
        {"kind": "cell", "artifact_id": "t", "row": "S01", "column": "Q3", "colour": "red"},
        {"kind": "cell", "artifact_id": "t", "row": "S01", "column": "Q3", "value": "x" * 4001},
        {"kind": "quote", "artifact_id": "q", "text": "x", "page": 0},
    ]
    for document in refused:
        with pytest.raises(ValidationError):
            ADAPTER.validate_python(document)


def full_sheet(override: Decision | None = None, override_reason: str = "") -> ScoreSheet:
    return ScoreSheet(
        scores={
            "pause": CriterionScore(
                "pause", "proficient", "Pauses of 3-4 s.", tuple(CITATIONS[:2])
            ),
            "participation": CriterionScore("participation", "many", "", (CITATIONS[4],)),
            "reflection": CriterionScore("reflection", None, "Not scored yet.", ()),
        },
        feedback="Your pauses gave students room to think.",
        private_note="Audio drops at 07:10.",
        override=override,
        override_reason=override_reason,
    )


def test_upload_round_trip_without_override() -> None:
    sheet = full_sheet()
    upload = DecisionUpload.from_sheet(sheet, Decision.PASS, SCORED_AT)
    assert upload.decision is Decision.PASS
    assert upload.scored_at == SCORED_AT
    assert [c.criterion_id for c in upload.criteria] == ["pause", "participation", "reflection"]
    assert upload.to_sheet(computed=Decision.PASS) == sheet
    received = DecisionUpload.model_validate_json(upload.model_dump_json())
    assert received == upload
    assert received.to_sheet(computed=Decision.PASS) == sheet


def test_upload_round_trip_with_override() -> None:
    sheet = full_sheet(override=Decision.NOT_YET, override_reason="Video is of another class.")
    upload = DecisionUpload.from_sheet(sheet, Decision.NOT_YET, SCORED_AT)
    assert upload.override_reason == "Video is of another class."
    received = DecisionUpload.model_validate_json(upload.model_dump_json())
    assert received.to_sheet(computed=Decision.PASS) == sheet


def test_an_override_equal_to_the_computed_result_is_not_an_override() -> None:
    sheet = full_sheet(override=Decision.PASS)
    upload = DecisionUpload.from_sheet(sheet, Decision.PASS, SCORED_AT)
    restored = upload.to_sheet(computed=Decision.PASS)
    assert restored.override is None
    assert restored.scores == sheet.scores


def test_return_incomplete_with_no_scores() -> None:
    sheet = ScoreSheet(override=Decision.RETURN_INCOMPLETE, feedback="The video has no sound.")
    upload = DecisionUpload.from_sheet(sheet, Decision.RETURN_INCOMPLETE, SCORED_AT)
    assert upload.criteria == []
    assert upload.to_sheet(computed=None) == sheet


def test_upload_rejects_unknown_fields() -> None:
    payload = DecisionUpload.from_sheet(full_sheet(), Decision.PASS, SCORED_AT).model_dump(
        mode="json"
    )
    payload["grade"] = "A"
    with pytest.raises(ValidationError, match="grade"):
        DecisionUpload.model_validate(payload)
