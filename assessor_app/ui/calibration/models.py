"""Table models of the calibration views: the session list, the criteria x assessors
matrix of one session item, and the criterion-by-criterion comparison with a key.

They hold what the calibration service returned and never touch the hub or the store.
Disagreement is shown three ways at once: a symbol column (≠ / =), a tinted row, and a
tooltip in words, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessor_app.domain.calibration_display import (
    AGREEMENT_MARK,
    CONSENSUS_COLUMN,
    DISAGREEMENT_MARK,
    KEY_COLUMN,
)
from assessor_app.domain.text import printable
from assessor_app.protocol.calibration import ConsensusEntry, CriterionResult, ItemResult
from assessor_app.services.calibration import KeyComparison, KeyRow, SessionEntry, SessionView
from assessor_app.ui.plain_text import tooltip
from assessor_app.ui.qt import (
    QAbstractTableModel,
    QColor,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

AnyIndex = QModelIndex | QPersistentModelIndex

DISAGREEMENT_TINT = QColor("#fbe3d6")
SessionIdRole = Qt.ItemDataRole.UserRole + 1
DisagreementRole = Qt.ItemDataRole.UserRole + 2
DISAGREE_WORDS = "The assessors chose different levels"
AGREE_WORDS = "Everyone who scored chose the same level"


class SessionListModel(QAbstractTableModel):
    HEADERS = ("Session", "State", "Submitted", "Facilitator", "Opened")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SessionEntry] = []

    def set_entries(self, entries: list[SessionEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> SessionEntry:
        return self._rows[row]

    def row_of(self, session_id: str) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e.id == session_id), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        if role == SessionIdRole:
            return entry.id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if index.column() == 1 and role == Qt.ItemDataRole.ToolTipRole:
            # The list shows the state's name; what it means is a hover away.
            return entry.state_words
        values = (
            entry.title,
            entry.state_name,
            f"{entry.submitted_count} of {entry.participant_count}",
            entry.facilitator,
            f"{entry.created_at:%d %b %Y}",
        )
        return _cell(values[index.column()], role)


@dataclass(frozen=True)
class _Column:
    title: str
    kind: str  # "criterion", "mark", "participant", "key", "consensus"
    username: str = ""


class MatrixModel(QAbstractTableModel):
    """Criteria (rows, plus a last "Decision" row) x [criterion, mark, each assessor,
    key when keyed, consensus] for one item of a session's results."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view: SessionView | None = None
        self._item: ItemResult | None = None
        self._criteria: list[str] = []
        self._columns: list[_Column] = []
        self._consensus: dict[str, ConsensusEntry] = {}

    def set_item(self, view: SessionView | None, item: ItemResult | None) -> None:
        self.beginResetModel()
        self._view, self._item = view, item
        self._columns, self._criteria, self._consensus = [], [], {}
        if view is not None and item is not None and view.results is not None:
            by_id = {row.criterion_id for row in item.criteria}
            self._criteria = [c for c in view.criterion_ids() if c in by_id]
            names = {p.username: p.display_name or p.username for p in view.detail.participants}
            self._columns = [_Column("Criterion", "criterion"), _Column("", "mark")]
            self._columns += [
                _Column(names.get(p.username, p.username), "participant", p.username)
                for p in view.results.participants
            ]
            if any(row.master_level for row in item.criteria):
                self._columns.append(_Column(KEY_COLUMN, "key"))
            self._columns.append(_Column(CONSENSUS_COLUMN, "consensus"))
            self._consensus = {
                c.criterion_id: c
                for c in view.results.consensus
                if c.submission_id == item.submission_id
            }
        self.endResetModel()

    def criterion_ids(self) -> list[str]:
        return list(self._criteria)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._item is None:
            return 0
        return len(self._criteria) + 1

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return printable(self._columns[section].title)
        if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].kind == "mark":
            return f"{DISAGREEMENT_MARK}: {DISAGREE_WORDS}; {AGREEMENT_MARK}: {AGREE_WORDS}"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._item is None or self._view is None:
            return None
        column = self._columns[index.column()]
        if index.row() == len(self._criteria):
            return self._decision_cell(column, role)
        criterion_id = self._criteria[index.row()]
        row = next(r for r in self._item.criteria if r.criterion_id == criterion_id)
        if role == DisagreementRole:
            return row.disagreement
        if role == Qt.ItemDataRole.BackgroundRole:
            return DISAGREEMENT_TINT if row.disagreement else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return DISAGREE_WORDS if row.disagreement else AGREE_WORDS
        if role == Qt.ItemDataRole.AccessibleTextRole and column.kind == "mark":
            return DISAGREE_WORDS if row.disagreement else AGREE_WORDS
        if role == Qt.ItemDataRole.TextAlignmentRole and column.kind == "mark":
            return Qt.AlignmentFlag.AlignCenter
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return printable(self._label(column, criterion_id, row))

    def _label(self, column: _Column, criterion_id: str, row: CriterionResult) -> str:
        view = self._view
        assert view is not None
        if column.kind == "criterion":
            return view.criterion_title(criterion_id)
        if column.kind == "mark":
            return DISAGREEMENT_MARK if row.disagreement else AGREEMENT_MARK
        if column.kind == "participant":
            return view.level_label(criterion_id, row.levels.get(column.username))
        if column.kind == "key":
            return view.level_label(criterion_id, row.master_level)
        agreed = self._consensus.get(criterion_id)
        return view.level_label(criterion_id, agreed.level_id if agreed else None)

    def _decision_cell(self, column: _Column, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self._item is None:
            return None
        if column.kind == "criterion":
            return "Decision"
        if column.kind == "participant":
            decision = self._item.decisions.get(column.username)
            return decision.label if decision else "–"
        if column.kind == "key":
            master = self._item.master_decision
            return master.label if master else "–"
        return ""


class KeyModel(QAbstractTableModel):
    """One keyed item: criterion, your level, the key's, agreement in symbol and words,
    and the key's rationale."""

    HEADERS = ("Criterion", "Your level", "Key's level", "Agreement", "Key's rationale")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[KeyRow] = []

    def set_comparison(self, comparison: KeyComparison | None) -> None:
        self.beginResetModel()
        self._rows = list(comparison.rows) if comparison else []
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 3 and not row.exact:
            return DISAGREEMENT_TINT
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        values = (
            row.title,
            row.yours,
            row.master,
            f"{row.symbol} {row.words}",
            row.master_rationale or "–",
        )
        return _cell(values[index.column()], role)


def _cell(text: str, role: int) -> str:
    """A cell of hub text: one plain line to display, the whole text as its tooltip."""
    return tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else printable(text)
