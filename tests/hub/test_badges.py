"""Open Badges 3.0 credentials: issued on a final Pass only, served to the deciding
assessor, signed as an Ed25519 VC-JWT whose key is in ``/issuer/jwks.json``, and checked by
``assessor-hub verify``, which rejects a changed byte, another key and a bad structure."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from assessor_app.hub.badges.credential import OB_CONTEXT, VC_CONTEXT
from assessor_app.hub.badges.issuer_url import ISSUER_URL_FILE
from assessor_app.hub.badges.signing import KEY_FILE, IssuerKey, load_key
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import PASSWORD, HubServer, World, sign_in
from tests.hub.test_workflow import issued, sheet, upload


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_cli(
    settings: HubSettings, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    status = main(["--data-dir", str(settings.data_dir), "verify", "--db", settings.db_url, *args])
    return status, capsys.readouterr().out


@pytest.fixture
def passed(ann: httpx.Client, world: World) -> dict[str, Any]:
    """ann's Pass, and the credential the hub serves for it."""
    response = upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k-1", 1)
    assert response.status_code == 200, response.text
    [summary] = ann.get("/api/v1/credentials").json()["items"]
    assert summary["submission_id"] == world.ann_submission
    served = ann.get(f"/api/v1/credentials/{summary['id']}")
    assert served.status_code == 200, served.text
    return dict(served.json())


def test_a_pass_is_issued_as_a_signed_open_badge_credential(
    hub: HubServer, ann: httpx.Client, world: World, passed: dict[str, Any], settings: HubSettings
) -> None:
    doc = passed["credential"]
    assert doc["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == f"urn:uuid:{passed['id']}"
    assert doc["name"] == "Wait time after questions"
    assert doc["issuer"]["type"] == ["Profile"]
    assert doc["issuer"]["id"] == f"{hub.base_url}/api/v1/issuer"
    assert doc["validFrom"].endswith("Z")
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "E-0001"
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert "Wait after the question: Proficient" in achievement["criteria"]["narrative"]
    [alignment] = achievement["alignment"]
    assert alignment["targetName"].startswith("Pauses after asking a question")
    descriptions = {d["name"]: d for d in achievement["resultDescription"]}
    assert set(descriptions) == {"Wait after the question", "Reflection on student thinking"}
    assert descriptions["Wait after the question"]["allowedValue"] == [
        "Beginning",
        "Developing",
        "Proficient",
    ]
    results = subject["result"]
    assert [r["value"] for r in results] == ["Proficient", "Proficient"]
    assert results[0]["achievedLevel"].endswith("#criterion-c1-wait-level-proficient")
    assert [e["name"] for e in doc["evidence"]] == ["Lesson clip", "Reflection"]
    text = json.dumps(doc)
    # Evidence is described, never linked: no artifact URL, id or hash, no private note.
    assert "/artifacts/" not in text
    for artifact in world.ann_artifacts:
        assert artifact not in text
    assert "Internal: borderline" not in text

    header_b64, payload_b64, signature_b64 = passed["jwt"].split(".")
    header = json.loads(b64decode(header_b64))
    assert (header["alg"], header["typ"]) == ("EdDSA", "vc+jwt")
    payload = json.loads(b64decode(payload_b64))
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "iat")} == doc
    assert (payload["iss"], payload["jti"]) == (doc["issuer"]["id"], doc["id"])
    [jwk] = httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").json()["keys"]
    assert header["kid"] == f"{hub.base_url}/api/v1/issuer/jwks.json#{jwk['kid']}"
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    public = Ed25519PublicKey.from_public_bytes(b64decode(jwk["x"]))
    public.verify(b64decode(signature_b64), f"{header_b64}.{payload_b64}".encode())

    key_file = settings.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Served again, and as a bare VC-JWT: the same signature (Ed25519 is deterministic).
    again = ann.get(f"/api/v1/credentials/{passed['id']}")
    assert again.json() == passed
    bare = ann.get(f"/api/v1/credentials/{passed['id']}", headers={"Accept": "application/vc+jwt"})
    assert bare.headers["content-type"].startswith("application/vc+jwt")
    assert bare.text == passed["jwt"]
    public_achievement = httpx.get(achievement["id"]).json()
    assert public_achievement == achievement


