"""The issuer's signing keys, and VC-JWT signing through joserfc (a maintained JOSE library).

Two proof formats: ``rs256`` (the default, an RSA VC-JWT: the JWT proof 1EdTech's Open
Badges 3.0 conformance accepts) and ``eddsa`` (Ed25519, an option). Each has its own PKCS#8
PEM file in the hub data folder, created with mode 0600 on first use;
``$ASSESSOR_HUB_ISSUER_KEY`` names the file of the chosen format instead. Two hub processes
starting together end up with the same key: the file is created under a temporary name and
linked into place, and whoever loses the race reads the winner's key.

A key's ``kid`` is its RFC 7638 thumbprint, the same string in a JWT header and in the
served key set, so verifiers look it up by ``kid`` as JOSE libraries do.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey, RSAKey

KEY_ENV = "ASSESSOR_HUB_ISSUER_KEY"
RSA_BITS = 3072


class ProofFormat(StrEnum):
    """How credentials are signed; the value is what ``serve --proof`` takes."""

    RS256 = "rs256"
    EDDSA = "eddsa"

    @property
    def alg(self) -> str:
        return "RS256" if self is ProofFormat.RS256 else "EdDSA"

    @property
    def key_file(self) -> str:
        return "issuer-rs256.pem" if self is ProofFormat.RS256 else "issuer-ed25519.pem"


DEFAULT_PROOF = ProofFormat.RS256
# What a verifier accepts: the algorithms this hub signs with, and nothing else ("none",
# and HMAC whose secret could be a public key, are never among them).
ALGORITHMS = tuple(p.alg for p in ProofFormat)

IssuerJoseKey = RSAKey | OKPKey


class IssuerKeyError(ValueError):
    """The issuer key cannot be read; ``str()`` says which file and why."""


def default_key_path(data_dir: Path, proof: ProofFormat = DEFAULT_PROOF) -> Path:
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else Path(data_dir) / proof.key_file


@contextlib.contextmanager
def quiet_eddsa() -> Iterator[None]:
    """joserfc warns that RFC 9864 deprecates "EdDSA" for "Ed25519"; verifiers (PyJWT,
    1EdTech's tools) know only "EdDSA" so far, so the hub keeps using it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield


@dataclass(frozen=True)
class IssuerKey:
    key: IssuerJoseKey
    proof: ProofFormat

    @property
    def kid(self) -> str:
        return self.key.thumbprint()

    def public_jwk(self) -> dict[str, str]:
        public = {k: str(v) for k, v in self.key.as_dict(private=False).items()}
        return {**public, "kid": self.kid, "alg": self.proof.alg, "use": "sig"}

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        """A compact JWS of ``claims``; ``header`` gets this key's ``alg``."""
        full = {**header, "alg": self.proof.alg}
        with quiet_eddsa():
            return jwt.encode(full, claims, self.key, algorithms=[self.proof.alg])


def _proof_of(key: IssuerJoseKey) -> ProofFormat | None:
    if isinstance(key, RSAKey):
        return ProofFormat.RS256
    if isinstance(key, OKPKey) and key.as_dict(private=False).get("crv") == "Ed25519":
        return ProofFormat.EDDSA
    return None


def load_key(path: Path) -> IssuerKey:
    """The key in the PEM file ``path``; an RSA key signs RS256, an Ed25519 key EdDSA."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IssuerKeyError(f"{path}: cannot read the issuer key: {exc.strerror}") from None
    for kind in (RSAKey, OKPKey):
        with contextlib.suppress(JoseError, ValueError, TypeError):
            key: IssuerJoseKey = kind.import_key(data)
            proof = _proof_of(key)
            if proof is not None and key.is_private:
                return IssuerKey(key, proof)
    raise IssuerKeyError(
        f"{path}: not an unencrypted PEM private key of RSA or Ed25519 (the issuer key types)"
    )


def _generate(proof: ProofFormat) -> bytes:
    key: IssuerJoseKey = (
        RSAKey.generate_key(RSA_BITS, private=True)
        if proof is ProofFormat.RS256
        else OKPKey.generate_key("Ed25519", private=True)
    )
    return key.as_pem(private=True)


def load_or_create_key(path: Path, proof: ProofFormat = DEFAULT_PROOF) -> IssuerKey:
    """The key at ``path``, made (mode 0600) for ``proof`` when there is none yet. A key of
    another type than ``proof`` asks for is refused."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_generate(proof))
                out.flush()
                os.fsync(out.fileno())
            # Linking fails if another process made the key first: then that key is used.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    key = load_key(path)
    if key.proof is not proof:
        raise IssuerKeyError(
            f"{path}: the proof format {proof.value} needs an "
            f"{'RSA' if proof is ProofFormat.RS256 else 'Ed25519'} key, and this is an "
            f"{'Ed25519' if proof is ProofFormat.RS256 else 'RSA'} key: serve with "
            f"--proof {key.proof.value}, or name a key of the right type"
        )
    return key


def issuer_keys(data_dir: Path, proof: ProofFormat) -> list[IssuerKey]:
    """The signing key for ``proof`` (made when missing) first, then the hub's other keys,
    so credentials signed before a switch of format still verify."""
    active = load_or_create_key(default_key_path(data_dir, proof), proof)
    return [active, *(k for k in existing_keys(data_dir) if k.kid != active.kid)]


def existing_keys(data_dir: Path) -> list[IssuerKey]:
    """The issuer keys that exist now: ``$ASSESSOR_HUB_ISSUER_KEY`` and the data folder's."""
    paths = [default_key_path(data_dir, p) for p in ProofFormat]
    paths += [Path(data_dir) / p.key_file for p in ProofFormat]
    keys: dict[str, IssuerKey] = {}
    for path in dict.fromkeys(paths):
        if path.exists():
            key = load_key(path)
            keys.setdefault(key.kid, key)
    return list(keys.values())
