"""The evidence vault: content-addressed artifact storage, encrypted at rest.

Every artifact is stored once, under its sha256 (``<root>/<hh>/<sha256>``, where ``hh`` is
the first two hex digits); the hub's file names never become paths. Content is encrypted
with AES-256-GCM in fixed-size plaintext chunks so that viewers and the video player can
read at random positions without plaintext ever touching the disk.

File format (all integers big-endian)::

    header  = magic "AVLT" | version (1 byte) | 3 zero bytes | chunk size (u32)
              | nonce prefix (8 random bytes)
    chunk i = AES-GCM(key, nonce = prefix || u32(i), plaintext[i*C:(i+1)*C],
                      aad = header || sha256 (32 bytes) || u64(i) || last flag (1 byte))

Every file has at least one chunk (an empty artifact is one empty last chunk); only the
last chunk may be shorter than the chunk size. Binding the header, the digest, the index
and the last-chunk flag into each tag means a modified header, a flipped byte, a dropped,
reordered or swapped chunk, a truncation, and a file moved to another digest's name are
all detected: reading raises :class:`VaultIntegrityError` and never returns wrong bytes.

Downloads write through :meth:`Vault.writer`, which verifies the sha256 of the plaintext
before it atomically publishes the file (``commit``, or ``verify`` then ``publish`` so the
fsyncs can run on another thread while the next download starts). A resumable writer
keeps its completed chunks (encrypted) in ``<root>/partial/`` so a download can continue
after a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from assessor_app.common.files import fsync_dir

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "EvidenceMismatch",
    "EvidenceNotFound",
    "Vault",
    "VaultBusy",
    "VaultError",
    "VaultFile",
    "VaultIntegrityError",
    "VaultWriter",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024
MAGIC = b"AVLT"
FORMAT_VERSION = 1
_HEADER = struct.Struct(">4sB3xI8s")
HEADER_SIZE = _HEADER.size
TAG_SIZE = 16
_MAX_CHUNK_SIZE = 64 * 1024 * 1024
_MAX_CHUNKS = 2**32  # the nonce carries a 32-bit chunk counter
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CACHE_CHUNKS = 4
_COPY_BLOCK = 1024 * 1024


class VaultError(Exception):
    """Base class of the vault's errors."""


class VaultIntegrityError(VaultError):
    """A stored file fails authentication: tampered with, truncated or not a vault file."""


