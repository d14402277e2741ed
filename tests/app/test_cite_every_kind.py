"""Citing every kind of evidence through the real workspace, synced from a real hub: a
region dragged on an image, one table cell, a PDF quote with its page. Each chip and the
store say it in the report's words, and the finalized sheet uploads to the hub with every
target accepted."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from support.app_desk import lesson_plan_pdf, main_window, open_workspace, photo_png, sync
from support.hub import RunningHub

from assessor_app.domain import Citation, ImageRegion, Quote, TableCell
from assessor_app.domain.assignment_state import OutboxState
from assessor_app.services.account import ProfileSession
from assessor_app.services.scoring import ScoringService
from assessor_app.ui.qt import (
    QApplication,
    QPointF,
    Qt,
)
from assessor_app.ui.viewers.csv_viewer import CsvViewer
from assessor_app.ui.viewers.image_viewer import ImageViewer
from assessor_app.ui.viewers.pdf_viewer import PdfViewer

QUIZ = b"student,Q1,Q2,Q3\nS01,1,0,2\nS02,1,1,1\n"
PLAN_PAGES = ("Page one: the lesson opens with a question.", "Wait five seconds, then ask.")


def test_image_region_table_cell_and_pdf_quote_are_cited_stored_and_uploaded(
    qtbot: QtBot, qapp: object, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission(
        "ann",
        {
            "work.png": photo_png(640, 480, "#f4f1e8"),
            "quiz.csv": QUIZ,
            "plan.pdf": lesson_plan_pdf(PLAN_PAGES),
        },
    )
    aid = seeded.assignment_id
    ids = {a.filename: a.id for a in seeded.artifacts}
    window = main_window(qtbot, session, tmp_path)
    sync(qtbot, window)
    workspace = open_workspace(qtbot, window, aid)
    criterion = workspace.rubric.focused_criterion_id()
    assert criterion is not None

    def cited() -> tuple[Citation, ...]:
        return workspace.rubric.sheet().score(criterion).citations

    # An image: drag a rectangle, then C.
    workspace.evidence.show_artifact(ids["work.png"])
    image = workspace.evidence.viewer(ids["work.png"])
    assert isinstance(image, ImageViewer)
    qtbot.waitUntil(lambda: image.item is not None, timeout=10_000)
    port = image.view.viewport()
    start = image.view.mapFromScene(QPointF(40, 60))
    end = image.view.mapFromScene(QPointF(240, 160))
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(port, end)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)
    image.view.setFocus()
    qtbot.keyClick(image.view, Qt.Key.Key_C)
    (region,) = cited()
    assert region.artifact_id == ids["work.png"] and isinstance(region.target, ImageRegion)

    # A table: one cell, then C.
    workspace.evidence.show_artifact(ids["quiz.csv"])
    table = workspace.evidence.viewer(ids["quiz.csv"])
    assert isinstance(table, CsvViewer)
    qtbot.waitUntil(lambda: table.model is not None, timeout=10_000)
    assert table.model is not None
    table.table.setCurrentIndex(table.model.index(0, 3))
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_C)
    assert cited()[1] == Citation(ids["quiz.csv"], TableCell("S01", "Q3", "2"))
    # Enter in the table goes into the rationale, as from the other viewers.
    qtbot.keyClick(table.table, Qt.Key.Key_Return)
    rationale = workspace.rubric.criterion_pages[0].rationale
    assert QApplication.focusWidget() is rationale

    # A PDF: find a quote on page 2, then C.
    workspace.evidence.show_artifact(ids["plan.pdf"])
    plan = workspace.evidence.viewer(ids["plan.pdf"])
    assert isinstance(plan, PdfViewer)
    qtbot.waitUntil(lambda: plan.cite_target() is not None, timeout=10_000)
    assert plan.find_text("Wait five seconds")
    qtbot.keyClick(workspace.rubric, Qt.Key.Key_C)
    assert cited()[2] == Citation(ids["plan.pdf"], Quote("Wait five seconds", page=2))

    chips = [chip.button.text() for chip in workspace.rubric.criterion_pages[0].chips.chips]
    assert chips == [
        "work.png, region",
        "quiz.csv, row S01, column Q3",
        "plan.pdf, p. 2: “Wait five seconds”",
    ]
    qtbot.waitUntil(lambda: workspace.saves.state == "saved", timeout=10_000)
    assert [c.citation for c in session.store.sheets.citations(aid)] == list(cited())

    # Finalized and uploaded: the hub takes every kind of target.
    scoring = ScoringService(session.store)
    for criterion_id in ("c1-wait", "c2-reflection"):
        scoring.set_level(aid, criterion_id, "proficient")
        scoring.set_rationale(aid, criterion_id, "The cited evidence shows long, planned pauses.")
    scoring.set_feedback(
        aid,
        "You plan where to wait and the quiz shows more students answering after the pause; "
        "next, plan the pause after a student's answer as well.",
    )
    scoring.finalize(aid, decision="auto", quality_override_reason="checked by hand")
    with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
        window.sync_now()
    assert [e.state for e in session.store.outbox.entries(aid)] == [OutboxState.UPLOADED]
    assert hub.decision_count() == 1
