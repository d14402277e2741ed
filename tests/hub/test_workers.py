"""Several hub processes on one PostgreSQL database: ``serve --workers N`` and hubs started
side by side. Real ``assessor-hub serve`` processes, real HTTP, requests raced from threads.

- migrations run once when hubs start together on an empty database;
- with ``--workers 2`` a token works with both workers, and the Prometheus counts of both
  add up on one scrape, a killed (and replaced) worker's too;
- between two hub processes (each request sent to one of them at the same moment): one
  decision per Idempotency-Key, one decision per assignment, one credential per Pass
  (uploaded or approved), one reveal per calibration session, one sign-in throttle, and a
  delta reader that loses no change;
- a single worker ignores an inherited ``PROMETHEUS_MULTIPROC_DIR``;
- ``--threads`` bounds the requests a process works on at once: the next one waits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from support.serve import ServeProcess, started

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.badges.signing import ProofFormat
from assessor_app.hub.calibration import admin as calibration_admin
from assessor_app.hub.calibration.models import CalibrationSession
from assessor_app.hub.cli import main as hub_main
from assessor_app.hub.config import HubSettings, ServeArtifacts
from assessor_app.hub.db import AssignmentRow, DecisionRow, User
from assessor_app.hub.migrate import alembic_config
from assessor_app.hub.signin_throttle import SigninThrottle
from assessor_app.hub.storage import S3Location
from assessor_app.hub.workers import settings_json, settings_of
from assessor_app.hub.workflow.models import IssuedCredential
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    PASSWORD,
    PostgresCluster,
    make_submission_folder,
)

METRICS_TOKEN = "metrics-token-0123456789abcdef"
ME_ROUTE = "/api/v1/me"
KEY_PASS = (
    "{decision: pass, criteria: {c1-wait: {level: proficient, rationale: Waits five seconds.},"
    " c2-reflection: {level: proficient, rationale: Links answers to waiting.}}}"
)


def passing(note: str = "Waited four seconds after each open question.") -> dict[str, Any]:
    return {
        "decision": "pass",
        "criteria": [
            {"criterion_id": "c1-wait", "level_id": "proficient", "rationale": note},
            {"criterion_id": "c2-reflection", "level_id": "proficient"},
        ],
        "feedback": "Strong use of wait time.",
        "scored_at": "2025-03-01T10:00:00Z",
    }


@contextmanager
def serving(
    data_dir: Path,
    db_url: str,
    *options: str,
    count: int = 1,
    environment: dict[str, str] | None = None,
) -> Iterator[list[ServeProcess]]:
    """``count`` serve processes on ``db_url`` started at once (not waited for)."""
    settings = HubSettings.from_data_dir(data_dir, db_url=db_url)
    with started(settings, *options, count=count, environment=environment) as hubs:
        yield hubs


def race(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Each call on its own thread, released together."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def sign_in(base_url: str, username: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def client(base_url: str, token: str) -> httpx.Client:
    """A client already connected (a first request made), so a raced request goes out at once."""
    c = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert c.get("/api/v1/me").status_code == 200
    return c


def put_decision(
    c: httpx.Client, assignment: str, key: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return c.put(
        f"/api/v1/assignments/{assignment}/decision",
        json=body or passing(),
        headers={"Idempotency-Key": key, "If-Match": '"1"'},
    )


@pytest.fixture
def empty_database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    with postgres_cluster.database(f"hub_empty_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.fixture
def migrated_database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    yield from _database(postgres_cluster)


def _database(cluster: PostgresCluster) -> Iterator[str]:
    with cluster.database(f"hub_workers_{uuid.uuid4().hex[:12]}", "hub_template") as url:
        yield url


def test_settings_reach_the_workers_whole() -> None:
    settings = HubSettings(
        data_dir=Path("/srv/hub"),
        db_url="postgresql+psycopg://hub:secret@db.internal/hub",
        storage_dir=Path("/srv/hub/blobs"),
        token_ttl=timedelta(hours=3, seconds=1),
        signin_throttle=SigninThrottle(window=timedelta(minutes=7), max_failures=3),
        max_body_bytes=12345,
        body_idle_seconds=7.5,
        proof=ProofFormat.EDDSA,
        metrics_token=METRICS_TOKEN,
        object_store=S3Location("evidence", "programme/2026"),
        s3_endpoint="http://127.0.0.1:9000",
        serve_artifacts=ServeArtifacts.PROXY,
        presign_seconds=60,
        threads=3,
    )
    assert settings_of(settings_json(settings, docs=True)) == (settings, True)
    plain = HubSettings.from_data_dir(Path("/srv/hub"))
    assert settings_of(settings_json(plain, docs=False)) == (plain, False)


def test_several_workers_are_refused_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = hub_main(["--data-dir", str(tmp_path / "hub"), "serve", "--workers", "2"])
    assert status == 1
    error = capsys.readouterr().err
    assert "--workers 2 needs PostgreSQL" in error
    assert "Run one worker on SQLite" in error
    assert not (tmp_path / "hub" / "hub.sqlite3").exists()  # refused before touching anything


@pytest.mark.parametrize(
    ("option", "refusal"),
    [
        ("--workers", "is not a worker count from 1 to 64"),
        ("--threads", "is not a number of requests at once from 1 to 64"),
    ],
)
@pytest.mark.parametrize("count", ["0", "-1", "two", "65", "\u0663"])
def test_worker_and_thread_counts_are_whole_numbers_from_1_to_64(
    option: str, refusal: str, count: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        hub_main(["--data-dir", str(tmp_path / "hub"), "serve", option, count])
    assert ended.value.code == 2
    assert refusal in capsys.readouterr().err


def test_one_worker_counts_only_its_own_run_whatever_the_environment(tmp_path: Path) -> None:
    # An inherited PROMETHEUS_MULTIPROC_DIR (gunicorn set-ups name one) holding an earlier
    # run's figures: 500 answers to /healthz.
    stale = tmp_path / "stale-metrics"
    stale.mkdir()
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(stale)}
    earlier = (
        "from assessor_app.hub.operations import HubMetrics\n"
        "m = HubMetrics()\n"
        "for _ in range(500): m.observe('GET', '/healthz', 200, 0.001, 0)\n"
    )
    subprocess.run([sys.executable, "-c", earlier], env=environment, check=True)
    assert list(stale.glob("*.db"))
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN)
    with serving(
        tmp_path / "hub",
        f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "--metrics-token-file",
        str(token_file),
        environment=environment,
    ) as (hub,):
        hub.wait_ready()
        for _ in range(3):
            assert httpx.get(f"{hub.base_url}/healthz").status_code == 200
        scraped = httpx.get(
            f"{hub.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    counts = [
        sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
        if sample.name == "assessor_hub_request_duration_seconds_count"
        and sample.labels.get("route") == "/healthz"
    ]
    assert counts == [3]


@pytest.mark.postgres
def test_migrations_run_once_when_hubs_start_together(tmp_path: Path, empty_database: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with serving(tmp_path / "hub", empty_database, count=3) as hubs:
        for hub in hubs:
            hub.wait_ready()
        said = [h.output() for h in hubs]
    # The first took the advisory lock and migrated; the others waited and found it done
    # (without the lock, two would create the same tables and one would fail).
    assert sum(f"Migrated the database from nothing to {head}." in out for out in said) == 1, said
    with psycopg.connect(empty_database.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


@pytest.mark.postgres
def test_workers_share_tokens_and_their_metrics_add_up_even_after_one_is_killed(
    tmp_path: Path, migrated_database: str
) -> None:
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN)
    data_dir = tmp_path / "hub"
    with HubAdmin(HubSettings.from_data_dir(data_dir, db_url=migrated_database)) as admin:
        admin.add_assessor("ann", PASSWORD, "Ann Example")
    options = ("--workers", "2", "--metrics-token-file", str(token_file))
    with serving(data_dir, migrated_database, *options) as (hub,):
        hub.wait_ready()
        # Signed in through one worker; the token is good with both.
        me = {"Authorization": f"Bearer {sign_in(hub.base_url, 'ann')}"}

        def ask_me(_: int) -> int:
            return httpx.get(f"{hub.base_url}/api/v1/me", headers=me).status_code

        def send_until_answered_by(wanted: Callable[[set[int]], bool], sent: int) -> int:
            """Rounds of fresh connections from several threads at once (the kernel hands
            each to whichever worker accepts it first) until the pids that answered satisfy
            ``wanted``; returns the number sent in all."""
            for _ in range(20):
                with ThreadPoolExecutor(8) as pool:
                    assert list(pool.map(ask_me, range(40))) == [200] * 40
                sent += 40
                # A request is counted, then its access line written, once its answer is out.
                _wait_for(partial(_me_lines_reach, hub, sent), 30)
                if wanted({e["pid"] for e in _me_lines(hub)}):
                    return sent
            raise AssertionError(f"never answered as wanted: {_me_lines(hub)[-3:]}")

        sent = send_until_answered_by(lambda pids: len(pids) == 2, 0)
        pids = {e["pid"] for e in _me_lines(hub)}
        per_worker = [sum(1 for e in _me_lines(hub) if e["pid"] == pid) for pid in pids]
        assert sum(per_worker) == sent and min(per_worker) > 0
        # One scrape, answered by one worker, counts what both answered.
        assert _me_counts(hub) == {"200": sent}

        # A worker killed outright is replaced, and what it counted still counts.
        os.kill(max(pids), signal.SIGKILL)
        sent = send_until_answered_by(lambda now: bool(now - pids), sent)
        assert _me_counts(hub) == {"200": sent}


def _me_counts(hub: ServeProcess) -> dict[str, float]:
    """``/api/v1/me`` answers by status, as one scrape of ``/metrics`` counts them."""
    scraped = httpx.get(
        f"{hub.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert scraped.status_code == 200, scraped.text
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
        if sample.name == "assessor_hub_request_duration_seconds_count"
        and sample.labels.get("route") == ME_ROUTE
    }


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _me_lines(hub: ServeProcess) -> list[dict[str, Any]]:
    return [e for e in _access_lines(hub) if e.get("route") == ME_ROUTE]


def _me_lines_reach(hub: ServeProcess, count: int) -> bool:
    return len(_me_lines(hub)) >= count


def _access_lines(hub: ServeProcess) -> list[dict[str, Any]]:
    lines = []
    for line in hub.output().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "assessor_app.hub.access":
                lines.append(entry)
    return lines


@dataclass
class Pair:
    """Two hub processes (a and b) on one database and one data folder, and the admin."""

    admin: HubAdmin
    a: ServeProcess
    b: ServeProcess
    tokens: dict[str, str]
    submissions: Iterator[str]
    """Fresh submissions of the wait-time credential, none assigned yet."""

    def clients(self, username: str) -> tuple[httpx.Client, httpx.Client]:
        """The user's clients of hub a and hub b, with the one token signed in through a."""
        token = self.tokens.get(username) or sign_in(self.a.base_url, username)
        self.tokens[username] = token
        return client(self.a.base_url, token), client(self.b.base_url, token)

    def assign(self, username: str, count: int) -> list[str]:
        return [self.admin.assign(next(self.submissions), username) for _ in range(count)]


