"""Font choice: DejaVu Sans when installed, Helvetica with ASCII stand-ins when not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from report_kit import Rendered, pdf_fonts, sheet

from assessor_app.domain import Citation, CriterionScore, Quote
from assessor_app.reports.fonts import DEJAVU_DIR, HELVETICA, ascii_fallback, load_fonts


def test_dejavu_is_used_when_installed() -> None:
    fonts = load_fonts(DEJAVU_DIR)
    assert fonts.unicode
    assert fonts.text("“Café” ✓") == "“Café” ✓"


def test_missing_font_directory_falls_back_to_helvetica(tmp_path: Path) -> None:
    assert load_fonts(tmp_path / "no-fonts-here") == HELVETICA


def test_unreadable_font_files_fall_back_to_helvetica(tmp_path: Path) -> None:
    for name in (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ):
        (tmp_path / name).write_bytes(b"this is not a font")
    assert load_fonts(tmp_path) == HELVETICA


def test_one_missing_face_falls_back_to_helvetica(tmp_path: Path) -> None:
    (tmp_path / "DejaVuSans.ttf").write_bytes((DEJAVU_DIR / "DejaVuSans.ttf").read_bytes())
    assert load_fonts(tmp_path) == HELVETICA


def test_ascii_stand_ins_keep_the_meaning() -> None:
    assert ascii_fallback("“Café” ✓ Awarded — 03:12–03:40…") == (
        '"Cafe" [x] Awarded - 03:12-03:40...'
    )
    assert ascii_fallback("Zoë’s naïve façade") == "Zoe's naive facade"
    assert ascii_fallback("学生") == "??"
    assert HELVETICA.text("✓") == "[x]"


def test_report_in_the_fallback_font_is_plain_ascii(
    render: Callable[..., Rendered],
) -> None:
    quoted = sheet().with_score(
        CriterionScore(
            "reflection",
            "reflection-3",
            "Zoë’s “reflection” is clear.",
            (Citation("refl", Quote("Les élèves ont répondu.")),),
        )
    )
    report = render(sheet=quoted, fonts=HELVETICA)
    assert "[x] Awarded" in report.text
    assert 'Zoe\'s "reflection" is clear.' in report.text
    assert 'Reflection: "Les eleves ont repondu."' in report.text
    assert report.text.isascii()
    fonts = pdf_fonts(report.pdf)
    assert "Helvetica" in fonts
    assert "DejaVu" not in fonts


def test_report_in_dejavu_embeds_it_and_keeps_unicode(
    render: Callable[..., Rendered],
) -> None:
    quoted = sheet().with_rationale("reflection", "Zoë’s “reflection” is clear.")
    report = render(sheet=quoted)
    assert "✓ Awarded" in report.text
    assert "Zoë’s “reflection” is clear." in report.text
    assert "DejaVuSans" in pdf_fonts(report.pdf)
