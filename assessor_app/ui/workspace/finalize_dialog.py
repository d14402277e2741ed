"""The finalize dialog: the problems that block it, or a summary to confirm."""

from __future__ import annotations

from assessor_app.domain import Credential
from assessor_app.services.scoring import FinalizeCheck
from assessor_app.ui.qt import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


class FinalizeDialog(QDialog):
    def __init__(self, check: FinalizeCheck, credential: Credential, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Finalize")
        self.setAccessibleName("Finalize")
        evaluation = check.evaluation
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Finalize summary")
        buttons = QDialogButtonBox(self)
        if check.blocked:
            items = "".join(f"<li>{p.message}</li>" for p in evaluation.problems)
            self.summary.setText(
                "<b>This sheet cannot be finalized yet.</b> Nothing was lost; fix these and "
                f"try again:<ul>{items}</ul>"
            )
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
                items = "".join(f"<li>{w.message}</li>" for w in check.warnings)
                lines.append(f"⚠ Before you finalize, consider:<ul>{items}</ul>")
            lines.append(
                "Finalizing queues the decision for upload. You can reopen it until it is uploaded."
            )
            self.summary.setText("<br>".join(lines))
            ok = buttons.addButton("Finalize", QDialogButtonBox.ButtonRole.AcceptRole)
            ok.setAccessibleName("Confirm finalize")
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            buttons.accepted.connect(self.accept)
            buttons.rejected.connect(self.reject)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
