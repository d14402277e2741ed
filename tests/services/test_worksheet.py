"""The offline grading worksheet: export layout, round trips through real CSV files,
refusal of rows whose sheet changed since the export, row-numbered errors, spreadsheet
quirks (BOM, CRLF, ``;``), formula-injection safety, and property tests for parsing."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessor_app.domain.assignment_state import LocalState
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import AssignmentItem, SubmissionOut
from assessor_app.services.scoring import ScoringService
from assessor_app.services.worksheet import (
    COLUMNS,
    FEEDBACK_ROW_TITLE,
    WorksheetFormatError,
    WorksheetRow,
    escape_cell,
    export_worksheet,
    import_worksheet,
    parse_worksheet,
    render_worksheet,
    unescape_cell,
)
from assessor_app.store import Store

C1 = "c1-wait-after-question"
C2 = "c2-wait-after-response"
C5 = "c5-reflection"
CRITERIA = 5


def add_assignment(store: Store, schema: CredentialSchema, assignment_id: str) -> None:
    """A second downloaded assignment of the same credential, due after asg-1."""
    store.assignments.upsert(
        [
            AssignmentItem(
                id=assignment_id,
                submission_id=f"sub-{assignment_id}",
                kind="production",
                status="assigned",
                version=1,
                assigned_at=datetime.now(UTC),
                due_at=datetime.now(UTC) + timedelta(days=9),
            )
        ]
    )
    store.submissions.save(
        SubmissionOut(
            id=f"sub-{assignment_id}", credential=schema, attempt=2, educator_pseudonym="E-7"
        )
    )
    store.assignments.set_local_state(assignment_id, LocalState.READY)


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_table(path: Path, table: list[dict[str, str]], *, bom: bool = True) -> None:
    """Save rows as a spreadsheet would: no escaping beyond CSV quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))


def row_of(table: list[dict[str, str]], assignment_id: str, criterion_id: str) -> dict[str, str]:
    return next(
        r
        for r in table
        if r["assignment_id"] == assignment_id and r["criterion_id"] == criterion_id
    )


def test_export_writes_one_row_per_criterion_and_a_feedback_row(
    store: Store, tmp_path: Path
) -> None:
    service = ScoringService(store)
    service.set_level("asg-1", C1, "proficient")
    service.set_rationale("asg-1", C1, "Waited 4 s after each open question (03:12).")
    service.set_feedback("asg-1", "Strong pauses; add more open questions.")
    path = tmp_path / "sheet.csv"

    report = export_worksheet(store, path)

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == CRITERIA + 2  # header, criteria, feedback row
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (report.assignments, report.rows) == (1, CRITERIA + 1)
    table = read_table(path)
    assert list(table[0]) == list(COLUMNS)
    first = row_of(table, "asg-1", C1)
    assert first == {
        "assignment_id": "asg-1",
        "sheet_revision": "3",
        "credential": "Wait Time in Questioning",
        "educator": "E-4821",
        "criterion_id": C1,
        "criterion": first["criterion"],
        "allowed_levels": "beginning|developing|proficient|exemplary",
        "level": "proficient",
        "rationale": "Waited 4 s after each open question (03:12).",
        "feedback": "",
    }
    assert first["criterion"]
    assert row_of(table, "asg-1", C5)["allowed_levels"] == "beginning|proficient|exemplary"
    feedback = table[-1]
    assert feedback["criterion_id"] == "" and feedback["criterion"] == FEEDBACK_ROW_TITLE
    assert feedback["feedback"] == "Strong pauses; add more open questions."
    assert [r["criterion_id"] for r in table[:-1]][:2] == [C1, C2]


