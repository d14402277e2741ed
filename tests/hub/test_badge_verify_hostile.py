"""``verify`` on hostile files: whatever JSON a signed credential (or its header) holds in
place of a member, the pipeline answers with problems, never an exception."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from assessor_app.hub.badges.signing import IssuerKey, ProofFormat
from assessor_app.hub.badges.verify import verify_text

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "open-badge-credential.json"
ISSUER = "https://hub.example.org"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Places in the signed payload a forger may fill with anything.
PATHS = [
    ("issuer",),
    ("issuer", "id"),
    ("credentialSubject",),
    ("credentialSubject", "id"),
    ("credentialSubject", "result"),
    ("credentialSubject", "achievement"),
    ("credentialSubject", "achievement", "resultDescription"),
    ("validFrom",),
    ("nbf",),
    ("exp",),
    ("sub",),
    ("type",),
    ("@context",),
]


def _replace(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    target = copy
    for name in path[:-1]:
        if not isinstance(target.get(name), dict):
            return copy
        target = target[name]
    target[path[-1]] = value
    return copy


def _compact(header: Any, payload: Any) -> str:
    # Signed or not makes no difference to the steps after the signature: all of them run.
    parts = [json.dumps(header).encode(), json.dumps(payload).encode(), b"\x00" * 64]
    return ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode() for p in parts)


KID = f"{ISSUER}/api/v1/issuer/keys/hostile"
TRUSTED = [
    {
        **IssuerKey(OKPKey.generate_key("Ed25519", private=True), ProofFormat.EDDSA).public_jwk(),
        "kid": KID,
    }
]


# Values that once broke the linkage step: unhashable ids and a number where a list belongs.
@example(("credentialSubject", "achievement", "resultDescription"), [{"id": []}], "alg", None)
@example(("credentialSubject", "achievement", "resultDescription"), 5, "kid", [])
@example(
    ("credentialSubject", "result"), [{"resultDescription": [], "achievedLevel": {}}], "typ", 1
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    value=json_values,
    header_member=st.sampled_from(["alg", "kid", "typ", "extra"]),
    header_value=json_values,
)
def test_verify_never_raises_on_a_hostile_credential(
    path: tuple[str, ...], value: Any, header_member: str, header_value: Any
) -> None:
    served = json.loads(SAMPLE.read_text())
    _, payload_b64, _ = served["jwt"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    header = {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    for token in (
        _compact(header, _replace(payload, path, value)),
        _compact({**header, header_member: header_value}, payload),
        _compact(header_value, payload),
        _compact(header, value),
    ):
        verdict = verify_text(token, TRUSTED, ISSUER)
        assert verdict.problems
        assert all(isinstance(p, str) for p in verdict.problems)
