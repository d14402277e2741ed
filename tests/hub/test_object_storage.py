"""Artifacts in S3-compatible object storage, against a real S3 HTTP server on 127.0.0.1
(moto's standalone server): content-addressed keys under the prefix, multipart uploads
verified by sha256, nothing under a real name when the bytes change mid-import, ranged
reads, and a hub importing into and serving from the bucket."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from support.hub import HubServer
from support.s3_server import S3Server

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.cli import build_parser, main
from assessor_app.hub.config import HubSettings, ServeArtifacts
from assessor_app.hub.object_storage import PART, ContentChanged, S3ArtifactStorage
from assessor_app.hub.storage import BlobNotFound, S3Location, StorageUrlError
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    PASSWORD,
    artifact_ids,
    make_submission_folder,
    sign_in,
)


def _storage(server: S3Server) -> S3ArtifactStorage:
    return S3ArtifactStorage(S3Location.parse(server.url), server.endpoint)


def _data(size: int, seed: int = 1) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 32768  # 1 MiB
    return (block * (size // len(block) + 1))[:size]


def test_location_parsing() -> None:
    assert S3Location.parse("s3://evidence/hub/a") == S3Location("evidence", "hub/a")
    assert S3Location.parse("s3://evidence/") == S3Location("evidence", "")
    assert str(S3Location.parse("s3://evidence/hub/")) == "s3://evidence/hub"
    for bad in (
        "s3://Evidence/x",
        "s3://ab/x",
        "s3://a..b/x",
        "s3://ok-bucket/a//b",
        "s3://ok-bucket/../x",
        "http://ok-bucket/x",
        "s3://ok-bucket/x?v=1",
    ):
        with pytest.raises(StorageUrlError):
            S3Location.parse(bad)


def test_put_streams_multipart_and_reads_ranges(s3_server: S3Server, tmp_path: Path) -> None:
    storage = _storage(s3_server)
    storage.check()
    big = _data(2 * PART + 12345)
    sha = hashlib.sha256(big).hexdigest()
    path = tmp_path / "big.bin"
    path.write_bytes(big)
    blob = storage.put_file(path)
    assert (blob.sha256, blob.size) == (sha, len(big))
    assert s3_server.object_keys() == [f"evidence/{sha[:2]}/{sha[2:4]}/{sha}"]
    assert s3_server.multipart_uploads() == []
    assert storage.exists(sha) and storage.size(sha) == len(big)
    assert b"".join(storage.iter_range(sha, 0, len(big) - 1)) == big
    assert b"".join(storage.iter_range(sha, PART - 5, PART + 4)) == big[PART - 5 : PART + 5]
    assert storage.put_file(path) == blob  # idempotent: already there

    small = b"reflection text\n"
    small_sha = hashlib.sha256(small).hexdigest()
    # A stream that cannot seek is spooled to disk first.
    unseekable = io.BufferedReader(io.BytesIO(small))  # type: ignore[arg-type]
    unseekable.seekable = lambda: False  # type: ignore[method-assign]
    assert storage.put(unseekable).sha256 == small_sha
    assert b"".join(storage.iter_range(small_sha, 0, len(small) - 1)) == small
    empty = storage.put(io.BytesIO(b""))
    assert empty.size == 0 and storage.size(empty.sha256) == 0

    storage.delete(sha)
    assert not storage.exists(sha)
    with pytest.raises(BlobNotFound):
        storage.size(sha)
    with pytest.raises(BlobNotFound):
        storage.iter_range(sha, 0, 10)


def test_import_holds_at_most_a_part_or_two_in_memory(s3_server: S3Server, tmp_path: Path) -> None:
    storage = _storage(s3_server)
    path = tmp_path / "clip.bin"
    size = 6 * PART
    path.write_bytes(_data(size, seed=2))
    tracemalloc.start()
    try:
        storage.put_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * PART, f"peak {peak} bytes for a {size}-byte file"


class _ChangingFile(io.BytesIO):
    """Reads one content until it is rewound, and another after: a file that changes
    while it is imported."""

    def __init__(self, first: bytes, second: bytes) -> None:
        super().__init__(first)
        self._second = second

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.tell() > 0 and self._second:
            data, self._second = self._second, b""
            self.__init__(data, b"")  # type: ignore[misc]
        return super().seek(offset, whence)


@pytest.mark.parametrize("size", [1000, 2 * PART + 7])
def test_bytes_that_change_mid_import_store_nothing(s3_server: S3Server, size: int) -> None:
    storage = _storage(s3_server)
    first = _data(size, seed=3)
    second = first[:-1] + bytes([first[-1] ^ 1])
    with pytest.raises(ContentChanged):
        storage.put(_ChangingFile(first, second))
    assert s3_server.object_keys() == []
    assert s3_server.multipart_uploads() == []


def test_cli_takes_an_s3_storage_and_refuses_a_bad_one(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--storage",
            "s3://evidence/hub",
            "--s3-endpoint",
            "http://127.0.0.1:9000",
            "--serve-artifacts",
            "proxy",
        ]
    )
    assert args.storage == S3Location("evidence", "hub")
    assert args.s3_endpoint == "http://127.0.0.1:9000"
    assert args.serve_artifacts == ServeArtifacts.PROXY
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--storage", "s3://Bad_Bucket/x"])
    assert "is not an S3 bucket name" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--s3-endpoint", "ftp://x"])
    assert "is not a URL" in capsys.readouterr().err


def test_hub_imports_into_the_bucket_and_proxies_ranges(
    s3_server: S3Server,
    start_hub: Callable[[HubSettings], HubServer],
    tmp_path: Path,
    db_url: str,
) -> None:
    settings = HubSettings.from_data_dir(
        tmp_path / "hub",
        db_url=db_url,
        object_store=S3Location.parse(s3_server.url),
        s3_endpoint=s3_server.endpoint,
        serve_artifacts=ServeArtifacts.PROXY,
    )
    payload = _data(PART + 99, seed=4)
    with HubAdmin(settings) as admin:
        admin.add_assessor("ann", PASSWORD, "Ann Example")
        admin.import_credential(CREDENTIAL_FILE)
        submission = admin.import_submission(make_submission_folder(tmp_path / "sub", payload))
        admin.assign(submission, "ann")
        clip = artifact_ids(admin, submission)[0]
    sha = hashlib.sha256(payload).hexdigest()
    assert f"evidence/{sha[:2]}/{sha[2:4]}/{sha}" in s3_server.object_keys()
    assert not settings.storage_dir.exists() or not any(settings.storage_dir.rglob(sha))
    hub = start_hub(settings)
    with sign_in(hub.base_url, "ann") as ann:
        whole = ann.get(f"/api/v1/artifacts/{clip}/content")
        assert whole.status_code == 200 and whole.content == payload
        part = ann.get(f"/api/v1/artifacts/{clip}/content", headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == payload[100:200]
    ready = httpx.get(f"{hub.base_url}/readyz")
    assert ready.json()["checks"] == {"database": "ok", "storage": "ok"}
    client = s3_server.client()
    for key in s3_server.object_keys():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    client.delete_bucket(Bucket=s3_server.bucket)
    gone = httpx.get(f"{hub.base_url}/readyz")
    assert gone.status_code == 503
    assert gone.json()["checks"] == {"database": "ok", "storage": "unavailable"}


def test_cli_imports_into_the_bucket_or_says_why_not(
    s3_server: S3Server,
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = make_submission_folder(tmp_path / "sub", b"clip bytes " * 1000)
    common = ["--db", settings.db_url, "--storage", s3_server.url]
    base = ["--data-dir", str(settings.data_dir)]
    assert main([*base, "import-credential", str(CREDENTIAL_FILE), *common]) == 0
    assert (
        main(
            [*base, "import-submission", str(folder), *common, "--s3-endpoint", s3_server.endpoint]
        )
        == 0
    )
    assert "Imported submission" in capsys.readouterr().out
    sha = hashlib.sha256(b"clip bytes " * 1000).hexdigest()
    assert f"evidence/{sha[:2]}/{sha[2:4]}/{sha}" in s3_server.object_keys()

    # No bucket there: a message, not a traceback.
    status = main(
        [
            *base,
            "import-submission",
            str(folder),
            "--db",
            settings.db_url,
            "--storage",
            "s3://no-such-bucket/x",
            "--s3-endpoint",
            s3_server.endpoint,
        ]
    )
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("assessor-hub: error: --storage: cannot store")
    assert "Traceback" not in err

    # No credentials anywhere: said before anything is tried.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status = main(
        [*base, "import-submission", str(folder), *common, "--s3-endpoint", s3_server.endpoint]
    )
    err = capsys.readouterr().err
    assert status == 1 and "no credentials for s3://" in err and "AWS_ACCESS_KEY_ID" in err
