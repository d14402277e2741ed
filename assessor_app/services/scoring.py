"""Scoring one assignment: open it, record every edit at once, check and finalize it.

Each edit is a single committed transaction in the store, so a crash loses at most the
keystroke in flight. ``finalize`` is the one way a decision is recorded, for the GUI and
the command line alike: it validates with the domain rules, then writes any change of the
assessor's own decision, the decision and its upload entry in one transaction.

The feedback quality check (``domain.feedback_quality``) is part of ``check()``; its
findings do not block finalize on their own, but finalizing over them needs the assessor's
reason, which is kept with the local decision record (``quality_override_reason``) and is
not sent to the hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from assessor_app.domain import (
    Artifact,
    ArtifactKind,
    Assignment,
    Citation,
    Credential,
    Decision,
    Evaluation,
    ScoreSheet,
    Submission,
    TimeRange,
    evaluate,
)
from assessor_app.domain.adjudication import criteria_needing_rationale
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.assignment_state import (
    EDITABLE,
    REOPENABLE,
    IllegalTransition,
    LocalState,
    ReviewState,
)
from assessor_app.domain.evaluation import Problem, ProblemCode
from assessor_app.domain.feedback_quality import FeedbackFinding, check_feedback
from assessor_app.domain.notes import TimeNote
from assessor_app.domain.status_words import status_word
from assessor_app.protocol.scoring import BackreadVerdict, ReadOut, ReadsOut
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store import (
    AuditAction,
    NotFoundError,
    SheetChangedError,
    SheetLockedError,
    Store,
)
from assessor_app.store.repositories.assignments import review_state
from assessor_app.store.repositories.decisions import OverrideChange
from assessor_app.store.repositories.scoresheets import StoredCitation
from assessor_app.store.repositories.scoring_ops import KINDS_WITH_READS

DEFAULT_MIN_WATCHED_SHARE = 0.8


class NotReadyError(Exception):
    """The assignment's submission has not been downloaded yet."""


class ReopenRefused(IllegalTransition):
    """The sheet cannot be reopened; the message says why, in the assessor's words."""


class Standing(NamedTuple):
    """Where an assignment stands in the store now, for a view that is already open."""

    assignment: Assignment
    state: LocalState
    revoked: bool


@dataclass(frozen=True)
class OpenedAssignment:
    """Everything the workspace needs to show one assignment as the assessor left it."""

    assignment: Assignment
    state: LocalState
    revoked: bool
    submission: Submission
    credential: Credential
    sheet: ScoreSheet
    citations: list[StoredCitation]
    notes: list[TimeNote]
    open_artifact_id: str | None
    video_positions: dict[str, int]
    # The reads an adjudication or backread shows (None for other kinds, or until synced).
    reads: ReadsOut | None = None
    # A backread's verdict as last saved here (None for other kinds, or before the first).
    verdict: BackreadVerdict | None = None

    @property
    def read_only(self) -> bool:
        return self.revoked or self.state not in EDITABLE

    @property
    def review(self) -> ReviewState | None:
        """Where the hub's second-level review has this decision, if it matters here."""
        return None if self.revoked else review_state(self.assignment.status, self.state)

    @property
    def review_comment(self) -> str | None:
        """The reviewer's comment while the decision is returned for revision."""
        return self.assignment.review_comment


@dataclass(frozen=True)
class CoverageWarning:
    artifact: Artifact
    message: str


@dataclass(frozen=True)
class FinalizeCheck:
    """What finalize would record, what blocks it and what the assessor should confirm.

    ``feedback_findings`` need a reason from the assessor to finalize over them.
    """

    evaluation: Evaluation
    warnings: list[CoverageWarning] = field(default_factory=list)
    feedback_findings: tuple[FeedbackFinding, ...] = ()

    @property
    def blocked(self) -> bool:
        return not self.evaluation.can_finalize


