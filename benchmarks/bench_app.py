"""Desktop app figures, each against a baseline measured in the same run:

* **Cold start to an interactive main window** (goal <= 1.5x): a fresh child process runs
  ``assessor-app --smoke shown`` (offscreen, a signed-in profile with a synced queue, a
  real hub) and prints the moment the window is *interactive*: the main window has been
  shown and the event loop has processed the events that showing it queued (a zero-delay
  timer armed after ``show()`` has fired), so from then on input is handled. The app
  shows its window before the profile is open ("Opening your profile…", empty queue) and
  opens the store, the keyring and the vault on a worker thread, so this moment does not
  include them. The baseline is a bare PySide6 ``QMainWindow`` started the same way.
  Wall time from ``Popen`` to that moment, median of 31 launches each, interleaved (a
  single launch here varies by up to half its time). The app's bytecode is compiled
  first, as an installed app's is. A third row starts the bare window with a table view
  on a Python model: what any Python model costs before the app's own code runs.
* **Cold start to a filled queue** (no goal; what the worker-thread opening costs):
  ``assessor-app --smoke queued`` prints when the open profile's queue has been loaded
  into the window.
* **Open an assignment to its first video frame** (goal < 300 ms): from
  ``MainWindow.open_assignment`` (database read, workspace, decrypting vault stream, libvlc)
  to the first decoded frame; the baseline is the bare ``VideoPlayer`` opening the same
  clip as a plain file. Median of the second and later opens in one process.
* **The same, first in the process** (goal < 200 ms): a fresh ``assessor-app --smoke
  frame`` opens the queue's first assignment as soon as the queue is in the window (the
  earliest an assessor could) and prints the moments of the open and of its first frame;
  the app's first sync runs meanwhile, as it does at every start. The baseline is a fresh
  process that opens the plain clip with a bare ``VideoPlayer`` (which must start libvlc
  first). Median of several launches of each, interleaved.
* **Longest event-loop stall during a full sync** (goal < 50 ms): a 5 ms precise
  ``QTimer`` on the GUI thread records how late each tick is while the main window syncs
  several submissions with 720p videos (download, verify, encrypt, queue refreshes);
  the baseline is the same timer over an idle window.

The queue of 10,000 rows is measured by ``bench_queue``. The hub runs as its own process
(a hub thread in this process would compete for the GIL and distort the stall figure).
Secrets go to the file-backed test keyring of ``tests/cli/json_keyring.py`` in a
temporary folder, so no real keyring is touched; everything is removed afterwards.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from benchmarks.hub_process import free_port, start_hub
from benchmarks.result import Result

ROOT = Path(__file__).resolve().parents[1]
KEYRING_DIR = ROOT / "tests" / "cli"
KEYRING_BACKEND = "json_keyring.JsonFileKeyring"
RUBRIC = ROOT / "resources" / "rubrics" / "wait-time-questioning.yaml"
USER = "bench"
PASSWORD = "bench-password"
SUBMISSIONS = 8
VIDEO_SECONDS = 30
LAUNCHES = 31
FRAME_LAUNCHES = 9
STALL_INTERVAL_MS = 5

# Shows ``window`` and prints when the event loop has handled what showing it queued.
_SHOW_AND_REPORT = """
window.show()
def ready():
    print(f"ready {time.monotonic():.6f}", flush=True)
    window.close()
QTimer.singleShot(0, ready)
app.exec()
"""

_BARE_SETUP = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
"""
_BARE_WINDOW = _BARE_SETUP + _SHOW_AND_REPORT

# The bare window plus the one thing every queue needs: a table view on a Python model.
# Showing it makes PySide6 build the whole Qt namespace (93 enums) for headerData's
# orientation, so this row shows what part of the app's start any Python model costs.
_TABLE_SETUP = """
import sys, time
from PySide6.QtCore import QAbstractTableModel, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
class Model(QAbstractTableModel):
    def rowCount(self, parent=None):
        return 0
    def columnCount(self, parent=None):
        return 6
    def data(self, index, role=0):
        return None
    def headerData(self, section, orientation, role=0):
        return f"Column {section}" if role == 0 else None
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("table")
view = QTableView(window)
model = Model()
view.setModel(model)
window.setCentralWidget(view)
"""
_TABLE_WINDOW = _TABLE_SETUP + _SHOW_AND_REPORT


