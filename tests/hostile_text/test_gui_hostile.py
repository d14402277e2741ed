"""The window shows a hostile hub's strings as the characters they are: the queue, the
workspace header, the evidence tabs and viewers, the rubric (titles, descriptions, level
labels and descriptors, tooltips), the earlier attempts, the reviewer's banner, and the
finalize dialog. ``screen_text`` works out what each widget shows the way Qt draws it."""

from __future__ import annotations

from pathlib import Path

from hostile_kit import MARKUP_MEDIA_TYPE, WORDS, Scene, hostile, shown
from pytestqt.qtbot import QtBot
from screen_text import as_seen, check_hub_text

from assessor_app.domain.text import printable
from assessor_app.services.scoring import ScoringService
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QLabel, QSettings, Qt
from assessor_app.ui.queue import Column
from assessor_app.ui.viewers.csv_viewer import CsvViewer
from assessor_app.ui.viewers.text_viewer import TextViewer
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog

HEADER_KEYS = ("title", "pseudonym")
RUBRIC_KEYS = ("criterion", "description", "label", "descriptor", "earlier", "change_note")
EVIDENCE_KEYS = ("artifact_title", "file", "cell")


def _window(qtbot: QtBot, scene: Scene, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(scene.ann, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.refresh_queue()
    qtbot.waitUntil(lambda: window.queue_model.row_for(scene.hostile_assignment) is not None)
    return window


def _open(qtbot: QtBot, window: MainWindow, assignment_id: str) -> None:
    window.open_assignment(assignment_id)
    qtbot.waitUntil(
        lambda: window.workspace is not None and window.workspace.assignment_id == assignment_id,
        timeout=10_000,
    )


def test_queue_and_workspace_show_hub_text_as_plain_text(
    qtbot: QtBot, scene: Scene, tmp_path: Path
) -> None:
    window = _window(qtbot, scene, tmp_path)
    model = window.queue_model
    position = model.position_of(scene.hostile_assignment)
    assert position is not None
    # The row keeps the hub's text as sent; the cell shows it on one line, printable.
    assert model.row_at(position).credential_title == hostile(WORDS["title"])
    assert model.index(position, Column.CREDENTIAL).data() == shown(WORDS["title"])
    check_hub_text(window.queue, ["title", "pseudonym", "comment"])

    _open(qtbot, window, scene.hostile_assignment)
    workspace = window.workspace
    assert workspace is not None
    assert workspace.header.textFormat() == Qt.TextFormat.RichText  # bold title, escaped
    assert shown(WORDS["title"]) in as_seen(workspace.header.text(), Qt.TextFormat.RichText)
    for index in range(workspace.evidence.tabs.count()):
        workspace.evidence.tabs.setCurrentIndex(index)
    csv = next(v for v in workspace.evidence._viewers.values() if isinstance(v, CsvViewer))
    qtbot.waitUntil(lambda: csv.model is not None, timeout=10_000)
    workspace.rubric.tabs.setCurrentIndex(0)  # earlier attempts

    seen = check_hub_text(window, [*HEADER_KEYS, *RUBRIC_KEYS, *EVIDENCE_KEYS])
    assert any(MARKUP_MEDIA_TYPE in text for text in seen)
    # Every label that shows a hub string shows it as plain text, or escaped rich text.
    hub_labels = [
        label
        for label in window.findChildren(QLabel)
        if any(word in label.text() for word in WORDS.values())
    ]
    assert len(hub_labels) >= 4
    for label in hub_labels:
        assert label.textFormat() in (Qt.TextFormat.PlainText, Qt.TextFormat.RichText)
        assert "<img" not in label.text() or label.textFormat() == Qt.TextFormat.PlainText
    # A Markdown file's raw HTML is text too.
    notes = next(
        v
        for v in workspace.evidence._viewers.values()
        if isinstance(v, TextViewer) and v.artifact and v.artifact.filename == "notes.md"
    )
    assert "<b>raw</b> <img src=x>" in notes.browser.toPlainText()
    # The tab's '&' is not a mnemonic: it stays on screen. The long name is shortened in
    # the middle, its start and end as they are.
    whole = printable(workspace.evidence.artifacts[0].display_name).replace("&", "&&")
    start, end = workspace.evidence.tabs.tabText(0).split("…")
    assert whole.startswith(start) and whole.endswith(end) and "&&" in end

    workspace.evidence.show_artifact(workspace.evidence.artifacts[0].id)
    workspace.rubric.tabs.setCurrentIndex(workspace.rubric.criteria_tab_index)
    qtbot.wait(50)
    assert window.grab().save(str(tmp_path / "hostile-workspace.png"))

    _open(qtbot, window, scene.returned_assignment)
    banner = window.workspace.review_banner
    assert banner.isVisibleTo(window)
    assert shown(WORDS["comment"]) in as_seen(banner.text(), banner.textFormat())
    check_hub_text(window.workspace, ["comment"])


def test_finalize_dialog_quotes_criterion_titles_as_text(
    qtbot: QtBot, scene: Scene, tmp_path: Path
) -> None:
    check = ScoringService(scene.ann.store).check(scene.hostile_assignment)
    assert check.blocked  # no levels yet: its problems name the criteria
    opened = ScoringService(scene.ann.store).open(scene.hostile_assignment)
    dialog = FinalizeDialog(check, opened.credential)
    qtbot.addWidget(dialog)
    check_hub_text(dialog, ["criterion"])
