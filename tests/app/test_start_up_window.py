"""Cold start without blocking the GUI: the main window shows at once, empty and
"Opening your profile…", while the profile (store, keyring, vault) opens on a worker
thread; then the queue fills and the first sync runs. A keyring that does not answer
keeps the window responsive; closing the window before the profile is open closes the
profile when it arrives; the first paint imports none of the heavy layers; and the
garbage collector waits until the window has painted."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from pytestqt.qtbot import QtBot
from support.hub import PASSWORD, RunningHub, running_hub

import assessor_app.store as store_package
from assessor_app.app import ProfileOpening
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.sync_runner import engine_for_session
from assessor_app.store import Profile
from assessor_app.sync.progress import CancelToken
from assessor_app.ui.background import Executor
from assessor_app.ui.main_window import OPENING_TEXT, PLACEHOLDER_TEXT, MainWindow
from assessor_app.ui.qt import QApplication, QSettings, QTimer

REPO = Path(__file__).resolve().parents[2]
KEYRING_DIR = REPO / "tests" / "cli"
GATE_TIMEOUT_S = 30


class GatedKeyring(keyring.backend.KeyringBackend):
    """Delegates to ``inner`` but holds every read until ``release()``, recording the
    threads that asked: a keyring that is slow to unlock."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, inner: keyring.backend.KeyringBackend) -> None:
        super().__init__()
        self.inner = inner
        self.asked = threading.Event()
        self._open = threading.Event()
        self.threads: set[int] = set()

    def release(self) -> None:
        self._open.set()

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.add(threading.get_ident())
        self.asked.set()
        if not self._open.wait(GATE_TIMEOUT_S):
            raise TimeoutError("the test never released the keyring")
        return self.inner.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.inner.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.inner.delete_password(service, username)


@pytest.fixture
def synced_hub(tmp_path: Path) -> Iterator[tuple[RunningHub, str]]:
    """A hub with one assignment for ann, already synced into ann's (last) profile."""
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        aid = hub.seed_submission("ann", {"plan.txt": b"Ask, wait, listen."}).assignment_id
        session = sign_in(hub.base_url, "ann", PASSWORD)
        try:
            engine = engine_for_session(session)(lambda _progress: None, CancelToken())
            try:
                assert engine.run().problems == []
            finally:
                engine.client.close()
        finally:
            session.close()
        yield hub, aid


@pytest.fixture
def gate(memory_keyring: keyring.backend.KeyringBackend) -> Iterator[GatedKeyring]:
    gated = GatedKeyring(memory_keyring)
    keyring.set_keyring(gated)
    yield gated
    # A worker still waiting must not outlive the test.
    gated.release()


@pytest.fixture
def executor() -> Iterator[Executor]:
    executor = Executor("open-profile-test", 1)
    yield executor
    executor.wait(GATE_TIMEOUT_S * 1000)


