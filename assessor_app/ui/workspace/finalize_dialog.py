"""The finalize dialog: the problems that block it, or a summary to confirm.

When the feedback check has findings, they are listed and Finalize stays disabled until
the assessor writes a reason to go ahead (``quality_reason()``); the reason is kept with
the local decision record only. The lists scroll, so a long one keeps the buttons on a
small screen.
"""

from __future__ import annotations

from assessor_app.domain import Credential
from assessor_app.services.scoring import FinalizeCheck
from assessor_app.ui.plain_text import as_html
from assessor_app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.screen_fit import fit_dialog

_WIDTH = 560


def _items(messages: list[str]) -> str:
    # Problems and findings quote criterion titles from the hub.
    return "<ul>" + "".join(f"<li>{as_html(m)}</li>" for m in messages) + "</ul>"


class FinalizeDialog(QDialog):
    def __init__(self, check: FinalizeCheck, credential: Credential, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Finalize")
        self.setAccessibleName("Finalize")
        evaluation = check.evaluation
        findings = [f.message for f in check.feedback_findings]
        layout = QVBoxLayout(self)
        self.lists = QScrollArea(self)
        self.lists.setWidgetResizable(True)
        self.lists.setFrameShape(QFrame.Shape.NoFrame)
        self.lists.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lists = QWidget(self.lists)
        self.summary = QLabel(lists)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAccessibleName("Finalize summary")
        self.findings = QLabel(lists)
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.findings.setAccessibleName("Feedback check")
        self.findings.setVisible(bool(findings))
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason to finalize anyway")
        self.reason.setPlaceholderText("Why the feedback is right as it is (kept on this computer)")
        self.reason.setVisible(False)
        self.finalize_button: QPushButton | None = None
        buttons = QDialogButtonBox(self)
        if check.blocked:
            self.summary.setText(
                "<b>This sheet cannot be finalized yet.</b> Nothing was lost; fix these and "
                f"try again:{_items([p.message for p in evaluation.problems])}"
            )
            if findings:
                self.findings.setText(f"Also look at the feedback:{_items(findings)}")
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
            buttons.rejected.connect(self.reject)
        else:
            decision = evaluation.decision.label if evaluation.decision else ""
            maximum = credential.rubric.max_points
            lines = [
                f"<b>Decision: {decision}</b>",
                f"Points: {evaluation.total_points:g} of {maximum:g}",
            ]
            if check.warnings:
                lines.append(
                    "⚠ Before you finalize, consider:" + _items([w.message for w in check.warnings])
                )
            lines.append(
                "Finalizing queues the decision for upload. You can reopen it until it is uploaded."
            )
            self.summary.setText("<br>".join(lines))
            ok = buttons.addButton("Finalize", QDialogButtonBox.ButtonRole.AcceptRole)
            ok.setAccessibleName("Confirm finalize")
            self.finalize_button = ok
            if findings:
                self.findings.setText(
                    "⚠ <b>The feedback check found problems.</b> Improve the feedback, or "
                    f"say why it is right as it is to finalize anyway:{_items(findings)}"
                )
                self.reason.setVisible(True)
                ok.setEnabled(False)
                self.reason.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            buttons.accepted.connect(self.accept)
            buttons.rejected.connect(self.reject)
        inner = QVBoxLayout(lists)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.summary)
        inner.addWidget(self.findings)
        inner.addStretch(1)
        self.lists.setWidget(lists)
        layout.addWidget(self.lists, 1)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        # As tall as the lists need at this width (the scroll area does not say), within
        # the screen; the rest scrolls.
        width = _WIDTH - 2 * layout.contentsMargins().left()
        needed = inner.totalHeightForWidth(width) - self.lists.sizeHint().height()
        fit_dialog(self, _WIDTH, max(0, needed))

    def quality_reason(self) -> str:
        """The assessor's reason to finalize over the feedback check; empty when none."""
        return self.reason.text().strip() if self.reason.isVisibleTo(self) else ""
