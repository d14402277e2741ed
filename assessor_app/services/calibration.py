"""Calibration use cases: answer keys after upload, calibration sessions, the personal
drift of agreement with keys, and the calibration report.

Calibration assignments are scored like any other, offline. Once an assessor's decision
for a keyed item has reached the hub, ``fetch_keys`` (run after every sync) fetches its
answer key and keeps it in the store, so the comparison stays visible offline. Sessions
are fetched from the hub when it can be reached; their last seen detail and results are
kept too, and shown (marked as such) when it cannot.

Every call that talks to the hub is synchronous and opens its own client: run it on a
worker thread (the UI's net executor), never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from assessor_app.domain import Credential, Decision
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.calibration_display import (
    STATE_WORDS,
    DriftPoint,
    criterion_order,
    criterion_title,
    describe_distance,
    item_name,
    level_label,
    state_name,
)
from assessor_app.protocol.calibration import (
    AssignmentKey,
    ConsensusEntry,
    ConsensusUpdate,
    CriterionAgreement,
    SessionCreate,
    SessionDetail,
    SessionResults,
    SessionState,
    SessionSummary,
)
from assessor_app.services.account import ProfileSession, SignInRequired
from assessor_app.store import Store
from assessor_app.store.repositories.calibration import CachedKey, CachedSession, CalibrationCache
from assessor_app.sync.calibration_client import CalibrationClient
from assessor_app.sync.client import HubClient
from assessor_app.sync.errors import Conflict, HubUnreachable, NotFound

__all__ = [
    "CalibrationService",
    "KeyComparison",
    "KeyFetchReport",
    "KeyNotReady",
    "KeyRow",
    "NoKey",
    "SessionEntry",
    "SessionListing",
    "SessionUnavailable",
    "SessionView",
]

log = logging.getLogger(__name__)

# A key can exist on the hub only once the decision went up.
_UPLOADED = frozenset({LocalState.UPLOADED.value})
# Calibration assignments the hub said have no key (a setting: a list of ids).


class KeyNotReady(Exception):
    """The hub holds no decision of ours for the assignment yet (HTTP 409)."""


class NoKey(Exception):
    """The calibration assignment has no answer key (e.g. a peer session item)."""


class SessionUnavailable(Exception):
    """The hub cannot be reached and the session was never seen on this computer."""


# -- answer keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    """One criterion of a keyed item: your level beside the key's, and why the key is
    what it is. ``distance`` is signed (your rank minus the key's), None if unscored."""

    criterion_id: str
    title: str
    yours: str
    master: str
    distance: int | None
    master_rationale: str

    @property
    def symbol(self) -> str:
        return describe_distance(self.distance)[0]

    @property
    def words(self) -> str:
        return describe_distance(self.distance)[1]

    @property
    def exact(self) -> bool:
        return self.distance == 0


@dataclass(frozen=True)
class KeyComparison:
    assignment_id: str
    credential_title: str
    # The item as people know it (credential and educator pseudonym, ``item_name``).
    item_name: str
    key: AssignmentKey
    rows: tuple[KeyRow, ...]
    decided_at: datetime
    fetched_at: datetime

    @property
    def exact_share(self) -> float:
        return self.key.summary.exact_share

    @property
    def adjacent_share(self) -> float:
        return self.key.summary.adjacent_share

    @property
    def same_decision(self) -> bool:
        return self.key.summary.same_decision

    def decision_words(self) -> str:
        yours, master = Decision(self.key.your_decision), Decision(self.key.decision)
        mark = "✓ same decision" if yours is master else "✗ different decision"
        return f"Your decision: {yours.label}; the key's: {master.label} ({mark})"

    def drift_point(self) -> DriftPoint:
        return DriftPoint(
            assignment_id=self.assignment_id,
            decided_at=self.decided_at,
            exact_share=self.exact_share,
            adjacent_share=self.adjacent_share,
            label=self.item_name,
        )


@dataclass(frozen=True)
class KeyFetchReport:
    """What ``fetch_keys`` did: keys kept, items whose decision the hub does not have
    yet, items without a key, and failures (id -> message)."""

    fetched: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    unkeyed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


# -- sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionEntry:
    """One line of the session list."""

    id: str
    title: str
    credential_id: str
    state: SessionState
    facilitator: str
    item_count: int
    participant_count: int
    submitted_count: int
    created_at: datetime

    @property
    def state_words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    @property
    def state_name(self) -> str:
        return state_name(self.state)

    @classmethod
    def from_summary(cls, s: SessionSummary) -> SessionEntry:
        return cls(
            s.id,
            s.title,
            s.credential_id,
            s.state,
            s.facilitator,
            s.item_count,
            s.participant_count,
            s.submitted_count,
            s.created_at,
        )

    @classmethod
    def from_detail(cls, d: SessionDetail) -> SessionEntry:
        return cls(
            d.id,
            d.title,
            d.credential_id,
            d.state,
            d.facilitator,
            len(d.items),
            len(d.participants),
            sum(1 for p in d.participants if p.submitted),
            d.created_at,
        )


@dataclass(frozen=True)
class SessionListing:
    entries: list[SessionEntry]
    from_cache: bool


@dataclass(frozen=True)
class SessionView:
    """A session as the assessor may see it now. ``results`` is None while blind;
    ``credential`` is None when its rubric is neither on this computer nor could be read
    from the hub (a facilitator who scores nothing, offline): ids then stand in for titles
    and labels."""

    detail: SessionDetail
    results: SessionResults | None
    credential: Credential | None
    username: str
    fetched_at: datetime
    from_cache: bool = False

    @property
    def is_facilitator(self) -> bool:
        return self.detail.facilitator == self.username

    @property
    def state_words(self) -> str:
        return STATE_WORDS.get(self.detail.state, self.detail.state)

    @property
    def can_reveal(self) -> bool:
        return self.is_facilitator and self.detail.state == "open"

    @property
    def can_edit_consensus(self) -> bool:
        return self.is_facilitator and self.results is not None and self.detail.state != "closed"

    def criterion_ids(self) -> list[str]:
        if self.results is not None:
            seen = (row.criterion_id for item in self.results.items for row in item.criteria)
            return criterion_order(self.credential, seen)
        return [c.id for c in self.credential.rubric.criteria] if self.credential else []

    def criterion_title(self, criterion_id: str) -> str:
        return criterion_title(self.credential, criterion_id)

    def item_name(self, submission_id: str) -> str:
        """The session item as people know it: credential and educator pseudonym."""
        item = next((i for i in self.detail.items if i.submission_id == submission_id), None)
        title = self.detail.credential_title or (self.credential.title if self.credential else "")
        return item_name(
            title,
            item.educator_pseudonym if item else "",
            item.attempt if item else None,
            submission_id,
        )

    def level_label(self, criterion_id: str, level_id: str | None) -> str:
        return level_label(self.credential, criterion_id, level_id)

    def level_choices(self, criterion_id: str) -> list[tuple[str, str]]:
        """(level id, label) a consensus may choose, lowest first. Without the rubric:
        the levels anyone chose, the key's and the consensus's, as seen."""
        criterion = self.credential.rubric.criterion(criterion_id) if self.credential else None
        if criterion is not None:
            return [(lv.id, lv.label) for lv in criterion.levels]
        seen: dict[str, None] = {}
        for item in self.results.items if self.results else []:
            for row in item.criteria:
                if row.criterion_id == criterion_id:
                    for level in [*row.levels.values(), row.master_level]:
                        if level:
                            seen.setdefault(level, None)
        for entry in self.results.consensus if self.results else []:
            if entry.criterion_id == criterion_id:
                seen.setdefault(entry.level_id, None)
        return [(level, level) for level in seen]


# -- the service -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


class CalibrationService:
    """Calibration for one open profile. ``client_factory`` makes a signed-in hub
    client (``ProfileSession.client``); the service closes each client it makes. Without
    one the service works on what is kept here only, and hub calls raise
    ``SignInRequired``."""

    def __init__(
        self,
        store: Store,
        client_factory: Callable[[], HubClient] | None,
        username: str,
        *,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.cache = CalibrationCache(store.database)
        self._client_factory = client_factory
        self.username = username
        self._now = now
        # Rubrics read from the hub for sessions whose submissions this profile does not
        # hold (a facilitator who scores nothing), by (credential id, version). Kept in
        # memory only: storing the submission would queue its evidence for download.
        self._rubrics: dict[tuple[str, int], Credential] = {}

    @classmethod
    def for_session(cls, session: ProfileSession) -> CalibrationService:
        return cls(session.store, session.client, session.profile.username)

    @contextmanager
    def _hub(self) -> Iterator[CalibrationClient]:
        if self._client_factory is None:
            raise SignInRequired("Sign in to the hub to fetch calibration results.")
        client = self._client_factory()
        try:
            yield CalibrationClient(client)
        finally:
            client.close()

    # -- keys ----------------------------------------------------------------------------

    def fetch_key(self, assignment_id: str) -> KeyComparison:
        """Fetch, keep and compare the key of one uploaded calibration assignment.
        Raises KeyNotReady (our decision is not on the hub yet), NoKey, or a hub error."""
        with self._hub() as hub:
            try:
                key = hub.key(assignment_id)
            except Conflict as exc:
                raise KeyNotReady(str(exc)) from None
            except NotFound as exc:
                raise NoKey(str(exc)) from None
        self.cache.put_key(assignment_id, key.model_dump(mode="json"), self._now())
        comparison = self.comparison(assignment_id)
        assert comparison is not None  # just kept
        return comparison

    def fetch_keys(self) -> KeyFetchReport:
        """Fetch the keys of every uploaded calibration assignment that has none here.
        One failing item does not stop the others; an unreachable hub does."""
        report = KeyFetchReport()
        unkeyed = self.store.settings.calibration_unkeyed()
        todo = [
            a for a in self.cache.calibration_assignments_without_key(_UPLOADED) if a not in unkeyed
        ]
        if not todo:
            return report
        with self._hub() as hub:
            for assignment_id in todo:
                try:
                    key = hub.key(assignment_id)
                except Conflict:
                    report.waiting.append(assignment_id)
                    continue
                except NotFound:
                    # Peer-session items have no key, now or later: do not ask again.
                    report.unkeyed.append(assignment_id)
                    unkeyed.add(assignment_id)
                    self.store.settings.set_calibration_unkeyed(unkeyed)
                    continue
                except HubUnreachable:
                    raise
                except Exception as exc:  # a malformed key must not hide the others
                    log.warning("key of %s not fetched: %s", assignment_id, type(exc).__name__)
                    report.failed[assignment_id] = str(exc)
                    continue
                self.cache.put_key(assignment_id, key.model_dump(mode="json"), self._now())
                report.fetched.append(assignment_id)
        return report

    def comparison(self, assignment_id: str) -> KeyComparison | None:
        """The kept key of an assignment compared with the sheet: works offline."""
        cached = self.cache.key(assignment_id)
        return None if cached is None else self._compare(cached)

    def comparisons(self) -> list[KeyComparison]:
        """Every kept key, in the order the items were decided."""
        out = [c for cached in self.cache.all_keys() if (c := self._compare(cached)) is not None]
        return sorted(out, key=lambda c: (c.decided_at, c.assignment_id))

    def drift(self) -> list[DriftPoint]:
        """The assessor's agreement with keys over time, oldest decision first."""
        return [c.drift_point() for c in self.comparisons()]

    def _compare(self, cached: CachedKey) -> KeyComparison | None:
        try:
            key = AssignmentKey.model_validate(cached.payload)
        except ValidationError:
            log.warning(
                "kept key of %s is unreadable; it will be fetched again", cached.assignment_id
            )
            return None
        loaded = self.store.submissions.load_for_assignment(cached.assignment_id)
        submission, credential = loaded if loaded else (None, None)
        decided = self.store.decisions.latest(cached.assignment_id)
        rows: list[KeyRow] = []
        order = (
            [c.id for c in credential.rubric.criteria]
            if credential
            else [k.criterion_id for k in key.criteria]
        )
        master_by_id = {k.criterion_id: k for k in key.criteria}
        for criterion_id in order:
            master = master_by_id.get(criterion_id)
            if master is None:
                continue
            agreement = key.agreement.get(criterion_id)
            yours = agreement.yours if agreement else None
            rows.append(
                KeyRow(
                    criterion_id=criterion_id,
                    title=criterion_title(credential, criterion_id),
                    yours=level_label(credential, criterion_id, yours),
                    master=level_label(credential, criterion_id, master.level_id),
                    distance=_signed_distance(
                        credential, criterion_id, yours, master.level_id, agreement
                    ),
                    master_rationale=master.rationale,
                )
            )
        return KeyComparison(
            assignment_id=cached.assignment_id,
            credential_title=credential.title if credential else "",
            item_name=item_name(
                credential.title if credential else "",
                submission.educator_pseudonym if submission else "",
                submission.attempt if submission else None,
                key.submission_id,
            ),
            key=key,
            rows=tuple(rows),
            decided_at=decided.finalized_at if decided else cached.fetched_at,
            fetched_at=cached.fetched_at,
        )

    # -- sessions ------------------------------------------------------------------------

    def sessions(self) -> SessionListing:
        """The caller's sessions from the hub, newest first; the ones seen before when the
        hub cannot be reached."""
        try:
            with self._hub() as hub:
                return SessionListing([SessionEntry.from_summary(s) for s in hub.sessions()], False)
        except HubUnreachable:
            cached = [
                SessionEntry.from_detail(d)
                for c in self.cache.sessions()
                if (d := _detail(c)) is not None
            ]
            cached.sort(key=lambda e: e.created_at, reverse=True)
            return SessionListing(cached, True)

    def session(self, session_id: str) -> SessionView:
        """The session with its results when they are no longer blind. Falls back to the
        last one seen (``from_cache``) when the hub cannot be reached."""
        try:
            with self._hub() as hub:
                detail = hub.session(session_id)
                results = self._results(hub, detail)
                self._fetch_rubric(hub, detail)
        except HubUnreachable:
            view = self.cached_session(session_id)
            if view is None:
                raise SessionUnavailable(
                    f"The hub cannot be reached and session {session_id} has not been opened "
                    "on this computer before. Try again when you are online."
                ) from None
            return view
        return self._keep(detail, results)

    def cached_session(self, session_id: str) -> SessionView | None:
        cached = self.cache.session(session_id)
        detail = _detail(cached) if cached else None
        if cached is None or detail is None:
            return None
        results = None
        if cached.results is not None:
            try:
                results = SessionResults.model_validate(cached.results)
            except ValidationError:
                results = None
        return SessionView(
            detail,
            results,
            self._credential(detail),
            self.username,
            cached.fetched_at,
            from_cache=True,
        )

    def create_session(
        self, title: str, credential_id: str, submission_ids: list[str], participants: list[str]
    ) -> SessionView:
        body = SessionCreate(
            title=title,
            credential_id=credential_id,
            submission_ids=submission_ids,
            participants=participants,
        )
        with self._hub() as hub:
            detail = hub.create_session(body)
            self._fetch_rubric(hub, detail)
        return self._keep(detail, None)

    def reveal(self, session_id: str) -> SessionView:
        """Show the results to everyone (the facilitator's call)."""
        with self._hub() as hub:
            detail = hub.reveal(session_id)
            results = self._results(hub, detail)
            self._fetch_rubric(hub, detail)
        return self._keep(detail, results)

    def save_consensus(
        self, session_id: str, entries: list[ConsensusEntry], notes: str
    ) -> SessionView:
        """Replace the consensus and the discussion notes (the facilitator's call)."""
        update = ConsensusUpdate(items=entries, notes=notes)
        with self._hub() as hub:
            results = hub.put_consensus(session_id, update)
            detail = hub.session(session_id)
            self._fetch_rubric(hub, detail)
        return self._keep(detail, results)

    def _results(self, hub: CalibrationClient, detail: SessionDetail) -> SessionResults | None:
        if detail.state == "open" and not all(p.submitted for p in detail.participants):
            return None
        try:
            return hub.results(detail.id)
        except Conflict:
            return None

    def _keep(self, detail: SessionDetail, results: SessionResults | None) -> SessionView:
        now = self._now()
        self.cache.put_session(
            detail.id,
            detail.model_dump(mode="json"),
            results.model_dump(mode="json") if results else None,
            now,
        )
        if results is None:
            # Results once seen stay visible (a session never becomes blind again).
            cached = self.cache.session(detail.id)
            if cached and cached.results:
                results = SessionResults.model_validate(cached.results)
        return SessionView(detail, results, self._credential(detail), self.username, now)

    def _credential(self, detail: SessionDetail) -> Credential | None:
        key = (detail.credential_id, detail.credential_version)
        return self.store.submissions.credential(*key) or self._rubrics.get(key)

    def _fetch_rubric(self, hub: CalibrationClient, detail: SessionDetail) -> None:
        """Read the session's rubric from one of its submissions when this profile holds
        it nowhere: the hub serves a session's submissions to its facilitator."""
        key = (detail.credential_id, detail.credential_version)
        if key in self._rubrics or self.store.submissions.credential(*key) is not None:
            return
        for item in detail.items:
            try:
                credential = hub.client.submission(item.submission_id).credential
            except NotFound:
                continue  # neither assigned nor facilitating this one; try the next
            if (credential.id, credential.version) == key:
                self._rubrics[key] = credential.to_domain()
                return

    # -- report --------------------------------------------------------------------------

    def write_report(
        self, session_id: str, out: Path, *, view: SessionView | None = None, drift: bool = True
    ) -> SessionView:
        """Write the calibration report of a session (fetched now unless ``view`` is
        given) with the assessor's drift chart; returns the view it was made from."""
        # Imported here: the calibration views import this module, and reportlab (87
        # modules) should load only when someone asks for a report.
        from assessor_app.reports.calibration_report import build_calibration_report

        view = view or self.session(session_id)
        build_calibration_report(
            out,
            detail=view.detail,
            results=view.results,
            credential=view.credential,
            generated_at=self._now(),
            drift=self.drift() if drift else (),
        )
        return view


def _detail(cached: CachedSession) -> SessionDetail | None:
    try:
        return SessionDetail.model_validate(cached.detail)
    except ValidationError:
        return None


def _signed_distance(
    credential: Credential | None,
    criterion_id: str,
    yours: str | None,
    master: str,
    agreement: CriterionAgreement | None,
) -> int | None:
    if yours is None:
        return None
    criterion = credential.rubric.criterion(criterion_id) if credential else None
    if criterion is not None:
        mine, theirs = criterion.level_index(yours), criterion.level_index(master)
        if mine is not None and theirs is not None:
            return mine - theirs
    # Without the rubric only the hub's unsigned distance is known.
    return agreement.distance if agreement else None