class EvidenceMismatch(VaultError):
    """The bytes written do not have the sha256 they were announced with."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"evidence does not match its sha256: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class EvidenceNotFound(VaultError, FileNotFoundError):
    """No evidence with this sha256 is in the vault."""


class VaultBusy(VaultError):
    """Another writer in this process is already writing this digest resumably."""


def _check_digest(sha256: str) -> str:
    # The digest is the only thing that becomes a path, so it must be exactly 64 hex digits.
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise ValueError("a vault key must be a lowercase hex sha256 digest")
    return sha256


def _aad(header: bytes, digest: bytes, index: int, last: bool) -> bytes:
    return header + digest + struct.pack(">QB", index, 1 if last else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _drop_from_cache(fd: int) -> None:
    """Drop a file's pages from the page cache once it is on disk (after its fsync).

    A sync writes up to gigabytes of evidence that nobody reads for a while; kept in the
    cache it pushes the user's own files out of memory, and every new file takes fresh
    pages instead of reusing the ones the last file has finished with. Only an
    optimisation: where the call is missing (macOS, Windows) or refused, nothing happens.
    """
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is not None:
        with contextlib.suppress(OSError):
            fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _close_quietly(f: io.BufferedWriter) -> None:
    """Close ``f`` even when flushing its buffer fails (a full disk): the file is being
    given up, and a file left open would try again, and complain, when collected."""
    # A buffered file closes its descriptor even when the flush before it fails.
    with contextlib.suppress(OSError):
        f.close()


def _make_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask; evidence directories must be private anyway.
    os.chmod(path, 0o700)


class Vault:
    """Encrypted, content-addressed evidence under ``root`` with a 32-byte data ``key``.

    ``chunk_size`` only applies to files written from now on: each file records its own
    chunk size, so files written with another size stay readable.
    """

    def __init__(self, root: Path, key: bytes, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if len(key) != 32:
            raise ValueError("the vault key must be 32 bytes (AES-256)")
        if not 1 <= chunk_size <= _MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size must be between 1 and {_MAX_CHUNK_SIZE} bytes")
        self.root = Path(root)
        self.chunk_size = chunk_size
        self._aead = AESGCM(key)
        self._partial_dir = self.root / "partial"
        self._active: set[str] = set()
        self._active_lock = threading.Lock()
        _make_dir(self.root)
        _make_dir(self._partial_dir)

    def path_for(self, sha256: str) -> Path:
        """Where the encrypted file for ``sha256`` lives (whether or not it exists)."""
        _check_digest(sha256)
        return self.root / sha256[:2] / sha256

    def partial_path(self, sha256: str) -> Path:
        return self._partial_dir / f"{_check_digest(sha256)}.part"

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def writer(self, sha256: str, *, resume: bool = False) -> VaultWriter:
        """A writer that takes the plaintext of ``sha256`` incrementally.

        Use it as a context manager: leaving the block normally verifies the digest and
        publishes the file; an exception discards the data (or, with ``resume=True``,
        keeps the completed chunks for a later resumable writer). ``writer.offset`` tells
        how many plaintext bytes were recovered from an earlier attempt.
        """
        _check_digest(sha256)
        if resume:
            with self._active_lock:
                if sha256 in self._active:
                    raise VaultBusy(f"evidence {sha256} is already being written")
                self._active.add(sha256)
        try:
            return VaultWriter(self, sha256, resume=resume)
        except BaseException:
            if resume:
                self._release(sha256)
            raise

    def _release(self, sha256: str) -> None:
        with self._active_lock:
            self._active.discard(sha256)

    def put_file(self, path: Path, sha256: str) -> None:
        """Encrypt the file at ``path`` into the vault; raises EvidenceMismatch if its
        content does not hash to ``sha256``."""
        with open(path, "rb") as src, self.writer(sha256) as w:
            while block := src.read(_COPY_BLOCK):
                w.write(block)

    def put_bytes(self, data: bytes, sha256: str) -> None:
        with self.writer(sha256) as w:
            w.write(data)

    def open(self, sha256: str) -> io.BufferedReader:
        """A seekable, read-only binary file over the decrypted content.

        The last chunk is authenticated here, so ``size()`` is trustworthy; other chunks
        are authenticated as they are read. Raises EvidenceNotFound or
        VaultIntegrityError.
        """
        raw = VaultFile(self, sha256)
        return _BufferedVaultFile(raw)

    def open_raw(self, sha256: str) -> VaultFile:
        """The unbuffered file object (for callers that do their own buffering)."""
        return VaultFile(self, sha256)

    def delete(self, sha256: str) -> bool:
        """Remove the evidence and any partial download of it; True if evidence existed."""
        path = self.path_for(sha256)
        existed = True
        try:
            path.unlink()
        except FileNotFoundError:
            existed = False
        self.discard_partial(sha256)
        return existed

    def discard_partial(self, sha256: str) -> None:
        self.partial_path(sha256).unlink(missing_ok=True)

    def partial_offset(self, sha256: str) -> int:
        """Plaintext bytes a resumable writer would recover for ``sha256`` (0 if none)."""
        path = self.partial_path(sha256)
        if not path.exists():
            return 0
        return sum(len(c) for c in self._recover_chunks(path, sha256))

    def remove_stale_partials(self, max_age_seconds: float = 7 * 24 * 3600) -> int:
        """Delete partial downloads and temporary files untouched for ``max_age_seconds``
        (left by crashes or abandoned downloads), except those being written now.
        Returns how many files were removed."""
        cutoff = time.time() - max_age_seconds
        with self._active_lock:
            active = {f"{sha}.part" for sha in self._active}
        removed = 0
        for entry in self._partial_dir.iterdir():
            try:
                if entry.name not in active and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # finished or removed meanwhile
        return removed

    def usage_bytes(self) -> int:
        """Bytes on disk used by the vault, partial downloads included."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    total += os.stat(os.path.join(dirpath, name)).st_size
                except FileNotFoundError:
                    continue  # removed while we walked
        return total

    def digests(self) -> Iterator[str]:
        """The sha256 of every complete file in the vault."""
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for f in sorted(sub.iterdir()):
                    if _SHA256_RE.match(f.name) and f.name.startswith(sub.name):
                        yield f.name

    def export_copy(self, sha256: str, dest_path: Path) -> None:
        """Write a decrypted copy to ``dest_path`` (only on the user's explicit request).

        The copy appears atomically: a failure (including an integrity error) leaves
        nothing at ``dest_path``.
        """
        dest_path = Path(dest_path)
        tmp = dest_path.with_name(f".{dest_path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with self.open(sha256) as src, open(tmp, "xb") as dst:
                while block := src.read(_COPY_BLOCK):
                    dst.write(block)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, dest_path)
        finally:
            tmp.unlink(missing_ok=True)

    # -- chunk primitives shared by the writer and the reader --------------------------

    def _encrypt_into(
        self,
        header: bytes,
        digest: bytes,
        index: int,
        last: bool,
        data: memoryview,
        out: memoryview,
    ) -> None:
        """Seal ``data`` into ``out`` (exactly ``len(data) + TAG_SIZE`` bytes long)."""
        prefix = header[-8:]
        self._aead.encrypt_into(_nonce(prefix, index), data, _aad(header, digest, index, last), out)

    def _decrypt(self, header: bytes, digest: bytes, index: int, last: bool, data: bytes) -> bytes:
        prefix = header[-8:]
        try:
            return self._aead.decrypt(
                _nonce(prefix, index), data, _aad(header, digest, index, last)
            )
        except InvalidTag:
            raise VaultIntegrityError(
                f"chunk {index} of evidence {digest.hex()} failed authentication "
                "(the file was modified, truncated or damaged)"
            ) from None

    def _recover_chunks(self, path: Path, sha256: str) -> Iterator[bytes]:
        """Decrypt the complete, authentic non-last chunks of a partial file, in order,
        stopping at the first one that is missing, torn or not authentic."""
        digest = bytes.fromhex(sha256)
        try:
            with open(path, "rb") as f:
                yield from self._authentic_prefix(f, digest)
        except FileNotFoundError:
            return

    def _authentic_prefix(self, f: io.BufferedReader, digest: bytes) -> Iterator[bytes]:
        header = f.read(HEADER_SIZE)
        try:
            chunk_size = _parse_header(header)
        except VaultIntegrityError:
            return
        index = 0
        while len(sealed := f.read(chunk_size + TAG_SIZE)) == chunk_size + TAG_SIZE:
            try:
                yield self._decrypt(header, digest, index, False, sealed)
            except VaultIntegrityError:
                return
            index += 1


