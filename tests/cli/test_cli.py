"""``assessor`` end to end, in-process, against a real hub on 127.0.0.1: sign-in, queue,
show, scoring, finalize, the worksheet, sync, conflicts and sign-out, with the exit codes
scripts rely on."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
from cli_kit import Desk, Run
from support.hub import PASSWORD, running_hub

from assessor_app.cli.errors import ExitCode
from assessor_app.cli.main import build_parser
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.store import Store, last_profile, open_store

C1, C2 = "c1-wait", "c2-reflection"


@contextmanager
def profile_store() -> Iterator[Store]:
    profile = last_profile()
    assert profile is not None
    with open_store(profile) as store:
        yield store


def tokens(keyring_backend: object) -> list[tuple[str, str]]:
    secrets: dict[tuple[str, str], str] = keyring_backend.secrets  # type: ignore[attr-defined]
    return [key for key in secrets if key[1].startswith("token:")]


# -- sign-in -----------------------------------------------------------------------------


def test_wrong_password_is_refused_with_exit_2_and_nothing_stored(
    desk: Desk, run: Run, memory_keyring: object
) -> None:
    result = run("login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin="nope\n")

    assert result.code == ExitCode.SIGN_IN
    assert "did not accept the user name and password for ann" in result.err
    assert "Traceback" not in result.err + result.out
    assert tokens(memory_keyring) == []
    assert last_profile() is None


def test_login_reads_the_password_from_stdin_and_keeps_the_token_in_the_keyring(
    desk: Desk, run: Run, memory_keyring: object
) -> None:
    result = run(
        "login", desk.hub.base_url + "/", "--user", "ann", "--password-stdin", stdin=PASSWORD
    )

    assert result.code == 0, result.err
    assert f"Signed in to {desk.hub.base_url} as ann." in result.out
    assert "system keyring" in result.out
    assert len(tokens(memory_keyring)) == 1
    profile = last_profile()
    assert profile is not None and profile.hub_url == desk.hub.base_url
    assert PASSWORD not in (profile.directory / "profile.json").read_text()


def test_login_keeps_a_ca_bundle_with_the_profile(desk: Desk, run: Run, tmp_path: Path) -> None:
    import certifi

    missing = run(
        "login",
        desk.hub.base_url,
        "--user",
        "ann",
        "--password-stdin",
        "--ca-bundle",
        str(tmp_path / "none.pem"),
        stdin=PASSWORD,
    )
    assert missing.code == ExitCode.USAGE
    assert "none.pem does not exist" in missing.err
    assert last_profile() is None

    bundle = tmp_path / "district-ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    result = run(
        "login",
        desk.hub.base_url,
        "--user",
        "ann",
        "--password-stdin",
        "--ca-bundle",
        str(bundle),
        stdin=PASSWORD,
    )
    assert result.code == 0, result.err
    with profile_store() as store:
        assert store.settings.ca_bundle() == str(bundle)


def test_commands_without_a_profile_ask_to_sign_in(run: Run) -> None:
    result = run("queue")
    assert result.code == ExitCode.SIGN_IN
    assert "assessor login HUB_URL --user NAME" in result.err


def test_usage_errors_exit_1_not_2(run: Run) -> None:
    missing = run("score")
    assert missing.code == ExitCode.USAGE
    assert "the following arguments are required: ID" in missing.err
    assert run("fly").code == ExitCode.USAGE
    assert run("--profile", "no-at-sign", "queue").code == ExitCode.USAGE
    assert run("sync", "--up-only", "--down-only").code == ExitCode.USAGE


def test_help_documents_the_exit_codes(run: Run) -> None:
    result = run("--help")
    assert result.code == 0
    for line in ["2   not signed in", "5   finalize refused", "6   worksheet rows refused"]:
        assert line in result.out
    assert "exit codes:" in build_parser().format_help()


def test_unreachable_hub_exits_3_and_keeps_the_work(run: Run, tmp_path: Path) -> None:
    with running_hub(tmp_path / "brief-hub") as hub:
        hub.add_assessor("ann")
        seeded = hub.seed_submission("ann", {"note.txt": b"evidence"})
        assert (
            run("login", hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD).code
            == 0
        )
        assert run("sync").code == 0
        assert run("score", seeded.assignment_id, "--level", "1=2").code == 0

    result = run("sync")

    assert result.code == ExitCode.UNREACHABLE
    assert "Your work is kept on this computer" in result.err
    # The cause in the assessor's words; the request and the exception go to the log only.
    assert "Could not reach the hub. Check your internet connection." in result.err
    for jargon in ("ConnectError", "GET /", "/api/v1", "HTTP"):
        assert jargon not in result.err + result.out
    with profile_store() as store:
        assert store.sheets.load_sheet(seeded.assignment_id).score(C1).level_id == "proficient"


# -- queue and show ----------------------------------------------------------------------


def test_queue_lists_the_assignment_with_status_words(synced: Desk, run: Run) -> None:
    result = run("queue")

    assert result.code == 0
    header, row = result.out.splitlines()
    assert header.split() == ["ID", "CREDENTIAL", "EDUCATOR", "ATTEMPT", "KIND", "STATUS", "DUE"]
    assert row.startswith(synced.assignment)
    for cell in ["Wait time after questions", "E-0001", "Production", "Ready", "No due date"]:
        assert cell in row

    as_json = json.loads(run("queue", "--json").out)
    assert as_json == [
        {
            "id": synced.assignment,
            "credential": "Wait time after questions",
            "educator": "E-0001",
            "attempt": 1,
            "kind": "production",
            "state": "ready",
            "status": "Ready",
            "revoked": False,
            "due_at": None,
            "due": "No due date",
        }
    ]


def test_show_prints_the_rubric_the_sheet_and_the_problems(synced: Desk, run: Run) -> None:
    run(
        "score", synced.assignment, "--level", f"{C1}=proficient", "--rationale", f"{C1}=Waits 4 s."
    )

    result = run("show", synced.assignment)

    assert result.code == 0
    out = result.out
    assert f"{synced.assignment} · Wait time after questions · educator E-0001 · attempt 1" in out
    assert "Status: In progress" in out
    assert "Evidence: 2 of 2 files downloaded" in out
    assert f"1. Wait after the question [{C1}]" in out
    assert "\n  > 2 Proficient [proficient] (3 pts, meets): " in out
    assert "\n    1 Beginning [beginning] (1 pt): " in out
    assert "    Rationale: Waits 4 s." in out
    assert f"2. Reflection on student thinking [{C2}]" in out
    assert "To do before finalizing:\n  - “Reflection on student thinking” has no level yet." in out


def test_show_of_an_unknown_assignment_exits_1(synced: Desk, run: Run) -> None:
    result = run("show", "asg-nowhere")
    assert result.code == ExitCode.USAGE
    assert "asg-nowhere" in result.err and "assessor queue" in result.err


# -- scoring -----------------------------------------------------------------------------


def test_score_accepts_ids_numbers_and_labels(synced: Desk, run: Run) -> None:
    result = run(
        "score",
        synced.assignment,
        "--level",
        f"{C1}=proficient",
        "--level",
        "2=1",
        "--rationale",
        f"{C1}=Waits 4 s, then = more.",
        "--feedback",
        "Keep waiting; ask more open questions.",
        "--private-note",
        "Audio is faint after 05:00.",
    )

    assert result.code == 0, result.err
    assert f"Saved {C1}: Proficient [proficient]" in result.out
    assert f"Saved {C2}: Beginning [beginning]" in result.out
    with profile_store() as store:
        sheet = store.sheets.load_sheet(synced.assignment)
        assert sheet.score(C1).level_id == "proficient"
        assert sheet.score(C1).rationale == "Waits 4 s, then = more."
        assert sheet.score(C2).level_id == "beginning"
        assert sheet.feedback == "Keep waiting; ask more open questions."
        assert sheet.private_note == "Audio is faint after 05:00."
    assert "Ready to finalize: Not Yet" in result.out

    by_label = run("score", synced.assignment, "--level", f"{C2}=PROFICIENT")
    assert by_label.code == 0
    assert "Ready to finalize: Pass" in by_label.out


def test_unknown_criterion_or_level_lists_the_valid_ones_and_saves_nothing(
    synced: Desk, run: Run
) -> None:
    bad_criterion = run(
        "score", synced.assignment, "--level", f"{C1}=proficient", "--level", "c9=1"
    )
    assert bad_criterion.code == ExitCode.USAGE
    assert f"No criterion 'c9' in this rubric. Use one of: {C1}, {C2} (or its number, 1-2)." in (
        bad_criterion.err
    )
    bad_level = run("score", synced.assignment, "--level", f"{C1}=superb")
    assert bad_level.code == ExitCode.USAGE
    assert "Use one of: beginning, proficient (or its number, 1-2)." in bad_level.err
    assert run("score", synced.assignment, "--level", "no-equals").code == ExitCode.USAGE
    assert run("score", synced.assignment).code == ExitCode.USAGE
    with profile_store() as store:
        assert store.sheets.revision(synced.assignment) == 0


# -- finalize and reopen -----------------------------------------------------------------


def test_finalize_refused_lists_problems_then_records_and_queues(synced: Desk, run: Run) -> None:
    refused = run("finalize", synced.assignment)
    assert refused.code == ExitCode.FINALIZE_REFUSED
    assert "cannot be finalized yet; nothing was recorded" in refused.err
    assert "  - “Wait after the question” has no level yet." in refused.err
    with profile_store() as store:
        assert store.outbox.entries() == []

    assert run("score", synced.assignment, "--level", "1=2", "--level", "2=2").code == 0
    accepted = run("finalize", synced.assignment)

    assert accepted.code == 0, accepted.err
    assert f"Recorded Pass (the rubric's result) for {synced.assignment}." in accepted.out
    assert "Status: Queued for upload." in accepted.out
    with profile_store() as store:
        [entry] = store.outbox.entries()
        assert (entry.decision.value, entry.state) == ("pass", OutboxState.QUEUED)
    assert "Queued for upload" in run("queue").out

    locked = run("score", synced.assignment, "--level", "1=1")
    assert locked.code == ExitCode.USAGE
    assert f"Reopen it to edit: assessor reopen {synced.assignment}" in locked.err

    reopened = run("reopen", synced.assignment)
    assert reopened.code == 0
    assert "In progress" in reopened.out
    with profile_store() as store:
        assert store.assignments.local_state(synced.assignment) is LocalState.IN_PROGRESS
        assert store.outbox.entries()[0].state is OutboxState.WITHDRAWN
    not_final = run("reopen", synced.assignment)
    assert not_final.code == ExitCode.USAGE
    assert "“In progress”, not finalized: there is nothing to reopen" in not_final.err


def test_an_override_needs_a_reason_and_not_yet_needs_feedback(synced: Desk, run: Run) -> None:
    assert run("score", synced.assignment, "--level", "1=1", "--level", "2=1").code == 0

    no_feedback = run("finalize", synced.assignment)
    assert no_feedback.code == ExitCode.FINALIZE_REFUSED
    assert "“Not Yet” decision needs feedback" in no_feedback.err

    no_reason = run("finalize", synced.assignment, "--decision", "pass")
    assert no_reason.code == ExitCode.FINALIZE_REFUSED
    assert "say why in the override reason" in no_reason.err
    with profile_store() as store:
        assert store.sheets.load_sheet(synced.assignment).override is None

    done = run("finalize", synced.assignment, "--decision", "pass", "--reason", "Clip 2 shows it.")
    assert done.code == 0, done.err
    assert "Recorded Pass (your decision; the rubric's result was Not Yet)" in done.out
    with profile_store() as store:
        sheet = store.sheets.load_sheet(synced.assignment)
        assert (sheet.override, sheet.override_reason) == ("pass", "Clip 2 shows it.")
        assert store.decisions.latest(synced.assignment).decision.value == "pass"


def test_a_finalize_the_database_refuses_keeps_no_override(synced: Desk, run: Run) -> None:
    assert run("score", synced.assignment, "--level", "1=1", "--level", "2=1").code == 0
    with profile_store() as store, sqlite3.connect(store.path) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )

    refused = run("finalize", synced.assignment, "--decision", "pass", "--reason", "Clip 2.")

    assert refused.code == ExitCode.INTERNAL
    assert "Your saved work is safe" in refused.err and "Recorded" not in refused.out
    with profile_store() as store:
        sheet = store.sheets.load_sheet(synced.assignment)
        assert (sheet.override, sheet.override_reason) == (None, "")
        assert store.outbox.entries() == [] and store.decisions.latest(synced.assignment) is None
        assert store.assignments.local_state(synced.assignment) is LocalState.IN_PROGRESS


# -- worksheet ---------------------------------------------------------------------------


def _edit_worksheet(path: Path, edits: dict[tuple[str, str], dict[str, str]]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(edits.get((row["assignment_id"], row["criterion_id"]), {}))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_worksheet_round_trip_with_a_refused_row_exits_6(
    synced: Desk, run: Run, tmp_path: Path
) -> None:
    second = synced.hub.seed_submission("ann", {"plan.txt": b"lesson plan"}).assignment_id
    assert run("sync", "--down-only").code == 0
    path = tmp_path / "worksheet.csv"

    exported = run("worksheet", "export", str(path))
    assert exported.code == 0
    assert "Wrote 6 rows for 2 assignments" in exported.out
    # The second sheet is edited here after the export; its worksheet rows must not win.
    assert run("score", second, "--level", "1=2").code == 0
    _edit_worksheet(
        path,
        {
            (synced.assignment, C1): {"level": "proficient", "rationale": "Waits, then asks."},
            (synced.assignment, ""): {"feedback": "Good pauses."},
            (second, C1): {"level": "beginning"},
        },
    )

    result = run("worksheet", "import", str(path))

    assert result.code == ExitCode.ROWS_REFUSED
    assert f"row 2: saved level, rationale of {synced.assignment} ({C1})" in result.out
    assert "2 rows applied" in result.out and "1 refused" in result.out
    assert "These rows were refused and nothing in them was saved:" in result.err
    assert f"  row 5 ({second}, {C1}): the sheet was edited since the export" in result.err
    with profile_store() as store:
        first = store.sheets.load_sheet(synced.assignment)
        assert first.score(C1).level_id == "proficient"
        assert first.feedback == "Good pauses."
        assert store.sheets.load_sheet(second).score(C1).level_id == "proficient"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe not a worksheet")
    refused_file = run("worksheet", "import", str(bad))
    assert refused_file.code == ExitCode.USAGE
    assert "CSV UTF-8" in refused_file.err


# -- sync up, conflicts, sign-out --------------------------------------------------------


def test_sync_up_sends_the_decision_to_the_hub(synced: Desk, run: Run) -> None:
    run("score", synced.assignment, "--level", "1=2", "--level", "2=2")
    assert run("finalize", synced.assignment).code == 0
    assert synced.hub.decision_keys() == {}

    result = run("sync", "--up-only")

    assert result.code == 0, result.err
    assert "1 decision uploaded" in result.out
    with profile_store() as store:
        [entry] = store.outbox.entries()
        assert entry.state is OutboxState.UPLOADED
    assert synced.hub.decision_keys() == {synced.assignment: entry.idempotency_key}
    assert "Uploaded" in run("queue").out
    assert "sync: Uploading decisions" in result.err  # progress lines when not a terminal
    too_late = run("reopen", synced.assignment)
    assert too_late.code == ExitCode.USAGE
    assert "the hub already has its decision" in too_late.err


def test_a_decision_the_hub_refuses_exits_4_and_needs_attention(synced: Desk, run: Run) -> None:
    run("score", synced.assignment, "--level", "1=2", "--level", "2=2")
    assert run("finalize", synced.assignment).code == 0
    synced.hub.admin.revoke(synced.assignment)

    result = run("sync")

    assert result.code == ExitCode.CONFLICTS
    assert "Needs attention" in result.err and synced.assignment in result.err
    assert synced.hub.decision_keys() == {}
    assert "Needs attention" in run("queue").out
    with profile_store() as store:
        assert store.decisions.latest(synced.assignment) is not None


def test_logout_forgets_the_token_and_keeps_the_work(
    synced: Desk, run: Run, memory_keyring: object
) -> None:
    run("score", synced.assignment, "--level", "1=2", "--level", "2=2")
    assert run("finalize", synced.assignment).code == 0

    result = run("logout")

    assert result.code == 0
    assert "with 1 decision queued for upload" in result.out
    assert tokens(memory_keyring) == []
    with profile_store() as store:
        assert store.outbox.entries()[0].state is OutboxState.QUEUED
        assert store.sheets.load_sheet(synced.assignment).score(C1).level_id == "proficient"
    again = run("sync")
    assert again.code == ExitCode.SIGN_IN
    assert "sign in" in again.err
    assert "Queued for upload" in run("queue").out


def test_logout_has_the_hub_revoke_the_token(
    synced: Desk, run: Run, memory_keyring: object
) -> None:
    secrets: dict[tuple[str, str], str] = memory_keyring.secrets  # type: ignore[attr-defined]
    [token] = [secrets[key] for key in tokens(memory_keyring)]
    me = f"{synced.hub.base_url}/api/v1/me"
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    result = run("logout")

    assert result.code == 0, result.err
    assert "could not be reached" not in result.out
    assert tokens(memory_keyring) == []
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_logout_offline_forgets_the_token_and_says_the_hub_was_not_told(
    synced: Desk, run: Run, memory_keyring: object
) -> None:
    synced.hub.stop()

    result = run("logout")

    assert result.code == 0, result.err
    assert "Signed out of" in result.out
    assert "The hub could not be reached, so it was not told" in result.out
    assert tokens(memory_keyring) == []


def test_profile_option_picks_a_profile_and_unknown_ones_exit_2(synced: Desk, run: Run) -> None:
    chosen = run("--profile", f"{synced.hub.base_url}@ann", "queue")
    assert chosen.code == 0 and synced.assignment in chosen.out
    other = run("--profile", f"{synced.hub.base_url}@zed", "queue")
    assert other.code == ExitCode.SIGN_IN
    assert f"assessor login {synced.hub.base_url} --user zed" in other.err


def test_passphrase_file_profile_reads_password_and_passphrase_from_stdin(
    desk: Desk, run: Run, memory_keyring: object
) -> None:
    login = run(
        "login",
        desk.hub.base_url,
        "--user",
        "ann",
        "--password-stdin",
        "--secret-store",
        "passphrase-file",
        "--passphrase-stdin",
        stdin=f"{PASSWORD}\nmy long passphrase\n",
    )
    assert login.code == 0, login.err
    assert "passphrase-protected secrets file" in login.out
    assert memory_keyring.secrets == {}  # type: ignore[attr-defined]
    profile = last_profile()
    assert profile is not None and (profile.directory / "secrets.enc").exists()

    wrong = run("sync", "--passphrase-stdin", stdin="not it\n")
    assert wrong.code == ExitCode.SIGN_IN
    assert "does not unlock" in wrong.err
    synced = run("sync", "--passphrase-stdin", stdin="my long passphrase\n")
    assert synced.code == 0, synced.err
    assert "1 new" in synced.out

    again = run(
        "login",
        desk.hub.base_url,
        "--user",
        "ann",
        "--password-stdin",
        "--passphrase-stdin",
        stdin=f"{PASSWORD}\nmy long passphrase\n",
    )
    assert again.code == 0, again.err  # the profile keeps its passphrase file
    refused = run(
        "login",
        desk.hub.base_url,
        "--user",
        "ann",
        "--secret-store",
        "keyring",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert refused.code == ExitCode.USAGE
    assert "would make the evidence already downloaded unreadable" in refused.err


def test_without_a_keyring_login_names_the_passphrase_file_choice(desk: Desk, run: Run) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())

    result = run("login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD)

    assert result.code == ExitCode.SIGN_IN
    assert "No system keyring is available" in result.err
    assert "--secret-store passphrase-file" in result.err
