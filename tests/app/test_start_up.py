"""Start-up and signing in again, against a real hub: a missing keyring leads to the
sign-in dialog with the passphrase file chosen and the reason shown; a wrong passphrase
is asked for again with a clear message; an expired token is renewed in place from
File ▸ Sign in… with the queued decision untouched and then uploaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import keyring
import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot
from support.hub import PASSWORD, RunningHub

from assessor_app import app
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.services.account import sign_in
from assessor_app.services.scoring import ScoringService
from assessor_app.store.secrets import PassphraseFileSecretStore
from assessor_app.ui.background import Executor
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import (
    QApplication,
    QDialogButtonBox,
    QInputDialog,
    QMessageBox,
    QSettings,
    QTimer,
    QWidget,
)
from assessor_app.ui.screen_fit import FRAME_ALLOWANCE
from assessor_app.ui.sign_in_dialog import SignInDialog

W = TypeVar("W", bound=QWidget)


@pytest.fixture
def executor() -> Iterator[Executor]:
    executor = Executor("sign-in-test", 1)
    yield executor
    executor.wait(10_000)


def when_shown(kind: type[W], act: Callable[[W], None], deadline_ms: int = 20_000) -> None:
    """Run ``act`` on the first visible top-level ``kind`` (a modal dialog runs its own
    event loop, so it is found from a timer), polling until it appears."""

    def poll(left: int) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, kind) and widget.isVisible():
                act(widget)
                return
        if left > 0:
            QTimer.singleShot(20, lambda: poll(left - 20))

    QTimer.singleShot(20, lambda: poll(deadline_ms))


def _sign_in_button(dialog: SignInDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_missing_keyring_opens_sign_in_with_the_passphrase_file_chosen(
    qtbot: QtBot, hub: RunningHub, executor: Executor
) -> None:
    sign_in(hub.base_url, "ann", PASSWORD).close()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    seen: dict[str, object] = {}

    def fill(dialog: SignInDialog) -> None:
        seen["store"] = dialog.store_choice.currentData()
        seen["message"] = dialog.message.text()
        seen["passphrase_enabled"] = dialog.passphrase.isEnabled()
        seen["user"] = dialog.user.text()
        dialog.password.setText(PASSWORD)
        dialog.passphrase.setText("a long passphrase")
        _sign_in_button(dialog)

    when_shown(SignInDialog, fill)
    session = app._open_session(executor)
    assert session is not None
    try:
        assert seen["store"] == "passphrase-file"
        assert "No system keyring" in str(seen["message"])
        assert seen["passphrase_enabled"] is True
        assert seen["user"] == "ann"
        assert isinstance(session.secrets, PassphraseFileSecretStore)
        assert session.secrets.get_token()
        assert session.store.settings.secret_store_kind() == "passphrase-file"
    finally:
        session.close()


def test_a_wrong_passphrase_is_asked_for_again_with_a_clear_message(
    qtbot: QtBot, hub: RunningHub, executor: Executor
) -> None:
    sign_in(
        hub.base_url, "ann", PASSWORD, secret_kind="passphrase-file", passphrase="right one"
    ).close()
    prompts: list[str] = []
    answers = iter(["wrong one", "right one"])

    def answer(dialog: QInputDialog) -> None:
        prompts.append(dialog.labelText())
        dialog.setTextValue(next(answers))
        dialog.accept()
        if len(prompts) < 2:
            when_shown(QInputDialog, answer)

    when_shown(QInputDialog, answer)
    session = app._open_session(executor)
    assert session is not None
    try:
        assert len(prompts) == 2
        assert "did not unlock" not in prompts[0] and "ann" in prompts[0]
        assert "did not unlock" in prompts[1]
        assert session.secrets.get_token()
    finally:
        session.close()


def test_cancelling_the_passphrase_quits_without_a_session(
    qtbot: QtBot, hub: RunningHub, executor: Executor
) -> None:
    sign_in(hub.base_url, "ann", PASSWORD, secret_kind="passphrase-file", passphrase="p").close()
    when_shown(QInputDialog, lambda dialog: dialog.reject())
    assert app._open_session(executor) is None


def test_expired_token_is_renewed_in_place_and_the_queued_decision_uploads(
    qtbot: QtBot, hub: RunningHub, tmp_path: Path
) -> None:
    aid = hub.seed_submission("ann", {"plan.txt": b"Ask, wait five seconds, listen."}).assignment_id
    session = sign_in(hub.base_url, "ann", PASSWORD)
    window = MainWindow(session, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
            window.sync_now()
        scoring = ScoringService(session.store)
        scoring.set_level(aid, "c1-wait", "proficient")
        scoring.set_level(aid, "c2-reflection", "proficient")
        scoring.set_feedback(aid, "You waited after each question; keep counting to five.")
        entry = scoring.finalize(aid, quality_override_reason="checked by hand").outbox_id
        session.secrets.set_token("a-token-the-hub-no-longer-accepts")

        # The hub refuses the token: the app asks; "No" keeps everything queued.
        when_shown(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.No).click())
        with qtbot.waitSignal(window.sync_runner.signInRequired, timeout=60_000):
            window.sync_now()
        qtbot.waitUntil(lambda: window.sync_action.isEnabled(), timeout=10_000)
        assert [e.state for e in session.store.outbox.entries(aid)] == [OutboxState.QUEUED]
        assert hub.decision_count() == 0

        # File ▸ Sign in… renews the token of this same profile and syncs.
        renew: dict[str, object] = {}

        def fill(dialog: SignInDialog) -> None:
            renew["read_only"] = dialog.url.isReadOnly() and dialog.user.isReadOnly()
            renew["user"] = dialog.user.text()
            dialog.password.setText(PASSWORD)
            _sign_in_button(dialog)

        when_shown(SignInDialog, fill)
        with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
            window.sign_in_action.trigger()
        assert renew == {"read_only": True, "user": "ann"}
        token = session.secrets.get_token()
        assert token and token != "a-token-the-hub-no-longer-accepts"
        (uploaded,) = session.store.outbox.entries(aid)
        assert uploaded.id == entry and uploaded.state is OutboxState.UPLOADED
        assert session.store.assignments.local_state(aid) is LocalState.UPLOADED
        assert set(hub.decision_keys()) == {aid}
    finally:
        window.close()
        session.close()


def test_first_start_opens_the_window_on_most_of_the_screen(
    qtbot: QtBot, hub: RunningHub, tmp_path: Path
) -> None:
    session = sign_in(hub.base_url, "ann", PASSWORD)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    try:
        window = MainWindow(session, settings)
        qtbot.addWidget(window)
        area = window.screen().availableGeometry()
        # The test screen is a laptop's (under 1600 px wide): the window takes all of
        # it but the room the window manager's frame needs.
        assert area.width() < 1600
        assert window.width() == area.width() - FRAME_ALLOWANCE // 4
        assert window.height() == area.height() - FRAME_ALLOWANCE
        assert area.contains(window.geometry())
        window.resize(700, 500)
        window.close()
        # The next start restores what the assessor left.
        again = MainWindow(session, settings)
        qtbot.addWidget(again)
        assert (again.width(), again.height()) == (700, 500)
        again.close()
    finally:
        session.close()
