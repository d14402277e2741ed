"""The main window and the workspace follow the application palette: under a dark palette
the rendered window is dark with light text, under the default palette it is light with
dark text (no widget paints a fixed light or dark background of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from support.hub import PASSWORD, RunningHub, running_hub

from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QApplication, QColor, QImage, QPalette, QSettings
from tests.app.screenshots import dark_palette


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[RunningHub, ProfileSession]]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        session = sign_in(hub.base_url, "ann", PASSWORD)
        yield hub, session
        session.close()


@pytest.fixture
def restore_palette() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = QPalette(app.palette())
    yield
    app.setPalette(previous)


def _lightness_share(image: QImage) -> tuple[float, float]:
    """Shares of clearly dark (< 80) and clearly light (> 170) pixels, sampled."""
    dark = light = total = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            value = QColor(image.pixel(x, y)).lightness()
            dark += value < 80
            light += value > 170
            total += 1
    return dark / total, light / total


def _render(qtbot: QtBot, session: ProfileSession, tmp_path: Path, aid: str) -> QImage:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
        window.sync_now()
    window.open_assignment(aid)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    image = window.grab().toImage()
    window.close()
    return image


def test_dark_and_light_palettes_are_followed(
    qtbot: QtBot,
    session: tuple[RunningHub, ProfileSession],
    tmp_path: Path,
    restore_palette: None,
) -> None:
    hub, profile = session
    aid = hub.seed_submission(
        "ann", {"reflection.md": b"# What I noticed\n\nStudents answered more.\n"}
    ).assignment_id
    light_dark, light_light = _lightness_share(_render(qtbot, profile, tmp_path, aid))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(dark_palette())
    dark_dark, dark_light = _lightness_share(_render(qtbot, profile, tmp_path, aid))

    # Light palette: mostly light surfaces, some dark text.
    assert light_light > 0.6 and 0 < light_dark < 0.2
    # Dark palette: mostly dark surfaces, and light text still present (readable).
    assert dark_dark > 0.6 and 0 < dark_light < 0.2