@pytest.fixture(scope="module")
def pair(
    postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("pair")
    with ExitStack() as stack:
        db_url = stack.enter_context(contextmanager(_database)(postgres_cluster))
        data_dir = root / "hub"
        admin = stack.enter_context(HubAdmin(HubSettings.from_data_dir(data_dir, db_url=db_url)))
        admin.add_assessor("ann", PASSWORD, "Ann Example")
        admin.add_assessor("fran", PASSWORD, "Fran Facilitator", roles=["assessor", "facilitator"])
        for name in ("cat", "dan"):
            admin.add_assessor(name, PASSWORD, f"{name.title()} Example")
        admin.import_credential(CREDENTIAL_FILE)

        def submissions() -> Iterator[str]:
            for n in range(10_000):
                folder = make_submission_folder(
                    root / f"sub-{n}",
                    f"clip {n}".encode() * 100,
                    id=f"sub-{n}",
                    calibration_key=KEY_PASS,
                )
                yield admin.import_submission(folder)

        hubs = stack.enter_context(serving(data_dir, db_url, count=2))
        for hub in hubs:
            hub.wait_ready()
        yield Pair(admin, hubs[0], hubs[1], {}, submissions())


def decisions_of(admin: HubAdmin, assignment: str) -> list[DecisionRow]:
    with admin.db.read() as session:
        return list(
            session.scalars(select(DecisionRow).where(DecisionRow.assignment_id == assignment))
        )


def credentials_of(admin: HubAdmin, assignment: str) -> int:
    with admin.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(IssuedCredential)
                .where(IssuedCredential.assignment_id == assignment)
            )
            or 0
        )