def _parse_header(header: bytes) -> int:
    """The chunk size recorded in a file header; raises VaultIntegrityError if invalid."""
    if len(header) != HEADER_SIZE:
        raise VaultIntegrityError("the evidence file is too short to be a vault file")
    magic, version, chunk_size, _prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise VaultIntegrityError("the evidence file is not a vault file (bad magic)")
    if version != FORMAT_VERSION:
        raise VaultIntegrityError(f"unsupported vault file format version {version}")
    if not 1 <= chunk_size <= _MAX_CHUNK_SIZE:
        raise VaultIntegrityError("the evidence file header records an invalid chunk size")
    return chunk_size


class VaultWriter:
    """Encrypts plaintext as it arrives; see :meth:`Vault.writer`."""

    def __init__(self, vault: Vault, sha256: str, *, resume: bool) -> None:
        self._vault = vault
        self.sha256 = sha256
        self._digest = bytes.fromhex(sha256)
        self._resume = resume
        self._closed = False
        self._verified = False
        # One chunk of plaintext waiting to be sealed and one sealed chunk, both reused for
        # the writer's lifetime: fresh megabyte buffers per chunk cost more in page faults
        # than the encryption itself.
        size = vault.chunk_size
        self._plain = memoryview(bytearray(size))
        self._fill = 0
        self._sealed = memoryview(bytearray(size + TAG_SIZE))
        self._hash = hashlib.sha256()
        self._index = 0
        self.offset = 0
        """Plaintext bytes accepted so far (including any recovered from a partial file)."""
        if resume:
            self._path = vault.partial_path(sha256)
        else:
            self._path = vault._partial_dir / f"{sha256}.{secrets.token_hex(6)}.tmp"
        self._file = self._start_file()
        if resume:
            try:
                self._recover()
            except BaseException:
                _close_quietly(self._file)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._tmp_path)
                raise

    def _start_file(self) -> io.BufferedWriter:
        # A fresh random nonce prefix for every new file: a chunk index is never
        # encrypted twice under the same nonce, even when a download is retried.
        tmp = self._path.with_name(f"{self._path.name}.{secrets.token_hex(6)}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        f = os.fdopen(fd, "wb")
        self._tmp_path = tmp
        self._header = _HEADER.pack(
            MAGIC, FORMAT_VERSION, self._vault.chunk_size, secrets.token_bytes(8)
        )
        try:
            f.write(self._header)
        except BaseException:
            _close_quietly(f)
            tmp.unlink(missing_ok=True)
            raise
        return f

    def _recover(self) -> None:
        """Re-encrypt the authentic chunks of an earlier partial file under the new
        nonce prefix, then make the new file the partial file."""
        for plain in self._vault._recover_chunks(self._path, self.sha256):
            if len(plain) != self._vault.chunk_size:
                break  # written with another chunk size: re-chunk from here on
            self.write(plain)
        if self.offset:
            self._file.flush()
            os.fsync(self._file.fileno())
        # With nothing recovered there is nothing to keep durable: a crash before the
        # first chunk loses only a header.
        os.replace(self._tmp_path, self._path)
        self._tmp_path = self._path

    @property
    def chunk_size(self) -> int:
        return self._vault.chunk_size

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take the next plaintext bytes. ``data`` is copied before this returns, so the
        caller may reuse its buffer."""
        if self._closed or self._verified:
            raise ValueError("write to a closed or verified vault writer")
        view = memoryview(data).cast("B")
        n = len(view)
        # hashlib releases the GIL for large buffers, so parallel downloads hash in parallel.
        self._hash.update(view)
        size = self._vault.chunk_size
        pos = 0
        while pos < n:
            # A chunk is only known not to be the last when more bytes follow it, so a full
            # chunk is sealed as non-last only once the next byte is here.
            if self._fill == size:
                self._seal(self._plain, last=False)
                self._fill = 0
            take = min(size - self._fill, n - pos)
            self._plain[self._fill : self._fill + take] = view[pos : pos + take]
            self._fill += take
            pos += take
        self.offset += n
        return n

    def _seal(self, plain: memoryview, *, last: bool) -> None:
        if self._index >= _MAX_CHUNKS:
            raise VaultError("evidence too large for the vault format")
        sealed = self._sealed[: len(plain) + TAG_SIZE]
        self._vault._encrypt_into(self._header, self._digest, self._index, last, plain, sealed)
        self._file.write(sealed)
        self._index += 1

    def restart(self) -> None:
        """Drop everything written so far; the next write is byte 0 again (used when the
        hub answers a resumed download with the full content)."""
        if self._closed or self._verified:
            raise ValueError("restart of a closed or verified vault writer")
        _close_quietly(self._file)
        os.unlink(self._tmp_path)
        self._fill = 0
        self._hash = hashlib.sha256()
        self._index = 0
        self.offset = 0
        self._file = self._start_file()
        if self._resume:
            os.replace(self._tmp_path, self._path)
            self._tmp_path = self._path

    def commit(self) -> None:
        """Verify the digest and atomically publish the file. On a mismatch nothing is
        kept (not even a partial file) and EvidenceMismatch is raised."""
        self.verify()
        self.publish()

    def verify(self) -> None:
        """The first half of ``commit``: check the digest and seal the last chunk. On a
        mismatch nothing is kept (not even a partial file) and EvidenceMismatch is raised.
        Then only ``publish`` (from any one thread) or ``abort`` may follow."""
        if self._closed or self._verified:
            raise ValueError("verify of a closed or verified vault writer")
        actual = self._hash.hexdigest()
        if actual != self.sha256:
            self._abandon(keep_partial=False)
            raise EvidenceMismatch(self.sha256, actual)
        try:
            self._seal(self._plain[: self._fill], last=True)
        except BaseException:
            # The bytes were right (a full disk, say): a resumable writer keeps what it
            # has, so the next attempt fetches only the last chunk again.
            self._abandon(keep_partial=self._resume)
            raise
        self._verified = True
        # A verified writer may wait a while to be published: let its buffers go now.
        self._plain = self._sealed = memoryview(b"")
        self._fill = 0

    def publish(self) -> None:
        """The second half of ``commit``: make the verified file durable and atomically
        give it its name. On a failure nothing is kept."""
        if self._closed or not self._verified:
            raise ValueError("publish needs a verified, open vault writer")
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            _drop_from_cache(self._file.fileno())
            self._file.close()
            final = self._vault.path_for(self.sha256)
            _make_dir(final.parent)
            os.replace(self._tmp_path, final)
            fsync_dir(final.parent)
        except BaseException:
            self._abandon(keep_partial=False)
            raise
        self._finish()

    def abort(self) -> None:
        """Give up: a resumable writer keeps its complete chunks for a later attempt,
        any other writer leaves nothing behind."""
        if not self._closed:
            self._abandon(keep_partial=self._resume)

    def _abandon(self, *, keep_partial: bool) -> None:
        """Close the file and keep it as the partial download, or remove it. Neither may
        fail for a full disk: a kept file that could not be flushed keeps its authentic
        chunks (a torn last one is ignored when it is resumed)."""
        try:
            if keep_partial:
                with contextlib.suppress(OSError):
                    self._file.flush()
                    os.fsync(self._file.fileno())
                _close_quietly(self._file)
            else:
                _close_quietly(self._file)
                os.unlink(self._tmp_path)
        except FileNotFoundError:
            pass
        finally:
            self._finish()

    def _finish(self) -> None:
        self._closed = True
        if self._resume:
            self._vault._release(self.sha256)

    def __enter__(self) -> VaultWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class VaultFile(io.RawIOBase):
    """Random-access, read-only view of one evidence file's plaintext.

    Chunks are decrypted on demand and a few are cached, so sequential reads and the
    small back-and-forth seeks of media demuxers stay cheap. Not thread-safe: give each
    reader its own object.
    """

    def __init__(self, vault: Vault, sha256: str) -> None:
        super().__init__()
        path = vault.path_for(sha256)
        try:
            # Held open for the object's lifetime and closed in close().
            self._f = open(path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise EvidenceNotFound(f"evidence {sha256} is not in the vault") from None
        self._vault = vault
        self.sha256 = sha256
        self.name = sha256
        self._digest = bytes.fromhex(sha256)
        self._pos = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        try:
            self._header = self._f.read(HEADER_SIZE)
            self._chunk = _parse_header(self._header)
            body = os.fstat(self._f.fileno()).st_size - HEADER_SIZE
            sealed = self._chunk + TAG_SIZE
            self._nchunks = max(1, -(-body // sealed))
            last_len = body - (self._nchunks - 1) * sealed - TAG_SIZE
            # A last chunk may be empty only when it is the only one.
            if last_len < 0 or (last_len == 0 and self._nchunks > 1):
                raise VaultIntegrityError(
                    f"evidence {sha256} is truncated (its last chunk is incomplete)"
                )
            self._size = (self._nchunks - 1) * self._chunk + last_len
            self._chunk_at(self._nchunks - 1)
        except BaseException:
            self._f.close()
            raise

    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        self._checkClosed()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._checkClosed()
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError(22, "negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self._checkClosed()
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self._size:
            index, within = divmod(self._pos, self._chunk)
            plain = self._chunk_at(index)
            n = min(len(out) - done, len(plain) - within)
            out[done : done + n] = plain[within : within + n]
            done += n
            self._pos += n
        return done

    def readall(self) -> bytes:
        self._checkClosed()
        parts = []
        while self._pos < self._size:
            index, within = divmod(self._pos, self._chunk)
            plain = self._chunk_at(index)
            parts.append(plain[within:])
            self._pos += len(plain) - within
        return b"".join(parts)

    def _chunk_at(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        sealed_size = self._chunk + TAG_SIZE
        self._f.seek(HEADER_SIZE + index * sealed_size)
        sealed = self._f.read(sealed_size)
        last = index == self._nchunks - 1
        plain = self._vault._decrypt(self._header, self._digest, index, last, sealed)
        if not last and len(plain) != self._chunk:
            raise VaultIntegrityError(f"evidence {self.sha256} has a short chunk {index}")
        self._cache[index] = plain
        if len(self._cache) > _CACHE_CHUNKS:
            self._cache.popitem(last=False)
        return plain

    def close(self) -> None:
        if not self.closed:
            self._f.close()
            self._cache.clear()
        super().close()


class _BufferedVaultFile(io.BufferedReader):
    """A buffered reader that also answers ``size()``."""

    raw: VaultFile

    def __init__(self, raw: VaultFile) -> None:
        # The raw file already caches whole chunks; a small buffer avoids copying twice.
        super().__init__(raw, buffer_size=64 * 1024)

    def size(self) -> int:
        return self.raw.size()
