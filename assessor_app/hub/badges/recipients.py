"""The recipient a credential names: ``credentialSubject.id`` (the VC-JWT's ``sub``) and the
identities the programme chose to add.

One recipient per educator on this hub, fixed once recorded, so every credential of an
educator names the same one. By default a pseudonymous ``urn:uuid:`` made on the first
Pass: it says nothing about the educator, not even the programme's pseudonym. A programme
may instead give, at import, a DID or other URI and a hashed e-mail address.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assessor_app.hub.submission_file import RecipientEntry
from assessor_app.hub.workflow.models import CredentialRecipient


class RecipientConflict(ValueError):
    """An import names another recipient than the one the educator's credentials name."""


def record_recipient(
    session: Session, pseudonym: str, entry: RecipientEntry, now: datetime
) -> None:
    """Record the recipient a submission file gives; the same one again is fine."""
    stored = session.get(CredentialRecipient, pseudonym)
    if stored is None:
        session.add(
            CredentialRecipient(
                educator_pseudonym=pseudonym,
                subject_id=entry.id or f"urn:uuid:{uuid.uuid4()}",
                email_hash=entry.email_hash,
                email_salt=entry.salt,
                recorded_at=now,
            )
        )
        return
    wanted = (entry.id or stored.subject_id, entry.email_hash, entry.salt)
    if wanted != (stored.subject_id, stored.email_hash, stored.email_salt):
        raise RecipientConflict(
            f"educator {pseudonym!r} already has a recipient ({stored.subject_id}"
            f"{', with a hashed e-mail' if stored.email_hash else ''}): their credentials "
            "must keep naming it, so an import cannot change it. Leave recipient out, or "
            "give the recorded one."
        )


def ensure_recipient(session: Session, pseudonym: str, now: datetime) -> CredentialRecipient:
    """The educator's recipient, a new ``urn:uuid:`` when none is recorded yet."""
    stored = session.get(CredentialRecipient, pseudonym)
    if stored is None:
        stored = CredentialRecipient(
            educator_pseudonym=pseudonym,
            subject_id=f"urn:uuid:{uuid.uuid4()}",
            recorded_at=now,
        )
        session.add(stored)
    return stored


def subject_identity(recipient: CredentialRecipient) -> dict[str, Any]:
    """The members of ``credentialSubject`` that say who it is."""
    identity: dict[str, Any] = {"id": recipient.subject_id}
    if recipient.email_hash:
        email: dict[str, Any] = {
            "type": "IdentityObject",
            "identityHash": recipient.email_hash,
            "identityType": "emailAddress",
            "hashed": True,
        }
        if recipient.email_salt:
            email["salt"] = recipient.email_salt
        identity["identifier"] = [email]
    return identity