def test_export_skips_finalized_withdrawn_and_undownloaded_work(
    store: Store, credential_schema: CredentialSchema, tmp_path: Path
) -> None:
    add_assignment(store, credential_schema, "asg-2")
    add_assignment(store, credential_schema, "asg-3")
    store.assignments.upsert(
        [
            AssignmentItem(
                id="asg-4",
                submission_id="sub-never-fetched",
                kind="production",
                status="assigned",
                version=1,
                assigned_at=datetime.now(UTC),
            )
        ]
    )
    store.assignments.mark_revoked(["asg-3"])
    service = ScoringService(store)
    for criterion in service.open("asg-2").credential.rubric.criteria:
        service.set_level("asg-2", criterion.id, criterion.levels[-1].id)
        service.set_rationale("asg-2", criterion.id, "Clear evidence.")
    service.finalize("asg-2")
    path = tmp_path / "sheet.csv"

    report = export_worksheet(store, path)

    assert {r["assignment_id"] for r in read_table(path)} == {"asg-1"}
    assert report.assignments == 1


def test_round_trip_applies_levels_rationales_and_feedback(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)
    table = read_table(path)
    row_of(table, "asg-1", C1).update(level="proficient", rationale="Waits 3-5 s, 03:12-03:40.")
    row_of(table, "asg-1", C2).update(level="2")  # numbers count from the lowest level
    row_of(table, "asg-1", C5).update(level="Exemplary")  # so do labels, in any case
    row_of(table, "asg-1", "")["feedback"] = "Keep the pauses; plan more open questions."
    write_table(path, table)

    report = import_worksheet(store, path)

    assert report.ok and report.refused == []
    assert {(c.row, c.criterion_id, c.changed) for c in report.applied} == {
        (2, C1, ("level", "rationale")),
        (3, C2, ("level",)),
        (6, C5, ("level",)),
        (7, "", ("feedback",)),
    }
    assert report.unchanged == 2
    sheet = store.sheets.load_sheet("asg-1")
    assert sheet.score(C1).level_id == "proficient"
    assert sheet.score(C1).rationale == "Waits 3-5 s, 03:12-03:40."
    assert sheet.score(C2).level_id == "developing"
    assert sheet.score(C5).level_id == "exemplary"
    assert sheet.feedback == "Keep the pauses; plan more open questions."
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS

    again = tmp_path / "again.csv"
    export_worksheet(store, again)
    assert row_of(read_table(again), "asg-1", C1)["rationale"] == "Waits 3-5 s, 03:12-03:40."
    # Importing the same file twice changes nothing and refuses nothing.
    assert import_worksheet(store, again).applied == []


def test_clearing_a_level_in_the_worksheet_clears_it(store: Store, tmp_path: Path) -> None:
    ScoringService(store).set_level("asg-1", C1, "developing")
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)
    table = read_table(path)
    row_of(table, "asg-1", C1)["level"] = ""
    write_table(path, table)

    report = import_worksheet(store, path)

    assert [c.changed for c in report.applied] == [("level",)]
    assert store.sheets.load_sheet("asg-1").score(C1).level_id is None


def test_rows_of_a_sheet_edited_since_the_export_are_refused_not_overwritten(
    store: Store, credential_schema: CredentialSchema, tmp_path: Path
) -> None:
    add_assignment(store, credential_schema, "asg-2")
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)
    table = read_table(path)
    # Meanwhile the assessor scores asg-1 in the app.
    ScoringService(store).set_level("asg-1", C1, "exemplary")
    row_of(table, "asg-1", C1)["level"] = "beginning"
    row_of(table, "asg-1", "")["feedback"] = "Written in the worksheet."
    row_of(table, "asg-2", C1)["level"] = "proficient"
    write_table(path, table)

    report = import_worksheet(store, path)

    assert not report.ok
    assert [(r.row, r.assignment_id, r.criterion_id) for r in report.refused] == [
        (2, "asg-1", C1),
        (7, "asg-1", ""),
    ]
    assert all("edited since the export" in r.reason for r in report.refused)
    assert "revision 0 then, 1 now" in report.refused[0].reason
    assert report.refused[0].describe().startswith(f"row 2 (asg-1, {C1}): ")
    assert [(c.row, c.assignment_id) for c in report.applied] == [(8, "asg-2")]
    assert store.sheets.load_sheet("asg-1").score(C1).level_id == "exemplary"
    assert store.sheets.load_sheet("asg-1").feedback == ""
    assert store.sheets.load_sheet("asg-2").score(C1).level_id == "proficient"


