"""``printable``: what may reach a terminal from text the hub sent, and the command
line's filters built on it (every printed line, tables, the progress line, JSON)."""

from __future__ import annotations

import io
import json

import pytest

from assessor_app.cli.output import (
    ProgressDisplay,
    json_text,
    shorten,
    table,
    terminal_text,
)
from assessor_app.domain.text import feedback_report_name, file_name_part, printable
from assessor_app.sync.progress import SyncPhase, SyncProgress


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[m", "bold"),
        ("a\x1b]0;new title\x07b", "ab"),
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
        ("a\x9b2Jb\x9d0;t\x9cc", "abc"),
        ("clear\x1b[2J\x1b[Hscreen", "clearscreen"),
        ("a\x1b(Bb\x1b7c", "abc"),
        ("bell\x07 back\x08space del\x7f nul\x00", "bell backspace del nul"),
        ("\u202eevil\u202c \u2066iso\u2069", "evil iso"),
        ("lone \ud800surrogate", "lone surrogate"),
        ("unterminated \x1b]0;title", "unterminated 0;title"),
        ("<b>markup</b> stays", "<b>markup</b> stays"),
        ("Ünïcödé · 中文 · عربى", "Ünïcödé · 中文 · عربى"),
        ("one\ntwo\r\nthree\u2028four\tfive", "one two three four five"),
    ],
)
def test_printable_removes_sequences_and_controls(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_multiline_keeps_line_breaks_only() -> None:
    assert printable("a\r\nb\rc\n\x1b[31md\x85e", multiline=True) == "a\nb\nc\nd\ne"
    assert terminal_text("line 1\n\x1b]0;x\x07line 2") == "line 1\nline 2"


def test_tables_and_shortened_text_are_single_line_and_clean() -> None:
    assert shorten("a\nb\x1b[2Jc", 40) == "a bc"
    assert table(["A"], [["x\x1b[31m\ny"]]) == "A\nx y"


def test_json_keeps_the_hub_text_but_escapes_what_a_terminal_acts_on() -> None:
    data = {"title": "\x1b[31m<b>\x9b2J\u202e\ud800 ok é"}
    text = json_text(data)
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in text)
    assert not any(0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E for ch in text)
    assert "\\u009b" in text and "\\u202e" in text and "é" in text
    assert json.loads(text) == data


def test_the_progress_line_shows_a_hostile_file_name_as_text() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, tty=False)
    display(SyncProgress(SyncPhase.DOWNLOADS, 0, 1, 10, 100, "\x1b[2J<b>clip\x1b]0;t\x07.mp4"))
    drawn = stream.getvalue()
    assert "<b>clip.mp4" in drawn
    assert "\x1b" not in drawn and "\x07" not in drawn


def test_text_python_counts_printable_is_kept_whole() -> None:
    # ``printable`` returns such text at once; that is safe only while every character
    # its rules remove or replace (the start of a sequence, controls, bidi marks, line
    # breaks, tabs) is one Python counts as unprintable.
    from assessor_app.domain import text

    kept = [chr(c) for c in range(0x110000) if chr(c).isprintable()]
    assert len(kept) > 100_000
    touched = [
        ch
        for ch in kept
        if text._CONTROL.match(ch)
        or text._LINE_BREAK.match(ch)
        or ch in "\t\x1b\x90\x98\x9b\x9c\x9d\x9e\x9f"
    ]
    assert touched == []
    assert printable("Checking for Understanding · E-4821 ✓") == (
        "Checking for Understanding · E-4821 ✓"
    )


def test_report_file_names_are_safe_and_name_the_educator_and_attempt() -> None:
    assert (
        feedback_report_name("wait-time-questioning", "E-4821", 2)
        == "feedback-wait-time-questioning-E-4821-attempt2.pdf"
    )
    # Two educators' reports of one credential never share a name.
    assert feedback_report_name("cfu", "E-1", 1) != feedback_report_name("cfu", "E-2", 1)
    assert feedback_report_name("cfu", "Educator É/../x\x1b[2J", 3) == (
        "feedback-cfu-Educator-E-..-x-2J-attempt3.pdf"
    )
    assert file_name_part("../../etc") == "etc"
    assert file_name_part("   ") == "unnamed"
    assert file_name_part("…") == "unnamed"
    assert len(file_name_part("x" * 500)) == 60
