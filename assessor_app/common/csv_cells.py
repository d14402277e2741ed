"""The one guard for text written into a CSV cell that people open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` is read as a formula
(``=HYPERLINK(...)`` phones home, ``@cmd|...`` once ran programs); a leading tab or carriage
return hides such a start from a naive check. Such a cell gets a leading ``'``, which
spreadsheets show as text. Every CSV export — the client's decision history and worksheet,
the hub's ``export-decisions`` — writes text through ``neutralize_formula``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def neutralize_formula(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a would-be formula gets a leading ``'``."""
    return TEXT_MARK + text if text.startswith(FORMULA_STARTS) else text
