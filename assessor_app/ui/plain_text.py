"""Text from the hub on screen: always as the characters it is, never as markup.

Qt guesses: a QLabel, a tooltip or a message box shows text as rich text when it looks
like HTML (``Qt::mightBeRichText``), so a title ``<font size=99>…`` would be rendered;
buttons, tabs and menu entries read ``&`` as a keyboard mnemonic. Every hub-supplied
string (titles, pseudonyms, descriptors, feedback, comments, file names, calibration
item names, reviewer notes, problem messages) is shown through one of these helpers,
which also drop escape sequences and control characters (``domain.text.printable``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from assessor_app.domain.text import printable
from assessor_app.ui.qt import QLabel, Qt, QWidget

if TYPE_CHECKING:
    from assessor_app.ui.qt import QMessageBox


def plain(text: str) -> str:
    """``text`` without control characters, line breaks kept: for widgets that never
    read markup (item models' display role, plain text editors, painters)."""
    return printable(text, multiline=True)


def set_plain(label: QLabel, text: str) -> None:
    """Show ``text`` on ``label`` as plain text."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(plain(text))


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text, now and later, as plain text."""
    label = QLabel(parent)
    set_plain(label, text)
    return label


def as_html(text: str) -> str:
    """``text`` escaped for a rich-text view, line breaks kept."""
    return html.escape(plain(text)).replace("\n", "<br>")


def tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally. Tooltips guess at rich text, so text
    with ``<`` or ``&`` (all Qt's guess looks at) is escaped and marked as rich text for
    the guess to be certain; any other text is already shown as it is."""
    text = plain(text)
    if "<" not in text and "&" not in text:
        return text
    return f"<qt>{as_html(text)}</qt>"


def button_text(text: str) -> str:
    """``text`` for a button, tab or menu entry, where a lone ``&`` marks a mnemonic."""
    return printable(text).replace("&", "&&")


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton | None = None,
    default: QMessageBox.StandardButton | None = None,
) -> QMessageBox.StandardButton:
    """A modal message box whose text is plain text (it may quote the hub); returns
    the button chosen. Only OK unless ``buttons`` says otherwise."""
    from assessor_app.ui.qt import QMessageBox

    box = QMessageBox(icon, printable(title), plain(text), parent=parent)
    box.setStandardButtons(buttons or QMessageBox.StandardButton.Ok)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if default is not None:
        box.setDefaultButton(default)
    return QMessageBox.StandardButton(box.exec())
