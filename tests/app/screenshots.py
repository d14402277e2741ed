"""Render the main window and the workspace at 1366x768 from the demo data, on request:

    .venv/bin/python -m tests.app.screenshots            # writes docs/screenshots/
    .venv/bin/python -m tests.app.screenshots OUT --dark # a dark-palette set into OUT

A demo hub is seeded in a temporary folder (20-second clips; generated media are cached
in the user's cache folder, so later runs are quick) and served on 127.0.0.1; ``demo1``
signs in with an in-memory keyring, syncs, and the windows are grabbed: the queue, and
a submission being scored (two time-pinned notes, a cited range and page, a rationale,
the in and out marks on the timeline). Then ``lead``, who facilitates and scores
nothing, opens its calibration sessions from where it lands, once the three demo
assessors have scored and uploaded their calibration items (so the matrix and the
statistics show). Tests use ``dark_palette``
and never write into docs/.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from assessor_app.ui.qt import QApplication, QColor, QPalette, QSettings

if TYPE_CHECKING:
    from assessor_app.services.account import ProfileSession

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZE = (1366, 768)


def dark_palette() -> QPalette:
    """A dark system palette of the kind desktop themes provide."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2b2b"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1e1e"),
        (roles.AlternateBase, "#262626"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.ToolTipBase, "#353535"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.PlaceholderText, "#9a9a9a"),
        (roles.Highlight, "#3d7bd9"),
        (roles.HighlightedText, "#ffffff"),
        (roles.Link, "#7fb0ff"),
        (roles.Light, "#4a4a4a"),
        (roles.Midlight, "#3e3e3e"),
        (roles.Mid, "#303030"),
        (roles.Dark, "#1a1a1a"),
        (roles.Shadow, "#000000"),
    ):
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#7a7a7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor("#7a7a7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.WindowText, QColor("#7a7a7a"))
    return palette


