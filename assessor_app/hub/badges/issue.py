"""Issuing and signing: the issued-credential row made on a final Pass, and the signed
VC-JWT built from it, its decision and its submission whenever it is served.

RS256 (PKCS#1 v1.5) and Ed25519 signatures are deterministic, so the same row, key and
issuer address always give the same JWT: nothing signed needs storing.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.artifacts import Artifact
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.decision import Decision
from assessor_app.hub.badges.conformance import credential_problems
from assessor_app.hub.badges.credential import (
    IssuerProfile,
    open_badge_credential,
    parse_datetime,
)
from assessor_app.hub.badges.issuer_url import pin_issuer_url
from assessor_app.hub.badges.recipients import ensure_recipient, subject_identity
from assessor_app.hub.badges.signing import (
    DEFAULT_PROOF,
    IssuerKey,
    ProofFormat,
    issuer_keys,
)
from assessor_app.hub.badges.status_list import allocate_index, status_entry
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
)
from assessor_app.hub.workflow.models import CredentialRecipient, IssuedCredential
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import DecisionUpload

ISSUER_NAME_ENV = "ASSESSOR_HUB_ISSUER_NAME"
DEFAULT_ISSUER_NAME = "Assessor hub"


def issue_on_pass(
    session: Session, assignment: AssignmentRow, decision: DecisionRow, now: datetime
) -> IssuedCredential | None:
    """Record the credential for a final production Pass (once per assignment)."""
    if decision.decision != Decision.PASS.value or assignment.kind not in (
        AssignmentKind.PRODUCTION.value,
        AssignmentKind.ADJUDICATION.value,
    ):
        return None
    existing = session.scalar(
        select(IssuedCredential).where(IssuedCredential.assignment_id == assignment.id)
    )
    if existing is not None:
        return existing
    submission = session.get(SubmissionRow, assignment.submission_id)
    if submission is not None:
        ensure_recipient(session, submission.educator_pseudonym, now)
    row = IssuedCredential(
        id=str(uuid.uuid4()),
        assignment_id=assignment.id,
        submission_id=assignment.submission_id,
        user_id=decision.user_id,
        issued_at=now,
        status_index=allocate_index(session),
    )
    session.add(row)
    return row


class UnconformingCredential(RuntimeError):
    """The hub built a credential the official schema refuses: nothing is signed."""


@dataclass(frozen=True)
class BadgeIssuer:
    """The signing key (first) and any older keys, plus who the issuer is, at the
    configured or pinned ``base_url``."""

    keys: tuple[IssuerKey, ...]
    name: str
    base_url: str

    @classmethod
    def from_environment(cls, data_dir: Path, proof: ProofFormat = DEFAULT_PROOF) -> BadgeIssuer:
        """Keys in the data folder (``$ASSESSOR_HUB_ISSUER_KEY`` names the one for ``proof``;
        made on first use); name from ``$ASSESSOR_HUB_ISSUER_NAME``; public address from
        ``$ASSESSOR_HUB_ISSUER_URL`` or the one pinned in the data folder."""
        return cls(
            keys=tuple(issuer_keys(data_dir, proof)),
            name=os.environ.get(ISSUER_NAME_ENV, "").strip() or DEFAULT_ISSUER_NAME,
            base_url=pin_issuer_url(data_dir),
        )

    def profile(self) -> IssuerProfile:
        return IssuerProfile(self.base_url, self.name)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        profile = self.profile()
        return {"keys": [public_jwk(key, profile) for key in self.keys]}

    def profile_document(self) -> dict[str, Any]:
        """The profile ``GET /issuer`` serves: the one credentials embed, plus its keys as
        verification methods, the same ids and keys as the key set."""
        profile = self.profile()
        methods = [
            {"id": jwk["kid"], "type": "JsonWebKey", "controller": profile.id, "publicKeyJwk": jwk}
            for jwk in self.jwks()["keys"]
        ]
        return {**profile.document(), "verificationMethod": methods}

    def sign(self, document: dict[str, Any], profile: IssuerProfile) -> str:
        """The VC-JWT of ``document`` (OB 3.0's JSON Web Token proof format): its registered
        claims come from the document's own members."""
        key = self.keys[0]
        header = {"typ": "JWT", "kid": profile.key_id(key.kid)}
        return key.sign(header, {**document, **jwt_claims(document)})

    def sign_credential(self, document: dict[str, Any], profile: IssuerProfile) -> str:
        """``sign`` for an OpenBadgeCredential, after checking it against the official
        schema: nothing that breaks it is signed."""
        problems = credential_problems(document)
        if problems:
            raise UnconformingCredential("; ".join(problems))
        return self.sign(document, profile)


def public_jwk(key: IssuerKey, profile: IssuerProfile) -> dict[str, str]:
    """A key as the key set serves it: its ``kid`` is the URL that serves it alone."""
    return {**key.public_jwk(), "kid": profile.key_id(key.kid)}


def jwt_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 asks of a VC-JWT, from the credential's own members."""
    valid_from = parse_datetime(document["validFrom"])
    if valid_from is None:
        raise UnconformingCredential(f"validFrom {document['validFrom']!r} is not a date-time")
    moment = int(valid_from.timestamp())
    claims = {
        "iss": document["issuer"]["id"],
        "sub": document["credentialSubject"]["id"],
        "jti": document["id"],
        "nbf": moment,
        "iat": moment,
    }
    valid_until = parse_datetime(document.get("validUntil"))
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    return claims


def credential_document(
    session: Session, issued: IssuedCredential, profile: IssuerProfile
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for an issued row."""
    submission = session.get(SubmissionRow, issued.submission_id)
    decision = session.get(DecisionRow, issued.assignment_id)
    if submission is None or decision is None:
        raise LookupError(f"issued credential {issued.id} lost its submission or decision")
    row = session.get(CredentialRow, (submission.credential_id, submission.credential_version))
    if row is None:
        raise LookupError(f"credential {submission.credential_id} is missing")
    recipient = session.get(CredentialRecipient, submission.educator_pseudonym)
    if recipient is None:
        raise LookupError(f"issued credential {issued.id} names no recorded recipient")
    credential = CredentialSchema.model_validate(row.document).to_domain()
    sheet = DecisionUpload.model_validate(decision.body).to_sheet(None)
    artifacts = [
        Artifact(a.id, a.filename, a.media_type, a.size, a.sha256, a.title)
        for a in session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.submission_id == submission.id)
            .order_by(ArtifactRow.position)
        )
    ]
    document = open_badge_credential(
        credential_uuid=issued.id,
        issuer=profile,
        credential=credential,
        sheet=sheet,
        recipient=subject_identity(recipient),
        attempt=submission.attempt,
        artifacts=artifacts,
        valid_from=issued.issued_at,
    )
    document["credentialStatus"] = status_entry(profile, issued.status_index)
    return document
