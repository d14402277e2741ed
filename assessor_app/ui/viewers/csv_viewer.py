"""CSV artifacts (check results, gradebook extracts) as a read-only table.

The dialect is sniffed with ``csv.Sniffer``; rows with too few or too many fields are
padded or kept wide and reported in a message rather than rejected, because educators'
spreadsheets are rarely tidy. Parsing runs off the GUI thread. Selected cells are the
Cite target, quoted with their column headings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any, BinaryIO

from assessor_app.domain import Quote, TableCell
from assessor_app.domain.citations import LABEL_LIMIT
from assessor_app.ui.background import Executor
from assessor_app.ui.plain_text import plain, plain_label, tooltip
from assessor_app.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    isValid,
)
from assessor_app.ui.viewers.base import ArtifactViewer, CiteTarget, PositionState, decode_text
from assessor_app.ui.workspace.focus import leave_enter_to_workspace

AnyIndex = QModelIndex | QPersistentModelIndex
_MAX_BYTES = 50 * 1024 * 1024
_pool: Executor | None = None


def _executor() -> Executor:
    global _pool
    if _pool is None:
        _pool = Executor("csv-parse", 1)
    return _pool


@dataclass(frozen=True)
class ParsedTable:
    header: list[str]
    rows: list[list[str]]
    problems: list[str]


def parse_csv(data: bytes) -> ParsedTable:
    """Parse CSV bytes tolerantly; ``problems`` says what was odd, in plain words."""
    text, replaced = decode_text(data)
    problems: list[str] = []
    if replaced:
        problems.append("Some characters could not be decoded and show as �.")
    sample = text[: 64 * 1024]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        # Uneven rows defeat the sniffer; the header line's commonest delimiter is a
        # good guess for hand-made spreadsheets.
        first = next((line for line in sample.splitlines() if line.strip()), "")
        delimiter = max(",;\t|", key=first.count)
        dialect = csv.excel
        if first.count(delimiter):

            class _Guessed(csv.excel):
                pass

            _Guessed.delimiter = delimiter
            dialect = _Guessed
    try:
        has_header = csv.Sniffer().has_header(sample) if sample.strip() else False
    except csv.Error:
        has_header = True
    lines = text.replace("\0", "").splitlines()
    if "\0" in text:
        problems.append("The file contained NUL bytes; they were removed.")
    reader = csv.reader(lines, dialect)
    rows: list[list[str]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"Line {reader.line_num} could not be read ({exc}); it was skipped.")
            continue
        if row:
            rows.append(row)
    if not rows:
        return ParsedTable([], [], [*problems, "The file has no rows."])
    header = rows.pop(0) if has_header else [f"Column {i + 1}" for i in range(len(rows[0]))]
    width = max([len(header), *(len(r) for r in rows)])
    uneven = sum(1 for r in rows if len(r) != len(header))
    if uneven:
        problems.append(
            f"{uneven} row{'s' if uneven != 1 else ''} had a different number of fields "
            f"than the header ({len(header)}); short rows are padded with blanks."
        )
    header = header + [f"Column {i + 1}" for i in range(len(header), width)]
    rows = [r + [""] * (width - len(r)) for r in rows]
    return ParsedTable(header, rows, problems)


class CsvTableModel(QAbstractTableModel):
    def __init__(self, table: ParsedTable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = table

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.header)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return plain(self.table.rows[index.row()][index.column()])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self.table.rows[index.row()][index.column()])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.table.header[section]
        return str(section + 1)


class CsvViewer(ArtifactViewer):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = QWidget(self)
        self.notice = plain_label("", self.content)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Table notice")
        self.notice.hide()
        self.table = QTableView(self.content)
        # Focusing the viewer (after Ctrl+Page Down, say) focuses what takes its keys.
        self.setFocusProxy(self.table)
        self.table.setAccessibleName("Table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        # Nothing here is edited or opened: Enter goes into the rationale.
        leave_enter_to_workspace(self.table)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        self.model: CsvTableModel | None = None
        self._generation = 0

    def _show(self, stream: BinaryIO) -> None:
        assert self.artifact is not None
        self._generation += 1
        generation = self._generation
        self.model = None
        name = self.artifact.display_name

        def work() -> ParsedTable:
            data = stream.read(_MAX_BYTES + 1)
            if len(data) > _MAX_BYTES:
                raise ValueError("it is larger than 50 MB")
            return parse_csv(data)

        def done(table: object) -> None:
            if isValid(self) and generation == self._generation:
                assert isinstance(table, ParsedTable)
                self._present(table)

        def failed(error: BaseException) -> None:
            if isValid(self) and generation == self._generation:
                self.show_error(f"“{name}” could not be shown as a table: {error}")

        _executor().submit(work, success=done, failure=failed)

    def _present(self, table: ParsedTable) -> None:
        self.model = CsvTableModel(table, self)
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self.citeTargetChanged)
        self.notice.setText("⚠ " + " ".join(table.problems) if table.problems else "")
        self.notice.setVisible(bool(table.problems))
        self.set_content_widget(self.content)
        self._content_ready()

    def _is_ready(self) -> bool:
        return self.model is not None

    def selected_text(self) -> str:
        """Selected cells row by row; one column quotes as "Heading: value"."""
        if self.model is None:
            return ""
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        header = self.model.table.header
        body = self.model.table.rows
        lines = []
        for r in rows:
            cells = [f"{header[c]}: {body[r][c]}" for c in columns]
            lines.append("; ".join(cells))
        return "\n".join(lines).strip()

    def cite_target(self) -> CiteTarget | None:
        cell = self._selected_cell()
        if cell is not None:
            return cell
        text = self.selected_text()
        return Quote(text) if text.strip() else None

    def _row_label(self, row: int) -> str:
        """A row is named by its first cell ("S01"); a row without one by its number."""
        assert self.model is not None
        cells = self.model.table.rows[row]
        first = " ".join(cells[0].split()) if cells else ""
        return first[:LABEL_LIMIT] or str(row + 1)

    def _column_label(self, column: int) -> str:
        """A column is named by its heading; one without a heading by its number."""
        assert self.model is not None
        header = self.model.table.header
        heading = " ".join(header[column].split()) if column < len(header) else ""
        return heading[:LABEL_LIMIT] or f"Column {column + 1}"

    def _selected_cell(self) -> TableCell | None:
        """The one selected cell as a table-cell target; None for no or several cells."""
        if self.model is None:
            return None
        indexes = self.table.selectionModel().selectedIndexes()
        if len(indexes) != 1:
            return None
        r, c = indexes[0].row(), indexes[0].column()
        cells = self.model.table.rows[r]
        value = cells[c] if c < len(cells) else ""
        return TableCell(self._row_label(r), self._column_label(c), value)

    def go_to(self, target: CiteTarget) -> bool:
        if isinstance(target, TableCell):
            return self._go_to_cell(target)
        if not isinstance(target, Quote) or self.model is None:
            return False
        first = target.text.splitlines()[0]
        wanted = [part.split(": ", 1)[-1] for part in first.split("; ")]
        for r, row in enumerate(self.model.table.rows):
            for c, value in enumerate(row):
                if value == wanted[0] or (len(wanted) == 1 and wanted[0] in value):
                    index = self.model.index(r, c)
                    self.table.setCurrentIndex(index)
                    self.table.scrollTo(index)
                    return True
        return False

    def _go_to_cell(self, target: TableCell) -> bool:
        if self.model is None:
            return False
        columns = range(self.model.columnCount())
        column = next((c for c in columns if self._column_label(c) == target.column), None)
        rows = range(len(self.model.table.rows))
        row = next((r for r in rows if self._row_label(r) == target.row), None)
        if row is None or column is None:
            return False
        index = self.model.index(row, column)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def position_state(self) -> PositionState:
        index = self.table.currentIndex()
        return {
            "row": index.row() if index.isValid() else 0,
            "column": index.column() if index.isValid() else 0,
            "scroll": self.table.verticalScrollBar().value(),
        }

    def _apply_position_state(self, state: PositionState) -> None:
        if self.model is None:
            return
        index = self.model.index(int(state.get("row", 0)), int(state.get("column", 0)))
        if index.isValid():
            self.table.setCurrentIndex(index)
        self.table.verticalScrollBar().setValue(int(state.get("scroll", 0)))
