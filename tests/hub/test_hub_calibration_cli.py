"""``assessor-hub set-qualification`` and ``calibration-session``, run in-process: what they
store, what they print, and their messages for bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.calibration import qualification
from assessor_app.hub.calibration.models import CalibrationSession, CalibrationSessionAssignment
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow, User
from assessor_app.protocol.calibration import QualificationRules
from tests.hub.conftest import CREDENTIAL_FILE, PASSWORD, make_submission_folder

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(settings: HubSettings, capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(command: str, *rest: str) -> tuple[int, str, str]:
        status = main(
            ["--data-dir", str(settings.data_dir), command, "--db", settings.db_url, *rest]
        )
        out = capsys.readouterr()
        return status, out.out, out.err

    return invoke


@pytest.fixture
def seeded(admin: HubAdmin, tmp_path: Path) -> list[str]:
    admin.import_credential(CREDENTIAL_FILE)
    for name in ("fran", "ann", "bob"):
        admin.add_assessor(name, PASSWORD)
    return [
        admin.import_submission(make_submission_folder(tmp_path / f"s{i}", bytes([i]) * 64))
        for i in range(2)
    ]


def test_set_qualification_stores_the_rules(run: Run, admin: HubAdmin, seeded: list[str]) -> None:
    status, out, _ = run(
        "set-qualification",
        "test-wait-time",
        "--exact",
        "0.75",
        "--adjacent",
        "0.95",
        "--max-distance",
        "0",
        "--any-decision",
    )
    assert status == 0
    assert out.strip() == (
        "Qualification for test-wait-time: exact >= 0.75, exact-or-adjacent >= 0.95, "
        "at most 0 level(s) off, any decision."
    )
    with admin.db.read() as session:
        rules = qualification.rules_for(session, "test-wait-time")
    assert rules == QualificationRules(
        exact_share=0.75, adjacent_share=0.95, max_distance=0, same_decision=False
    )
    assert run("set-qualification", "test-wait-time")[0] == 0  # back to the defaults
    with admin.db.read() as session:
        assert qualification.rules_for(session, "test-wait-time") == QualificationRules()


def test_set_qualification_refuses_bad_input(
    run: Run, seeded: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run("set-qualification", "no-such-credential")
    assert status == 1
    assert "credential 'no-such-credential' is not imported" in err
    with pytest.raises(SystemExit) as exited:
        run("set-qualification", "test-wait-time", "--exact", "1.5")
    assert exited.value.code == 2
    assert "'1.5' is not a share between 0 and 1" in capsys.readouterr().err


def test_calibration_session_creates_the_session_and_its_assignments(
    run: Run, admin: HubAdmin, seeded: list[str]
) -> None:
    args = ["--title", "March", "--credential", "test-wait-time", "--facilitator", "fran"]
    for submission in seeded:
        args += ["--submission", submission]
    status, out, _ = run(
        "calibration-session", *args, "--participant", "ann", "--participant", "bob"
    )
    assert status == 0
    with admin.db.read() as session:
        row = session.scalars(select(CalibrationSession)).one()
        assert out.strip() == f"Opened calibration session {row.id}."
        assert (row.title, row.state) == ("March", "open")
        assert session.get(User, row.facilitator_id).username == "fran"
        made = session.execute(
            select(User.username, AssignmentRow.submission_id, AssignmentRow.kind)
            .join(AssignmentRow, AssignmentRow.user_id == User.id)
            .join(
                CalibrationSessionAssignment,
                CalibrationSessionAssignment.assignment_id == AssignmentRow.id,
            )
            .order_by(User.username, AssignmentRow.submission_id)
        ).all()
    assert made == sorted(
        (name, submission, "calibration") for name in ("ann", "bob") for submission in seeded
    )

    status, _, err = run("calibration-session", *args, "--participant", "ann")
    assert status == 1
    assert "already assigned" in err
    status, _, err = run(
        "calibration-session",
        *[a if a != "fran" else "nobody" for a in args],
        "--participant",
        "bob",
    )
    assert status == 1
    assert "no account named 'nobody'" in err
