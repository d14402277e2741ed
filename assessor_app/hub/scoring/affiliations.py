"""Affiliations (organisation or district ids) of accounts and submissions, and the one
conflict rule: an account and a submission that share an affiliation are in conflict, and
allocation never gives one to the other. Affiliations stay on the hub: no client schema
carries them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assessor_app.hub.scoring.models import SubmissionAffiliation, UserAffiliation

AFFILIATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
AFFILIATION_WORDS = "letters, digits and . _ : -, starting with a letter or digit, at most 100"


def checked(affiliations: Iterable[str]) -> list[str]:
    """The affiliations, each once, in the order given; ``ValueError`` names a bad one."""
    out: list[str] = []
    for value in affiliations:
        if not AFFILIATION.match(value):
            raise ValueError(f"{value!r} is not an affiliation id: use {AFFILIATION_WORDS}")
        if value not in out:
            out.append(value)
    return out


def set_user_affiliations(session: Session, user_id: int, affiliations: Iterable[str]) -> list[str]:
    """Replace an account's affiliations; returns them."""
    wanted = checked(affiliations)
    session.execute(delete(UserAffiliation).where(UserAffiliation.user_id == user_id))
    session.add_all(UserAffiliation(user_id=user_id, affiliation=a) for a in wanted)
    return wanted


def user_affiliations(session: Session, user_id: int) -> list[str]:
    return list(
        session.scalars(
            select(UserAffiliation.affiliation)
            .where(UserAffiliation.user_id == user_id)
            .order_by(UserAffiliation.affiliation)
        )
    )


def set_submission_affiliations(
    session: Session, submission_id: str, affiliations: Iterable[str]
) -> list[str]:
    wanted = checked(affiliations)
    session.execute(
        delete(SubmissionAffiliation).where(SubmissionAffiliation.submission_id == submission_id)
    )
    session.add_all(
        SubmissionAffiliation(submission_id=submission_id, affiliation=a) for a in wanted
    )
    return wanted


def submission_affiliations(session: Session, submission_id: str) -> list[str]:
    return list(
        session.scalars(
            select(SubmissionAffiliation.affiliation)
            .where(SubmissionAffiliation.submission_id == submission_id)
            .order_by(SubmissionAffiliation.affiliation)
        )
    )


def share_an_affiliation(account: Iterable[str], submission: Iterable[str]) -> bool:
    """The conflict rule: an account and a submission sharing any affiliation."""
    return not set(account).isdisjoint(submission)


def in_conflict(session: Session, user_id: int, submission_id: str) -> bool:
    """Whether the account and the submission are in conflict (``share_an_affiliation``)."""
    return share_an_affiliation(
        user_affiliations(session, user_id), submission_affiliations(session, submission_id)
    )
