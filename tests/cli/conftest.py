"""Command-line test fixtures: a real hub on 127.0.0.1 with one assessor and one
assignment, and ``run`` to call ``assessor``'s ``main`` in-process with its output
captured."""

from __future__ import annotations

import io

import pytest
from cli_kit import CLIP, REFLECTION, Desk, Result, Run
from support.hub import PASSWORD, RunningHub, real_hub  # noqa: F401

from assessor_app.cli.main import main


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run("queue", "--json", stdin="...")``: the exit code and what was printed."""

    def call(*argv: str, stdin: str = "") -> Result:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


@pytest.fixture
def desk(real_hub: RunningHub) -> Desk:  # noqa: F811
    real_hub.add_assessor("ann")
    seeded = real_hub.seed_submission("ann", {"clip.mp4": CLIP, "reflection.txt": REFLECTION})
    return Desk(real_hub, seeded)


@pytest.fixture
def synced(desk: Desk, run: Run) -> Desk:
    """ann signed in (token in the in-memory keyring) and her assignment downloaded."""
    login = run("login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD)
    assert login.code == 0, login.err
    sync = run("sync")
    assert sync.code == 0, sync.err
    return desk
