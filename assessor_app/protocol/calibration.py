"""Wire schemas of the calibration API (``/api/v1/calibration/...`` and
``/api/v1/assignments/{id}/key``), shared by the hub and the desktop client.

The blind rule lives in the shapes as much as in the hub: a session's detail says who has
submitted, never what; levels appear only in ``SessionResults`` (served once the session is
revealed or every participant has submitted) and in ``AssignmentKey`` (served once the
caller's own decision for that assignment has reached the hub).

Statistics in ``AgreementStatistics`` are computed by the hub
(``assessor_app.hub.calibration.agreement``) on level *ranks* (0 = a criterion's lowest
level), one rating per participant per unit:

- per criterion the units are the session's submissions; overall they are every
  (submission, criterion) pair;
- ``exact_agreement`` / ``adjacent_agreement``: mean over participant pairs of
  ``percent_agreement(a, b, tolerance=0 / 1)`` on the units both rated;
- ``cohen_kappa`` / ``cohen_kappa_quadratic``: mean over participant pairs of
  ``cohen_kappa(a, b, weights=None / "quadratic", labels=range(n_levels))`` on the units
  both rated (``n_levels``: the criterion's level count; overall the largest one);
- ``fleiss_kappa``: ``fleiss_kappa`` over the units every participant rated;
- ``krippendorff_alpha``: ``krippendorff_alpha(participants x units, level="ordinal")``,
  NaN for a missing rating;
- ``n_ratings``: the number of levels chosen;
- ``n_items``: the units at least two participants rated (None from a hub that predates
  it).
A statistic with no data to compute it from (fewer than two raters on any unit, NaN) is
``None``: JSON has no NaN. So is one with fewer items than it needs
(``MINIMUM_ITEMS`` in ``assessor_app.domain.agreement``).

``calibration_status`` of ``/me`` (a plain string there, so older clients keep working)
takes one of ``OVERALL_STATUSES``: ``"none"`` (no calibration work; what the issue calls
not started), ``"in_progress"`` (keyed items still to score, or unkeyed calibration work
open), ``"completed"`` (every calibration assignment decided, none of it keyed, so nothing
to qualify against), ``"qualified"`` / ``"not_qualified"`` (every keyed item decided; all
credentials meet their rules / at least one does not). Per credential,
``GET /api/v1/calibration/qualification`` answers with ``CREDENTIAL_STATUSES``:
``"not_started"``, ``"in_progress"``, ``"qualified"``, ``"not_qualified"``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from assessor_app.domain.decision import Decision

__all__ = [
    "CREDENTIAL_STATUSES",
    "OVERALL_STATUSES",
    "AgreementStatistics",
    "AssignmentKey",
    "CalibrationStatus",
    "ConsensusEntry",
    "ConsensusUpdate",
    "CredentialQualification",
    "CredentialStatus",
    "CriterionAgreement",
    "CriterionResult",
    "CriterionStatistics",
    "ItemResult",
    "KeyCriterion",
    "KeySummary",
    "QualificationList",
    "QualificationRules",
    "SessionCreate",
    "SessionDetail",
    "SessionItem",
    "SessionList",
    "SessionParticipant",
    "SessionResults",
    "SessionState",
    "SessionStatistics",
    "SessionSummary",
]

SessionState = Literal["open", "revealed", "closed"]
CalibrationStatus = Literal["none", "in_progress", "completed", "qualified", "not_qualified"]
CredentialStatus = Literal["not_started", "in_progress", "qualified", "not_qualified"]
OVERALL_STATUSES: tuple[str, ...] = (
    "none",
    "in_progress",
    "completed",
    "qualified",
    "not_qualified",
)
CREDENTIAL_STATUSES: tuple[str, ...] = ("not_started", "in_progress", "qualified", "not_qualified")

Identifier = Annotated[str, Field(min_length=1, max_length=64)]
Username = Annotated[str, Field(min_length=1, max_length=100)]
Note = Annotated[str, Field(max_length=20_000)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionCreate(_Wire):
    """``POST /calibration/sessions``: the caller (a facilitator) facilitates."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    credential_id: Identifier
    submission_ids: Annotated[list[Identifier], Field(min_length=1, max_length=50)]
    participants: Annotated[list[Username], Field(min_length=1, max_length=100)]


class SessionItem(_Wire):
    """One submission of a session. ``assignment_id`` is the caller's own calibration
    assignment for it (None when the caller facilitates without scoring); ``keyed`` says
    whether the submission has master scores; ``educator_pseudonym`` and ``attempt`` name
    it for people (empty from a hub that predates them)."""

    submission_id: str
    assignment_id: str | None = None
    keyed: bool = False
    educator_pseudonym: str = ""
    attempt: int | None = None


