"""A disk that is really full (a small tmpfs filled to the brim): every kind of writer's
error is recognised as a full disk, vault writers leave nothing half-written behind, the
log drops what it cannot write without a word on the terminal, and the margin a download
leaves free is in proportion to the disk."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy
from support.small_disk import SMALL_DISK_BYTES, fill, small_disk  # noqa: F401

from assessor_app.logs import configure_logging
from assessor_app.store.disk import MAX_MARGIN, is_disk_full, safety_margin
from assessor_app.store.vault import Vault

KEY = bytes(range(32))


def _raised(call: object) -> BaseException:
    assert callable(call)
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_every_writer_s_full_disk_error_is_recognised(small_disk: Path) -> None:  # noqa: F811
    db = sqlite3.connect(small_disk / "plain.sqlite3")
    db.execute("CREATE TABLE t (b BLOB)")
    db.commit()
    engine = sqlalchemy.create_engine(f"sqlite:///{small_disk / 'orm.sqlite3'}")
    with engine.begin() as c:
        c.execute(sqlalchemy.text("CREATE TABLE t (b BLOB)"))
    filler = fill(small_disk)

    def write_file() -> None:
        with open(small_disk / "more.bin", "wb") as f:
            f.write(os.urandom(256 * 1024))

    def sqlite_commit() -> None:
        db.execute("INSERT INTO t VALUES (?)", (os.urandom(256 * 1024),))
        db.commit()

    def sqlalchemy_commit() -> None:
        with engine.begin() as c:
            c.execute(sqlalchemy.text("INSERT INTO t VALUES (:b)"), {"b": os.urandom(256 * 1024)})

    file_error = _raised(write_file)
    assert isinstance(file_error, OSError) and file_error.errno == errno.ENOSPC
    sqlite_error = _raised(sqlite_commit)
    assert isinstance(sqlite_error, sqlite3.OperationalError)
    orm_error = _raised(sqlalchemy_commit)
    assert isinstance(orm_error, sqlalchemy.exc.OperationalError)
    for error in (file_error, sqlite_error, orm_error):
        assert is_disk_full(error), error
    try:
        raise RuntimeError("while recording") from orm_error
    except RuntimeError as chained:
        assert is_disk_full(chained)

    filler.unlink()
    sqlite_commit()  # space again: the same connections work
    sqlalchemy_commit()
    db.close()
    engine.dispose()


def test_other_errors_are_not_a_full_disk(tmp_path: Path) -> None:
    missing = _raised(lambda: open(tmp_path / "nope" / "x", "rb"))  # noqa: SIM115
    db = sqlite3.connect(":memory:")
    syntax = _raised(lambda: db.execute("SELEKT 1"))
    assert not is_disk_full(missing)
    assert not is_disk_full(syntax)
    assert not is_disk_full(ValueError("database or disk is full"))  # words alone do not count


def test_the_margin_is_two_percent_of_a_small_disk_and_capped_on_a_big_one(
    small_disk: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert safety_margin(small_disk) == SMALL_DISK_BYTES * 2 // 100
    total = os.statvfs(tmp_path).f_blocks * os.statvfs(tmp_path).f_frsize
    assert safety_margin(tmp_path) == min(MAX_MARGIN, int(total * 0.02))


def test_vault_writers_leave_no_partial_files_when_the_disk_fills(
    small_disk: Path,  # noqa: F811
) -> None:
    vault = Vault(small_disk / "evidence", KEY, chunk_size=64 * 1024)
    data = os.urandom(3 * 1024 * 1024)
    sha = hashlib.sha256(data).hexdigest()
    fill(small_disk, leave=1024 * 1024)

    with pytest.raises(OSError) as plain:
        vault.put_bytes(data, sha)
    assert is_disk_full(plain.value)
    assert list((small_disk / "evidence" / "partial").iterdir()) == []
    assert not vault.has(sha)

    writer = vault.writer(sha, resume=True)
    with pytest.raises(OSError) as resumable:
        for start in range(0, len(data), 64 * 1024):
            writer.write(data[start : start + 64 * 1024])
    assert is_disk_full(resumable.value)
    writer.abort()  # keeps what is complete, without failing on the full disk
    kept = vault.partial_offset(sha)
    assert 0 < kept < len(data) and kept % (64 * 1024) == 0
    assert [p.name for p in (small_disk / "evidence" / "partial").iterdir()] == [f"{sha}.part"]

    (small_disk / "filler.bin").unlink()
    with vault.writer(sha, resume=True) as resumed:
        assert resumed.offset == kept
        resumed.write(data[kept:])
    with vault.open(sha) as f:
        assert f.read() == data
    assert list((small_disk / "evidence" / "partial").iterdir()) == []


def test_a_full_disk_drops_log_lines_without_a_word_on_the_terminal(
    small_disk: Path,  # noqa: F811
    capfd: pytest.CaptureFixture[str],
) -> None:
    path = configure_logging(small_disk / "logs")
    log = logging.getLogger("assessor_app.test")
    log.info("before the disk filled")
    filler = fill(small_disk)
    for n in range(20):
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            log.exception("line %d while the disk is full %s", n, "x" * 4096)
    handlers = logging.getLogger("assessor_app").handlers
    for handler in handlers:
        handler.flush()
        handler.close()  # what a command does on its way out: no error either
    assert sum(getattr(h, "dropped", 0) for h in handlers) > 0

    filler.unlink()
    log.info("after space was freed")
    for handler in logging.getLogger("assessor_app").handlers:
        handler.close()

    err = capfd.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err and err == ""
    text = path.read_text(encoding="utf-8", errors="replace")
    assert "before the disk filled" in text
    assert "after space was freed" in text
    assert "could not be written (disk full?) and were dropped" in text


def test_a_full_disk_at_the_last_chunk_keeps_the_rest_of_a_resumable_download(
    small_disk: Path,  # noqa: F811
) -> None:
    chunk = 64 * 1024
    vault = Vault(small_disk / "evidence", KEY, chunk_size=chunk)
    data = os.urandom(16 * chunk)  # the last chunk is full, so verify() writes 64 KiB
    sha = hashlib.sha256(data).hexdigest()
    writer = vault.writer(sha, resume=True)
    writer.write(data)
    filler = fill(small_disk)

    with pytest.raises(OSError) as full:
        writer.verify()

    assert is_disk_full(full.value)
    assert vault.partial_offset(sha) == 15 * chunk
    filler.unlink()
    with vault.writer(sha, resume=True) as resumed:
        assert resumed.offset == 15 * chunk
        resumed.write(data[15 * chunk :])
    with vault.open(sha) as f:
        assert f.read() == data
