"""HTTP routes of issued credentials: ``GET /api/v1/credentials`` (the caller's),
``GET /api/v1/credentials/{id}`` (the assessor who decided it; 404 for anyone else),
``POST /api/v1/credentials/{id}/revocation`` (admin), and, public,
``GET /api/v1/credentials/status/{list}`` (the revocation status list),
``GET /api/v1/issuer/jwks.json``, ``GET /api/v1/issuer/keys/{thumbprint}`` (one key, what a
``kid`` dereferences to) and ``GET /api/v1/achievements/{credential}/v{version}``.

A signed document (a credential, a status list) is answered as JSON with the VC-JWT and the
readable document, or as the bare compact JWT when ``Accept`` prefers
``application/vc+jwt`` (q-values count; 406 when neither is acceptable), with
``Vary: Accept``.
"""

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from assessor_app.hub.badges.credential import achievement
from assessor_app.hub.badges.issue import BadgeIssuer, credential_document
from assessor_app.hub.badges.revocation import RevocationRefused, revoke, signed_status_list
from assessor_app.hub.badges.signing import ProofFormat
from assessor_app.hub.badges.status_list import LIST_BITS, list_url
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import CredentialRow, Database, User, utcnow
from assessor_app.hub.http_semantics import negotiate
from assessor_app.hub.numbers import parse_number
from assessor_app.hub.problems import Problem
from assessor_app.hub.workflow.api import require_role
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import API_PREFIX
from assessor_app.protocol.workflow import (
    IssuedCredentialList,
    IssuedCredentialOut,
    IssuedCredentialSummary,
    RevocationOut,
    RevocationRequest,
)

VC_JWT_MEDIA_TYPE = "application/vc+jwt"
_CREDENTIAL_FORMS = ("application/json", VC_JWT_MEDIA_TYPE)
"""What ``GET /credentials/{id}`` can send, JSON first (for ``*/*`` and no Accept)."""


class HubLike(Protocol):
    db: Database
    settings: HubSettings


_issuers: dict[tuple[Path, ProofFormat], BadgeIssuer] = {}
_issuers_lock = threading.Lock()


def hub_issuer(hub: HubLike) -> BadgeIssuer:
    """One issuer per data folder and proof format, loaded (and the key made) on first use."""
    where = (hub.settings.data_dir, hub.settings.proof)
    with _issuers_lock:
        issuer = _issuers.get(where)
        if issuer is None:
            issuer = BadgeIssuer.from_environment(*where)
            _issuers[where] = issuer
        return issuer


def _not_found() -> Problem:
    return Problem(404, "Not Found", "No credential with this id was issued on your decision.")


def _chosen_form(request: Request) -> str:
    """The form ``Accept`` prefers, or 406."""
    chosen = negotiate(request.headers.get("accept"), _CREDENTIAL_FORMS)
    if chosen is None:
        raise Problem(
            406,
            "Not Acceptable",
            f"A credential is sent as {' or '.join(_CREDENTIAL_FORMS)}: accept one of them.",
            headers={"Vary": "Accept"},
        )
    return chosen


