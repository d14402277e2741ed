"""Admin imports with numbers no database column can hold are refused with one message and
store nothing: no row, and no artifact blob either; a write that fails later takes back the
blobs it stored (but not ones another submission uses)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import ArtifactRow, CredentialRow, SubmissionRow
from tests.hub.conftest import CREDENTIAL_FILE, make_submission_folder

HUGE = "99999999999999999999999"


def _run(settings: HubSettings, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    command, *rest = args
    sys.stdin = io.StringIO("")
    try:
        status = main(
            ["--data-dir", str(settings.data_dir), command, "--db", settings.db_url, *rest]
        )
    finally:
        sys.stdin = sys.__stdin__
    return status, capsys.readouterr().err


def _counts(settings: HubSettings) -> tuple[int, int, int]:
    with HubAdmin(settings) as admin, admin.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(CredentialRow)) or 0,
            session.scalar(select(func.count()).select_from(SubmissionRow)) or 0,
            session.scalar(select(func.count()).select_from(ArtifactRow)) or 0,
        )


def _blobs(settings: HubSettings) -> list[Path]:
    root = settings.storage_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("version", [HUGE, str(10**30), str(2**31)])
def test_credential_version_beyond_any_column_is_refused(
    settings: HubSettings, capsys: pytest.CaptureFixture[str], tmp_path: Path, version: str
) -> None:
    text = CREDENTIAL_FILE.read_text()
    assert "\nversion: 1\n" in text
    source = tmp_path / "big-version.yaml"
    source.write_text(text.replace("\nversion: 1\n", f"\nversion: {version}\n"))
    status, err = _run(settings, capsys, "import-credential", str(source))
    assert status == 1
    assert err.startswith("assessor-hub: error: ")
    assert "version" in err and "Traceback" not in err
    assert _counts(settings) == (0, 0, 0)


@pytest.mark.parametrize("where", ["attempt", "previous_attempts"])
def test_submission_attempt_beyond_any_column_stores_nothing(
    settings: HubSettings, capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    assert _run(settings, capsys, "import-credential", str(CREDENTIAL_FILE))[0] == 0
    folder = make_submission_folder(tmp_path / "s", b"clip bytes")
    meta = folder / "submission.yaml"
    if where == "attempt":
        meta.write_text(meta.read_text().replace("attempt: 1\n", f"attempt: {HUGE}\n"))
    else:
        meta.write_text(
            meta.read_text().replace("attempt: 1\n", "attempt: 2\n")
            + f"previous_attempts:\n  - {{attempt: {HUGE}, decision: not_yet}}\n"
        )
    status, err = _run(settings, capsys, "import-submission", str(folder))
    assert status == 1
    assert "attempt" in err and "Traceback" not in err
    assert _counts(settings) == (1, 0, 0)
    assert _blobs(settings) == []


def test_a_failed_database_write_takes_back_only_the_new_blobs(tmp_path: Path) -> None:
    settings = HubSettings.from_data_dir(tmp_path / "hub")
    with HubAdmin(settings) as admin:
        admin.import_credential(CREDENTIAL_FILE)
        admin.import_submission(make_submission_folder(tmp_path / "a", b"shared clip"))
        kept = _blobs(settings)
        assert len(kept) == 2  # the clip and the reflection
        # A real fault at write time: the database refuses every new submission.
        with admin.db.write() as session:
            session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON submissions "
                    "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
                )
            )
        folder = make_submission_folder(tmp_path / "b", b"shared clip")
        (folder / "reflection.txt").write_text("A reflection no other submission has.\n")
        with pytest.raises(IntegrityError, match="refused for the test"):
            admin.import_submission(folder)
        assert sorted(_blobs(settings)) == sorted(kept)
        assert _counts(settings) == (1, 1, 2)
