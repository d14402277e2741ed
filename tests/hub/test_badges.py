"""Open Badges 3.0 credentials: issued on a final Pass only, served to the deciding
assessor, signed as a VC-JWT (RS256 by default, EdDSA as an option) whose ``kid`` is a key of
``/issuer/jwks.json``, naming a stable recipient, valid against 1EdTech's official schema.

An independent JOSE library (PyJWT; the hub signs with joserfc) verifies what the hub
issues by looking the key up in the served key set, and refuses every forgery that
``assessor-hub verify`` refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import jwt as pyjwt
import pytest
from support.hub import HubServer

from assessor_app.hub.admin import HubAdminError
from assessor_app.hub.badges.conformance import SCHEMA_FILE
from assessor_app.hub.badges.credential import OB_CONTEXT, VC_CONTEXT
from assessor_app.hub.badges.issue import BadgeIssuer, UnconformingCredential
from assessor_app.hub.badges.issuer_url import ISSUER_URL_FILE
from assessor_app.hub.badges.signing import KEY_ENV, IssuerKey, ProofFormat, load_key
from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import (
    PASSWORD,
    World,
    artifact_ids,
    make_submission_folder,
    sign_in,
)
from tests.hub.test_workflow import issued, sheet, upload

ROOT = Path(__file__).resolve().parents[2]
ALGORITHMS = ["RS256", "EdDSA"]
REQUIRED: pyjwt.types.Options = {"require": ["sub", "iss", "nbf", "jti"]}
BOTH_PROOFS = pytest.mark.parametrize("proof", list(ProofFormat))


@pytest.fixture
def proof() -> ProofFormat:
    return ProofFormat.RS256


@pytest.fixture
def settings(tmp_path: Path, db_url: str, proof: ProofFormat) -> HubSettings:
    return HubSettings.from_data_dir(tmp_path / "hub-data", db_url=db_url, proof=proof)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header_b64, payload_b64, _ = token.split(".")
    return json.loads(b64decode(header_b64)), json.loads(b64decode(payload_b64))


def compact(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)]
    )


def hub_key(settings: HubSettings) -> IssuerKey:
    return load_key(settings.data_dir / settings.proof.key_file)


def independent_verify(hub: HubServer, token: str) -> dict[str, Any]:
    """PyJWT, finding the key by ``kid`` in the key set fetched from the hub over HTTP."""
    keys = pyjwt.PyJWKClient(f"{hub.base_url}/api/v1/issuer/jwks.json", cache_keys=False)
    key = keys.get_signing_key_from_jwt(token)
    return dict(
        pyjwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            issuer=f"{hub.base_url}/api/v1/issuer",
            options=REQUIRED,
        )
    )


def verify_cli(
    settings: HubSettings, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    status = main(["--data-dir", str(settings.data_dir), "verify", "--db", settings.db_url, *args])
    return status, capsys.readouterr().out


def verify_process(settings: HubSettings, *args: str) -> subprocess.CompletedProcess[str]:
    """``assessor-hub verify`` in a process of its own, as a person runs it."""
    code = "import sys; from assessor_app.hub.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(settings.data_dir), "verify", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def blocks(out: str) -> dict[str, str]:
    """``verify``'s output per file: the file name, then its lines."""
    found: dict[str, str] = {}
    name = ""
    for line in out.splitlines():
        if line.startswith(("VALID: ", "INVALID: ")):
            name = Path(line.split(": ")[1]).name
            found[name] = line
        else:
            found[name] += "\n" + line
    return found


def educator_folder(root: Path, payload: bytes, pseudonym: str, recipient: str = "") -> Path:
    """A submission folder of the educator ``pseudonym``, with a ``recipient`` mapping."""
    folder = make_submission_folder(
        root, payload, **({"recipient": recipient} if recipient else {})
    )
    metadata = folder / "submission.yaml"
    metadata.write_text(metadata.read_text().replace("E-0001", pseudonym))
    return folder


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


