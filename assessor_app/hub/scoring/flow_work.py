"""The work validity papers and backreading owe, recorded as work items before each
allocation run (``allocation.allocate`` then hands them out like any other work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.hub.scoring.backread import sample_backreads
from assessor_app.hub.scoring.models import ScoringPlan, WorkItem
from assessor_app.hub.scoring.validity import seed_validity_papers


def create_flow_work(
    session: Session, now: datetime, credential_id: str | None = None
) -> list[WorkItem]:
    """Seed the validity papers and sample the backreads every scoring plan (or the one of
    ``credential_id``) owes now; returns the work items created."""
    query = select(ScoringPlan.credential_id).order_by(ScoringPlan.credential_id)
    if credential_id is not None:
        query = query.where(ScoringPlan.credential_id == credential_id)
    created: list[WorkItem] = []
    for plan_credential in session.scalars(query).all():
        created += seed_validity_papers(session, plan_credential, now)
        created += sample_backreads(session, plan_credential, now)
    return created