@pytest.mark.postgres
def test_one_idempotency_key_sent_to_both_hubs_at_once_lands_once(pair: Pair) -> None:
    a, b = pair.clients("ann")
    for assignment in pair.assign("ann", 6):
        key = f"key-{uuid.uuid4()}"
        first, second = race(
            partial(put_decision, a, assignment, key), partial(put_decision, b, assignment, key)
        )
        # Both answered with the one receipt: one recorded it, the other replayed it.
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        assert first.json() == second.json()
        assert first.json()["version"] == 2
        (row,) = decisions_of(pair.admin, assignment)
        assert row.idempotency_key == key
        assert credentials_of(pair.admin, assignment) == 1


@pytest.mark.postgres
def test_different_keys_sent_to_both_hubs_at_once_one_wins(pair: Pair) -> None:
    a, b = pair.clients("ann")
    for assignment in pair.assign("ann", 6):
        keys = (f"key-a-{uuid.uuid4()}", f"key-b-{uuid.uuid4()}")
        answers = race(
            partial(put_decision, a, assignment, keys[0]),
            partial(put_decision, b, assignment, keys[1]),
        )
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200, 409], [r.text for r in answers]
        winner = keys[[r.status_code for r in answers].index(200)]
        loser = answers[[r.status_code for r in answers].index(409)]
        (row,) = decisions_of(pair.admin, assignment)
        assert row.idempotency_key == winner
        # The loser is told which decision stands.
        assert loser.json()["decision"]["version"] == 2
        # One credential for the one Pass.
        assert credentials_of(pair.admin, assignment) == 1


