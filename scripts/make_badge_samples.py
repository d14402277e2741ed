"""Regenerate the signed credential samples in ``docs/samples/``.

    python scripts/make_badge_samples.py [OUT_DIR] [--proof rs256|eddsa]

A throwaway hub (a temporary data folder, issuer ``https://hub.example.org``) imports the
"wait time" credential from ``resources/rubrics/``, records a Pass for one educator and
issues the credential, exactly as a served hub does. Each sample is written three ways:
``NAME.json`` (what ``GET /api/v1/credentials/{id}`` answers: the VC-JWT and the readable
credential), ``NAME.jwt`` (the bare VC-JWT), beside ``issuer-jwks.json`` (the key set both
verify against) and ``status-list.jwt`` (the signed revocation list their
``credentialStatus`` names, as the hub serves it), so that this works offline:

    assessor-hub verify --jwks docs/samples/issuer-jwks.json --issuer https://hub.example.org \\
        --status-list docs/samples/status-list.jwt \\
        docs/samples/open-badge-credential.json docs/samples/open-badge-credential.jwt \\
        docs/samples/programme-credential.json docs/samples/programme-credential.jwt

``programme-credential`` is the programme credential of the demo pathway
(``resources/pathways/``), issued when one educator passes its three micro-credentials.

Every run makes a new key and new ids. To add a sample, add a function to ``SAMPLES``: it
gets the seeded hub and returns the served JSON of one credential.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from assessor_app.domain.decision import Decision  # noqa: E402
from assessor_app.hub.admin import HubAdmin  # noqa: E402
from assessor_app.hub.badges.issue import (  # noqa: E402
    ISSUER_NAME_ENV,
    BadgeIssuer,
    credential_document,
)
from assessor_app.hub.badges.issuer_url import ISSUER_URL_ENV, pin_issuer_url  # noqa: E402
from assessor_app.hub.badges.revocation import signed_status_list  # noqa: E402
from assessor_app.hub.badges.signing import DEFAULT_PROOF, KEY_ENV, ProofFormat  # noqa: E402
from assessor_app.hub.config import HubSettings  # noqa: E402
from assessor_app.hub.pathways import commands as pathway_commands  # noqa: E402
from assessor_app.hub.pathways.credential import programme_document  # noqa: E402
from assessor_app.hub.pathways.file import load_pathway_file  # noqa: E402
from assessor_app.hub.pathways.models import ProgrammeCredential  # noqa: E402
from assessor_app.hub.resources import resources_dir  # noqa: E402
from assessor_app.hub.workflow.models import IssuedCredential  # noqa: E402
from assessor_app.protocol.rubric_file import load_credential_file  # noqa: E402
from assessor_app.protocol.v1 import CriterionScoreWire, DecisionUpload  # noqa: E402

ISSUER_URL = "https://hub.example.org"
DEFAULT_OUT = ROOT / "docs" / "samples"
JWKS_FILE = "issuer-jwks.json"
STATUS_LIST_FILE = "status-list.jwt"
RUBRIC = resources_dir() / "rubrics" / "wait-time-questioning.yaml"
PATHWAY = resources_dir() / "pathways" / "formative-assessment-practitioner.yaml"


@dataclass
class SampleHub:
    admin: HubAdmin
    issuer: BadgeIssuer
    work: Path

    def served(self, credential_id: str) -> dict[str, Any]:
        """The JSON ``GET /api/v1/credentials/{id}`` answers for an issued credential."""
        profile = self.issuer.profile()
        with self.admin.db.read() as session:
            issued = session.get(IssuedCredential, credential_id)
            if issued is None:
                raise LookupError(f"no issued credential {credential_id}")
            document = credential_document(session, issued, profile)
            issued_at = issued.issued_at
        return self.envelope(credential_id, issued_at, document)

    def envelope(self, credential_id: str, issued_at: datetime, document: dict[str, Any]) -> dict:
        """The served JSON of a credential: its id, when issued, the VC-JWT, the document."""
        return {
            "id": credential_id,
            "issued_at": issued_at.isoformat().replace("+00:00", "Z"),
            "format": "vc+jwt",
            "jwt": self.issuer.sign_credential(document, self.issuer.profile()),
            "credential": document,
        }

    def pass_submission(self, credential_file: Path, pseudonym: str, assessor: str) -> str:
        """Import a submission of ``credential_file`` by ``pseudonym``, record a Pass at the
        first level meeting each criterion; the issued credential's id."""
        credential = load_credential_file(credential_file)
        folder = self.work / f"{credential.id}-{pseudonym}"
        folder.mkdir(parents=True)
        (folder / "reflection.txt").write_text("I waited five seconds after each question.\n")
        (folder / "submission.yaml").write_text(
            f"credential: {credential.id}\n"
            f"educator_pseudonym: {pseudonym}\n"
            "artifacts:\n  - {file: reflection.txt, title: Reflection}\n"
        )
        submission = self.admin.import_submission(folder)
        assignment = self.admin.assign(submission, assessor)
        upload = DecisionUpload(
            decision=Decision.PASS,
            criteria=[
                CriterionScoreWire(
                    criterion_id=c.id,
                    level_id=next(lv.id for lv in c.levels if lv.meets),
                    rationale="Seen throughout the submitted work.",
                )
                for c in credential.rubric.criteria
            ],
            feedback="Clear, patient questioning.",
            scored_at=datetime.now(UTC),
        )
        self.admin.record_decision(assignment, upload, f"sample-{assignment}")
        with self.admin.db.read() as session:
            issued = session.scalar(
                select(IssuedCredential.id).where(IssuedCredential.assignment_id == assignment)
            )
        if issued is None:
            raise RuntimeError(f"the Pass of {submission} issued no credential")
        return issued


