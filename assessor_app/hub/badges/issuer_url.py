"""The issuer's public address: from ``$ASSESSOR_HUB_ISSUER_URL``, else the address pinned
once in ``DATA_DIR/issuer-url.txt``. Never taken from a request: a ``Host`` header is the
client's to choose, and a hub-signed credential naming the client's host would verify.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import socket
from pathlib import Path

ISSUER_URL_ENV = "ASSESSOR_HUB_ISSUER_URL"
ISSUER_URL_FILE = "issuer-url.txt"
# What a hub started without ``serve`` (and without configuration) pins.
DEFAULT_ISSUER_URL = "http://127.0.0.1:8765"


def _clean(url: str) -> str | None:
    return url.strip().rstrip("/") or None


def listening_url(host: str, port: int) -> str:
    """The address ``serve --host HOST --port PORT`` is reached at: the machine's name when
    it listens on every address, an IPv6 literal in brackets."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"http://{host}:{port}"
    if address.is_unspecified:
        return f"http://{socket.getfqdn()}:{port}"
    return f"http://[{host}]:{port}" if address.version == 6 else f"http://{host}:{port}"


def pinned_path(data_dir: Path) -> Path:
    return Path(data_dir) / ISSUER_URL_FILE


def configured_issuer_url(data_dir: Path) -> str | None:
    """The configured address, else the pinned one, else None."""
    from_env = _clean(os.environ.get(ISSUER_URL_ENV, ""))
    if from_env:
        return from_env
    try:
        return _clean(pinned_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def pin_issuer_url(data_dir: Path, fallback: str = DEFAULT_ISSUER_URL) -> str:
    """The issuer address, pinning ``fallback`` in the data folder when none is known yet.
    Two processes pinning at once agree: the file is linked into place, the loser reads it."""
    known = configured_issuer_url(data_dir)
    if known:
        return known
    path = pinned_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"{_clean(fallback)}\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return configured_issuer_url(data_dir) or DEFAULT_ISSUER_URL
