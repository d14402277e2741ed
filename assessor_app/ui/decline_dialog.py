"""Decline…: the assessor says why they will not score an assignment (a conflict of
interest, or they cannot score it) and gives a reason the hub records. Nothing is sent
from here: the decline is queued and goes with the next sync."""

from __future__ import annotations

from assessor_app.domain.decline import DeclineReason
from assessor_app.ui.plain_text import plain_label
from assessor_app.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class DeclineDialog(QDialog):
    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        """``what`` names the assignment (credential · educator), as hub text."""
        super().__init__(parent)
        self.setWindowTitle("Decline this assignment")
        intro = plain_label(
            f"Decline {what}? It goes back to the pool for another assessor and is never "
            "given to you again. The decline is sent at the next sync; until then the "
            "assignment stays in your queue, marked.",
            self,
        )
        intro.setWordWrap(True)
        self.reason = QComboBox(self)
        self.reason.setAccessibleName("Why you decline")
        for reason in DeclineReason:
            self.reason.addItem(reason.label, reason.value)
        self.comment = QPlainTextEdit(self)
        self.comment.setAccessibleName("Your reason")
        self.comment.setPlaceholderText("In a sentence: the hub records it with the decline.")
        self.comment.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Decline")
        ok.setEnabled(False)
        self.comment.textChanged.connect(
            lambda: ok.setEnabled(bool(self.comment.toPlainText().strip()))
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Why", self.reason)
        form.addRow("Reason", self.comment)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(520, 280)

    def chosen_reason(self) -> DeclineReason:
        return DeclineReason(self.reason.currentData())

    def comment_text(self) -> str:
        return self.comment.toPlainText().strip()
