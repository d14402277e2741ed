"""Fonts for generated PDFs: DejaVu Sans when installed, else Helvetica with ASCII stand-ins.

Reports carry educators' and assessors' own words, so curly quotes, accents and symbols
such as ✓ must come out as real, extractable text. DejaVu Sans covers them. Where it is
missing, reportlab's built-in Helvetica only knows Windows-1252, so every other character
is replaced by a readable ASCII stand-in rather than printed as a black box.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from assessor_app.domain.text import printable

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

_DEJAVU_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
    "bold_italic": "DejaVuSans-BoldOblique.ttf",
}

# Stand-ins for characters Helvetica cannot show, chosen to keep the meaning.
_ASCII_STAND_INS = {
    "✓": "[x]",
    "✔": "[x]",
    "✗": "[ ]",
    "→": "->",
    "←": "<-",
    "•": "*",
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
}


@dataclass(frozen=True)
class ReportFonts:
    """The font family a report is set in and whether text must be reduced to ASCII."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    unicode: bool

    def text(self, value: str) -> str:
        """``value`` as this font family can show it, without control characters."""
        value = printable(value, multiline=True)
        if self.unicode:
            return value
        return ascii_fallback(value)


HELVETICA = ReportFonts(
    regular="Helvetica",
    bold="Helvetica-Bold",
    italic="Helvetica-Oblique",
    bold_italic="Helvetica-BoldOblique",
    unicode=False,
)


def ascii_fallback(value: str) -> str:
    """Replace every non-ASCII character with a stand-in: a known equivalent, the letter
    without its accent, or ``?``."""
    out: list[str] = []
    for char in value:
        if char.isascii():
            out.append(char)
        elif char in _ASCII_STAND_INS:
            out.append(_ASCII_STAND_INS[char])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


def load_fonts(directory: Path = DEJAVU_DIR) -> ReportFonts:
    """Register DejaVu Sans from ``directory`` with reportlab, or return Helvetica when any
    of its four faces is missing or unreadable."""
    return _load_fonts(Path(directory).resolve())


@lru_cache(maxsize=8)
def _load_fonts(directory: Path) -> ReportFonts:
    paths = {face: directory / name for face, name in _DEJAVU_FILES.items()}
    if not all(p.is_file() for p in paths.values()):
        return HELVETICA
    # The directory is part of the name so that two font directories never collide in
    # reportlab's process-wide registry.
    suffix = f"@{directory}"
    names = {face: f"DejaVuSans-{face}{suffix}" for face in paths}
    try:
        for face, path in paths.items():
            pdfmetrics.registerFont(TTFont(names[face], str(path)))
    except (TTFError, OSError):
        return HELVETICA
    family = names["regular"]
    addMapping(family, 0, 0, names["regular"])
    addMapping(family, 1, 0, names["bold"])
    addMapping(family, 0, 1, names["italic"])
    addMapping(family, 1, 1, names["bold_italic"])
    return ReportFonts(
        regular=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        bold_italic=names["bold_italic"],
        unicode=True,
    )
