"""``assessor-hub`` admin commands, run in-process through ``main`` (and ``serve`` as a real
subprocess): results, files, and the messages for bad input."""

from __future__ import annotations

import csv
import io
import socket
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from support.serve import serving

from assessor_app.hub.admin import EXPORT_COLUMNS, HubAdmin
from assessor_app.hub.badges.issuer_url import ISSUER_URL_FILE, listening_url
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow, CalibrationKey, User
from assessor_app.protocol.v1 import DecisionUpload
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    World,
    make_submission_folder,
)
from tests.hub.test_workflow import sheet


@pytest.fixture
def hub_cli(settings: HubSettings, capsys: pytest.CaptureFixture[str]):
    """Runs ``assessor-hub`` with this test's data folder and database; returns
    (exit status, stdout, stderr)."""

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
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


def _user(settings: HubSettings, username: str) -> User | None:
    with HubAdmin(settings) as admin, admin.db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def test_add_assessor(
    hub_cli,
    settings: HubSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = hub_cli(
        "add-assessor",
        "carol",
        "--display-name",
        "Carol C",
        "--role",
        "assessor",
        "--role",
        "facilitator",
        "--password-stdin",
        stdin="a long passphrase\n",
    )
    assert (status, out) == (0, "Added carol (assessor, facilitator).\n")
    carol = _user(settings, "carol")
    assert carol is not None
    assert (carol.display_name, carol.roles, carol.is_demo) == (
        "Carol C",
        ["assessor", "facilitator"],
        False,
    )
    assert carol.password_hash.startswith("scrypt$")
    assert "a long passphrase" not in carol.password_hash

    status, _, err = hub_cli("add-assessor", "carol", "--password-stdin", stdin="another one\n")
    assert status == 1
    assert "an account named 'carol' already exists" in err

    status, _, err = hub_cli("add-assessor", "dave", "--password-stdin", stdin="short\n")
    assert (status, _user(settings, "dave")) == (1, None)
    assert "at least 8 characters" in err

    status, _, err = hub_cli("add-assessor", "bad name!", "--password-stdin", stdin="long enough\n")
    assert status == 1
    assert "not a valid user name" in err

    answers = iter(["typed password", "typed passwort"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    status, _, err = hub_cli("add-assessor", "erin")
    assert status == 1
    assert "the passwords differ" in err

    with pytest.raises(SystemExit) as exc:
        hub_cli("add-assessor", "frank", "--role", "wizard")
    assert exc.value.code == 2
    assert "invalid choice: 'wizard'" in capsys.readouterr().err


def test_import_credential(hub_cli, tmp_path: Path) -> None:
    assert hub_cli("import-credential", str(CREDENTIAL_FILE))[:2] == (
        0,
        "Imported credential test-wait-time.\n",
    )
    # The same content again is a no-op; changed content under the same version is refused.
    assert hub_cli("import-credential", str(CREDENTIAL_FILE))[0] == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text(CREDENTIAL_FILE.read_text().replace("Pauses after", "Waits after"))
    status, _, err = hub_cli("import-credential", str(changed))
    assert status == 1
    assert "raise its version" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: X\ncompetency: c\nrubric: {criteria: []}\n")
    status, out, err = hub_cli("import-credential", str(broken))
    assert (status, out) == (1, "")
    assert f"{broken}: rubric.criteria:" in err
    assert "Traceback" not in err


def test_import_submission(hub_cli, settings: HubSettings, tmp_path: Path) -> None:
    folder = make_submission_folder(tmp_path / "s", b"clip", id="sub-e1-a1")
    status, _, err = hub_cli("import-submission", str(folder))
    assert status == 1
    assert "credential 'test-wait-time' is not imported: run import-credential first" in err

    hub_cli("import-credential", str(CREDENTIAL_FILE))
    meta = folder / "submission.yaml"
    meta.write_text(
        meta.read_text()
        + "calibration_key:\n  decision: not_yet\n  criteria:\n"
        + "    c1-wait: {level: developing, rationale: Waits only after closed questions.}\n"
        + "    c2-reflection: {level: proficient}\n"
    )
    assert hub_cli("import-submission", str(folder))[:2] == (0, "Imported submission sub-e1-a1.\n")
    with HubAdmin(settings) as admin, admin.db.read() as session:
        key = session.get(CalibrationKey, "sub-e1-a1")
        assert key is not None
        assert key.decision == "not_yet"
        assert key.criteria["c1-wait"] == {
            "level": "developing",
            "rationale": "Waits only after closed questions.",
        }
    status, _, err = hub_cli("import-submission", str(folder))
    assert "already exists" in err

    bad = make_submission_folder(tmp_path / "bad", b"clip")
    (bad / "clip.mp4").unlink()
    (bad / "submission.yaml").write_text(
        (bad / "submission.yaml").read_text()
        + "previous_attempts:\n  - {attempt: 1, decision: not_yet, criteria: {c9: x}}\n"
    )
    status, _, err = hub_cli("import-submission", str(bad))
    assert status == 1
    assert "artifacts[0].file: 'clip.mp4' is not a file" in err

    (bad / "clip.mp4").write_bytes(b"x")
    status, _, err = hub_cli("import-submission", str(bad))
    assert "previous_attempts[0].attempt: 1 is not before attempt 1" in err
    assert "the rubric has no criterion 'c9'" in err

    (bad / "submission.yaml").write_text("credential: test-wait-time\nartifacts:\n - file: ../x\n")
    status, _, err = hub_cli("import-submission", str(bad))
    assert "educator_pseudonym: Field required" in err
    assert "artifacts[0].file: Value error, must be a plain file name" in err
    assert hub_cli("import-submission", str(tmp_path / "nowhere"))[2].endswith("not a folder\n")


def test_assign_revoke_and_export(
    hub_cli, settings: HubSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub_cli("add-assessor", "ann", "--password-stdin", stdin="ann's password\n")
    hub_cli("import-credential", str(CREDENTIAL_FILE))
    hub_cli("import-submission", str(make_submission_folder(tmp_path / "a", b"a", id="sub-a")))
    hub_cli("import-submission", str(make_submission_folder(tmp_path / "b", b"b", id="sub-b")))

    status, out, _ = hub_cli(
        "assign", "sub-a", "ann", "--kind", "calibration", "--due", "2030-06-30"
    )
    assert status == 0
    assignment = out.strip().rsplit(" ", 1)[1].rstrip(".")
    with HubAdmin(settings) as admin, admin.db.read() as session:
        row = session.get(AssignmentRow, assignment)
        assert row is not None
        assert (row.kind, row.status, row.version) == ("calibration", "assigned", 1)
        assert row.due_at == datetime(2030, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert "already assigned to ann" in hub_cli("assign", "sub-a", "ann")[2]
    assert "no submission with id 'sub-x'" in hub_cli("assign", "sub-x", "ann")[2]
    assert "no account named 'zed'" in hub_cli("assign", "sub-a", "zed")[2]
    with pytest.raises(SystemExit):
        hub_cli("assign", "sub-a", "ann", "--due", "30/06/2030")
    assert "'30/06/2030' is not a date like 2025-03-31" in capsys.readouterr().err

    _, out, _ = hub_cli("assign", "sub-b", "ann")
    other = out.strip().rsplit(" ", 1)[1].rstrip(".")
    assert hub_cli("revoke", other)[:2] == (0, f"Revoked {other}.\n")
    assert "already revoked" in hub_cli("revoke", other)[2]
    assert "no assignment with id 'asg-none'" in hub_cli("revoke", "asg-none")[2]

    with HubAdmin(settings) as admin:
        admin.record_decision(
            assignment,
            DecisionUpload.model_validate(
                {
                    "decision": "not_yet",
                    "criteria": [
                        {
                            "criterion_id": "c1-wait",
                            "level_id": "developing",
                            "rationale": "Short.",
                        },
                        {"criterion_id": "c2-reflection", "level_id": "proficient"},
                    ],
                    "feedback": "Wait after open questions too.",
                    "scored_at": "2025-03-01T10:00:00Z",
                }
            ),
            "seed-1",
        )
    assert "already decided" in hub_cli("revoke", assignment)[2]
    target = tmp_path / "out.csv"
    assert hub_cli("export-decisions", "--csv", str(target))[:2] == (
        0,
        f"Wrote 1 decision to {target}.\n",
    )
    with open(target, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    assert len(rows) == 1
    row = rows[0]
    assert row["assignment_id"] == assignment
    assert row["submission_id"] == "sub-a"
    assert row["assessor"] == "ann"
    assert row["kind"] == "calibration"
    assert row["decision"] == "not_yet"
    assert row["total_points"] == "4"
    assert row["criteria"] == "c1-wait=developing; c2-reflection=proficient"
    assert row["feedback"] == "Wait after open questions too."
    assert "not a folder" in hub_cli("export-decisions", "--csv", str(tmp_path / "no" / "x.csv"))[2]


def test_seed_demo_flags_accounts_and_serve_keeps_them_off_the_network(
    hub_cli, settings: HubSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real generator lives in assessor_app.hub.demo (tested there); this checks the
    # command's wiring with a generator that uses the same HubAdmin calls.
    def seed_demo(ctx: HubAdmin) -> None:
        ctx.add_assessor("demo1", "demo", "Demo One", ["assessor"])

    module = types.ModuleType("assessor_app.hub.demo.seed")
    module.seed_demo = seed_demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assessor_app.hub.demo.seed", module)
    status, out, _ = hub_cli("seed-demo")
    assert status == 0
    assert "added demo1 (assessor)" in out
    assert f"Demo data is ready in {settings.data_dir}." in out
    demo = _user(settings, "demo1")
    assert demo is not None and demo.is_demo

    status, _, err = hub_cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert status == 1
    assert "demo accounts (password 'demo') exist" in err
    assert "--allow-demo-accounts-on-network" in err


def test_serve_runs_the_hub(settings: HubSettings, tmp_path: Path) -> None:
    with serving(settings) as served:
        port = served.port
        assert httpx.get(f"{served.base_url}/healthz").json() == {"status": "ok"}
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert spec["info"]["title"] == "Assessor hub"
        # The issuer is pinned to where serve listens, and a client's Host cannot move it.
        pinned = f"http://127.0.0.1:{port}"
        assert (settings.data_dir / ISSUER_URL_FILE).read_text().strip() == pinned
        profile = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/issuer", headers={"Host": "evil.example"}
        ).json()
        assert profile["id"] == f"{pinned}/api/v1/issuer"
    output = served.stdout + served.stderr
    assert f"Credentials are issued by http://127.0.0.1:{port} " in output


def test_serve_pins_an_address_clients_can_reach() -> None:
    assert listening_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"
    assert listening_url("hub.example.org", 80) == "http://hub.example.org:80"
    assert listening_url("::1", 8765) == "http://[::1]:8765"
    assert listening_url("0.0.0.0", 8765) == f"http://{socket.getfqdn()}:8765"
    assert listening_url("::", 8765) == f"http://{socket.getfqdn()}:8765"


def test_bad_database_url_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--data-dir", str(tmp_path), "revoke", "x", "--db", "nonsense://"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("assessor-hub: error:")
    assert "Traceback" not in err


def test_export_decisions_neutralises_spreadsheet_formulas(
    world: World, hub_cli, tmp_path: Path
) -> None:
    hostile = {
        world.ann_assignment: ('=HYPERLINK("http://x.test","click")', "@cmd|' /C calc'!A0"),
        world.bob_assignment: ("+SUM(1,2)", "-2+3"),
    }
    clips = {
        world.ann_assignment: world.ann_artifacts[0],
        world.bob_assignment: world.bob_artifacts[0],
    }
    for assignment, (feedback, note) in hostile.items():
        world.admin.record_decision(
            assignment,
            DecisionUpload.model_validate(
                sheet(clips[assignment], feedback=feedback, private_note=note)
            ),
            f"key-{assignment}",
        )
    target = tmp_path / "decisions.csv"
    assert hub_cli("export-decisions", "--csv", str(target))[0] == 0
    with open(target, newline="", encoding="utf-8") as handle:
        rows = {row["assignment_id"]: row for row in csv.DictReader(handle)}
    for assignment, (feedback, note) in hostile.items():
        assert rows[assignment]["feedback"] == "'" + feedback
        assert rows[assignment]["private_note"] == "'" + note
        # Numbers the hub writes itself stay numbers.
        assert rows[assignment]["total_points"] == "5"
        assert rows[assignment]["attempt"] == "1"
    assert "HYPERLINK" in target.read_text(encoding="utf-8")
