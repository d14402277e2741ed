"""Modes of the hub's private files: the data folder 0700; the database, keys and blobs
0600, whatever the umask. They hold password hashes, private notes and evidence video, so
no other local account may read them. Existing files are tightened on every start."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

DIR_MODE = 0o700
FILE_MODE = 0o600
# SQLite creates its journal files with the database's mode; tightened too in case an
# older hub made them.
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) created, and set to 0700."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty when missing, and set to 0600.

    An existing file is never opened: closing any descriptor of a SQLite database drops
    every POSIX lock the process holds on it, and another process closing its own last
    connection would then take the WAL of this process's open connections away."""
    path = Path(path)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    path.chmod(FILE_MODE)
    return path


def private_sqlite(url: str) -> None:
    """For a SQLite file URL: the file made 0600 before SQLite creates it with the umask."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    database = Path(parsed.database)
    database.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    private_file(database)
    for suffix in _SQLITE_SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + suffix).chmod(FILE_MODE)
