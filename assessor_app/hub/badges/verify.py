"""Checking a saved credential: the VC-JWT's signature against the issuer's public keys,
its header and claims, and the structure of the OpenBadgeCredential it carries.

A file may hold the compact JWT itself (``application/vc+jwt``) or the JSON the hub serves
(``{"jwt": ..., "credential": ...}``); in the latter, the readable ``credential`` must be
exactly the signed one, so an edit to either copy is caught.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessor_app.hub.badges.credential import (
    JWT_CLAIMS,
    IssuerProfile,
    parse_datetime,
    structure_problems,
)
from assessor_app.hub.badges.signing import (
    ALG,
    CompactJws,
    parse_compact,
    public_key_from_jwk,
    signature_valid,
)

JWT_TYPE = "vc+jwt"


@dataclass
class Verdict:
    """``problems`` empty means valid. ``credential`` is the signed document, when readable."""

    problems: list[str] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    kid: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems


def load_jwks(path: Path) -> list[dict[str, Any]]:
    """The keys of a JWKS file (``{"keys": [...]}``, as ``/issuer/jwks.json`` serves it)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read a key set: {exc}") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise ValueError(f'{path}: a key set is a JSON object {{"keys": [...]}}')
    return keys


def _find_key(keys: list[dict[str, Any]], kid: str) -> dict[str, Any] | None:
    fragment = kid.rsplit("#", 1)[-1]
    for key in keys:
        if key.get("kid") in (kid, fragment):
            return key
    return None


def _token_of(text: str, verdict: Verdict) -> tuple[str, dict[str, Any] | None] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped, None
    try:
        envelope = json.loads(stripped)
    except json.JSONDecodeError as exc:
        verdict.problems.append(f"the file is neither a JWT nor valid JSON ({exc.msg})")
        return None
    token = envelope.get("jwt") if isinstance(envelope, dict) else None
    if not isinstance(token, str):
        verdict.problems.append(
            'the JSON has no "jwt" member: an unsigned credential cannot be verified'
        )
        return None
    readable = envelope.get("credential")
    return token, readable if isinstance(readable, dict) else None


def _check_header(jws: CompactJws, verdict: Verdict) -> str | None:
    header = jws.header
    if header.get("alg") != ALG:
        verdict.problems.append(f"header alg is {header.get('alg')!r}, expected {ALG!r}")
        return None
    if header.get("typ") != JWT_TYPE:
        verdict.problems.append(f"header typ is {header.get('typ')!r}, expected {JWT_TYPE!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        verdict.problems.append("header has no kid naming the issuer key")
        return None
    return kid


def _check_claims(payload: dict[str, Any], verdict: Verdict) -> None:
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if payload.get("iss") != issuer_id:
        verdict.problems.append("claim iss does not match issuer.id")
    if payload.get("jti") != payload.get("id"):
        verdict.problems.append("claim jti does not match the credential id")
    valid_from = parse_datetime(payload.get("validFrom"))
    nbf = payload.get("nbf")
    if valid_from is not None and (not isinstance(nbf, int) or nbf != int(valid_from.timestamp())):
        verdict.problems.append("claim nbf does not match validFrom")


def _check_issuer(
    payload: dict[str, Any], kid: str | None, issuer_url: str, verdict: Verdict
) -> None:
    """A key in the trusted set is not enough: the credential must also name the expected
    issuer, and its ``kid`` must point into that issuer's key set."""
    expected = IssuerProfile(issuer_url.rstrip("/"), "")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != expected.id:
        verdict.problems.append(f"issued by {issuer_id!r}, expected issuer {expected.id!r}")
    if kid is not None and not kid.startswith(f"{expected.jwks_url}#"):
        verdict.problems.append(f"key {kid!r} is not in the key set of {expected.jwks_url!r}")


def verify_text(text: str, keys: list[dict[str, Any]], issuer_url: str) -> Verdict:
    """Verify a credential file's content against the public keys ``keys`` (JWKs) of the
    issuer at ``issuer_url`` (its base address)."""
    verdict = Verdict()
    found = _token_of(text, verdict)
    if found is None:
        return verdict
    token, readable = found
    try:
        jws = parse_compact(token)
    except ValueError as exc:
        verdict.problems.append(f"not a VC-JWT: {exc}")
        return verdict
    payload = jws.payload
    verdict.credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    kid = _check_header(jws, verdict)
    verdict.kid = kid
    if kid is not None:
        jwk = _find_key(keys, kid)
        if jwk is None:
            verdict.problems.append(f"no trusted key has kid {kid!r}: signed by another issuer")
        else:
            try:
                public = public_key_from_jwk(jwk)
            except ValueError as exc:
                verdict.problems.append(f"the trusted key {kid!r} is unusable: {exc}")
            else:
                if not signature_valid(jws, public):
                    verdict.problems.append(
                        "the signature does not verify: the credential was changed after "
                        "signing, or signed with another key"
                    )
    _check_claims(payload, verdict)
    _check_issuer(payload, kid, issuer_url, verdict)
    verdict.problems += structure_problems(verdict.credential)
    if readable is not None and readable != verdict.credential:
        verdict.problems.append('the readable "credential" differs from the signed one')
    return verdict


def verify_file(path: Path, keys: list[dict[str, Any]], issuer_url: str) -> Verdict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Verdict(problems=[f"{path}: cannot be read: {exc}"])
    return verify_text(text, keys, issuer_url)
