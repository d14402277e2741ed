"""Artifact media types: checked at import (RFC 6838 syntax, no control characters), and
every stored artifact servable by its own id, a media type an older hub let in included."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.db import ArtifactRow, SubmissionRow
from assessor_app.hub.submission_file import SubmissionFolderError
from tests.hub.conftest import World, artifact_ids, make_submission_folder

CRLF_TYPE = "text/plain\r\nX-Injected: 1"


def _with_media_type(folder: Path, media_type: str) -> Path:
    meta = folder / "submission.yaml"
    escaped = media_type.replace("\r", "\\r").replace("\n", "\\n").replace("\x00", "\\0")
    text = meta.read_text().replace(
        "{file: clip.mp4, title: Lesson clip}",
        f'{{file: clip.mp4, title: Lesson clip, media_type: "{escaped}"}}',
    )
    meta.write_text(text)
    return folder


@pytest.mark.parametrize("media_type", [CRLF_TYPE, "video/mp4\n", "video/mp4\x00", "video"])
def test_import_refuses_a_malformed_media_type_and_stores_nothing(
    admin: HubAdmin, world: World, tmp_path: Path, media_type: str
) -> None:
    folder = _with_media_type(
        make_submission_folder(tmp_path / "bad", b"fresh bytes " * 100), media_type
    )
    blobs_before = sorted(p.name for p in admin.settings.storage_dir.rglob("*") if p.is_file())
    with admin.db.read() as session:
        submissions_before = session.scalar(select(func.count()).select_from(SubmissionRow))
    with pytest.raises((SubmissionFolderError, HubAdminError), match="must be a media type"):
        admin.import_submission(folder)
    blobs_after = sorted(p.name for p in admin.settings.storage_dir.rglob("*") if p.is_file())
    assert blobs_after == blobs_before
    with admin.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SubmissionRow)) == (
            submissions_before
        )


def test_a_valid_media_type_with_parameters_is_kept_and_served(
    admin: HubAdmin, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    folder = _with_media_type(
        make_submission_folder(tmp_path / "ok", b"plain words"), "text/plain; charset=utf-8"
    )
    submission = admin.import_submission(folder)
    admin.assign(submission, "ann")
    clip = artifact_ids(admin, submission)[0]
    response = ann.get(f"/api/v1/artifacts/{clip}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == b"plain words"


def test_every_artifact_is_servable_by_its_own_id(
    admin: HubAdmin, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    """A CR/LF media type stored by an older hub made the connection drop; the artifact and
    another with the same bytes are both served, as generic binary."""
    twin = admin.import_submission(make_submission_folder(tmp_path / "twin", world.payload))
    admin.assign(twin, "ann")
    broken, same_bytes = world.ann_artifacts[0], artifact_ids(admin, twin)[0]
    with admin.db.write() as session:
        row = session.get(ArtifactRow, broken)
        assert row is not None
        row.media_type = CRLF_TYPE
    sha = hashlib.sha256(world.payload).hexdigest()
    for artifact in (broken, same_bytes):
        response = ann.get(f"/api/v1/artifacts/{artifact}/content")
        assert response.status_code == 200, artifact
        assert response.content == world.payload
        assert response.headers["ETag"] == f'"{sha}"'
        assert "x-injected" not in response.headers
    assert ann.get(f"/api/v1/artifacts/{broken}/content").headers["content-type"] == (
        "application/octet-stream"
    )
    head = ann.head(f"/api/v1/artifacts/{broken}/content")
    assert head.status_code == 200
    assert head.headers["content-type"] == "application/octet-stream"
    manifest = ann.get(f"/api/v1/submissions/{world.ann_submission}").json()
    listed = {a["id"]: a["media_type"] for a in manifest["artifacts"]}
    assert listed[broken] == "application/octet-stream"
