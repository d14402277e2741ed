"""``assessor-app``: start the desktop app.

The main window is shown first, with an empty queue and "Opening your profile…"; the last
profile (store, secrets, vault) is opened on a worker thread, and once it is open the
queue fills and the first sync starts on its own worker thread. The GUI thread never
waits for the keyring, SQLite or the imports behind them: it only shows the dialogs the
opening may need (a passphrase, or signing in when there is no profile, no token or no
keyring). User data is created private to the user (umask 077); logs go to a rotating
file in the data root.

Only what the first paint needs is imported before the window shows: Qt, the window and
its queue widgets. The store, the services and the sync engine are imported by the
worker that opens the profile (``MainWindow``'s ``SESSION_MODULES``); libVLC is loaded
and started on a worker thread of its own once the window has painted; calibration,
reports and numpy when first used. ``assessor-app --help`` imports none of it.

``--smoke`` (hidden; for the demo test and the start-up benchmark) quits on its own:
``--smoke shown`` once the window is shown and the event loop has run, printing
``ready <time.monotonic()>``; ``--smoke queued`` once the profile is open and its queue
has been loaded into the window, printing ``queued <time.monotonic()> <rows>``;
``--smoke frame`` opens the queue's first assignment once the queue is loaded and prints
``frame <time.monotonic() at the open> <time.monotonic() at its first video frame>``;
``--smoke`` (``synced``) once the first sync has ended, exiting 0 only if it completed.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assessor_app.services.account import ProfileSession
    from assessor_app.store import Profile
    from assessor_app.store.secrets import SecretStoreKind
    from assessor_app.ui.background import Executor
    from assessor_app.ui.main_window import MainWindow
    from assessor_app.ui.qt import QWidget

log = logging.getLogger(__name__)

SMOKE_SHOWN = "shown"
SMOKE_QUEUED = "queued"
SMOKE_SYNCED = "synced"
SMOKE_FRAME = "frame"
EXIT_SMOKE_SYNC_FAILED = 3
EXIT_OPEN_FAILED = 1


class _Unlock:
    """What opening the last profile came to: an open session, or why the sign-in dialog
    must be shown (and with which secret store preselected)."""

    def __init__(
        self,
        session: ProfileSession | None = None,
        *,
        message: str = "",
        store_kind: SecretStoreKind | None = None,
        cancelled: bool = False,
    ) -> None:
        self.session = session
        self.message = message
        self.store_kind = store_kind
        self.cancelled = cancelled


class _AskPassphrase:
    """The profile's token file needs a passphrase; ``problem`` says why it is asked again."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _ask_passphrase(profile: Profile, problem: str, parent: QWidget | None = None) -> str | None:
    from assessor_app.ui.qt import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Passphrase")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    prompt = f"Passphrase that protects the sign-in token for {profile.username}:"
    dialog.setLabelText(f"{problem}\n\n{prompt}" if problem else prompt)
    if not dialog.exec():
        return None
    return dialog.textValue()


def _import_session_modules() -> None:
    from assessor_app.ui.main_window import SESSION_MODULES

    for name in SESSION_MODULES:
        import_module(name)


def _try_profile(profile: Profile, passphrase: str | None) -> _Unlock | _AskPassphrase:
    """One attempt at opening ``profile``; runs on a worker thread (store, keyring)."""
    try:
        from assessor_app.services.account import open_profile
        from assessor_app.store.secrets import (
            KeyringUnavailable,
            SecretStoreError,
            WrongPassphrase,
        )

        try:
            session = open_profile(profile, passphrase=passphrase)
        except KeyringUnavailable as exc:
            return _Unlock(message=str(exc), store_kind="passphrase-file")
        except WrongPassphrase:
            return _AskPassphrase(
                "That passphrase did not unlock the token file. Check it and try again."
            )
        except ValueError:
            # A passphrase-file profile opened without a passphrase: ask for it.
            return _AskPassphrase("")
        except SecretStoreError as exc:
            return _Unlock(message=f"{exc}. Sign in again to continue.")
        if session.secrets.get_token():
            return _Unlock(session)
        session.close()
        return _Unlock(message="Your sign-in has expired or was signed out. Sign in again.")
    finally:
        # Whatever comes next (the window, a passphrase, the sign-in dialog) needs these;
        # importing them here keeps that work off the GUI thread.
        _import_session_modules()


def _open_last_profile() -> tuple[Profile | None, _Unlock | _AskPassphrase]:
    """Find the last profile and make a first attempt at opening it; runs on a worker
    thread (finding it reads files and hashes the profile's name, which loads OpenSSL)."""
    from assessor_app.store import last_profile

    profile = last_profile()
    if profile is None:
        _import_session_modules()
        return None, _Unlock()
    return profile, _try_profile(profile, None)


