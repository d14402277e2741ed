"""Calibration shows a hostile hub's session title, participant name, criterion titles,
level labels and key rationale as text: in the sessions view and its matrix, the answer
key view, ``assessor calibration sessions|key`` and the calibration report."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile_kit import WORDS, Scene, add_calibration, shown
from pytestqt.qtbot import QtBot
from screen_text import check_hub_text

from assessor_app.services.calibration import CalibrationService
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.window import CalibrationWindow

Cli = Callable[..., tuple[int, str, str]]
WAIT = 30_000


@pytest.fixture
def executors() -> Iterator[Executors]:
    pool = Executors()
    yield pool
    pool.wait()


def test_calibration_views_show_hub_text_as_plain_text(
    qtbot: QtBot, scene: Scene, executors: Executors
) -> None:
    session_id, _assignment = add_calibration(scene)
    window = CalibrationWindow(CalibrationService.for_session(scene.ann), executors)
    qtbot.addWidget(window)
    window.show()
    view = window.sessions
    with qtbot.waitSignal(view.sessionsLoaded, timeout=WAIT):
        view.refresh()
    with qtbot.waitSignal(view.sessionLoaded, timeout=WAIT):
        view.open_session(session_id)
    assert view.current is not None and view.current.results is not None
    check_hub_text(view, ["session", "ann", "criterion", "label"])

    with qtbot.waitSignal(window.keys.keysChanged, timeout=WAIT):
        window.keys.reload()
    check_hub_text(window.keys, ["title", "criterion", "label", "key_rationale"])


def _pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())


def test_calibration_cli_and_report(scene: Scene, cli: Cli, tmp_path: Path) -> None:
    session_id, assignment = add_calibration(scene)
    ann = ("--profile", f"{scene.hub.base_url}@ann")  # fay signed in here last
    code, out, err = cli(*ann, "calibration", "sessions")
    assert code == 0, err
    assert "\x1b" not in out + err
    assert shown(WORDS["session"])[:39] in out  # shortened to the column's 40

    code, out, err = cli(*ann, "calibration", "key", assignment)
    assert code == 0, err
    assert "\x1b" not in out + err
    for key in ("title", "criterion", "key_rationale"):
        assert shown(WORDS[key]) in out, key

    report = tmp_path / "calibration.pdf"
    code, out, err = cli(*ann, "calibration", "report", session_id, "--out", str(report))
    assert code == 0, err
    assert "\x1b" not in out + err
    assert shown(WORDS["session"]) in out
    text = _pdf_text(report)
    assert "pwned" not in text and "\x1b" not in text
    for key in ("session", "criterion"):
        assert shown(WORDS[key]) in text, key
