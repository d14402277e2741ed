"""The reliability report: how far a credential's live scoring agrees with itself (second
reads), with answer keys (validity papers) and with backreaders, per credential and per
assessor, and week by week. The figures are defined in ``protocol/reliability.py``; this is
their one home. Agreement and kappa come from ``hub/calibration/agreement.py``.

``figures`` works on plain records, so the arithmetic is tested without a database;
``reliability_report`` gathers the records from the hub's tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.agreement import enough_items
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.rubric import Rubric
from assessor_app.hub.calibration.agreement import cohen_kappa, percent_agreement
from assessor_app.hub.db import (
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    User,
    utcnow,
)
from assessor_app.hub.scoring.flow_models import BackreadVerdictRow, ValidityResult
from assessor_app.hub.scoring.models import ADJUDICATION, VALIDITY, WorkItem
from assessor_app.protocol.reliability import (
    AssessorReliability,
    CredentialReliability,
    ReliabilityFigures,
    ReliabilityReport,
    WeekFigures,
)
from assessor_app.protocol.rubric_file import CredentialSchema


@dataclass(frozen=True)
class ReadPair:
    """Two independent reads of one submission: per criterion both scored, the two ranks."""

    at: datetime
    readers: tuple[int, int]
    ranks: tuple[tuple[int, int], ...]
    adjudicated: bool


@dataclass(frozen=True)
class ValidityOutcome:
    at: datetime
    reader: int
    exact_share: float


@dataclass(frozen=True)
class BackreadOutcome:
    """A backread of ``reader``'s sheet: criteria checked and how many were disagreed with."""

    at: datetime
    reader: int
    criteria: int
    disagreed: int


@dataclass(frozen=True)
class Evidence:
    pairs: tuple[ReadPair, ...] = ()
    validity: tuple[ValidityOutcome, ...] = ()
    backreads: tuple[BackreadOutcome, ...] = ()

    def of(self, user_id: int) -> Evidence:
        return Evidence(
            tuple(p for p in self.pairs if user_id in p.readers),
            tuple(v for v in self.validity if v.reader == user_id),
            tuple(b for b in self.backreads if b.reader == user_id),
        )

    def readers(self) -> set[int]:
        return (
            {r for p in self.pairs for r in p.readers}
            | {v.reader for v in self.validity}
            | {b.reader for b in self.backreads}
        )