def _make_clips(work: Path, count: int) -> list[Path]:
    """One 720p H.264 clip, then ``count`` distinct copies (re-muxed with a different
    title, so each has its own sha256 and is downloaded and stored on its own)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is required for the app benchmark")
    source = work / "source.mp4"
    subprocess.run(
        [
            ffmpeg, "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={VIDEO_SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={VIDEO_SECONDS}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
            "-c:a", "aac", "-shortest", str(source),
        ],
        check=True,
        timeout=600,
    )  # fmt: skip
    clips = []
    for i in range(count):
        clip = work / f"lesson-{i}.mp4"
        subprocess.run(
            [ffmpeg, "-v", "error", "-y", "-i", str(source), "-c", "copy",
             "-metadata", f"title=Lesson {i}", str(clip)],
            check=True,
            timeout=120,
        )  # fmt: skip
        clips.append(clip)
    return clips


def _seed(hub_dir: Path, work: Path) -> int:
    """The account and the submissions (video first, so it is what a workspace opens);
    returns the total bytes of evidence."""
    from assessor_app.hub.admin import HubAdmin
    from assessor_app.hub.config import HubSettings

    total = 0
    with HubAdmin(HubSettings.from_data_dir(hub_dir)) as admin:
        admin.add_assessor(USER, PASSWORD)
        credential = admin.import_credential(RUBRIC)
        for i, clip in enumerate(_make_clips(work, SUBMISSIONS)):
            folder = work / f"sub-{i}"
            folder.mkdir()
            shutil.move(clip, folder / "lesson.mp4")
            (folder / "reflection.md").write_text(f"# Reflection {i}\n\nI waited.\n" * 40)
            (folder / "plan.txt").write_text(f"Lesson plan {i}: ask, wait, listen.\n" * 100)
            (folder / "submission.yaml").write_text(
                f"credential: {credential}\nattempt: 1\neducator_pseudonym: E-{i:04d}\n"
                "artifacts:\n"
                "  - {file: lesson.mp4, title: Classroom video}\n"
                "  - {file: reflection.md, title: Reflection}\n"
                "  - {file: plan.txt, title: Lesson plan}\n"
            )
            total += sum(p.stat().st_size for p in folder.iterdir() if p.suffix != ".yaml")
            admin.assign(admin.import_submission(folder), USER)
            shutil.rmtree(folder)
    return total


def _child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASSESSOR_HOME=str(home),
        ASSESSOR_TEST_KEYRING=str(home.parent / "keyring.json"),
        PYTHON_KEYRING_BACKEND=KEYRING_BACKEND,
        PYTHONPATH=os.pathsep.join([str(KEYRING_DIR), str(ROOT)]),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def _launch(command: list[str], env: dict[str, str], marker: str = "ready") -> float:
    """Milliseconds from starting ``command`` to the ``<marker> <monotonic> ...`` line it
    prints; a ``queued`` line must also report every submission in the queue."""
    start = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith(f"{marker} ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"launch failed ({done.returncode}): {done.stderr[-2000:]}")
    if marker == "queued" and int(lines[0][2]) != SUBMISSIONS:
        raise RuntimeError(f"the queue held {lines[0][2]} rows, not {SUBMISSIONS}")
    return (float(lines[0][1]) - start) * 1000


# A fresh process that opens ``clip`` with a bare player and prints the moments of the
# open and of the first frame, as ``assessor-app --smoke frame`` does.
_BARE_PLAYER = """
import sys, time
from PySide6.QtGui import QGuiApplication
from assessor_app.media.player import VideoPlayer, wait_for_released
app = QGuiApplication(sys.argv[:1])
player = VideoPlayer()
def first(_image):
    print(f"frame {opened:.6f} {time.monotonic():.6f}", flush=True)
    player.close()
    app.quit()
player.frameReady.connect(first)
opened = time.monotonic()
player.open_file(sys.argv[1])
app.exec()
wait_for_released(10)
"""


def _open_to_frame(command: list[str], env: dict[str, str]) -> float:
    """Milliseconds between the two moments of the ``frame <open> <first frame>`` line."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("frame ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"launch failed ({done.returncode}): {done.stderr[-2000:]}")
    return (float(lines[0][2]) - float(lines[0][1])) * 1000