@BOTH_PROOFS
def test_a_pass_is_issued_as_a_signed_open_badge_credential(
    hub: HubServer,
    ann: httpx.Client,
    world: World,
    passed: dict[str, Any],
    settings: HubSettings,
    proof: ProofFormat,
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
    assert subject["id"].startswith("urn:uuid:")
    assert "identifier" not in subject
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
    # Evidence is described, never linked; the programme's pseudonym stays on the hub.
    assert "/artifacts/" not in text
    for artifact in world.ann_artifacts:
        assert artifact not in text
    assert "Internal: borderline" not in text
    assert "E-0001" not in passed["jwt"] + text

    header, payload = segments(passed["jwt"])
    [jwk] = httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").json()["keys"]
    assert header == {"alg": proof.alg, "kid": jwk["kid"], "typ": "JWT"}
    assert (jwk["alg"], jwk["kty"]) == (proof.alg, "RSA" if proof is ProofFormat.RS256 else "OKP")
    assert "d" not in jwk
    # The kid is also a URL that dereferences to exactly that one key.
    assert httpx.get(header["kid"]).json() == jwk
    claims = independent_verify(hub, passed["jwt"])
    assert claims == payload
    assert {k: v for k, v in claims.items() if k not in ("iss", "sub", "jti", "nbf", "iat")} == doc
    assert (claims["iss"], claims["sub"], claims["jti"]) == (
        doc["issuer"]["id"],
        subject["id"],
        doc["id"],
    )
    assert "exp" not in claims  # no validUntil

    key_file = settings.data_dir / proof.key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Served again, and as a bare VC-JWT: the same signature (both algorithms are
    # deterministic).
    again = ann.get(f"/api/v1/credentials/{passed['id']}")
    assert again.json() == passed
    bare = ann.get(f"/api/v1/credentials/{passed['id']}", headers={"Accept": "application/vc+jwt"})
    assert bare.headers["content-type"].startswith("application/vc+jwt")
    assert bare.text == passed["jwt"]
    public_achievement = httpx.get(achievement["id"]).json()
    assert public_achievement == achievement


def test_issued_credentials_validate_against_the_official_schema(
    passed: dict[str, Any],
) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["$id"] == (
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_achievementcredential-jsonschema1.json"
    )
    notice = (SCHEMA_FILE.parent / "NOTICE.md").read_text()
    assert "1EdTech/openbadges-specification" in notice
    # A second, independent validator (the hub uses the jsonschema package).
    validator = jsonschema_rs.validator_for(schema)
    assert list(validator.iter_errors(passed["credential"])) == []
    broken = {**passed["credential"], "validFrom": 20240101}
    assert not validator.is_valid(broken)


def test_the_issuer_serves_each_key_at_its_kid_and_nothing_else(
    hub: HubServer, passed: dict[str, Any]
) -> None:
    header, _ = segments(passed["jwt"])
    assert header["kid"].startswith(f"{hub.base_url}/api/v1/issuer/keys/")
    jwks = httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").json()
    profile = httpx.get(f"{hub.base_url}/api/v1/issuer").json()
    assert [(m["id"], m["publicKeyJwk"]) for m in profile["verificationMethod"]] == [
        (k["kid"], k) for k in jwks["keys"]
    ]
    assert {m["controller"] for m in profile["verificationMethod"]} == {profile["id"]}
    missing = httpx.get(f"{hub.base_url}/api/v1/issuer/keys/not-a-key")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_an_educator_keeps_one_recipient_across_credentials(
    hub: HubServer, world: World, passed: dict[str, Any]
) -> None:
    # bob's submission is from the same educator (E-0001) as ann's.
    with sign_in(hub.base_url, "bob") as bob:
        assert upload(bob, world.bob_assignment, sheet(world.bob_artifacts[0]), "b", 1).is_success
        [mine] = bob.get("/api/v1/credentials").json()["items"]
        second = bob.get(f"/api/v1/credentials/{mine['id']}").json()
    first_subject = passed["credential"]["credentialSubject"]["id"]
    assert second["credential"]["credentialSubject"]["id"] == first_subject
    assert second["credential"]["id"] != passed["credential"]["id"]
    assert independent_verify(hub, second["jwt"])["sub"] == first_subject


def test_a_recipient_the_programme_supplies_is_what_the_credential_names(
    hub: HubServer, world: World, ann: httpx.Client, tmp_path: Path
) -> None:
    email_hash = "sha256$" + hashlib.sha256(b"ann.educator@example.org" + b"pepper").hexdigest()
    recipient = f"{{id: 'did:example:ebfeb1f712', email_hash: '{email_hash}', salt: pepper}}"
    folder = educator_folder(tmp_path / "e777", b"clip" * 100, "E-0777", recipient)
    submission = world.admin.import_submission(folder)
    assignment = world.admin.assign(submission, "ann")
    body = sheet(artifact_ids(world.admin, submission)[0])
    assert upload(ann, assignment, body, "e777", 1).is_success
    [item] = ann.get("/api/v1/credentials").json()["items"]
    served = ann.get(f"/api/v1/credentials/{item['id']}").json()
    subject = served["credential"]["credentialSubject"]
    assert subject["id"] == "did:example:ebfeb1f712"
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": email_hash,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
        }
    ]
    assert "E-0777" not in served["jwt"]
    assert independent_verify(hub, served["jwt"])["sub"] == "did:example:ebfeb1f712"

    # The same recipient again, or none, is fine; another one is refused, naming the kept one.
    world.admin.import_submission(
        educator_folder(tmp_path / "e777-again", b"clip2" * 100, "E-0777", recipient)
    )
    world.admin.import_submission(educator_folder(tmp_path / "e777-plain", b"x" * 10, "E-0777"))
    other = educator_folder(
        tmp_path / "e777-other", b"clip3" * 100, "E-0777", "{id: 'did:example:someone-else'}"
    )
    with pytest.raises(HubAdminError, match="already has a recipient \\(did:example:ebfeb1f712"):
        world.admin.import_submission(other)


