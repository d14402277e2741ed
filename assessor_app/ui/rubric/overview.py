"""The rubric overview (Ctrl+G): every criterion and its levels in one grid.

One row per criterion, one column per level; a cell shows the level's number, label and
its descriptor shortened, the whole descriptor in its tooltip. The chosen level of each
criterion says so in words ("✓ Chosen") and in bold, not by colour alone. Arrows move,
Enter or a click chooses; the workspace saves the choice like any other edit.
"""

from __future__ import annotations

from assessor_app.domain import Credential, ScoreSheet
from assessor_app.ui.plain_text import plain, plain_label, tooltip
from assessor_app.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QFont,
    QHeaderView,
    QKeyEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)

DESCRIPTOR_CHARS = 70
CHOSEN = "✓ Chosen"

AnyIndex = QModelIndex | QPersistentModelIndex


def shorten(text: str, limit: int = DESCRIPTOR_CHARS) -> str:
    """The first ``limit`` characters, cut at a word, with an ellipsis when cut."""
    flat = " ".join(plain(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


class RubricOverviewModel(QAbstractTableModel):
    """Criteria × levels of one rubric, with the sheet's chosen levels marked."""

    def __init__(self, credential: Credential, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._criteria = credential.rubric.criteria
        self._columns = max((len(c.levels) for c in self._criteria), default=0)
        self._chosen: dict[str, str | None] = {}

    def set_sheet(self, sheet: ScoreSheet) -> None:
        self._chosen = {c.id: sheet.score(c.id).level_id for c in self._criteria}
        if self._criteria and self._columns:
            last = self.index(len(self._criteria) - 1, self._columns - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._criteria)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def is_level(self, index: AnyIndex) -> bool:
        return index.isValid() and index.column() < len(self._criteria[index.row()].levels)

    def is_chosen(self, index: AnyIndex) -> bool:
        if not self.is_level(index):
            return False
        criterion = self._criteria[index.row()]
        return self._chosen.get(criterion.id) == criterion.levels[index.column()].id

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not self.is_level(index):
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not self.is_level(index):
            return None
        criterion = self._criteria[index.row()]
        level = criterion.levels[index.column()]
        number = index.column() + 1
        chosen = self.is_chosen(index)
        if role == Qt.ItemDataRole.DisplayRole:
            head = f"{CHOSEN} · " if chosen else ""
            return f"{head}({number}) {plain(level.label)}\n{shorten(level.descriptor)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"{level.label} ({number}): {level.descriptor}")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "chosen" if chosen else "not chosen"
            return plain(f"{criterion.title}, level {number}: {level.label}, {state}")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if role == Qt.ItemDataRole.FontRole and chosen:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            return f"Level {section + 1}" if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self._criteria):
            return None
        title = self._criteria[section].title
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{section + 1}. {shorten(title, 40)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(title)
        return None


class _Grid(QTableView):
    """Enter chooses the current cell (a table view would only report it activated on
    some platforms); Esc asks to close."""

    chooseRequested = Signal(QModelIndex)
    closeRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.chooseRequested.emit(self.currentIndex())
            return
        if event.key() == Qt.Key.Key_Escape:
            self.closeRequested.emit()
            return
        super().keyPressEvent(event)


class RubricOverview(QWidget):
    """``levelChosen(criterion_index, level_number)`` on Enter or a click; ``closed``
    on Esc. ``currentCriterionChanged(index)`` follows the highlighted row."""

    levelChosen = Signal(int, int)
    currentCriterionChanged = Signal(int)
    closed = Signal()

    def __init__(self, credential: Credential, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Rubric overview")
        self.model = RubricOverviewModel(credential, self)
        heading = plain_label(
            f"Rubric overview: {credential.title}. Arrows move, Enter or a click chooses a "
            "level, Esc or Ctrl+G returns to the evidence.",
            self,
        )
        heading.setWordWrap(True)
        self.grid = _Grid(self)
        self.grid.setAccessibleName("Criteria and levels")
        self.grid.setModel(self.model)
        self.grid.setWordWrap(True)
        self.grid.setTabKeyNavigation(False)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setMaximumWidth(260)
        # Every row holds the heading and a shortened descriptor (up to three lines).
        rows = self.grid.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.grid.fontMetrics().lineSpacing() * 4 + 10)
        self.grid.chooseRequested.connect(self._choose)
        self.grid.clicked.connect(self._choose)
        self.grid.closeRequested.connect(self.closed)
        selection = self.grid.selectionModel()
        selection.currentRowChanged.connect(
            lambda current, _previous: self.currentCriterionChanged.emit(current.row())
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(heading)
        layout.addWidget(self.grid, 1)

    def show_sheet(self, sheet: ScoreSheet, criterion_index: int) -> None:
        """Mark the sheet's levels and put the cursor on that criterion's chosen level
        (its first level when none is chosen)."""
        self.model.set_sheet(sheet)
        column = next(
            (
                c
                for c in range(self.model.columnCount())
                if self.model.is_chosen(self.model.index(criterion_index, c))
            ),
            0,
        )
        self.grid.setCurrentIndex(self.model.index(criterion_index, column))
        self.grid.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _choose(self, index: QModelIndex) -> None:
        if self.model.is_level(index):
            self.levelChosen.emit(index.row(), index.column() + 1)
