"""The notes and citations pane under the evidence: every time-pinned note and every
citation of the submission, in evidence order (``services/notes.py``).

Enter or a double-click goes to the row's place (the workspace switches the artifact and
seeks or turns the page). A note can be edited — its text, its criterion and whether it
is shared with the educator — deleted, and inserted into its criterion's rationale. A
citation can be deleted too; the workspace does that in the rubric, where citations live.
Undo (Ctrl+Z) takes back the last delete or edit: a note comes back as it was, a citation
in its old place among its criterion's chips. Every
change is saved through the workspace's save queue, on the database worker; the list
shows the note as the store returned it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from assessor_app.domain import Artifact, Citation, Criterion, Quote, TimeRange
from assessor_app.domain.citations import describe_place, format_timecode, trim_quote
from assessor_app.domain.notes import TimeNote
from assessor_app.services.notes import EvidenceEntry, NotesService, evidence_order
from assessor_app.ui.plain_text import plain, tooltip
from assessor_app.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    QResizeEvent,
    QShortcut,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.shortcuts import key_sequences, with_hint
from assessor_app.ui.table_models import ReadOnlyTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
Save = Callable[[Callable[[], Any], Callable[[Any], None]], None]
_TITLE = "Notes and citations"
_SHORT_TITLE = "Notes"
_INSERT = "Insert into rationale"
_SHORT_INSERT = "Insert"
NO_CRITERION = "No criterion"


class Column(IntEnum):
    WHERE = 0
    WHAT = 1
    CRITERION = 2


HEADERS = {Column.WHERE: "Where", Column.WHAT: "Note or citation", Column.CRITERION: "Criterion"}
HEADER_WORDS = tuple(HEADERS[column] for column in Column)


def note_line(note: TimeNote) -> str:
    """A note as it goes into a rationale: its moment, then its text."""
    return f"{format_timecode(note.time_ms)} {note.text}"


class NotesModel(ReadOnlyTableModel):
    """The rows of the pane; hub text and the assessor's text are shown as plain text."""

    def __init__(
        self,
        artifacts: Sequence[Artifact],
        criteria: Sequence[Criterion],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._names = {a.id: " ".join(a.display_name.split()) or a.id for a in artifacts}
        self._titles = {c.id: c.title for c in criteria}
        self._entries: list[EvidenceEntry] = []

    def set_entries(self, entries: list[EvidenceEntry]) -> None:
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def entry(self, row: int) -> EvidenceEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def entries(self) -> list[EvidenceEntry]:
        return list(self._entries)

    def where(self, entry: EvidenceEntry) -> str:
        name = self._names.get(entry.artifact_id, "Missing artifact")
        if entry.note is not None:
            return f"{name}, {format_timecode(entry.note.time_ms)}"
        assert entry.citation is not None
        place = describe_place(entry.citation.target)
        return f"{name}, {place}" if place else name

    def what(self, entry: EvidenceEntry) -> str:
        if entry.note is not None:
            shared = " (shared with the educator)" if entry.note.shared else ""
            return f"✎ Note: {entry.note.text}{shared}"
        assert entry.citation is not None
        target = entry.citation.target
        if isinstance(target, Quote):
            return f"Citation: “{trim_quote(target.text, 80)}”"
        return "Citation"

    def criterion(self, entry: EvidenceEntry) -> str:
        if entry.criterion_id is None:
            return ""
        return self._titles.get(entry.criterion_id, entry.criterion_id)

    # -- QAbstractTableModel --------------------------------------------------------------

    def row_total(self) -> int:
        return len(self._entries)

    def header_words(self) -> Sequence[str]:
        return HEADER_WORDS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        text = {
            Column.WHERE: self.where,
            Column.WHAT: self.what,
            Column.CRITERION: self.criterion,
        }[Column(index.column())](entry)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            # One line per row: a note written over several lines reads as one.
            return plain(" ".join(text.split()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(text)
        return None


class _EditLine(QLineEdit):
    """The note text being edited; reports Esc, which QLineEdit would let pass."""

    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


@dataclass(frozen=True)
class _Edited:
    """An edit Undo takes back: the note as it was before."""

    before: TimeNote


@dataclass(frozen=True)
class _RemovedCitation:
    """A deleted citation: its criterion and its place among that criterion's chips."""

    criterion_id: str
    position: int
    citation: Citation


class NotesPane(QWidget):
    """``jumpRequested(Citation)``: show that place (a note as the moment it is pinned to);
    ``insertRequested(criterion_id, text)``: put a note into a rationale;
    ``citationRemoveRequested`` / ``citationRestoreRequested``: delete a citation from its
    criterion, or put it back where it was (Undo);
    ``notesChanged(list[TimeNote])`` after a stored change; ``escaped()`` when Esc leaves
    the note editor."""

    jumpRequested = Signal(object)
    citationRemoveRequested = Signal(str, int)  # criterion id, index among its citations
    citationRestoreRequested = Signal(str, int, object)  # criterion id, index, Citation
    insertRequested = Signal(str, str)
    notesChanged = Signal(list)
    escaped = Signal()

    def __init__(
        self,
        artifacts: Sequence[Artifact],
        criteria: Sequence[Criterion],
        service: NotesService,
        save: Save,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notes and citations")
        self._artifacts = tuple(artifacts)
        self._criteria = tuple(criteria)
        self._service = service
        self._save = save
        self._notes: list[TimeNote] = []
        self._citations: list[tuple[str, Sequence[Citation]]] = []
        # What Undo takes back, newest last: a deleted note or citation, or a note's edit.
        self._undo: list[TimeNote | _RemovedCitation | _Edited] = []
        self._editing: TimeNote | None = None
        self._read_only = False

        self.model = NotesModel(artifacts, criteria, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Notes and citations, in evidence order")
        self.view.setToolTip("Enter or double-click goes there")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        # Dense rows: the pane shares the evidence's height.
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(Column.WHERE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.WHAT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.CRITERION, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(Column.CRITERION, 180)
        self.view.doubleClicked.connect(lambda index: self.jump(index.row()))
        self.view.installEventFilter(self)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.title = QLabel(_TITLE, self)
        self._count = 0
        self.edit_button = self._button("Edit…", with_hint("Edit the note", "note_edit"))
        self.delete_button = self._button(
            "Delete", with_hint("Delete the note or citation", "note_delete")
        )
        self.undo_button = self._button(
            "Undo", with_hint("Take back the last delete or edit", "note_undo")
        )
        self.insert_button = self._button(
            _INSERT,
            with_hint("Add the note to its criterion's rationale", "note_insert"),
        )
        # Only the short words are a minimum: a narrow column squeezes the header to
        # them (see ``_fit_header``) rather than cutting the pane.
        self.title.setMinimumWidth(
            self.title.fontMetrics().horizontalAdvance(f"{_SHORT_TITLE} (999)")
        )
        self.insert_button.setText(_SHORT_INSERT)
        self.insert_button.setMinimumWidth(self.insert_button.sizeHint().width())
        self.insert_button.setText(_INSERT)
        self.edit_button.clicked.connect(self.start_edit)
        self.delete_button.clicked.connect(self.delete_current)
        self.undo_button.clicked.connect(self.undo)
        self.insert_button.clicked.connect(self.insert_current)

        self.editor = QWidget(self)
        self.editor.setAccessibleName("Edit note")
        self.text_edit = _EditLine(self.editor)
        self.text_edit.setAccessibleName("Note text")
        self.text_edit.setToolTip("Enter saves, Esc cancels and goes back to the evidence")
        self.criterion_box = QComboBox(self.editor)
        self.criterion_box.setAccessibleName("Criterion for this note")
        self.criterion_box.addItem(NO_CRITERION, None)
        for criterion in criteria:
            self.criterion_box.addItem(plain(criterion.title), criterion.id)
        self.share_box = QCheckBox("Share with the educator", self.editor)
        self.share_box.setToolTip("A shared note appears in the educator's feedback report")
        self.save_button = QPushButton("Save", self.editor)
        self.cancel_button = QPushButton("Cancel", self.editor)
        self.text_edit.returnPressed.connect(self.save_edit)
        self.text_edit.escaped.connect(self._escape_edit)
        self.save_button.clicked.connect(self.save_edit)
        self.cancel_button.clicked.connect(self.cancel_edit)
        edit_row = QHBoxLayout(self.editor)
        edit_row.setContentsMargins(0, 0, 0, 0)
        edit_row.addWidget(self.text_edit, 1)
        edit_row.addWidget(self.criterion_box)
        edit_row.addWidget(self.share_box)
        edit_row.addWidget(self.save_button)
        edit_row.addWidget(self.cancel_button)
        self.editor.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self._top = top
        top.addWidget(self.title)
        top.addStretch(1)
        for button in (self.edit_button, self.delete_button, self.undo_button, self.insert_button):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.editor)

        for action_id, slot in (
            ("note_edit", self.start_edit),
            ("note_delete", self.delete_current),
            ("note_undo", self.undo),
            ("note_insert", self.insert_current),
        ):
            for sequence in key_sequences(action_id):
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_header()

    def _fit_header(self) -> None:
        """The title and the buttons in full words where they fit, else in short ones
        (the tooltips keep the full words): beside the reads pane the evidence column is
        too narrow for the full header, and a cut button is a button nobody can read."""
        full = f"{_TITLE} ({self._count})"
        self.title.setText(full)
        self.title.setToolTip("")
        self.insert_button.setText(_INSERT)
        # A nested layout keeps the size hint it had until told: measure the words now set.
        self._top.invalidate()
        if self._top.sizeHint().width() <= self.width():
            return
        self.title.setText(f"{_SHORT_TITLE} ({self._count})")
        self.title.setToolTip(full)
        self.insert_button.setText(_SHORT_INSERT)

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(text.rstrip("…"))
        return button

    # -- contents --------------------------------------------------------------------------

    def set_notes(self, notes: Sequence[TimeNote]) -> None:
        self._notes = list(notes)
        self._rebuild()

    def add_note(self, note: TimeNote) -> None:
        self._notes.append(note)
        self._rebuild()
        self.notesChanged.emit(self.notes())

    def notes(self) -> list[TimeNote]:
        return list(self._notes)

    def set_citations(self, citations: Sequence[tuple[str, Sequence[Citation]]]) -> None:
        """``(criterion_id, its citations)`` in rubric order, as the sheet has them now."""
        self._citations = list(citations)
        self._rebuild()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        if read_only:
            self.cancel_edit()
        self._update_buttons()

    def current_entry(self) -> EvidenceEntry | None:
        return self.model.entry(self.view.currentIndex().row())

    def select_row(self, row: int) -> None:
        self.view.setCurrentIndex(self.model.index(row, 0))

    def _rebuild(self) -> None:
        current = self.current_entry()
        entries = evidence_order(self._artifacts, self._notes, self._citations)
        self.model.set_entries(entries)
        self._count = len(entries)
        self._fit_header()
        if current is not None:
            row = next((i for i, e in enumerate(entries) if _same(e, current)), -1)
            if row >= 0:
                self.select_row(row)
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.current_entry()
        note = entry is not None and entry.is_note and not self._read_only
        self.edit_button.setEnabled(note)
        self.delete_button.setEnabled(entry is not None and not self._read_only)
        self.insert_button.setEnabled(note)
        self.undo_button.setEnabled(bool(self._undo) and not self._read_only)

    # -- actions ---------------------------------------------------------------------------

    def jump(self, row: int | None = None) -> None:
        entry = self.model.entry(self.view.currentIndex().row() if row is None else row)
        if entry is None:
            return
        if entry.note is not None:
            moment = TimeRange(entry.note.time_ms, entry.note.time_ms)
            self.jumpRequested.emit(Citation(entry.artifact_id, moment))
        elif entry.citation is not None:
            self.jumpRequested.emit(entry.citation)

    def start_edit(self) -> None:
        entry = self.current_entry()
        if self._read_only or entry is None or entry.note is None:
            return
        note = entry.note
        self._editing = note
        self.text_edit.setText(note.text)
        self.criterion_box.setCurrentIndex(max(0, self.criterion_box.findData(note.criterion_id)))
        self.share_box.setChecked(note.shared)
        self.editor.show()
        self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.text_edit.selectAll()

    def save_edit(self) -> None:
        note = self._editing
        if note is None:
            return
        text = self.text_edit.text().strip()
        if not text:
            return  # an empty note is deleted with Delete, not saved empty
        criterion = self.criterion_box.currentData()
        shared = self.share_box.isChecked()
        self._finish_edit()
        if (text, criterion, shared) != (note.text, note.criterion_id, note.shared):
            self._undo.append(_Edited(note))
            self._store_edit(note, text, criterion, shared)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _store_edit(self, note: TimeNote, text: str, criterion: str | None, shared: bool) -> None:
        service = self._service
        self._replace(replace(note, text=text, criterion_id=criterion, shared=shared))
        self._save(
            lambda: service.edit(note, text=text, criterion_id=criterion, shared=shared),
            self._replace,
        )

    def cancel_edit(self) -> None:
        self._finish_edit()

    def _escape_edit(self) -> None:
        self._finish_edit()
        self.escaped.emit()

    def _finish_edit(self) -> None:
        self._editing = None
        self.editor.hide()

    def delete_current(self) -> None:
        entry = self.current_entry()
        if self._read_only or entry is None:
            return
        if entry.citation is not None and entry.criterion_id is not None:
            # A citation lives in the rubric's sheet: the workspace removes it there.
            self._undo.append(_RemovedCitation(entry.criterion_id, entry.position, entry.citation))
            self.citationRemoveRequested.emit(entry.criterion_id, entry.position)
            self._update_buttons()
            return
        if entry.note is None:
            return
        note = entry.note
        row = self.view.currentIndex().row()
        self._notes = [n for n in self._notes if n.id != note.id]
        self._undo.append(note)
        self._rebuild()
        self.select_row(min(row, self.model.rowCount() - 1))
        service = self._service
        self._save(lambda: service.delete(note), lambda _none: self._stored())

    def undo(self) -> None:
        """Take back the last delete (the note as it was, the citation in its place) or
        the last edit of a note."""
        if self._read_only or not self._undo:
            return
        last = self._undo.pop()
        if isinstance(last, _RemovedCitation):
            self.citationRestoreRequested.emit(last.criterion_id, last.position, last.citation)
            self._update_buttons()
            return
        if isinstance(last, _Edited):
            before = last.before
            now = next((n for n in self._notes if n.id == before.id), None)
            if now is not None:
                self._store_edit(now, before.text, before.criterion_id, before.shared)
            self._update_buttons()
            return
        note = last
        service = self._service

        def restored(back: TimeNote) -> None:
            self._notes.append(back)
            self._rebuild()
            row = next(
                (i for i, e in enumerate(self.model.entries()) if e.note and e.note.id == back.id),
                0,
            )
            self.select_row(row)
            self._stored()

        self._save(lambda: service.undo_delete(note), restored)
        self._update_buttons()

    def insert_current(self) -> None:
        entry = self.current_entry()
        if self._read_only or entry is None or entry.note is None:
            return
        criterion = entry.note.criterion_id
        self.insertRequested.emit(criterion or "", note_line(entry.note))

    def _replace(self, note: TimeNote) -> None:
        self._notes = [note if n.id == note.id else n for n in self._notes]
        self._rebuild()
        self._stored()

    def _stored(self) -> None:
        self.notesChanged.emit(self.notes())

    # -- keys ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            if event.type() == QEvent.Type.ShortcutOverride:
                # Enter here goes to the row, not into the rationale (the workspace's key).
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.jump()
                return True
        return super().eventFilter(watched, event)


def _same(a: EvidenceEntry, b: EvidenceEntry) -> bool:
    if a.note is not None and b.note is not None:
        return a.note.id == b.note.id
    return a.citation == b.citation and a.criterion_id == b.criterion_id
