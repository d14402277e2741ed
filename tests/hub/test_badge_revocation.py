"""Revocation: every issued credential names its bit in the hub's Bitstring Status List;
``assessor-hub revoke-credential`` and the admin API set it, the public list shows it to
any reader, and a second revocation or an unknown id is a clear message."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from support.hub import HubServer

from assessor_app.hub.badges.conformance import schema_problems
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import PASSWORD, World, sign_in
from tests.hub.test_workflow import sheet, upload

STATUS_LIST_BITS = 131_072  # the specification's minimum: 16 KiB


def pass_and_fetch(client: httpx.Client, assignment: str, clip: str) -> dict[str, Any]:
    """Upload a Pass and return the credential the hub serves for it."""
    assert upload(client, assignment, sheet(clip), f"key-{assignment}", 1).status_code == 200
    items = client.get("/api/v1/credentials").json()["items"]
    [summary] = [i for i in items if i["assignment_id"] == assignment]
    served = client.get(f"/api/v1/credentials/{summary['id']}")
    assert served.status_code == 200, served.text
    return dict(served.json())


def list_bits(url: str) -> tuple[bytes, dict[str, Any]]:
    """The bitstring of the status list at ``url``, decoded here from the specification
    (multibase 'u' + base64url, no padding, of a GZIP), not by the hub's code."""
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Vary"] == "Accept"
    document = response.json()["credential"]
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = document["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    encoded = subject["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 == STATUS_LIST_BITS
    return raw, dict(response.json())


def bit(raw: bytes, index: int) -> bool:
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


def hub_cli(settings: HubSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor_app.hub.cli",
            "--data-dir",
            str(settings.data_dir),
            *args,
            "--db",
            settings.db_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def test_revoke_credential_sets_the_bit_the_credential_names(
    hub: HubServer, ann: httpx.Client, world: World, settings: HubSettings
) -> None:
    served = pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    with sign_in(hub.base_url, "bob") as bob:
        other = pass_and_fetch(bob, world.bob_assignment, world.bob_artifacts[0])
    status = served["credential"]["credentialStatus"]
    list_url = f"{hub.base_url}/api/v1/credentials/status/0"
    assert status == {
        "id": f"{list_url}#{status['statusListIndex']}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": status["statusListIndex"],
        "statusListCredential": list_url,
    }
    # The official OB 3.0 schema accepts the entry (the hub checks before signing, too).
    assert schema_problems(served["credential"]) == []
    index = int(status["statusListIndex"])
    other_index = int(other["credential"]["credentialStatus"]["statusListIndex"])
    assert index != other_index
    before, _ = list_bits(list_url)
    assert before == bytes(len(before))

    done = hub_cli(settings, "revoke-credential", served["id"], "--reason", "Issued in error")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Revoked credential {served['id']} on ")
    assert f"(status list 0, bit {index})" in done.stdout
    after, signed = list_bits(list_url)
    assert bit(after, index) and not bit(after, other_index)
    assert sum(bin(byte).count("1") for byte in after) == 1
    assert signed["jwt"].count(".") == 2
    bare = httpx.get(list_url, headers={"Accept": "application/vc+jwt"})
    assert bare.headers["content-type"].startswith("application/vc+jwt")
    assert bare.text == signed["jwt"]

    again = hub_cli(settings, "revoke-credential", served["id"], "--reason", "Twice")
    assert again.returncode == 1
    assert f"was already revoked on {done.stdout.split(' on ')[1][:16]} UTC" in again.stderr
    assert "Traceback" not in again.stderr
    unknown = hub_cli(settings, "revoke-credential", "no-such-credential", "--reason", "x")
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "assessor-hub: error: No credential 'no-such-credential' was issued by this hub.\n"
    )
    assert list_bits(list_url)[0] == after
    # The credential itself is still served, with the same status entry.
    again_served = ann.get(f"/api/v1/credentials/{served['id']}").json()
    assert again_served["credential"]["credentialStatus"] == status


def test_an_admin_revokes_over_the_api(hub: HubServer, ann: httpx.Client, world: World) -> None:
    served = pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    url = f"/api/v1/credentials/{served['id']}/revocation"
    assert ann.post(url, json={"reason": "mine"}).status_code == 403
    assert httpx.post(f"{hub.base_url}{url}", json={"reason": "x"}).status_code == 401
    world.admin.add_assessor("ada", PASSWORD, roles=["admin"])
    with sign_in(hub.base_url, "ada") as ada:
        missing = ada.post("/api/v1/credentials/nope/revocation", json={"reason": "x"})
        assert missing.status_code == 404
        assert missing.json()["detail"] == "No credential 'nope' was issued by this hub."
        blank = ada.post(url, json={"reason": "   "})
        assert blank.status_code == 422
        assert blank.headers["content-type"] == "application/problem+json"
        revoked = ada.post(url, json={"reason": "Evidence was not the educator's own"})
        assert revoked.status_code == 200, revoked.text
        body = revoked.json()
        entry = served["credential"]["credentialStatus"]
        assert body["id"] == served["id"]
        assert body["reason"] == "Evidence was not the educator's own"
        assert body["status_list_credential"] == entry["statusListCredential"]
        assert body["status_list_index"] == int(entry["statusListIndex"])
        twice = ada.post(url, json={"reason": "again"})
        assert twice.status_code == 409
        assert "already revoked" in twice.json()["detail"]
    raw, signed = list_bits(entry["statusListCredential"])
    assert bit(raw, int(entry["statusListIndex"]))
    # The reason stays on the hub: the public list carries only the bit.
    assert "educator's own" not in signed["jwt"] + str(signed["credential"])


def test_status_lists_that_do_not_exist_are_404(hub: HubServer, world: World) -> None:
    for number in ("0", "1", "99999999999999999999", "x"):
        response = httpx.get(f"{hub.base_url}/api/v1/credentials/status/{number}")
        assert response.status_code == 404, number
        assert response.headers["content-type"] == "application/problem+json"


def test_a_status_list_in_a_form_nobody_asked_for_is_406(
    hub: HubServer, ann: httpx.Client, world: World
) -> None:
    pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    url = f"{hub.base_url}/api/v1/credentials/status/0"
    assert httpx.get(url, headers={"Accept": "text/html"}).status_code == 406


def test_verify_says_revoked_online_offline_and_from_the_hub_itself(
    hub: HubServer, ann: httpx.Client, world: World, settings: HubSettings, tmp_path: Path
) -> None:
    served = pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    with sign_in(hub.base_url, "bob") as bob:
        kept = pass_and_fetch(bob, world.bob_assignment, world.bob_artifacts[0])
    credential, other = tmp_path / "ann.json", tmp_path / "bob.json"
    credential.write_text(json.dumps(served))
    other.write_text(json.dumps(kept))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").text)
    list_url = served["credential"]["credentialStatus"]["statusListCredential"]
    before = tmp_path / "list-before.json"
    before.write_text(httpx.get(list_url).text)
    assert hub_cli(settings, "verify", str(credential)).returncode == 0

    assert hub_cli(settings, "revoke-credential", served["id"], "--reason", "x").returncode == 0
    after = tmp_path / "list-after.json"
    after.write_text(httpx.get(list_url, headers={"Accept": "application/vc+jwt"}).text)
    online = ("--jwks", str(jwks), "--issuer", hub.base_url)
    for how in ((), online, (*online, "--status-list", str(after))):
        result = hub_cli(settings, "verify", str(credential), *how)
        assert result.returncode == 1, (how, result.stdout, result.stderr)
        assert result.stdout.splitlines() == [
            f"REVOKED: {credential}",
            "  - the credential is revoked: its issuer has withdrawn it",
        ], how
        kept_result = hub_cli(settings, "verify", str(other), *how)
        assert kept_result.returncode == 0, (how, kept_result.stdout)
        assert kept_result.stdout.startswith(f"VALID: {other}")
    # Offline, the list saved before the revocation is what the verifier knows.
    stale = hub_cli(settings, "verify", str(credential), *online, "--status-list", str(before))
    assert stale.returncode == 0, stale.stdout


def test_verify_refuses_a_status_list_it_cannot_trust(
    hub: HubServer, ann: httpx.Client, world: World, settings: HubSettings, tmp_path: Path
) -> None:
    served = pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    credential = tmp_path / "ann.json"
    credential.write_text(json.dumps(served))
    list_url = served["credential"]["credentialStatus"]["statusListCredential"]
    listing = httpx.get(list_url).json()
    # The bit cleared by hand in the readable copy: the signed one still rules, so it shows.
    edited = {**listing, "credential": {**listing["credential"], "id": "https://x.example"}}
    forged = tmp_path / "forged-list.json"
    forged.write_text(json.dumps(edited))
    result = hub_cli(settings, "verify", str(credential), "--status-list", str(forged))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"INVALID: {credential}"
    assert f"the status list {list_url} does not verify: the readable" in result.stdout
    missing = hub_cli(settings, "verify", str(credential), "--status-list", str(tmp_path / "no"))
    assert missing.returncode == 1
    assert "the revocation status could not be checked: " in missing.stdout
    assert "Traceback" not in missing.stdout + missing.stderr
    # Fetched from a hub that is not there any more: a problem, never a silent pass.
    hub.stop()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": []}))
    gone = hub_cli(
        settings, "verify", str(credential), "--jwks", str(jwks), "--issuer", hub.base_url
    )
    assert gone.returncode == 1
    assert f"the revocation status could not be checked: {list_url} could not be fetched" in (
        gone.stdout
    )
