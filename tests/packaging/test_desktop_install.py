"""``pip install .`` into a fresh virtualenv is the desktop app and the ``assessor`` command
line, without the hub's packages (the ``hub`` extra): none of them is installed, every
module of the app imports without them, ``assessor --help`` works, and ``assessor-hub``
says what to install instead of failing with a traceback.

A real install with the base dependencies (pip's cache makes it take well under a minute
once the wheels are cached)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The packages the issue names as the server's; the extra may hold more.
SERVER_PACKAGES = {"fastapi", "fastapi-offline", "uvicorn", "psycopg", "numpy", "krippendorff"}

# Imports every module of the app except the hub's, the demo (which starts a hub) and the
# migration scripts (Alembic runs those), then prints which of ``sys.argv[1:]`` got loaded.
IMPORT_ALL = """
import importlib, pkgutil, sys
import assessor_app
skip = ("assessor_app.hub", "assessor_app.demo")
for info in pkgutil.walk_packages(assessor_app.__path__, "assessor_app."):
    name = info.name
    if name.startswith(skip) or ".migrations" in name:
        continue
    importlib.import_module(name)
loaded = {m.split(".")[0] for m in sys.modules}
print(",".join(sorted(loaded & set(sys.argv[1:]))))
"""


def _hub_extra() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        extra = tomllib.load(file)["project"]["optional-dependencies"]["hub"]
    return [re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0] for requirement in extra]


def _source_copy(target: Path) -> Path:
    """What ``pip install .`` reads, copied, so the build leaves the checkout untouched."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "assessor_app",
        target / "assessor_app",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return target


def _run(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_pip_install_is_the_desktop_app_without_the_server(tmp_path: Path) -> None:
    hub_extra = _hub_extra()
    assert set(hub_extra) >= SERVER_PACKAGES
    source = _source_copy(tmp_path / "src")
    venv = tmp_path / "venv"
    # Nothing of this checkout or of the test run may leak into the fresh environment.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, bin_dir = venv / "bin" / "python", venv / "bin"

    install = _run([str(python), "-m", "pip", "install", "-q", str(source)], env, tmp_path, 600)
    assert install.returncode == 0, install.stderr

    listed = _run([str(python), "-m", "pip", "list", "--format=freeze"], env, tmp_path)
    installed = {line.split("==")[0].lower().replace("_", "-") for line in listed.stdout.split()}
    assert "assessor-app" in installed
    assert installed.isdisjoint(name.lower() for name in hub_extra), installed

    modules = sorted({name.replace("-", "_") for name in hub_extra} | {"starlette"})
    imported = _run([str(python), "-c", IMPORT_ALL, *modules], env, tmp_path, 120)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == ""

    cli = _run([str(bin_dir / "assessor"), "--help"], env, tmp_path)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith("usage: assessor ")

    hub = _run([str(bin_dir / "assessor-hub"), "--help"], env, tmp_path)
    assert hub.returncode == 1
    assert "Traceback" not in hub.stderr
    assert "the hub's packages are not installed" in hub.stderr
    assert 'pip install ".[hub]"' in hub.stderr
    for name in SERVER_PACKAGES:
        assert name in hub.stderr