def _spin(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s")
        QApplication.processEvents()
        time.sleep(0.01)


def render(out: Path, *, dark: bool = False) -> list[Path]:
    """Seed, serve, sync and grab; returns the files written."""
    import keyring

    from assessor_app.demo import DEMO_PASSWORD, _free_port, start_hub
    from assessor_app.hub.admin import HubAdmin
    from assessor_app.hub.config import HubSettings
    from assessor_app.hub.demo.seed import seed_demo
    from tests.conftest import MemoryKeyring

    app = QApplication.instance() or QApplication([])
    if dark:
        app.setPalette(dark_palette())
    keyring.set_keyring(MemoryKeyring())
    suffix = "-dark" if dark else ""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        root = Path(tmp)
        os.environ["ASSESSOR_HOME"] = str(root / "client")
        with HubAdmin(HubSettings.from_data_dir(root / "hub"), demo_accounts=True) as admin:
            seed_demo(admin, video_seconds=20)
        hub, url = start_hub(root / "hub", _free_port())
        try:
            written = _grab(url, out, suffix, DEMO_PASSWORD)
            for offset, username in enumerate(("demo1", "demo2", "demo3")):
                _score_calibration(url, username, DEMO_PASSWORD, offset)
            return [*written, _grab_calibration(url, out, suffix, DEMO_PASSWORD)]
        finally:
            hub.terminate()
            hub.wait(30)


def _assignments(session: ProfileSession) -> list[str]:
    return [item.assignment.id for item in session.store.assignments.queue()]


def _has_video(session: ProfileSession, assignment_id: str) -> bool:
    from assessor_app.domain import ArtifactKind

    loaded = session.store.submissions.load_for_assignment(assignment_id)
    return loaded is not None and any(a.kind is ArtifactKind.VIDEO for a in loaded[0].artifacts)


def _score_some(session: ProfileSession, assignment_id: str) -> None:
    """What an assessor has after a few minutes on a submission: notes at two moments of
    the clip, a cited range and lesson-plan page, and the first rationale."""
    from assessor_app.domain import ArtifactKind
    from assessor_app.domain.citations import Citation, PdfPage, TimeRange
    from assessor_app.services.scoring import ScoringService

    loaded = session.store.submissions.load_for_assignment(assignment_id)
    assert loaded is not None
    submission, credential = loaded
    by_kind = {a.kind: a.id for a in reversed(submission.artifacts)}
    clip, plan = by_kind[ArtifactKind.VIDEO], by_kind.get(ArtifactKind.PDF)
    first = credential.rubric.criteria[0].id
    scoring = ScoringService(session.store)
    scoring.add_note(assignment_id, clip, 2_000, "Hinge question on the board", first)
    scoring.add_note(assignment_id, clip, 6_500, "Only the front rows answer", None)
    scoring.add_citation(assignment_id, first, Citation(clip, TimeRange(1_000, 6_000)))
    if plan is not None:
        scoring.add_citation(assignment_id, first, Citation(plan, PdfPage(1)))
    scoring.set_rationale(
        assignment_id,
        first,
        "The plan places the hinge question where the lesson turns (p. 1), and the clip "
        "shows it asked at 00:01 with answer choices that name the usual misconception.",
    )


def _grab(url: str, out: Path, suffix: str, password: str) -> list[Path]:
    from assessor_app.services.account import sign_in
    from assessor_app.ui.main_window import MainWindow

    session = sign_in(url, "demo1", password)
    home = Path(os.environ["ASSESSOR_HOME"])
    settings = QSettings(str(home / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    window.resize(*SIZE)
    window.show()
    done: list[object] = []
    window.sync_runner.finished.connect(done.append)
    window.sync_now()
    _spin(lambda: bool(done), 300)
    window.refresh_queue()
    _spin(lambda: window.executors.db.wait(0) and window.queue_model.rowCount() > 0, 30)
    written = []
    assignments = _assignments(session)
    with_video = next(a for a in assignments if _has_video(session, a))
    # The last row is selected, so an overdue row shows its red countdown unselected.
    window.queue.select_assignment(assignments[-1])
    # The queue dragged wide, as an assessor does to see every column; then back.
    default_sizes = window.splitter.sizes()
    window.splitter.setSizes([980, SIZE[0] - 980])
    QApplication.processEvents()
    path = out / f"main-window-queue{suffix}.png"
    window.grab().save(str(path))
    written.append(path)

    window.splitter.setSizes(default_sizes)
    _score_some(session, with_video)
    window.open_assignment(with_video)
    _spin(lambda: window.workspace is not None, 30)
    workspace = window.workspace
    assert workspace is not None
    viewer = workspace.evidence.current_viewer()
    player = getattr(viewer, "player", None)
    if player is not None:
        # The range about to be cited, marked with I and O while the clip plays.
        player.play()
        _spin(lambda: player.position() >= 11_000, 30)
        viewer.mark_in()  # type: ignore[union-attr]
        _spin(lambda: player.position() >= 15_000, 30)
        viewer.mark_out()  # type: ignore[union-attr]
        player.pause()
    criteria = workspace.opened.credential.rubric.criteria
    workspace.rubric.setFocus()
    workspace.rubric.choose_level_number(len(criteria[0].levels) - 1)
    _spin(lambda: workspace.saves.state == "saved", 30)
    QApplication.processEvents()
    path = out / f"workspace{suffix}.png"
    window.grab().save(str(path))
    written.append(path)
    window.close()
    session.close()
    return written


def _score_calibration(url: str, username: str, password: str, offset: int) -> None:
    """Sync, score every calibration item (each assessor a level apart where the rubric
    allows, so people differ), finalize and upload."""
    from assessor_app.domain import AssignmentKind
    from assessor_app.services.account import sign_in
    from assessor_app.services.scoring import ScoringService
    from assessor_app.sync.engine import SyncEngine

    session = sign_in(url, username, password)
    try:
        for _round in range(2):  # down, score; then up
            with session.client() as client:
                SyncEngine(
                    session.store, session.vault, client, client_factory=session.client
                ).run()
            if _round:
                break
            scoring = ScoringService(session.store)
            for item in session.store.assignments.queue():
                if item.assignment.kind is not AssignmentKind.CALIBRATION:
                    continue
                aid = item.assignment.id
                credential = scoring.open(aid).credential
                for criterion in credential.rubric.criteria:
                    meets = next(i for i, lv in enumerate(criterion.levels) if lv.meets)
                    level = criterion.levels[min(meets + offset % 2, len(criterion.levels) - 1)]
                    scoring.set_level(aid, criterion.id, level.id)
                    scoring.set_rationale(aid, criterion.id, f"{level.label}: as in the clip.")
                scoring.set_feedback(aid, "Calibration item scored for the screenshots.")
                scoring.finalize(aid, quality_override_reason="demo screenshots")
    finally:
        session.close()


def _grab_calibration(url: str, out: Path, suffix: str, password: str) -> Path:
    """The calibration sessions window as the demo lead opens it, a session chosen."""
    from assessor_app.services.account import sign_in
    from assessor_app.ui.main_window import MainWindow

    session = sign_in(url, "lead", password)
    home = Path(os.environ["ASSESSOR_HOME"])
    window = MainWindow(session, QSettings(str(home / "lead.ini"), QSettings.Format.IniFormat))
    window.resize(*SIZE)
    window.show()
    _spin(window.sessions_button.isVisible, 60)
    window.sessions_button.click()
    assert window.calibration is not None
    calibration = window.calibration.calibration_window()
    sessions = calibration.sessions
    _spin(lambda: sessions.list_model.rowCount() > 0, 30)
    loaded: list[object] = []
    sessions.sessionLoaded.connect(loaded.append)
    sessions.list.setCurrentIndex(sessions.list_model.index(0, 0))
    _spin(lambda: bool(loaded), 30)
    calibration.resize(*SIZE)
    _spin(lambda: window.executors.db.wait(0), 10)
    QApplication.processEvents()
    path = out / f"calibration{suffix}.png"
    calibration.grab().save(str(path))
    calibration.close()
    window.close()
    session.close()
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = Path(args[0]) if args else DOCS
    for written_path in render(target, dark="--dark" in sys.argv):
        print(written_path)
