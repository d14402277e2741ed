"""Calibration in the app against a real hub on 127.0.0.1: a facilitator (fay), two
participants (ann, bob), a keyed and an unkeyed submission of the support credential,
each person with a real profile (store, secrets in the test keyring, vault), syncing and
uploading through the real sync engine.

``Scene`` walks the usual story one step at a time so each test stops where it needs to:
open a session, sync, score blind and upload, reveal, agree a consensus.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, real_hub  # noqa: F401

from assessor_app.domain import AssignmentKind
from assessor_app.domain.assignment_state import LocalState
from assessor_app.protocol.calibration import ConsensusEntry
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.calibration import CalibrationService, SessionView
from assessor_app.services.scoring import ScoringService
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.engine import SyncEngine

SESSION_TITLE = "Autumn moderation: wait time"
MASTER_RATIONALE_WAIT = "The teacher waits about four seconds after every open question."
MASTER_RATIONALE_REFLECTION = "The reflection describes the lesson but not the students' answers."
CONSENSUS_NOTE = "Agreed after replaying minute two: the pauses are long enough."
DISCUSSION_NOTES = "We disagreed on wait time; the clip's second half settled it."

# ann and bob score the keyed item differently on the first criterion.
ANN_LEVELS = {"keyed": {"c1-wait": "proficient", "c2-reflection": "proficient"}}
BOB_LEVELS = {"keyed": {"c1-wait": "beginning", "c2-reflection": "proficient"}}
# Long and specific enough for the feedback check of a Not Yet; names both criteria.
FEEDBACK = (
    "Wait after the question: in the clip you pause for about two seconds after the hinge "
    "question, and the same three students answer each time. Reflection on student thinking: "
    "say what the quieter students said once you waited longer, and how that changed your "
    "next question."
)
PLAIN_LEVELS = {"c1-wait": "proficient", "c2-reflection": "proficient"}
# Whose submissions the items are: calibration names items by credential and pseudonym.
KEYED_EDUCATOR = "E-7041"
PLAIN_EDUCATOR = "E-7052"
KEYED_ITEM = f"Wait time after questions · Educator {KEYED_EDUCATOR}"


def fast_client(base_url: str, token: str | None = None, **options: object) -> HubClient:
    """A HubClient whose retries back off in milliseconds, so offline paths stay quick."""
    settings: dict[str, object] = {
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_retries": 1,
        "timeout": Timeouts(connect=5, read=10, write=10, pool=5),
    }
    settings.update(options)
    return HubClient(base_url, token, **settings)  # type: ignore[arg-type]


def import_keyed_submission(hub: RunningHub, *, keyed: bool) -> str:
    """A submission of the support credential, with master scores when ``keyed``."""
    folder = hub.data_dir / "imports" / f"calib-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    (folder / "reflection.txt").write_text("I waited; more hands went up.\n", encoding="utf-8")
    lines = [
        f"credential: {CREDENTIAL_ID}",
        "attempt: 1",
        f"educator_pseudonym: {KEYED_EDUCATOR if keyed else PLAIN_EDUCATOR}",
        "artifacts:",
        "  - {file: reflection.txt, title: Reflection}",
    ]
    if keyed:
        lines += [
            "calibration_key:",
            "  decision: not_yet",
            "  criteria:",
            f'    c1-wait: {{level: proficient, rationale: "{MASTER_RATIONALE_WAIT}"}}',
            f'    c2-reflection: {{level: beginning, rationale: "{MASTER_RATIONALE_REFLECTION}"}}',
        ]
    (folder / "submission.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return hub.admin.import_submission(folder)


def sync(person: ProfileSession) -> None:
    with person.client() as client:
        report = SyncEngine(person.store, person.vault, client, client_factory=person.client).run()
    assert not report.problems, report.problems


def score_and_finalize(person: ProfileSession, assignment_id: str, levels: dict[str, str]) -> None:
    scoring = ScoringService(person.store)
    for criterion_id, level_id in levels.items():
        scoring.set_level(assignment_id, criterion_id, level_id)
    scoring.set_feedback(assignment_id, FEEDBACK)
    scoring.finalize(assignment_id)


@dataclass
class Scene:
    hub: RunningHub
    keyed_submission: str
    plain_submission: str
    people: dict[str, ProfileSession] = field(default_factory=dict)
    session_id: str = ""

    def person(self, username: str) -> ProfileSession:
        if username not in self.people:
            self.people[username] = sign_in(
                self.hub.base_url, username, PASSWORD, client_factory=fast_client
            )
        return self.people[username]

    def service(self, username: str) -> CalibrationService:
        return CalibrationService.for_session(self.person(username))

    def open_session(self) -> SessionView:
        view = self.service("fay").create_session(
            SESSION_TITLE,
            CREDENTIAL_ID,
            [self.keyed_submission, self.plain_submission],
            ["ann", "bob"],
        )
        self.session_id = view.detail.id
        return view

    def assignment(self, username: str, submission_id: str) -> str:
        person = self.person(username)
        for item in person.store.assignments.queue():
            if item.assignment.submission_id == submission_id:
                assert item.assignment.kind is AssignmentKind.CALIBRATION
                return item.assignment.id
        raise AssertionError(f"{username} has no assignment for {submission_id}")

    def score(self, username: str, levels: dict[str, dict[str, str]]) -> None:
        """Sync, score both items blind, finalize and upload."""
        person = self.person(username)
        sync(person)
        keyed = self.assignment(username, self.keyed_submission)
        plain = self.assignment(username, self.plain_submission)
        score_and_finalize(person, keyed, levels["keyed"])
        score_and_finalize(person, plain, PLAIN_LEVELS)
        sync(person)
        assert person.store.assignments.local_state(keyed) is LocalState.UPLOADED

    def agree(self) -> SessionView:
        return self.service("fay").save_consensus(
            self.session_id,
            [
                ConsensusEntry(
                    submission_id=self.keyed_submission,
                    criterion_id="c1-wait",
                    level_id="proficient",
                    note=CONSENSUS_NOTE,
                )
            ],
            DISCUSSION_NOTES,
        )

    def close(self) -> None:
        for person in self.people.values():
            person.close()


@pytest.fixture
def scene(real_hub: RunningHub) -> Iterator[Scene]:  # noqa: F811
    real_hub.add_assessor("ann")
    real_hub.add_assessor("bob")
    real_hub.admin.add_assessor("fay", PASSWORD, display_name="Fay", roles=("facilitator",))
    built = Scene(
        real_hub,
        import_keyed_submission(real_hub, keyed=True),
        import_keyed_submission(real_hub, keyed=False),
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def scored(scene: Scene) -> Scene:
    """A session both participants have scored and uploaded (so no longer blind)."""
    scene.open_session()
    scene.score("ann", ANN_LEVELS)
    scene.score("bob", BOB_LEVELS)
    return scene


@pytest.fixture
def unreachable_port() -> Iterator[int]:
    """A port nothing listens on (bound, never listening, closed at the end)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def offline_service(person: ProfileSession, port: int) -> CalibrationService:
    """The person's calibration service pointed at a hub that does not answer."""
    token = person.secrets.get_token()
    return CalibrationService(
        person.store,
        lambda: fast_client(f"http://127.0.0.1:{port}", token),
        person.profile.username,
    )


def pdf_text(path: Path) -> str:
    import subprocess

    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return result.stdout