def test_a_supplied_recipient_must_be_a_uri_and_not_the_hubs_own_kind(
    world: World, tmp_path: Path
) -> None:
    for bad, message in {
        "{id: 'not a uri'}": "recipient.id",
        "{id: 'urn:uuid:0b4f4c7e-0000-4000-8000-000000000000'}": "urn:uuid ids are the hub's own",
        "{email_hash: 'ann@example.org'}": "recipient.email_hash",
    }.items():
        folder = educator_folder(tmp_path / f"bad-{len(bad)}", b"x" * 10, "E-0888", bad)
        with pytest.raises(HubAdminError, match=message):
            world.admin.import_submission(folder)


@BOTH_PROOFS
def test_forgeries_fail_in_an_independent_library_and_in_verify(
    hub: HubServer, passed: dict[str, Any], settings: HubSettings, tmp_path: Path
) -> None:
    token = passed["jwt"]
    header, payload = segments(token)
    own = hub_key(settings)
    stranger = IssuerKey(
        BadgeIssuer.from_environment(tmp_path / "stranger", settings.proof).keys[0].key,
        settings.proof,
    )
    header_b64, payload_b64, signature_b64 = token.split(".")
    tampered_payload = b64decode(payload_b64).replace(b"Proficient", b"Exemplary")
    # The public key, as PEM, used as an HMAC secret: a verifier that lets the token pick
    # the algorithm would accept this.
    public_pem = own.key.as_pem(private=False)
    hs_header = b64(json.dumps({**header, "alg": "HS256"}).encode())
    hs_input = f"{hs_header}.{payload_b64}".encode()
    evil = "http://evil.example/api/v1/issuer"
    forgeries = {
        "tampered.jwt": (
            f"{header_b64}.{b64(tampered_payload)}.{signature_b64}",
            pyjwt.InvalidSignatureError,
            "the signature does not verify",
        ),
        "alg-none.jwt": (
            compact({**header, "alg": "none"}, payload),
            pyjwt.InvalidAlgorithmError,
            "header alg is 'none'",
        ),
        "hs256.jwt": (
            f"{hs_header}.{payload_b64}.{b64(hmac.new(public_pem, hs_input, 'sha256').digest())}",
            pyjwt.InvalidAlgorithmError,
            "header alg is 'HS256'",
        ),
        "wrong-issuer.jwt": (
            # The hub's own key and kid: the signature is genuine, the issuer is not.
            own.sign(header, {**payload, "iss": evil, "issuer": {**payload["issuer"], "id": evil}}),
            pyjwt.InvalidIssuerError,
            f"issued by '{evil}', expected issuer",
        ),
        "unknown-kid.jwt": (
            stranger.sign({**header, "kid": header["kid"].replace(own.kid, stranger.kid)}, payload),
            pyjwt.PyJWKClientError,
            "no trusted key has kid",
        ),
        "no-sub.jwt": (
            own.sign(header, {k: v for k, v in payload.items() if k != "sub"}),
            pyjwt.MissingRequiredClaimError,
            "claim sub is missing",
        ),
    }
    files = []
    for name, (forged, refusal, _) in forgeries.items():
        with pytest.raises(refusal):
            independent_verify(hub, forged)
        path = tmp_path / name
        path.write_text(forged)
        files.append(str(path))
    genuine = tmp_path / "genuine.json"
    genuine.write_text(json.dumps(passed))

    done = verify_process(settings, str(genuine), *files)
    assert done.returncode == 1
    assert done.stderr == ""
    assert "Traceback" not in done.stdout
    found = blocks(done.stdout)
    assert found["genuine.json"].startswith(f"VALID: {genuine}: {passed['credential']['id']}")
    for name, (_, _, message) in forgeries.items():
        assert found[name].startswith(f"INVALID: {tmp_path / name}"), found[name]
        assert message in found[name], found[name]


