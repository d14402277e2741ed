"""Evidence vault throughput: encrypting a 200 MB artifact into the vault and decrypting it
back, against a plain file copy and a plain read of the same bytes in the same run."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assessor_app.store.vault import Vault
from benchmarks.result import Result

SIZE_MB = 200
BLOCK = 1024 * 1024


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _make_source(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(SIZE_MB):
            block = os.urandom(BLOCK)
            digest.update(block)
            f.write(block)
    return digest.hexdigest()


def _copy_with_fsync(src: Path, dst: Path) -> None:
    # The vault fsyncs before publishing, so the baseline does too.
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as f:
        os.fsync(f.fileno())


def _drain(f: io.BufferedReader) -> None:
    while f.read(BLOCK):
        pass


def _read_plain(path: Path) -> None:
    with open(path, "rb") as f:
        _drain(f)


def _read_vault(vault: Vault, sha256: str) -> None:
    with vault.open(sha256) as f:
        _drain(f)


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp:
        root = Path(tmp)
        source = root / "source.bin"
        sha256 = _make_source(source)
        vault = Vault(root / "vault", os.urandom(32))

        copy_s = _timed(lambda: _copy_with_fsync(source, root / "copy.bin"))
        put_s = _timed(lambda: vault.put_file(source, sha256))
        read_s = _timed(lambda: _read_plain(root / "copy.bin"))
        vault_read_s = _timed(lambda: _read_vault(vault, sha256))

    copy_rate, put_rate = SIZE_MB / copy_s, SIZE_MB / put_s
    read_rate, vault_read_rate = SIZE_MB / read_s, SIZE_MB / vault_read_s
    return [
        Result(f"plain copy {SIZE_MB} MB (fsync)", copy_rate, "MB/s"),
        Result(
            f"vault encrypt+write {SIZE_MB} MB (sha256 checked)",
            put_rate,
            "MB/s",
            compared_to="plain copy",
            ratio=put_rate / copy_rate,
        ),
        Result(f"plain read {SIZE_MB} MB", read_rate, "MB/s"),
        Result(
            f"vault decrypt+read {SIZE_MB} MB",
            vault_read_rate,
            "MB/s",
            compared_to="plain read",
            ratio=vault_read_rate / read_rate,
        ),
    ]
