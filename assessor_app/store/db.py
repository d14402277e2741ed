"""Opening a profile's SQLite database: pragmas, integrity check, backups, migrations.

``open_database`` is the only way in. It checks the file with ``PRAGMA quick_check``
(read-only, so a damaged file is left exactly as it was), then upgrades the schema to
head one Alembic revision at a time, each preceded by an online backup into
``<profile>/backups/`` (the newest ``BACKUPS_KEPT`` are kept).

Every connection runs in WAL mode with ``synchronous=FULL`` and foreign keys on. The
pysqlite driver's implicit transaction handling is switched off and every writing
transaction starts with ``BEGIN IMMEDIATE``: DDL is transactional (a migration applies
wholly or not at all) and two threads never fail upgrading a read lock to a write lock
(they wait, up to the busy timeout). ``Database.reading`` runs reads in a plain
``BEGIN``, which in WAL mode neither waits for nor blocks a writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from assessor_app.store.paths import (
    BACKUPS_DIR,
    DATABASE_FILE,
    Profile,
    create_private_file,
    ensure_private_dir,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKUPS_KEPT = 5
BUSY_TIMEOUT_MS = 15_000

# The newest revision in migrations/versions (a test keeps the two equal). Knowing it
# lets an up-to-date database open without importing Alembic, which halves start-up time.
SCHEMA_HEAD = "0008"
_READ_ONLY = "assessor_read_only"
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class StoreError(Exception):
    """The profile database cannot be used; ``str()`` tells the user what to do."""


class StoreCorruptError(StoreError):
    """``quick_check`` failed. The file has not been changed."""

    def __init__(self, path: Path, details: str) -> None:
        self.path = path
        self.details = details
        super().__init__(
            f"The local database is damaged and cannot be opened ({details}). "
            f"Nothing was changed: the file was kept at {path} for recovery. "
            f"Close Assessor and move that file somewhere safe (backups made before each "
            f"upgrade are in {path.parent / BACKUPS_DIR}); Assessor then starts a fresh "
            "database and downloads your assignments from the hub again. Decisions that "
            "were not yet uploaded are only in the kept file: ask your administrator to "
            "recover them before deleting it."
        )


class StoreTooNewError(StoreError):
    """The database was upgraded by a newer Assessor than this one."""

    def __init__(self, path: Path, revision: str) -> None:
        self.path = path
        self.revision = revision
        super().__init__(
            f"The local database {path} was written by a newer version of Assessor "
            f"(schema {revision}). Install that version again; this one cannot read it."
        )


def database_paths(profile: Profile | Path) -> tuple[Path, Path]:
    """(database file, backups directory) of a profile or a profile directory."""
    if isinstance(profile, Profile):
        return profile.database_path, profile.backups_dir
    return Path(profile) / DATABASE_FILE, Path(profile) / BACKUPS_DIR


def _readonly_connect(path: Path) -> sqlite3.Connection:
    # Read-only: no checkpoint on close, so a damaged file is never written to.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)


def quick_check(path: Path) -> None:
    """Raise StoreCorruptError unless ``PRAGMA quick_check`` answers ``ok``."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with closing(_readonly_connect(path)) as con:
            rows = [str(row[0]) for row in con.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise StoreCorruptError(path, str(exc)) from None
        raise StoreError(f"The local database {path} cannot be opened: {exc}") from None
    if rows != ["ok"]:
        raise StoreCorruptError(path, "; ".join(rows[:5]))


def list_backups(backups_dir: Path) -> list[Path]:
    """Backups oldest first (their names start with a sortable UTC timestamp)."""
    if not backups_dir.is_dir():
        return []
    return sorted(backups_dir.glob("store-*.sqlite3"))


def backup_database(path: Path, backups_dir: Path, label: str) -> Path:
    """Copy the live database with SQLite's online backup API, then prune old copies."""
    ensure_private_dir(backups_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"store-{stamp}-{label}.sqlite3"
    create_private_file(target)
    with closing(_readonly_connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    for old in list_backups(backups_dir)[:-BACKUPS_KEPT]:
        old.unlink()
    return target


def create_store_engine(path: Path) -> Engine:
    """An engine whose connections are safe to share with a worker thread."""
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The head according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return str(head)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        has_table = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first()
        if has_table is None:
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, path: Path, backups_dir: Path, target: str = "head") -> list[str]:
    """Upgrade to ``target`` one revision per transaction, backing up once before the
    first: that copy holds the database as the app last used it, and backups of the
    states in between would only push it out of the ``BACKUPS_KEPT`` newest.

    A brand-new database has nothing worth a backup. Returns the revisions applied.
    """
    current = current_revision(engine)
    if current == SCHEMA_HEAD and target in ("head", SCHEMA_HEAD):
        return []
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise StoreTooNewError(path, current) from None
    wanted = script.get_revision(target)
    assert wanted is not None
    steps = [rev.revision for rev in script.iterate_revisions(wanted.revision, current)]
    steps.reverse()
    if current is not None and steps:
        backup_database(path, backups_dir, f"before-{steps[0]}")
    for revision in steps:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    return steps


class Database:
    """One open profile database: its engine and short committed transactions."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reads = sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed (durably: synchronous=FULL) on normal exit
        and rolled back if the block raises."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: a plain ``BEGIN`` sees one consistent snapshot and
        never waits for, or holds up, a writer. Anything written in it is rolled back."""
        with self._reads() as session:
            try:
                yield session
            finally:
                session.rollback()

    def close(self) -> None:
        self.engine.dispose()


def open_database(profile: Profile | Path, *, target: str = "head") -> Database:
    """Check, back up, migrate and open a profile's database (created on first use).

    Raises StoreCorruptError (file untouched) or StoreTooNewError.
    """
    path, backups_dir = database_paths(profile)
    ensure_private_dir(path.parent)
    quick_check(path)
    create_private_file(path)
    engine = create_store_engine(path)
    try:
        migrate(engine, path, backups_dir, target)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, path)
