"""Hub migration 0004 (credential revocation): credentials issued before it get status
indexes in the order they were issued, the counter continues after them, and the unique
constraint refuses a second credential on the same bit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import IntegrityError

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.badges.status_list import STATUS_COUNTER
from assessor_app.hub.db import Counter
from assessor_app.hub.migrate import upgrade_database
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.v1 import DecisionUpload
from tests.hub.conftest import World
from tests.hub.migration_kit import migrate
from tests.hub.test_workflow import sheet


def _decide_both(world: World) -> list[str]:
    """ann's Pass, then bob's, dated as if bob's was issued an hour before ann's; the
    credential ids in the order of those dates."""
    admin = world.admin
    for assignment, clip in (
        (world.ann_assignment, world.ann_artifacts[0]),
        (world.bob_assignment, world.bob_artifacts[0]),
    ):
        admin.record_decision(assignment, DecisionUpload.model_validate(sheet(clip)), assignment)
    with admin.db.write() as session:
        rows = session.scalars(select(IssuedCredential).order_by(IssuedCredential.id)).all()
        by_assignment = {r.assignment_id: r for r in rows}
        first, second = by_assignment[world.bob_assignment], by_assignment[world.ann_assignment]
        first.issued_at = second.issued_at - timedelta(hours=1)
        return [first.id, second.id]


def test_0004_numbers_existing_credentials_in_issue_order(
    admin: HubAdmin, world: World, db_url: str
) -> None:
    first, second = _decide_both(world)
    admin.db.dispose()
    migrate(db_url, "downgrade", "0003")
    upgrade_database(db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(select(IssuedCredential.id, IssuedCredential.status_index))
            indexes = {credential_id: index for credential_id, index in rows}
            assert indexes == {first: 0, second: 1}
            counter = conn.execute(select(Counter.value).where(Counter.name == STATUS_COUNTER))
            assert counter.scalar_one() == 2
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                update(IssuedCredential).where(IssuedCredential.id == second).values(status_index=0)
            )
    finally:
        engine.dispose()
