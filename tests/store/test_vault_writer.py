"""The vault writer as the download path uses it: it copies each block before returning
(the client reuses its read buffer), and its commit splits into ``verify`` (digest check,
last chunk sealed) and ``publish`` (fsync and rename), which may run on another thread."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

import pytest

from assessor_app.store.vault import EvidenceMismatch, Vault

CHUNK = 1000
KEY = bytes(range(32))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", KEY, chunk_size=CHUNK)


def read_back(vault: Vault, digest: str) -> bytes:
    with vault.open(digest) as f:
        return f.read()


@pytest.mark.parametrize("block", [1, 999, 1000, 1001, 4096])
def test_blocks_from_one_reused_buffer(vault: Vault, block: int) -> None:
    data = os.urandom(5 * CHUNK + 123)
    buffer = bytearray(block)
    view = memoryview(buffer)
    with vault.writer(sha(data)) as w:
        for start in range(0, len(data), block):
            piece = data[start : start + block]
            view[: len(piece)] = piece
            w.write(view[: len(piece)])
            view[:] = b"\xff" * block  # the caller reuses its buffer at once
    assert read_back(vault, sha(data)) == data


@pytest.mark.parametrize("size", [0, CHUNK, 3 * CHUNK, 3 * CHUNK + 1])
def test_verify_then_publish_on_another_thread(vault: Vault, size: int) -> None:
    data = os.urandom(size)
    digest = sha(data)
    w = vault.writer(digest, resume=True)
    w.write(data)
    w.verify()
    assert not vault.has(digest)  # verified is not yet published
    with pytest.raises(ValueError):
        w.write(b"more")
    with pytest.raises(ValueError):
        w.restart()
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            w.publish()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=publish)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and errors == []
    assert read_back(vault, digest) == data
    assert not vault.partial_path(digest).exists()
    assert os.listdir(vault.root / "partial") == []


def test_publish_needs_verify(vault: Vault) -> None:
    data = os.urandom(2500)
    w = vault.writer(sha(data))
    w.write(data)
    with pytest.raises(ValueError):
        w.publish()
    w.commit()
    assert read_back(vault, sha(data)) == data


def test_verify_mismatch_keeps_nothing(vault: Vault) -> None:
    data = os.urandom(4 * CHUNK)
    digest = sha(data)
    w = vault.writer(digest, resume=True)
    w.write(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(EvidenceMismatch):
        w.verify()
    assert not vault.has(digest)
    assert vault.partial_offset(digest) == 0
    assert os.listdir(vault.root / "partial") == []


def test_abort_after_verify_keeps_the_chunks_for_a_resume(vault: Vault) -> None:
    data = os.urandom(3 * CHUNK + 400)
    digest = sha(data)
    w = vault.writer(digest, resume=True)
    w.write(data)
    w.verify()
    w.abort()  # e.g. the sync stopped before the file was published
    assert not vault.has(digest)
    # The sealed last chunk is not recovered as a middle one; the full ones are.
    assert vault.partial_offset(digest) == 3 * CHUNK
    with vault.writer(digest, resume=True) as again:
        assert again.offset == 3 * CHUNK
        again.write(data[again.offset :])
    assert read_back(vault, digest) == data


def test_resume_with_nothing_recovered_starts_clean(vault: Vault) -> None:
    data = os.urandom(2 * CHUNK + 5)
    digest = sha(data)
    vault.partial_path(digest).write_bytes(b"not a vault file")
    with vault.writer(digest, resume=True) as w:
        assert w.offset == 0
        w.write(data)
    assert read_back(vault, digest) == data
    assert os.listdir(vault.root / "partial") == []


def test_published_evidence_leaves_the_page_cache(tmp_path: Path) -> None:
    """A sync's gigabytes of evidence do not stay in memory once they are on disk: the
    published file has no pages left in the page cache (``fincore``, from util-linux)."""
    vault = Vault(tmp_path / "vault", KEY)
    data = os.urandom(8 * 1024 * 1024)
    writer = vault.writer(sha(data))
    writer.write(data)
    writer.commit()
    path = vault.path_for(sha(data))
    cached = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert int(cached) == 0
    assert read_back(vault, sha(data)) == data
