"""Screenshots that tests take of the screens they check, for people to look at.

They go to the folder named by ``ASSESSOR_SHOTS`` when it is set, else to the test's
temporary folder: a fresh clone writes nowhere outside its own tests.
"""

from __future__ import annotations

import os
from pathlib import Path

from assessor_app.ui.qt import QWidget


def save_shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Grab ``widget`` into ``name`` (a PNG) and return where it went; fails if the grab
    is empty or cannot be written."""
    wanted = os.environ.get("ASSESSOR_SHOTS")
    folder = Path(wanted) if wanted else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = widget.grab()
    assert not image.isNull(), name
    path = folder / name
    assert image.save(str(path)), path
    return path