def test_the_credential_form_follows_accept_q_values(
    passed: dict[str, Any], ann: httpx.Client
) -> None:
    url = f"/api/v1/credentials/{passed['id']}"
    jwt, json_ = "application/vc+jwt", "application/json"
    cases = {
        f"{jwt};q=0.1, {json_}": json_,  # the JWT is named, but with a low q
        f"{json_};q=0.2, {jwt}": jwt,
        f"*/*;q=0.5, {jwt};q=0.4": json_,
        f"{jwt}, {json_};q=0": jwt,
        "*/*": json_,
    }
    for accept, form in cases.items():
        response = ann.get(url, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].split(";")[0] == form, accept
        assert response.headers["Vary"] == "Accept", accept
        assert (response.text if form == jwt else response.json()["jwt"]) == passed["jwt"]
    refused = ann.get(url, headers={"Accept": "text/html, application/xml;q=0.9"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    assert "application/json or application/vc+jwt" in refused.json()["detail"]


def test_only_the_deciding_assessor_gets_the_credential(
    hub: HubServer, world: World, passed: dict[str, Any], ann: httpx.Client
) -> None:
    with sign_in(hub.base_url, "bob") as bob:
        theirs = bob.get(f"/api/v1/credentials/{passed['id']}")
        missing = bob.get("/api/v1/credentials/00000000-0000-0000-0000-000000000000")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"] == missing.json()["detail"]
        assert bob.get("/api/v1/credentials").json() == {"items": []}
    assert httpx.get(f"{hub.base_url}/api/v1/credentials/{passed['id']}").status_code == 401


def test_not_yet_and_pending_review_issue_no_credential(
    hub: HubServer, ann: httpx.Client, world: World
) -> None:
    not_yet = upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0], "not_yet"), "a", 1)
    assert not_yet.status_code == 200
    world.admin.set_workflow("test-wait-time", review_required=True)
    world.admin.add_assessor("rita", PASSWORD, roles=["reviewer"])
    with sign_in(hub.base_url, "bob") as bob:
        assert upload(bob, world.bob_assignment, sheet(world.bob_artifacts[0]), "b", 1).is_success
        assert issued(world.admin) == 0
        assert bob.get("/api/v1/credentials").json() == {"items": []}
        outcome = world.admin.review(world.bob_assignment, "rita", approve=True)
        assert outcome.credential_id is not None
        [mine] = bob.get("/api/v1/credentials").json()["items"]
        assert mine["id"] == outcome.credential_id
    assert issued(world.admin) == 1


def _resign(token: str, key: Ed25519PrivateKey, change: dict[str, Any] | None = None) -> str:
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(b64decode(header_b64))
    payload = {**json.loads(b64decode(payload_b64)), **(change or {})}
    return IssuerKey(key).sign_compact(header, payload)


