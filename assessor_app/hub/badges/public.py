"""The public badge page and its downloads, for sharing a credential with anyone:

    GET /badges/{id}                    the page (HTML), verified as it is served
    GET /badges/{id}/credential.json    the JSON the deciding assessor gets from the API
    GET /badges/{id}/credential.jwt     the bare VC-JWT
    GET /badges/badge.css               the page's only stylesheet

Badges and programme credentials alike. ``id`` is the credential's uuid (the part of its
``id`` after ``urn:uuid:``); knowing it is what makes a badge visible, as with a shared
link. The page is verified with the same
pipeline as ``assessor-hub verify`` (signature, issuer, claims, schema, linkage, and the
status list read from this hub's database), never a copy of it.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response

from assessor_app.hub.badges.api import VC_JWT_MEDIA_TYPE, HubLike, hub_issuer
from assessor_app.hub.badges.issue import credential_document
from assessor_app.hub.badges.page import (
    CONTENT_SECURITY_POLICY,
    STYLESHEET,
    STYLESHEET_NAME,
    Check,
    render_badge_page,
)
from assessor_app.hub.badges.revocation import database_source
from assessor_app.hub.badges.verify import (
    STEPS,
    check_issuer,
    check_signature,
    check_status,
    verify_text,
)
from assessor_app.hub.pathways.credential import programme_document
from assessor_app.hub.pathways.models import ProgrammeCredential
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.workflow import IssuedCredentialOut

BADGES_PREFIX = "/badges"
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # The page says whether the credential verifies now: a cached copy would not.
    "Cache-Control": "no-cache",
}
_LABELS = {check_signature: "Signature", check_issuer: "Issuer", check_status: "Revocation"}

NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>No such badge</title>
<link rel="stylesheet" href="badge.css"></head>
<body><main><h1>No such badge</h1><p>This hub issued no credential with this id.
Check the link you were given.</p></main></body></html>
"""


def _signed(
    hub: HubLike, credential_id: str
) -> tuple[IssuedCredential | ProgrammeCredential, dict[str, Any], str]:
    """The credential (a badge or a programme credential), its document and its VC-JWT."""
    issuer = hub_issuer(hub)
    profile = issuer.profile()
    with hub.db.read() as session:
        issued: IssuedCredential | ProgrammeCredential | None
        issued = session.get(IssuedCredential, credential_id)
        if issued is not None:
            document = credential_document(session, issued, profile)
        else:
            issued = session.get(ProgrammeCredential, credential_id)
            if issued is None:
                raise LookupError(credential_id)
            document = programme_document(session, issued, profile)
    return issued, document, issuer.sign_credential(document, profile)


def _checks(found: dict[Any, list[str]]) -> list[Check]:
    """One line per step the page names; the claims, schema and linkage as "Credential"."""
    checks = [Check(label, tuple(found.get(step, []))) for step, label in _LABELS.items()]
    rest = [p for step in STEPS if step not in _LABELS for p in found.get(step, [])]
    checks.insert(2, Check("Credential", tuple(rest)))
    return checks


def _missing() -> HTMLResponse:
    return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=PAGE_HEADERS)


def public_badge_router(hub_dependency: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix=BADGES_PREFIX, include_in_schema=False)
    HubDep = Annotated[HubLike, Depends(hub_dependency)]

    @router.get(f"/{STYLESHEET_NAME}")
    def stylesheet() -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @router.get("/{credential_id}")
    def badge_page(credential_id: str, hub: HubDep) -> Response:
        try:
            _, document, jwt = _signed(hub, credential_id)
        except LookupError:
            return _missing()
        issuer = hub_issuer(hub)
        verdict = verify_text(
            jwt,
            issuer.jwks()["keys"],
            issuer.base_url,
            status_source=database_source(hub.db, issuer),
        )
        downloads = {
            "Credential (JSON)": f"{credential_id}/credential.json",
            "Credential (VC-JWT)": f"{credential_id}/credential.jwt",
        }
        page = render_badge_page(
            verdict.credential or document, _checks(verdict.found), verdict.revoked, downloads
        )
        return HTMLResponse(page, headers=PAGE_HEADERS)

    def attachment(name: str) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="{name}"'}

    @router.get("/{credential_id}/credential.json")
    def credential_json(credential_id: str, hub: HubDep) -> Response:
        try:
            issued, document, jwt = _signed(hub, credential_id)
        except LookupError:
            return _missing()
        body = IssuedCredentialOut(
            id=issued.id, issued_at=issued.issued_at, jwt=jwt, credential=document
        )
        return JSONResponse(
            body.model_dump(mode="json"), headers=attachment(f"credential-{issued.id}.json")
        )

    @router.get("/{credential_id}/credential.jwt")
    def credential_jwt(credential_id: str, hub: HubDep) -> Response:
        try:
            issued, _, jwt = _signed(hub, credential_id)
        except LookupError:
            return _missing()
        return Response(
            jwt, media_type=VC_JWT_MEDIA_TYPE, headers=attachment(f"credential-{issued.id}.jwt")
        )

    return router
