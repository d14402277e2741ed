"""What the GUI gets from the services instead of the sync and store layers: the words
for a failed sign-in or hub call (``sign_in_problem``, ``problem_words``), chosen from
what a real hub on 127.0.0.1 answers, and the evidence a profile session reads."""

from __future__ import annotations

import os
import socket
from functools import partial
from pathlib import Path

import pytest
from support.hub import PASSWORD, RunningHub

from assessor_app.services.account import renew_sign_in, sign_in, sign_in_problem
from assessor_app.services.problems import problem_words
from assessor_app.services.scoring import ScoringService
from assessor_app.services.sync_runner import engine_for_session
from assessor_app.store.secrets import KeyringUnavailable
from assessor_app.sync.client import HubClient
from assessor_app.sync.progress import CancelToken

pytest_plugins = ["sync_fixtures"]


def _failure(call: object) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()  # type: ignore[operator]
    return caught.value


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_wrong_password_and_a_renewal(shared_hub: RunningHub, assessor: str) -> None:
    refused = _failure(lambda: sign_in(shared_hub.base_url, assessor, "not-the-password"))
    problem = sign_in_problem(refused)
    assert problem is not None and not problem.keyring_unavailable
    assert problem.words == (
        "The hub did not accept that user name and password. Check them and retry."
    )

    session = sign_in(shared_hub.base_url, assessor, PASSWORD)
    try:
        old = session.secrets.get_token()
        again = _failure(lambda: renew_sign_in(session, "wrong"))
        assert sign_in_problem(again) == problem
        assert session.secrets.get_token() == old  # a refused renewal keeps the old token
        assert renew_sign_in(session, PASSWORD) is session
        assert session.secrets.get_token() not in (None, old)
    finally:
        session.close()


def test_an_unreachable_hub_and_other_failures() -> None:
    once = partial(HubClient, max_retries=0)
    url = f"http://127.0.0.1:{_closed_port()}"
    offline = _failure(lambda: sign_in(url, "ann", "pw", client_factory=once))
    words = "Could not reach the hub. Check your internet connection."
    problem = sign_in_problem(offline)
    assert problem is not None and problem.words.startswith(words)
    assert problem_words(offline).startswith(words)
    # No method, path or exception name reaches the assessor.
    assert "127.0.0.1" not in problem.words and "Error" not in problem.words

    no_keyring = sign_in_problem(KeyringUnavailable("No system keyring here."))
    assert no_keyring is not None and no_keyring.keyring_unavailable
    assert no_keyring.words == "No system keyring here."
    assert problem_words(ValueError("That file is not a calibration export.")) == (
        "That file is not a calibration export."
    )
    assert sign_in_problem(RuntimeError("a bug")) is None


def test_the_session_reads_and_exports_evidence(
    shared_hub: RunningHub, assessor: str, tmp_path: Path
) -> None:
    # What the workspace's viewers read and "Save a copy" writes, through the session.
    content = os.urandom(50_000)
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": content})
    session = sign_in(shared_hub.base_url, assessor, PASSWORD)
    try:
        assert engine_for_session(session)(lambda _p: None, CancelToken()).run().ok
        opened = ScoringService(session.store).open(seeded.assignment_id)
        (artifact,) = opened.submission.artifacts
        with session.open_evidence(artifact) as stream:
            assert stream.read() == content
        session.export_evidence(artifact, tmp_path / "copy.bin")
        assert (tmp_path / "copy.bin").read_bytes() == content
    finally:
        session.close()
