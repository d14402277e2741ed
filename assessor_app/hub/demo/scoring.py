"""``seed-demo``'s scoring operations: a scoring plan for wait time in questioning, demo3's
district (shared with one submission: a conflict allocation never crosses), a backread of
one recorded Pass for ``back``, and one allocation run. The run seeds the validity paper
demo1 finds among their live work, gives ``adj`` the adjudication the recipes' two
disagreeing reads left open, and hands the conflicted submission to someone other than
demo3. Running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.db import AssignmentRow, User, utcnow
from assessor_app.hub.scoring.affiliations import set_user_affiliations
from assessor_app.hub.scoring.allocation import Allocated, allocate
from assessor_app.hub.scoring.models import BACKREAD, SECOND, WorkItem
from assessor_app.hub.scoring.plan import save_plan
from assessor_app.hub.scoring.work import add_work

PLAN_CREDENTIAL = "wait-time-questioning"
PLAN = {
    # Draws E-7781's wait-time submission for a second read, not E-4821's resubmission
    # (whose Pass completes the demo pathway at once).
    "second_read_share": 0.1,
    "validity_rate": 0.1,
    "validity_window": 5,
    "backread_rate": 0.1,
}
AFFILIATIONS = {"demo3": ("district-7",)}
BACKREAD_OF = ("sub-cfu-e4821-a1", "demo3")
"""The recorded Pass ``back`` reads: (submission, its assessor)."""


@dataclass(frozen=True)
class ScoringDemo:
    allocated: list[Allocated]

    def line(self) -> str:
        given = ", ".join(f"{a.purpose} to {a.username}" for a in self.allocated) or "nothing new"
        return f"scoring operations: plan for {PLAN_CREDENTIAL}; allocated {given}"


def save_demo_plan(admin: HubAdmin) -> None:
    """The plan comes before any recorded read, so the reads follow it."""
    with admin.db.write() as session:
        save_plan(session, PLAN_CREDENTIAL, utcnow(), **PLAN)


def mark_second_read(admin: HubAdmin, submission_id: str, assignment_id: str) -> None:
    """Record a hand-given assignment as the submission's blind second read (the one the
    plan asked for, when a first read already drew it)."""
    with admin.db.write() as session:
        known = session.scalar(select(WorkItem.id).where(WorkItem.assignment_id == assignment_id))
        if known is not None:
            return
        drawn = session.scalar(
            select(WorkItem).where(
                WorkItem.submission_id == submission_id,
                WorkItem.purpose == SECOND,
                WorkItem.assignment_id.is_(None),
            )
        )
        if drawn is not None:
            drawn.assignment_id = assignment_id
        else:
            add_work(session, submission_id, SECOND, utcnow(), assignment_id=assignment_id)


def seed_scoring_operations(admin: HubAdmin) -> ScoringDemo:
    now = utcnow()
    with admin.db.write() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        for username, affiliations in AFFILIATIONS.items():
            set_user_affiliations(session, users[username].id, affiliations)
        submission_id, reader = BACKREAD_OF
        sheet = session.scalar(
            select(AssignmentRow.id).where(
                AssignmentRow.submission_id == submission_id,
                AssignmentRow.user_id == users[reader].id,
            )
        )
        sampled = session.scalar(
            select(WorkItem.id).where(
                WorkItem.purpose == BACKREAD, WorkItem.subject_assignment_id == sheet
            )
        )
        if sheet is not None and sampled is None:
            add_work(session, submission_id, BACKREAD, now, subject_assignment_id=sheet)
        run = allocate(session, now)
    return ScoringDemo(run.allocated)