class SessionParticipant(_Wire):
    """``submitted``: every item of the session has this participant's decision on the hub;
    ``submitted_items`` counts the items decided so far; ``undecided`` names the items
    (submission ids) still without a decision, which a reveal withdraws. Never what was
    scored."""

    username: str
    display_name: str
    submitted: bool
    submitted_items: int
    undecided: list[str] = []


class SessionSummary(_Wire):
    id: str
    title: str
    credential_id: str
    state: SessionState
    facilitator: str
    created_at: datetime
    revealed_at: datetime | None = None
    item_count: int
    participant_count: int
    submitted_count: int


class SessionList(_Wire):
    """A page of the caller's sessions, newest first; pass ``next_cursor`` back as
    ``cursor`` for the next page (None: this is the last page)."""

    items: list[SessionSummary]
    next_cursor: str | None = None


class SessionDetail(_Wire):
    id: str
    title: str
    credential_id: str
    credential_version: int
    credential_title: str = ""
    state: SessionState
    facilitator: str
    created_at: datetime
    revealed_at: datetime | None = None
    closed_at: datetime | None = None
    items: list[SessionItem]
    participants: list[SessionParticipant]


class CriterionResult(_Wire):
    """One row of the matrix: each participant's level (None: not scored or not submitted).
    ``disagreement``: the participants who chose a level did not all choose the same one."""

    criterion_id: str
    levels: dict[str, str | None]
    master_level: str | None = None
    disagreement: bool


class ItemResult(_Wire):
    submission_id: str
    decisions: dict[str, Decision | None]
    master_decision: Decision | None = None
    criteria: list[CriterionResult]


class AgreementStatistics(_Wire):
    exact_agreement: float | None = None
    adjacent_agreement: float | None = None
    cohen_kappa: float | None = None
    cohen_kappa_quadratic: float | None = None
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = None
    n_ratings: int = 0
    n_items: int | None = None


class CriterionStatistics(AgreementStatistics):
    criterion_id: str


class SessionStatistics(_Wire):
    per_criterion: list[CriterionStatistics]
    overall: AgreementStatistics


class ConsensusEntry(_Wire):
    """The level the group agreed for one criterion of one submission, with why."""

    submission_id: Identifier
    criterion_id: Identifier
    level_id: Identifier
    note: Note = ""


class ConsensusUpdate(_Wire):
    """``PUT /calibration/sessions/{id}/consensus``: replaces the whole consensus."""

    items: Annotated[list[ConsensusEntry], Field(max_length=1_500)] = Field(default_factory=list)
    notes: Note = ""


class SessionResults(_Wire):
    """``participants`` lists the matrix columns (usernames) in session order."""

    session_id: str
    state: SessionState
    participants: list[SessionParticipant]
    items: list[ItemResult]
    statistics: SessionStatistics
    consensus: list[ConsensusEntry]
    notes: str = ""


class KeyCriterion(_Wire):
    criterion_id: str
    level_id: str
    rationale: str = ""


class CriterionAgreement(_Wire):
    """``distance``: how many levels apart yours and the master's are (None: you chose no
    level for this criterion)."""

    yours: str | None = None
    master: str
    exact: bool
    distance: int | None = None


class KeySummary(_Wire):
    """Shares are over the keyed criteria; a criterion you left unscored counts as missed."""

    exact_share: float
    adjacent_share: float
    same_decision: bool


class AssignmentKey(_Wire):
    """``GET /assignments/{id}/key``: the master scores and how the caller's decision
    compares, criterion by criterion."""

    assignment_id: str
    submission_id: str
    decision: Decision
    your_decision: Decision
    criteria: list[KeyCriterion]
    agreement: dict[str, CriterionAgreement]
    summary: KeySummary


class QualificationRules(_Wire):
    """What an assessor's keyed calibration decisions for one credential must show.

    ``exact_share`` / ``adjacent_share``: minimum share of keyed criteria scored exactly /
    within one level of the master; ``max_distance``: no criterion may be further off than
    this many levels; ``same_decision``: every decision must equal the master decision.
    """

    exact_share: Share = 0.8
    adjacent_share: Share = 0.9
    max_distance: Annotated[int, Field(ge=0, le=20)] = 1
    same_decision: bool = True


class CredentialQualification(_Wire):
    """The caller's standing on one credential's keyed items. The measured values are None
    until a keyed decision exists; ``reasons`` says in words which rules failed."""

    credential_id: str
    status: CredentialStatus
    rules: QualificationRules
    keyed_items: int
    decided_items: int
    exact_share: float | None = None
    adjacent_share: float | None = None
    max_distance: int | None = None
    same_decision: bool | None = None
    reasons: list[str] = Field(default_factory=list)


class QualificationList(_Wire):
    """``GET /calibration/qualification``: one entry per credential the caller has keyed
    calibration work for; ``status`` is the same value ``/me`` reports."""

    status: CalibrationStatus
    items: list[CredentialQualification]
