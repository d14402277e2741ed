"""Which of the workspace's scoring keys the focused widget leaves free.

Enter goes into the current rationale and Up / Down move between criteria from anywhere
in the workspace, except where the focused widget needs the key itself: text fields,
lists, tables and scrolling views keep their arrows; text fields, spin boxes, combo
boxes, lists and tables (the rubric overview chooses with Enter) keep Enter, unless
marked with ``leave_enter_to_workspace`` (a read-only table of evidence has no use for
it); and the rubric's feedback, decision and note tabs keep both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessor_app.ui.qt import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from assessor_app.ui.rubric.panel import RubricPanel


def _uses_arrows(widget: QWidget) -> bool:
    return isinstance(
        widget,
        QAbstractScrollArea | QAbstractSlider | QAbstractSpinBox | QComboBox | QLineEdit | QTabBar,
    )


_ENTER_FREE = "assessorLeavesEnterToWorkspace"


def leave_enter_to_workspace(widget: QWidget) -> None:
    """Let Enter on ``widget`` go into the current rationale, as from the other viewers."""
    widget.setProperty(_ENTER_FREE, True)


def _uses_enter(widget: QWidget) -> bool:
    if widget.property(_ENTER_FREE):
        return False
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QAbstractItemView | QAbstractSpinBox | QComboBox | QLineEdit)


def keys_left_free(widget: QWidget, rubric: RubricPanel | None) -> tuple[bool, bool]:
    """``(arrows, enter)``: whether Up / Down and Enter are free for the workspace while
    ``widget`` has the focus (``rubric`` is None while it is not built yet)."""
    if rubric is not None and rubric.isAncestorOf(widget) and not rubric.on_criteria_tab(widget):
        return False, False
    return not _uses_arrows(widget), not _uses_enter(widget)
