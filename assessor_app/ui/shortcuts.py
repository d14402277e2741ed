"""The keyboard table of UI-GUIDE "Keys", as data.

This table is the single source: tooltips ask ``shortcut_hint(action_id)``, the main
window binds the keys it owns from it, and the shortcut sheet (``shortcut_sheet.py``)
lists every row, so a key changed here changes everywhere it is shown. No Qt here: the
queue asks for its hints while the window is first built.
"""

from __future__ import annotations

from typing import NamedTuple


class KeyBinding(NamedTuple):
    """``keys`` is how the key is written for people; ``sequences`` are what Qt binds
    (empty where the owner handles the key itself, e.g. digits in the rubric panel)."""

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
    KeyBinding("choose_level", "1-9", "choose that level for the focused criterion", "Rubric"),
    KeyBinding(
        "next_criterion",
        "Up / Down or Tab / Shift+Tab",
        "previous / next criterion",
        "Rubric",
    ),
    KeyBinding(
        "cite",
        "C",
        "cite: current video range / PDF page / selected text into the focused rationale",
        "Rubric",
        ("C",),
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
    KeyBinding("filter", "Ctrl+F", "filter the queue", "Queue", ("Ctrl+F",)),
    KeyBinding("help", "F1 or ?", "shortcut sheet", "Help", ("F1", "?")),
)

_BY_ID = {binding.action_id: binding for binding in SHORTCUTS}


def binding(action_id: str) -> KeyBinding:
    return _BY_ID[action_id]


def shortcut_hint(action_id: str) -> str:
    """The key as written for people, e.g. ``Ctrl+F``; for tooltips and placeholders."""
    return _BY_ID[action_id].keys


def with_hint(text: str, action_id: str) -> str:
    """A tooltip that ends with its key: ``Cite this moment (C)``."""
    return f"{text} ({shortcut_hint(action_id)})"