class ProfileOpening:
    """Opens the profile to work in without blocking the GUI thread.

    The last profile is found and opened on ``executor`` (asking for its passphrase as
    often as it is wrong); when it has no usable token, or there is no profile, the sign-in dialog
    is shown. ``opened(session)`` is called on the GUI thread with the open session, or
    with None when the user cancelled; ``failed(error)`` when opening raised something
    unexpected. Must be started on the GUI thread.
    """

    def __init__(
        self,
        executor: Executor,
        opened: Callable[[ProfileSession | None], None],
        failed: Callable[[BaseException], None],
        parent: QWidget | None = None,
    ) -> None:
        self._executor = executor
        self._opened = opened
        self._failed = failed
        self._parent = parent
        self._profile: Profile | None = None
        self._abandoned = False

    def start(self) -> None:
        self._executor.submit(_open_last_profile, success=self._found, failure=self._fail)

    def abandon(self) -> None:
        """The window is gone: a session that still arrives is closed, nothing is asked."""
        self._abandoned = True

    def _attempt(self, passphrase: str | None) -> None:
        profile = self._profile
        assert profile is not None
        self._executor.submit(
            lambda: _try_profile(profile, passphrase), success=self._tried, failure=self._fail
        )

    def _found(self, found: tuple[Profile | None, _Unlock | _AskPassphrase]) -> None:
        self._profile, outcome = found
        self._tried(outcome)

    def _tried(self, outcome: _Unlock | _AskPassphrase) -> None:
        if self._abandoned:
            if isinstance(outcome, _Unlock) and outcome.session is not None:
                outcome.session.close()
            return
        if isinstance(outcome, _AskPassphrase):
            assert self._profile is not None
            passphrase = _ask_passphrase(self._profile, outcome.problem, self._parent)
            if passphrase is None:
                self._opened(None)
            else:
                self._attempt(passphrase)
        elif outcome.session is not None:
            self._opened(outcome.session)
        else:
            self._sign_in(outcome)

    def _sign_in(self, unlock: _Unlock) -> None:
        if self._abandoned:
            return
        from assessor_app.ui.sign_in_dialog import SignInDialog

        profile = self._profile
        dialog = SignInDialog(
            self._executor,
            hub_url=profile.hub_url if profile else "",
            username=profile.username if profile else "",
            store_kind=unlock.store_kind,
            message=unlock.message,
            parent=self._parent,
        )
        accepted = dialog.exec()
        if self._abandoned:
            if dialog.session is not None:
                dialog.session.close()
            return
        self._opened(dialog.session if accepted else None)

    def _fail(self, error: BaseException) -> None:
        if self._abandoned:
            log.error("opening the profile failed after the window closed", exc_info=error)
        else:
            self._failed(error)


