"""Where the repository's ``resources/`` folder is: beside the ``assessor_app`` package (the
package is installed from a checkout, and the packaged app keeps the same layout)."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources"
