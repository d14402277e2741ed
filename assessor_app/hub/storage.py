"""Artifact storage, content-addressed by sha256, behind a small interface.

``LocalArtifactStorage`` keeps ``<root>/ab/cd/<sha256>`` files, written through a temporary
file, fsync and rename so a crash never leaves a partial blob under a real name.
``object_storage.S3ArtifactStorage`` keeps the same names in an S3-compatible bucket
(``--storage s3://bucket/prefix``); ``open_storage`` picks the one the settings name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol
from urllib.parse import urlsplit

from assessor_app.common.files import fsync_dir
from assessor_app.hub.private_files import DIR_MODE, private_dir

if TYPE_CHECKING:
    from assessor_app.hub.config import HubSettings

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class StorageUrlError(ValueError):
    """Not an ``s3://bucket/prefix`` address."""


@dataclass(frozen=True)
class S3Location:
    """Where in an S3-compatible store the artifacts are (``s3://bucket/prefix``)."""

    bucket: str
    prefix: str = ""
    """Without slashes at either end; empty for the bucket's top."""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or parts.query or parts.fragment:
            raise StorageUrlError(f"{url!r} is not an address like s3://bucket/prefix")
        if not _BUCKET.match(parts.netloc) or ".." in parts.netloc:
            raise StorageUrlError(f"{parts.netloc!r} is not an S3 bucket name")
        prefix = parts.path.strip("/")
        if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
            raise StorageUrlError(f"{url!r}: the prefix has an empty or dot segment")
        return cls(parts.netloc, prefix)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


class BlobNotFound(KeyError):
    """No blob with that sha256 in the store."""


class StorageUnavailable(OSError):
    """The storage cannot be used: no credentials, an unreachable server, no bucket."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class ArtifactStorage(Protocol):
    def put(self, source: BinaryIO) -> StoredBlob:
        """Store the stream's bytes; returns their sha256 and size. Idempotent."""
        ...

    def put_file(self, path: Path) -> StoredBlob: ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, in chunks, read lazily; raises
        ``BlobNotFound`` at once."""
        ...

    def delete(self, sha256: str) -> None: ...

    def check(self) -> None:
        """Raise if the storage cannot be reached or written (readiness)."""
        ...

    def presigned_get(
        self, sha256: str, *, filename_header: str, media_type: str, seconds: int
    ) -> str | None:
        """A short-lived URL clients can GET the bytes from directly, or None when this
        storage has no such URLs (the hub then streams the bytes itself)."""
        ...

    def origin(self) -> str | None:
        """The ``scheme://host[:port]`` of ``presigned_get``'s URLs, or None."""
        ...


def check_sha256(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class LocalArtifactStorage:
    def __init__(self, root: Path) -> None:
        self.root = private_dir(Path(root))
        self._tmp = private_dir(self.root / "tmp")

    def path_for(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, source: BinaryIO) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        # mkstemp makes the file 0600 whatever the umask; the rename keeps that mode.
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.exists():
                tmp.unlink()
            else:
                # One level at a time: ``parents=True`` would give the upper one the umask.
                final.parent.parent.mkdir(mode=DIR_MODE, exist_ok=True)
                final.parent.mkdir(mode=DIR_MODE, exist_ok=True)
                os.replace(tmp, final)
                fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(sha, size)

    def put_file(self, path: Path) -> StoredBlob:
        with open(path, "rb") as source:
            return self.put(source)

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        handle = self.open(sha256)

        def chunks() -> Iterator[bytes]:
            with handle:
                handle.seek(start)
                remaining = end - start + 1
                while remaining > 0:
                    chunk = handle.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    yield chunk

        return chunks()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def presigned_get(
        self, sha256: str, *, filename_header: str, media_type: str, seconds: int
    ) -> str | None:
        return None

    def origin(self) -> str | None:
        return None

    def check(self) -> None:
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK) or not self._tmp.is_dir():
            raise OSError(f"cannot read and write {self.root}")


def open_storage(settings: HubSettings) -> ArtifactStorage:
    """The artifact storage ``settings`` name: a bucket, or the local folder."""
    if settings.object_store is None:
        return LocalArtifactStorage(settings.storage_dir)
    # Imported here: boto3 takes a while to load, and a local hub never needs it.
    from assessor_app.hub.object_storage import S3ArtifactStorage

    return S3ArtifactStorage(settings.object_store, settings.s3_endpoint)
