"""Store revision 0004 on a database with work in it: made at 0003, upgraded by the current
code, it keeps every assignment, decision, upload and audit entry, the audit log stays
append-only, and returns with comments work; downgrading keeps the audit rows too."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from support.hub import passing_upload

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.protocol.v1 import AssignmentItem
from assessor_app.store import AuditAction, Store, open_store
from assessor_app.store.db import (
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    current_revision,
    list_backups,
    open_database,
)

COMMENT = "Say which minute of the clip shows the pause."


def item(
    assignment_id: str, status: str, version: int, comment: str | None = None
) -> AssignmentItem:
    return AssignmentItem(
        id=assignment_id,
        submission_id=f"sub-{assignment_id}",
        kind="production",
        status=status,
        version=version,
        assigned_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        review_comment=comment,
    )


def audit_rows(path: Path) -> list[tuple[int, str, str | None, str]]:
    with closing(sqlite3.connect(path)) as con:
        return list(
            con.execute("SELECT id, action, assignment_id, detail FROM audit_log ORDER BY id")
        )


def test_0004_upgrades_a_database_with_work_and_downgrades_keeping_the_log(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "profile"
    old = Store(open_database(folder, target="0003"))
    old.assignments.upsert([item("asg-1", "assigned", 1), item("asg-2", "assigned", 1)])
    upload = passing_upload()
    entry = old.decisions.finalize("asg-1", upload, upload.decision, 1)
    old.outbox.mark_uploading(entry)
    old.outbox.mark_uploaded(entry)
    old.assignments.set_local_state("asg-2", LocalState.READY)
    old.assignments.set_local_state("asg-2", LocalState.IN_PROGRESS)
    old.audit.append(AuditAction.OPENED, "asg-2", {"note": "before 0004"})
    db_path = old.database.path
    before = audit_rows(db_path)
    old.close()
    assert [r[1] for r in before] == ["finalized", "uploaded", "opened"]

    with open_store(folder) as store:
        assert current_revision(store.database.engine) == SCHEMA_HEAD
        assert audit_rows(db_path) == before
        assert store.assignments.local_state("asg-1") is LocalState.UPLOADED
        assert store.assignments.local_state("asg-2") is LocalState.IN_PROGRESS
        assert [e.state for e in store.outbox.entries("asg-1")] == [OutboxState.UPLOADED]
        recorded = store.decisions.latest("asg-1")
        assert recorded is not None and recorded.upload == upload
        # The new action and the comments table work on the upgraded file.
        applied = store.assignments.apply_delta(
            [item("asg-1", "returned_for_revision", 3, COMMENT)]
        )
        assert applied.returned == ["asg-1"]
        assert store.assignments.get("asg-1").review_comment == COMMENT  # type: ignore[union-attr]
        assert store.audit.entries("asg-1")[-1].action is AuditAction.RETURNED_FOR_REVISION
    # Still append-only after the rebuild.
    with closing(sqlite3.connect(db_path)) as con:
        for statement in ("UPDATE audit_log SET action='opened'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement)
        indexes = {r[1] for r in con.execute("PRAGMA index_list(audit_log)")}
    assert "ix_audit_log_assignment" in indexes
    assert any("before-0004" in b.name for b in list_backups(folder / "backups"))

    store = open_store(folder)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with store.database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
    finally:
        store.close()
    rows = audit_rows(db_path)
    assert [r[1] for r in rows] == ["finalized", "uploaded", "opened", "reopened"]
    assert COMMENT in rows[-1][3]
    with closing(sqlite3.connect(db_path)) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        triggers = {
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    assert "assignment_reviews" not in tables and "audit_log" in tables
    assert triggers == {"audit_log_no_update", "audit_log_no_delete"}
