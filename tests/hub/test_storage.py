"""Content-addressed local artifact storage."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from assessor_app.hub.storage import BlobNotFound, LocalArtifactStorage


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = LocalArtifactStorage(tmp_path / "blobs")
    data = b"classroom clip " * 100_000
    sha = hashlib.sha256(data).hexdigest()
    blob = store.put(io.BytesIO(data))
    assert (blob.sha256, blob.size) == (sha, len(data))
    path = tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert store.put(io.BytesIO(data)) == blob
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # no temp file left behind
    assert store.exists(sha)
    assert store.size(sha) == len(data)
    with store.open(sha) as handle:
        handle.seek(15)
        assert handle.read(5) == b"class"
    assert b"".join(store.iter_range(sha, 10, 1_000_009)) == data[10:1_000_010]
    store.delete(sha)
    assert not store.exists(sha)
    with pytest.raises(BlobNotFound):
        store.open(sha)
    with pytest.raises(BlobNotFound):
        store.size(sha)


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            raise OSError("disk went away")

    store = LocalArtifactStorage(tmp_path)
    with pytest.raises(OSError, match="disk went away"):
        store.put(Broken())  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_only_sha256_names_reach_the_file_system(tmp_path: Path) -> None:
    store = LocalArtifactStorage(tmp_path)
    for bad in ("../../etc/passwd", "ABC", "a" * 63):
        with pytest.raises(ValueError, match="not a sha256"):
            store.exists(bad)
