"""Checking a saved credential: one pipeline of steps, each adding what it finds wrong.

    signature → issuer → claims → schema → linkage → status

``signature``: the VC-JWT's header names an algorithm this hub signs with and a ``kid`` in
the trusted key set; joserfc verifies the signature with that key. ``issuer``: the
credential names the expected issuer and its key is one of that issuer's. ``claims``: the
registered claims OB 3.0 requires (``iss``, ``sub``, ``nbf``, ``jti``; ``exp`` with a
``validUntil``) are present, equal the credential's members, and say it is valid now.
``schema`` and ``linkage``: the credential itself, see ``conformance``. ``status``: given
a ``StatusSource``, whether the issuer revoked it (``status_check``): the status list is
verified by the first three steps (it is no OpenBadgeCredential) before its bit is read.

A file may hold the compact JWT itself (``application/vc+jwt``) or the JSON the hub serves
(``{"jwt": ..., "credential": ...}``); in the latter, the readable ``credential`` must be
exactly the signed one, so an edit to either copy is caught.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet
from joserfc.util import json_b64decode

from assessor_app.hub.badges.conformance import linkage_problems, schema_problems
from assessor_app.hub.badges.credential import JWT_CLAIMS, IssuerProfile, parse_datetime
from assessor_app.hub.badges.signing import ALGORITHMS, quiet_eddsa
from assessor_app.hub.badges.status_check import REVOKED, StatusSource, status_problems

JWT_TYPE = "JWT"
_ALLOWED_HEADER = {"alg", "kid", "typ"}


@dataclass
class Verdict:
    """``problems`` empty means valid. ``credential`` is the signed document, when readable."""

    problems: list[str] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    kid: str | None = None
    found: dict[Step, list[str]] = field(default_factory=dict)
    """What each step that ran found wrong (empty: it passed)."""

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def revoked(self) -> bool:
        """A genuine credential its issuer revoked: revocation is all that is wrong (a
        credential that also fails other checks is simply invalid)."""
        return self.problems == [REVOKED]


@dataclass
class Candidate:
    """What the steps look at: the token, its decoded parts, and what is trusted."""

    token: str
    header: dict[str, Any]
    payload: dict[str, Any]
    credential: dict[str, Any]
    keys: list[dict[str, Any]]
    issuer: IssuerProfile
    now: datetime
    status_source: StatusSource | None = None


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


def check_signature(candidate: Candidate) -> list[str]:
    header = candidate.header
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return [f"header alg is {alg!r}; a credential is signed with {' or '.join(ALGORITHMS)}"]
    problems = []
    extra = sorted(set(header) - _ALLOWED_HEADER)
    if extra:
        problems.append(f"header has members OB 3.0 does not allow: {', '.join(extra)}")
    if header.get("typ", JWT_TYPE) != JWT_TYPE:
        problems.append(f"header typ is {header.get('typ')!r}, expected {JWT_TYPE!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return [*problems, "header has no kid naming the issuer key"]
    matching = [k for k in candidate.keys if k.get("kid") == kid]
    if not matching:
        return [*problems, f"no trusted key has kid {kid!r}: signed by another issuer"]
    try:
        key = KeySet.import_key_set({"keys": matching}).keys[0]
        with quiet_eddsa():
            jws.deserialize_compact(candidate.token, key, algorithms=[alg])
    except BadSignatureError:
        problems.append(
            "the signature does not verify: the credential was changed after signing, "
            "or signed with another key"
        )
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        problems.append(f"the trusted key {kid!r} cannot check this signature: {exc}")
    return problems


def check_issuer(candidate: Candidate) -> list[str]:
    """A key in the trusted set is not enough: the credential must also name the expected
    issuer, and its ``kid`` must be one of that issuer's keys."""
    expected = candidate.issuer
    issuer = candidate.credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    problems = []
    if issuer_id != expected.id:
        problems.append(f"issued by {issuer_id!r}, expected issuer {expected.id!r}")
    kid = candidate.header.get("kid")
    if isinstance(kid, str) and not kid.startswith(f"{expected.keys_url}/"):
        problems.append(f"key {kid!r} is not one of the keys of {expected.id!r}")
    return problems


def _numeric_date(value: Any) -> int | None:
    moment = parse_datetime(value)
    return int(moment.timestamp()) if moment is not None else None


