"""``HubAdmin``: the hub's administrative operations, used by the CLI and by ``seed-demo``.

Every method runs in its own transaction and raises ``HubAdminError`` (a message a person
can act on) for bad input. ``assessor_app.hub.demo.seed.seed_demo(ctx)`` receives a
``HubAdmin`` as ``ctx`` and uses only the methods below.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, select
from sqlalchemy.orm import Session

from assessor_app.common.csv_cells import neutralize_formula
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.rubric import Rubric
from assessor_app.hub.badges.recipients import RecipientConflict, record_recipient
from assessor_app.hub.config import HubSettings, secure_data_dir
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    CalibrationKey,
    CredentialRow,
    Database,
    DecisionRow,
    SubmissionRow,
    Token,
    User,
    next_change_seq,
    utcnow,
)
from assessor_app.hub.decisions import DecisionRefused
from assessor_app.hub.decisions import record_decision as _record_decision
from assessor_app.hub.migrate import upgrade_database
from assessor_app.hub.scoring.affiliations import (
    set_submission_affiliations,
    submission_affiliations,
)
from assessor_app.hub.scoring.models import FIRST
from assessor_app.hub.scoring.work import add_work
from assessor_app.hub.security import hash_password
from assessor_app.hub.storage import StoredBlob, open_storage
from assessor_app.hub.submission_file import (
    SubmissionFile,
    SubmissionFolderError,
    load_submission_folder,
)
from assessor_app.hub.workflow import review as _review
from assessor_app.hub.workflow.hooks import WorkflowOptions, save_workflow
from assessor_app.hub.workflow.models import (
    DEFAULT_COACHING_AFTER,
    CoachingFlag,
    CredentialWorkflow,
    DecisionReview,
    IssuedCredential,
)
from assessor_app.hub.workflow.resubmission import (
    ResubmissionError,
    load_artifact_folder,
    plan_resubmission,
)
from assessor_app.protocol.rubric_file import CredentialSchema, load_credential_file
from assessor_app.protocol.v1 import (
    AssignmentStatus,
    CriterionLevelOut,
    DecisionReceipt,
    DecisionUpload,
    PreviousAttemptOut,
)
from assessor_app.protocol.workflow import CoachingFlagOut, ReviewItem, ReviewOutcome

ROLES = ("assessor", "facilitator", "reviewer", "admin", "adjudicator", "backreader")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")

# Columns of ``export-decisions --csv``, in order. Part of the hub's documented interface.
EXPORT_COLUMNS = (
    "assignment_id",
    "submission_id",
    "credential_id",
    "credential_version",
    "attempt",
    "educator_pseudonym",
    "assessor",
    "kind",
    "decision",
    "total_points",
    "criteria",
    "feedback",
    "override_reason",
    "private_note",
    "scored_at",
    "recorded_at",
    # Workflow columns: appended, so the ones above keep their positions.
    "workflow_status",
    "review_state",
    "reviewer",
    "review_comment",
    "badge_id",
    "not_yet_attempts",
    "coaching_flag",
)


class HubAdminError(ValueError):
    """Bad input to an admin operation; ``str()`` says what to do about it."""


@dataclass(frozen=True)
class Resubmission:
    submission_id: str
    attempt: int
    assignment_id: str | None
    message: str


class HubAdmin:
    """Administrative access to one hub's database and artifact storage.

    ``demo_accounts``: when True, accounts created are flagged as demo accounts, which
    ``serve`` refuses to expose on a non-loopback address. ``log`` receives progress lines.
    """

    def __init__(
        self,
        settings: HubSettings,
        *,
        log: Callable[[str], None] | None = None,
        demo_accounts: bool = False,
    ) -> None:
        self.settings = settings
        self.log: Callable[[str], None] = log or (lambda _line: None)
        self.demo_accounts = demo_accounts
        secure_data_dir(settings)
        upgrade_database(settings.db_url)
        self.db = Database(settings.db_url)
        self.storage = open_storage(settings)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> HubAdmin:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def add_assessor(
        self,
        username: str,
        password: str,
        display_name: str | None = None,
        roles: Sequence[str] = ("assessor",),
    ) -> str:
        """Create an account; returns its username."""
        if not USERNAME.match(username):
            raise HubAdminError(
                f"{username!r} is not a valid user name: use letters, digits and . _ @ -, "
                "starting with a letter or digit, at most 100 characters"
            )
        if not password:
            raise HubAdminError("the password must not be empty")
        wanted = list(dict.fromkeys(roles)) or ["assessor"]
        unknown = [r for r in wanted if r not in ROLES]
        if unknown:
            raise HubAdminError(
                f"unknown role(s) {', '.join(unknown)}: choose from {', '.join(ROLES)}"
            )
        password_hash = hash_password(password)
        with self.db.write() as session:
            if session.scalar(select(exists().where(User.username == username))):
                raise HubAdminError(f"an account named {username!r} already exists")
            session.add(
                User(
                    username=username,
                    display_name=display_name or username,
                    roles=wanted,
                    password_hash=password_hash,
                    is_demo=self.demo_accounts,
                    created_at=utcnow(),
                )
            )
        self.log(f"added {username} ({', '.join(wanted)})")
        return username

    def set_password(self, username: str, password: str) -> int:
        """Change an account's password and revoke all its tokens (returns how many), so a
        leaked password or token stops working at once."""
        if not password:
            raise HubAdminError("the password must not be empty")
        password_hash = hash_password(password)
        with self.db.write() as session:
            user = self._account(session, username)
            user.password_hash = password_hash
            revoked = _revoke_tokens(session, user.id)
        self.log(f"changed the password of {username}; revoked {revoked} token(s)")
        return revoked

    def revoke_tokens(self, username: str) -> int:
        """Revoke every access token of an account (returns how many); its devices must
        sign in again."""
        with self.db.write() as session:
            revoked = _revoke_tokens(session, self._account(session, username).id)
        self.log(f"revoked {revoked} token(s) of {username}")
        return revoked

    @staticmethod
    def _account(session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise HubAdminError(f"no account named {username!r}")
        return user

    @contextmanager
    def _unused_blobs_dropped_on_failure(self, blobs: list[StoredBlob]) -> Iterator[None]:
        """If the block fails, delete the blobs just stored that no artifact uses (a blob
        another submission shares stays), so a failed import leaves nothing behind."""
        try:
            yield
        except BaseException:
            shas = {blob.sha256 for blob in blobs}
            with self.db.read() as session:
                used = set(
                    session.scalars(select(ArtifactRow.sha256).where(ArtifactRow.sha256.in_(shas)))
                )
            for sha256 in shas - used:
                self.storage.delete(sha256)
            raise

    def has_demo_accounts(self) -> bool:
        with self.db.read() as session:
            return bool(session.scalar(select(exists().where(User.is_demo.is_(True)))))

    def import_credential(self, path: Path) -> str:
        """Import a credential file (JSON or YAML); returns the credential id. Importing the
        same content again changes nothing; changed content needs a higher ``version``."""
        try:
            credential = load_credential_file(Path(path))
        except ValueError as exc:
            raise HubAdminError(str(exc)) from None
        document = CredentialSchema.from_domain(credential).model_dump(mode="json")
        digest = hashlib.sha256(
            json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
        ).hexdigest()
        with self.db.write() as session:
            row = session.get(CredentialRow, (credential.id, credential.version))
            if row is not None:
                if row.content_sha256 != digest:
                    raise HubAdminError(
                        f"credential {credential.id} version {credential.version} is already "
                        "imported with different content: raise its version to import the "
                        "change"
                    )
                self.log(f"credential {credential.id} v{credential.version} already imported")
                return credential.id
            session.add(
                CredentialRow(
                    id=credential.id,
                    version=credential.version,
                    title=credential.title,
                    document=document,
                    content_sha256=digest,
                    imported_at=utcnow(),
                )
            )
        self.log(f"imported credential {credential.id} v{credential.version}")
        return credential.id

    def import_submission(self, folder: Path) -> str:
        """Import a submission folder (see ``submission_file``); returns the submission id."""
        folder = Path(folder)
        try:
            spec = load_submission_folder(folder)
        except SubmissionFolderError as exc:
            raise HubAdminError(str(exc)) from None
        with self.db.read() as session:
            credential = self._latest_credential(session, spec.credential)
            rubric = CredentialSchema.model_validate(credential.document).rubric.to_domain()
            if spec.id and session.get(SubmissionRow, spec.id) is not None:
                raise HubAdminError(f"a submission with id {spec.id!r} already exists")
        _check_against_rubric(spec, rubric, folder)
        # Blobs first (content-addressed); a failed write below deletes the unused ones again.
        blobs = [self.storage.put_file(folder / a.file) for a in spec.artifacts]
        submission_id = spec.id or f"sub-{secrets.token_hex(6)}"
        now = utcnow()
        with self._unused_blobs_dropped_on_failure(blobs), self.db.write() as session:
            if session.get(SubmissionRow, submission_id) is not None:
                raise HubAdminError(f"a submission with id {submission_id!r} already exists")
            session.add(
                SubmissionRow(
                    id=submission_id,
                    credential_id=credential.id,
                    credential_version=credential.version,
                    attempt=spec.attempt,
                    educator_pseudonym=spec.educator_pseudonym,
                    change_note=spec.change_note,
                    previous_attempts=[
                        PreviousAttemptOut(
                            attempt=p.attempt,
                            decision=p.decision,
                            feedback=p.feedback,
                            criteria=[
                                CriterionLevelOut(criterion_id=c, level_id=lv)
                                for c, lv in p.criteria.items()
                            ],
                        ).model_dump(mode="json")
                        for p in spec.previous_attempts
                    ],
                    created_at=now,
                )
            )
            session.flush()
            for position, (entry, blob) in enumerate(zip(spec.artifacts, blobs, strict=True)):
                session.add(
                    ArtifactRow(
                        id=f"art-{secrets.token_hex(8)}",
                        submission_id=submission_id,
                        position=position,
                        filename=entry.file,
                        title=entry.title,
                        media_type=entry.resolved_media_type(),
                        size=blob.size,
                        sha256=blob.sha256,
                    )
                )
            if spec.recipient is not None:
                try:
                    record_recipient(session, spec.educator_pseudonym, spec.recipient, now)
                except RecipientConflict as exc:
                    raise HubAdminError(f"{folder}: {exc}") from None
            set_submission_affiliations(session, submission_id, spec.affiliations)
            if spec.calibration_key is None:
                add_work(session, submission_id, FIRST, now)
            else:
                key = spec.calibration_key
                session.add(
                    CalibrationKey(
                        submission_id=submission_id,
                        decision=str(key.decision),
                        criteria={c: k.model_dump(mode="json") for c, k in key.criteria.items()},
                        created_at=now,
                    )
                )
        self.log(
            f"imported submission {submission_id} ({len(blobs)} artifacts"
            f"{', calibration key' if spec.calibration_key else ''})"
        )
        return submission_id

    def assign(
        self,
        submission_id: str,
        username: str,
        kind: AssignmentKind | str = AssignmentKind.PRODUCTION,
        due_at: datetime | date | None = None,
    ) -> str:
        """Give a submission to an assessor; returns the assignment id. ``due_at`` as a
        date means the end of that day, UTC."""
        try:
            kind = AssignmentKind(kind)
        except ValueError:
            raise HubAdminError(
                f"unknown kind {kind!r}: choose from {', '.join(k.value for k in AssignmentKind)}"
            ) from None
        due = _due(due_at)
        with self.db.write() as session:
            seq = next_change_seq(session)
            if session.get(SubmissionRow, submission_id) is None:
                raise HubAdminError(f"no submission with id {submission_id!r}")
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise HubAdminError(f"no account named {username!r}: add it with add-assessor")
            active = session.scalar(
                select(AssignmentRow.id).where(
                    AssignmentRow.submission_id == submission_id,
                    AssignmentRow.user_id == user.id,
                    AssignmentRow.status != AssignmentStatus.REVOKED,
                )
            )
            if active is not None:
                raise HubAdminError(
                    f"{submission_id} is already assigned to {username} (assignment {active})"
                )
            assignment_id = f"asg-{secrets.token_hex(8)}"
            session.add(
                AssignmentRow(
                    id=assignment_id,
                    submission_id=submission_id,
                    user_id=user.id,
                    kind=kind.value,
                    status=AssignmentStatus.ASSIGNED,
                    version=1,
                    assigned_at=utcnow(),
                    due_at=due,
                    change_seq=seq,
                )
            )
        self.log(f"assigned {submission_id} to {username} as {kind.value}: {assignment_id}")
        return assignment_id

    def revoke(self, assignment_id: str) -> None:
        """Withdraw an undecided assignment; the assessor's next sync lists it as revoked."""
        with self.db.write() as session:
            seq = next_change_seq(session)
            row = session.get(AssignmentRow, assignment_id)
            if row is None:
                raise HubAdminError(f"no assignment with id {assignment_id!r}")
            if row.status == AssignmentStatus.REVOKED:
                raise HubAdminError(f"assignment {assignment_id} is already revoked")
            if row.status in (
                AssignmentStatus.DECIDED,
                AssignmentStatus.RETURNED,
                AssignmentStatus.PENDING_REVIEW,
            ):
                raise HubAdminError(
                    f"assignment {assignment_id} is already decided; its decision stands"
                )
            row.status = AssignmentStatus.REVOKED
            row.version += 1
            row.change_seq = seq
        self.log(f"revoked {assignment_id}")

    def record_decision(
        self, assignment_id: str, upload: DecisionUpload, idempotency_key: str
    ) -> DecisionReceipt:
        """Record a decision as the assignment's assessor would upload it (no If-Match)."""
        with self.db.write() as session:
            row = session.get(AssignmentRow, assignment_id)
            if row is None:
                raise HubAdminError(f"no assignment with id {assignment_id!r}")
            try:
                outcome = _record_decision(
                    session, assignment_id, row.user_id, upload, idempotency_key, None
                )
            except DecisionRefused as exc:
                raise HubAdminError(f"{exc.title}: {exc.detail}") from None
        return outcome.receipt

    def set_workflow(
        self,
        credential_id: str,
        *,
        review_required: bool | None = None,
        coaching_after: int | None = None,
        show_assessor_name: bool | None = None,
    ) -> WorkflowOptions:
        """Change a credential's workflow options (None keeps a value); returns them all."""
        if coaching_after is not None and coaching_after < 1:
            raise HubAdminError("--coaching-after must be at least 1")
        with self.db.write() as session:
            self._latest_credential(session, credential_id)
            options = save_workflow(
                session,
                credential_id,
                utcnow(),
                review_required=review_required,
                coaching_after=coaching_after,
                show_assessor_name=show_assessor_name,
            )
        self.log(f"workflow of {credential_id}: {options}")
        return options

    def resubmit(self, submission_id: str, folder: Path, note: str) -> Resubmission:
        """Make attempt N+1 of ``submission_id`` from the artifacts in ``folder``."""
        folder = Path(folder)
        try:
            entries = load_artifact_folder(folder)
            with self.db.read() as session:
                plan_resubmission(session, submission_id)
        except ResubmissionError as exc:
            raise HubAdminError(str(exc)) from None
        blobs = [self.storage.put_file(folder / e.file) for e in entries]
        new_id = f"sub-{secrets.token_hex(6)}"
        now = utcnow()
        assignment_id: str | None = None
        with self._unused_blobs_dropped_on_failure(blobs), self.db.write() as session:
            seq = next_change_seq(session)
            try:
                plan = plan_resubmission(session, submission_id)
            except ResubmissionError as exc:
                raise HubAdminError(str(exc)) from None
            session.add(
                SubmissionRow(
                    id=new_id,
                    credential_id=plan.prior.credential_id,
                    credential_version=plan.prior.credential_version,
                    attempt=plan.attempt,
                    educator_pseudonym=plan.prior.educator_pseudonym,
                    change_note=note,
                    previous_attempts=plan.previous_attempts,
                    created_at=now,
                )
            )
            session.flush()
            for position, (entry, blob) in enumerate(zip(entries, blobs, strict=True)):
                session.add(
                    ArtifactRow(
                        id=f"art-{secrets.token_hex(8)}",
                        submission_id=new_id,
                        position=position,
                        filename=entry.file,
                        title=entry.title,
                        media_type=entry.resolved_media_type(),
                        size=blob.size,
                        sha256=blob.sha256,
                    )
                )
            set_submission_affiliations(
                session, new_id, submission_affiliations(session, submission_id)
            )
            if plan.assessor is None:
                add_work(session, new_id, FIRST, now)
            else:
                assignment_id = f"asg-{secrets.token_hex(8)}"
                session.add(
                    AssignmentRow(
                        id=assignment_id,
                        submission_id=new_id,
                        user_id=plan.assessor.id,
                        kind=AssignmentKind.PRODUCTION.value,
                        status=AssignmentStatus.ASSIGNED,
                        version=1,
                        assigned_at=now,
                        due_at=None,
                        change_seq=seq,
                    )
                )
        self.log(f"resubmitted {submission_id} as {new_id} (attempt {plan.attempt})")
        return Resubmission(new_id, plan.attempt, assignment_id, plan.message)

    def pending_reviews(self) -> list[ReviewItem]:
        with self.db.read() as session:
            return _review.pending_reviews(session)

    def review(
        self, assignment_id: str, reviewer: str, *, approve: bool, comment: str = ""
    ) -> ReviewOutcome:
        """Approve or return a pending decision as the reviewer account ``reviewer``."""
        with self.db.write() as session:
            user = session.scalar(select(User).where(User.username == reviewer))
            if user is None or "reviewer" not in user.roles:
                raise HubAdminError(
                    f"{reviewer!r} is not a reviewer account: add one with "
                    "add-assessor --role reviewer"
                )
            act = _review.approve if approve else _review.return_to_assessor
            try:
                outcome = act(session, assignment_id, user, comment, utcnow())
            except _review.ReviewRefused as exc:
                raise HubAdminError(f"{exc.title}: {exc.detail}") from None
        self.log(f"review of {assignment_id}: {outcome.state}")
        return outcome

    def coaching_flags(self, *, flagged_only: bool = True) -> list[CoachingFlagOut]:
        with self.db.read() as session:
            return _review.coaching_flags(session, flagged_only=flagged_only)

    def export_decisions_csv(self, path: Path) -> int:
        """Write every recorded decision to ``path`` (columns ``EXPORT_COLUMNS``, ordered by
        time of recording); returns the number of rows."""
        path = Path(path)
        if not path.parent.is_dir():
            raise HubAdminError(f"{path.parent} is not a folder")
        with self.db.read() as session:
            rows = session.execute(
                select(DecisionRow, AssignmentRow, SubmissionRow, User)
                .join(AssignmentRow, AssignmentRow.id == DecisionRow.assignment_id)
                .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
                .join(User, User.id == DecisionRow.user_id)
                .order_by(DecisionRow.recorded_at, DecisionRow.assignment_id)
            ).all()
            workflow = _WorkflowFacts.load(session)
            records = [_guarded({**_export_record(*r), **workflow.columns(*r)}) for r in rows]
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(records)
        self.log(f"wrote {len(records)} decisions to {path}")
        return len(records)

    @staticmethod
    def _latest_credential(session: Session, credential_id: str) -> CredentialRow:
        row = session.scalar(
            select(CredentialRow)
            .where(CredentialRow.id == credential_id)
            .order_by(CredentialRow.version.desc())
            .limit(1)
        )
        if row is None:
            raise HubAdminError(
                f"credential {credential_id!r} is not imported: run import-credential first"
            )
        return row