def test_verify_rejects_an_edited_copy_a_broken_credential_and_garbage(
    passed: dict[str, Any],
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = tmp_path / "credential.json"
    served.write_text(json.dumps(passed))
    bare = tmp_path / "credential.jwt"
    bare.write_text(passed["jwt"] + "\n")
    status, out = verify_cli(settings, capsys, str(served), str(bare))
    assert status == 0, out
    subject = passed["credential"]["credentialSubject"]["id"]
    assert f"issued by Assessor hub to {subject}" in out

    # The readable copy edited, the JWT left alone.
    edited = json.loads(json.dumps(passed))
    edited["credential"]["name"] = "Something grander"
    readable = tmp_path / "edited.json"
    readable.write_text(json.dumps(edited))
    status, out = verify_cli(settings, capsys, str(readable))
    assert status == 1
    assert 'the readable "credential" differs from the signed one' in out

    # Validly signed by the hub's own key, but not an OpenBadgeCredential any more, and a
    # result pointing at no result description (what the schema cannot see).
    header, payload = segments(passed["jwt"])
    subject_doc = payload["credentialSubject"]
    results = [{**subject_doc["result"][0], "resultDescription": "urn:example:nothing"}]
    broken_subject = {k: v for k, v in subject_doc.items() if k != "achievement"}
    broken = tmp_path / "broken.jwt"
    broken.write_text(
        hub_key(settings).sign(
            header, {**payload, "credentialSubject": broken_subject, "type": ["X"]}
        )
    )
    unlinked = tmp_path / "unlinked.jwt"
    unlinked.write_text(
        hub_key(settings).sign(
            header, {**payload, "credentialSubject": {**subject_doc, "result": results}}
        )
    )
    status, out = verify_cli(settings, capsys, str(broken), str(unlinked))
    assert status == 1
    assert "the signature does not verify" not in out
    assert "schema: credentialSubject: 'achievement' is a required property" in out
    assert "schema: type:" in out
    assert "credentialSubject.result[0].resultDescription names no resultDescription" in out

    # Validly signed, but its text would drive the terminal: shown without the escapes.
    loud = tmp_path / "loud.jwt"
    loud.write_text(
        hub_key(settings).sign(header, {**payload, "name": "\x1b]0;pwned\x07Badge\x1b[2J"})
    )
    status, out = verify_cli(settings, capsys, str(loud))
    assert status == 0, out
    assert "\x1b" not in out and "\x07" not in out
    assert "  Badge, issued by Assessor hub" in out

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a credential")
    status, out = verify_cli(settings, capsys, str(garbage))
    assert status == 1
    assert "not a VC-JWT" in out


def test_nothing_that_breaks_the_official_schema_is_signed(
    passed: dict[str, Any], settings: HubSettings
) -> None:
    issuer = BadgeIssuer.from_environment(settings.data_dir, settings.proof)
    doc = passed["credential"]
    subject = {k: v for k, v in doc["credentialSubject"].items() if k != "achievement"}
    with pytest.raises(UnconformingCredential, match="'achievement' is a required property"):
        issuer.sign_credential({**doc, "credentialSubject": subject}, issuer.profile())


def test_a_hub_that_switches_proof_format_keeps_serving_its_older_key(tmp_path: Path) -> None:
    before = BadgeIssuer.from_environment(tmp_path, ProofFormat.RS256)
    after = BadgeIssuer.from_environment(tmp_path, ProofFormat.EDDSA)
    assert [k["alg"] for k in after.jwks()["keys"]] == ["EdDSA", "RS256"]
    assert after.jwks()["keys"][1] == before.jwks()["keys"][0]


def test_verify_without_a_key_says_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = str(tmp_path / "empty-hub")
    x = str(tmp_path / "x.jwt")
    assert main(["--data-dir", empty, "verify", x]) == 1
    assert "pass --issuer" in capsys.readouterr().err
    assert main(["--data-dir", empty, "verify", x, "--issuer", "https://hub.example"]) == 1
    assert "pass --jwks" in capsys.readouterr().err


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
    own = hub_key(settings)
    header, payload = segments(passed["jwt"])
    evil_issuer = {**payload["issuer"], "id": "http://evil.example/api/v1/issuer"}
    evil_kid = f"http://evil.example/api/v1/issuer/keys/{own.kid}"
    token = own.sign(
        {**header, "kid": evil_kid}, {**payload, "issuer": evil_issuer, "iss": evil_issuer["id"]}
    )
    foreign = tmp_path / "foreign.jwt"
    foreign.write_text(token)
    status, out = verify_cli(settings, capsys, str(foreign))
    assert status == 1
    assert out.splitlines()[0] == f"INVALID: {foreign}"
    assert "issued by 'http://evil.example/api/v1/issuer', expected issuer" in out
    assert f"no trusted key has kid '{evil_kid}'" in out

    # The genuine credential checked against an explicitly given, different issuer.
    served = tmp_path / "credential.json"
    served.write_text(json.dumps(passed))
    status, out = verify_cli(settings, capsys, str(served), "--issuer", "https://hub.example")
    assert status == 1
    assert "expected issuer 'https://hub.example/api/v1/issuer'" in out
    assert "is not one of the keys of 'https://hub.example/api/v1/issuer'" in out
    pinned = (settings.data_dir / ISSUER_URL_FILE).read_text().strip()
    assert verify_cli(settings, capsys, str(served), "--issuer", pinned)[0] == 0


def test_serve_refuses_a_key_of_the_other_type_before_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rsa = tmp_path / "deployment-rsa.pem"
    BadgeIssuer.from_environment(tmp_path / "first", ProofFormat.RS256)
    rsa.write_bytes((tmp_path / "first" / ProofFormat.RS256.key_file).read_bytes())
    monkeypatch.setenv(KEY_ENV, str(rsa))
    data_dir = str(tmp_path / "hub")
    status = main(["--data-dir", data_dir, "serve", "--proof", "eddsa", "--port", "1"])
    assert status == 1
    err = capsys.readouterr().err
    assert f"{rsa}: the proof format eddsa needs an Ed25519 key" in err
    assert "serve with --proof rs256" in err
    assert "Traceback" not in err


def test_verify_honours_valid_from_and_valid_until(
    hub: HubServer,
    passed: dict[str, Any],
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    header, payload = segments(passed["jwt"])
    own = hub_key(settings)
    future, past = "2999-01-01T00:00:00Z", "2001-01-01T00:00:00Z"
    cases = {
        "early.jwt": (
            {"validFrom": future, "nbf": 32472144000},
            "not valid yet",
            pyjwt.ImmatureSignatureError,
        ),
        "expired.jwt": (
            {"validUntil": past, "exp": 978307200},
            "has expired",
            pyjwt.ExpiredSignatureError,
        ),
        "no-exp.jwt": ({"validUntil": future}, "claim exp does not match validUntil", None),
    }
    for name, (change, message, refusal) in cases.items():
        token = own.sign(header, {**payload, **change})
        if refusal is not None:
            with pytest.raises(refusal):
                independent_verify(hub, token)
        (tmp_path / name).write_text(token)
        status, out = verify_cli(settings, capsys, str(tmp_path / name))
        assert status == 1
        assert message in out, out
