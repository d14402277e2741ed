"""What a person sees of a widget tree's text, worked out the way Qt draws it: a label,
tooltip or message shown as rich text when Qt would treat it so, a button's or tab's
``&`` taken as a mnemonic, item views' cells and tooltips, text views' documents.

``check_hub_text`` then holds every view to the rule: wherever a hub string shows, all
of its characters show (``hostile_kit.shown``) and none of its escape sequences do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hostile_kit import WORDS, shown
from PySide6.QtGui import Qt as GuiQt

from assessor_app.ui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QModelIndex,
    QPlainTextEdit,
    Qt,
    QTabBar,
    QTextBrowser,
    QTextDocument,
    QWidget,
)
from assessor_app.ui.rubric.level_button import LevelButton

_MNEMONIC = re.compile(r"&(.)")


def as_seen(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """``text`` as Qt shows it in a label or tooltip of format ``fmt``."""
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)
    )
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    # An <img> becomes U+FFFC and <br> a paragraph break; neither is text a person reads.
    return document.toPlainText().replace("\u2029", "\n")


def _model_strings(view: QAbstractItemView) -> Iterable[str]:
    model = view.model()
    if model is None:
        return
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model's columnCount is private: it has one
        columns = 1
    for row in range(model.rowCount(QModelIndex())):
        for column in range(columns):
            index = model.index(row, column)
            display = index.data(Qt.ItemDataRole.DisplayRole)
            if isinstance(display, str):
                yield display
            tip = index.data(Qt.ItemDataRole.ToolTipRole)
            if isinstance(tip, str):
                yield as_seen(tip)
    for column in range(columns):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(header, str):
            yield header


def seen_strings(root: QWidget) -> list[str]:
    """Every piece of text ``root`` and its children show, as a person sees it."""
    strings: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.toolTip():
            strings.append(as_seen(widget.toolTip()))
        if isinstance(widget, QLabel):
            strings.append(as_seen(widget.text(), widget.textFormat()))
        elif isinstance(widget, LevelButton):  # painted, not a label
            strings += [widget.heading(), widget.descriptor()]
        elif isinstance(widget, QAbstractButton):
            strings.append(_MNEMONIC.sub(r"\1", widget.text()))
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                text = _MNEMONIC.sub(r"\1", widget.tabText(i))
                # A long name is shortened in the middle; its tooltip shows it whole.
                if "…" not in text:
                    strings.append(text)
                strings.append(as_seen(widget.tabToolTip(i)))
        elif isinstance(widget, QTextBrowser | QPlainTextEdit):
            strings.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            strings.extend(widget.itemText(i) for i in range(widget.count()))
        elif isinstance(widget, QAbstractItemView):
            strings.extend(_model_strings(widget))
    return strings


def check_hub_text(root: QWidget, expected: Iterable[str]) -> list[str]:
    """Assert the rule on everything ``root`` shows, and that each of the ``expected``
    keys of ``WORDS`` shows somewhere; returns what was seen."""
    strings = seen_strings(root)
    for text in strings:
        assert "\x1b" not in text and "\x07" not in text and "pwned" not in text, repr(text)
        for key, word in WORDS.items():
            if word in text:
                assert shown(word) in text, f"{key} is not shown as plain text: {text!r}"
    for key in expected:
        assert any(shown(WORDS[key]) in text for text in strings), f"{key} is not on screen"
    return strings
