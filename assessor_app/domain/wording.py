"""Counting words the same way everywhere: "1 decision uploaded", "2 decisions uploaded".

The one home of plural wording for the GUI, the command line and the sync report.
"""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with the noun in the right number: ``plural(1, "file")`` is "1 file",
    ``plural(3, "file")`` is "3 files"; irregular nouns pass their plural form."""
    noun = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count} {noun}"
