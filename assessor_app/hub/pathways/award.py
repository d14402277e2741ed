"""Importing pathways and issuing programme credentials.

A programme credential is issued in the transaction of the final decision that completes
it (``award_after_pass``, called where a Pass issues its badge) or, for educators who
already complete a pathway when it is imported, by the import itself. Every decision
takes the change counter's row lock first (``decisions.record_decision``) and an import
takes it too (``hold_change_counter``), so these writes run one after the other: of two
final decisions at once the second sees the first one's badge, and an import sees every
badge a decision committed or is seen by it. The programme credential is neither missed
nor issued twice; the unique constraint on (pathway, educator) is the last guard.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.hub.badges.status_list import allocate_index
from assessor_app.hub.db import CredentialRow, hold_change_counter
from assessor_app.hub.pathways.file import PathwaySchema
from assessor_app.hub.pathways.models import Pathway, ProgrammeCredential
from assessor_app.hub.pathways.progress import passed_components, pathway_progress


class PathwayRefused(ValueError):
    """The pathway cannot be imported as it is; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class ImportOutcome:
    pathway_id: str
    change: str  # "imported", "updated" or "unchanged"
    issued: tuple[ProgrammeCredential, ...]


def snapshot(pathway: Pathway) -> dict[str, object]:
    """What a programme credential keeps of its pathway."""
    return {
        "name": pathway.name,
        "description": pathway.description,
        "criteria": pathway.criteria,
        "components": list(pathway.components),
        "required": pathway.required,
    }


def issue_if_complete(
    session: Session, pathway: Pathway, educator: str, now: datetime
) -> ProgrammeCredential | None:
    """Issue ``pathway``'s programme credential to ``educator`` if they have passed enough
    of its components and do not hold it yet; the caller holds the change counter."""
    held = session.scalar(
        select(ProgrammeCredential.id).where(
            ProgrammeCredential.pathway_id == pathway.id,
            ProgrammeCredential.educator_pseudonym == educator,
        )
    )
    if held is not None:
        return None
    passed = passed_components(session, pathway.components, [educator]).get(educator, {})
    if len(passed) < pathway.required:
        return None
    row = ProgrammeCredential(
        id=str(uuid.uuid4()),
        pathway_id=pathway.id,
        educator_pseudonym=educator,
        issued_at=now,
        pathway=snapshot(pathway),
        component_credentials=[
            passed[c].issued_credential_id for c in pathway.components if c in passed
        ],
        status_index=allocate_index(session),
    )
    session.add(row)
    session.flush()
    return row


def award_after_pass(
    session: Session, educator: str, credential_id: str, now: datetime
) -> list[ProgrammeCredential]:
    """After ``educator``'s Pass of ``credential_id`` was issued as a badge: issue every
    programme credential it completes."""
    session.flush()
    pathways = session.scalars(select(Pathway).order_by(Pathway.id)).all()
    issued = [
        issue_if_complete(session, pathway, educator, now)
        for pathway in pathways
        if credential_id in pathway.components
    ]
    return [row for row in issued if row is not None]


def _digest(schema: PathwaySchema) -> str:
    canonical = json.dumps(schema.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def import_pathway(session: Session, schema: PathwaySchema, now: datetime) -> ImportOutcome:
    """Create or update the pathway ``schema`` describes (the same content again leaves it
    as it is). Educators who complete it and do not hold its credential get it now."""
    components = schema.components.ids
    known = set(session.scalars(select(CredentialRow.id).where(CredentialRow.id.in_(components))))
    unknown = [c for c in components if c not in known]
    if unknown:
        raise PathwayRefused(
            f"pathway {schema.id} names credentials that are not imported: "
            f"{', '.join(unknown)}; run import-credential for them first"
        )
    digest = _digest(schema)
    hold_change_counter(session)
    row = session.get(Pathway, schema.id, populate_existing=True)
    if row is not None and row.content_sha256 == digest:
        change = "unchanged"
    else:
        change = "updated" if row is not None else "imported"
        if row is None:
            row = Pathway(id=schema.id, imported_at=now)
            session.add(row)
        row.name, row.description = schema.name, schema.description
        row.criteria, row.components = schema.criteria, components
        row.required, row.content_sha256, row.updated_at = schema.components.required, digest, now
        session.flush()
    issued = [
        issue_if_complete(session, row, progress.educator_pseudonym, now)
        for progress in pathway_progress(session, row)
        if progress.complete and progress.programme_credential_id is None
    ]
    return ImportOutcome(schema.id, change, tuple(r for r in issued if r is not None))