def _open_session(executor: Executor) -> ProfileSession | None:
    """The profile to work in: the last one if it opens with a token, otherwise whatever
    the sign-in dialog produces; None if the user cancelled. Blocks (in a local event
    loop) until ``ProfileOpening`` has finished; the app itself does not wait."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    result: list[ProfileSession | None] = []
    errors: list[BaseException] = []

    def opened(session: ProfileSession | None) -> None:
        result.append(session)
        loop.quit()

    def failed(error: BaseException) -> None:
        errors.append(error)
        loop.quit()

    ProfileOpening(executor, opened, failed).start()
    if not (result or errors):
        loop.exec()
    if errors:
        raise errors[0]
    return result[0]


def _arm_smoke_shown(window: MainWindow) -> None:
    from assessor_app.ui.qt import QTimer

    def ready() -> None:
        print(f"ready {time.monotonic():.6f}", flush=True)
        window.close()

    # A zero timer fires once the events queued by show() have been processed.
    QTimer.singleShot(0, ready)


def _arm_smoke_queued(window: MainWindow) -> None:
    model = window.queue_model
    printed: list[bool] = []

    def loaded() -> None:
        # Only the session's first queue load resets the model before this closes it.
        if not printed:
            printed.append(True)
            print(f"queued {time.monotonic():.6f} {model.rowCount()}", flush=True)
            window.close()

    model.modelReset.connect(loaded)


def _arm_smoke_frame(window: MainWindow) -> None:
    from assessor_app.ui.qt import Qt, QTimer

    model = window.queue_model
    opened_at: list[float] = []
    poll = QTimer(window)
    poll.setTimerType(Qt.TimerType.PreciseTimer)
    poll.setInterval(1)

    def loaded() -> None:
        if opened_at or model.rowCount() == 0:
            return
        opened_at.append(time.monotonic())
        window.open_assignment(model.row_at(0).assignment_id)
        poll.start()

    def report(*_image: object) -> None:
        if len(opened_at) == 1:
            opened_at.append(time.monotonic())
            print(f"frame {opened_at[0]:.6f} {opened_at[1]:.6f}", flush=True)
            window.close()

    def viewer_made() -> None:
        # Polled only until the viewer exists; its first frame is then taken as it
        # reaches the GUI thread, as a bare player's is.
        workspace = window.workspace
        viewer = workspace.evidence.current_viewer() if workspace is not None else None
        player = getattr(viewer, "player", None)
        if player is None:
            return
        poll.stop()
        if player.last_frame() is not None:
            report()
        else:
            player.frameReady.connect(report)

    poll.timeout.connect(viewer_made)
    model.modelReset.connect(loaded)


def _arm_smoke_synced(window: MainWindow, outcome: list[int]) -> None:
    runner = window.sync_runner
    assert runner is not None

    def ended(ok: bool) -> None:
        outcome[0] = 0 if ok else EXIT_SMOKE_SYNC_FAILED
        print(f"smoke: first sync {'completed' if ok else 'failed'}", flush=True)
        window.close()

    runner.finished.connect(lambda report: ended(not report.sign_in_required))
    runner.failed.connect(lambda _message: ended(False))
    outcome[0] = EXIT_SMOKE_SYNC_FAILED


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked (the metadata lookup
    would otherwise be paid by every start)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from importlib.metadata import version

        print(f"{parser.prog} {version('assessor-app')}")
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    # Start-up builds some 25,000 objects that live as long as the app (classes, Qt enums,
    # functions) and almost no garbage: the collector would walk them ~45 times before the
    # first paint (~9 ms) and free next to nothing. It is paused until the window has
    # painted; the objects start-up made are then frozen out of later collections too
    # (the few hundred of them that are garbage, tens of KB, are never freed).
    gc.disable()
    parser = argparse.ArgumentParser(prog="assessor-app", description="Assessor desktop app")
    parser.add_argument("--verbose", action="store_true", help="more detail in the log file")
    parser.add_argument(
        "--smoke",
        nargs="?",
        const=SMOKE_SYNCED,
        choices=(SMOKE_SHOWN, SMOKE_QUEUED, SMOKE_FRAME, SMOKE_SYNCED),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--smoke-test",
        metavar="HUB_URL",
        help="sign in to HUB_URL, sync, play the first video to its first frame and exit "
        "(0 when it all worked; see assessor_app/smoke.py)",
    )
    parser.add_argument("--smoke-user", default="demo1", help="account for --smoke-test")
    args = parser.parse_args(argv)
    os.umask(0o077)
    # Imported here, not with the module, so that their imports too run without the
    # collector (and ``import assessor_app.app`` stays cheap).
    from assessor_app.logs import configure_logging, enable_rotation
    from assessor_app.store import data_root

    # The window's log rotates once it has painted (see logs.py); --smoke-test has no window.
    configure_logging(data_root() / "logs", verbose=args.verbose, rotating=bool(args.smoke_test))
    if args.smoke_test:
        from assessor_app.smoke import run_smoke_test

        gc.enable()  # no window: a long run of its own
        return run_smoke_test(args.smoke_test, args.smoke_user)

    from assessor_app.ui.qt import QApplication, QGuiApplication, QSettings, Qt, QTimer

    # Fractional scale factors (125 %, 150 %) are used as they are instead of being
    # rounded; this must be set before the application object exists.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Assessor")
    app.setOrganizationName("Assessor")

    from assessor_app.ui.background import Executor
    from assessor_app.ui.errors import install_excepthook
    from assessor_app.ui.main_window import MainWindow

    install_excepthook()
    settings = QSettings(str(data_root() / "ui-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings)
    outcome = [0]

    def opened(session: ProfileSession | None) -> None:
        if session is None:
            # The user cancelled the passphrase or the sign-in: nothing to work in.
            outcome[0] = 0
            window.close()
            return
        window.attach_session(session)
        if args.smoke == SMOKE_SYNCED:
            _arm_smoke_synced(window, outcome)
        window.sync_now()

    def failed(error: BaseException) -> None:
        outcome[0] = EXIT_OPEN_FAILED
        sys.excepthook(type(error), error, error.__traceback__)
        window.close()

    opening_executor = Executor("open-profile", 1)
    opening = ProfileOpening(opening_executor, opened, failed, parent=window)
    window.show()

    def after_first_paint() -> None:
        gc.freeze()
        gc.enable()
        # logging.handlers is imported on the worker; switching handlers is then instant.
        opening_executor.submit(
            lambda: import_module("logging.handlers"),
            success=lambda _module: enable_rotation(),
            failure=lambda error: log.warning("the log file will not rotate: %s", error),
        )
        opening.start()
        # VLC loads its plugins on a worker thread of its own meanwhile (a quarter of a
        # second without VLC's plugin cache), so the first video opens without waiting.
        from assessor_app.media import backend

        backend.warm_up()

    # The profile opens once the window has painted: the worker's imports (SQLAlchemy,
    # httpx, keyring) hold the GIL in turns with the GUI thread and would slow the
    # first paint they are not needed for.
    QTimer.singleShot(0, after_first_paint)
    if args.smoke == SMOKE_SHOWN:
        _arm_smoke_shown(window)
    elif args.smoke == SMOKE_QUEUED:
        _arm_smoke_queued(window)
    elif args.smoke == SMOKE_FRAME:
        _arm_smoke_frame(window)
    try:
        code = app.exec()
    finally:
        gc.enable()
        # A profile still opening when the window closed is closed as soon as it is open;
        # delivering the worker's last result here lets ``ProfileOpening`` do that.
        opening.abandon()
        opening_executor.wait()
        app.sendPostedEvents()
        # Work handed to the executors after the window closed must end before the
        # store it writes to is closed.
        window.executors.wait()
        if window.session is not None:
            window.session.close()
    if outcome[0] or args.smoke:
        return outcome[0]
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
