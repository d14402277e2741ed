"""Opening the database: pragmas, private files, integrity check, backups, migrations
matching the models, use from a worker thread."""

from __future__ import annotations

import sqlite3
import stat
import threading
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from store_factories import assignment_item

from assessor_app.store import Profile, Store, StoreCorruptError, StoreTooNewError, open_store
from assessor_app.store.db import (
    BACKUPS_KEPT,
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    backup_database,
    head_revision,
    list_backups,
    open_database,
)
from assessor_app.store.models import Base


def test_pragmas_in_effect_on_every_connection(store: Store) -> None:
    first, second = store.database.engine.raw_connection(), store.database.engine.raw_connection()
    try:
        for connection in (first, second):
            cursor = connection.cursor()

            def pragma(name: str, cursor: object = cursor) -> object:
                return cursor.execute(f"PRAGMA {name}").fetchone()[0]  # type: ignore[attr-defined]

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 2  # FULL
            assert pragma("busy_timeout") >= 5000  # type: ignore[operator]
    finally:
        first.close()
        second.close()


def test_reads_do_not_wait_for_a_writer(store: Store, assigned: str) -> None:
    store.sheets.set_feedback(assigned, "committed")
    with store.database.transaction() as writer:
        writer.execute(text("UPDATE score_sheets SET feedback = 'uncommitted'"))
        # a reader in another connection sees the last commit at once, not a lock
        assert store.sheets.load_sheet(assigned).feedback == "committed"
    assert store.sheets.load_sheet(assigned).feedback == "uncommitted"


def test_database_files_are_private(store: Store, profile: Profile) -> None:
    store.settings.set("retention_days", 3)  # forces the -wal and -shm files into being
    for name in ("store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"):
        assert stat.S_IMODE((profile.directory / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(profile.directory.stat().st_mode) == 0o700


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), store.database.transaction() as s:
        s.execute(
            text(
                "INSERT INTO notes VALUES "
                "(1, 'nope', 'a', 0, 't', NULL, '2026-01-01', '2026-01-01', 0)"
            )
        )


def _corrupt(path: Path) -> bytes:
    """Overwrite the middle of the file (b-tree pages, not the header) with garbage."""
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(data) - page, page * 2):
        data[offset + 8 : offset + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))
    return bytes(data)


def test_corrupt_file_is_reported_and_kept_byte_for_byte(profile: Profile) -> None:
    with open_store(profile) as store:
        store.assignments.upsert([assignment_item(f"asg-{i}") for i in range(300)])
    with closing(sqlite3.connect(profile.database_path)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = _corrupt(profile.database_path)
    with pytest.raises(StoreCorruptError) as caught:
        open_store(profile)
    message = str(caught.value)
    assert str(profile.database_path) in message
    assert "kept" in message and "damaged" in message
    assert caught.value.path == profile.database_path
    assert profile.database_path.read_bytes() == damaged


def test_file_that_is_not_a_database(profile: Profile) -> None:
    junk = b"this is not SQLite at all, just some text " * 200
    profile.database_path.write_bytes(junk)
    with pytest.raises(StoreCorruptError, match="not a database"):
        open_store(profile)
    assert profile.database_path.read_bytes() == junk


def revision_of(path: Path) -> str:
    with closing(sqlite3.connect(path)) as con:
        return str(con.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def _alembic(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def test_backup_before_each_upgrade_and_only_five_kept(profile: Profile) -> None:
    # Start one revision below head, so that each round's upgrade is a single step.
    before_head = (
        ScriptDirectory.from_config(_alembic(None)).get_revision(SCHEMA_HEAD).down_revision
    )
    open_database(profile, target="0001").close()
    assert list_backups(profile.backups_dir) == []  # a new, empty database needs none
    open_database(profile, target=before_head).close()
    made: list[Path] = []
    for round_ in range(BACKUPS_KEPT + 2):
        with open_store(profile) as store:
            store.settings.set("round", round_)
            made.append(list_backups(profile.backups_dir)[-1])
            with store.database.engine.begin() as connection:
                command.downgrade(_alembic(connection), before_head)
    kept = list_backups(profile.backups_dir)
    assert kept == made[-BACKUPS_KEPT:]
    for backup in kept:
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert revision_of(backup) == before_head
        with closing(sqlite3.connect(backup)) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Round r's backup is taken before its upgrade, so it holds what round r-1 saved.
    rounds = [json_setting(backup, "round") for backup in kept]
    assert rounds == ["1", "2", "3", "4", "5"]


def json_setting(path: Path, key: str) -> str | None:
    with closing(sqlite3.connect(path)) as con:
        row = con.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return None if row is None else str(row[0])


def test_backup_copies_committed_wal_content(store: Store, profile: Profile) -> None:
    store.settings.set("sync_cursor", "c-42")
    backup = backup_database(profile.database_path, profile.backups_dir, "manual")
    with closing(sqlite3.connect(backup)) as con:
        row = con.execute("SELECT value FROM settings WHERE key='sync_cursor'").fetchone()
    assert row == ('"c-42"',)


def test_database_from_a_newer_version_is_refused(profile: Profile) -> None:
    open_store(profile).close()
    with closing(sqlite3.connect(profile.database_path)) as con, con:
        con.execute("UPDATE alembic_version SET version_num='0099'")
    with pytest.raises(StoreTooNewError, match="newer version"):
        open_store(profile)


def test_schema_head_constant_matches_the_scripts() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_migrations_create_exactly_the_models(store: Store) -> None:
    with store.database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, Base.metadata) == []


def test_usable_from_a_worker_thread(store: Store, assigned: str) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for n in range(20):
                store.sheets.set_rationale(assigned, "pause", f"from the worker {n}")
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    for n in range(20):
        store.sheets.set_feedback(assigned, f"from the main thread {n}")
    worker.join(timeout=30)
    assert not worker.is_alive() and errors == []
    sheet = store.sheets.load_sheet(assigned)
    assert sheet.score("pause").rationale == "from the worker 19"
    assert sheet.feedback == "from the main thread 19"
    assert store.sheets.revision(assigned) == 40