def badges_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["credentials"])
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]

    @router.get("/credentials", response_model=IssuedCredentialList)
    def my_credentials(user: UserDep, hub: HubDep) -> IssuedCredentialList:
        """Credentials issued on the caller's decisions, newest first."""
        with hub.db.read() as session:
            rows = session.scalars(
                select(IssuedCredential)
                .where(IssuedCredential.user_id == user.id)
                .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
            ).all()
        return IssuedCredentialList(
            items=[
                IssuedCredentialSummary(
                    id=r.id,
                    submission_id=r.submission_id,
                    assignment_id=r.assignment_id,
                    issued_at=r.issued_at,
                )
                for r in rows
            ]
        )

    @router.get(
        "/credentials/{credential_id}",
        response_model=IssuedCredentialOut,
        responses={
            200: {"content": {VC_JWT_MEDIA_TYPE: {}}},
            404: {"description": "Not issued on the caller's decision, or missing"},
            406: {"description": "Accept names neither JSON nor the VC-JWT"},
        },
    )
    def get_credential(
        credential_id: str, request: Request, response: Response, user: UserDep, hub: HubDep
    ) -> Any:
        """The signed OpenBadgeCredential (VC-JWT, RS256 or EdDSA): JSON with the JWT and the
        readable credential, or the bare JWT, whichever ``Accept`` prefers (q-values count)."""
        issuer = hub_issuer(hub)
        profile = issuer.profile()
        with hub.db.read() as session:
            issued = session.get(IssuedCredential, credential_id)
            if issued is None or issued.user_id != user.id:
                raise _not_found()
            document = credential_document(session, issued, profile)
        chosen = _chosen_form(request)
        jwt = issuer.sign_credential(document, profile)
        vary = {"Vary": "Accept"}
        if chosen == VC_JWT_MEDIA_TYPE:
            return Response(jwt, media_type=VC_JWT_MEDIA_TYPE, headers=vary)
        response.headers.update(vary)
        return IssuedCredentialOut(
            id=issued.id, issued_at=issued.issued_at, jwt=jwt, credential=document
        )

    @router.post(
        "/credentials/{credential_id}/revocation",
        response_model=RevocationOut,
        responses={
            403: {"description": "The caller is not an admin"},
            404: {"description": "No credential with this id was issued"},
            409: {"description": "The credential is already revoked"},
        },
    )
    def revoke_credential(
        credential_id: str, body: RevocationRequest, user: UserDep, hub: HubDep
    ) -> RevocationOut:
        """Revoke an issued credential (admin): its bit in the status list is set at once,
        so every verifier checking the list sees it revoked. The reason stays on the hub."""
        require_role(user, "admin")
        profile = hub_issuer(hub).profile()
        try:
            with hub.db.write() as session:
                issued = revoke(session, credential_id, body.reason, utcnow())
                number, position = divmod(issued.status_index, LIST_BITS)
                return RevocationOut(
                    id=issued.id,
                    revoked_at=issued.revoked_at or utcnow(),
                    reason=issued.revocation_reason or "",
                    status_list_credential=list_url(profile, number),
                    status_list_index=position,
                )
        except RevocationRefused as exc:
            raise Problem(exc.status, exc.title, exc.detail) from None

    @router.get(
        "/credentials/status/{number}",
        responses={
            200: {"content": {VC_JWT_MEDIA_TYPE: {}}},
            404: {"description": "No status list with this number"},
            406: {"description": "Accept names neither JSON nor the VC-JWT"},
        },
    )
    def status_list(number: str, request: Request, response: Response, hub: HubDep) -> Any:
        """A revocation list (``BitstringStatusListCredential``, signed like the badges): a
        credential whose ``credentialStatus`` points at bit N of it is revoked when bit N is
        set. Public, as verifiers fetch it."""
        parsed = parse_number(number)
        issuer = hub_issuer(hub)
        with hub.db.read() as session:
            signed = signed_status_list(session, issuer, parsed) if parsed is not None else None
        if signed is None:
            raise Problem(404, "Not Found", "No status list with this number.")
        chosen = _chosen_form(request)
        document, jwt = signed
        vary = {"Vary": "Accept"}
        if chosen == VC_JWT_MEDIA_TYPE:
            return Response(jwt, media_type=VC_JWT_MEDIA_TYPE, headers=vary)
        response.headers.update(vary)
        return {"jwt": jwt, "credential": document}

    @router.get("/issuer/jwks.json")
    def jwks(hub: HubDep) -> dict[str, list[dict[str, str]]]:
        """The issuer's public keys; a credential's ``kid`` names one of them."""
        return hub_issuer(hub).jwks()

    @router.get(
        "/issuer/keys/{thumbprint}",
        responses={404: {"description": "Not one of the issuer's keys"}},
    )
    def issuer_key(thumbprint: str, hub: HubDep) -> dict[str, str]:
        """One public key of the issuer: what a credential's ``kid`` dereferences to."""
        issuer = hub_issuer(hub)
        wanted = issuer.profile().key_id(thumbprint)
        for jwk in issuer.jwks()["keys"]:
            if jwk["kid"] == wanted:
                return jwk
        raise Problem(404, "Not Found", "The issuer has no key with this id.")

    @router.get("/issuer")
    def issuer_profile(hub: HubDep) -> dict[str, Any]:
        """The issuer's Open Badges profile, with its public keys as verification methods."""
        return hub_issuer(hub).profile_document()

    @router.get(
        "/achievements/{credential}/v{version}",
        responses={404: {"description": "No such credential version"}},
    )
    def get_achievement(credential: str, version: str, hub: HubDep) -> Any:
        """What a badge of this credential version certifies: criteria, alignment, levels."""
        number = parse_number(version)
        with hub.db.read() as session:
            row = session.get(CredentialRow, (credential, number)) if number is not None else None
        if row is None:
            raise Problem(404, "Not Found", "No credential version with this id.")
        domain = CredentialSchema.model_validate(row.document).to_domain()
        return achievement(hub_issuer(hub).profile(), domain)

    return router
