"""Fixtures of the hostile-text tests: the seeded hub and ann's synced profile
(``hostile_kit``), and ``run`` to call ``assessor`` in-process."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from hostile_kit import Scene, build_scene
from support.hub import RunningHub, real_hub  # noqa: F401

from assessor_app.cli.main import main


@pytest.fixture
def scene(real_hub: RunningHub) -> Iterator[Scene]:  # noqa: F811
    built = build_scene(real_hub)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> object:
    """``cli("show", ID)``: (exit code, standard output, standard error)."""

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call