def _window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    window = MainWindow(None, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_window_shows_first_and_the_queue_fills_once_the_profile_is_open(
    qtbot: QtBot,
    synced_hub: tuple[RunningHub, str],
    gate: GatedKeyring,
    executor: Executor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hub, aid = synced_hub
    # Finding the last profile reads files and hashes its name (loading OpenSSL).
    finders: list[int] = []
    find = store_package.last_profile

    def recording_find() -> Profile | None:
        finders.append(threading.get_ident())
        return find()

    monkeypatch.setattr(store_package, "last_profile", recording_find)
    window = _window(qtbot, tmp_path)
    failures: list[BaseException] = []
    opening = ProfileOpening(executor, window.attach_session, failures.append, parent=window)
    opening.start()
    try:
        assert gate.asked.wait(GATE_TIMEOUT_S), "the profile was never opened"
        # The keyring is still answering on the worker; the GUI thread goes on.
        ticks: list[bool] = []
        QTimer.singleShot(0, lambda: ticks.append(True))
        qtbot.waitUntil(lambda: bool(ticks), timeout=5_000)
        assert threading.get_ident() not in gate.threads
        assert len(finders) == 1 and threading.get_ident() not in finders
        assert window.isVisible()
        assert window.session is None and window.sync_runner is None
        assert window.placeholder.text() == OPENING_TEXT
        assert window.statusBar().currentMessage() == OPENING_TEXT
        assert not window.sync_action.isEnabled()
        assert not window.export_history_action.isEnabled()
        assert window.queue_model.rowCount() == 0
        window.sync_now()  # nothing to sync yet: ignored
        assert window.sync_runner is None

        gate.release()
        qtbot.waitUntil(lambda: window.session is not None, timeout=30_000)
        qtbot.waitUntil(lambda: window.queue_model.rowCount() == 1, timeout=10_000)
        assert window.queue_model.rows()[0].assignment_id == aid
        assert window.windowTitle().startswith("Assessor - ann @ http://127.0.0.1:")
        assert window.placeholder.text() == PLACEHOLDER_TEXT
        assert window.sync_action.isEnabled() and window.export_history_action.isEnabled()
        assert window.calibration is not None
        assert failures == []
    finally:
        window.close()
        if window.session is not None:
            window.session.close()


def test_closing_the_window_while_the_profile_opens_closes_the_profile_when_it_arrives(
    qtbot: QtBot,
    synced_hub: tuple[RunningHub, str],
    gate: GatedKeyring,
    executor: Executor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[ProfileSession] = []
    close = ProfileSession.close

    def recording_close(session: ProfileSession) -> None:
        closed.append(session)
        close(session)

    monkeypatch.setattr(ProfileSession, "close", recording_close)
    window = _window(qtbot, tmp_path)
    opened: list[ProfileSession | None] = []
    opening = ProfileOpening(executor, opened.append, lambda error: None, parent=window)
    opening.start()
    assert gate.asked.wait(GATE_TIMEOUT_S)
    window.close()
    opening.abandon()
    gate.release()
    assert executor.wait(GATE_TIMEOUT_S * 1000)
    QApplication.sendPostedEvents()
    assert opened == []
    assert len(closed) == 1 and closed[0].profile.username == "ann"
    assert window.session is None


def test_the_first_paint_imports_none_of_the_heavy_layers(tmp_path: Path) -> None:
    code = """
import sys
from assessor_app.ui.qt import QApplication, QSettings
app = QApplication([])
import assessor_app.app
from assessor_app.ui.errors import install_excepthook
from assessor_app.ui.main_window import MainWindow
install_excepthook()
window = MainWindow(None, QSettings(sys.argv[1], QSettings.Format.IniFormat))
window.show()
app.processEvents()
import assessor_app.ui.qt as qt
print("\\n".join(sorted(sys.modules)))
print("-- Qt names taken")
print("\\n".join(sorted(name for name in vars(qt) if name in qt.__all__)))
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSESSOR_HOME=str(tmp_path / "home"))
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ui.ini")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    modules, qt_names = done.stdout.split("-- Qt names taken")
    loaded = set(modules.split())
    assert "assessor_app.ui.main_window" in loaded
    heavy_roots = {
        "alembic",
        "cryptography",
        "httpx",
        "keyring",
        "krippendorff",
        "numpy",
        "pydantic",
        "reportlab",
        "sqlalchemy",
        "vlc",
    }
    # Modules only some views or only some calls need: the PDF viewer's Qt module, the
    # rubric parser behind the domain package, the rotating log handler (switched on
    # after the first paint) and OpenSSL's hashing (profile names; the worker that opens
    # the profile finds it).
    heavy_roots |= {"PySide6.QtPdf", "logging.handlers", "hashlib"}
    # A frozen dataclass costs ~0.7 ms to create (it compiles its methods); the records
    # the first paint needs are NamedTuples (~0.2 ms each) and dataclasses stays unloaded.
    heavy_roots.add("dataclasses")
    heavy_layers = (
        "assessor_app.domain.rubric",
        "assessor_app.domain.evaluation",
        "assessor_app.media",
        "assessor_app.protocol",
        "assessor_app.reports",
        "assessor_app.services",
        "assessor_app.store.db",
        "assessor_app.store.models",
        "assessor_app.store.profile_store",
        "assessor_app.store.secrets",
        "assessor_app.store.vault",
        "assessor_app.sync",
        "assessor_app.ui.calibration",
        "assessor_app.ui.shortcut_sheet",
        "assessor_app.ui.workspace",
    )
    unexpected = sorted(
        name
        for name in loaded
        if name.split(".")[0] in heavy_roots or name in heavy_roots or name.startswith(heavy_layers)
    )
    assert unexpected == []
    # PySide6 builds a class and its enums when it is first taken from its module: the
    # dialogs and the events (QEvent's ~180 types) are taken when they are used, not to
    # paint.
    taken = set(qt_names.split())
    assert "QMainWindow" in taken
    assert taken.isdisjoint({"QCloseEvent", "QDialog", "QFileDialog", "QKeyEvent", "QMessageBox"})


def test_the_app_starts_opens_the_last_profile_and_runs_the_first_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_file = tmp_path / "keyring.json"
    monkeypatch.setenv("ASSESSOR_TEST_KEYRING", str(keyring_file))
    sys.path.insert(0, str(KEYRING_DIR))
    try:
        from json_keyring import JsonFileKeyring
    finally:
        sys.path.remove(str(KEYRING_DIR))
    keyring.set_keyring(JsonFileKeyring())
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="json_keyring.JsonFileKeyring",
        PYTHONPATH=os.pathsep.join([str(KEYRING_DIR), str(REPO)]),
    )
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        aid = hub.seed_submission("ann", {"plan.txt": b"Wait five seconds."}).assignment_id
        sign_in(hub.base_url, "ann", PASSWORD).close()

        def launch(*smoke: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "assessor_app.app", *smoke],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=120,
            )

        # Shown and closed before the profile is open: a clean exit all the same.
        shown = launch("--smoke", "shown")
        assert shown.returncode == 0, shown.stderr[-3000:]
        assert shown.stdout.startswith("ready ")
        synced = launch("--smoke")
        assert synced.returncode == 0, synced.stdout[-3000:] + synced.stderr[-3000:]
        assert "smoke: first sync completed" in synced.stdout
        # The next start shows the synced queue once the profile has opened.
        queued = launch("--smoke", "queued")
        assert queued.returncode == 0, queued.stderr[-3000:]
        assert queued.stdout.split()[0] == "queued" and queued.stdout.split()[2] == "1"

    from assessor_app.services.account import open_profile
    from assessor_app.store import last_profile

    profile = last_profile()
    assert profile is not None
    session = open_profile(profile)
    try:
        assert [item.assignment.id for item in session.store.assignments.queue()] == [aid]
    finally:
        session.close()


_COLLECTIONS_PROBE = """
import gc, sys
from assessor_app import app

assert "PySide6.QtWidgets" not in sys.modules
seen = []

def record(phase, info):
    if phase == "start":
        seen.append(gc.get_freeze_count())

gc.callbacks.append(record)
code = app.main(["--smoke", "shown"])
gc.callbacks.remove(record)
before_paint = sum(1 for frozen in seen if not frozen)
print(code, before_paint, gc.isenabled(), gc.get_freeze_count())
"""


def test_the_collector_waits_for_the_first_paint_then_skips_what_start_up_built(
    tmp_path: Path,
) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSESSOR_HOME=str(tmp_path / "home"))
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTIONS_PROBE],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    code, before_paint, enabled, frozen = done.stdout.split()[-4:]
    assert code == "0"
    # No collection from the start of main to the first paint (over a dozen without the
    # pause)...
    assert before_paint == "0"
    # ...and the collector is back on, with start-up's objects left out of its walks.
    assert enabled == "True"
    assert int(frozen) > 10_000
