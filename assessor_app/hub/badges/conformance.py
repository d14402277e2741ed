"""Is a document an Open Badges 3.0 credential: 1EdTech's official JSON Schema for
``AchievementCredential`` (shipped in ``resources/schemas/``, see the NOTICE there), checked
with ``jsonschema``, plus the links the schema cannot express: each result names a result
description of the achievement, and its achieved level is one of that description's levels.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft201909Validator

from assessor_app.hub.resources import resources_dir

SCHEMA_FILE = resources_dir() / "schemas" / "ob_v3p0_achievementcredential_schema.json"
# A schema message quotes the offending value, which can be a whole sub-document.
_MESSAGE_LIMIT = 200


@functools.cache
def _validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


def _where(path: Any) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return text.lstrip(".") or "the credential"


def schema_problems(doc: Any) -> list[str]:
    """Where ``doc`` breaks the official schema; empty when it conforms."""
    problems = []
    for error in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.path))):
        message = error.message
        if len(message) > _MESSAGE_LIMIT:
            message = f"{message[:_MESSAGE_LIMIT]}…"
        problems.append(f"schema: {_where(error.absolute_path)}: {message}")
    return problems


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list; nothing for anything else (the schema reports those)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def linkage_problems(doc: dict[str, Any]) -> list[str]:
    """Results that point at no result description, or at a level it does not have."""
    subject = doc.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("achievement"), dict):
        return []
    levels = {
        d["id"]: {
            lv.get("id")
            for lv in _objects(d.get("rubricCriterionLevel"))
            if isinstance(lv.get("id"), str)
        }
        for d in _objects(subject["achievement"].get("resultDescription"))
        if isinstance(d.get("id"), str)
    }
    results = subject.get("result")
    problems = []
    for i, result in enumerate(results if isinstance(results, list) else []):
        if not isinstance(result, dict) or "resultDescription" not in result:
            continue
        where = f"credentialSubject.result[{i}]"
        described = result["resultDescription"]
        own_levels = levels.get(described) if isinstance(described, str) else None
        if own_levels is None:
            problems.append(f"{where}.resultDescription names no resultDescription")
        elif "achievedLevel" in result and not (
            isinstance(result["achievedLevel"], str) and result["achievedLevel"] in own_levels
        ):
            problems.append(f"{where}.achievedLevel is not a level of its resultDescription")
    return problems


def credential_problems(doc: dict[str, Any]) -> list[str]:
    """Everything that keeps ``doc`` from being a credential this hub signs or accepts."""
    return schema_problems(doc) + linkage_problems(doc)
