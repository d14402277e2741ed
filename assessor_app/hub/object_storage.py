"""Artifact storage in an S3-compatible bucket (AWS S3, MinIO, Ceph, …), beside local disk.

Objects are content-addressed like the local store: ``<prefix>/ab/cd/<sha256>``. The
endpoint, region and credentials come from boto3's usual sources (``AWS_*`` environment
variables, ``~/.aws/config`` and ``credentials``, instance roles); ``--s3-endpoint`` or
``AWS_ENDPOINT_URL`` names a server that is not AWS.

An import reads its file twice and never holds more than one part (8 MiB) in memory: the
first pass hashes it, which names the object; the second uploads it (multipart past one
part, each part with its SHA-256 checksum for the server to check) while hashing again.
If the second hash is not the first (the file changed under the import), the upload is
aborted before it completes, so nothing unverified ever appears under a real name. A
stream that cannot seek is first spooled to a temporary file on disk.

Evidence can be served without the hub carrying the bytes: ``presigned_get`` makes a
short-lived signed URL that the client follows (see ``app.artifact_content``).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from assessor_app.hub.storage import (
    CHUNK,
    BlobNotFound,
    S3Location,
    StorageUnavailable,
    StoredBlob,
    check_sha256,
)

PART = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


class ContentChanged(OSError):
    """The file's bytes changed between hashing and uploading: nothing was stored."""


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3ArtifactStorage:
    def __init__(self, location: S3Location, endpoint_url: str | None = None) -> None:
        self.location = location
        # Signature version 4 everywhere (presigned URLs included: version 2 ones are
        # refused by newer regions and by most S3-compatible servers).
        config = Config(signature_version="s3v4", retries={"mode": "standard"})
        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise StorageUnavailable(
                f"no credentials for {location}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials"
            )
        self._s3: Any = session.client("s3", endpoint_url=endpoint_url, config=config)

    def key_for(self, sha256: str) -> str:
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.location.prefix}/{name}" if self.location.prefix else name

    def put(self, source: BinaryIO) -> StoredBlob:
        if not source.seekable():
            with tempfile.TemporaryFile(prefix="assessor-import-") as spool:
                shutil.copyfileobj(source, spool, CHUNK)
                spool.seek(0)
                return self.put(spool)
        start = source.tell()
        digest, size = hashlib.sha256(), 0
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        sha = digest.hexdigest()
        key = self.key_for(sha)
        if self._stored_size(key) == size:
            return StoredBlob(sha, size)
        source.seek(start)
        if size <= PART:
            body = source.read(PART)
            if hashlib.sha256(body).hexdigest() != sha or len(body) != size:
                raise ContentChanged(f"the file changed while it was imported ({sha})")
            self._s3.put_object(
                Bucket=self.location.bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=_b64(hashlib.sha256(body).digest()),
                Metadata={"sha256": sha},
            )
        else:
            self._multipart(source, key, sha, size)
        if self._stored_size(key) != size:
            raise OSError(f"the bucket holds another size for {key} than was uploaded")
        return StoredBlob(sha, size)

    def _multipart(self, source: BinaryIO, key: str, sha: str, size: int) -> None:
        bucket = self.location.bucket
        upload = self._s3.create_multipart_upload(
            Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256", Metadata={"sha256": sha}
        )
        upload_id = upload["UploadId"]
        try:
            digest, sent = hashlib.sha256(), 0
            parts: list[dict[str, object]] = []
            while part := source.read(PART):
                digest.update(part)
                sent += len(part)
                checksum = _b64(hashlib.sha256(part).digest())
                number = len(parts) + 1
                answer = self._s3.upload_part(
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=part,
                    ChecksumSHA256=checksum,
                )
                parts.append(
                    {"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum}
                )
            if digest.hexdigest() != sha or sent != size:
                raise ContentChanged(f"the file changed while it was imported ({sha})")
            self._s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
            raise

    def put_file(self, path: Path) -> StoredBlob:
        with open(path, "rb") as source:
            try:
                return self.put(source)
            except (BotoCoreError, ClientError) as exc:
                raise StorageUnavailable(
                    f"cannot store {path.name} in {self.location}: {exc}"
                ) from None

    def _stored_size(self, key: str) -> int | None:
        try:
            head = self._s3.head_object(Bucket=self.location.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return int(head["ContentLength"])

    def exists(self, sha256: str) -> bool:
        return self._stored_size(self.key_for(sha256)) is not None

    def size(self, sha256: str) -> int:
        size = self._stored_size(self.key_for(sha256))
        if size is None:
            raise BlobNotFound(sha256)
        return size

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        try:
            reply = self._s3.get_object(
                Bucket=self.location.bucket, Key=self.key_for(sha256), Range=f"bytes={start}-{end}"
            )
        except ClientError as exc:
            if _missing(exc):
                raise BlobNotFound(sha256) from None
            raise
        body = reply["Body"]

        def chunks() -> Iterator[bytes]:
            with body:
                yield from body.iter_chunks(CHUNK)

        return chunks()

    def delete(self, sha256: str) -> None:
        self._s3.delete_object(Bucket=self.location.bucket, Key=self.key_for(sha256))

    def check(self) -> None:
        self._s3.head_bucket(Bucket=self.location.bucket)

    def presigned_get(
        self, sha256: str, *, filename_header: str, media_type: str, seconds: int
    ) -> str:
        """A URL that GETs the object (``Range`` works) for ``seconds``, answered with the
        given ``Content-Disposition`` and ``Content-Type``."""
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self.key_for(sha256),
                "ResponseContentDisposition": filename_header,
                "ResponseContentType": media_type,
            },
            ExpiresIn=seconds,
        )
        return url

    def origin(self) -> str:
        """The ``scheme://host[:port]`` presigned URLs point at."""
        parts = urlsplit(
            self.presigned_get("0" * 64, filename_header="x", media_type="x", seconds=1)
        )
        return f"{parts.scheme}://{parts.netloc}"