def check_claims(candidate: Candidate) -> list[str]:
    payload, doc = candidate.payload, candidate.credential
    issuer = doc.get("issuer")
    subject = doc.get("credentialSubject")
    expected = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "sub": subject.get("id") if isinstance(subject, dict) else None,
        "jti": doc.get("id"),
        "nbf": _numeric_date(doc.get("validFrom")),
    }
    names = {"iss": "issuer.id", "sub": "credentialSubject.id", "jti": "id", "nbf": "validFrom"}
    problems = []
    for claim, value in expected.items():
        if claim not in payload:
            problems.append(f"claim {claim} is missing (OB 3.0 requires it)")
        elif value is None or payload[claim] != value:
            problems.append(f"claim {claim} does not match {names[claim]}")
    valid_until = _numeric_date(doc.get("validUntil"))
    if payload.get("exp") != valid_until:
        problems.append("claim exp does not match validUntil")
    now = int(candidate.now.timestamp())
    nbf = payload.get("nbf")
    if isinstance(nbf, int) and nbf > now:
        problems.append("the credential is not valid yet (validFrom is in the future)")
    if isinstance(valid_until, int) and valid_until <= now:
        problems.append("the credential has expired (validUntil has passed)")
    return problems


def check_schema(candidate: Candidate) -> list[str]:
    return schema_problems(candidate.credential)


def check_linkage(candidate: Candidate) -> list[str]:
    return linkage_problems(candidate.credential)


def check_status(candidate: Candidate) -> list[str]:
    if candidate.status_source is None:
        return []

    def verify_list(text: str) -> tuple[list[str], dict[str, Any] | None]:
        listing = verify_text(
            text, candidate.keys, candidate.issuer.base_url, candidate.now, steps=LIST_STEPS
        )
        return listing.problems, listing.credential

    return status_problems(candidate.credential, candidate.status_source, verify_list)


Step = Callable[[Candidate], list[str]]
STEPS: tuple[Step, ...] = (
    check_signature,
    check_issuer,
    check_claims,
    check_schema,
    check_linkage,
    check_status,
)
LIST_STEPS: tuple[Step, ...] = (check_signature, check_issuer, check_claims)
"""What a status list must pass: it is signed like a credential, but is no badge."""


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


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, unverified; ValueError says what is malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a compact JWS has three dot-separated parts")
    try:
        header = json_b64decode(parts[0].encode())
        payload = json_b64decode(parts[1].encode())
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"a part is not base64url-encoded JSON ({exc})") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("the header and the payload must be JSON objects")
    return header, payload


def verify_text(
    text: str,
    keys: list[dict[str, Any]],
    issuer_url: str,
    now: datetime | None = None,
    *,
    status_source: StatusSource | None = None,
    steps: tuple[Step, ...] = STEPS,
) -> Verdict:
    """Verify a credential file's content against the public keys ``keys`` (JWKs) of the
    issuer at ``issuer_url`` (its base address), reading status lists from
    ``status_source`` (without one, revocation is not checked)."""
    verdict = Verdict()
    found = _token_of(text, verdict)
    if found is None:
        return verdict
    token, readable = found
    try:
        header, payload = _decode(token)
    except ValueError as exc:
        verdict.problems.append(f"not a VC-JWT: {exc}")
        return verdict
    credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    verdict.credential = credential
    kid = header.get("kid")
    verdict.kid = kid if isinstance(kid, str) else None
    candidate = Candidate(
        token=token,
        header=header,
        payload=payload,
        credential=credential,
        keys=keys,
        issuer=IssuerProfile(issuer_url.rstrip("/"), ""),
        now=now or datetime.now(UTC),
        status_source=status_source,
    )
    for step in steps:
        verdict.found[step] = step(candidate)
        verdict.problems += verdict.found[step]
    if readable is not None and readable != credential:
        verdict.problems.append('the readable "credential" differs from the signed one')
    return verdict


def verify_file(
    path: Path,
    keys: list[dict[str, Any]],
    issuer_url: str,
    status_source: StatusSource | None = None,
) -> Verdict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Verdict(problems=[f"{path}: cannot be read: {exc}"])
    return verify_text(text, keys, issuer_url, status_source=status_source)
