"""Revoking issued credentials, and the state of the revocation lists the hub publishes.

A revocation sets the credential's bit in its status list (``badges.status_list``); badges
and programme credentials draw their bits from one counter and share the lists. It cannot
be undone here, and the reason stays on the hub (the list carries only the bit).
``assessor-hub revoke-credential`` and ``POST /api/v1/credentials/{id}/revocation`` (admin)
both call ``revoke``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assessor_app.hub.badges.issue import BadgeIssuer
from assessor_app.hub.badges.status_check import StatusSource, StatusUnavailable
from assessor_app.hub.badges.status_list import LIST_BITS, list_url, status_list_credential
from assessor_app.hub.db import Database
from assessor_app.hub.numbers import parse_number
from assessor_app.hub.pathways.models import ProgrammeCredential
from assessor_app.hub.workflow.models import IssuedCredential

MAX_REASON = 2000


class RevocationRefused(LookupError):
    """``status`` 404 (no such credential), 409 (already revoked) or 422 (no reason);
    ``detail`` says what to do."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def revoke(
    session: Session, credential_id: str, reason: str, now: datetime
) -> IssuedCredential | ProgrammeCredential:
    """Revoke the issued credential ``credential_id`` (its uuid, or ``urn:uuid:`` id): a
    badge or a programme credential."""
    reason = reason.strip()
    if not reason:
        raise RevocationRefused(422, "Reason needed", "Say why the credential is revoked.")
    if len(reason) > MAX_REASON:
        raise RevocationRefused(
            422,
            "Reason too long",
            f"The reason has {len(reason)} characters, {MAX_REASON} at most.",
        )
    key = credential_id.removeprefix("urn:uuid:")
    issued: IssuedCredential | ProgrammeCredential | None = session.get(
        IssuedCredential, key, with_for_update=True
    ) or session.get(ProgrammeCredential, key, with_for_update=True)
    if issued is None:
        raise RevocationRefused(404, "Not Found", f"No credential {key!r} was issued by this hub.")
    if issued.revoked_at is not None:
        raise RevocationRefused(
            409,
            "Already revoked",
            f"Credential {key} was already revoked on {issued.revoked_at:%Y-%m-%d %H:%M} UTC; "
            "nothing changed.",
        )
    issued.revoked_at = now
    issued.revocation_reason = reason
    return issued


@dataclass(frozen=True)
class ListState:
    """What list ``number`` says: the revoked positions, and since when it says so."""

    number: int
    revoked_positions: list[int]
    changed_at: datetime


def list_state(session: Session, number: int) -> ListState | None:
    """The state of status list ``number``; None when no credential has a bit in it."""
    first, last = number * LIST_BITS, (number + 1) * LIST_BITS
    issued: list[datetime] = []
    revoked: list[tuple[int, datetime | None]] = []
    for table in (IssuedCredential, ProgrammeCredential):
        in_list = (table.status_index >= first) & (table.status_index < last)
        since = session.scalar(select(func.min(table.issued_at)).where(in_list))
        issued += [since] if since is not None else []
        revoked += [
            (index, at)
            for index, at in session.execute(
                select(table.status_index, table.revoked_at).where(
                    in_list, table.revoked_at.is_not(None)
                )
            )
        ]
    if not issued:
        return None
    issued_since = min(issued)
    # The list changes only when a credential in it is revoked: dating it by the last change
    # keeps the signed list the same between changes.
    changed = max([issued_since, *(at for _, at in revoked if at is not None)])
    return ListState(number, sorted(index - first for index, _ in revoked), changed)


def signed_status_list(
    session: Session, issuer: BadgeIssuer, number: int
) -> tuple[dict[str, Any], str] | None:
    """Status list ``number`` and its VC-JWT, as the hub publishes it; None when it has no
    credential in it."""
    state = list_state(session, number)
    if state is None:
        return None
    profile = issuer.profile()
    document = status_list_credential(
        profile, state.number, state.revoked_positions, state.changed_at
    )
    return document, issuer.sign(document, profile)


def database_source(
    db: Database, issuer: BadgeIssuer, fallback: StatusSource | None = None
) -> StatusSource:
    """Read this hub's own lists straight from its database (what it would serve at their
    URLs). A list it does not hold, or a database that cannot answer, goes to ``fallback``
    (when given) or is not available."""
    prefix = list_url(issuer.profile(), 0).removesuffix("0")

    def read(url: str) -> str:
        number = parse_number(url.removeprefix(prefix)) if url.startswith(prefix) else None
        try:
            with db.read() as session:
                signed = signed_status_list(session, issuer, number) if number is not None else None
        except SQLAlchemyError as exc:
            if fallback is not None:
                return fallback(url)
            raise StatusUnavailable(
                f"the hub's database cannot answer ({exc.__class__.__name__})"
            ) from None
        if signed is not None:
            return signed[1]
        if fallback is not None:
            return fallback(url)
        raise StatusUnavailable(f"{url} is not a status list of this hub")

    return read