def week_start(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def figures(evidence: Evidence, n_levels: int) -> ReliabilityFigures:
    """The figures of ``evidence``; ranks run below ``n_levels``."""
    a = [x for pair in evidence.pairs for x, _ in pair.ranks]
    b = [y for pair in evidence.pairs for _, y in pair.ranks]
    exact = adjacent = kappa = None
    if a:
        exact = percent_agreement(a, b, tolerance=0)
        adjacent = percent_agreement(a, b, tolerance=1)
        if enough_items("cohen_kappa_quadratic", len(a)):
            kappa = cohen_kappa(a, b, weights="quadratic", labels=list(range(max(n_levels, 1))))
    checked = sum(r.criteria for r in evidence.backreads)
    return ReliabilityFigures(
        second_reads=len(evidence.pairs),
        criterion_pairs=len(a),
        exact_agreement=exact,
        adjacent_agreement=adjacent,
        kappa_quadratic=kappa,
        adjudication_rate=_share(sum(p.adjudicated for p in evidence.pairs), len(evidence.pairs)),
        validity_papers=len(evidence.validity),
        validity_accuracy=_share(
            sum(v.exact_share for v in evidence.validity), len(evidence.validity)
        ),
        backread_criteria=checked,
        backread_disagreement=_share(sum(r.disagreed for r in evidence.backreads), checked),
    )


def weekly(evidence: Evidence, n_levels: int) -> list[WeekFigures]:
    """The figures of each week that has any evidence, oldest first."""
    weeks: dict[date, tuple[list[ReadPair], list[ValidityOutcome], list[BackreadOutcome]]]
    weeks = defaultdict(lambda: ([], [], []))
    for pair in evidence.pairs:
        weeks[week_start(pair.at)][0].append(pair)
    for paper in evidence.validity:
        weeks[week_start(paper.at)][1].append(paper)
    for backread in evidence.backreads:
        weeks[week_start(backread.at)][2].append(backread)
    out = []
    for start in sorted(weeks):
        pairs, validity, backreads = weeks[start]
        of_week = figures(Evidence(tuple(pairs), tuple(validity), tuple(backreads)), n_levels)
        out.append(WeekFigures(week_start=start, **of_week.model_dump()))
    return out


# --- gathering the evidence from the hub's tables -------------------------------------


def _rubric(session: Session, credential_id: str, version: int, cache: dict[Any, Rubric]) -> Rubric:
    if (credential_id, version) not in cache:
        row = session.get(CredentialRow, (credential_id, version))
        assert row is not None  # a foreign key guarantees it
        cache[credential_id, version] = CredentialSchema.model_validate(
            row.document
        ).rubric.to_domain()
    return cache[credential_id, version]


def _ranks(rubric: Rubric, body: dict[str, Any]) -> dict[str, int]:
    levels = {c["criterion_id"]: c.get("level_id") for c in body.get("criteria", [])}
    out = {}
    for criterion in rubric.criteria:
        level = levels.get(criterion.id)
        rank = criterion.level_index(level) if level else None
        if rank is not None:
            out[criterion.id] = rank
    return out


def _pairs(session: Session, credential_id: str, since: datetime | None) -> list[ReadPair]:
    validity = select(WorkItem.assignment_id).where(
        WorkItem.purpose == VALIDITY, WorkItem.assignment_id.is_not(None)
    )
    rows = session.execute(
        select(SubmissionRow, AssignmentRow, DecisionRow)
        .join(AssignmentRow, AssignmentRow.submission_id == SubmissionRow.id)
        .join(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .where(
            SubmissionRow.credential_id == credential_id,
            AssignmentRow.kind == AssignmentKind.PRODUCTION.value,
            AssignmentRow.id.not_in(validity),
        )
        .order_by(DecisionRow.recorded_at, DecisionRow.assignment_id)
    ).all()
    reads: dict[str, list[tuple[SubmissionRow, DecisionRow]]] = defaultdict(list)
    for submission, _assignment, decision in rows:
        reads[submission.id].append((submission, decision))
    adjudicated = set(
        session.scalars(
            select(WorkItem.submission_id).where(
                WorkItem.purpose == ADJUDICATION, WorkItem.submission_id.in_(list(reads))
            )
        ).all()
    )
    cache: dict[Any, Rubric] = {}
    pairs = []
    for submission_id, both in reads.items():
        if len(both) < 2:
            continue
        (submission, first), (_, second) = both[0], both[1]
        if since is not None and second.recorded_at < since:
            continue
        rubric = _rubric(session, submission.credential_id, submission.credential_version, cache)
        ra, rb = _ranks(rubric, first.body), _ranks(rubric, second.body)
        pairs.append(
            ReadPair(
                at=second.recorded_at,
                readers=(first.user_id, second.user_id),
                ranks=tuple(
                    (ra[c.id], rb[c.id]) for c in rubric.criteria if c.id in ra and c.id in rb
                ),
                adjudicated=submission_id in adjudicated,
            )
        )
    return pairs


def _validity(
    session: Session, credential_id: str, since: datetime | None
) -> list[ValidityOutcome]:
    query = select(ValidityResult).where(ValidityResult.credential_id == credential_id)
    if since is not None:
        query = query.where(ValidityResult.recorded_at >= since)
    return [
        ValidityOutcome(row.recorded_at, row.user_id, row.exact_share)
        for row in session.scalars(query)
    ]


def _backreads(
    session: Session, credential_id: str, since: datetime | None
) -> list[BackreadOutcome]:
    query = (
        select(BackreadVerdictRow, AssignmentRow.user_id)
        .join(AssignmentRow, AssignmentRow.id == BackreadVerdictRow.subject_assignment_id)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .where(SubmissionRow.credential_id == credential_id)
    )
    if since is not None:
        query = query.where(BackreadVerdictRow.recorded_at >= since)
    out = []
    for verdict, reader in session.execute(query).all():
        criteria = verdict.body.get("criteria", [])
        out.append(
            BackreadOutcome(
                at=verdict.recorded_at,
                reader=reader,
                criteria=len(criteria),
                disagreed=sum(1 for c in criteria if not c.get("agree", True)),
            )
        )
    return out


def _n_levels(session: Session, credential_id: str) -> tuple[str, int]:
    row = session.scalar(
        select(CredentialRow)
        .where(CredentialRow.id == credential_id)
        .order_by(CredentialRow.version.desc())
        .limit(1)
    )
    if row is None:
        raise LookupError(f"No credential {credential_id}.")
    rubric = CredentialSchema.model_validate(row.document).rubric.to_domain()
    return row.title, max((len(c.levels) for c in rubric.criteria), default=1)


def credential_reliability(
    session: Session, credential_id: str, since: datetime | None = None
) -> CredentialReliability:
    title, n_levels = _n_levels(session, credential_id)
    evidence = Evidence(
        tuple(_pairs(session, credential_id, since)),
        tuple(_validity(session, credential_id, since)),
        tuple(_backreads(session, credential_id, since)),
    )
    users = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_(sorted(evidence.readers()))))
    }
    assessors = [
        AssessorReliability(
            username=user.username,
            display_name=user.display_name,
            figures=figures(evidence.of(user.id), n_levels),
            weeks=weekly(evidence.of(user.id), n_levels),
        )
        for user in sorted(users.values(), key=lambda u: u.username)
    ]
    return CredentialReliability(
        credential_id=credential_id,
        title=title,
        figures=figures(evidence, n_levels),
        weeks=weekly(evidence, n_levels),
        assessors=assessors,
    )


def reliability_report(
    session: Session,
    credential_ids: Iterable[str] | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> ReliabilityReport:
    """Every credential (or those named), counting events from ``since`` (a UTC day) on."""
    ids: Sequence[str] = (
        sorted(set(credential_ids))
        if credential_ids is not None
        else sorted(set(session.scalars(select(CredentialRow.id)).all()))
    )
    start = datetime.combine(since, time.min, tzinfo=UTC) if since is not None else None
    return ReliabilityReport(
        generated_at=now or utcnow(),
        since=since,
        credentials=[credential_reliability(session, cid, start) for cid in ids],
    )
