"""The programme credential as an ``OpenBadgeCredential``, built (like the component
badges) from its row whenever it is served.

Its achievement (``achievementType`` LearningProgram) names the pathway's component
achievements as ``alignment`` entries of type ``ceterms:Credential`` — OB 3.0's ``related``
would mean "the same achievement in another language or version", which they are not —
and its ``evidence`` lists the component credentials that earned it, by their ids. It
carries its own ``credentialStatus``: it is revoked on its own, like any badge.
Whatever the hub puts in a component badge about the educator (``credentialSubject``
without achievement and results), the programme credential says the same, taken from
the component badge itself so the two can never disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.hub.badges.credential import IssuerProfile, achievement, iso
from assessor_app.hub.badges.issue import credential_document
from assessor_app.hub.badges.status_list import status_entry
from assessor_app.hub.db import CredentialRow, SubmissionRow
from assessor_app.hub.pathways.models import ProgrammeCredential
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.rubric_file import CredentialSchema

ACHIEVEMENT_TYPE = "LearningProgram"
COMPONENT_TARGET_TYPE = "ceterms:Credential"


def achievement_url(profile: IssuerProfile, pathway_id: str) -> str:
    return f"{profile.base_url}/api/v1/pathways/{pathway_id}/achievement"


def _credential_row(session: Session, credential_id: str, version: int | None) -> CredentialRow:
    query = select(CredentialRow).where(CredentialRow.id == credential_id)
    if version is not None:
        query = query.where(CredentialRow.version == version)
    row = session.scalar(query.order_by(CredentialRow.version.desc()).limit(1))
    if row is None:
        raise LookupError(f"credential {credential_id} is missing")
    return row


def programme_achievement(
    session: Session,
    profile: IssuerProfile,
    pathway_id: str,
    pathway: dict[str, Any],
    versions: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The achievement of ``pathway`` (a ``pathways.award.snapshot``); each component at
    the version in ``versions`` (the one that earned it), else its newest."""
    components = []
    for credential_id in pathway["components"]:
        row = _credential_row(session, credential_id, (versions or {}).get(credential_id))
        described = achievement(profile, CredentialSchema.model_validate(row.document).to_domain())
        components.append(described)
    rule = "all of" if pathway["required"] == len(components) else f"any {pathway['required']} of"
    narrative = "\n".join(
        [pathway["criteria"].strip(), f"Awarded for passing {rule} these micro-credentials:"]
        + [f"- {c['name']}" for c in components]
    )
    return {
        "id": achievement_url(profile, pathway_id),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": pathway["name"],
        "description": pathway["description"],
        "criteria": {"narrative": narrative},
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": c["name"],
                "targetDescription": c["description"],
                "targetType": COMPONENT_TARGET_TYPE,
                "targetUrl": c["id"],
                "targetCode": credential_id,
            }
            for credential_id, c in zip(pathway["components"], components, strict=True)
        ],
        "creator": profile.document(),
    }


def programme_document(
    session: Session, row: ProgrammeCredential, profile: IssuerProfile
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an issued programme credential."""
    earned = []
    for issued_id in row.component_credentials:
        issued = session.get(IssuedCredential, issued_id)
        submission = session.get(SubmissionRow, issued.submission_id) if issued else None
        if issued is None or submission is None:
            raise LookupError(f"programme credential {row.id} lost component {issued_id}")
        earned.append((issued, submission))
    first = credential_document(session, earned[0][0], profile)
    versions = {s.credential_id: s.credential_version for _, s in earned}
    described = programme_achievement(session, profile, row.pathway_id, row.pathway, versions)
    names = {a["targetCode"]: a["targetName"] for a in described["alignment"]}
    subject = {
        key: value
        for key, value in first["credentialSubject"].items()
        if key not in ("achievement", "result")
    }
    return {
        "@context": first["@context"],
        "id": f"urn:uuid:{row.id}",
        "type": first["type"],
        "name": row.pathway["name"],
        "description": row.pathway["description"],
        "issuer": first["issuer"],
        "validFrom": iso(row.issued_at),
        "credentialSubject": {**subject, "achievement": described},
        "evidence": [
            {
                "id": f"urn:uuid:{issued.id}",
                "type": ["Evidence"],
                "name": names[submission.credential_id],
                "description": (
                    f"The Open Badges credential urn:uuid:{issued.id} for "
                    f"'{names[submission.credential_id]}', issued by this issuer on "
                    f"{iso(issued.issued_at)}."
                ),
                "genre": "Open Badges credential",
            }
            for issued, submission in earned
        ],
        "credentialSchema": first["credentialSchema"],
        "credentialStatus": status_entry(profile, row.status_index),
    }