def _revoke_tokens(session: Session, user_id: int) -> int:
    # A DELETE's result is a CursorResult, which alone has the row count.
    result = session.execute(delete(Token).where(Token.user_id == user_id))
    return cast(CursorResult[Any], result).rowcount


def _check_against_rubric(spec: SubmissionFile, rubric: Rubric, folder: Path) -> None:
    where = folder / "submission.yaml"
    problems: list[str] = []

    def check(place: str, levels: Iterable[tuple[str, str]]) -> None:
        for criterion_id, level_id in levels:
            criterion = rubric.criterion(criterion_id)
            if criterion is None:
                problems.append(f"{place}: the rubric has no criterion {criterion_id!r}")
            elif criterion.level(level_id) is None:
                problems.append(
                    f"{place}.{criterion_id}: {level_id!r} is not a level of this criterion "
                    f"(levels: {', '.join(lv.id for lv in criterion.levels)})"
                )

    for i, attempt in enumerate(spec.previous_attempts):
        if attempt.attempt >= spec.attempt:
            problems.append(
                f"previous_attempts[{i}].attempt: {attempt.attempt} is not before attempt "
                f"{spec.attempt}"
            )
        check(f"previous_attempts[{i}].criteria", attempt.criteria.items())
    if spec.calibration_key is not None:
        key = spec.calibration_key.criteria
        check("calibration_key.criteria", ((c, k.level) for c, k in key.items()))
        missing = [c.id for c in rubric.criteria if c.id not in key]
        if missing:
            problems.append(f"calibration_key.criteria: no master level for {', '.join(missing)}")
    if problems:
        raise HubAdminError("\n".join(f"{where}: {p}" for p in problems))


