"""``assessor finalize`` with the feedback check, ``assessor report`` and ``assessor history
export``: end to end against a real hub on 127.0.0.1, and on a seeded local store.
Report text is read back with ``pdftotext``."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from quality_kit import GOOD_FEEDBACK, OVERRIDE_REASON, PRIVATE_NOTE, Seeded, score_all
from sqlalchemy import select
from support.hub import PASSWORD, RunningHub, real_hub  # noqa: F401

from assessor_app.cli.errors import ExitCode
from assessor_app.cli.main import main
from assessor_app.domain import Citation, Decision, PdfPage, TimeRange
from assessor_app.domain.assignment_state import LocalState
from assessor_app.hub.db import DecisionRow as HubDecisionRow
from assessor_app.reports import COLUMNS
from assessor_app.services.scoring import ScoringService
from assessor_app.store import last_profile, open_store

QUALITY_REASON = "Agreed with the programme lead: short notes for this cohort"
CLIP = bytes(range(256)) * 400


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def call(*argv: str, stdin: str = "") -> Result:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


def pdf_text(path: Path) -> str:
    """The PDF's text with whitespace collapsed, so wrapped lines read as one."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return " ".join(done.stdout.decode("utf-8").split())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_finalize_report_and_history_end_to_end_with_a_hub(
    real_hub: RunningHub,  # noqa: F811
    run: Run,
    tmp_path: Path,
) -> None:
    real_hub.add_assessor("ann")
    seeded = real_hub.seed_submission("ann", {"clip.mp4": CLIP, "plan.pdf": b"%PDF-1.4\n"})
    aid = seeded.assignment_id
    login = run("login", real_hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD)
    assert login.code == 0, login.err
    assert run("sync").code == 0
    scored = run(
        "score",
        aid,
        "--level",
        "c1-wait=beginning",
        "--level",
        "c2-reflection=proficient",
        "--rationale",
        "c1-wait=Answers came within a second of each question.",
        "--rationale",
        "c2-reflection=The reflection links pauses to who answered.",
        "--feedback",
        "Please try again.",
        "--private-note",
        PRIVATE_NOTE,
    )
    assert scored.code == 0, scored.err
    profile = last_profile()
    assert profile is not None
    with open_store(profile) as store:
        clip = seeded.artifact("clip.mp4").id
        plan = seeded.artifact("plan.pdf").id
        scoring = ScoringService(store)
        scoring.add_citation(aid, "c1-wait", Citation(clip, TimeRange(192_000, 220_000)))
        scoring.add_citation(aid, "c2-reflection", Citation(plan, PdfPage(2)))

    refused = run("finalize", aid)
    assert refused.code == ExitCode.FINALIZE_REFUSED
    assert "the feedback check found problems; nothing was recorded" in refused.err
    assert "The feedback names no criterion" in refused.err
    assert "this credential asks for at least 200" in refused.err
    assert "--accept-feedback-warnings REASON" in refused.err
    with open_store(profile) as store:
        assert store.assignments.local_state(aid) is LocalState.IN_PROGRESS
        assert store.outbox.entries() == []

    accepted = run("finalize", aid, "--accept-feedback-warnings", QUALITY_REASON)
    assert accepted.code == 0, accepted.err
    assert "Recorded Not Yet" in accepted.out
    assert "Finalized over 2 feedback findings" in accepted.out
    assert run("sync").code == 0
    with real_hub.admin.db.read() as session:
        body = session.scalars(select(HubDecisionRow.body)).one()
    assert body["feedback"] == "Please try again."
    assert QUALITY_REASON not in json.dumps(body)
    with open_store(profile) as store:
        recorded = store.decisions.latest(aid)
        assert recorded is not None and recorded.quality_override_reason == QUALITY_REASON
        assert store.assignments.local_state(aid) is LocalState.UPLOADED

    out = tmp_path / "report.pdf"
    reported = run("report", aid, "--out", str(out))
    assert reported.code == 0, reported.err
    assert f"to {out}" in reported.out
    text = pdf_text(out)
    for expected in (
        "Wait after the question",
        "Reflection on student thinking",
        "Decision: Not Yet",
        "Beginning",
        "Proficient",
        "Please try again.",
        "Answers came within a second of each question.",
        "clip.mp4, 03:12-03:40",
        "plan.pdf, p. 2",
    ):
        assert expected in text, expected
    assert PRIVATE_NOTE not in text
    assert QUALITY_REASON not in text

    history = tmp_path / "history.csv"
    exported = run("history", "export", str(history))
    assert exported.code == 0, exported.err
    assert "Wrote 1 decision " in exported.out
    [row] = read_csv(history)
    assert row["assignment_id"] == aid
    assert row["credential_id"] == "support-wait-time"
    assert row["decision"] == "not_yet"
    assert row["state"] == "uploaded"
    assert row["uploaded_at"].endswith("Z")
    assert row["total_points"] == "3"
    assert row["levels"] == "c1-wait=beginning;c2-reflection=proficient"