def test_verify_accepts_the_served_credential_and_rejects_tampered_ones(
    passed: dict[str, Any],
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = tmp_path / "credential.json"
    served.write_text(json.dumps(passed))
    status, out = verify_cli(settings, capsys, str(served))
    assert status == 0, out
    assert out.startswith(f"VALID: {served}: urn:uuid:{passed['id']}")
    assert "issued by Assessor hub to E-0001" in out
    bare = tmp_path / "credential.jwt"
    bare.write_text(passed["jwt"] + "\n")
    assert verify_cli(settings, capsys, str(bare))[0] == 0

    # One byte of the signed payload changed.
    header_b64, payload_b64, signature_b64 = passed["jwt"].split(".")
    payload = b64decode(payload_b64).replace(b"E-0001", b"E-0002")
    forged = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    tampered = tmp_path / "tampered.jwt"
    tampered.write_text(f"{header_b64}.{forged}.{signature_b64}")
    status, out = verify_cli(settings, capsys, str(tampered))
    assert status == 1
    assert out.splitlines()[0] == f"INVALID: {tampered}"
    assert "the signature does not verify" in out

    # The readable copy edited, the JWT left alone.
    edited = json.loads(json.dumps(passed))
    edited["credential"]["name"] = "Something grander"
    readable = tmp_path / "edited.json"
    readable.write_text(json.dumps(edited))
    status, out = verify_cli(settings, capsys, str(readable))
    assert status == 1
    assert 'the readable "credential" differs from the signed one' in out

    # Signed with another key under the hub's kid.
    other = tmp_path / "other-key.jwt"
    other.write_text(_resign(passed["jwt"], Ed25519PrivateKey.generate()))
    status, out = verify_cli(settings, capsys, str(other))
    assert status == 1
    assert "the signature does not verify" in out

    # Checked against another issuer's key set.
    stranger = IssuerKey(Ed25519PrivateKey.generate())
    jwks = tmp_path / "stranger-jwks.json"
    jwks.write_text(json.dumps({"keys": [stranger.public_jwk(stranger.thumbprint)]}))
    status, out = verify_cli(settings, capsys, str(served), "--jwks", str(jwks))
    assert status == 1
    assert "no trusted key has kid" in out

    # Validly signed by the hub's own key, but not an OpenBadgeCredential any more.
    hub_key = load_key(settings.data_dir / KEY_FILE).private
    doc = passed["credential"]
    broken_subject = {k: v for k, v in doc["credentialSubject"].items() if k != "achievement"}
    broken = tmp_path / "broken.jwt"
    broken.write_text(
        _resign(passed["jwt"], hub_key, {"credentialSubject": broken_subject, "type": ["X"]})
    )
    status, out = verify_cli(settings, capsys, str(broken))
    assert status == 1
    assert "the signature does not verify" not in out
    assert "type must include VerifiableCredential and OpenBadgeCredential" in out
    assert "credentialSubject.achievement must be an object" in out

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a credential")
    status, out = verify_cli(settings, capsys, str(garbage))
    assert status == 1
    assert "not a VC-JWT" in out


def test_verify_without_a_key_says_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--data-dir", str(tmp_path / "empty-hub"), "verify", str(tmp_path / "x.jwt")])
    assert status == 1
    assert "pass --jwks" in capsys.readouterr().err


def test_the_issuer_is_the_pinned_address_whatever_the_host_header(
    hub: HubServer, ann: httpx.Client, passed: dict[str, Any], settings: HubSettings
) -> None:
    pinned = (settings.data_dir / ISSUER_URL_FILE).read_text().strip()
    assert pinned == hub.base_url
    spoofed = {"Host": "evil.example"}
    served = ann.get(f"/api/v1/credentials/{passed['id']}", headers=spoofed)
    assert served.status_code == 200, served.text
    assert served.json()["credential"]["issuer"]["id"] == f"{pinned}/api/v1/issuer"
    assert "evil.example" not in served.text
    assert served.json() == passed
    profile = httpx.get(f"{hub.base_url}/api/v1/issuer", headers=spoofed).json()
    assert profile["id"] == f"{pinned}/api/v1/issuer"


def test_verify_refuses_a_credential_naming_another_issuer(
    passed: dict[str, Any],
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Signed with the hub's own key, as a hub answering a spoofed Host header once did.
    hub_key = load_key(settings.data_dir / KEY_FILE).private
    evil_issuer = {**passed["credential"]["issuer"], "id": "http://evil.example/api/v1/issuer"}
    header = json.loads(b64decode(passed["jwt"].split(".")[0]))
    evil_kid = "http://evil.example/api/v1/issuer/jwks.json#" + header["kid"].rsplit("#")[-1]
    token = IssuerKey(hub_key).sign_compact(
        {**header, "kid": evil_kid},
        {
            **json.loads(b64decode(passed["jwt"].split(".")[1])),
            "issuer": evil_issuer,
            "iss": evil_issuer["id"],
        },
    )
    foreign = tmp_path / "foreign.jwt"
    foreign.write_text(token)
    status, out = verify_cli(settings, capsys, str(foreign))
    assert status == 1
    assert out.splitlines()[0] == f"INVALID: {foreign}"
    assert "issued by 'http://evil.example/api/v1/issuer', expected issuer" in out
    assert "is not in the key set of" in out

    # The genuine credential checked against an explicitly given, different issuer.
    served = tmp_path / "credential.json"
    served.write_text(json.dumps(passed))
    status, out = verify_cli(settings, capsys, str(served), "--issuer", "https://hub.example")
    assert status == 1
    assert "expected issuer 'https://hub.example/api/v1/issuer'" in out
    pinned = (settings.data_dir / ISSUER_URL_FILE).read_text().strip()
    assert verify_cli(settings, capsys, str(served), "--issuer", pinned)[0] == 0
