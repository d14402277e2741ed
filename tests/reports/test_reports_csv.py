"""The decisions CSV: stable columns, RFC 4180 quoting, UTF-8, formula-injection guard."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from report_kit import credential, sheet, submission

from assessor_app.common.csv_cells import neutralize_formula
from assessor_app.domain import Assignment, AssignmentKind, Decision
from assessor_app.reports.csv_export import (
    COLUMNS,
    DecisionRow,
    write_decisions_csv,
)

FINALIZED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

ROW = DecisionRow(
    assignment_id="asg-1",
    submission_id="sub-1",
    credential_id="wait-time",
    credential_title="Wait time in questioning",
    attempt=1,
    educator_pseudonym="Educator E-4821",
    kind=AssignmentKind.PRODUCTION,
    decision=Decision.PASS,
    finalized_at=FINALIZED,
    uploaded_at=FINALIZED + timedelta(minutes=5),
    state="uploaded",
    total_points=6.0,
    levels={"pauses": "pauses-3", "reflection": "reflection-3"},
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_columns_are_the_documented_stable_layout(tmp_path: Path) -> None:
    assert COLUMNS == (
        "assignment_id",
        "submission_id",
        "credential_id",
        "credential_title",
        "attempt",
        "educator_pseudonym",
        "kind",
        "decision",
        "finalized_at",
        "uploaded_at",
        "state",
        "total_points",
        "levels",
    )
    out = tmp_path / "decisions.csv"
    assert write_decisions_csv(out, [ROW]) == 1
    raw = out.read_bytes()
    assert raw.startswith(b"assignment_id,submission_id,credential_id,credential_title,")
    assert raw.count(b"\r\n") == 2
    assert raw.endswith(b"\r\n")
    [row] = _read(out)
    assert row == {
        "assignment_id": "asg-1",
        "submission_id": "sub-1",
        "credential_id": "wait-time",
        "credential_title": "Wait time in questioning",
        "attempt": "1",
        "educator_pseudonym": "Educator E-4821",
        "kind": "production",
        "decision": "pass",
        "finalized_at": "2025-03-14T09:30:00Z",
        "uploaded_at": "2025-03-14T09:35:00Z",
        "state": "uploaded",
        "total_points": "6",
        "levels": "pauses=pauses-3;reflection=reflection-3",
    }


def test_empty_history_writes_only_the_header(tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert write_decisions_csv(out, []) == 0
    assert out.read_bytes() == (",".join(COLUMNS) + "\r\n").encode()


def test_rfc4180_quoting_and_utf8(tmp_path: Path) -> None:
    tricky = replace(
        ROW,
        credential_title='Wait time, “pauses” and "think time"\nin questioning',
        educator_pseudonym="Éducatrice Zoë",
        total_points=5.5,
        uploaded_at=None,
        state="queued",
    )
    out = tmp_path / "decisions.csv"
    write_decisions_csv(out, [tricky])
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert '"Wait time, “pauses” and ""think time""\nin questioning"'.encode() in raw
    assert "Éducatrice Zoë".encode() in raw
    [row] = _read(out)
    assert row["credential_title"] == 'Wait time, “pauses” and "think time"\nin questioning'
    assert row["uploaded_at"] == ""
    assert row["total_points"] == "5.5"


def test_formula_injection_is_neutralised(tmp_path: Path) -> None:
    hostile = replace(
        ROW,
        assignment_id='=HYPERLINK("http://x.test","click")',
        credential_title="+SUM(1,2)",
        educator_pseudonym="@cmd|' /C calc'!A0",
        state="-2+3",
        submission_id="\tsub",
        credential_id="\r=1",
    )
    out = tmp_path / "decisions.csv"
    write_decisions_csv(out, [hostile])
    [row] = _read(out)
    assert row["assignment_id"] == '\'=HYPERLINK("http://x.test","click")'
    assert row["credential_title"] == "'+SUM(1,2)"
    assert row["educator_pseudonym"] == "'@cmd|' /C calc'!A0"
    assert row["state"] == "'-2+3"
    assert row["submission_id"] == "'\tsub"
    assert row["credential_id"] == "'\r=1"
    # Values this module formats itself are never altered.
    assert row["total_points"] == "6"
    assert row["finalized_at"] == "2025-03-14T09:30:00Z"


def test_neutralize_leaves_ordinary_text_alone() -> None:
    assert neutralize_formula("Wait time = patience") == "Wait time = patience"
    assert neutralize_formula("") == ""
    assert neutralize_formula("-") == "'-"


def test_negative_points_stay_a_number(tmp_path: Path) -> None:
    out = tmp_path / "neg.csv"
    write_decisions_csv(out, [replace(ROW, total_points=-1.5)])
    assert _read(out)[0]["total_points"] == "-1.5"


def test_timestamps_are_utc(tmp_path: Path) -> None:
    eastern = timezone(timedelta(hours=-5))
    row = replace(
        ROW,
        finalized_at=datetime(2025, 3, 14, 22, 0, tzinfo=eastern),
        uploaded_at=datetime(2025, 3, 15, 4, 0),  # naive: taken as UTC
    )
    out = tmp_path / "tz.csv"
    write_decisions_csv(out, [row])
    [read] = _read(out)
    assert read["finalized_at"] == "2025-03-15T03:00:00Z"
    assert read["uploaded_at"] == "2025-03-15T04:00:00Z"


def test_excel_bom_on_request(tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    write_decisions_csv(out, [ROW], excel_bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfassignment_id,")


def test_writes_to_a_text_stream() -> None:
    stream = io.StringIO(newline="")
    assert write_decisions_csv(stream, [ROW, replace(ROW, assignment_id="asg-2")]) == 2
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert [r["assignment_id"] for r in rows] == ["asg-1", "asg-2"]


def test_row_from_domain_objects() -> None:
    assignment = Assignment(
        id="asg-9",
        submission_id="sub-2",
        kind=AssignmentKind.CALIBRATION,
        status="decided",
        version=3,
        assigned_at=FINALIZED,
    )
    partial = sheet(pauses="pauses-2").with_level("reflection", None)
    row = DecisionRow.from_domain(
        assignment=assignment,
        submission=submission(attempt=2),
        credential=credential(),
        sheet=partial,
        decision=Decision.NOT_YET,
        finalized_at=FINALIZED,
        uploaded_at=None,
        state="queued",
    )
    assert row.total_points == 2.0
    assert dict(row.levels) == {"pauses": "pauses-2", "reflection": None}
    stream = io.StringIO(newline="")
    write_decisions_csv(stream, [row])
    [read] = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert read["kind"] == "calibration"
    assert read["decision"] == "not_yet"
    assert read["attempt"] == "2"
    assert read["levels"] == "pauses=pauses-2;reflection="
