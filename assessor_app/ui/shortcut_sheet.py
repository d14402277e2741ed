"""The shortcut sheet (F1 or ?): every key of the table in ``shortcuts.py``, grouped, in
a read-only table a screen reader can walk."""

from __future__ import annotations

from assessor_app.ui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.screen_fit import fit_to_screen
from assessor_app.ui.shortcuts import SHORTCUTS


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
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # One line a row: the sheet is wide enough, and the rows read as a list.
        self.table.setWordWrap(False)
        for row, entry in enumerate(SHORTCUTS):
            key_item = QTableWidgetItem(entry.keys)
            key_font = key_item.font()
            key_font.setBold(True)
            key_item.setFont(key_font)
            self.table.setItem(row, 0, key_item)
            action = QTableWidgetItem(entry.action)
            # The whole text, where a narrow screen cuts the line short.
            action.setToolTip(entry.action)
            self.table.setItem(row, 1, action)
            self.table.setItem(row, 2, QTableWidgetItem(entry.group))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, 900, 640)

    def listed_keys(self) -> list[str]:
        items = (self.table.item(row, 0) for row in range(self.table.rowCount()))
        return [item.text() for item in items if item is not None]
