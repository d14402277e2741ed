"""The calibration report PDF, read back with pdftotext: session, items, the matrix with
its disagreement marks, statistics with their meaning in words, the charts' labels,
consensus and notes, and the reader's drift; and a blind session's report shows no
levels."""

from __future__ import annotations

from pathlib import Path

from calibration_kit import (
    ANN_LEVELS,
    CONSENSUS_NOTE,
    DISCUSSION_NOTES,
    KEYED_ITEM,
    SESSION_TITLE,
    Scene,
    pdf_text,
)

from assessor_app.domain.agreement import kappa_band
from assessor_app.domain.calibration_display import format_statistic


def words(path: Path) -> str:
    return " ".join(pdf_text(path).split())


def test_report_of_a_session_with_consensus(scored: Scene, tmp_path: Path) -> None:
    scored.agree()
    ann = scored.service("ann")
    ann.fetch_keys()
    out = tmp_path / "calibration.pdf"
    view = ann.write_report(scored.session_id, out)
    assert out.read_bytes().startswith(b"%PDF")
    text = words(out)

    assert "Calibration report" in text and SESSION_TITLE in text
    assert "Credential Wait time after questions (version 1)" in text
    # everyone has submitted, so the hub reports the session as revealed
    assert "State Revealed: results are visible" in text
    assert "Participants 2, of whom 2 have submitted" in text
    # Items are named by credential and educator pseudonym, not by the hub's id.
    keyed_item = next(i for i in view.detail.items if i.submission_id == scored.keyed_submission)
    keyed_name = f"Wait time after questions · Educator {keyed_item.educator_pseudonym}"
    assert keyed_item.educator_pseudonym.startswith("E-")
    assert f"1 {keyed_name} Keyed: master scores exist" in text
    # the matrix: criterion titles, participants, levels, the marks and the key column
    assert "Wait after the question" in text and "Reflection on student thinking" in text
    assert "ann" in text and "bob" in text
    assert "≠ marks a criterion" in text
    assert f"Item 1: {scored.keyed_submission}" not in text
    matrix = text[text.index(f"Item 1: {keyed_name}") :]
    assert "Wait after the question ≠ Proficient Beginning Proficient Proficient" in matrix
    assert "Reflection on student thinking = Proficient Proficient Beginning" in matrix
    assert "Decision Pass Not Yet Not Yet" in matrix
    # statistics and their meaning
    assert view.results is not None
    overall = view.results.statistics.overall
    for label in ("Exact agreement", "Exact or adjacent", "Cohen's kappa", "Fleiss' kappa"):
        assert label in text
    assert "Krippendorff's alpha (ordinal)" in text
    assert f"All criteria {format_statistic('exact_agreement', overall.exact_agreement)}" in text
    assert overall.cohen_kappa is not None
    assert f"({kappa_band(overall.cohen_kappa)})" in text
    assert "What these numbers mean" in text and "almost perfect" in text
    # Per criterion two items: the chance-corrected statistics say why they are missing.
    assert text.count("too few items") == 8  # 2 criteria x 4 chance-corrected statistics
    # the bar chart of exact agreement per criterion, with its value labels
    assert "Exact agreement per criterion (%)" in text
    assert "50%" in text and "100%" in text
    # consensus and notes
    assert CONSENSUS_NOTE in text and DISCUSSION_NOTES in text
    # the reader's drift
    assert "Your agreement with answer keys over time" in text
    drift = text[text.index("Your agreement with answer keys over time") :]
    assert f"{KEYED_ITEM} 50% 100%" in drift
    assert scored.keyed_submission not in drift


def test_report_of_a_blind_session_shows_no_levels(scene: Scene, tmp_path: Path) -> None:
    scene.open_session()
    scene.score("ann", ANN_LEVELS)
    out = tmp_path / "blind.pdf"
    scene.service("ann").write_report(scene.session_id, out)
    text = words(out)
    assert SESSION_TITLE in text and "Open: scoring is blind" in text
    assert "Results are hidden" in text and "(1 still scoring)" in text
    assert "Proficient" not in text and "Beginning" not in text
    assert "Agreement statistics" not in text