def test_report_of_a_resubmission_leaves_out_private_and_override_text(
    seeded: Seeded, run: Run, tmp_path: Path
) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-2", meets=True, prefix="s2-")
    scoring.set_feedback("asg-2", GOOD_FEEDBACK)
    scoring.set_override("asg-2", Decision.NOT_YET, OVERRIDE_REASON)
    scoring.finalize("asg-2")

    out = tmp_path / "resubmission.pdf"
    result = run("report", "asg-2", "--out", str(out))
    assert result.code == 0, result.err
    assert "attempt 2: Not Yet" in result.out
    text = pdf_text(out)
    for criterion in seeded.credential.rubric.criteria:
        assert criterion.title in text
        assert f"Rationale for {criterion.title}: seen in the clip." in text
    assert "What changed since attempt 1" in text
    assert "I filmed a new lesson with longer pauses." in text
    assert "Lesson clip, 03:05-03:40" in text
    assert "Lesson plan, p. 2" in text
    assert "Reflection: “I counted to five in my head”" in text
    assert "at 03:05 you waited almost four seconds" in text
    assert PRIVATE_NOTE not in text
    assert OVERRIDE_REASON not in text


def test_report_needs_a_decision_and_writes_nothing_without_one(
    seeded: Seeded, run: Run, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / "none.pdf"
    result = run("report", "asg-1", "--out", str(out))
    assert result.code == ExitCode.USAGE
    assert "There is no decision for asg-1 yet: finalize it first" in result.err
    assert list(reports.iterdir()) == []

    unknown = run("report", "asg-404", "--out", str(out))
    assert unknown.code == ExitCode.USAGE
    assert "no assignment 'asg-404'" in unknown.err

    nowhere = run("report", "asg-1", "--out", str(tmp_path / "missing" / "r.pdf"))
    assert nowhere.code == ExitCode.USAGE
    assert "There is no folder" in nowhere.err


def test_finalize_on_a_local_store_lists_findings_then_accepts_a_reason(
    seeded: Seeded, run: Run
) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=True)
    scoring.set_feedback("asg-1", "Lovely lesson, well done.")

    refused = run("finalize", "asg-1")
    assert refused.code == ExitCode.FINALIZE_REFUSED
    assert refused.err.count("  - ") == 1
    assert "The feedback names no criterion" in refused.err
    assert seeded.store.decisions.latest("asg-1") is None

    blank = run("finalize", "asg-1", "--accept-feedback-warnings", "  ")
    assert blank.code == ExitCode.FINALIZE_REFUSED

    done = run("finalize", "asg-1", "--accept-feedback-warnings", QUALITY_REASON)
    assert done.code == 0, done.err
    recorded = seeded.store.decisions.latest("asg-1")
    assert recorded is not None
    assert recorded.decision is Decision.PASS
    assert recorded.quality_override_reason == QUALITY_REASON
