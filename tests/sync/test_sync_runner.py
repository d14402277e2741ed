"""The Qt sync runner against a real hub: signals for progress and the report, one run at
a time, cancellation, sign-in required, and unexpected failures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD, RunningHub
from sync_kit import assert_vault_verified

from assessor_app.domain.assignment_state import LocalState
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.sync_runner import SyncRunner, engine_for_session
from assessor_app.sync.progress import CancelToken, SyncPhase, SyncProgress, SyncReport

pytest_plugins = ["sync_fixtures"]


@pytest.fixture
def proxy(shared_hub: RunningHub) -> Iterator[FaultProxy]:
    with FaultProxy(shared_hub.base_url) as p:
        yield p


@pytest.fixture
def session(assessor: str, proxy: FaultProxy) -> Iterator[ProfileSession]:
    s = sign_in(proxy.url, assessor, PASSWORD)
    yield s
    s.close()


@pytest.fixture
def runner(session: ProfileSession) -> Iterator[SyncRunner]:
    r = SyncRunner(engine_for_session(session))
    yield r
    r.cancel()
    assert r.wait(30_000)


def test_runs_off_the_gui_thread_and_reports(
    qtbot: QtBot,
    shared_hub: RunningHub,
    assessor: str,
    session: ProfileSession,
    runner: SyncRunner,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(600_000)})
    proxy.throttle(2_000_000, path="/content")
    seen: list[SyncProgress] = []
    runner.progress.connect(seen.append)

    with qtbot.waitSignal(runner.finished, timeout=30_000) as done:
        assert runner.start()
        assert runner.is_running()
        assert not runner.start()  # a second run is refused while one is going

    report: SyncReport = done.args[0]
    assert report.ok, report.problems
    assert report.artifacts_downloaded == 1 and report.new_assignments == 1
    assert not runner.is_running()
    assert session.store.assignments.local_state(seeded.assignment_id) == LocalState.READY
    assert assert_vault_verified(session.vault) == {seeded.artifacts[0].sha256}
    assert any(p.phase == SyncPhase.DOWNLOADS and p.current == "clip.bin" for p in seen)
    assert seen[-1].phase == SyncPhase.DONE
    # It can run again once finished.
    with qtbot.waitSignal(runner.finished, timeout=30_000) as again:
        assert runner.start()
    assert again.args[0].ok


def test_cancel_stops_the_run_and_keeps_the_partial(
    qtbot: QtBot,
    shared_hub: RunningHub,
    assessor: str,
    session: ProfileSession,
    runner: SyncRunner,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"big.bin": os.urandom(3_000_000)})
    proxy.throttle(1_000_000, path="/content")

    # Progress counts bytes as they arrive; the vault keeps a 1 MiB chunk once the next
    # block has begun, so cancel past two blocks.
    def cancel_once_bytes_flow(p: SyncProgress) -> None:
        if p.phase == SyncPhase.DOWNLOADS and p.bytes_done > 2_200_000:
            runner.cancel()

    runner.progress.connect(cancel_once_bytes_flow)
    with qtbot.waitSignal(runner.finished, timeout=30_000) as done:
        runner.start()

    report: SyncReport = done.args[0]
    assert report.cancelled and not report.ok
    sha = seeded.artifacts[0].sha256
    assert not session.vault.has(sha)
    assert session.vault.partial_offset(sha) >= 1024 * 1024
    assert session.store.assignments.local_state(seeded.assignment_id) == (
        LocalState.NOT_DOWNLOADED
    )


def test_expired_token_asks_to_sign_in_again(
    qtbot: QtBot, shared_hub: RunningHub, assessor: str, session: ProfileSession
) -> None:
    session.secrets.set_token("expired-or-revoked")
    runner = SyncRunner(engine_for_session(session))
    with (
        qtbot.waitSignal(runner.signInRequired, timeout=30_000),
        qtbot.waitSignal(runner.finished, timeout=30_000) as done,
    ):
        runner.start()
    assert done.args[0].sign_in_required

    session.secrets.delete_token()  # signed out: no token at all
    with (
        qtbot.waitSignal(runner.signInRequired, timeout=30_000),
        qtbot.waitSignal(runner.finished, timeout=30_000) as done,
    ):
        runner.start()
    assert done.args[0].sign_in_required
    assert not runner.is_running()


def test_an_unexpected_error_is_reported_as_failed(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_progress: object, _cancel: CancelToken) -> object:
        raise RuntimeError("the profile database is locked")

    runner = SyncRunner(broken)  # type: ignore[arg-type]
    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start()
    # The assessor reads what happened and that the work is safe; the error is logged.
    assert failed.args[0].startswith("Sync stopped unexpectedly.")
    assert "work is saved" in failed.args[0] and "RuntimeError" not in failed.args[0]
    assert "the profile database is locked" in caplog.text
    assert not runner.is_running()