class ScoringService:
    def __init__(self, store: Store, *, min_watched_share: float = DEFAULT_MIN_WATCHED_SHARE):
        self.store = store
        self.min_watched_share = min_watched_share

    # -- opening -------------------------------------------------------------------------

    def open(self, assignment_id: str) -> OpenedAssignment:
        store = self.store
        assignment = store.assignments.get(assignment_id)
        if assignment is None:
            raise NotFoundError(f"no assignment {assignment_id!r} on this computer")
        loaded = store.submissions.load_for_assignment(assignment_id)
        if loaded is None:
            raise NotReadyError(
                "This submission has not been downloaded yet. Sync when you are online, "
                "then open it again."
            )
        submission, credential = loaded
        store.audit.append(AuditAction.OPENED, assignment_id, {})
        return OpenedAssignment(
            assignment=assignment,
            state=store.assignments.local_state(assignment_id),
            revoked=store.assignments.is_revoked(assignment_id),
            submission=submission,
            credential=credential,
            sheet=store.sheets.load_sheet(assignment_id),
            citations=store.sheets.citations(assignment_id),
            notes=store.notes.list(assignment_id),
            open_artifact_id=store.workspace.open_artifact(assignment_id),
            video_positions=store.workspace.video_positions(assignment_id),
            reads=store.reads.get(assignment_id) if assignment.kind in KINDS_WITH_READS else None,
            verdict=_stored_verdict(store, assignment_id)
            if assignment.kind is AssignmentKind.BACKREAD
            else None,
        )

    # -- edits: each one is saved before the call returns -----------------------------

    def set_level(self, assignment_id: str, criterion_id: str, level_id: str | None) -> None:
        self.store.sheets.set_level(assignment_id, criterion_id, level_id)
        self.store.audit.append(
            AuditAction.SCORED, assignment_id, {"criterion": criterion_id, "level": level_id}
        )

    def set_rationale(self, assignment_id: str, criterion_id: str, text: str) -> None:
        self.store.sheets.set_rationale(assignment_id, criterion_id, text)

    def add_citation(
        self, assignment_id: str, criterion_id: str, citation: Citation, at: int | None = None
    ) -> int:
        """Add a citation to the criterion: last, or at index ``at`` (0-based, in the order
        the sheet lists them), as Undo puts a deleted one back."""
        return self.store.sheets.add_citation(assignment_id, criterion_id, citation, at)

    def remove_citation(self, assignment_id: str, criterion_id: str, position: int) -> None:
        """Remove the criterion's citation at ``position`` (0-based, in the order the
        sheet lists them); nothing happens when there is none there any more."""
        mine = [
            c for c in self.store.sheets.citations(assignment_id) if c.criterion_id == criterion_id
        ]
        if 0 <= position < len(mine):
            self.store.sheets.remove_citation(assignment_id, mine[position].id)

    def set_feedback(self, assignment_id: str, text: str) -> None:
        self.store.sheets.set_feedback(assignment_id, text)

    def set_private_note(self, assignment_id: str, text: str) -> None:
        self.store.sheets.set_private_note(assignment_id, text)

    def set_override(self, assignment_id: str, decision: Decision | None, reason: str) -> None:
        self.store.sheets.set_override(assignment_id, decision, reason)

    def add_note(
        self,
        assignment_id: str,
        artifact_id: str,
        time_ms: int,
        text: str,
        criterion_id: str | None = None,
    ) -> TimeNote:
        return self.store.notes.add(assignment_id, artifact_id, time_ms, text, criterion_id)

    def artifact_opened(self, assignment_id: str, artifact_id: str) -> None:
        self.store.coverage.mark_opened(assignment_id, artifact_id)
        self.store.workspace.set_open_artifact(assignment_id, artifact_id)

    def video_played(
        self, assignment_id: str, artifact_id: str, start_ms: int, end_ms: int
    ) -> None:
        if end_ms > start_ms:
            self.store.coverage.add_played(assignment_id, artifact_id, TimeRange(start_ms, end_ms))

    def video_position(self, assignment_id: str, artifact_id: str, position_ms: int) -> None:
        self.store.workspace.set_video_position(assignment_id, artifact_id, position_ms)

    # -- finalize ------------------------------------------------------------------------

    def check(
        self, assignment_id: str, *, video_durations: dict[str, int] | None = None
    ) -> FinalizeCheck:
        """Evaluate the saved sheet and list evidence the assessor has not looked at.

        ``video_durations`` (artifact id -> ms) come from the player; without one a
        video's watched share cannot be judged and only "never opened" is reported.
        """
        submission, credential = self._loaded(assignment_id)
        sheet = self.store.sheets.load_sheet(assignment_id)
        check = self._check_sheet(sheet, credential, self._adjudicated_reads(assignment_id))
        return replace(check, warnings=self._coverage(assignment_id, submission, video_durations))

    def _loaded(self, assignment_id: str) -> tuple[Submission, Credential]:
        loaded = self.store.submissions.load_for_assignment(assignment_id)
        if loaded is None:
            raise NotReadyError("This submission has not been downloaded yet.")
        return loaded

    def _adjudicated_reads(self, assignment_id: str) -> ReadsOut | _NoReads | None:
        """The two reads an adjudication's sheet is checked against; ``NO_READS`` when
        they are not here yet; None for any other kind."""
        assignment = self.store.assignments.get(assignment_id)
        if assignment is None or assignment.kind is not AssignmentKind.ADJUDICATION:
            return None
        return self.store.reads.get(assignment_id) or NO_READS

    @staticmethod
    def _check_sheet(
        sheet: ScoreSheet, credential: Credential, reads: ReadsOut | _NoReads | None = None
    ) -> FinalizeCheck:
        evaluation = evaluate(sheet, credential.rubric)
        if reads is not None:
            extra = adjudication_problems(sheet, credential, reads)
            evaluation = replace(evaluation, problems=evaluation.problems + extra)
        return FinalizeCheck(evaluation, [], check_feedback(sheet, credential, evaluation.decision))

    def _coverage(
        self, assignment_id: str, submission: Submission, video_durations: dict[str, int] | None
    ) -> list[CoverageWarning]:
        opened = self.store.coverage.opened(assignment_id)
        durations = video_durations or {}
        warnings: list[CoverageWarning] = []
        for artifact in submission.artifacts:
            if artifact.id not in opened:
                warnings.append(
                    CoverageWarning(artifact, f"You have not opened “{artifact.display_name}”.")
                )
                continue
            duration = durations.get(artifact.id)
            if artifact.kind in (ArtifactKind.VIDEO, ArtifactKind.AUDIO) and duration:
                played = sum(
                    r.end_ms - r.start_ms
                    for r in self.store.coverage.played(assignment_id, artifact.id)
                )
                share = min(1.0, played / duration)
                if share < self.min_watched_share:
                    warnings.append(
                        CoverageWarning(
                            artifact,
                            f"You have watched {share:.0%} of “{artifact.display_name}”.",
                        )
                    )
        return warnings

    def finalize(
        self,
        assignment_id: str,
        *,
        decision: Decision | Literal["auto"] | None = None,
        reason: str = "",
        quality_override_reason: str | None = None,
        now: datetime | None = None,
    ) -> Finalized:
        """Check the sheet and record its decision, its upload and any change of the
        assessor's own decision in one transaction: when anything refuses, nothing is
        saved.

        ``decision`` None keeps the sheet's override as saved; ``"auto"`` takes the
        rubric's result; a ``Decision`` is the assessor's own (with ``reason``), or the
        rubric's result when it is the same. Raises ``FinalizeRefused`` listing the
        problems when the sheet is not complete, ``FeedbackQualityRefused`` when the
        feedback check has findings and no ``quality_override_reason`` was given, and
        ``FinalizeStopped`` when the sheet is no longer editable or changed meanwhile.
        """
        _submission, credential = self._loaded(assignment_id)
        # Read before the sheet: an edit in between makes the store refuse, never slip by.
        revision = self.store.sheets.revision(assignment_id)
        saved = self.store.sheets.load_sheet(assignment_id)
        rubric_sheet = replace(saved, override=None, override_reason="")
        computed = evaluate(rubric_sheet, credential.rubric).computed
        if decision is None:
            sheet = saved
        elif decision == "auto" or decision == computed:
            sheet = rubric_sheet
        else:
            sheet = replace(saved, override=Decision(decision), override_reason=reason)
        check = self._check_sheet(sheet, credential, self._adjudicated_reads(assignment_id))
        if check.blocked:
            raise FinalizeRefused(check)
        quality_reason = (quality_override_reason or "").strip()
        if check.feedback_findings and not quality_reason:
            raise FeedbackQualityRefused(check)
        # Read now, not when the sheet was opened: a decision returned for revision is
        # uploaded against the version the return gave the assignment (If-Match).
        assignment = self.store.assignments.get(assignment_id)
        assert assignment is not None  # its submission was found
        recorded = check.evaluation.decision
        assert recorded is not None
        changed = (sheet.override, sheet.override_reason) != (
            saved.override,
            saved.override_reason,
        )
        try:
            outbox_id = self.store.decisions.finalize(
                assignment_id,
                DecisionUpload.from_sheet(sheet, recorded, now or datetime.now(UTC)),
                recorded,
                assignment.version,
                # A reason given when nothing was flagged explains nothing; it is not kept.
                quality_override_reason=quality_reason if check.feedback_findings else "",
                override=(
                    OverrideChange(sheet.override, sheet.override_reason) if changed else None
                ),
                sheet_revision=revision,
            )
        except SheetChangedError:
            raise FinalizeStopped(
                "The sheet changed while it was being finalized, so nothing was recorded. "
                "Look at it again and finalize once more."
            ) from None
        except SheetLockedError:
            standing = self.standing(assignment_id)
            where = status_word(LocalState.REVOKED if standing.revoked else standing.state)
            raise FinalizeStopped(
                f"This sheet is “{where}” now, so it cannot be finalized; nothing was recorded."
            ) from None
        return Finalized(
            outbox_id, recorded, computed, sheet.override is not None, check.feedback_findings
        )

    def standing(self, assignment_id: str) -> Standing:
        store = self.store
        assignment = store.assignments.get(assignment_id)
        if assignment is None:
            raise NotFoundError(f"no assignment {assignment_id!r} on this computer")
        return Standing(
            assignment,
            store.assignments.local_state(assignment_id),
            store.assignments.is_revoked(assignment_id),
        )

    def reopen(self, assignment_id: str) -> None:
        """Take a finalized decision off the upload queue; ReopenRefused says why not
        when the hub already has it, withdrew the assignment, or the upload is under way."""
        standing = self.standing(assignment_id)
        if standing.revoked:
            raise ReopenRefused("The hub has withdrawn this assignment, so it cannot be reopened.")
        if standing.state is LocalState.UPLOADED:
            raise ReopenRefused(
                "This decision is already uploaded: the hub already has its decision, so it can "
                "no longer be reopened here. Ask your hub administrator if it must change."
            )
        if standing.state not in REOPENABLE:
            raise ReopenRefused(
                f"This sheet is “{status_word(standing.state)}”, not finalized: there is "
                "nothing to reopen."
            )
        try:
            self.store.decisions.reopen(assignment_id)
        except IllegalTransition:
            raise ReopenRefused(
                "This decision is being uploaded right now, so it cannot be reopened. "
                "Look again when the sync has ended."
            ) from None


