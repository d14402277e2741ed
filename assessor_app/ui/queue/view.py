"""``QueueView``: the queue sidebar — filter box, state facets with counts, the table.

The view owns no data: it shows a ``QueueModel`` through a ``QueueFilterProxy`` and
reports the assignment the assessor opens with ``assignmentActivated``. Sort order and
column widths persist through the ``QSettings`` it is given.

A queue too narrow for every column whole (beside an open submission on a laptop)
goes compact rather than cutting Kind, Status and Due: it hides the educator and
attempt columns (the credential's tooltip names both) and draws the short status and
due words (their tooltips keep the full ones).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessor_app.domain.queue_state import QueueState, parse_queue_state
from assessor_app.domain.status_words import KIND_WORDS, STATUS
from assessor_app.ui.qt import (
    QAbstractItemView,
    QEvent,
    QFontMetrics,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    QShortcut,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.queue.model import (
    HEADERS,
    AssignmentIdRole,
    Column,
    CompactTextRole,
    QueueFilterProxy,
    QueueModel,
)
from assessor_app.ui.shortcuts import shortcut_hint
from assessor_app.ui.status_words import FACETS, symbol

if TYPE_CHECKING:
    # Only for the annotation: building QKeyEvent builds QEvent and its ~180 event types,
    # which the first paint does not otherwise need.
    from assessor_app.ui.qt import QKeyEvent

# "columns" rather than the older "header": a header saved before the credential column
# stretched would bring back widths that hid Kind, Status and Due.
_HEADER_KEY = "queue/columns"
_SORT_COLUMN_KEY = "queue/sort_column"
_SORT_ORDER_KEY = "queue/sort_order"
_FacetRole = Qt.ItemDataRole.UserRole + 1
_ALL = "all"
_WIDEST_USUAL = {
    Column.EDUCATOR: "E-48210",
    Column.ATTEMPT: "10",
    Column.KIND: max(KIND_WORDS.values(), key=len),
    Column.STATUS: "⧗ Queued for upload",
    Column.DUE: "⚠ Overdue by 12 days",
}
"""The longest text each narrow column usually shows; its width is made to fit it (or
its header), so the credential, which stretches, is the only column that gives way."""
_COMPACT_USUAL = {
    Column.STATUS: "◐ In progress",
    Column.DUE: "⚠ 12 days late",
}
"""The same for the short words a compact queue draws."""
_COMPACT_HIDES = (Column.EDUCATOR, Column.ATTEMPT)
_CELL_PADDING = 16
_HEADER_PADDING = 12
_CREDENTIAL_MINIMUM = 90


def _fitted(metrics: QFontMetrics, column: Column, text: str) -> int:
    return max(
        metrics.horizontalAdvance(text) + _CELL_PADDING,
        metrics.horizontalAdvance(HEADERS[column]) + _HEADER_PADDING,
    )


def default_column_widths(metrics: QFontMetrics) -> dict[Column, int]:
    """Widths that show every narrow column's usual text whole, in the table's font."""
    return {column: _fitted(metrics, column, text) for column, text in _WIDEST_USUAL.items()}


def cell_text(index: QModelIndex | QPersistentModelIndex, compact: bool) -> str:
    """What a queue cell draws: in a compact queue its short text where it has one, so
    a column reads alike from row to row."""
    if compact:
        short = index.data(CompactTextRole)
        if short:
            return str(short)
    return str(index.data() or "")


class _CompactDelegate(QStyledItemDelegate):
    """Draws the short texts while the queue is compact."""

    compact = False

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.text = cell_text(index, self.compact)


def queue_width_needed(metrics: QFontMetrics) -> int:
    """The queue's width when every column shows whole (the credential at its minimum),
    with room for the margins, the frame and a vertical scroll bar."""
    return sum(default_column_widths(metrics).values()) + _CREDENTIAL_MINIMUM + 30


class _FilterEdit(QLineEdit):
    """Esc clears the filter; Down moves into the table."""

    moveToTable = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        if event.key() == Qt.Key.Key_Down:
            self.moveToTable.emit()
            return
        super().keyPressEvent(event)


class QueueView(QWidget):
    """The queue: type-to-filter, facets (``● Ready 3``) and a sortable table."""

    assignmentActivated = Signal(str)

    def __init__(
        self,
        model: QueueModel,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        find_shortcut: bool = False,
    ) -> None:
        """``find_shortcut`` binds Ctrl+F on the window to ``focus_filter``; leave it off
        when the window already has a Ctrl+F action (two bindings make the key ambiguous
        and then neither fires)."""
        super().__init__(parent)
        self._model = model
        self._settings = settings
        self.proxy = QueueFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.filter_edit = _FilterEdit(self)
        self.filter_edit.setPlaceholderText(f"Filter the queue ({shortcut_hint('filter')})")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter the queue")
        self.filter_edit.setToolTip(
            "Type part of a credential, an educator or a status. "
            f"Shortcut: {shortcut_hint('filter')}"
        )
        self.filter_edit.textChanged.connect(self.proxy.set_filter_text)
        self.filter_edit.moveToTable.connect(self._focus_table)

        self.facets = QListWidget(self)
        self.facets.setAccessibleName("Queue states")
        self.facets.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.facets.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.facets.setFrameShape(QListWidget.Shape.NoFrame)
        for state in (None, *FACETS):
            item = QListWidgetItem(self.facets)
            item.setData(_FacetRole, _ALL if state is None else state.value)
        self.facets.setCurrentRow(0)
        self.facets.currentItemChanged.connect(self._facet_chosen)
        rows = self.facets.count()
        self.facets.setFixedHeight(self.facets.sizeHintForRow(0) * rows + 4)

        self.table = QTableView(self)
        self.table.setAccessibleName("Assignments")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights keep scrolling 10,000 rows cheap: no per-row size queries.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(False)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        # The credential takes what the narrow columns leave: at any queue width Kind,
        # Status and Due stay whole, and a long title is elided (its tooltip has it all).
        header.setSectionResizeMode(Column.CREDENTIAL, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        metrics = self.table.fontMetrics()
        # The widths the assessor chose (or the defaults), which a compact queue gives
        # back when it widens again.
        self._preferred = default_column_widths(metrics)
        self._compact_widths = {
            column: _fitted(metrics, column, text) for column, text in _COMPACT_USUAL.items()
        }
        self.compact = False
        self._fitting = False
        for column, width in self._preferred.items():
            header.resizeSection(column, width)
        self._delegate = _CompactDelegate(self.table)
        for column in _COMPACT_USUAL:
            self.table.setItemDelegateForColumn(column, self._delegate)
        self.table.setSortingEnabled(True)
        self.table.activated.connect(self._activated)

        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAccessibleName("Queue message")
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.facets)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)

        self._find: QShortcut | None = None
        if find_shortcut:
            self._find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
            self._find.setContext(Qt.ShortcutContext.WindowShortcut)
            self._find.activated.connect(self.focus_filter)

        # Counts are recomputed once per event-loop turn however many rows changed.
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(0)
        self._recount.timeout.connect(self._update_counts)
        for signal in (
            model.modelReset,
            model.dataChanged,
            model.rowsInserted,
            model.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
        ):
            signal.connect(self._recount.start)

        # The due column counts down while the app is open, with or without a network.
        self._clock = QTimer(self)
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(model.tick)
        self._clock.start()

        self.restore_state()
        header.sortIndicatorChanged.connect(self._save_state)
        header.sectionResized.connect(self._section_resized)
        self.table.viewport().installEventFilter(self)
        self._update_counts()

    # -- public API ---------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def set_facet(self, state: QueueState | None) -> None:
        wanted = _ALL if state is None else state.value
        for row in range(self.facets.count()):
            if self.facets.item(row).data(_FacetRole) == wanted:
                self.facets.setCurrentRow(row)
                return

    def current_assignment_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return str(index.siblingAtColumn(0).data(AssignmentIdRole))

    def select_assignment(self, assignment_id: str) -> bool:
        """Make that assignment current (if the filter shows it); True when it does."""
        position = self._model.position_of(assignment_id)
        if position is None:
            return False
        index = self.proxy.mapFromSource(self._model.index(position, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def neighbour(self, step: int) -> str | None:
        """The assignment ``step`` rows after the current one (before it when negative), in
        the order the table shows (its filter, facet and sort); None past either end. With
        no current row, the first or the last row shown."""
        current = self.table.currentIndex()
        if current.isValid():
            row = current.row() + step
        else:
            row = 0 if step > 0 else self.proxy.rowCount() - 1
        if not 0 <= row < self.proxy.rowCount():
            return None
        return str(self.proxy.index(row, 0).data(AssignmentIdRole))

    def facet_text(self, state: QueueState | None) -> str:
        wanted = _ALL if state is None else state.value
        for row in range(self.facets.count()):
            item = self.facets.item(row)
            if item.data(_FacetRole) == wanted:
                return item.text()
        raise KeyError(state)

    def restore_state(self) -> None:
        header = self.table.horizontalHeader()
        state = self._settings.value(_HEADER_KEY)
        if state is not None and header.restoreState(state):
            self._preferred = {column: header.sectionSize(column) for column in self._preferred}
        column = self._stored_int(_SORT_COLUMN_KEY, Column.DUE)
        order = Qt.SortOrder(self._stored_int(_SORT_ORDER_KEY, 0))
        self.table.sortByColumn(column, order)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    # -- internals ----------------------------------------------------------------------

    def _fit_columns(self) -> None:
        """Go compact when the preferred widths leave the credential less than its
        minimum, and back when they fit again."""
        needed = sum(self._preferred.values()) + _CREDENTIAL_MINIMUM
        compact = self.table.viewport().width() < needed
        if compact == self.compact:
            return
        self.compact = compact
        self._delegate.compact = compact
        self.table.viewport().update()
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for column in _COMPACT_HIDES:
                header.setSectionHidden(column, compact)
            for column, width in self._compact_widths.items():
                header.resizeSection(column, width if compact else self._preferred[column])
        finally:
            self._fitting = False

    def _section_resized(self, section: int, _old: int, new: int) -> None:
        # Only the assessor's own widths in the full layout are kept: a compact queue's
        # are its own, and would otherwise hide two columns at the next start.
        if self._fitting or self.compact:
            return
        if section in self._preferred:
            self._preferred[Column(section)] = new
        self._save_state()

    def _stored_int(self, key: str, default: int) -> int:
        """A whole number from the settings file (INI keeps text); the default when it
        holds something else, so a hand-edited file cannot stop the window opening."""
        try:
            return int(str(self._settings.value(key, default)))
        except ValueError:
            return default

    def _save_state(self, *_: object) -> None:
        header = self.table.horizontalHeader()
        if not self.compact:
            self._settings.setValue(_HEADER_KEY, header.saveState())
        self._settings.setValue(_SORT_COLUMN_KEY, header.sortIndicatorSection())
        self._settings.setValue(_SORT_ORDER_KEY, header.sortIndicatorOrder().value)

    def _focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount() > 0:
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.assignmentActivated.emit(str(index.siblingAtColumn(0).data(AssignmentIdRole)))

    def _facet_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        value = item.data(_FacetRole)
        self.proxy.set_facet(None if value == _ALL else parse_queue_state(value))

    def _update_counts(self) -> None:
        counts = self._model.state_counts()
        total = self._model.rowCount()
        for row in range(self.facets.count()):
            item = self.facets.item(row)
            value = item.data(_FacetRole)
            if value == _ALL:
                item.setText(f"All assignments  {total}")
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"All assignments: {total}")
                continue
            state = parse_queue_state(value)
            style = STATUS[state]
            item.setText(f"{symbol(state)} {style.word}  {counts.get(state, 0)}")
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole, f"{style.word}: {counts.get(state, 0)}"
            )
        shown = self.proxy.rowCount()
        if total == 0:
            self.empty_label.setText("No assignments yet. They appear here after a sync.")
        elif shown == 0:
            self.empty_label.setText("Nothing matches this filter. Press Esc to clear it.")
        self.empty_label.setVisible(shown == 0)
