"""File ▸ Sign out against a real hub on 127.0.0.1: the hub revokes the token and the
window forgets it, on a worker so the window stays responsive; with the hub away the token
is forgotten here all the same and the status bar says the hub was not told."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot
from support.hub import PASSWORD, RunningHub, running_hub

from assessor_app.services.account import HUB_NOT_TOLD, ProfileSession, sign_in
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.ui.main_window import SIGN_OUT_WHILE_SYNCING, MainWindow
from assessor_app.ui.qt import QSettings

QUICK = partial(HubClient, timeout=Timeouts(connect=2.0, read=3.0, write=2.0), max_retries=0)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        yield hub


@pytest.fixture
def session(hub: RunningHub) -> Iterator[ProfileSession]:
    session = sign_in(hub.base_url, "ann", PASSWORD, client_factory=QUICK)
    yield session
    session.close()


def _window(qtbot: QtBot, session: ProfileSession, tmp_path: Path) -> MainWindow:
    window = MainWindow(session, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    return window


def _sign_out(qtbot: QtBot, window: MainWindow) -> None:
    assert window.sign_out_action.isEnabled()
    window.sign_out_action.trigger()
    # The call runs on a worker: the action waits, the window does not.
    assert not window.sign_out_action.isEnabled()
    assert window.statusBar().currentMessage() == "Signing out…"
    qtbot.waitUntil(window.sign_out_action.isEnabled, timeout=15_000)


def test_sign_out_has_the_hub_revoke_the_token_and_forgets_it(
    qtbot: QtBot, session: ProfileSession, hub: RunningHub, tmp_path: Path
) -> None:
    token = session.secrets.get_token()
    assert token
    me = f"{hub.base_url}/api/v1/me"
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    window = _window(qtbot, session, tmp_path)
    assert "Sign out" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]

    _sign_out(qtbot, window)

    assert session.secrets.get_token() is None
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    message = window.statusBar().currentMessage()
    assert message == "Signed out. Your scores and queued decisions stay on this computer."


def test_sign_out_with_the_hub_away_forgets_the_token_and_says_so(
    qtbot: QtBot, session: ProfileSession, hub: RunningHub, tmp_path: Path
) -> None:
    window = _window(qtbot, session, tmp_path)
    hub.stop()

    _sign_out(qtbot, window)

    assert session.secrets.get_token() is None
    assert window.statusBar().currentMessage().endswith(HUB_NOT_TOLD)


def test_sign_out_waits_for_a_running_sync(
    qtbot: QtBot, session: ProfileSession, hub: RunningHub, tmp_path: Path
) -> None:
    window = _window(qtbot, session, tmp_path)
    assert window.sync_runner is not None
    with qtbot.waitSignal(window.sync_runner.finished, timeout=30_000):
        window.sync_now()
        window.sign_out_action.trigger()
        assert window.statusBar().currentMessage() == SIGN_OUT_WHILE_SYNCING
        assert session.secrets.get_token()
    qtbot.waitUntil(lambda: window.executors.db.wait(0), timeout=5000)
    _sign_out(qtbot, window)
    assert session.secrets.get_token() is None