def test_rows_of_a_sheet_finalized_since_the_export_are_refused(
    store: Store, tmp_path: Path
) -> None:
    service = ScoringService(store)
    path = tmp_path / "sheet.csv"
    for criterion in service.open("asg-1").credential.rubric.criteria:
        service.set_level("asg-1", criterion.id, criterion.levels[-1].id)
        service.set_rationale("asg-1", criterion.id, "Clear evidence.")
    export_worksheet(store, path)
    service.finalize("asg-1")
    table = read_table(path)
    row_of(table, "asg-1", C1)["level"] = "beginning"
    write_table(path, table)

    report = import_worksheet(store, path)

    assert [(r.row, r.reason) for r in report.refused] == [
        (2, "the sheet is finalized since the export: reopen it to edit")
    ]
    assert store.sheets.load_sheet("asg-1").score(C1).level_id == "exemplary"


def test_bad_rows_are_listed_with_their_row_numbers_and_the_rest_applied(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)
    table = read_table(path)
    row_of(table, "asg-1", C1)["level"] = "superb"  # row 2
    row_of(table, "asg-1", C2)["level"] = "proficient"  # row 3: fine
    table[2]["sheet_revision"] = "three"  # row 4
    table[3]["criterion_id"] = "c9-unknown"  # row 5
    table[4]["feedback"] = "on the wrong row"  # row 6
    table.append({**table[0], "assignment_id": "asg-elsewhere"})  # row 8
    table.append({**table[1]})  # row 9: row 3 again
    table.append({**table[0], "assignment_id": ""})  # row 10
    write_table(path, table)

    report = import_worksheet(store, path)

    refused = {r.row: r.reason for r in report.refused}
    assert sorted(refused) == [2, 4, 5, 6, 8, 9, 10]
    assert refused[2] == (
        f"No level 'superb' for criterion '{C1}'. Use one of: beginning, developing, "
        "proficient, exemplary (or its number, 1-4)."
    )
    assert "sheet_revision must be the number exported" in refused[4]
    assert "no criterion 'c9-unknown'" in refused[5] and C1 in refused[5]
    assert "feedback row" in refused[6]
    assert refused[8] == "no assignment 'asg-elsewhere' on this computer"
    assert refused[9] == "the same criterion is on row 3 already"
    assert refused[10] == "the assignment_id cell is empty"
    assert [(c.row, c.criterion_id) for c in report.applied] == [(3, C2)]
    sheet = store.sheets.load_sheet("asg-1")
    assert sheet.score(C1).level_id is None
    assert sheet.score(C2).level_id == "proficient"


def test_feedback_row_refuses_a_level(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)
    table = read_table(path)
    row_of(table, "asg-1", "")["level"] = "proficient"
    write_table(path, table)

    report = import_worksheet(store, path)

    assert [r.row for r in report.refused] == [7]
    assert "takes only feedback" in report.refused[0].reason


