"""The keyboard table of UI-GUIDE "Keys", as data.

This table is the single source: tooltips ask ``shortcut_hint(action_id)``, the main
window binds the keys it owns from it, and the shortcut sheet (``shortcut_sheet.py``)
lists every row, so a key changed here changes everywhere it is shown. No Qt here: the
queue asks for its hints while the window is first built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from assessor_app.ui.qt import QKeySequence


class KeyBinding(NamedTuple):
    """``keys`` is how the key is written for people; ``sequences`` are what Qt binds
    (empty where the owner handles the key itself, e.g. Enter in the comment bank). A
    pair of sequences is always (back, forward): previous before next."""

    action_id: str
    keys: str
    action: str
    group: str
    sequences: tuple[str, ...] = ()


SHORTCUTS: tuple[KeyBinding, ...] = (
    KeyBinding("play_pause", "Space / K", "play / pause", "Video", ("Space", "K")),
    KeyBinding("skip", "J / L", "back / forward 5 s (held: shuttle)", "Video", ("J", "L")),
    KeyBinding("frame_step", ", / .", "frame step back / forward (paused)", "Video", (",", ".")),
    KeyBinding("speed", "[ / ]", "slower / faster (0.5x-2x)", "Video", ("[", "]")),
    KeyBinding("go_to_time", "G", "go to time", "Video", ("G",)),
    KeyBinding(
        "mark_range",
        "I / O",
        "mark the start / end of the range to cite (Esc clears)",
        "Video",
        ("I", "O"),
    ),
    KeyBinding(
        "note",
        "N",
        "new time-pinned note (pauses; Enter saves and resumes; Esc cancels)",
        "Video",
        ("N",),
    ),
    KeyBinding(
        "choose_level",
        "1-9",
        "choose that level for the current criterion",
        "Rubric",
        tuple(str(number) for number in range(1, 10)),
    ),
    KeyBinding(
        "into_rationale",
        "Enter",
        "into the current criterion's rationale",
        "Rubric",
        ("Return", "Enter"),
    ),
    KeyBinding(
        "next_criterion",
        "Tab / Shift+Tab (in a rationale), Up / Down",
        "next / previous criterion",
        "Rubric",
        ("Up", "Down"),
    ),
    KeyBinding(
        "cite",
        "C",
        "cite: marked video range / image region / PDF page / table cell / selected text "
        "into the current rationale",
        "Rubric",
        ("C",),
    ),
    KeyBinding(
        "overview",
        "Ctrl+G",
        "rubric overview: every criterion and level (arrows and Enter choose; Esc closes)",
        "Rubric",
        ("Ctrl+G",),
    ),
    KeyBinding(
        "insert_comment",
        "Enter (in the comment bank)",
        "insert the chosen comment into the feedback",
        "Rubric",
    ),
    KeyBinding(
        "artifact",
        "Ctrl+Page Up / Page Down",
        "previous / next artifact",
        "Workspace",
        ("Ctrl+PgUp", "Ctrl+PgDown"),
    ),
    KeyBinding(
        "finalize",
        "Ctrl+Enter",
        "finalize (shows problems or a summary to confirm)",
        "Workspace",
        ("Ctrl+Return", "Ctrl+Enter"),
    ),
    KeyBinding(
        "submission",
        "Ctrl+] / Ctrl+[",
        "next / previous submission in the queue",
        "Workspace",
        ("Ctrl+[", "Ctrl+]"),
    ),
    KeyBinding(
        "reads",
        "Ctrl+R",
        "to the other reads, side by side (adjudication, backread; Esc back)",
        "Workspace",
        ("Ctrl+R",),
    ),
    KeyBinding(
        "decline",
        "Ctrl+D",
        "decline the assignment (conflict of interest, cannot score it)…",
        "Workspace",
        ("Ctrl+D",),
    ),
    KeyBinding(
        "back_to_evidence",
        "Esc (in a rationale, the feedback or a note)",
        "back to the evidence (typing there pauses the video)",
        "Workspace",
    ),
    KeyBinding("note_go", "Enter (in the notes pane)", "go to the note or citation", "Notes"),
    KeyBinding(
        "note_edit",
        "F2",
        "edit the note: text, criterion, shared with the educator",
        "Notes",
        ("F2",),
    ),
    KeyBinding("note_delete", "Delete", "delete the note or citation", "Notes", ("Del",)),
    KeyBinding(
        "note_undo",
        "Ctrl+Z",
        "undo the last delete or edit in the notes pane",
        "Notes",
        ("Ctrl+Z",),
    ),
    KeyBinding(
        "note_insert",
        "Ctrl+I",
        "insert the note into its criterion's rationale",
        "Notes",
        ("Ctrl+I",),
    ),
    KeyBinding("filter", "Ctrl+F", "filter the queue", "Queue", ("Ctrl+F",)),
    KeyBinding("toggle_queue", "Ctrl+B", "show / hide the queue", "Queue", ("Ctrl+B",)),
    KeyBinding(
        "backreading",
        "Ctrl+Shift+B",
        "backreading: backreaders' findings on your sheets",
        "Window",
        ("Ctrl+Shift+B",),
    ),
    KeyBinding("sync", "F5", "sync (Esc or the Cancel button stops it)", "Window", ("F5",)),
    KeyBinding("quit", "Ctrl+Q", "quit (everything is saved already)", "Window", ("Ctrl+Q",)),
    KeyBinding("help", "F1 or ?", "shortcut sheet", "Help", ("F1", "?")),
)

_BY_ID = {binding.action_id: binding for binding in SHORTCUTS}


def binding(action_id: str) -> KeyBinding:
    return _BY_ID[action_id]


def key_sequences(action_id: str) -> list[QKeySequence]:
    """What Qt binds for ``action_id``; every ``QShortcut`` and ``QAction`` key of the app
    comes from here (a test walks the window to check)."""
    from assessor_app.ui.qt import QKeySequence

    return [QKeySequence(sequence) for sequence in _BY_ID[action_id].sequences]


def shortcut_hint(action_id: str) -> str:
    """The key as written for people, e.g. ``Ctrl+F``; for tooltips and placeholders."""
    return _BY_ID[action_id].keys


def with_hint(text: str, action_id: str) -> str:
    """A tooltip that ends with its key: ``Cite this moment (C)``."""
    return f"{text} ({shortcut_hint(action_id)})"


def with_key(text: str, action_id: str, index: int) -> str:
    """A tooltip that ends with one of the row's keys: ``Next criterion (Down)``."""
    return f"{text} ({_BY_ID[action_id].sequences[index]})"
