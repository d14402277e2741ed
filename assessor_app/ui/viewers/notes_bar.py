"""The inline editor for a time-pinned video note: text, an optional criterion, and the
moment it is pinned to. Enter saves, Esc cancels; the video viewer pauses and resumes
around it."""

from __future__ import annotations

from collections.abc import Sequence

from assessor_app.media.timecode import format_timecode
from assessor_app.ui.qt import (
    QComboBox,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    Qt,
    QWidget,
    Signal,
)

NO_CRITERION = "No criterion"


class _NoteLine(QLineEdit):
    """A line edit that reports Esc (QLineEdit would otherwise let it pass unnoticed)."""

    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class NoteEditor(QWidget):
    """Hidden until :meth:`start`; emits ``submitted(time_ms, text, criterion_id)`` on
    Enter (``criterion_id`` is None when untagged) and ``cancelled()`` on Esc."""

    submitted = Signal(int, str, object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._time_ms = 0
        self._time_label = QLabel(self)
        self._text = _NoteLine(self)
        self._text.setPlaceholderText("What do you notice at this moment? Enter saves, Esc cancels")
        self._text.setAccessibleName("Note text")
        self._text.setToolTip("Type the note; Enter saves it and resumes the video, Esc cancels")
        self._criterion = QComboBox(self)
        self._criterion.setAccessibleName("Criterion for this note")
        self._criterion.setToolTip("Tag the note to a criterion (optional)")
        self._criterion.addItem(NO_CRITERION, None)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._time_label)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._criterion)
        self._text.returnPressed.connect(self._submit)
        self._text.escaped.connect(self.cancel)
        self.setAccessibleName("New note")
        self.hide()

    def set_criteria(self, criteria: Sequence[tuple[str, str]]) -> None:
        """``(criterion_id, title)`` pairs, in rubric order."""
        current = self._criterion.currentData()
        self._criterion.clear()
        self._criterion.addItem(NO_CRITERION, None)
        for criterion_id, title in criteria:
            self._criterion.addItem(title, criterion_id)
        index = self._criterion.findData(current)
        self._criterion.setCurrentIndex(max(0, index))

    def set_criterion(self, criterion_id: str | None) -> None:
        self._criterion.setCurrentIndex(max(0, self._criterion.findData(criterion_id)))

    def time_ms(self) -> int:
        return self._time_ms

    def text_edit(self) -> QLineEdit:
        return self._text

    def criterion_box(self) -> QComboBox:
        return self._criterion

    def start(self, time_ms: int) -> None:
        self._time_ms = time_ms
        self._time_label.setText(f"Note at {format_timecode(time_ms)}")
        self._time_label.setAccessibleName(f"Note at {format_timecode(time_ms)}")
        self._text.clear()
        self.show()
        self._text.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cancel(self) -> None:
        if self.isHidden():
            return
        self.hide()
        self.cancelled.emit()

    def _submit(self) -> None:
        text = self._text.text().strip()
        if not text:
            # An empty note is a cancelled note, not an empty record.
            self.cancel()
            return
        self.hide()
        self.submitted.emit(self._time_ms, text, self._criterion.currentData())
