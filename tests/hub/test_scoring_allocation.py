"""Scoring plan, affiliations, capacity and allocation through ``assessor-hub``: strict
plan validation, conflicts never assigned, capacity and roles honoured, earliest due
first, and no work given twice."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow, User
from assessor_app.hub.scoring.models import FIRST, SECOND, WorkItem
from assessor_app.hub.scoring.plan import sampled
from assessor_app.hub.scoring.work import add_work
from tests.hub.conftest import CREDENTIAL_FILE, PASSWORD, make_submission_folder

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def hub_cli(settings: HubSettings, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> tuple[int, str, str]:
        sys.stdin = io.StringIO(PASSWORD + "\n")
        try:
            command, *rest = args
            status = main(
                ["--data-dir", str(settings.data_dir), command, "--db", settings.db_url, *rest]
            )
        finally:
            sys.stdin = sys.__stdin__
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def min_points_credential(tmp_path: Path) -> Path:
    text = CREDENTIAL_FILE.read_text().replace("id: test-wait-time", "id: test-points")
    text = text.replace("rubric:\n", "rubric:\n  decision_rule: {kind: min_points, min_total: 4}\n")
    path = tmp_path / "points.yaml"
    path.write_text(text)
    return path


def test_set_scoring_validates_and_scoring_plan_prints(hub_cli: Cli, tmp_path: Path) -> None:
    status, _, err = hub_cli("set-scoring", "test-wait-time", "--second-read", "0.2")
    assert status == 1 and "credential 'test-wait-time' is not imported" in err
    hub_cli("import-credential", str(CREDENTIAL_FILE))
    status, out, _ = hub_cli("scoring-plan", "test-wait-time")
    assert status == 0
    assert "second reads:      0% of production submissions (no near-cut" in out
    assert "live work:         any assessor" in out
    status, out, err = hub_cli(
        "set-scoring",
        "test-wait-time",
        "--second-read",
        "0.25",
        "--adjudicate-when",
        "distance:2",
        "--validity-rate",
        "0.05",
        "--validity-window",
        "8",
        "--backread-rate",
        "0.1",
        "--require-qualified",
    )
    assert status == 0, err
    assert "second reads:      25% of production submissions" in out
    assert "more than 2 levels apart (or the decisions differ) [distance:2]" in out
    assert "validity papers:   5% of production work, judged over the last 8" in out
    assert "backreads:         10% of decided sheets" in out
    assert "qualified assessors only" in out
    # Options not given keep their value.
    status, out, _ = hub_cli("set-scoring", "test-wait-time", "--any-assessor")
    assert "25% of production" in out and "any assessor" in out
    assert hub_cli("scoring-plan", "test-wait-time")[1] == out
    for args, message in [
        (("--second-read", "1.5"), "--second-read is a share between 0 and 1"),
        (("--backread-rate", "-0.1"), "--backread-rate is a share between 0 and 1"),
        (("--validity-window", "0"), "--validity-window is a number of papers from 1"),
        (("--second-read-near-cut", "-1"), "--second-read-near-cut is a number of points >= 0"),
        (("--second-read-near-cut", "1"), "no pass line in points"),
    ]:
        status, _, err = hub_cli("set-scoring", "test-wait-time", *args)
        assert status == 1 and message in err, (args, err)
    with pytest.raises(SystemExit):
        hub_cli("set-scoring", "test-wait-time", "--adjudicate-when", "levels")
    with pytest.raises(SystemExit):
        hub_cli("set-scoring", "test-wait-time", "--second-read", "lots")
    # A minimum-points credential has a pass line.
    hub_cli("import-credential", str(min_points_credential(tmp_path)))
    status, out, err = hub_cli("set-scoring", "test-points", "--second-read-near-cut", "1")
    assert status == 0, err
    assert "every first read within 1 points of the pass line" in out
    assert "25%" not in hub_cli("scoring-plan", "test-points")[1]


def test_sampling_is_deterministic_and_near_the_share() -> None:
    ids = [f"sub-{i}" for i in range(2000)]
    drawn = [i for i in ids if sampled(i, "second", 0.2)]
    assert drawn == [i for i in ids if sampled(i, "second", 0.2)]
    assert 0.17 < len(drawn) / len(ids) < 0.23
    assert not any(sampled(i, "second", 0.0) for i in ids)
    assert all(sampled(i, "second", 1.0) for i in ids)
    # Another purpose draws independently.
    assert drawn != [i for i in ids if sampled(i, "backread", 0.2)]


def _assignments(admin: HubAdmin) -> list[tuple[str, str, str]]:
    with admin.db.read() as session:
        rows = session.execute(
            select(AssignmentRow.submission_id, User.username, AssignmentRow.kind)
            .join(User, User.id == AssignmentRow.user_id)
            .order_by(AssignmentRow.change_seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _import(admin: HubAdmin, tmp_path: Path, sid: str, **extra: str) -> str:
    folder = make_submission_folder(tmp_path / sid, b"clip " + sid.encode(), id=sid, **extra)
    return admin.import_submission(folder)


def test_allocation_honours_conflicts_capacity_roles_and_due_dates(
    admin: HubAdmin, hub_cli: Cli, tmp_path: Path
) -> None:
    admin.import_credential(CREDENTIAL_FILE)
    outputs = []
    for name, roles, affiliations in [
        ("ann", ["assessor"], ["district-1"]),
        ("bob", ["assessor"], []),
        ("rev", ["reviewer"], []),
    ]:
        args = ["add-assessor", name, "--password-stdin"]
        args += [f"--role={r}" for r in roles] + [f"--affiliation={a}" for a in affiliations]
        status, out, err = hub_cli(*args)
        assert status == 0, err
        outputs.append(out)
    assert outputs[0] == "Added ann (assessor, affiliations district-1).\n"
    with pytest.raises(SystemExit):
        hub_cli("add-assessor", "x", "--affiliation", "bad id", "--password-stdin")
    # Two from ann's district; the others from nowhere in particular.
    _import(admin, tmp_path, "sub-d1-a", affiliations="[district-1]")
    _import(admin, tmp_path, "sub-d1-b", affiliations="[district-1, district-9]")
    _import(admin, tmp_path, "sub-free-1")
    _import(admin, tmp_path, "sub-free-2")
    keyed = make_submission_folder(
        tmp_path / "keyed",
        b"keyed",
        id="sub-keyed",
        calibration_key="{decision: pass, criteria: {c1-wait: {level: proficient}, "
        "c2-reflection: {level: proficient}}}",
    )
    admin.import_submission(keyed)
    # bob takes at most one at a time.
    assert hub_cli("set-capacity", "bob", "1")[1] == (
        "bob: at most 1 open assignments from allocation.\n"
    )
    status, out, _ = hub_cli("allocate")
    assert status == 0
    given = _assignments(admin)
    assert ("sub-d1-a", "bob", "production") in given
    assert len(given) == 3
    by_submission = {sid: user for sid, user, _ in given}
    # ann never gets her own district's work; rev is no assessor; the keyed one is no
    # live work; bob is full after one.
    assert by_submission.get("sub-d1-a") != "ann" and by_submission.get("sub-d1-b") != "ann"
    assert set(by_submission.values()) == {"ann", "bob"}
    assert "sub-keyed" not in by_submission
    assert out.endswith("Allocated 3 assignments; 1 work item waits for an eligible reader.\n")
    assert hub_cli("allocate")[1] == (
        "Allocated 0 assignments; 1 work item waits for an eligible reader.\n"
    )
    # More room for bob: the district-1 work left goes to him, never to ann.
    hub_cli("set-capacity", "bob", "--unlimited")
    hub_cli("allocate")
    final = {sid: user for sid, user, _ in _assignments(admin)}
    assert final["sub-d1-a"] == "bob" and final["sub-d1-b"] == "bob"
    assert "sub-keyed" not in final
    # Affiliations can change later; none given removes them.
    assert hub_cli("set-affiliations", "ann")[1] == "ann: affiliations (none).\n"


def test_earliest_due_first_and_never_an_earlier_reader(admin: HubAdmin, tmp_path: Path) -> None:
    admin.import_credential(CREDENTIAL_FILE)
    admin.add_assessor("ann", PASSWORD)
    admin.add_assessor("bob", PASSWORD)
    first = _import(admin, tmp_path, "sub-one")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with admin.db.write() as session:
        # The first read is given by hand to ann; a second read is due sooner than a later one.
        ann_id = session.scalar(select(User.id).where(User.username == "ann"))
        assert ann_id is not None
        late = add_work(session, first, SECOND, now, due_at=now + timedelta(days=5))
        soon = add_work(session, first, SECOND, now, due_at=now + timedelta(days=1))
        session.flush()
        late_id, soon_id = late.id, soon.id
    admin.assign(first, "ann")
    with admin.db.write() as session:
        from assessor_app.hub.scoring.allocation import allocate

        run = allocate(session, now)
    # The sooner one goes to bob (ann read it first); the later one has no one left.
    assert [(a.username, a.purpose) for a in run.allocated] == [("bob", SECOND)]
    assert run.waiting == 1
    with admin.db.read() as session:
        items = {i.id: i for i in session.scalars(select(WorkItem))}
        assert items[soon_id].assignment_id == run.allocated[0].assignment_id
        assert items[late_id].assignment_id is None
        # The first read's own work item was given by hand: allocation dropped it.
        assert not [i for i in items.values() if i.purpose == FIRST]


def test_allocate_for_one_credential_leaves_the_others_work(
    admin: HubAdmin, hub_cli: Cli, tmp_path: Path
) -> None:
    admin.import_credential(CREDENTIAL_FILE)
    admin.import_credential(min_points_credential(tmp_path))
    admin.add_assessor("ann", PASSWORD)
    _import(admin, tmp_path, "sub-wait")
    folder = make_submission_folder(tmp_path / "sub-points", b"points", id="sub-points")
    meta = folder / "submission.yaml"
    meta.write_text(meta.read_text().replace("test-wait-time", "test-points"))
    admin.import_submission(folder)
    status, out, _ = hub_cli("allocate", "--credential", "test-points")
    assert status == 0 and "sub-points  first  -> ann" in out
    assert [s for s, _, _ in _assignments(admin)] == ["sub-points"]
    assert "sub-wait  first  -> ann" in hub_cli("allocate")[1]