@pytest.mark.postgres
def test_a_session_revealed_through_both_hubs_at_once_is_revealed_once(pair: Pair) -> None:
    fa, fb = pair.clients("fran")
    cat_a, _ = pair.clients("cat")
    for round_ in range(4):
        items = [next(pair.submissions) for _ in range(2)]
        session_id = calibration_admin.create_session(
            pair.admin,
            title=f"Reveal race {round_}",
            credential_id="test-wait-time",
            submission_ids=items,
            participants=["cat", "dan"],
            facilitator="fran",
        )
        with pair.admin.db.read() as session:
            cat_items = list(
                session.scalars(
                    select(AssignmentRow.id)
                    .join(User, User.id == AssignmentRow.user_id)
                    .where(User.username == "cat", AssignmentRow.submission_id.in_(items))
                    .order_by(AssignmentRow.id)
                )
            )
        path = f"/api/v1/calibration/sessions/{session_id}/reveal"
        # The facilitator reveals through both hubs while cat uploads a decision.
        reveal_a, reveal_b, upload = race(
            partial(fa.post, path),
            partial(fb.post, path),
            partial(put_decision, cat_a, cat_items[0], f"key-{uuid.uuid4()}"),
        )
        assert (reveal_a.status_code, reveal_b.status_code) == (200, 200)
        assert reveal_a.json()["revealed_at"] == reveal_b.json()["revealed_at"] is not None
        with pair.admin.db.read() as session:
            row = session.get(CalibrationSession, int(session_id))
            assert row is not None and row.revealed_at is not None
            revealed_at = row.revealed_at
            states = {
                a.id: (a.status, a.version)
                for a in session.scalars(
                    select(AssignmentRow).where(AssignmentRow.submission_id.in_(items))
                )
            }
            decided = set(
                session.scalars(
                    select(DecisionRow.assignment_id).where(
                        DecisionRow.assignment_id.in_(list(states))
                    )
                )
            )
        assert reveal_a.json()["revealed_at"].startswith(revealed_at.isoformat()[:19])
        # cat's upload landed before the reveal (kept) or after it (refused as withdrawn);
        # every other assignment was withdrawn once (one version step).
        if upload.status_code == 200:
            assert decided == {cat_items[0]}
        else:
            assert upload.status_code == 410, upload.text
            assert decided == set()
        for assignment, (status, version) in states.items():
            if assignment in decided:
                assert (status, version) == ("decided", 2)
            else:
                assert (status, version) == ("revoked", 2)


