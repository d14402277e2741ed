"""The documentation sample: ``python -m assessor_app.reports.sample OUTDIR``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from report_kit import pdf_info, pdf_text

from assessor_app.reports.sample import PDF_NAME, PNG_NAME, sample_sheet

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def test_sample_script_writes_the_pdf_and_page_one_png(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessor_app.reports.sample", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pdf, png = tmp_path / PDF_NAME, tmp_path / PNG_NAME
    assert result.stdout.split() == [str(pdf), str(png)]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert pdf_info(pdf)["Title"] == "Feedback: Wait time in questioning, attempt 2"
    text = pdf_text(pdf)
    for expected in (
        "Decision: Pass",
        "What changed since attempt 1",
        "Wait time after questions",
        "Lesson clip, 03:12-03:40",
        "Lesson plan, p. 2",
    ):
        assert expected in text
    assert sample_sheet().private_note not in text


def test_committed_sample_is_current(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "assessor_app.reports.sample", str(tmp_path)],
        capture_output=True,
        timeout=60,
        check=True,
    )
    committed = SAMPLES / PDF_NAME
    assert (SAMPLES / PNG_NAME).is_file()
    # Same text as the committed sample: regenerate docs/samples when the report changes.
    assert pdf_text(tmp_path / PDF_NAME) == pdf_text(committed)


def test_usage_message_without_an_outdir() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessor_app.reports.sample"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "usage" in result.stderr
