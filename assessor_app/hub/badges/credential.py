"""The ``OpenBadgeCredential`` document (Open Badges 3.0 on the VC 2.0 data model) and the
explicit structure check ``verify`` applies to it.

No package installable here ships the published OB 3.0 JSON schema (the PyPI libraries
carry the JSON-LD contexts only), so ``structure_problems`` checks the fields the
specification requires, one by one, plus what this hub promises: a result per rubric
criterion and evidence described by name, never by a URL to private media.
"""

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
JWT_CLAIMS = ("iss", "jti", "nbf", "iat")


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
    educator_pseudonym: str,
    attempt: int,
    artifacts: Sequence[Artifact],
    valid_from: datetime,
) -> dict[str, Any]:
    """The unsigned credential for a passed submission."""
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
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": educator_pseudonym,
                    "identityType": "systemId",
                    "hashed": False,
                }
            ],
            "achievement": described,
            "result": results,
        },
        "evidence": _evidence(artifacts, attempt),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _is_uri(value: Any) -> bool:
    return isinstance(value, str) and ":" in value and not value.startswith(":")


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def structure_problems(doc: dict[str, Any]) -> list[str]:
    """What makes ``doc`` not a well-formed OpenBadgeCredential; empty when it is one."""
    problems: list[str] = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    context = doc.get("@context")
    need(
        isinstance(context, list) and context[:1] == [VC_CONTEXT],
        f"@context must be a list starting with {VC_CONTEXT}",
    )
    need(
        isinstance(context, list)
        and any(isinstance(c, str) and c.startswith(OB_CONTEXT.rsplit("-", 1)[0]) for c in context),
        "@context must include the Open Badges 3.0 context",
    )
    need(_is_uri(doc.get("id")), "id must be a URI")
    types = _types(doc.get("type"))
    need(
        "VerifiableCredential" in types
        and ("OpenBadgeCredential" in types or "AchievementCredential" in types),
        "type must include VerifiableCredential and OpenBadgeCredential",
    )
    need(isinstance(doc.get("name"), str) and bool(doc.get("name")), "name is required")
    issuer = doc.get("issuer")
    if isinstance(issuer, dict):
        need(_is_uri(issuer.get("id")), "issuer.id must be a URI")
        need("Profile" in _types(issuer.get("type")), "issuer.type must include Profile")
        need(isinstance(issuer.get("name"), str), "issuer.name is required")
    else:
        need(_is_uri(issuer), "issuer must be a Profile object or a URI")
    need(
        parse_datetime(doc.get("validFrom")) is not None, "validFrom must be a date-time with zone"
    )
    if "validUntil" in doc:
        need(
            parse_datetime(doc["validUntil"]) is not None,
            "validUntil must be a date-time with zone",
        )
    subject = doc.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append("credentialSubject must be an object")
        return problems
    need(
        "AchievementSubject" in _types(subject.get("type")),
        "credentialSubject.type must include AchievementSubject",
    )
    need(
        "id" in subject or bool(subject.get("identifier")),
        "credentialSubject needs an id or an identifier",
    )
    for i, identity in enumerate(subject.get("identifier") or []):
        where = f"credentialSubject.identifier[{i}]"
        need(
            isinstance(identity, dict)
            and identity.get("type") == "IdentityObject"
            and isinstance(identity.get("identityHash"), str)
            and isinstance(identity.get("identityType"), str)
            and isinstance(identity.get("hashed"), bool),
            f"{where} must be an IdentityObject with identityHash, identityType and hashed",
        )
    achieved = subject.get("achievement")
    if not isinstance(achieved, dict):
        problems.append("credentialSubject.achievement must be an object")
        return problems
    need(_is_uri(achieved.get("id")), "achievement.id must be a URI")
    need("Achievement" in _types(achieved.get("type")), "achievement.type must include Achievement")
    for name in ("name", "description"):
        need(isinstance(achieved.get(name), str), f"achievement.{name} is required")
    criteria = achieved.get("criteria")
    need(
        isinstance(criteria, dict) and bool(criteria.get("narrative") or criteria.get("id")),
        "achievement.criteria needs a narrative or an id",
    )
    for i, alignment in enumerate(achieved.get("alignment") or []):
        need(
            isinstance(alignment, dict)
            and "Alignment" in _types(alignment.get("type"))
            and isinstance(alignment.get("targetName"), str)
            and _is_uri(alignment.get("targetUrl")),
            f"achievement.alignment[{i}] needs type Alignment, targetName and targetUrl",
        )
    descriptions = {
        d.get("id"): d for d in achieved.get("resultDescription") or [] if isinstance(d, dict)
    }
    for i, result in enumerate(subject.get("result") or []):
        where = f"credentialSubject.result[{i}]"
        if not isinstance(result, dict) or "Result" not in _types(result.get("type")):
            problems.append(f"{where} must be a Result")
            continue
        described = descriptions.get(result.get("resultDescription"))
        need(described is not None, f"{where}.resultDescription names no resultDescription")
        if described is not None and "achievedLevel" in result:
            levels = {lv.get("id") for lv in described.get("rubricCriterionLevel") or []}
            need(
                result["achievedLevel"] in levels,
                f"{where}.achievedLevel is not a level of its resultDescription",
            )
    for i, evidence in enumerate(doc.get("evidence") or []):
        need(
            isinstance(evidence, dict) and "Evidence" in _types(evidence.get("type")),
            f"evidence[{i}] must have type Evidence",
        )
    return problems
