"""``assessor_app.ui.qt``, the one door to Qt: once it has loaded PySide6, imports no
longer make PySide6 read each new module's source, and a module that opts in to a
PySide6 feature still gets it while every other module keeps Qt's own names.

Run in a fresh interpreter: the feature switch is process-wide state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PLAIN = """
from PySide6.QtWidgets import QWidget

def title() -> str:
    widget = QWidget()
    widget.setWindowTitle("camel")
    return widget.windowTitle()
"""

_SNAKE = """
from __feature__ import snake_case
from PySide6.QtWidgets import QWidget

widget = QWidget()
widget.set_window_title("snake")
TITLE = widget.window_title()
"""

_PROBE = """
import inspect, sys
import assessor_app.ui.qt as qt

app = qt.QApplication([])
read = []
original = inspect.getsource
inspect.getsource = lambda obj: read.append(obj.__name__) or original(obj)
sys.path.insert(0, sys.argv[1])
import plain_module
import snake_module
feature = sys.modules["shibokensupport.feature"].pyside_feature_dict
print("read", ",".join(read) or "-")
print("plain", feature["plain_module"], plain_module.title())
print("snake", snake_module.TITLE)
"""


def test_pyside_reads_no_module_source_and_features_still_work(tmp_path: Path) -> None:
    (tmp_path / "plain_module.py").write_text(_PLAIN)
    (tmp_path / "snake_module.py").write_text(_SNAKE)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path)],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    # PySide6 would have read plain_module's and snake_module's source (and earlier
    # modules' when the feature was first imported).
    assert lines["read"] == "-"
    # 0: "uses PySide6, no feature": Qt's camelCase names, even after another module
    # switched snake_case on for itself.
    assert lines["plain"] == "0 camel"
    assert lines["snake"] == "snake"