def _stored_verdict(store: Store, assignment_id: str) -> BackreadVerdict | None:
    stored = store.verdicts.get(assignment_id)
    return None if stored is None else stored.verdict


class _NoReads:
    """An adjudication whose two reads have not reached this computer yet."""


NO_READS = _NoReads()


def _levels(read: ReadOut) -> dict[str, str | None]:
    return {c.criterion_id: c.level_id for c in read.criteria}


def adjudication_problems(
    sheet: ScoreSheet, credential: Credential, reads: ReadsOut | _NoReads
) -> tuple[Problem, ...]:
    """What stops an adjudicator's final sheet: a criterion whose level differs from both
    reads needs a rationale (``domain.adjudication``, the rule the hub applies too)."""
    if isinstance(reads, _NoReads) or len(reads.reads) < 2:
        return (
            Problem(
                ProblemCode.ADJUDICATION_RATIONALE_REQUIRED,
                "The two reads of this submission are not on this computer yet: sync, "
                "then finalize.",
            ),
        )
    # An unscored criterion is "no level yet", a problem of its own, not a disagreement.
    final = {cid: s.level_id for cid, s in sheet.scores.items() if s.level_id is not None}
    needing = set(
        criteria_needing_rationale(final, _levels(reads.reads[0]), _levels(reads.reads[1]))
    )
    return tuple(
        Problem(
            ProblemCode.ADJUDICATION_RATIONALE_REQUIRED,
            f"“{criterion.title}”: your level differs from both reads, so say why in "
            "its rationale.",
            criterion.id,
        )
        for criterion in credential.rubric.criteria
        if criterion.id in needing and not sheet.score(criterion.id).rationale.strip()
    )


