"""HTTP routes of pathways, for admins (403 for anyone else): ``GET /api/v1/pathways``,
``GET /api/v1/pathways/{id}`` with each educator's progress (``?educator=`` for one) and
``GET /api/v1/pathways/{id}/credentials/{credential id}``, a signed programme credential.
``GET /api/v1/pathways/{id}/achievement`` is public, like the component achievements.

``pathways_router(user_dependency, hub_dependency)`` builds the router around the app's
own authentication and hub dependencies, so this package never imports the app module.
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends
from sqlalchemy import select

from assessor_app.hub.badges.api import hub_issuer
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import Database, User
from assessor_app.hub.pathways.award import snapshot
from assessor_app.hub.pathways.credential import programme_achievement, programme_document
from assessor_app.hub.pathways.models import Pathway, ProgrammeCredential
from assessor_app.hub.pathways.progress import EducatorProgress, pathway_progress
from assessor_app.hub.problems import Problem
from assessor_app.hub.workflow.api import require_role
from assessor_app.protocol.pathways import (
    EducatorProgressOut,
    PathwayDetail,
    PathwayList,
    PathwaySummary,
)
from assessor_app.protocol.v1 import API_PREFIX
from assessor_app.protocol.workflow import IssuedCredentialOut

_NO_PATHWAY = "No pathway has this id."


class HubLike(Protocol):
    db: Database
    settings: HubSettings


def _summary(pathway: Pathway, progress: list[EducatorProgress]) -> dict[str, Any]:
    return {
        "id": pathway.id,
        "name": pathway.name,
        "description": pathway.description,
        "criteria": pathway.criteria,
        "components": list(pathway.components),
        "required": pathway.required,
        "updated_at": pathway.updated_at,
        "educators": len(progress),
        "issued": sum(p.programme_credential_id is not None for p in progress),
    }


def _progress_out(row: EducatorProgress) -> EducatorProgressOut:
    return EducatorProgressOut(
        educator_pseudonym=row.educator_pseudonym,
        passed=[p.credential_id for p in row.passed],
        missing=list(row.missing),
        complete=row.complete,
        programme_credential_id=row.programme_credential_id,
    )


def pathways_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["pathways"])
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]
    admin_only: dict[int | str, dict[str, Any]] = {
        403: {"description": "The caller is not an admin"}
    }

    @router.get("/pathways", response_model=PathwayList, responses=admin_only)
    def list_pathways(user: UserDep, hub: HubDep) -> PathwayList:
        """Every pathway, in id order, with how many educators started and completed it."""
        require_role(user, "admin")
        with hub.db.read() as session:
            pathways = session.scalars(select(Pathway).order_by(Pathway.id)).all()
            return PathwayList(
                items=[
                    PathwaySummary(**_summary(p, pathway_progress(session, p))) for p in pathways
                ]
            )

    @router.get(
        "/pathways/{pathway_id}",
        response_model=PathwayDetail,
        responses={**admin_only, 404: {"description": "No pathway has this id"}},
    )
    def get_pathway(
        pathway_id: str, user: UserDep, hub: HubDep, educator: str | None = None
    ) -> PathwayDetail:
        """One pathway and each educator's progress on it (or only ``educator``'s)."""
        require_role(user, "admin")
        with hub.db.read() as session:
            pathway = session.get(Pathway, pathway_id)
            if pathway is None:
                raise Problem(404, "Not Found", _NO_PATHWAY)
            progress = pathway_progress(session, pathway, educator)
            return PathwayDetail(
                **_summary(pathway, progress), progress=[_progress_out(p) for p in progress]
            )

    @router.get(
        "/pathways/{pathway_id}/credentials/{credential_id}",
        response_model=IssuedCredentialOut,
        responses={**admin_only, 404: {"description": "No such programme credential"}},
    )
    def get_programme_credential(
        pathway_id: str, credential_id: str, user: UserDep, hub: HubDep
    ) -> IssuedCredentialOut:
        """A programme credential of this pathway: the signed VC-JWT and the readable
        OpenBadgeCredential, as ``GET /credentials/{id}`` serves a component badge."""
        require_role(user, "admin")
        issuer = hub_issuer(hub)
        profile = issuer.profile()
        with hub.db.read() as session:
            row = session.get(ProgrammeCredential, credential_id.removeprefix("urn:uuid:"))
            if row is None or row.pathway_id != pathway_id:
                raise Problem(
                    404, "Not Found", "No programme credential of this pathway has this id."
                )
            document = programme_document(session, row, profile)
        jwt = issuer.sign_credential(document, profile)
        return IssuedCredentialOut(id=row.id, issued_at=row.issued_at, jwt=jwt, credential=document)

    @router.get(
        "/pathways/{pathway_id}/achievement",
        responses={404: {"description": "No pathway has this id"}},
    )
    def get_achievement(pathway_id: str, hub: HubDep) -> dict[str, Any]:
        """What the pathway's programme credential certifies, and the components it needs."""
        with hub.db.read() as session:
            pathway = session.get(Pathway, pathway_id)
            if pathway is None:
                raise Problem(404, "Not Found", _NO_PATHWAY)
            return programme_achievement(
                session, hub_issuer(hub).profile(), pathway.id, snapshot(pathway)
            )

    return router
