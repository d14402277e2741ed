"""The offline grading worksheet: the assessor's editable score sheets as one CSV file to
fill in with a spreadsheet, and the import that brings the edits back safely.

Layout (UTF-8 with a byte-order mark, comma-separated, CRLF line ends, header row first):

==================  =====================================================================
column              content
==================  =====================================================================
assignment_id       the assignment (key; do not edit)
sheet_revision      the sheet's revision when exported (do not edit)
credential          the credential's title (for reading only)
educator            the educator's pseudonym (for reading only)
criterion_id        the criterion (key); **empty on the assignment's feedback row**
criterion           the criterion's title (for reading only)
allowed_levels      the criterion's level ids, lowest first, ``|``-separated (for reading)
level               EDITABLE: a level id, its label, or its 1-based number; empty = none
rationale           EDITABLE: the rationale for this criterion's level
feedback            EDITABLE, on the feedback row only: the feedback to the educator
==================  =====================================================================

Each assignment has one row per criterion, in rubric order, then its feedback row. Only
assignments that can be edited now (downloaded, not finalized, not withdrawn) are exported.

Import reads UTF-8 with or without a byte-order mark, CRLF or LF, and the ``;`` or tab
separators some spreadsheet locales write. Row numbers in messages are spreadsheet rows
(the header is row 1). Every row is validated first; a row that would change a sheet
edited since the export (its revision moved on) is refused and listed, never written over,
and so is a row for a sheet finalized since. Everything else is applied through
``ScoringService``, each edit saved at once. Rows that change nothing are skipped.

Cells starting with ``= + - @``, a tab or a carriage return are written with a leading
``'`` so spreadsheets show them as text rather than run them as formulas; a cell starting
with ``'`` gets one more. Import removes that one added quote, so text survives a round
trip unchanged.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assessor_app.common.csv_cells import FORMULA_STARTS, TEXT_MARK, neutralize_formula
from assessor_app.domain import Credential, Criterion, Level
from assessor_app.domain.assignment_state import EDITABLE, LocalState
from assessor_app.services.queue import UnknownChoice, resolve_level
from assessor_app.services.scoring import ScoringService
from assessor_app.store import NotFoundError, SheetLockedError, Store

COLUMNS: tuple[str, ...] = (
    "assignment_id",
    "sheet_revision",
    "credential",
    "educator",
    "criterion_id",
    "criterion",
    "allowed_levels",
    "level",
    "rationale",
    "feedback",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "assignment_id",
    "sheet_revision",
    "criterion_id",
    "level",
    "rationale",
    "feedback",
)
FEEDBACK_ROW_TITLE = "Feedback to the educator"
LEVEL_SEPARATOR = "|"

_ESCAPE = TEXT_MARK
_DELIMITERS = (",", ";", "\t")


class WorksheetFormatError(ValueError):
    """The file is not a worksheet this app can read (encoding, header, CSV syntax)."""


@dataclass(frozen=True)
class WorksheetRow:
    """One worksheet row, every cell as text."""

    assignment_id: str
    sheet_revision: str
    credential: str = ""
    educator: str = ""
    criterion_id: str = ""
    criterion: str = ""
    allowed_levels: str = ""
    level: str = ""
    rationale: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class ExportReport:
    assignments: int
    rows: int


@dataclass(frozen=True)
class RowChange:
    """An applied row: which of level, rationale and feedback it changed."""

    row: int
    assignment_id: str
    criterion_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class RowRefusal:
    row: int
    assignment_id: str
    criterion_id: str
    reason: str

    def describe(self) -> str:
        where = f"row {self.row}"
        if self.assignment_id:
            target = self.criterion_id or "feedback"
            where = f"{where} ({self.assignment_id}, {target})"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    applied: list[RowChange] = field(default_factory=list)
    refused: list[RowRefusal] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused


# -- cells -------------------------------------------------------------------------------


def escape_cell(text: str) -> str:
    """Make a cell safe to open in a spreadsheet (see the module docstring)."""
    # A leading quote is escaped too, so that ``unescape_cell`` can undo this exactly.
    if text.startswith(_ESCAPE):
        return _ESCAPE + text
    return neutralize_formula(text)


def unescape_cell(text: str) -> str:
    """Undo ``escape_cell``: drop one leading quote that protects a formula character."""
    if text.startswith(_ESCAPE) and text[1:].startswith((*FORMULA_STARTS, _ESCAPE)):
        return text[1:]
    return text


# -- file format -------------------------------------------------------------------------


def render_worksheet(rows: Iterable[WorksheetRow]) -> bytes:
    """The worksheet file's bytes: BOM, header, escaped cells, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape_cell(getattr(row, name)) for name in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=lambda d: (header.count(d), d == ","))