class Finalized(NamedTuple):
    """What finalize recorded: the upload entry, the decision and the rubric's own result
    (``computed``), whether the decision is the assessor's own (``overridden``), and the
    feedback findings it was finalized over."""

    outbox_id: int
    decision: Decision
    computed: Decision | None
    overridden: bool
    feedback_findings: tuple[FeedbackFinding, ...]


class FinalizeRefused(Exception):
    def __init__(self, check: FinalizeCheck) -> None:
        self.check = check
        problems = "; ".join(p.message for p in check.evaluation.problems) or "no decision yet"
        super().__init__(f"This sheet cannot be finalized yet: {problems}")


class FinalizeStopped(Exception):
    """The store would not record the decision: the sheet is no longer editable (a sync
    uploaded it, the hub withdrew it) or was edited after it was checked. Nothing was
    recorded; the message says why, in the assessor's words."""


class FeedbackQualityRefused(FinalizeRefused):
    """The feedback check has findings and the assessor gave no reason to go ahead."""

    def __init__(self, check: FinalizeCheck) -> None:
        self.check = check
        findings = "; ".join(f.message for f in check.feedback_findings)
        # Not FinalizeRefused's message: that one lists blocking problems, and there are none.
        Exception.__init__(
            self,
            f"Look at the feedback again, or finalize with a reason: {findings}",
        )
