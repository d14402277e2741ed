"""The issuer's Ed25519 key and compact JWS (RFC 7515) signing with ``alg: EdDSA``.

The private key is a PKCS#8 PEM file, created with mode 0600 on first use in the hub data
folder (or read from ``$ASSESSOR_HUB_ISSUER_KEY``). Two hub processes starting together end
up with the same key: the file is created under a temporary name and linked into place, and
whoever loses the race reads the winner's key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_ENV = "ASSESSOR_HUB_ISSUER_KEY"
KEY_FILE = "issuer-ed25519.pem"
ALG = "EdDSA"


class IssuerKeyError(ValueError):
    """The issuer key cannot be read; ``str()`` says which file and why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Raises ValueError for anything but unpadded base64url."""
    if not text or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def default_key_path(data_dir: Path) -> Path:
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else Path(data_dir) / KEY_FILE


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint: sha256 of the required members in lexicographic order."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(frozen=True)
class IssuerKey:
    private: Ed25519PrivateKey

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private.public_key())

    @property
    def thumbprint(self) -> str:
        return thumbprint(self.jwk)

    def public_jwk(self, kid: str) -> dict[str, str]:
        return {**self.jwk, "kid": kid, "alg": ALG, "use": "sig"}

    def sign_compact(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        signing_input = f"{_segment(header)}.{_segment(payload)}"
        signature = self.private.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{b64url(signature)}"


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def load_key(path: Path) -> IssuerKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IssuerKeyError(f"{path}: cannot read the issuer key: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise IssuerKeyError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IssuerKeyError(f"{path}: the issuer key must be an Ed25519 key")
    return IssuerKey(key)


def load_or_create_key(path: Path) -> IssuerKey:
    """The key at ``path``, made (mode 0600) when there is none yet."""
    path = Path(path)
    if path.exists():
        return load_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        # Linking fails if another process made the key first: then that key is used.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return load_key(path)


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS; raises ValueError saying what is malformed."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ValueError("a compact JWS has three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"a part is not base64url-encoded JSON ({exc})") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("the header and the payload must be JSON objects")
    return CompactJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("the key is not an Ed25519 (OKP) key")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk.get("x", ""))))


def signature_valid(jws: CompactJws, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(jws.signature, jws.signing_input)
    except InvalidSignature:
        return False
    return True