def micro_credential(hub: SampleHub) -> dict[str, Any]:
    hub.admin.import_credential(RUBRIC)
    return hub.served(hub.pass_submission(RUBRIC, "E-1001", "sample-assessor"))


def programme_credential(hub: SampleHub) -> dict[str, Any]:
    """The demo pathway's programme credential, issued by the last of three Passes."""
    pathway = load_pathway_file(PATHWAY)
    rubrics = [resources_dir() / "rubrics" / f"{c}.yaml" for c in pathway.components.ids]
    for rubric in rubrics:
        hub.admin.import_credential(rubric)
    pathway_commands.import_file(hub.admin, PATHWAY)
    for rubric in rubrics:
        hub.pass_submission(rubric, "E-2001", "sample-assessor")
    with hub.admin.db.read() as session:
        row = session.scalar(
            select(ProgrammeCredential).where(ProgrammeCredential.educator_pseudonym == "E-2001")
        )
        if row is None:
            raise RuntimeError("the last Pass issued no programme credential")
        document = programme_document(session, row, hub.issuer.profile())
    return hub.envelope(row.id, row.issued_at, document)


SAMPLES: dict[str, Callable[[SampleHub], dict[str, Any]]] = {
    "open-badge-credential": micro_credential,
    "programme-credential": programme_credential,
}


def make_samples(out: Path, proof: ProofFormat = DEFAULT_PROOF) -> list[Path]:
    """Write every sample and the key set into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary) / "hub"
        pin_issuer_url(data_dir, ISSUER_URL)
        settings = HubSettings.from_data_dir(data_dir, proof=proof)
        with HubAdmin(settings) as admin:
            admin.add_assessor("sample-assessor", "sample-password", "Sample Assessor")
            issuer = BadgeIssuer.from_environment(data_dir, proof)
            hub = SampleHub(admin, issuer, Path(temporary) / "work")
            for name, make in SAMPLES.items():
                served = make(hub)
                written.append(_write(out / f"{name}.json", json.dumps(served, indent=2)))
                written.append(_write(out / f"{name}.jwt", served["jwt"]))
            jwks = json.dumps(issuer.jwks(), indent=2)
            written.append(_write(out / JWKS_FILE, jwks))
            written.append(_write(out / STATUS_LIST_FILE, _status_list(admin, issuer)))
    return written


def _status_list(admin: HubAdmin, issuer: BadgeIssuer) -> str:
    """The VC-JWT of status list 0, which every sample's ``credentialStatus`` points into:
    without it a verifier offline cannot tell whether a sample was revoked."""
    with admin.db.read() as session:
        signed = signed_status_list(session, issuer, 0)
    if signed is None:
        raise RuntimeError("the samples were issued without a status list")
    return signed[1]


def _write(path: Path, text: str) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--proof", type=ProofFormat, choices=list(ProofFormat), default=DEFAULT_PROOF
    )
    args = parser.parse_args(argv)
    # Never the deployment's key or address: a sample is signed by a throwaway key.
    for name in (KEY_ENV, ISSUER_URL_ENV, ISSUER_NAME_ENV):
        os.environ.pop(name, None)
    for path in make_samples(args.out, args.proof):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
