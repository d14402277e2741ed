"""Text from the hub made safe to print: the one rule for what a terminal may be sent.

Titles, pseudonyms, descriptors, feedback, comments, file names and problem messages
come from the hub, and a hub (or whoever fills it) can put terminal escape sequences in
them: ``\\x1b]0;…\\x07`` retitles the terminal window, ``\\x1b[2J`` clears it, a bidi
override makes text read differently from how it is stored. ``printable`` removes every
escape sequence, control character and bidi override, keeping the visible text.
``file_name_part`` is the same care for file names made from hub text (a pseudonym with a
slash must not name a folder).
"""

from __future__ import annotations

import re
import unicodedata

# Escape sequences with their arguments, so "\x1b[31mred" leaves "red", not "[31mred".
# In order: string commands (OSC, DCS, SOS, PM, APC) up to their terminator (BEL or ST,
# 7-bit or C1), CSI with parameters, and any other ESC plus intermediate and final bytes.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)

# C0 and C1 controls and DEL; the bidi embeddings, overrides and isolates (U+202A-202E,
# U+2066-2069) that can reorder what a reader sees; lone surrogates, which no terminal
# encoding can write.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` without escape sequences or control characters. Line breaks become
    ``\\n`` when ``multiline``, else spaces; tabs become spaces."""
    if text.isprintable():
        # Nothing below can match: every character it removes or replaces is one Python
        # counts as unprintable. Most text takes this path, at a fraction of the cost.
        return text
    text = _SEQUENCE.sub("", text)
    text = _LINE_BREAK.sub("\n" if multiline else " ", text).replace("\t", " ")
    if multiline:
        return "\n".join(_CONTROL.sub("", line) for line in text.split("\n"))
    return _CONTROL.sub("", text)


def file_name_part(text: str, limit: int = 60) -> str:
    """``text`` as one safe piece of a file name on every system: letters, digits, ``.``,
    ``_`` and ``-`` only (accents dropped, anything else a ``-``), no leading dot, at most
    ``limit`` characters; "unnamed" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text)
    safe = re.sub(r"-{2,}", "-", safe).strip("-.")[:limit].strip("-.")
    return safe or "unnamed"


def feedback_report_name(credential_id: str, educator: str, attempt: int) -> str:
    """The default file name of a feedback report, different for every educator and
    attempt so two reports never overwrite each other:
    ``feedback-wait-time-E-4821-attempt2.pdf``."""
    return (
        f"feedback-{file_name_part(credential_id)}-{file_name_part(educator)}-attempt{attempt}.pdf"
    )