def parse_worksheet(data: bytes) -> list[tuple[int, WorksheetRow]]:
    """Rows with their spreadsheet row numbers (header = 1). Blank rows are skipped;
    columns beyond the header and the read-only columns' content are ignored."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorksheetFormatError(
            f"The file is not UTF-8 text (byte {exc.start}). In your spreadsheet, save it "
            "as “CSV UTF-8”."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise WorksheetFormatError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}"
        ) from None
    if not records:
        raise WorksheetFormatError("The file is empty: export a worksheet first.")
    header = [cell.strip().lower() for cell in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise WorksheetFormatError(
            f"The header row lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Import a file made "
            "by “assessor worksheet export”, with its first row unchanged."
        )
    position = {name: header.index(name) for name in COLUMNS if name in header}
    parsed: list[tuple[int, WorksheetRow]] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {
            name: unescape_cell(record[index]) if index < len(record) else ""
            for name, index in position.items()
        }
        parsed.append((number, WorksheetRow(**cells)))
    return parsed


def _write_private(path: Path, data: bytes) -> None:
    # Written beside the target and renamed, so a crash never leaves half a worksheet.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- export ------------------------------------------------------------------------------


def _rows_for(store: Store, assignment_id: str) -> list[WorksheetRow] | None:
    if store.assignments.is_revoked(assignment_id):
        return None
    if store.assignments.local_state(assignment_id) not in EDITABLE:
        return None
    loaded = store.submissions.load_for_assignment(assignment_id)
    if loaded is None:
        return None
    submission, credential = loaded
    sheet = store.sheets.load_sheet(assignment_id)
    common = {
        "assignment_id": assignment_id,
        "sheet_revision": str(store.sheets.revision(assignment_id)),
        "credential": credential.title,
        "educator": submission.educator_pseudonym,
    }
    rows = []
    for criterion in credential.rubric.criteria:
        score = sheet.score(criterion.id)
        rows.append(
            WorksheetRow(
                **common,
                criterion_id=criterion.id,
                criterion=criterion.title,
                allowed_levels=LEVEL_SEPARATOR.join(lv.id for lv in criterion.levels),
                level=score.level_id or "",
                rationale=score.rationale,
            )
        )
    rows.append(WorksheetRow(**common, criterion=FEEDBACK_ROW_TITLE, feedback=sheet.feedback))
    return rows


def worksheet_rows(store: Store) -> list[WorksheetRow]:
    """The rows ``export_worksheet`` writes, in queue order."""
    rows: list[WorksheetRow] = []
    for item in store.assignments.queue(include_revoked=False):
        rows.extend(_rows_for(store, item.assignment.id) or [])
    return rows


def export_worksheet(store: Store, path: Path) -> ExportReport:
    """Write the worksheet of every editable assignment to ``path`` (mode 0600)."""
    rows = worksheet_rows(store)
    _write_private(Path(path), render_worksheet(rows))
    return ExportReport(len({r.assignment_id for r in rows}), len(rows))


# -- import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    """A validated row: the level (None = no level) and texts it asks for."""

    row: int
    assignment_id: str
    revision: int
    criterion: Criterion | None
    level: Level | None
    rationale: str
    feedback: str


def _validate(
    store: Store,
    number: int,
    row: WorksheetRow,
    credentials: dict[str, Credential | None],
    seen: dict[tuple[str, str], int],
) -> _Edit:
    """The row as an edit, or ``UnknownChoice``/``ValueError`` saying what is wrong."""
    assignment_id = row.assignment_id.strip()
    criterion_id = row.criterion_id.strip()
    if not assignment_id:
        raise ValueError("the assignment_id cell is empty")
    if assignment_id not in credentials:
        try:
            loaded = store.submissions.load_for_assignment(assignment_id)
        except NotFoundError:
            raise ValueError(f"no assignment {assignment_id!r} on this computer") from None
        credentials[assignment_id] = None if loaded is None else loaded[1]
    credential = credentials[assignment_id]
    if credential is None:
        raise ValueError("this submission has not been downloaded: sync first")
    try:
        revision = int(row.sheet_revision.strip())
    except ValueError:
        raise ValueError(
            f"sheet_revision must be the number exported, not {row.sheet_revision!r}"
        ) from None
    key = (assignment_id, criterion_id)
    if key in seen:
        raise ValueError(
            f"the same {'criterion' if criterion_id else 'feedback'} is on row {seen[key]} already"
        )
    seen[key] = number
    if not criterion_id:
        if row.level.strip() or row.rationale.strip():
            raise ValueError(
                "the feedback row (empty criterion_id) takes only feedback, not a level or a "
                "rationale"
            )
        return _Edit(number, assignment_id, revision, None, None, "", row.feedback)
    criterion = credential.rubric.criterion(criterion_id)
    if criterion is None:
        valid = ", ".join(c.id for c in credential.rubric.criteria)
        raise ValueError(f"no criterion {criterion_id!r} in this rubric (it has: {valid})")
    if row.feedback.strip():
        raise ValueError(
            "feedback belongs on the assignment's feedback row (the one with criterion_id empty)"
        )
    level = resolve_level(criterion, row.level) if row.level.strip() else None
    return _Edit(number, assignment_id, revision, criterion, level, row.rationale, "")


def _apply(store: Store, scoring: ScoringService, edits: list[_Edit], report: ImportReport) -> None:
    """Apply one assignment's validated rows, or refuse those that would overwrite."""
    assignment_id = edits[0].assignment_id
    current = store.sheets.revision(assignment_id)
    state = store.assignments.local_state(assignment_id)
    locked = store.assignments.is_revoked(assignment_id) or state not in EDITABLE
    sheet = store.sheets.load_sheet(assignment_id)
    for edit in edits:
        target = edit.criterion.id if edit.criterion else ""
        changed: tuple[str, ...]
        if edit.criterion is None:
            changed = ("feedback",) if edit.feedback != sheet.feedback else ()
        else:
            score = sheet.score(edit.criterion.id)
            level_id = edit.level.id if edit.level else None
            changed = tuple(
                name
                for name, differs in (
                    ("level", level_id != score.level_id),
                    ("rationale", edit.rationale != score.rationale),
                )
                if differs
            )
        if not changed:
            report.unchanged += 1
            continue
        if locked:
            reason = (
                "the hub withdrew this assignment"
                if store.assignments.is_revoked(assignment_id)
                else f"the sheet is {_state_words(state)} since the export: reopen it to edit"
            )
            report.refused.append(RowRefusal(edit.row, assignment_id, target, reason))
            continue
        if edit.revision != current:
            report.refused.append(
                RowRefusal(
                    edit.row,
                    assignment_id,
                    target,
                    f"the sheet was edited since the export (revision {edit.revision} then, "
                    f"{current} now); nothing was overwritten: export a fresh worksheet",
                )
            )
            continue
        try:
            if edit.criterion is None:
                scoring.set_feedback(assignment_id, edit.feedback)
            else:
                if "level" in changed:
                    scoring.set_level(
                        assignment_id, edit.criterion.id, edit.level.id if edit.level else None
                    )
                if "rationale" in changed:
                    scoring.set_rationale(assignment_id, edit.criterion.id, edit.rationale)
        except SheetLockedError:
            report.refused.append(
                RowRefusal(edit.row, assignment_id, target, "the sheet was finalized meanwhile")
            )
            continue
        report.applied.append(RowChange(edit.row, assignment_id, target, changed))


