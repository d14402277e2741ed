"""The finalize dialog shows the feedback check's findings and wants a reason; the
workspace finalizes with that reason and exports the feedback report, and the main window
exports the decision history, both on the database worker."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from quality_kit import GOOD_FEEDBACK, HUB_URL, PRIVATE_NOTE, USER, Seeded, score_all

from assessor_app.domain import Decision, Evaluation, Problem, ProblemCode
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.feedback_quality import FeedbackFinding, FindingCode
from assessor_app.services.account import ProfileSession, open_profile
from assessor_app.services.scoring import FinalizeCheck, ScoringService
from assessor_app.store import profile_for
from assessor_app.ui.background import Executors
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QApplication, QDialogButtonBox, QPushButton, QSettings, QTimer
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog
from assessor_app.ui.workspace.workspace import Workspace

SHORT = FeedbackFinding(FindingCode.TOO_SHORT, "The feedback for a Not Yet is 12 characters.")
UNNAMED = FeedbackFinding(FindingCode.NO_CRITERION_NAMED, "The feedback names no criterion.")
REASON = "The educator asked for a short note"


def _check(*findings: FeedbackFinding, blocked: bool = False) -> FinalizeCheck:
    problems = (
        (Problem(ProblemCode.UNSCORED, "“Equitable participation” has no level yet."),)
        if blocked
        else ()
    )
    decision = None if blocked else Decision.NOT_YET
    return FinalizeCheck(Evaluation(decision, decision, problems, 4.0), [], tuple(findings))


def _finalize_button(dialog: FinalizeDialog) -> QPushButton:
    assert dialog.finalize_button is not None
    return dialog.finalize_button


def test_findings_are_listed_and_finalize_waits_for_a_reason(qtbot: QtBot, seeded: Seeded) -> None:
    dialog = FinalizeDialog(_check(SHORT, UNNAMED), seeded.credential)
    qtbot.addWidget(dialog)
    dialog.show()

    text = dialog.findings.text()
    assert "The feedback check found problems" in text
    assert "The feedback for a Not Yet is 12 characters." in text
    assert "The feedback names no criterion." in text
    assert dialog.findings.isVisible()
    assert dialog.reason.isVisible()
    button = _finalize_button(dialog)
    assert not button.isEnabled()

    qtbot.keyClicks(dialog.reason, "   ")
    assert not button.isEnabled()
    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, REASON)
    assert button.isEnabled()
    assert dialog.quality_reason() == REASON


def test_without_findings_there_is_no_reason_to_give(qtbot: QtBot, seeded: Seeded) -> None:
    dialog = FinalizeDialog(_check(), seeded.credential)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.findings.isVisible()
    assert not dialog.reason.isVisible()
    assert _finalize_button(dialog).isEnabled()
    assert dialog.quality_reason() == ""
    assert "Decision: Not Yet" in dialog.summary.text()


def test_a_blocked_sheet_also_shows_the_findings(qtbot: QtBot, seeded: Seeded) -> None:
    dialog = FinalizeDialog(_check(SHORT, blocked=True), seeded.credential)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "cannot be finalized yet" in dialog.summary.text()
    assert "“Equitable participation” has no level yet." in dialog.summary.text()
    assert "Also look at the feedback" in dialog.findings.text()
    assert "12 characters" in dialog.findings.text()
    assert dialog.finalize_button is None
    assert not dialog.reason.isVisible()


# -- the workspace and the main window ---------------------------------------------------


@pytest.fixture
def session(seeded: Seeded, memory_keyring: object) -> Iterator[ProfileSession]:
    session = open_profile(profile_for(HUB_URL, USER))
    yield session
    session.close()


@pytest.fixture
def executors() -> Iterator[Executors]:
    executors = Executors(net_threads=1)
    yield executors
    executors.wait()


def _workspace(
    qtbot: QtBot, session: ProfileSession, executors: Executors, tmp_path: Path
) -> Workspace:
    opened = ScoringService(session.store).open("asg-1")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    workspace = Workspace(opened, session, executors, settings)
    qtbot.addWidget(workspace)
    workspace.show()
    return workspace


def _answer_finalize_dialog(reason: str) -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, FinalizeDialog) and widget.isVisible():
            widget.reason.setText(reason)
            for button in widget.findChild(QDialogButtonBox).buttons():
                if button is widget.finalize_button:
                    button.click()
                    return
    QTimer.singleShot(20, lambda: _answer_finalize_dialog(reason))


def test_workspace_finalizes_with_the_reason_then_exports_the_report(
    qtbot: QtBot,
    seeded: Seeded,
    session: ProfileSession,
    executors: Executors,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", "Wait longer.")
    workspace = _workspace(qtbot, session, executors, tmp_path)
    assert not workspace.export_report_action.isEnabled()

    QTimer.singleShot(20, lambda: _answer_finalize_dialog(REASON))
    workspace.finalize()
    qtbot.waitUntil(
        lambda: session.store.assignments.local_state("asg-1") is LocalState.FINALIZED,
        timeout=10_000,
    )
    recorded = session.store.decisions.latest("asg-1")
    assert recorded is not None and recorded.quality_override_reason == REASON
    qtbot.waitUntil(workspace.export_report_action.isEnabled, timeout=5000)

    target = tmp_path / "chosen.pdf"
    monkeypatch.setattr(
        "assessor_app.ui.workspace.workspace.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(target), "PDF documents (*.pdf)"),
    )
    with qtbot.waitSignal(workspace.reportExported, timeout=20_000) as exported:
        workspace.export_report_action.trigger()
    assert exported.args == [str(target)]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(target), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "Wait longer." in text
    assert seeded.credential.rubric.criteria[0].title in " ".join(text.split())
    assert PRIVATE_NOTE not in " ".join(text.split())
    assert REASON not in text


def test_main_window_exports_my_decisions(
    qtbot: QtBot,
    seeded: Seeded,
    session: ProfileSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=True)
    scoring.set_feedback("asg-1", GOOD_FEEDBACK)
    scoring.finalize("asg-1")
    window = MainWindow(session, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.export_history_action.text() == "Export my decisions (CSV)…"
    assert window.export_history_action in window.menuBar().actions()[0].menu().actions()

    target = tmp_path / "mine.csv"
    monkeypatch.setattr(
        "assessor_app.ui.qt.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(target), "CSV files (*.csv)"),
    )
    window.export_history_action.trigger()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == f"Exported 1 decision to {target}",
        timeout=10_000,
    )
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:3] == ["assignment_id", "submission_id", "credential_id"]
    assert lines[1].startswith("asg-1,sub-1,wait-time-questioning,")
    window.close()
