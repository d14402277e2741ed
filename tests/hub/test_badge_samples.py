"""The signed samples in ``docs/samples/`` verify offline, with ``assessor-hub verify`` and
with an independent JOSE library, and ``scripts/make_badge_samples.py`` regenerates samples
that do too (with a throwaway key, whatever key the environment names)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import jwt as pyjwt
import pytest

from assessor_app.hub.badges.conformance import SCHEMA_FILE
from assessor_app.hub.badges.signing import KEY_ENV, ProofFormat

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "samples"
ISSUER = "https://hub.example.org"
NAMES = ("open-badge-credential", "programme-credential")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def verify_offline(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from assessor_app.hub.cli import main; sys.exit(main(sys.argv[1:]))"
    return run(
        "-c",
        code,
        "--data-dir",
        str(tmp_path / "no-hub"),
        "verify",
        "--jwks",
        str(folder / "issuer-jwks.json"),
        "--issuer",
        ISSUER,
        "--status-list",
        str(folder / "status-list.jwt"),
        *(str(folder / f"{name}.{ext}") for name in NAMES for ext in ("json", "jwt")),
    )


def check_samples(folder: Path, tmp_path: Path, alg: str) -> None:
    done = verify_offline(folder, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    valid = [line for line in done.stdout.splitlines() if line.startswith("VALID")]
    expected = []
    for name in NAMES:
        served = json.loads((folder / f"{name}.json").read_text())
        credential_id = served["credential"]["id"]
        expected += [
            f"VALID: {folder / name}.json: {credential_id}",
            f"VALID: {folder / name}.jwt: {credential_id}",
        ]
        token = (folder / f"{name}.jwt").read_text().strip()
        assert token == served["jwt"]
        keys = pyjwt.PyJWKSet.from_json((folder / "issuer-jwks.json").read_text())
        kid = pyjwt.get_unverified_header(token)["kid"]
        [key] = [k for k in keys.keys if k.key_id == kid]
        claims = pyjwt.decode(
            token,
            key.key,
            algorithms=[alg],
            issuer=f"{ISSUER}/api/v1/issuer",
            options={"require": ["sub", "iss", "nbf", "jti"]},
        )
        assert claims["sub"] == served["credential"]["credentialSubject"]["id"]
        validator = jsonschema_rs.validator_for(json.loads(SCHEMA_FILE.read_text()))
        assert list(validator.iter_errors(served["credential"])) == []
    assert valid == expected
    programme = json.loads((folder / "programme-credential.json").read_text())["credential"]
    achievement = programme["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "LearningProgram"
    assert [a["targetCode"] for a in achievement["alignment"]] == [
        "wait-time-questioning",
        "checking-for-understanding",
        "inquiry-lesson-design",
    ]
    assert len(programme["evidence"]) == 3


def test_the_shipped_samples_verify_offline(tmp_path: Path) -> None:
    check_samples(SAMPLES, tmp_path, "RS256")


@pytest.mark.parametrize("proof", list(ProofFormat))
def test_the_script_regenerates_samples_that_verify(tmp_path: Path, proof: ProofFormat) -> None:
    out = tmp_path / "samples"
    # A deployment's key named in the environment is never used for a sample.
    made = run(
        str(ROOT / "scripts" / "make_badge_samples.py"),
        str(out),
        "--proof",
        proof.value,
        env={KEY_ENV: str(tmp_path / "deployment-key.pem")},
    )
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "issuer-jwks.json",
            "status-list.jwt",
            *(f"{name}.{ext}" for name in NAMES for ext in ("json", "jwt")),
        ]
    )
    assert not (tmp_path / "deployment-key.pem").exists()
    check_samples(out, tmp_path, proof.alg)
