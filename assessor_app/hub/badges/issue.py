"""Issuing and signing: the issued-credential row made on a final Pass, and the signed
VC-JWT built from it, its decision and its submission whenever it is served.

Ed25519 signatures are deterministic, so the same row, key and issuer address always give
the same JWT: nothing signed needs storing.
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
from assessor_app.domain.decision import Decision
from assessor_app.hub.badges.credential import IssuerProfile, open_badge_credential
from assessor_app.hub.badges.issuer_url import pin_issuer_url
from assessor_app.hub.badges.signing import (
    ALG,
    IssuerKey,
    default_key_path,
    load_or_create_key,
)
from assessor_app.hub.badges.status_list import allocate_index, status_entry
from assessor_app.hub.badges.verify import JWT_TYPE
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
)
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import DecisionUpload

ISSUER_NAME_ENV = "ASSESSOR_HUB_ISSUER_NAME"
DEFAULT_ISSUER_NAME = "Assessor hub"


def issue_on_pass(
    session: Session, assignment: AssignmentRow, decision: DecisionRow, now: datetime
) -> IssuedCredential | None:
    """Record the credential for a final production Pass (once per assignment)."""
    if decision.decision != Decision.PASS.value or assignment.kind != "production":
        return None
    existing = session.scalar(
        select(IssuedCredential).where(IssuedCredential.assignment_id == assignment.id)
    )
    if existing is not None:
        return existing
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


@dataclass(frozen=True)
class BadgeIssuer:
    """The key plus who the issuer is, at the configured or pinned ``base_url``."""

    key: IssuerKey
    name: str
    base_url: str

    @classmethod
    def from_environment(cls, data_dir: Path) -> BadgeIssuer:
        """Key from ``$ASSESSOR_HUB_ISSUER_KEY`` or ``DATA_DIR/issuer-ed25519.pem`` (made
        on first use); name from ``$ASSESSOR_HUB_ISSUER_NAME``; public address from
        ``$ASSESSOR_HUB_ISSUER_URL`` or the one pinned in the data folder."""
        return cls(
            key=load_or_create_key(default_key_path(data_dir)),
            name=os.environ.get(ISSUER_NAME_ENV, "").strip() or DEFAULT_ISSUER_NAME,
            base_url=pin_issuer_url(data_dir),
        )

    def profile(self) -> IssuerProfile:
        return IssuerProfile(self.base_url, self.name)

    def kid(self, profile: IssuerProfile) -> str:
        return f"{profile.jwks_url}#{self.key.thumbprint}"

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.key.public_jwk(self.key.thumbprint)]}

    def sign(self, document: dict[str, Any], profile: IssuerProfile, valid_from: datetime) -> str:
        header = {"alg": ALG, "typ": JWT_TYPE, "cty": "vc", "kid": self.kid(profile)}
        moment = int(valid_from.timestamp())
        claims = {"iss": profile.id, "jti": document["id"], "nbf": moment, "iat": moment}
        return self.key.sign_compact(header, {**document, **claims})


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
        educator_pseudonym=submission.educator_pseudonym,
        attempt=submission.attempt,
        artifacts=artifacts,
        valid_from=issued.issued_at,
    )
    document["credentialStatus"] = status_entry(profile, issued.status_index)
    return document