def _state_words(state: LocalState) -> str:
    return {
        LocalState.FINALIZED: "finalized",
        LocalState.UPLOADED: "uploaded",
        LocalState.CONFLICT: "in conflict with the hub",
        LocalState.REVOKED: "withdrawn",
    }.get(state, state.value)


def _grouped(edits: list[_Edit]) -> Iterator[list[_Edit]]:
    groups: dict[str, list[_Edit]] = {}
    for edit in edits:
        groups.setdefault(edit.assignment_id, []).append(edit)
    yield from groups.values()


def import_rows(
    store: Store, rows: list[tuple[int, WorksheetRow]], scoring: ScoringService | None = None
) -> ImportReport:
    """Validate every row, then apply what is safe (see the module docstring)."""
    scoring = scoring or ScoringService(store)
    report = ImportReport()
    credentials: dict[str, Credential | None] = {}
    seen: dict[tuple[str, str], int] = {}
    edits: list[_Edit] = []
    for number, row in rows:
        try:
            edits.append(_validate(store, number, row, credentials, seen))
        except (UnknownChoice, ValueError) as exc:
            report.refused.append(
                RowRefusal(number, row.assignment_id.strip(), row.criterion_id.strip(), str(exc))
            )
    for group in _grouped(edits):
        _apply(store, scoring, group, report)
    report.refused.sort(key=lambda r: r.row)
    return report


def import_worksheet(
    store: Store, path: Path, scoring: ScoringService | None = None
) -> ImportReport:
    """Read the worksheet at ``path`` and apply it. Raises ``WorksheetFormatError`` (and
    changes nothing) when the file itself cannot be read as a worksheet."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WorksheetFormatError(f"Cannot read {path}: {exc.strerror or exc}") from None
    return import_rows(store, parse_worksheet(data), scoring)


__all__ = [
    "COLUMNS",
    "FEEDBACK_ROW_TITLE",
    "ExportReport",
    "ImportReport",
    "RowChange",
    "RowRefusal",
    "WorksheetFormatError",
    "WorksheetRow",
    "escape_cell",
    "export_worksheet",
    "import_rows",
    "import_worksheet",
    "parse_worksheet",
    "render_worksheet",
    "unescape_cell",
    "worksheet_rows",
]
