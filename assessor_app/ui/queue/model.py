"""The assessor's queue as a Qt table model, and the filter proxy in front of it.

``QueueModel`` shows the rows of the queue service (``services.queue.QueueRow``), one
per assignment: ``set_rows`` after a sync, ``update_row`` for one download's progress or
one state change. It never touches the database, and shows the hub's text one line
each, made printable. Sorting happens here in Python on precomputed keys rather than in
the proxy: a proxy sort calls back into Python for every comparison, which is far too
slow at 10,000 rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from assessor_app.domain.queue_state import QueueState
from assessor_app.domain.status_words import (
    DECLINE_QUEUED,
    DECLINE_QUEUED_HINT,
    KIND_HINTS,
    KIND_WORDS,
    due_countdown,
    short_status_word,
    status_word,
)
from assessor_app.domain.text import printable
from assessor_app.ui.plain_text import tooltip
from assessor_app.ui.qt import (
    QAbstractItemModel,
    QColor,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from assessor_app.ui.status_words import STATE_ORDER, status_text, symbol
from assessor_app.ui.table_models import ReadOnlyTableModel

if TYPE_CHECKING:
    # Only the type: the window's first paint loads no services.
    from assessor_app.services.queue import QueueRow

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    CREDENTIAL = 0
    EDUCATOR = 1
    ATTEMPT = 2
    KIND = 3
    STATUS = 4
    DUE = 5


HEADERS = {
    Column.CREDENTIAL: "Credential",
    Column.EDUCATOR: "Educator",
    Column.ATTEMPT: "Attempt",
    Column.KIND: "Kind",
    Column.STATUS: "Status",
    Column.DUE: "Due",
}
HEADER_WORDS = tuple(HEADERS[column] for column in Column)


# Custom roles. SortRole carries real values (datetimes as timestamps, ints, state order)
# so sorting never compares display strings such as "Due in 3 days".
SortRole = Qt.ItemDataRole.UserRole + 1
AssignmentIdRole = Qt.ItemDataRole.UserRole + 2
StateRole = Qt.ItemDataRole.UserRole + 3
# The shorter text a narrow column draws instead of DisplayRole (Status and Due only).
CompactTextRole = Qt.ItemDataRole.UserRole + 4

# Dark enough to read on a light palette, light enough on a dark one; never the only
# signal (the text also says "⚠ Overdue by ...").
OVERDUE_COLOUR = QColor("#d32f2f")

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime | None) -> float:
    if moment is None:
        return math.inf  # no due date sorts after every real one
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# Hub text is shown on one line: a table cell draws a line break as a new line.
def credential_text(row: QueueRow) -> str:
    return printable(row.credential_title or "") or "Not downloaded yet"


def educator_text(row: QueueRow) -> str:
    return printable(row.educator_pseudonym or "") or "—"


def review_note(comment: str | None) -> str:
    """The reviewer's comment as the status tooltip shows it; empty without one."""
    return f"Reviewer’s comment: {comment}" if comment and comment.strip() else ""


def _status_word(row: QueueRow) -> str:
    if row.decline_pending:
        return DECLINE_QUEUED.word
    return status_word(row.state, row.download_percent)


def sort_key(row: QueueRow, column: Column) -> Any:
    """The value a column sorts by (also what ``SortRole`` returns)."""
    match column:
        case Column.CREDENTIAL:
            return credential_text(row).casefold()
        case Column.EDUCATOR:
            return educator_text(row).casefold()
        case Column.ATTEMPT:
            return row.attempt or 0
        case Column.KIND:
            return KIND_WORDS[row.kind]
        case Column.STATUS:
            return STATE_ORDER[row.state]
        case Column.DUE:
            return _timestamp(row.due_at)


