"""The other reads of the submission, side by side per criterion: both reads for an
adjudicator ("Read A", "Read B"), the decided read for a backreader. Readers are never
named. A table (model/view) reached with its key from anywhere in the workspace; arrows
move from cell to cell and a screen reader reads each cell whole; Esc goes back to the
rubric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assessor_app.ui.plain_text import plain_label
from assessor_app.ui.qt import (
    QAbstractItemView,
    QHeaderView,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.shortcuts import shortcut_hint
from assessor_app.ui.table_models import ReadOnlyTableModel

if TYPE_CHECKING:
    from assessor_app.services.scoring_ops import ReadsTable
    from assessor_app.ui.qt import QKeyEvent

AnyIndex = QModelIndex | QPersistentModelIndex

NOT_HERE_TEXT = (
    "The reads of this submission are not on this computer yet: sync, and they are fetched."
)


class ReadsModel(ReadOnlyTableModel):
    """Column 0 names the row (a criterion, Decision, Feedback); one column per read."""

    def __init__(self, table: ReadsTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table = table

    def row_total(self) -> int:
        return len(self._table.rows)

    def header_words(self) -> Sequence[str]:
        return ("Criterion", *self._table.labels)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        title, cells = self._table.rows[index.row()]
        text = title if index.column() == 0 else cells[index.column() - 1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if index.column() == 0:
                return text
            return f"{self._table.labels[index.column() - 1]}, {title}: {text}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return None


class _ReadsTableView(QTableView):
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class ReadsPane(QWidget):
    """``escaped`` fires on Esc in the table (the workspace then focuses the rubric)."""

    escaped = Signal()

    def __init__(self, table: ReadsTable | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Reads")
        self.heading = plain_label(
            f"The other reads of this submission ({shortcut_hint('reads')}); "
            "their readers are not named.",
            self,
        )
        self.heading.setWordWrap(True)
        self.view = _ReadsTableView(self)
        self.view.setAccessibleName("Reads side by side")
        self.view.setWordWrap(True)
        self.view.setTabKeyNavigation(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.verticalHeader().setVisible(False)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.escaped.connect(self.escaped)
        self.model: ReadsModel | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        if table is None:
            self.heading.setText(NOT_HERE_TEXT)
            self.view.hide()
            return
        self.model = ReadsModel(table, self)
        self.view.setModel(self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.setCurrentIndex(self.model.index(0, 1))

    def focus_reads(self) -> None:
        target = self.view if self.view.isVisible() else self.heading
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cell_text(self, row: int, column: int) -> str:
        if self.model is None:
            return ""
        return str(self.model.index(row, column).data())
