"""Hub migration 0008: a database at 0007 with decided and undecided work upgrades to the
scoring tables (matching the models); a submission decided before gets its final decision
from its newest decided sheet, one still under review gets none; 0008 downgrades to 0007."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

import assessor_app.hub.app  # noqa: F401  (registers every model on the metadata)
from assessor_app.hub.db import Base
from assessor_app.hub.migrate import upgrade_database
from tests.hub.migration_kit import migrate

SCORING_TABLES = {
    "scoring_plans",
    "user_affiliations",
    "submission_affiliations",
    "assessor_capacity",
    "work_items",
    "declines",
    "final_decisions",
}


def _insert_world(conn: Connection) -> None:
    statements = [
        "INSERT INTO users (id, username, display_name, roles, password_hash, is_demo, "
        "created_at) VALUES (1, 'ann', 'Ann', '[\"assessor\"]', 'x', false, "
        "'2026-01-01 00:00:00')",
        "INSERT INTO credentials (id, version, title, document, content_sha256, imported_at) "
        "VALUES ('c', 1, 'C', '{}', 'x', '2026-01-01 00:00:00')",
    ]
    for sub in ("s1", "s2", "s3"):
        statements.append(
            "INSERT INTO submissions (id, credential_id, credential_version, attempt, "
            "educator_pseudonym, change_note, previous_attempts, created_at) VALUES "
            f"('{sub}', 'c', 1, 1, 'E', '', '[]', '2026-01-01 00:00:00')"
        )
    sheets = [
        # (assignment, submission, status, decision, recorded day)
        ("a1", "s1", "decided", "not_yet", "02"),
        ("a2", "s1", "decided", "pass", "05"),
        ("a3", "s2", "pending_review", "pass", "03"),
        ("a4", "s3", "assigned", None, None),
    ]
    for seq, (assignment, sub, status, decision, day) in enumerate(sheets, start=1):
        statements.append(
            "INSERT INTO assignments (id, submission_id, user_id, kind, status, version, "
            f"assigned_at, due_at, change_seq) VALUES ('{assignment}', '{sub}', 1, "
            f"'production', '{status}', 2, '2026-01-01 00:00:00', NULL, {seq})"
        )
        if decision is not None:
            statements.append(
                "INSERT INTO decisions (assignment_id, user_id, idempotency_key, body_sha256, "
                "body, decision, total_points, version, recorded_at) VALUES "
                f"('{assignment}', 1, 'k-{assignment}', 'x', '{{}}', '{decision}', 3.0, 2, "
                f"'2026-01-{day} 10:00:00')"
            )
    for statement in statements:
        conn.execute(text(statement))


def test_0008_upgrades_a_0007_database_with_final_decisions_and_downgrades(
    db_url: str,
) -> None:
    upgrade_database(db_url)
    migrate(db_url, "downgrade", "0007")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            assert not SCORING_TABLES & set(inspect(conn).get_table_names())
            _insert_world(conn)
        migrate(db_url, "upgrade", "0008")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == "0008"
            assert set(inspect(conn).get_table_names()) >= SCORING_TABLES
            finals = conn.execute(
                text(
                    "SELECT submission_id, decision, source, assignment_id "
                    "FROM final_decisions ORDER BY submission_id"
                )
            ).all()
            assert [tuple(row) for row in finals] == [("s1", "pass", "single", "a2")]
            unique = {
                tuple(u["column_names"]) for u in inspect(conn).get_unique_constraints("work_items")
            } | {
                tuple(i["column_names"])
                for i in inspect(conn).get_indexes("work_items")
                if i["unique"]
            }
            assert ("assignment_id",) in unique
        upgrade_database(db_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        migrate(db_url, "downgrade", "0007")
        with engine.connect() as conn:
            assert not SCORING_TABLES & set(inspect(conn).get_table_names())
            assert conn.execute(text("SELECT count(*) FROM decisions")).scalar_one() == 3
    finally:
        engine.dispose()


def test_0010_gives_never_assigned_submissions_their_first_read_work(db_url: str) -> None:
    upgrade_database(db_url)
    migrate(db_url, "downgrade", "0007")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            _insert_world(conn)
            for sub in ("s4", "s5"):
                conn.execute(
                    text(
                        "INSERT INTO submissions (id, credential_id, credential_version, "
                        "attempt, educator_pseudonym, change_note, previous_attempts, "
                        f"created_at) VALUES ('{sub}', 'c', 1, 1, 'E', '', '[]', "
                        "'2026-01-02 00:00:00')"
                    )
                )
            # s5 is a keyed calibration item: no live work.
            conn.execute(
                text(
                    "INSERT INTO calibration_keys (submission_id, decision, criteria, "
                    "created_at) VALUES ('s5', 'pass', '{}', '2026-01-02 00:00:00')"
                )
            )
        upgrade_database(db_url)
        with engine.connect() as conn:
            items = conn.execute(
                text("SELECT submission_id, purpose, required_role, assignment_id FROM work_items")
            ).all()
            assert [tuple(i) for i in items] == [("s4", "first", "assessor", None)]
        migrate(db_url, "downgrade", "0009")
        upgrade_database(db_url)
        with engine.connect() as conn:
            # Run again: s4 has its work already.
            assert conn.execute(text("SELECT count(*) FROM work_items")).scalar_one() == 1
    finally:
        engine.dispose()