@dataclass(frozen=True)
class _WorkflowFacts:
    """What the export's workflow columns need, read once for the whole export."""

    reviews: dict[str, tuple[DecisionReview, str]]
    badges: dict[str, str]
    flags: dict[tuple[str, str], int]
    thresholds: dict[str, int]

    @classmethod
    def load(cls, session: Session) -> _WorkflowFacts:
        reviews = {
            review.assignment_id: (review, username or "")
            for review, username in session.execute(
                select(DecisionReview, User.username).outerjoin(
                    User, User.id == DecisionReview.reviewer_id
                )
            )
        }
        badges = {
            assignment_id: badge_id
            for assignment_id, badge_id in session.execute(
                select(IssuedCredential.assignment_id, IssuedCredential.id)
            )
        }
        flags = {
            (f.credential_id, f.educator_pseudonym): f.not_yet_attempts
            for f in session.scalars(select(CoachingFlag))
        }
        thresholds = {
            credential_id: after
            for credential_id, after in session.execute(
                select(CredentialWorkflow.credential_id, CredentialWorkflow.coaching_after)
            )
        }
        return cls(reviews, badges, flags, thresholds)

    def columns(
        self, _decision: DecisionRow, assignment: AssignmentRow, submission: SubmissionRow, _u: User
    ) -> dict[str, object]:
        review, reviewer = self.reviews.get(assignment.id, (None, ""))
        attempts = self.flags.get((submission.credential_id, submission.educator_pseudonym), 0)
        threshold = self.thresholds.get(submission.credential_id, DEFAULT_COACHING_AFTER)
        return {
            "workflow_status": assignment.status,
            "review_state": review.state if review else "",
            "reviewer": reviewer,
            "review_comment": review.comment if review else "",
            "badge_id": self.badges.get(assignment.id, ""),
            "not_yet_attempts": attempts,
            "coaching_flag": "yes" if attempts >= threshold else "",
        }


