"""Render the queue, the rubric panel, the rubric overview and the shortcut sheet to
docs/screenshots/ (``python -m tests.ui.screenshots``).

The same builders are used by tests/ui/test_screenshots.py, which renders into a
temporary directory and checks the images are not blank.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from assessor_app.domain import ScoreSheet
from assessor_app.ui.qt import QApplication, QSettings, QWidget
from assessor_app.ui.queue import QueueModel, QueueView
from assessor_app.ui.rubric import RubricPanel
from assessor_app.ui.rubric.overview import RubricOverview
from assessor_app.ui.shortcut_sheet import ShortcutSheet
from tests.ui.samples import (
    CLIP_CITATION,
    NOW,
    PAGE_CITATION,
    queue_rows,
    resubmission,
    wait_time_credential,
)

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def build_queue(settings: QSettings) -> QueueView:
    model = QueueModel(clock=lambda: NOW)
    model.set_rows(queue_rows(60))
    view = QueueView(model, settings)
    view.resize(760, 560)
    return view


def build_rubric_panel() -> RubricPanel:
    credential = wait_time_credential()
    criteria = credential.rubric.criteria
    sheet = (
        ScoreSheet()
        .with_level(criteria[0].id, "proficient")
        .with_rationale(
            criteria[0].id,
            "Counted pauses after 7 questions: 3-5 s each, e.g. at 03:12 before hands went up.",
        )
        .with_level(criteria[1].id, "developing")
    )
    panel = RubricPanel(
        credential,
        resubmission(credential),
        sheet,
        ["Try counting to five silently.", "Name the evidence you would like to see."],
    )
    panel.add_citation(criteria[0].id, CLIP_CITATION)
    panel.add_citation(criteria[0].id, PAGE_CITATION)
    panel.tabs.setCurrentIndex(panel.criteria_tab_index)
    # The rubric's share of a 1366x768 laptop screen beside the evidence.
    panel.resize(480, 640)
    return panel


def _scored_sheet() -> ScoreSheet:
    criteria = wait_time_credential().rubric.criteria
    return (
        ScoreSheet()
        .with_level(criteria[0].id, "proficient")
        .with_level(criteria[1].id, "developing")
        .with_level(criteria[2].id, "proficient")
    )


def build_rubric_overview() -> RubricOverview:
    """The overview (Ctrl+G) as it fills the workspace on a 1366x768 screen."""
    overview = RubricOverview(wait_time_credential())
    overview.resize(1366, 700)
    overview.show_sheet(_scored_sheet(), 1)
    return overview


def build_shortcut_sheet() -> ShortcutSheet:
    return ShortcutSheet()


def render(widget: QWidget, path: Path) -> None:
    widget.show()
    QApplication.processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(OUT / ".queue-settings.ini"), QSettings.Format.IniFormat)
    settings.clear()
    queue = build_queue(settings)
    render(queue, OUT / "queue.png")
    panel = build_rubric_panel()
    render(panel, OUT / "rubric-panel.png")
    render(build_rubric_overview(), OUT / "rubric-overview.png")
    render(build_shortcut_sheet(), OUT / "shortcut-sheet.png")
    (OUT / ".queue-settings.ini").unlink(missing_ok=True)
    del app
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
