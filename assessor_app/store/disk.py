"""A full disk: how to recognise it, how much room to leave, and what to tell the assessor.

A disk can fill at any moment of a sync (a vault chunk, a partial download, a SQLite
commit, a log line) and each layer reports it its own way: ``OSError`` with ENOSPC or
EDQUOT (EFBIG when a file-size limit is hit), or SQLite's "database or disk is full",
possibly wrapped by SQLAlchemy. ``is_disk_full`` is the one place that knows them all, so
the sync report and the command line can turn any of them into the same message.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

__all__ = [
    "DISK_FULL_MESSAGE",
    "MAX_MARGIN",
    "free_bytes",
    "is_disk_full",
    "mb",
    "safety_margin",
]

DISK_FULL_MESSAGE = (
    "The disk is full. Free some space, then sync again: the sync goes on where it stopped, "
    "and your work is kept on this computer."
)

MAX_MARGIN = 64 * 1024 * 1024
"""The most a download leaves free for the database, logs and the rest of the system."""

_MARGIN_SHARE = 0.02
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_SQLITE_FULL = "database or disk is full"
_MB = 1024 * 1024


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or an error it was raised from or while handling) says the disk
    or the user's quota is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(current, sqlite3.Error) and _SQLITE_FULL in str(current).lower():
            return True
        # SQLAlchemy keeps the driver's error in ``orig``.
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and is_disk_full(orig):
            return True
        current = current.__cause__ or current.__context__
    return False


def free_bytes(path: Path) -> int:
    """Bytes free for this user on the file system holding ``path``."""
    return shutil.disk_usage(path).free


def safety_margin(path: Path) -> int:
    """Bytes to leave free after a download on the disk holding ``path``: 2% of the disk,
    at most 64 MiB, so a small disk is not refused every download."""
    return min(MAX_MARGIN, int(shutil.disk_usage(path).total * _MARGIN_SHARE))


def mb(n: int) -> str:
    """``n`` bytes for a message: "1,234 MB", or "0.4 MB" below one."""
    return f"{max(0, n) / _MB:,.0f} MB" if n >= _MB else f"{max(0, n) / _MB:.1f} MB"
