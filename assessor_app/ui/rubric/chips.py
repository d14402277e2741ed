"""Citation chips: one small button per evidence citation under a rationale.

A chip reads like the evidence it points to, in the words the report uses
(``Lesson clip, 03:05-03:40``, ``Lesson plan, p. 2``, ``Student work photo, region``,
``Reflection: “waits four seconds…”``); clicking it asks the workspace to show
that evidence, and its × removes it. ``FlowLayout`` wraps chips onto as many lines as
they need in a narrow panel.
"""

from __future__ import annotations

from collections.abc import Mapping

from assessor_app.domain import Artifact, Citation, TimeRange
from assessor_app.domain.citations import describe_citation
from assessor_app.ui.plain_text import button_text, tooltip
from assessor_app.ui.qt import (
    QFrame,
    QHBoxLayout,
    QLayout,
    QLayoutItem,
    QPoint,
    QRect,
    QSize,
    QSizePolicy,
    Qt,
    QToolButton,
    QWidget,
    Signal,
)

# A chip quotes only a few words (whole ones); the tooltip carries the longer quote.
_QUOTE_CHARS = 32
_TOOLTIP_QUOTE_CHARS = 400


def chip_text(citation: Citation, artifacts: Mapping[str, Artifact]) -> str:
    """The chip's label: the citation in the same words as the report, quote shortened."""
    return describe_citation(citation, artifacts, _QUOTE_CHARS)


def chip_description(citation: Citation, artifacts: Mapping[str, Artifact]) -> str:
    """The long form for tooltips and screen readers."""
    action = "play it" if isinstance(citation.target, TimeRange) else "show it"
    return f"{describe_citation(citation, artifacts, _TOOLTIP_QUOTE_CHARS)}. Click to {action}."


class CitationChip(QFrame):
    """A chip: the citation's text as a button, and a × button that removes it."""

    activated = Signal(object)  # Citation
    removeRequested = Signal()

    def __init__(
        self, citation: Citation, artifacts: Mapping[str, Artifact], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.citation = citation
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("citationChip")
        description = chip_description(citation, artifacts)

        self.button = QToolButton(self)
        text = chip_text(citation, artifacts)
        self.button.setText(button_text(text))
        self.button.setAutoRaise(True)
        self.button.setToolTip(tooltip(description))
        self.button.setAccessibleName(f"Citation: {description}")
        self.button.clicked.connect(lambda: self.activated.emit(self.citation))

        self.remove_button = QToolButton(self)
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip("Remove this citation")
        self.remove_button.setAccessibleName(f"Remove citation {text}")
        self.remove_button.clicked.connect(self.removeRequested)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(0)
        layout.addWidget(self.button)
        layout.addWidget(self.remove_button)

    def set_removable(self, removable: bool) -> None:
        self.remove_button.setVisible(removable)


class FlowLayout(QLayout):
    """Lays widgets left to right and wraps to a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, apply: bool) -> int:
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line_height > 0:
                x = rect.x()
                y += line_height + self._spacing
                line_height = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y()


class ChipRow(QWidget):
    """The chips of one criterion, wrapped; empty rows take no space."""

    activated = Signal(object)  # Citation
    removeRequested = Signal(int)  # index in the criterion's citations

    def __init__(self, artifacts: Mapping[str, Artifact], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._artifacts = artifacts
        self._layout = FlowLayout(self)
        self._removable = True
        self.chips: list[CitationChip] = []
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_citations(self, citations: tuple[Citation, ...]) -> None:
        for chip in self.chips:
            self._layout.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for index, citation in enumerate(citations):
            chip = CitationChip(citation, self._artifacts, self)
            chip.set_removable(self._removable)
            chip.activated.connect(self.activated)
            chip.removeRequested.connect(lambda i=index: self.removeRequested.emit(i))
            self._layout.addWidget(chip)
            self.chips.append(chip)
        self.setVisible(bool(citations))
        self.updateGeometry()

    def set_removable(self, removable: bool) -> None:
        self._removable = removable
        for chip in self.chips:
            chip.set_removable(removable)

    def focus_targets(self) -> list[QWidget]:
        return [w for chip in self.chips for w in (chip.button, chip.remove_button)]
