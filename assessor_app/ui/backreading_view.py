"""Backreading: what backreaders disagreed with on the assessor's own sheets (criterion,
their level, the backreader's, the comment), as of the last sync. The backreader is never
named. A table (model/view); its rows come from the database worker."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from assessor_app.ui.plain_text import plain, plain_label
from assessor_app.ui.qt import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.table_models import ReadOnlyTableModel

if TYPE_CHECKING:
    from assessor_app.services.scoring_ops import FindingRow

AnyIndex = QModelIndex | QPersistentModelIndex

EMPTY_TEXT = "No backreader has disagreed with your sheets (as of your last sync)."
INTRO_TEXT = (
    "Where a backreader read one of your decided sheets and disagreed: the criterion, your "
    "level, theirs and why. Backreaders are not named."
)


class FindingColumn(IntEnum):
    SUBMISSION = 0
    CRITERION = 1
    YOURS = 2
    BACKREADER = 3
    COMMENT = 4
    RECORDED = 5


HEADERS = {
    FindingColumn.SUBMISSION: "Submission",
    FindingColumn.CRITERION: "Criterion",
    FindingColumn.YOURS: "Your level",
    FindingColumn.BACKREADER: "Backreader's level",
    FindingColumn.COMMENT: "Comment",
    FindingColumn.RECORDED: "Recorded",
}
HEADER_WORDS = tuple(HEADERS[column] for column in FindingColumn)


def _cell(row: FindingRow, column: FindingColumn) -> str:
    match column:
        case FindingColumn.SUBMISSION:
            return f"{row.credential_title} · Educator {row.educator_pseudonym}"
        case FindingColumn.CRITERION:
            return row.criterion_title
        case FindingColumn.YOURS:
            return row.own_level
        case FindingColumn.BACKREADER:
            return row.backreader_level
        case FindingColumn.COMMENT:
            return plain(row.comment)
        case FindingColumn.RECORDED:
            return f"{row.recorded_at.astimezone():%d %b %Y}"


class FindingsModel(ReadOnlyTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FindingRow] = []

    def set_rows(self, rows: list[FindingRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def header_words(self) -> Sequence[str]:
        return HEADER_WORDS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = FindingColumn(index.column())
        text = _cell(self._rows[index.row()], column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{HEADERS[column]}: {text}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return None


class BackreadingView(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backreading")
        self.setAccessibleName("Backreading")
        self.intro = plain_label(INTRO_TEXT, self)
        self.intro.setWordWrap(True)
        self.model = FindingsModel(self)
        self.table = QTableView(self)
        self.table.setAccessibleName("Backreading findings")
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        for column in FindingColumn:
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column is FindingColumn.COMMENT
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)
        self.empty = plain_label(EMPTY_TEXT, self)
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.resize(1000, 420)

    def set_rows(self, rows: list[FindingRow]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus()
