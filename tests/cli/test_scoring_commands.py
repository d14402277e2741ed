"""``assessor decline``, ``assessor backreading`` and what ``assessor queue`` says about
scoring operations, in-process against a real hub on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cli_kit import Desk, Run

from assessor_app.cli.errors import ExitCode
from assessor_app.protocol.scoring import BackreadFinding
from assessor_app.protocol.v1 import RecalibrationNotice
from assessor_app.store import last_profile, open_store


def test_decline_is_queued_shown_in_the_queue_and_refused_twice(synced: Desk, run: Run) -> None:
    missing = run("decline", synced.assignment, "--reason", "conflict")
    assert missing.code == ExitCode.USAGE and "--comment" in missing.err
    unknown = run("decline", "nope", "--reason", "conflict", "--comment", "x")
    assert unknown.code == ExitCode.USAGE
    assert "There is no assignment nope here" in unknown.err

    done = run("decline", synced.assignment, "--reason", "conflict", "--comment", "I coached her.")
    assert done.code == 0, done.err
    assert done.out.startswith(f"Declined {synced.assignment} (Conflict of interest).")
    queue = run("queue")
    assert "Decline queued" in queue.out.splitlines()[1]
    (item,) = json.loads(run("queue", "--json").out)
    assert item["status"] == "Decline queued"
    again = run("decline", synced.assignment, "--reason", "cannot-score", "--comment", "x")
    assert again.code == ExitCode.USAGE
    assert "declined this assignment already" in again.err


def test_backreading_lists_findings_and_the_queue_says_why_no_work_arrives(
    synced: Desk, run: Run
) -> None:
    empty = run("backreading")
    assert empty.code == 0
    assert empty.out.startswith("No backreader has disagreed with your sheets")
    profile = last_profile()
    assert profile is not None
    with open_store(profile) as store:
        store.findings.replace_all(
            [
                BackreadFinding(
                    assignment_id=synced.assignment,
                    credential_title="Wait time after questions",
                    educator_pseudonym="E-0001",
                    criterion_id="c1-wait",
                    criterion_title="Wait after the question",
                    own_level_id="proficient",
                    backreader_level_id="beginning",
                    comment="Pauses of one second.\x1b[31m",
                    recorded_at=datetime(2026, 12, 5, tzinfo=UTC),
                )
            ]
        )
        store.settings.set_recalibration(
            [
                RecalibrationNotice(
                    credential_id="support-wait-time",
                    credential_title="Wait time after questions",
                    reason="1 of your last 3 validity papers agreed with the key.",
                )
            ]
        )
    listed = run("backreading")
    assert listed.code == 0
    header, row, comment = listed.out.splitlines()
    assert header.split()[:4] == ["ID", "CREDENTIAL", "EDUCATOR", "CRITERION"]
    assert row.split()[-2:] == ["Proficient", "Beginning"]
    assert comment.endswith("Wait after the question: Pauses of one second.")
    assert "\x1b" not in listed.out  # no escape sequence reaches the terminal
    (finding,) = json.loads(run("backreading", "--json").out)
    assert (finding["your_level"], finding["backreader_level"]) == ("Proficient", "Beginning")
    queue = run("queue").out
    assert "Recalibration required for “Wait time after questions”: 1 of your last 3" in queue
    assert "No new production work arrives" in queue