def _first_frame_in_process(env: dict[str, str], clip: Path) -> tuple[float, float]:
    """Medians of: a fresh app opening its first assignment to the first video frame, and
    a fresh bare player opening the plain clip to its first frame."""
    app = [sys.executable, "-m", "assessor_app.app", "--smoke", "frame"]
    bare = [sys.executable, "-c", _BARE_PLAYER, str(clip)]
    app_ms, bare_ms = [], []
    for _ in range(FRAME_LAUNCHES):
        app_ms.append(_open_to_frame(app, env))
        bare_ms.append(_open_to_frame(bare, env))
    return statistics.median(app_ms), statistics.median(bare_ms)


def _cold_start(env: dict[str, str]) -> tuple[float, float, float, float]:
    """Medians of: the app to interactive, the bare window, the bare window with a table
    on a Python model, the app to a filled queue."""
    # An installed app starts from bytecode (pip compiles it when it installs a wheel),
    # as PySide6 itself does here; a checkout whose .pyc files are missing or stale (an
    # edit, or PYTHONDONTWRITEBYTECODE) would otherwise be timed compiling itself.
    compileall.compile_dir(ROOT / "assessor_app", quiet=1)
    app = [sys.executable, "-m", "assessor_app.app", "--smoke"]
    bare = [sys.executable, "-c", _BARE_WINDOW]
    table = [sys.executable, "-c", _TABLE_WINDOW]
    _launch([*app, "shown"], env)  # the first launch warms the OS file cache for all
    _launch(bare, env)
    _launch(table, env)
    app_ms, bare_ms, table_ms = [], [], []
    for _ in range(LAUNCHES):
        app_ms.append(_launch([*app, "shown"], env))
        bare_ms.append(_launch(bare, env))
        table_ms.append(_launch(table, env))
    # Apart from the comparison: a filled queue starts the first sync, and the hub may
    # still be answering it when the next launch starts.
    queued_ms = [_launch([*app, "queued"], env, "queued") for _ in range(LAUNCHES)]
    return (
        statistics.median(app_ms),
        statistics.median(bare_ms),
        statistics.median(table_ms),
        statistics.median(queued_ms),
    )


class _StallMeter:
    """Records how late a precise 5 ms timer fires on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.worst_ms = 0.0
        self._last: float | None = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(STALL_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            late = (now - self._last) * 1000 - STALL_INTERVAL_MS
            self.worst_ms = max(self.worst_ms, late)
        self._last = now

    def start(self) -> None:
        self.worst_ms, self._last = 0.0, None
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        return self.worst_ms


def _spin_until(condition: Callable[[], bool], timeout_s: float) -> None:
    """Run the real event loop until ``condition`` holds (checked every millisecond)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.setTimerType(Qt.TimerType.PreciseTimer)
    poll.setInterval(1)
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    poll.start()
    if not condition():
        loop.exec()
    poll.stop()
    if not condition():
        raise RuntimeError(f"timed out after {timeout_s} s")


