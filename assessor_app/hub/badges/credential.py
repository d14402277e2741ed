"""The ``OpenBadgeCredential`` document (Open Badges 3.0 on the VC 2.0 data model): a result
per rubric criterion, and evidence described by name, never by a URL to private media.
``conformance`` checks it against the official schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assessor_app.domain.artifacts import Artifact
from assessor_app.domain.rubric import AllCriteriaMeet, Credential, MinimumPoints
from assessor_app.domain.scoresheet import ScoreSheet

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
ACHIEVEMENT_TYPE = "MicroCredential"
# Claims the VC-JWT adds beside the credential's own members.
JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat")


@dataclass(frozen=True)
class IssuerProfile:
    """``base_url`` is the hub's public address; the profile and achievement ids hang off it."""

    base_url: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.base_url}/api/v1/issuer"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/api/v1/issuer/jwks.json"

    @property
    def keys_url(self) -> str:
        return f"{self.base_url}/api/v1/issuer/keys"

    def key_id(self, thumbprint: str) -> str:
        """A key's ``kid``: the URL that serves that one JWK (and its ``kid`` in the set)."""
        return f"{self.keys_url}/{thumbprint}"

    def achievement_id(self, credential_id: str, version: int) -> str:
        return f"{self.base_url}/api/v1/achievements/{credential_id}/v{version}"

    def document(self) -> dict[str, Any]:
        return {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.base_url}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _criteria_narrative(credential: Credential) -> str:
    rubric = credential.rubric
    lines = [credential.overview.strip()] if credential.overview.strip() else []
    rule = rubric.decision_rule
    if isinstance(rule, MinimumPoints):
        lines.append(
            f"Awarded when the rubric total reaches {rule.min_total:g} of "
            f"{rubric.max_points:g} points and no criterion is below its floor."
        )
    elif isinstance(rule, AllCriteriaMeet):
        lines.append("Awarded when every criterion is at a level that meets the standard:")
    for criterion in rubric.criteria:
        meeting = [lv.label for lv in criterion.levels if lv.meets]
        lines.append(f"- {criterion.title}: {' or '.join(meeting)}")
    return "\n".join(lines)


def achievement(issuer: IssuerProfile, credential: Credential) -> dict[str, Any]:
    """The public description of what the badge certifies (also served on its own)."""
    base = issuer.achievement_id(credential.id, credential.version)
    result_descriptions = []
    for criterion in credential.rubric.criteria:
        required = next(lv for lv in criterion.levels if lv.meets)
        result_descriptions.append(
            {
                "id": f"{base}#criterion-{criterion.id}",
                "type": ["ResultDescription"],
                "name": criterion.title,
                "resultType": "RubricCriterionLevel",
                "allowedValue": [lv.label for lv in criterion.levels],
                "requiredLevel": f"{base}#criterion-{criterion.id}-level-{required.id}",
                "rubricCriterionLevel": [
                    {
                        "id": f"{base}#criterion-{criterion.id}-level-{lv.id}",
                        "type": ["RubricCriterionLevel"],
                        "name": lv.label,
                        "description": lv.descriptor,
                        "level": lv.label,
                        "points": f"{lv.points:g}",
                    }
                    for lv in criterion.levels
                ],
            }
        )
    return {
        "id": base,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": credential.title,
        "description": credential.competency,
        "criteria": {"narrative": _criteria_narrative(credential)},
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": credential.competency,
                "targetDescription": credential.overview or credential.competency,
                "targetType": "ceasn:Competency",
                "targetUrl": base,
                "targetCode": credential.id,
            }
        ],
        "resultDescription": result_descriptions,
        "version": str(credential.version),
        "creator": issuer.document(),
    }


def _evidence(artifacts: Sequence[Artifact], attempt: int) -> list[dict[str, Any]]:
    return [
        {
            "type": ["Evidence"],
            "name": artifact.display_name,
            "description": (
                f"{artifact.kind.value.capitalize()} '{artifact.display_name}' "
                f"({artifact.media_type}), submitted with attempt {attempt} and reviewed by "
                "the assessor; held privately by the issuer."
            ),
            "genre": artifact.kind.value,
        }
        for artifact in artifacts
    ]


def open_badge_credential(
    *,
    credential_uuid: str,
    issuer: IssuerProfile,
    credential: Credential,
    sheet: ScoreSheet,
    recipient: dict[str, Any],
    attempt: int,
    artifacts: Sequence[Artifact],
    valid_from: datetime,
) -> dict[str, Any]:
    """The unsigned credential for a passed submission; ``recipient`` holds the subject's
    ``id`` and any identifiers (``recipients.subject_identity``)."""
    described = achievement(issuer, credential)
    base = described["id"]
    results = []
    for criterion in credential.rubric.criteria:
        level_id = sheet.score(criterion.id).level_id
        level = criterion.level(level_id) if level_id else None
        if level is None:
            continue
        results.append(
            {
                "type": ["Result"],
                "resultDescription": f"{base}#criterion-{criterion.id}",
                "achievedLevel": f"{base}#criterion-{criterion.id}-level-{level.id}",
                "value": level.label,
            }
        )
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential_uuid}",
        "type": list(CREDENTIAL_TYPES),
        "name": credential.title,
        "description": f"{credential.title}: {credential.competency}",
        "issuer": issuer.document(),
        "validFrom": iso(valid_from),
        "credentialSubject": {
            **recipient,
            "type": ["AchievementSubject"],
            "achievement": described,
            "result": results,
        },
        "evidence": _evidence(artifacts, attempt),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