def _due(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(23, 59, 59), tzinfo=UTC)


# Numbers and times the hub formats itself; every other cell holds text someone typed.
_FORMATTED_COLUMNS = frozenset(
    {"credential_version", "attempt", "total_points", "recorded_at", "not_yet_attempts"}
)


def _guarded(record: dict[str, object]) -> dict[str, object]:
    """The record with every text cell through the shared spreadsheet-formula guard."""
    return {
        name: neutralize_formula(value)
        if isinstance(value, str) and name not in _FORMATTED_COLUMNS
        else value
        for name, value in record.items()
    }


def _export_record(
    decision: DecisionRow, assignment: AssignmentRow, submission: SubmissionRow, user: User
) -> dict[str, object]:
    body = decision.body
    return {
        "assignment_id": assignment.id,
        "submission_id": submission.id,
        "credential_id": submission.credential_id,
        "credential_version": submission.credential_version,
        "attempt": submission.attempt,
        "educator_pseudonym": submission.educator_pseudonym,
        "assessor": user.username,
        "kind": assignment.kind,
        "decision": decision.decision,
        "total_points": f"{decision.total_points:g}",
        "criteria": "; ".join(
            f"{c['criterion_id']}={c.get('level_id') or ''}" for c in body.get("criteria", [])
        ),
        "feedback": body.get("feedback", ""),
        "override_reason": body.get("override_reason", ""),
        "private_note": body.get("private_note", ""),
        "scored_at": body.get("scored_at", ""),
        "recorded_at": decision.recorded_at.isoformat(),
    }
