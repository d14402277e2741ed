"""The main window tells the truth about syncs, against a real hub on 127.0.0.1 and the
fault proxy: the connection indicator after real contact, a frozen hub and a refused
connection; trouble in the status bar with Details, never a modal dialog; Cancel while a
sync runs; and an open workspace that follows the store after a sync (uploaded: read
only; returned by a reviewer: editable with the banner), with no reopen of an uploaded
sheet."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot
from support.fault_proxy import FaultProxy
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, passing_upload, running_hub

from assessor_app.domain.assignment_state import LocalState
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.scoring import ReopenRefused, ScoringService
from assessor_app.services.sync_runner import changes_queue, progress_words
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import SyncPhase, SyncProgress
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QApplication, QMessageBox, QSettings, Qt, QTimer

REFLECTION = b"I waited five seconds after each question; more students answered.\n"
FEEDBACK = "Wait after the question: well paced. Reflection on student thinking: clear."
# A client that gives up quickly, so a frozen or absent hub is found out in a test; its
# read timeout still lets a loaded machine hash a password at sign-in.
QUICK = partial(
    HubClient,
    timeout=Timeouts(connect=2.0, read=3.0, write=2.0, pool=2.0),
    max_retries=0,
    backoff_base=0.01,
)
_JARGON = re.compile(r"HTTP|GET |POST |PUT |/api|/auth|[A-Za-z]+Error\b|\(\d{3}\)")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        yield hub


@pytest.fixture
def proxy(hub: RunningHub) -> Iterator[FaultProxy]:
    with FaultProxy(hub.base_url) as proxy:
        yield proxy


@pytest.fixture
def session(proxy: FaultProxy) -> Iterator[ProfileSession]:
    session = sign_in(proxy.url, "ann", PASSWORD, client_factory=QUICK)
    yield session
    session.close()


def _window(qtbot: QtBot, session: ProfileSession, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def _sync(qtbot: QtBot, window: MainWindow) -> object:
    assert window.sync_runner is not None
    with qtbot.waitSignal(window.sync_runner.finished, timeout=30_000) as done:
        window.sync_now()
    qtbot.waitUntil(lambda: window.executors.db.wait(0), timeout=5000)
    return done.args[0]


def _no_modal_dialog() -> bool:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    return QApplication.activeModalWidget() is None and not any(b.isVisible() for b in boxes)


def _finalize(session: ProfileSession, aid: str) -> None:
    scoring = ScoringService(session.store)
    scoring.set_level(aid, "c1-wait", "proficient")
    scoring.set_level(aid, "c2-reflection", "proficient")
    scoring.set_feedback(aid, FEEDBACK)
    scoring.finalize(aid, quality_override_reason="Short on purpose")


def _open(qtbot: QtBot, window: MainWindow, aid: str) -> None:
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)


def test_the_indicator_follows_real_contact_and_trouble_stays_in_the_status_bar(
    qtbot: QtBot, hub: RunningHub, proxy: FaultProxy, session: ProfileSession, tmp_path: Path
) -> None:
    hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    window = _window(qtbot, session, tmp_path)
    assert window.online_label.text() == "Not synced yet"

    report = _sync(qtbot, window)
    assert report.ok
    assert window.online_label.text() == "Online · synced just now"
    assert not window.sync_bar.details_button.isVisible()

    # A frozen hub: it accepts the connection and answers too late.
    proxy.delay(10.0, times=None, path="/assignments")
    report = _sync(qtbot, window)
    frozen = window.online_label.text()
    assert re.fullmatch(r"Hub not answering since \d\d:\d\d", frozen), frozen
    assert _no_modal_dialog()
    message = window.statusBar().currentMessage()
    assert message.startswith("The hub is not answering")
    assert window.sync_bar.details_button.isVisible()
    details = window.sync_bar.details_text()
    assert details.startswith("The hub is not answering") and _JARGON.search(details) is None
    window.sync_bar.details_button.click()
    shown = window.sync_bar._details_window
    assert shown is not None and shown.isVisible() and not shown.isModal()
    shown.close()
    assert window.statusBar().grab().save(str(tmp_path / "status-not-answering.png"))

    # No hub at all: the connection is refused.
    proxy.stop()
    _sync(qtbot, window)
    offline = window.online_label.text()
    assert re.fullmatch(r"Offline since \d\d:\d\d — your work is saved here", offline), offline
    assert "synced" not in offline
    assert _no_modal_dialog()
    assert window.sync_bar.details_text().startswith("Could not reach the hub.")
    assert (
        _JARGON.search(window.statusBar().currentMessage() + window.sync_bar.details_text()) is None
    )
    assert window.grab().save(str(tmp_path / "window-offline.png"))


def test_cancel_is_shown_while_a_sync_runs_and_stops_it(
    qtbot: QtBot, hub: RunningHub, proxy: FaultProxy, session: ProfileSession, tmp_path: Path
) -> None:
    hub.seed_submission("ann", {"plan.txt": b"lesson plan line\n" * 20_000})
    proxy.throttle(50_000, path="/content")
    window = _window(qtbot, session, tmp_path)
    assert not window.sync_bar.cancel_button.isVisible()
    assert window.sync_runner is not None
    with qtbot.waitSignal(window.sync_runner.finished, timeout=30_000) as done:
        window.sync_now()
        assert window.sync_bar.cancel_button.isVisible()
        # The toolbar lays its widgets out when events are processed.
        qtbot.waitUntil(window.cancel_button.isVisible, timeout=2000)
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage().startswith("Downloading"), timeout=20_000
        )
        assert window.statusBar().grab().save(str(tmp_path / "status-downloading.png"))
        started = time.monotonic()
        window.sync_bar.cancel_button.click()
        assert window.statusBar().currentMessage() == "Cancelling…"
    took = time.monotonic() - started
    assert done.args[0].cancelled
    assert took < 10, took
    assert not window.sync_bar.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not window.cancel_button.isVisible(), timeout=2000)
    assert window.statusBar().currentMessage().startswith("Sync cancelled")
    assert window.sync_action.isEnabled()


def test_esc_stops_a_running_sync_when_nothing_else_takes_it(
    qtbot: QtBot, hub: RunningHub, proxy: FaultProxy, session: ProfileSession, tmp_path: Path
) -> None:
    hub.seed_submission("ann", {"plan.txt": b"lesson plan line\n" * 20_000})
    proxy.throttle(50_000, path="/content")
    window = _window(qtbot, session, tmp_path)
    assert window.sync_runner is not None
    with qtbot.waitSignal(window.sync_runner.finished, timeout=30_000) as done:
        window.sync_now()
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage().startswith("Downloading"), timeout=20_000
        )
        # The key goes to the queue's table, which has no use for it: it reaches the window.
        qtbot.keyClick(window.queue.table, Qt.Key.Key_Escape)
        assert window.statusBar().currentMessage() == "Cancelling…"
    assert done.args[0].cancelled
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Escape)  # no sync: nothing happens
    assert window.statusBar().currentMessage().startswith("Sync cancelled")


def test_an_open_sheet_becomes_uploaded_after_the_sync_and_cannot_be_reopened(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    _open(qtbot, window, aid)
    workspace = window.workspace
    assert workspace is not None
    assert workspace.state_label.text().endswith("Queued for upload · Reopen (Ctrl+Enter)")

    report = _sync(qtbot, window)
    assert report.uploaded == 1
    assert "1 decision uploaded" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: workspace.state_label.text() == "✓ Uploaded · Read only", timeout=5000)
    assert workspace.rubric.is_read_only()
    notice = workspace.rubric.read_only_banner
    assert notice.isVisibleTo(workspace) and notice.text().startswith("✓ Uploaded: the hub has")
    assert window.workspace is workspace  # not reopened: the same workspace follows the store

    # Reopening an uploaded sheet is refused with its cause, and no internal id.
    with pytest.raises(ReopenRefused) as refused:
        ScoringService(session.store).reopen(aid)
    words = str(refused.value)
    assert "already uploaded" in words
    assert aid not in words and "disk" not in words


def test_a_workspace_opened_on_an_uploaded_sheet_offers_no_reopen(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    assert _sync(qtbot, window).uploaded == 1
    _open(qtbot, window, aid)
    workspace = window.workspace
    assert workspace is not None
    assert workspace.state_label.text() == "✓ Uploaded · Read only"
    assert "Reopen" not in workspace.rubric.read_only_banner.text()
    assert workspace.export_report_action.isEnabled()  # its decision is in force

    workspace.finalize()  # Ctrl+Enter: nothing to reopen, so no question is asked
    assert _no_modal_dialog()
    qtbot.waitUntil(lambda: window.executors.db.wait(0), timeout=5000)
    assert session.store.assignments.local_state(aid) is LocalState.UPLOADED
    assert workspace.state_label.text() == "✓ Uploaded · Read only"


def test_a_reopen_from_a_view_the_sync_left_behind_says_why_and_shows_uploaded(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    _open(qtbot, window, aid)
    workspace = window.workspace
    assert workspace is not None
    # Uploaded behind the window's back (as by the command line in another process).
    client = session.client()
    try:
        assert SyncEngine(session.store, session.vault, client, disk_margin=0).run().uploaded == 1
    finally:
        client.close()

    def answer_yes() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, answer_yes)
    workspace.finalize()  # Ctrl+Enter on a queued sheet asks to reopen it
    qtbot.waitUntil(lambda: workspace.state_label.text() == "✓ Uploaded · Read only", timeout=5000)
    message = window.statusBar().currentMessage()
    assert message.startswith("This decision is already uploaded")
    assert aid not in message and "disk" not in message
    assert workspace.save_label.text() == "Saved ✓"
    assert session.store.assignments.local_state(aid) is LocalState.UPLOADED


def test_a_sheet_returned_by_the_reviewer_becomes_editable_with_the_banner(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    hub.admin.set_workflow(CREDENTIAL_ID, review_required=True)
    hub.admin.add_assessor("rev", PASSWORD, roles=("reviewer",))
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    _open(qtbot, window, aid)
    workspace = window.workspace
    assert workspace is not None
    _sync(qtbot, window)
    qtbot.waitUntil(lambda: "awaiting review" in workspace.state_label.text(), timeout=5000)
    assert workspace.rubric.is_read_only() and workspace.review_banner.isHidden()

    returned = httpx.post(
        f"{hub.base_url}/api/v1/reviews/{aid}/return",
        json={"comment": "Cite the <b>video</b> for criterion 1."},
        headers={"Authorization": f"Bearer {hub.token('rev')}"},
        timeout=30,
    )
    assert returned.status_code == 200, returned.text
    _sync(qtbot, window)
    qtbot.waitUntil(lambda: not workspace.rubric.is_read_only(), timeout=5000)
    assert not workspace.review_banner.isHidden()
    assert "Cite the &lt;b&gt;video&lt;/b&gt; for criterion 1." in workspace.review_banner.text()
    assert workspace.state_label.text().endswith("Finalize (Ctrl+Enter)")
    assert window.workspace is workspace


def test_the_status_bar_line_shows_rate_and_stalled_files() -> None:
    running = SyncProgress(
        SyncPhase.DOWNLOADS,
        current="clip.mp4",
        bytes_per_second=2_400_000,
        stalled=("plan.pdf", "notes.txt"),
    )
    assert progress_words(running) == (
        "Downloading evidence: clip.mp4 · 2.4 MB/s · stalled: plan.pdf, notes.txt"
    )
    assert progress_words(SyncProgress(SyncPhase.DOWNLOADS, bytes_per_second=850)) == (
        "Downloading evidence · 1 KB/s"
    )
    assert progress_words(SyncProgress(SyncPhase.UPLOADS)) == "Uploading decisions"
    # The queue is read again while rows can change, not while old evidence is tidied.
    assert changes_queue(running) and changes_queue(SyncProgress(SyncPhase.MANIFESTS))
    assert not changes_queue(SyncProgress(SyncPhase.RETENTION))


def test_an_upload_the_hub_cannot_take_names_the_submission_not_its_id(
    qtbot: QtBot, hub: RunningHub, proxy: FaultProxy, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    proxy.fail(503, times=None, method="PUT")

    report = _sync(qtbot, window)

    assert report.retries_scheduled == 1
    message = window.statusBar().currentMessage()
    assert message.startswith("The decision for Wait time after questions · Educator E-")
    assert "is not uploaded yet: The hub has a problem right now." in message
    assert aid not in message and _JARGON.search(message) is None
    assert window.online_label.text().startswith("Hub not answering since")
    assert _no_modal_dialog()


def test_an_open_sheet_the_hub_refused_needs_attention_and_can_be_reopened(
    qtbot: QtBot, hub: RunningHub, session: ProfileSession, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"reflection.txt": REFLECTION})
    aid = seeded.assignment_id
    window = _window(qtbot, session, tmp_path)
    _sync(qtbot, window)
    _finalize(session, aid)
    _open(qtbot, window, aid)
    workspace = window.workspace
    assert workspace is not None
    hub.admin.record_decision(aid, passing_upload("theirs"), "someone-elses-key")

    report = _sync(qtbot, window)

    assert report.conflicts == 1
    qtbot.waitUntil(
        lambda: workspace.state_label.text() == "! Needs attention · Reopen (Ctrl+Enter)",
        timeout=5000,
    )
    assert workspace.rubric.is_read_only()
    assert workspace.rubric.read_only_banner.text().startswith(
        "! Needs attention: the hub did not accept this decision. Reopen it (Ctrl+Enter)"
    )
    assert _no_modal_dialog()

    def answer_yes() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, answer_yes)
    workspace.finalize()
    qtbot.waitUntil(lambda: not workspace.rubric.is_read_only(), timeout=5000)
    assert session.store.assignments.local_state(aid) is LocalState.IN_PROGRESS
