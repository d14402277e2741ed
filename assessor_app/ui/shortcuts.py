"""The keyboard table of UI-GUIDE "Keys" as data, and the shortcut sheet (F1 or ?).

This table is the single source: tooltips ask ``shortcut_hint(action_id)`` and the sheet
lists every row, so a key changed here changes everywhere it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessor_app.ui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QKeySequence,
    QLabel,
    QShortcut,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class KeyBinding:
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


class ShortcutSheet(QDialog):
    """Every key of the table, grouped, in a read-only table a screen reader can walk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        intro = QLabel("Every scoring action has a key. Press Esc to close this sheet.", self)
        intro.setWordWrap(True)

        self.table = QTableWidget(len(SHORTCUTS), 3, self)
        self.table.setAccessibleName("Shortcut table")
        self.table.setHorizontalHeaderLabels(["Key", "Action", "Where"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, entry in enumerate(SHORTCUTS):
            key_item = QTableWidgetItem(entry.keys)
            key_font = key_item.font()
            key_font.setBold(True)
            key_item.setFont(key_font)
            self.table.setItem(row, 0, key_item)
            self.table.setItem(row, 1, QTableWidgetItem(entry.action))
            self.table.setItem(row, 2, QTableWidgetItem(entry.group))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)

    def listed_keys(self) -> list[str]:
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]


def install_shortcut_sheet(window: QWidget) -> list[QShortcut]:
    """Bind F1 and ? on ``window`` to open the sheet; returns the shortcuts (keep them)."""

    def show_sheet() -> None:
        sheet = ShortcutSheet(window)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sheet.open()

    shortcuts = []
    for sequence in binding("help").sequences:
        shortcut = QShortcut(QKeySequence(sequence), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(show_sheet)
        shortcuts.append(shortcut)
    return shortcuts
