"""services.reports: the decision history CSV from a real store (columns, rows, states,
reopened decisions left out) and the feedback report written whole or not at all."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from quality_kit import GOOD_FEEDBACK, Seeded, score_all

from assessor_app.reports import COLUMNS
from assessor_app.reports.csv_export import format_timestamp
from assessor_app.services import reports
from assessor_app.services.reports import NoDecisionError, feedback_report, history_csv


def _finalize(seeded: Seeded, assignment_id: str, *, meets: bool, prefix: str = "") -> int:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, assignment_id, meets=meets, prefix=prefix)
    scoring.set_feedback(assignment_id, GOOD_FEEDBACK)
    return scoring.finalize(assignment_id).outbox_id


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_history_has_the_decisions_in_force_oldest_first(seeded: Seeded, tmp_path: Path) -> None:
    store, credential = seeded.store, seeded.credential
    first = _finalize(seeded, "asg-1", meets=False)
    second = _finalize(seeded, "asg-2", meets=True, prefix="s2-")
    store.outbox.mark_uploading(second)
    uploaded_at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    store.outbox.mark_uploaded(second, uploaded_at)

    out = tmp_path / "history.csv"
    assert history_csv(store, out) == 2
    assert out.read_bytes().startswith(b"assignment_id,submission_id,")
    assert b"\r\n" in out.read_bytes()
    one, two = _rows(out)

    low = {
        c.id: next(lv for lv in reversed(c.levels) if not lv.meets)
        for c in credential.rubric.criteria
    }
    high = {
        c.id: next(lv for lv in reversed(c.levels) if lv.meets) for c in credential.rubric.criteria
    }
    assert one == {
        "assignment_id": "asg-1",
        "submission_id": "sub-1",
        "credential_id": "wait-time-questioning",
        "credential_title": credential.title,
        "attempt": "1",
        "educator_pseudonym": "E-4821",
        "kind": "production",
        "decision": "not_yet",
        "finalized_at": one["finalized_at"],
        "uploaded_at": "",
        "state": "queued",
        "total_points": f"{sum(lv.points for lv in low.values()):g}",
        "levels": ";".join(f"{cid}={lv.id}" for cid, lv in low.items()),
    }
    assert one["finalized_at"] == format_timestamp(store.outbox.get(first).created_at)
    assert one["finalized_at"].endswith("Z")
    assert two["assignment_id"] == "asg-2"
    assert two["attempt"] == "2"
    assert two["decision"] == "pass"
    assert two["state"] == "uploaded"
    assert two["uploaded_at"] == "2026-03-04T05:06:07Z"
    assert two["levels"] == ";".join(f"{cid}={lv.id}" for cid, lv in high.items())


def test_a_reopened_decision_is_not_in_the_history(seeded: Seeded) -> None:
    _finalize(seeded, "asg-1", meets=True)
    seeded.scoring().reopen("asg-1")
    stream = io.StringIO(newline="")
    assert history_csv(seeded.store, stream) == 0
    assert stream.getvalue() == ",".join(COLUMNS) + "\r\n"


def test_excel_flavour_starts_with_a_byte_order_mark(seeded: Seeded, tmp_path: Path) -> None:
    _finalize(seeded, "asg-1", meets=True)
    out = tmp_path / "excel.csv"
    assert history_csv(seeded.store, out, excel_bom=True) == 1
    assert out.read_bytes().startswith(b"\xef\xbb\xbfassignment_id,")


def test_a_failed_report_leaves_the_old_file_and_no_partial_one(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _finalize(seeded, "asg-1", meets=True)
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the earlier report")

    def broken(target: Path, **_: object) -> None:
        target.write_bytes(b"%PDF half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reports, "build_feedback_report", broken)
    with pytest.raises(OSError, match="No space left"):
        feedback_report(seeded.store, "asg-1", out)
    assert out.read_bytes() == b"the earlier report"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "assessor-home") == ["report.pdf"]


def test_a_report_to_a_stream_and_its_summary(seeded: Seeded) -> None:
    with pytest.raises(NoDecisionError):
        feedback_report(seeded.store, "asg-1", io.BytesIO())
    _finalize(seeded, "asg-1", meets=True)
    stream = io.BytesIO()
    info = feedback_report(seeded.store, "asg-1", stream)
    assert stream.getvalue().startswith(b"%PDF-")
    assert (info.assignment_id, info.attempt, info.path) == ("asg-1", 1, None)
    assert info.decision.value == "pass"
    assert info.credential_title == seeded.credential.title
