"""``assessor-app``: start the desktop app.

Opens the last profile (or asks to sign in), then shows the main window at once and starts
the first sync on its worker thread, so the window is usable while evidence downloads.
User data is created private to the user (umask 077); logs go to a rotating file in the
data root.

Heavy modules (the UI, the store, the sync engine) are imported inside ``main`` after the
logging is set up, which keeps ``assessor-app --help`` instant and lets the start-up
benchmark see exactly what a launch costs.

``--smoke`` (hidden; for the demo test and the start-up benchmark) quits on its own:
``--smoke shown`` once the window is shown and the event loop has run, printing
``ready <time.monotonic()>``; ``--smoke`` (``synced``) once the first sync has ended,
exiting 0 only if it completed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING

from assessor_app.logs import configure_logging
from assessor_app.store import data_root, last_profile

if TYPE_CHECKING:
    from assessor_app.services.account import ProfileSession
    from assessor_app.store import Profile
    from assessor_app.store.secrets import SecretStoreKind
    from assessor_app.ui.background import Executor
    from assessor_app.ui.main_window import MainWindow

SMOKE_SHOWN = "shown"
SMOKE_SYNCED = "synced"
EXIT_SMOKE_SYNC_FAILED = 3


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


def _ask_passphrase(profile: Profile, problem: str) -> str | None:
    from assessor_app.ui.qt import QInputDialog, QLineEdit

    dialog = QInputDialog()
    dialog.setWindowTitle("Passphrase")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    prompt = f"Passphrase that protects the sign-in token for {profile.username}:"
    dialog.setLabelText(f"{problem}\n\n{prompt}" if problem else prompt)
    if not dialog.exec():
        return None
    return dialog.textValue()


def _unlock_last_profile(profile: Profile) -> _Unlock:
    """Open ``profile``; asks for the passphrase as often as it is wrong."""
    from assessor_app.services.account import open_profile
    from assessor_app.store.secrets import KeyringUnavailable, SecretStoreError, WrongPassphrase

    passphrase: str | None = None
    problem = ""
    while True:
        try:
            session = open_profile(profile, passphrase=passphrase)
        except KeyringUnavailable as exc:
            return _Unlock(message=str(exc), store_kind="passphrase-file")
        except WrongPassphrase:
            problem = "That passphrase did not unlock the token file. Check it and try again."
        except ValueError:
            # A passphrase-file profile opened without a passphrase: ask for it.
            problem = ""
        except SecretStoreError as exc:
            return _Unlock(message=f"{exc}. Sign in again to continue.")
        else:
            if session.secrets.get_token():
                return _Unlock(session)
            session.close()
            return _Unlock(message="Your sign-in has expired or was signed out. Sign in again.")
        passphrase = _ask_passphrase(profile, problem)
        if passphrase is None:
            return _Unlock(cancelled=True)


def _open_session(executor: Executor) -> ProfileSession | None:
    """The profile to work in: the last one if it opens with a token, otherwise whatever
    the sign-in dialog produces; None if the user cancelled."""
    from assessor_app.ui.sign_in_dialog import SignInDialog

    profile = last_profile()
    unlock = _Unlock() if profile is None else _unlock_last_profile(profile)
    if unlock.session is not None or unlock.cancelled:
        return unlock.session
    dialog = SignInDialog(
        executor,
        hub_url=profile.hub_url if profile else "",
        username=profile.username if profile else "",
        store_kind=unlock.store_kind,
        message=unlock.message,
    )
    if dialog.exec() and dialog.session is not None:
        return dialog.session
    return None


def _arm_smoke(window: MainWindow, mode: str, outcome: list[int]) -> None:
    from assessor_app.ui.qt import QTimer

    if mode == SMOKE_SHOWN:

        def ready() -> None:
            print(f"ready {time.monotonic():.6f}", flush=True)
            window.close()

        # A zero timer fires once the events queued by show() have been processed.
        QTimer.singleShot(0, ready)
        return

    def ended(ok: bool) -> None:
        outcome[0] = 0 if ok else EXIT_SMOKE_SYNC_FAILED
        print(f"smoke: first sync {'completed' if ok else 'failed'}", flush=True)
        window.close()

    window.sync_runner.finished.connect(lambda report: ended(not report.sign_in_required))
    window.sync_runner.failed.connect(lambda _message: ended(False))
    outcome[0] = EXIT_SMOKE_SYNC_FAILED


def _version() -> str:
    from importlib.metadata import version

    return version("assessor-app")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assessor-app", description="Assessor desktop app")
    parser.add_argument("--verbose", action="store_true", help="more detail in the log file")
    parser.add_argument(
        "--smoke",
        nargs="?",
        const=SMOKE_SYNCED,
        choices=(SMOKE_SHOWN, SMOKE_SYNCED),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--smoke-test",
        metavar="HUB_URL",
        help="sign in to HUB_URL, sync, play the first video to its first frame and exit "
        "(0 when it all worked; see assessor_app/smoke.py)",
    )
    parser.add_argument("--smoke-user", default="demo1", help="account for --smoke-test")
    args = parser.parse_args(argv)
    os.umask(0o077)
    configure_logging(data_root() / "logs", verbose=args.verbose)
    if args.smoke_test:
        from assessor_app.smoke import run_smoke_test

        return run_smoke_test(args.smoke_test, args.smoke_user)

    from assessor_app.ui.qt import QApplication, QGuiApplication, QSettings, Qt

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
    sign_in_executor = Executor("sign-in", 1)
    session = _open_session(sign_in_executor)
    sign_in_executor.wait()
    if session is None:
        return 0
    try:
        settings = QSettings(str(data_root() / "ui-settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(session, settings)
        window.show()
        outcome = [0]
        if args.smoke:
            _arm_smoke(window, args.smoke, outcome)
        window.sync_now()
        code = app.exec()
        # Work handed to the executors after the window closed must end before the
        # store it writes to is closed.
        window.executors.wait()
        return outcome[0] if args.smoke else int(code)
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main())
