"""Every kind of citation target is saved and read back as it was, and migration 0005
(the citation kinds for image regions and table cells) keeps the citations made before it
and hands a downgrade something the older version can read."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from store_factories import assignment_item, submission_out

from assessor_app.domain import (
    Citation,
    ImageRegion,
    PdfPage,
    Quote,
    Rect,
    TableCell,
    TimeRange,
)
from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import Profile, Store, open_store
from assessor_app.store.db import MIGRATIONS_DIR, SCHEMA_HEAD, current_revision, open_database

OLD_KINDS = [
    Citation("art-video", TimeRange(1_000, 9_000)),
    Citation("art-plan", Quote("cold calling")),
    Citation("art-plan", PdfPage(3, Rect(1, 2, 3, 4))),
]
NEW_KINDS = [
    Citation("art-plan", Quote("Wait five seconds.", page=2)),
    Citation("art-photo", ImageRegion(Rect(10.0, 20.0, 300.0, 120.5))),
    Citation("art-quiz", TableCell("S01", "Q3", "2")),
]


def _ready(store: Store) -> None:
    store.assignments.upsert([assignment_item()])
    store.submissions.save(submission_out())
    store.assignments.set_local_state("asg-1", LocalState.READY)


def _cited(store: Store) -> list[Citation]:
    return [c.citation for c in store.sheets.citations("asg-1")]


def test_citations_made_at_0004_survive_and_new_kinds_round_trip(profile: Profile) -> None:
    old = Store(open_database(profile, target="0004"))
    _ready(old)
    for citation in OLD_KINDS:
        old.sheets.add_citation("asg-1", "pause", citation)
    old.close()

    with open_store(profile) as store:
        assert current_revision(store.database.engine) == SCHEMA_HEAD
        assert _cited(store) == OLD_KINDS
        for citation in NEW_KINDS:
            store.sheets.add_citation("asg-1", "pause", citation)
        assert _cited(store) == OLD_KINDS + NEW_KINDS
        assert store.sheets.load_sheet("asg-1").scores["pause"].citations == tuple(
            OLD_KINDS + NEW_KINDS
        )


def test_downgrade_keeps_new_kinds_in_the_older_form(profile: Profile) -> None:
    with open_store(profile) as store:
        _ready(store)
        for citation in OLD_KINDS + NEW_KINDS:
            store.sheets.add_citation("asg-1", "pause", citation)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with store.database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
        with store.database.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT kind, page, rect, text FROM citations ORDER BY position"
            ).fetchall()
    assert [tuple(r) for r in rows[len(OLD_KINDS) :]] == [
        ("quote", None, None, "Wait five seconds."),
        ("page", 1, '{"x": 10.0, "y": 20.0, "width": 300.0, "height": 120.5}', None),
        ("quote", None, None, "row S01, column Q3: 2"),
    ]