class QueueModel(ReadOnlyTableModel):
    """Assignments in the queue; one row each, looked up by assignment id."""

    def __init__(self, clock: Clock = _utc_now, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._now = clock()
        self._rows: list[QueueRow] = []
        self._row_of: dict[str, int] = {}
        # Lower-cased "credential educator status" per row: what type-to-filter searches.
        self._haystacks: list[str] = []

    # -- feeding the model -------------------------------------------------------------

    def set_rows(self, rows: Sequence[QueueRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self._now = self._clock()
        self.endResetModel()

    def update_row(self, row: QueueRow) -> None:
        """Replace the row with the same assignment id (one ``dataChanged``), or append it."""
        position = self._row_of.get(row.assignment_id)
        if position is None:
            position = len(self._rows)
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.append(row)
            self._row_of[row.assignment_id] = position
            self._haystacks.append(self._haystack(row))
            self.endInsertRows()
            return
        self._rows[position] = row
        self._haystacks[position] = self._haystack(row)
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(Column) - 1), [])

    def remove_row(self, assignment_id: str) -> None:
        position = self._row_of.get(assignment_id)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        self._reindex()
        self.endRemoveRows()

    def tick(self) -> None:
        """Re-read the clock and repaint the due column (the view calls this each minute)."""
        self._now = self._clock()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.DUE),
                self.index(len(self._rows) - 1, Column.DUE),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    # -- reading ------------------------------------------------------------------------

    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def row_at(self, position: int) -> QueueRow:
        return self._rows[position]

    def row_for(self, assignment_id: str) -> QueueRow | None:
        position = self._row_of.get(assignment_id)
        return None if position is None else self._rows[position]

    def position_of(self, assignment_id: str) -> int | None:
        return self._row_of.get(assignment_id)

    def haystack_at(self, position: int) -> str:
        return self._haystacks[position]

    def state_at(self, position: int) -> QueueState:
        return self._rows[position].state

    def state_counts(self) -> Counter[QueueState]:
        return Counter(row.state for row in self._rows)

    # -- QAbstractTableModel --------------------------------------------------------------

    def row_total(self) -> int:
        return len(self._rows)

    def header_words(self) -> Sequence[str]:
        return HEADER_WORDS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SortRole:
            return sort_key(row, column)
        if role == AssignmentIdRole:
            return row.assignment_id
        if role == StateRole:
            return row.state.value
        if role == CompactTextRole:
            return self._compact(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column is Column.DUE and due_countdown(row.due_at, self._now).overdue:
                return OVERDUE_COLOUR
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.ATTEMPT:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        key_column = Column(column)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._rows[index.row()].assignment_id for index in persistent]
        # Ties keep a stable, predictable order: by credential then educator.
        self._rows.sort(
            key=lambda r: (sort_key(r, key_column), credential_text(r).casefold(), r.assignment_id),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._reindex()
        self.changePersistentIndexList(
            persistent,
            [
                self.index(self._row_of[aid], index.column())
                for aid, index in zip(ids, persistent, strict=True)
            ],
        )
        self.layoutChanged.emit()

    # -- helpers -----------------------------------------------------------------------

    def _reindex(self) -> None:
        self._row_of = {row.assignment_id: i for i, row in enumerate(self._rows)}
        self._haystacks = [self._haystack(row) for row in self._rows]

    @staticmethod
    def _haystack(row: QueueRow) -> str:
        return " ".join(
            (
                credential_text(row),
                educator_text(row),
                _status_word(row),
                KIND_WORDS[row.kind],
            )
        ).casefold()

    def _display(self, row: QueueRow, column: Column) -> str:
        match column:
            case Column.CREDENTIAL:
                return credential_text(row)
            case Column.EDUCATOR:
                return educator_text(row)
            case Column.ATTEMPT:
                return str(row.attempt or 0)
            case Column.KIND:
                return KIND_WORDS[row.kind]
            case Column.STATUS:
                if row.decline_pending:
                    return f"{DECLINE_QUEUED.symbol} {DECLINE_QUEUED.word}"
                return status_text(row.state, row.download_percent)
            case Column.DUE:
                return due_countdown(row.due_at, self._now).text

    def _compact(self, row: QueueRow, column: Column) -> str | None:
        match column:
            case Column.STATUS:
                if row.decline_pending:
                    return f"{DECLINE_QUEUED.symbol} {DECLINE_QUEUED.short}"
                return f"{symbol(row.state)} {short_status_word(row.state, row.download_percent)}"
            case Column.DUE:
                return due_countdown(row.due_at, self._now).short_text
            case _:
                return None

    def _spoken(self, row: QueueRow, column: Column) -> str:
        match column:
            case Column.ATTEMPT:
                return f"Attempt {row.attempt or 0}"
            case Column.STATUS:
                return f"Status: {_status_word(row)}"
            case Column.DUE:
                return due_countdown(row.due_at, self._now).words
            case _:
                return self._display(row, column)

    def _tooltip(self, row: QueueRow, column: Column) -> str | None:
        if column is Column.CREDENTIAL:
            # The column gives way first on a narrow queue, which also hides the
            # educator and attempt columns: the whole title and both are here.
            return tooltip(
                f"{credential_text(row)}\n"
                f"Educator {educator_text(row)} · attempt {row.attempt or 0}"
            )
        if column is Column.KIND:
            return KIND_HINTS.get(row.kind)
        if column is Column.DUE and row.due_at is not None:
            # The narrow queue shows "⚠ 2 days late": the words in full come first.
            due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
            words = due_countdown(row.due_at, self._now).words
            return f"{words}\nDue {due.astimezone():%a %d %b %Y, %H:%M}"
        if column is Column.STATUS and row.decline_pending:
            return DECLINE_QUEUED_HINT
        if column is Column.STATUS:
            word = _status_word(row)
            note = review_note(row.review_comment)
            return tooltip(f"{word}\n{note}") if note else word
        return None


class QueueFilterProxy(QSortFilterProxyModel):
    """Type-to-filter (case-insensitive, across credential, educator and status words)
    plus a state facet for the sidebar. Sorting is delegated to the source model."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needles: tuple[str, ...] = ()
        self._facet: QueueState | None = None
        self._text = ""
        self._source: QueueModel | None = None
        self.setSortRole(SortRole)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        if not isinstance(model, QueueModel):
            raise TypeError("QueueFilterProxy filters a QueueModel")
        self._source = model
        super().setSourceModel(model)

    def queue_model(self) -> QueueModel:
        if self._source is None:
            raise RuntimeError("QueueFilterProxy has no source model yet")
        return self._source

    def filter_text(self) -> str:
        return self._text

    def facet(self) -> QueueState | None:
        return self._facet

    def set_filter_text(self, text: str) -> None:
        """Every whitespace-separated word must appear somewhere in the row."""
        needles = tuple(text.casefold().split())
        self._text = text
        if needles == self._needles:
            return
        self._needles = needles
        self.invalidate()

    def set_facet(self, state: QueueState | None) -> None:
        if state == self._facet:
            return
        self._facet = state
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        # Called once per row on every keystroke: kept to plain attribute access.
        model = self._source
        if model is None:
            return False
        if self._facet is not None and model._rows[source_row].state is not self._facet:
            return False
        haystack = model._haystacks[source_row]
        return all(needle in haystack for needle in self._needles)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.queue_model().sort(column, order)

    def assignment_id(self, proxy_row: int) -> str:
        return str(self.index(proxy_row, 0).data(AssignmentIdRole))