@pytest.mark.postgres
def test_a_delta_reader_loses_no_change_made_through_both_hubs(pair: Pair) -> None:
    a, b = pair.clients("ann")
    reader, _ = pair.clients("ann")
    assignments = pair.assign("ann", 16)
    seen: dict[str, int] = {}
    cursor = ""

    def poll() -> None:
        nonlocal cursor
        while True:
            page = reader.get("/api/v1/assignments", params={"since": cursor} if cursor else {})
            assert page.status_code == 200, page.text
            delta = page.json()
            for item in delta["items"]:
                seen[item["id"]] = item["version"]
            cursor = delta["cursor"]
            if not delta["has_more"]:
                return

    done = threading.Event()

    def keep_polling() -> None:
        while not done.is_set():
            poll()

    with ThreadPoolExecutor(7) as pool:
        polling = pool.submit(keep_polling)
        uploads = list(
            pool.map(
                lambda pair_: put_decision((a, b)[pair_[0] % 2], pair_[1], f"key-{uuid.uuid4()}"),
                enumerate(assignments),
            )
        )
        done.set()
        polling.result()
    assert [r.status_code for r in uploads] == [200] * len(assignments)
    poll()  # from where the reader stopped: a change it skipped would never come again
    with pair.admin.db.read() as session:
        now = {
            row.id: row.version
            for row in session.scalars(
                select(AssignmentRow)
                .join(User, User.id == AssignmentRow.user_id)
                .where(User.username == "ann")
            )
        }
    assert {k: now[k] for k in assignments} == {k: 2 for k in assignments}
    assert seen == now


@pytest.mark.postgres
def test_a_pass_approved_through_both_hubs_at_once_issues_one_credential(
    pair: Pair, tmp_path: Path
) -> None:
    reviewed = tmp_path / "reviewed.yaml"
    reviewed.write_text(
        CREDENTIAL_FILE.read_text().replace("id: test-wait-time", "id: test-reviewed-wait-time")
    )
    pair.admin.import_credential(reviewed)
    pair.admin.set_workflow("test-reviewed-wait-time", review_required=True)
    for name in ("rita", "rob"):
        pair.admin.add_assessor(name, PASSWORD, f"{name.title()} Reviewer", roles=["reviewer"])
    ann, _ = pair.clients("ann")
    rita, _ = pair.clients("rita")
    _, rob = pair.clients("rob")
    for n in range(4):
        folder = make_submission_folder(
            tmp_path / f"reviewed-{n}", b"reviewed clip" * 50, id=f"sub-reviewed-{n}"
        )
        plan = folder / "submission.yaml"
        plan.write_text(plan.read_text().replace("test-wait-time", "test-reviewed-wait-time"))
        assignment = pair.admin.assign(pair.admin.import_submission(folder), "ann")
        uploaded = put_decision(ann, assignment, f"key-{uuid.uuid4()}")
        assert uploaded.status_code == 200, uploaded.text
        assert credentials_of(pair.admin, assignment) == 0  # waits for the review
        path = f"/api/v1/reviews/{assignment}/approve"
        answers = race(partial(rita.post, path, json={}), partial(rob.post, path, json={}))
        assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
        (approved,) = [r.json() for r in answers if r.status_code == 200]
        assert approved["state"] == "approved"
        assert credentials_of(pair.admin, assignment) == 1
        with pair.admin.db.read() as session:
            (issued,) = session.scalars(
                select(IssuedCredential.id).where(IssuedCredential.assignment_id == assignment)
            )
        assert approved["credential_id"] == issued


