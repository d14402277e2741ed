"""``assessor-app``: start the desktop app.

Opens the last profile (or asks to sign in), then shows the main window. User data is
created private to the user (umask 077); logs go to a rotating file in the data root.
"""

from __future__ import annotations

import argparse
import os
import sys

from assessor_app.logs import configure_logging
from assessor_app.store import data_root, last_profile


def _open_session(executors_holder: list[object]) -> object | None:
    from assessor_app.services.account import open_profile
    from assessor_app.store.secrets import KeyringUnavailable, WrongPassphrase
    from assessor_app.ui.background import Executor
    from assessor_app.ui.qt import QInputDialog, QLineEdit
    from assessor_app.ui.sign_in_dialog import SignInDialog

    profile = last_profile()
    if profile is not None:
        passphrase: str | None = None
        for _attempt in range(3):
            try:
                session = open_profile(profile, passphrase=passphrase)
                if session.secrets.get_token():
                    return session
                session.close()
                break
            except (WrongPassphrase, ValueError):
                text, ok = QInputDialog.getText(
                    None,
                    "Passphrase",
                    f"Passphrase that protects the sign-in token for {profile.username}:",
                    QLineEdit.EchoMode.Password,
                )
                if not ok:
                    return None
                passphrase = text
            except KeyringUnavailable:
                break
    executor = Executor("sign-in", 1)
    executors_holder.append(executor)
    dialog = SignInDialog(
        executor,
        hub_url=profile.hub_url if profile else "",
        username=profile.username if profile else "",
    )
    if dialog.exec() and dialog.session is not None:
        return dialog.session
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assessor-app", description="Assessor desktop app")
    parser.add_argument("--verbose", action="store_true", help="more detail in the log file")
    args = parser.parse_args(argv)
    os.umask(0o077)
    configure_logging(data_root() / "logs", verbose=args.verbose)

    from assessor_app.ui.errors import install_excepthook
    from assessor_app.ui.main_window import MainWindow
    from assessor_app.ui.qt import QApplication, QSettings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Assessor")
    app.setOrganizationName("Assessor")
    install_excepthook()
    holder: list[object] = []
    session = _open_session(holder)
    if session is None:
        return 0
    settings = QSettings(str(data_root() / "ui-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)  # type: ignore[arg-type]
    window.show()
    window.sync_now()
    code = app.exec()
    session.close()  # type: ignore[attr-defined]
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
