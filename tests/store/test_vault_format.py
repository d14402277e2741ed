"""The evidence vault: round trips, chunk arithmetic (hypothesis), random access, tamper
detection, atomic publishing, resumable writers and file permissions."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessor_app.store.vault import (
    HEADER_SIZE,
    TAG_SIZE,
    EvidenceMismatch,
    EvidenceNotFound,
    Vault,
    VaultBusy,
    VaultIntegrityError,
)

CHUNK = 64
KEY = bytes(range(32))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault", KEY, chunk_size=CHUNK)


def stored(vault: Vault, data: bytes) -> str:
    digest = sha(data)
    vault.put_bytes(data, digest)
    return digest


SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK - 1, 5 * CHUNK + 7]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_and_on_disk_layout(vault: Vault, size: int) -> None:
    data = os.urandom(size)
    digest = stored(vault, data)
    path = vault.path_for(digest)
    assert path == vault.root / digest[:2] / digest
    chunks = max(1, -(-size // CHUNK))
    assert path.stat().st_size == HEADER_SIZE + size + chunks * TAG_SIZE
    if size >= 16:  # a shorter run of random bytes can occur in ciphertext by chance
        assert data[:16] not in path.read_bytes()
    with vault.open(digest) as f:
        assert f.size() == size
        assert f.read() == data
        assert f.read() == b""
    assert vault.has(digest)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(min_size=0, max_size=6 * CHUNK + 3)
    | st.sampled_from(SIZES).map(lambda n: bytes((i * 7) % 251 for i in range(n))),
    ops=st.lists(
        st.tuples(
            st.sampled_from([io.SEEK_SET, io.SEEK_CUR, io.SEEK_END]),
            st.integers(min_value=-8 * CHUNK, max_value=8 * CHUNK),
            st.integers(min_value=-1, max_value=3 * CHUNK),
        ),
        max_size=25,
    ),
    buffered=st.booleans(),
)
def test_random_seeks_and_reads_match_plaintext(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    ops: list[tuple[int, int, int]],
    buffered: bool,
) -> None:
    vault = Vault(tmp_path_factory.mktemp("v"), KEY, chunk_size=CHUNK)
    digest = stored(vault, data)
    model = io.BytesIO(data)
    f = vault.open(digest) if buffered else vault.open_raw(digest)
    with f:
        for whence, offset, length in ops:
            base = {io.SEEK_SET: 0, io.SEEK_CUR: model.tell(), io.SEEK_END: len(data)}[whence]
            if base + offset < 0:
                # Like a real file (and unlike BytesIO, which clamps): a negative position
                # is an error and the position does not move.
                with pytest.raises(OSError):
                    f.seek(offset, whence)
                assert f.tell() == model.tell()
                continue
            expected_pos = model.seek(base + offset)
            assert f.seek(offset, whence) == expected_pos
            assert f.tell() == expected_pos
            if length >= 0 and not buffered:
                buf = bytearray(length)
                n = f.readinto(buf)
                assert bytes(buf[:n]) == model.read(length)
            else:
                assert f.read(length) == model.read(length)
            assert f.tell() == model.tell()


def test_writer_takes_data_in_arbitrary_pieces(vault: Vault) -> None:
    data = os.urandom(10 * CHUNK + 5)
    digest = sha(data)
    with vault.writer(digest) as w:
        pos = 0
        for step in [1, CHUNK - 1, CHUNK, CHUNK + 1, 3, 7 * CHUNK]:
            w.write(data[pos : pos + step])
            pos += step
        w.write(data[pos:])
    with vault.open(digest) as f:
        assert f.read() == data


def test_mismatch_leaves_nothing(vault: Vault) -> None:
    data = os.urandom(3 * CHUNK)
    wrong = sha(b"something else")
    with pytest.raises(EvidenceMismatch) as info, vault.writer(wrong) as w:
        w.write(data)
    assert info.value.expected == wrong
    assert info.value.actual == sha(data)
    assert not vault.has(wrong)
    assert list(vault.digests()) == []
    assert list((vault.root / "partial").iterdir()) == []


def test_exception_in_writer_publishes_nothing(vault: Vault) -> None:
    data = os.urandom(2 * CHUNK)
    with pytest.raises(RuntimeError), vault.writer(sha(data)) as w:
        w.write(data)
        raise RuntimeError("download failed")
    assert not vault.has(sha(data))
    assert list((vault.root / "partial").iterdir()) == []


def test_put_file_and_export_copy(vault: Vault, tmp_path: Path) -> None:
    data = os.urandom(4 * CHUNK + 9)
    src = tmp_path / "clip.mp4"
    src.write_bytes(data)
    vault.put_file(src, sha(data))
    dest = tmp_path / "exported.mp4"
    vault.export_copy(sha(data), dest)
    assert dest.read_bytes() == data


def test_hostile_names_never_become_paths(vault: Vault) -> None:
    for bad in ["../../etc/passwd", "A" * 64, "abc", sha(b"x") + "/..", sha(b"x").upper()]:
        with pytest.raises(ValueError):
            vault.writer(bad)
        with pytest.raises(ValueError):
            vault.open(bad)


def test_missing_evidence(vault: Vault) -> None:
    with pytest.raises(EvidenceNotFound):
        vault.open(sha(b"absent"))
    assert not vault.delete(sha(b"absent"))


def test_delete_and_usage(vault: Vault) -> None:
    a = stored(vault, os.urandom(3 * CHUNK))
    b = stored(vault, os.urandom(CHUNK))
    expected = sum(vault.path_for(d).stat().st_size for d in (a, b))
    assert vault.usage_bytes() == expected
    assert sorted(vault.digests()) == sorted([a, b])
    assert vault.delete(a)
    assert not vault.has(a)
    assert vault.usage_bytes() == vault.path_for(b).stat().st_size


def test_permissions_are_private(vault: Vault) -> None:
    digest = stored(vault, b"evidence")
    path = vault.path_for(digest)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for d in (vault.root, path.parent, vault.root / "partial"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700


def test_wrong_key_is_an_integrity_error(vault: Vault) -> None:
    digest = stored(vault, b"secret classroom video")
    other = Vault(vault.root, bytes(32), chunk_size=CHUNK)
    with pytest.raises(VaultIntegrityError):
        other.open(digest)


def test_files_written_with_another_chunk_size_stay_readable(vault: Vault) -> None:
    data = os.urandom(5 * CHUNK)
    digest = stored(vault, data)
    with Vault(vault.root, KEY, chunk_size=7).open(digest) as f:
        assert f.read() == data


# -- tampering --------------------------------------------------------------------------

DATA = bytes(range(256)) * 2  # 512 bytes = 8 chunks of 64


def _sealed(i: int) -> slice:
    start = HEADER_SIZE + i * (CHUNK + TAG_SIZE)
    return slice(start, start + CHUNK + TAG_SIZE)


def _read_everything(vault: Vault, digest: str) -> bytes:
    with vault.open(digest) as f:
        return f.read()


def _flip(raw: bytearray, pos: int) -> bytearray:
    raw[pos] ^= 0x01
    return raw


TAMPERS = {
    "header magic": lambda r: _flip(r, 0),
    "header chunk size": lambda r: _flip(r, 10),
    "header nonce prefix": lambda r: _flip(r, HEADER_SIZE - 1),
    "middle chunk body": lambda r: _flip(r, _sealed(3).start + 5),
    "middle chunk tag": lambda r: _flip(r, _sealed(3).stop - 1),
    "last chunk tag": lambda r: _flip(r, len(r) - 1),
    "truncate last chunk": lambda r: r[:-5],
    "truncate to a chunk boundary": lambda r: r[: _sealed(7).start],
    "drop a middle chunk": lambda r: r[: _sealed(2).start] + r[_sealed(3).start :],
    "swap two chunks": lambda r: (
        r[: _sealed(1).start] + r[_sealed(2)] + r[_sealed(1)] + r[_sealed(3).start :]
    ),
    "header only": lambda r: r[:HEADER_SIZE],
    "empty file": lambda r: bytearray(),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_detected_never_wrong_bytes(vault: Vault, name: str) -> None:
    digest = stored(vault, DATA)
    path = vault.path_for(digest)
    path.write_bytes(bytes(TAMPERS[name](bytearray(path.read_bytes()))))
    with pytest.raises(VaultIntegrityError):
        _read_everything(vault, digest)


def test_tampered_middle_chunk_fails_only_when_read(vault: Vault) -> None:
    digest = stored(vault, DATA)
    path = vault.path_for(digest)
    raw = bytearray(path.read_bytes())
    raw[_sealed(3).start] ^= 0xFF
    path.write_bytes(bytes(raw))
    with vault.open_raw(digest) as f:
        assert f.read(3 * CHUNK) == DATA[: 3 * CHUNK]
        f.seek(4 * CHUNK)
        assert f.read(CHUNK) == DATA[4 * CHUNK : 5 * CHUNK]
        f.seek(3 * CHUNK + 10)
        with pytest.raises(VaultIntegrityError):
            f.read(1)


def test_file_moved_to_another_digest_is_rejected(vault: Vault) -> None:
    a = stored(vault, b"artifact a")
    b_digest = sha(b"artifact b")
    target = vault.path_for(b_digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(vault.path_for(a).read_bytes())
    with pytest.raises(VaultIntegrityError):
        _read_everything(vault, b_digest)


# -- resumable writers ------------------------------------------------------------------


def test_resumable_writer_keeps_complete_chunks_and_continues(vault: Vault) -> None:
    data = os.urandom(6 * CHUNK + 20)
    digest = sha(data)
    with pytest.raises(ConnectionError), vault.writer(digest, resume=True) as w:
        w.write(data[: 3 * CHUNK + 30])
        raise ConnectionError("dropped mid-body")
    # Complete chunks that are known not to be last (3 here) survive, encrypted.
    part = vault.partial_path(digest)
    assert part.exists() and data[:CHUNK] not in part.read_bytes()
    assert vault.partial_offset(digest) == 3 * CHUNK
    assert stat.S_IMODE(part.stat().st_mode) == 0o600
    with vault.writer(digest, resume=True) as w:
        assert w.offset == 3 * CHUNK
        w.write(data[w.offset :])
    assert _read_everything(vault, digest) == data
    assert not part.exists()


def test_resume_recovers_only_authentic_chunks(vault: Vault) -> None:
    data = os.urandom(6 * CHUNK)
    digest = sha(data)
    with pytest.raises(ConnectionError), vault.writer(digest, resume=True) as w:
        w.write(data[: 5 * CHUNK])
        raise ConnectionError
    part = vault.partial_path(digest)
    raw = bytearray(part.read_bytes())
    raw[_sealed(2).start + 1] ^= 0x40  # damage chunk 2: chunks 0 and 1 remain usable
    part.write_bytes(bytes(raw) + b"torn")
    with vault.writer(digest, resume=True) as w:
        assert w.offset == 2 * CHUNK
        w.write(data[w.offset :])
    assert _read_everything(vault, digest) == data


def test_restart_discards_earlier_bytes(vault: Vault) -> None:
    data = os.urandom(4 * CHUNK)
    digest = sha(data)
    with vault.writer(digest, resume=True) as w:
        w.write(os.urandom(3 * CHUNK))
        w.restart()
        assert w.offset == 0
        w.write(data)
    assert _read_everything(vault, digest) == data


def test_mismatch_after_resume_removes_partial(vault: Vault) -> None:
    data = os.urandom(4 * CHUNK)
    digest = sha(data)
    with pytest.raises(EvidenceMismatch), vault.writer(digest, resume=True) as w:
        w.write(os.urandom(4 * CHUNK))
    assert not vault.partial_path(digest).exists()
    assert vault.partial_offset(digest) == 0


def test_one_resumable_writer_per_digest(vault: Vault) -> None:
    digest = sha(b"x")
    w = vault.writer(digest, resume=True)
    try:
        with pytest.raises(VaultBusy):
            vault.writer(digest, resume=True)
    finally:
        w.abort()
    vault.writer(digest, resume=True).abort()


def test_key_must_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Vault(tmp_path, b"short")


def test_stale_partials_are_removed_but_not_active_ones(vault: Vault) -> None:
    old_data, live_data = os.urandom(3 * CHUNK), os.urandom(3 * CHUNK)
    for data in (old_data, live_data):
        with pytest.raises(ConnectionError), vault.writer(sha(data), resume=True) as w:
            w.write(data[: 2 * CHUNK + 1])
            raise ConnectionError
    assert vault.usage_bytes() == sum(
        vault.partial_path(sha(d)).stat().st_size for d in (old_data, live_data)
    )
    long_ago = 1_000_000_000
    for data in (old_data, live_data):
        os.utime(vault.partial_path(sha(data)), (long_ago, long_ago))
    live = vault.writer(sha(live_data), resume=True)
    try:
        assert vault.remove_stale_partials(max_age_seconds=3600) == 1
        assert not vault.partial_path(sha(old_data)).exists()
        assert vault.partial_path(sha(live_data)).exists()
    finally:
        live.abort()
