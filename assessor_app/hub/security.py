"""Password hashing (scrypt, per-user salt), bearer tokens stored hashed, throttle keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt with N=2**14, r=8 needs 16 MiB per hash: memory-hard, ~50 ms here.
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64 parts), so parameters can grow later."""
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM
    )
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(derived)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(expected)),
            maxmem=_MAXMEM,
        )
    except ValueError:
        return False
    return hmac.compare_digest(derived, base64.b64decode(expected))


# Verifying against this when the username is unknown keeps the timing the same.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def throttle_key(client: str, username: str) -> str:
    """Client address + username, hashed so the table holds no plain user names."""
    return hashlib.sha256(f"{client}\0{username.casefold()}".encode()).hexdigest()


def account_throttle_key(username: str) -> str:
    """The per-account key: no address part, so failures from every address add up."""
    return hashlib.sha256(f"account\1{username.casefold()}".encode()).hexdigest()