@pytest.mark.postgres
def test_guesses_sent_through_both_hubs_at_once_meet_one_throttle(pair: Pair) -> None:
    pair.admin.add_assessor("tess", PASSWORD, "Tess Example")
    rules = SigninThrottle()  # what serve runs with
    guesses = 3 * rules.max_failures

    def guess(hub: ServeProcess) -> httpx.Response:
        return httpx.post(
            f"{hub.base_url}/api/v1/auth/token",
            json={"username": "tess", "password": "not the password"},
            timeout=60,
        )

    answers = race(*(partial(guess, (pair.a, pair.b)[n % 2]) for n in range(guesses)))
    # Only as many passwords were checked as one process would have checked.
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * rules.max_failures + [429] * (guesses - rules.max_failures)
    # And the right password waits too, through either hub.
    for hub in (pair.a, pair.b):
        right = httpx.post(
            f"{hub.base_url}/api/v1/auth/token", json={"username": "tess", "password": PASSWORD}
        )
        assert right.status_code == 429, right.text


@pytest.mark.postgres
@pytest.mark.parametrize(("threads", "me_waits"), [(2, True), (3, False)])
def test_a_hub_works_on_its_threads_requests_at_once_and_queues_the_rest(
    threads: int, me_waits: bool, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """Two uploads held in the database (the change counter is locked from outside) take
    two of the hub's ``--threads``: with 2, a third request waits its turn; with 3, it
    is answered at once. Every request is answered once the counter is free again."""
    with contextmanager(_database)(postgres_cluster) as db_url:
        data_dir = tmp_path / "hub"
        with HubAdmin(HubSettings.from_data_dir(data_dir, db_url=db_url)) as admin:
            admin.add_assessor("ann", PASSWORD, "Ann Example")
            admin.import_credential(CREDENTIAL_FILE)
            assignments = [
                admin.assign(
                    admin.import_submission(
                        make_submission_folder(tmp_path / f"sub-{n}", b"clip", id=f"sub-{n}")
                    ),
                    "ann",
                )
                for n in range(2)
            ]
        with serving(data_dir, db_url, "--threads", str(threads)) as (hub,):
            hub.wait_ready()
            token = sign_in(hub.base_url, "ann")
            clients = [client(hub.base_url, token) for _ in range(3)]
            libpq = db_url.replace("postgresql+psycopg://", "postgresql://")
            with (
                psycopg.connect(libpq) as holder,
                psycopg.connect(libpq, autocommit=True) as watcher,
                ThreadPoolExecutor(3) as pool,
            ):
                holder.execute(
                    "SELECT value FROM hub_counters WHERE name = 'change_seq' FOR UPDATE"
                )
                uploads = [
                    pool.submit(put_decision, c, a, f"key-{a}")
                    for c, a in zip(clients, assignments, strict=False)
                ]
                waiting = (
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE hub_counters%'"
                )
                # Asked outside the holder's transaction, which sees one snapshot of it.
                _wait_for(lambda: watcher.execute(waiting).fetchone() == (2,), timeout=30)
                me = pool.submit(clients[2].get, "/api/v1/me")
                if me_waits:
                    time.sleep(1.5)
                    assert not me.done()
                else:
                    assert me.result(timeout=10).status_code == 200
                holder.rollback()
                assert me.result(timeout=30).status_code == 200
                assert [u.result(timeout=30).status_code for u in uploads] == [200, 200]
            for c in clients:
                c.close()
