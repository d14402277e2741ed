"""Calibration sessions on the hub: creation, visibility, reveal, results, consensus, close,
and keys of keyed calibration assignments. Shared by the API and ``HubAdmin``.

The blind rule is enforced here, not in the router: levels leave the database only through
``results`` (once the session is revealed or every participant has submitted) and ``key``
(once the caller's own decision is recorded). Someone who is neither facilitator nor
participant of a session gets the same 404 as for a session that does not exist; a
participant asking for a facilitator's action gets 403, since they know the session.

Revealing withdraws (revokes) the session assignments that are still undecided: nobody
can score an item blind after its levels have been shown. A late upload then gets the
ordinary 410 of the decision endpoint.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.rubric import Rubric
from assessor_app.hub.calibration.models import (
    CLOSED,
    OPEN,
    REVEALED,
    CalibrationConsensus,
    CalibrationParticipant,
    CalibrationSession,
    CalibrationSessionAssignment,
    CalibrationSessionItem,
)
from assessor_app.hub.calibration.qualification import compare_to_key, rubric_of
from assessor_app.hub.calibration.stats import agreement_statistics
from assessor_app.hub.db import (
    AssignmentRow,
    CalibrationKey,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    User,
    hold_change_counter,
    next_change_seq,
    utcnow,
)
from assessor_app.hub.numbers import parse_number
from assessor_app.hub.problems import Problem
from assessor_app.protocol.calibration import (
    AssignmentKey,
    ConsensusEntry,
    ConsensusUpdate,
    CriterionResult,
    CriterionStatistics,
    ItemResult,
    SessionCreate,
    SessionDetail,
    SessionItem,
    SessionList,
    SessionParticipant,
    SessionResults,
    SessionState,
    SessionStatistics,
    SessionSummary,
)
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import AssignmentStatus

FACILITATOR_ROLE = "facilitator"


def not_found() -> Problem:
    return Problem(
        404, "Not Found", "Nothing here: check the id and that you take part in this session."
    )


def _invalid(errors: list[dict[str, str]]) -> Problem:
    return Problem(
        422,
        "Invalid request",
        "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
    )


@dataclass(frozen=True)
class Progress:
    """Who is in a session and how far each has got; enough to decide its state."""

    participants: list[tuple[User, int]]
    item_count: int

    @property
    def all_submitted(self) -> bool:
        return bool(self.participants) and all(n == self.item_count for _, n in self.participants)

    def out(self) -> list[SessionParticipant]:
        return [
            SessionParticipant(
                username=user.username,
                display_name=user.display_name,
                submitted=done == self.item_count,
                submitted_items=done,
            )
            for user, done in self.participants
        ]


def create_session(
    session: Session, facilitator: User, body: SessionCreate, now: datetime | None = None
) -> int:
    """Create the session and one calibration assignment per participant and submission;
    returns the session id. Must run in a write transaction."""
    now = now or utcnow()
    errors: list[dict[str, str]] = []
    for field, values in (
        ("submission_ids", body.submission_ids),
        ("participants", body.participants),
    ):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            errors.append(
                {"field": field, "code": "duplicate", "message": f"{', '.join(repeated)} repeated"}
            )
    if (
        session.scalar(select(CredentialRow.id).where(CredentialRow.id == body.credential_id))
        is None
    ):
        errors.append(
            {
                "field": "credential_id",
                "code": "unknown_credential",
                "message": f"no credential {body.credential_id!r} on this hub",
            }
        )
    submissions: list[SubmissionRow] = []
    for i, submission_id in enumerate(body.submission_ids):
        row = session.get(SubmissionRow, submission_id)
        if row is None:
            errors.append(
                {
                    "field": f"submission_ids[{i}]",
                    "code": "unknown_submission",
                    "message": f"no submission {submission_id!r}",
                }
            )
        elif row.credential_id != body.credential_id:
            errors.append(
                {
                    "field": f"submission_ids[{i}]",
                    "code": "other_credential",
                    "message": f"{submission_id} is a submission for {row.credential_id}",
                }
            )
        else:
            submissions.append(row)
    versions = {s.credential_version for s in submissions}
    if len(versions) > 1:
        errors.append(
            {
                "field": "submission_ids",
                "code": "mixed_versions",
                "message": "the submissions use different versions of the credential's rubric "
                f"({', '.join(str(v) for v in sorted(versions))}); one session scores one rubric",
            }
        )
    users: list[User] = []
    for i, username in enumerate(body.participants):
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            errors.append(
                {
                    "field": f"participants[{i}]",
                    "code": "unknown_user",
                    "message": f"no account named {username!r}",
                }
            )
        else:
            users.append(user)
    if errors:
        raise _invalid(errors)
    busy = session.execute(
        select(AssignmentRow.submission_id, User.username)
        .join(User, User.id == AssignmentRow.user_id)
        .where(
            AssignmentRow.submission_id.in_([s.id for s in submissions]),
            AssignmentRow.user_id.in_([u.id for u in users]),
            AssignmentRow.status != AssignmentStatus.REVOKED,
        )
        .order_by(AssignmentRow.submission_id, User.username)
    ).all()
    if busy:
        pairs = ", ".join(f"{sub} to {name}" for sub, name in busy)
        raise Problem(
            409,
            "Already assigned",
            f"These submissions are already assigned: {pairs}. Each participant must score "
            "a session item blind and once; choose other submissions or participants.",
        )
    calibration = CalibrationSession(
        title=body.title,
        credential_id=body.credential_id,
        credential_version=versions.pop(),
        facilitator_id=facilitator.id,
        state=OPEN,
        notes="",
        created_at=now,
    )
    session.add(calibration)
    session.flush()
    for position, submission in enumerate(submissions):
        session.add(
            CalibrationSessionItem(
                session_id=calibration.id, submission_id=submission.id, position=position
            )
        )
    for position, user in enumerate(users):
        session.add(
            CalibrationParticipant(session_id=calibration.id, user_id=user.id, position=position)
        )
        for submission in submissions:
            assignment_id = f"asg-{secrets.token_hex(8)}"
            session.add(
                AssignmentRow(
                    id=assignment_id,
                    submission_id=submission.id,
                    user_id=user.id,
                    kind=AssignmentKind.CALIBRATION.value,
                    status=AssignmentStatus.ASSIGNED,
                    version=1,
                    assigned_at=now,
                    due_at=None,
                    change_seq=next_change_seq(session),
                )
            )
            session.flush()
            session.add(
                CalibrationSessionAssignment(
                    assignment_id=assignment_id,
                    session_id=calibration.id,
                    user_id=user.id,
                    submission_id=submission.id,
                )
            )
    session.flush()
    return calibration.id


def load_session(session: Session, session_id: str, user: User) -> CalibrationSession:
    """The session if ``user`` facilitates or takes part in it; 404 otherwise."""
    number = parse_number(session_id)
    row = session.get(CalibrationSession, number) if number is not None else None
    if row is None:
        raise not_found()
    if row.facilitator_id == user.id:
        return row
    if session.get(CalibrationParticipant, (row.id, user.id)) is not None:
        return row
    raise not_found()


def facilitates_submission(session: Session, user_id: int, submission_id: str) -> bool:
    """Whether ``user_id`` facilitates a calibration session that includes the submission:
    such a facilitator may read it (its rubric titles the session's matrix) without
    scoring it."""
    found = session.execute(
        select(CalibrationSessionItem.session_id)
        .join(CalibrationSession, CalibrationSession.id == CalibrationSessionItem.session_id)
        .where(
            CalibrationSessionItem.submission_id == submission_id,
            CalibrationSession.facilitator_id == user_id,
        )
        .limit(1)
    ).first()
    return found is not None


def require_facilitator(row: CalibrationSession, user: User) -> None:
    if row.facilitator_id != user.id:
        raise Problem(
            403,
            "Forbidden",
            "Only the session's facilitator can do this.",
        )


def progress(session: Session, row: CalibrationSession) -> Progress:
    item_count = session.scalar(
        select(func.count()).where(CalibrationSessionItem.session_id == row.id)
    )
    decided = (
        select(CalibrationSessionAssignment.user_id, func.count().label("done"))
        .join(DecisionRow, DecisionRow.assignment_id == CalibrationSessionAssignment.assignment_id)
        .where(CalibrationSessionAssignment.session_id == row.id)
        .group_by(CalibrationSessionAssignment.user_id)
        .subquery()
    )
    participants = session.execute(
        select(User, func.coalesce(decided.c.done, 0))
        .join(CalibrationParticipant, CalibrationParticipant.user_id == User.id)
        .outerjoin(decided, decided.c.user_id == User.id)
        .where(CalibrationParticipant.session_id == row.id)
        .order_by(CalibrationParticipant.position)
    ).all()
    return Progress([(u, int(n)) for u, n in participants], int(item_count or 0))


def effective_state(row: CalibrationSession, done: Progress) -> SessionState:
    """Open sessions count as revealed once every participant has submitted."""
    if row.state == CLOSED:
        return "closed"
    if row.state == REVEALED or done.all_submitted:
        return "revealed"
    return "open"


def _username(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    assert user is not None  # a foreign key guarantees it
    return user.username


def summary(session: Session, row: CalibrationSession) -> SessionSummary:
    done = progress(session, row)
    return SessionSummary(
        id=str(row.id),
        title=row.title,
        credential_id=row.credential_id,
        state=effective_state(row, done),
        facilitator=_username(session, row.facilitator_id),
        created_at=row.created_at,
        revealed_at=row.revealed_at,
        item_count=done.item_count,
        participant_count=len(done.participants),
        submitted_count=sum(1 for _, n in done.participants if n == done.item_count),
    )


def list_sessions(session: Session, user: User, cursor: str | None, limit: int) -> SessionList:
    """The sessions ``user`` facilitates or takes part in, newest first."""
    before = parse_number(cursor) if cursor is not None else None
    if cursor is not None and before is None:
        raise _invalid(
            [{"field": "query.cursor", "code": "invalid_cursor", "message": "not a cursor"}]
        )
    mine = select(CalibrationParticipant.session_id).where(
        CalibrationParticipant.user_id == user.id
    )
    query = select(CalibrationSession).where(
        or_(CalibrationSession.facilitator_id == user.id, CalibrationSession.id.in_(mine))
    )
    if before is not None:
        query = query.where(CalibrationSession.id < before)
    rows = session.scalars(query.order_by(CalibrationSession.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return SessionList(
        items=[summary(session, r) for r in page],
        next_cursor=str(page[-1].id) if len(rows) > limit else None,
    )


def _items(session: Session, row: CalibrationSession) -> list[str]:
    return list(
        session.scalars(
            select(CalibrationSessionItem.submission_id)
            .where(CalibrationSessionItem.session_id == row.id)
            .order_by(CalibrationSessionItem.position)
        )
    )


def _keys(session: Session, submission_ids: list[str]) -> dict[str, CalibrationKey]:
    keys = session.scalars(
        select(CalibrationKey).where(CalibrationKey.submission_id.in_(submission_ids))
    ).all()
    return {k.submission_id: k for k in keys}


def detail(session: Session, row: CalibrationSession, user: User) -> SessionDetail:
    done = progress(session, row)
    submissions = _items(session, row)
    keys = _keys(session, submissions)
    own = dict(
        session.execute(
            select(
                CalibrationSessionAssignment.submission_id,
                CalibrationSessionAssignment.assignment_id,
            ).where(
                CalibrationSessionAssignment.session_id == row.id,
                CalibrationSessionAssignment.user_id == user.id,
            )
        ).all()
    )
    named = {
        sub.id: sub
        for sub in session.scalars(select(SubmissionRow).where(SubmissionRow.id.in_(submissions)))
    }
    credential = session.get(CredentialRow, (row.credential_id, row.credential_version))
    undecided = _undecided(session, row, submissions)
    return SessionDetail(
        id=str(row.id),
        title=row.title,
        credential_id=row.credential_id,
        credential_version=row.credential_version,
        credential_title=credential.title if credential else "",
        state=effective_state(row, done),
        facilitator=_username(session, row.facilitator_id),
        created_at=row.created_at,
        revealed_at=row.revealed_at,
        closed_at=row.closed_at,
        items=[
            SessionItem(
                submission_id=s,
                assignment_id=own.get(s),
                keyed=s in keys,
                educator_pseudonym=named[s].educator_pseudonym if s in named else "",
                attempt=named[s].attempt if s in named else None,
            )
            for s in submissions
        ],
        participants=[
            p.model_copy(update={"undecided": undecided.get(p.username, [])}) for p in done.out()
        ],
    )


def _undecided(session: Session, row: CalibrationSession, order: list[str]) -> dict[str, list[str]]:
    """Per participant, the session items (submission ids, in session order) they have
    not decided: what a reveal would withdraw."""
    pending = session.execute(
        select(User.username, CalibrationSessionAssignment.submission_id)
        .join(User, User.id == CalibrationSessionAssignment.user_id)
        .outerjoin(
            DecisionRow, DecisionRow.assignment_id == CalibrationSessionAssignment.assignment_id
        )
        .where(
            CalibrationSessionAssignment.session_id == row.id,
            DecisionRow.assignment_id.is_(None),
        )
    ).all()
    found: dict[str, list[str]] = {}
    for username, submission_id in pending:
        found.setdefault(username, []).append(submission_id)
    position = {s: i for i, s in enumerate(order)}
    return {u: sorted(ids, key=lambda s: position.get(s, len(order))) for u, ids in found.items()}


def reveal(
    session: Session, row: CalibrationSession, user: User, now: datetime | None = None
) -> None:
    """Reveal the session's results and withdraw its undecided assignments. Revealing a
    revealed session changes nothing; a closed one cannot be reopened."""
    require_facilitator(row, user)
    # Ordered with every decision upload and with any other reveal (another hub worker's
    # too): a participant's decision lands either before (its assignment stays decided) or
    # after (refused, revoked); a second reveal then sees the first one's state.
    hold_change_counter(session)
    session.refresh(row)
    if row.state == CLOSED:
        raise Problem(409, "Session closed", "This session is closed; its results are final.")
    if row.state == REVEALED:
        return
    row.state = REVEALED
    row.revealed_at = now or utcnow()
    pending = session.scalars(
        select(AssignmentRow)
        .join(
            CalibrationSessionAssignment,
            CalibrationSessionAssignment.assignment_id == AssignmentRow.id,
        )
        .where(
            CalibrationSessionAssignment.session_id == row.id,
            AssignmentRow.status == AssignmentStatus.ASSIGNED,
        )
        .order_by(AssignmentRow.id)
    ).all()
    for assignment in pending:
        assignment.status = AssignmentStatus.REVOKED
        assignment.version += 1
        assignment.change_seq = next_change_seq(session)


def close(
    session: Session, row: CalibrationSession, user: User, now: datetime | None = None
) -> None:
    """Close a revealed session: results and consensus become read-only."""
    require_facilitator(row, user)
    hold_change_counter(session)  # as ``reveal``: the state read below is the committed one
    session.refresh(row)
    if row.state == CLOSED:
        return
    if effective_state(row, progress(session, row)) == "open":
        raise Problem(
            409,
            "Not revealed",
            "Reveal the session (or wait until every participant has submitted) before closing it.",
        )
    if row.revealed_at is None:
        row.revealed_at = now or utcnow()
    row.state = CLOSED
    row.closed_at = now or utcnow()


def _session_rubric(session: Session, row: CalibrationSession) -> Rubric:
    credential = session.get(CredentialRow, (row.credential_id, row.credential_version))
    assert credential is not None  # checked when the session was created
    return CredentialSchema.model_validate(credential.document).rubric.to_domain()


def _require_revealed(row: CalibrationSession, done: Progress) -> SessionState:
    state = effective_state(row, done)
    if state == "open":
        waiting = sum(1 for _, n in done.participants if n < done.item_count)
        raise Problem(
            409,
            "Not revealed yet",
            f"Results are hidden until the facilitator reveals them or every participant has "
            f"submitted ({waiting} still scoring).",
            waiting=waiting,
        )
    return state


def results(session: Session, row: CalibrationSession) -> SessionResults:
    """The matrix, statistics and consensus; 409 while the session is blind."""
    done = progress(session, row)
    state = _require_revealed(row, done)
    rubric = _session_rubric(session, row)
    submissions = _items(session, row)
    keys = _keys(session, submissions)
    users = [u for u, _ in done.participants]
    bodies: dict[tuple[str, int], dict[str, Any]] = {}
    for link, decision in session.execute(
        select(CalibrationSessionAssignment, DecisionRow)
        .join(DecisionRow, DecisionRow.assignment_id == CalibrationSessionAssignment.assignment_id)
        .where(CalibrationSessionAssignment.session_id == row.id)
    ).all():
        bodies[(link.submission_id, link.user_id)] = decision.body

    def level(submission_id: str, user: User, criterion_id: str) -> str | None:
        body = bodies.get((submission_id, user.id))
        if body is None:
            return None
        for score in body.get("criteria", []):
            if score["criterion_id"] == criterion_id:
                return score.get("level_id")
        return None

    items: list[ItemResult] = []
    # ranks[criterion][rater][unit]: the statistics' input, units in session item order.
    ranks: dict[str, list[list[int | None]]] = {c.id: [[] for _ in users] for c in rubric.criteria}
    for submission_id in submissions:
        key = keys.get(submission_id)
        criteria: list[CriterionResult] = []
        for criterion in rubric.criteria:
            levels = {u.username: level(submission_id, u, criterion.id) for u in users}
            for r, user in enumerate(users):
                chosen = levels[user.username]
                ranks[criterion.id][r].append(
                    criterion.level_index(chosen) if chosen is not None else None
                )
            master = key.criteria.get(criterion.id) if key else None
            criteria.append(
                CriterionResult(
                    criterion_id=criterion.id,
                    levels=levels,
                    master_level=str(master["level"]) if master else None,
                    disagreement=len({v for v in levels.values() if v is not None}) > 1,
                )
            )
        items.append(
            ItemResult(
                submission_id=submission_id,
                decisions={
                    u.username: (
                        bodies[(submission_id, u.id)]["decision"]
                        if (submission_id, u.id) in bodies
                        else None
                    )
                    for u in users
                },
                master_decision=key.decision if key else None,  # type: ignore[arg-type]
                criteria=criteria,
            )
        )
    per_criterion = [
        CriterionStatistics(
            criterion_id=c.id,
            **agreement_statistics(ranks[c.id], len(c.levels)).model_dump(),
        )
        for c in rubric.criteria
    ]
    overall_ratings = [
        [x for c in rubric.criteria for x in ranks[c.id][r]] for r in range(len(users))
    ]
    overall = agreement_statistics(
        overall_ratings, max((len(c.levels) for c in rubric.criteria), default=1)
    )
    consensus = session.scalars(
        select(CalibrationConsensus).where(CalibrationConsensus.session_id == row.id)
    ).all()
    order = {s: i for i, s in enumerate(submissions)}
    criterion_order = {c.id: i for i, c in enumerate(rubric.criteria)}
    consensus = sorted(
        consensus,
        key=lambda c: (order.get(c.submission_id, 0), criterion_order.get(c.criterion_id, 0)),
    )
    return SessionResults(
        session_id=str(row.id),
        state=state,
        participants=done.out(),
        items=items,
        statistics=SessionStatistics(per_criterion=per_criterion, overall=overall),
        consensus=[
            ConsensusEntry(
                submission_id=c.submission_id,
                criterion_id=c.criterion_id,
                level_id=c.level_id,
                note=c.note,
            )
            for c in consensus
        ],
        notes=row.notes,
    )


def put_consensus(
    session: Session, row: CalibrationSession, user: User, body: ConsensusUpdate
) -> None:
    """Replace the consensus and notes; levels are checked against the session's rubric."""
    require_facilitator(row, user)
    if row.state == CLOSED:
        raise Problem(409, "Session closed", "This session is closed; its consensus is final.")
    _require_revealed(row, progress(session, row))
    rubric = _session_rubric(session, row)
    submissions = set(_items(session, row))
    errors: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(body.items):
        where = f"items[{i}]"
        criterion = rubric.criterion(entry.criterion_id)
        if entry.submission_id not in submissions:
            errors.append(
                {
                    "field": f"{where}.submission_id",
                    "code": "not_in_session",
                    "message": f"{entry.submission_id} is not an item of this session",
                }
            )
        elif criterion is None:
            errors.append(
                {
                    "field": f"{where}.criterion_id",
                    "code": "unknown_criterion",
                    "message": f"the rubric has no criterion {entry.criterion_id!r}",
                }
            )
        elif criterion.level(entry.level_id) is None:
            errors.append(
                {
                    "field": f"{where}.level_id",
                    "code": "unknown_level",
                    "message": f"{entry.level_id!r} is not a level of {criterion.id} (levels: "
                    f"{', '.join(lv.id for lv in criterion.levels)})",
                }
            )
        elif (entry.submission_id, entry.criterion_id) in seen:
            errors.append(
                {
                    "field": where,
                    "code": "duplicate",
                    "message": f"{entry.submission_id} / {entry.criterion_id} is given twice",
                }
            )
        seen.add((entry.submission_id, entry.criterion_id))
    if errors:
        raise _invalid(errors)
    existing = session.scalars(
        select(CalibrationConsensus).where(CalibrationConsensus.session_id == row.id)
    ).all()
    for old in existing:
        session.delete(old)
    session.flush()
    for entry in body.items:
        session.add(
            CalibrationConsensus(
                session_id=row.id,
                submission_id=entry.submission_id,
                criterion_id=entry.criterion_id,
                level_id=entry.level_id,
                note=entry.note,
            )
        )
    row.notes = body.notes


def key(session: Session, assignment_id: str, user: User) -> AssignmentKey:
    """The master scores for the caller's keyed calibration assignment and how the
    caller's recorded decision compares; 409 until that decision is on the hub."""
    assignment = session.get(AssignmentRow, assignment_id)
    if (
        assignment is None
        or assignment.user_id != user.id
        or assignment.kind != AssignmentKind.CALIBRATION.value
    ):
        raise Problem(
            404, "Not Found", "Nothing here: check the id and that it is assigned to you."
        )
    master = session.get(CalibrationKey, assignment.submission_id)
    if master is None:
        raise Problem(
            404, "No key", "This calibration assignment has no master scores to compare with."
        )
    decision = session.get(DecisionRow, assignment.id)
    if decision is None:
        raise Problem(
            409,
            "Decision not received",
            "The key is shown once your own decision for this assignment has reached the hub: "
            "finalize it and sync.",
        )
    submission = session.get(SubmissionRow, assignment.submission_id)
    assert submission is not None  # a foreign key guarantees it
    comparison = compare_to_key(rubric_of(session, submission), master, decision.body)
    return AssignmentKey(
        assignment_id=assignment.id,
        submission_id=assignment.submission_id,
        decision=master.decision,  # type: ignore[arg-type]
        your_decision=decision.decision,  # type: ignore[arg-type]
        criteria=comparison.criteria,
        agreement=comparison.agreement,
        summary=comparison.summary,
    )