@pytest.mark.parametrize(
    ("bom", "newline", "delimiter"),
    [
        (True, "\r\n", ","),
        (False, "\n", ","),
        (False, "\r\n", ";"),
        (True, "\n", "\t"),
    ],
)
def test_import_reads_what_spreadsheets_write(
    store: Store, tmp_path: Path, bom: bool, newline: str, delimiter: str
) -> None:
    path = tmp_path / "sheet.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    # Header with stray spaces and capitals; trailing empty cells dropped; a blank row;
    # a multi-line rationale with commas and quotes.
    writer.writerow([f" {c.upper()} " for c in COLUMNS])
    writer.writerow(["asg-1", "0", "", "", C1, "", "", "3", 'Says "wait",\r\nthen waits.'])
    writer.writerow([])
    writer.writerow(["asg-1", "0", "", "", "", "", "", "", "", "Line one;\nline two"])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))

    report = import_worksheet(store, path)

    assert report.refused == []
    assert [(c.row, c.criterion_id) for c in report.applied] == [(2, C1), (4, "")]
    sheet = store.sheets.load_sheet("asg-1")
    assert sheet.score(C1).level_id == "proficient"
    assert sheet.score(C1).rationale == 'Says "wait",\r\nthen waits.'
    assert sheet.feedback == "Line one;\nline two"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"assignment_id,level\r\n", "lacks the columns sheet_revision, criterion_id"),
        (b"assignment_id,sheet_revision\xff\xfe\r\n", "not UTF-8"),
        (
            b'assignment_id,sheet_revision,criterion_id,level,rationale,feedback\r\n"a"b,1\r\n',
            "not valid CSV",
        ),
    ],
)
def test_files_that_are_not_worksheets_are_refused_whole(
    store: Store, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(WorksheetFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_worksheet(store, path)
    assert store.sheets.revision("asg-1") == 0


def test_missing_file_is_a_format_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(WorksheetFormatError, match="Cannot read"):
        import_worksheet(store, tmp_path / "absent.csv")


INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+2", "-2", "@SUM(A1)", "\tTAB", "'quoted"]


def test_export_neutralises_formulas_and_import_restores_the_text(
    store: Store, tmp_path: Path
) -> None:
    service = ScoringService(store)
    criteria = [c.id for c in service.open("asg-1").credential.rubric.criteria]
    for criterion_id, text in zip(criteria, INJECTIONS, strict=False):
        service.set_rationale("asg-1", criterion_id, text)
    service.set_feedback("asg-1", INJECTIONS[-1])
    path = tmp_path / "sheet.csv"
    export_worksheet(store, path)

    cells = [r["rationale"] for r in read_table(path)[:CRITERIA]]
    assert cells == ["'" + text for text in INJECTIONS[:CRITERIA]]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)

    report = import_worksheet(store, path)

    assert report.applied == [] and report.refused == [] and report.unchanged == CRITERIA + 1
    sheet = store.sheets.load_sheet("asg-1")
    assert [sheet.score(c).rationale for c in criteria] == INJECTIONS[:CRITERIA]
    assert sheet.feedback == "'quoted"


def test_cell_escaping_is_reversible_on_edge_cases() -> None:
    for text in ["", "'", "''", "'=", "=", "a=b", "-", " =x", "'hello"]:
        assert unescape_cell(escape_cell(text)) == text
    # A quote a person typed before ordinary text stays.
    assert unescape_cell("'hello") == "'hello"


# -- properties --------------------------------------------------------------------------

awkward = st.text(
    alphabet=st.one_of(
        st.sampled_from([",", '"', "'", "\r", "\n", ";", "\t", "=", "+", "-", "@", " "]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)
worksheet_rows = st.builds(
    WorksheetRow,
    assignment_id=awkward.filter(lambda s: s.strip() != ""),
    sheet_revision=awkward,
    credential=awkward,
    educator=awkward,
    criterion_id=awkward,
    criterion=awkward,
    allowed_levels=awkward,
    level=awkward,
    rationale=awkward,
    feedback=awkward,
)


@given(st.lists(worksheet_rows, max_size=8))
def test_any_text_survives_render_then_parse(rows: list[WorksheetRow]) -> None:
    parsed = parse_worksheet(render_worksheet(rows))
    assert [row for _, row in parsed] == rows
    assert [number for number, _ in parsed] == list(range(2, len(rows) + 2))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rationale=awkward, feedback=awkward)
def test_any_text_survives_the_worksheet_into_the_store_and_back(
    store: Store, tmp_path: Path, rationale: str, feedback: str
) -> None:
    path = tmp_path / "property.csv"
    export_worksheet(store, path)
    parsed = parse_worksheet(path.read_bytes())
    edited = []
    for _, row in parsed:
        if row.criterion_id == C1:
            row = WorksheetRow(**{**row.__dict__, "rationale": rationale})
        elif row.criterion_id == "":
            row = WorksheetRow(**{**row.__dict__, "feedback": feedback})
        edited.append(row)
    path.write_bytes(render_worksheet(edited))

    report = import_worksheet(store, path)

    assert report.refused == []
    sheet = store.sheets.load_sheet("asg-1")
    assert sheet.score(C1).rationale == rationale
    assert sheet.feedback == feedback
    export_worksheet(store, path)
    back = {row.criterion_id: row for _, row in parse_worksheet(path.read_bytes())}
    assert back[C1].rationale == rationale
    assert back[""].feedback == feedback