def _in_process(base_url: str, home: Path) -> tuple[float, float, float, float, float, Path]:
    """Full-sync stall and its idle baseline, then open-to-first-frame (median of all
    but the first) and the bare player's figure; returns them with the sync's duration
    and a plain copy of the video the workspace opened first."""
    import keyring

    sys.path.insert(0, str(KEYRING_DIR))
    os.environ.update(
        ASSESSOR_HOME=str(home), ASSESSOR_TEST_KEYRING=str(home.parent / "keyring.json")
    )
    from json_keyring import JsonFileKeyring
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from assessor_app.domain.assignment_state import LocalState
    from assessor_app.media.player import VideoPlayer, wait_for_released
    from assessor_app.services.account import sign_in
    from assessor_app.ui.main_window import MainWindow

    keyring.set_keyring(JsonFileKeyring())
    app = QApplication.instance() or QApplication([])
    session = sign_in(base_url, USER, PASSWORD)
    settings = QSettings(str(home / "ui-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    window.resize(1366, 768)
    window.show()
    meter = _StallMeter()
    try:
        _spin_until(lambda: window.queue_model.rowCount() == 0, 5)
        finished: list[object] = []
        window.sync_runner.finished.connect(finished.append)
        window.sync_runner.failed.connect(finished.append)
        meter.start()
        started = time.perf_counter()
        window.sync_now()
        _spin_until(lambda: bool(finished), 600)
        sync_s = time.perf_counter() - started
        sync_stall = meter.stop()
        queue = session.store.assignments.queue()
        ids = [item.assignment.id for item in queue]
        if len(ids) != SUBMISSIONS or any(i.local_state is not LocalState.READY for i in queue):
            raise RuntimeError(f"the sync did not complete: {finished}")
        meter.start()
        idle_until = time.perf_counter() + min(sync_s, 10.0)
        _spin_until(lambda: time.perf_counter() >= idle_until, 30)
        idle_stall = meter.stop()

        opens = []
        clip: Path | None = None
        for aid in ids:
            start = time.perf_counter()
            window.open_assignment(aid)

            def first_frame(aid: str = aid) -> bool:
                workspace = window.workspace
                if workspace is None or workspace.assignment_id != aid:
                    return False
                viewer = workspace.evidence.current_viewer()
                player = getattr(viewer, "player", None)
                return player is not None and player.last_frame() is not None

            _spin_until(first_frame, 30)
            opens.append((time.perf_counter() - start) * 1000)
            if clip is None:
                workspace = window.workspace
                assert workspace is not None
                artifact = workspace.opened.submission.artifacts[0]
                clip = home.parent / "plain.mp4"
                session.vault.export_copy(artifact.sha256, clip)
    finally:
        window.close()
        session.close()
    assert clip is not None

    bare_opens = []
    for _ in range(5):
        player = VideoPlayer()
        frames: list[float] = []
        player.frameReady.connect(lambda _image, got=frames: got.append(time.perf_counter()))
        start = time.perf_counter()
        player.open_file(clip)
        _spin_until(lambda got=frames: bool(got), 30)
        bare_opens.append((frames[0] - start) * 1000)
        player.close()
        wait_for_released(10)
    del app
    return (
        sync_stall,
        idle_stall,
        statistics.median(opens[1:]),
        statistics.median(bare_opens),
        sync_s,
        clip,
    )


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        work = Path(tmp)
        hub_dir, home = work / "hub", work / "client"
        total = _seed(hub_dir, work)
        port = free_port()
        hub = start_hub(hub_dir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            sync_stall, idle_stall, open_ms, bare_open, sync_s, clip = _in_process(base, home)
            app_ms, bare_ms, table_ms, queued_ms = _cold_start(_child_env(home))
            first_open, bare_first = _first_frame_in_process(_child_env(home), clip)
        finally:
            hub.terminate()
            hub.wait(30)
    label = f"{SUBMISSIONS} submissions, {total / 1e6:.0f} MB with 720p videos"
    return [
        Result(
            "app: cold start to interactive main window (median)",
            app_ms,
            "ms",
            "bare PySide6 QMainWindow",
            app_ms / bare_ms,
        ),
        Result("app: bare PySide6 QMainWindow start (median)", bare_ms, "ms"),
        Result(
            "app: bare window with a table on a Python model (median)",
            table_ms,
            "ms",
            "bare PySide6 QMainWindow",
            table_ms / bare_ms,
        ),
        Result("app: cold start to the profile's queue in the window (median)", queued_ms, "ms"),
        Result(
            "app: open assignment to first video frame (median)",
            open_ms,
            "ms",
            "bare VideoPlayer, plain file",
            open_ms / bare_open,
        ),
        Result(
            "app: open assignment to first video frame, first in process (median)",
            first_open,
            "ms",
            "bare VideoPlayer, plain file, first in process",
            first_open / bare_first,
        ),
        Result("app: bare VideoPlayer to first frame, first in process (median)", bare_first, "ms"),
        Result(
            f"app: longest event-loop stall during full sync ({label})",
            sync_stall,
            "ms",
            "idle window, same timer",
            sync_stall / idle_stall if idle_stall > 0 else None,
        ),
        Result("app: longest event-loop stall, idle window", idle_stall, "ms"),
        Result(f"app: full sync duration ({label})", sync_s, "s"),
    ]


if __name__ == "__main__":
    from benchmarks.result import format_table

    print(format_table(run()))
