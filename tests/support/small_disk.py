"""A small file system mounted for one test, so a disk fills up for real: every writer on
it (a vault chunk, a ``.part`` file, SQLite's WAL, a log line) gets a genuine ENOSPC.

Tests run as root, which may mount a tmpfs. Where mounting is refused (a developer
without root) the test is skipped with the reason, since nothing else gives a real full
disk; in CI (``CI`` set, as ``.ci/run`` runs as root) a refused mount fails the test, so
the full-disk tests can never pass there by not running.

    def test_x(small_disk: Path) -> None:
        filler = fill(small_disk)      # now every write there fails
        filler.unlink()                # and now it works again
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["SMALL_DISK_BYTES", "fill", "mounted_tmpfs", "small_disk"]

SMALL_DISK_BYTES = 8 * 1024 * 1024


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: int = SMALL_DISK_BYTES) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` bytes at ``where`` (made if missing) until the block ends."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a small file system here: {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        # Lazy, so a file a finished child process left open cannot keep it mounted.
        subprocess.run(["umount", "-l", str(where)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB file system, unmounted after the test."""
    with mounted_tmpfs(tmp_path / "small-disk") as disk:
        yield disk


def fill(disk: Path, *, leave: int = 0) -> Path:
    """Write a filler file until ``disk`` has no more than ``leave`` bytes free; returns
    it (remove it to free the space)."""
    filler = disk / "filler.bin"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        while (room := os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - leave) > 0:
            try:
                f.write(block[: min(len(block), room)])
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    return filler
