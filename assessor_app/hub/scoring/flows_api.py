"""HTTP routes of backreading and the reliability report: ``PUT
/api/v1/assignments/{id}/backread`` (the backread's assessor), ``GET /api/v1/backreading``
(findings on the caller's own sheets) and ``GET /api/v1/reliability`` (admin role).

``flows_router(user_dependency, hub_dependency)`` builds the router around the app's own
authentication and hub dependencies, so this package never imports the app module.
"""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from assessor_app.hub.db import User
from assessor_app.hub.problems import Problem, upload_conditions
from assessor_app.hub.scoring.backread import BackreadRefused, findings_for, record_verdict
from assessor_app.hub.scoring.reliability import reliability_report
from assessor_app.hub.workflow.api import HubLike, require_role
from assessor_app.protocol.reliability import ReliabilityReport
from assessor_app.protocol.scoring import BackreadFindings, BackreadReceipt, BackreadVerdict
from assessor_app.protocol.v1 import API_PREFIX, version_tag


def flows_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]

    @router.put(
        "/assignments/{assignment_id}/backread",
        response_model=BackreadReceipt,
        tags=["scoring"],
        responses={
            400: {"description": "Idempotency-Key missing or malformed, or If-Match malformed"},
            404: {"description": "No backread assignment of the caller has this id"},
            409: {"description": "Already recorded, or a final decision cannot be sent back"},
            410: {"description": "Assignment revoked"},
            412: {"description": "If-Match does not name the current version"},
            422: {"description": "A criterion is missing, unknown or lacks its level"},
            428: {"description": "If-Match missing"},
        },
    )
    def put_backread(
        assignment_id: str,
        verdict: BackreadVerdict,
        response: Response,
        user: UserDep,
        hub: HubDep,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
        if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    ) -> BackreadReceipt:
        """Record agree or disagree per criterion on the decided sheet this backread reads;
        ``send_back`` also returns a decision still waiting for review to its assessor."""
        key, condition = upload_conditions(idempotency_key, if_match)
        try:
            with hub.db.write() as session:
                outcome = record_verdict(session, assignment_id, user, verdict, key, condition)
        except BackreadRefused as exc:
            raise Problem(
                exc.status, exc.title, exc.detail, errors=exc.errors, **(exc.extra or {})
            ) from None
        response.headers["ETag"] = version_tag(outcome.receipt.version)
        return outcome.receipt

    @router.get("/backreading", response_model=BackreadFindings, tags=["scoring"])
    def backreading(user: UserDep, hub: HubDep) -> BackreadFindings:
        """Where a backreader disagreed with one of the caller's own sheets, newest first."""
        with hub.db.read() as session:
            return BackreadFindings(findings=findings_for(session, user.id))

    @router.get(
        "/reliability",
        response_model=ReliabilityReport,
        tags=["scoring"],
        responses={
            403: {"description": "The caller is not an admin"},
            404: {"description": "No such credential"},
        },
    )
    def reliability(
        user: UserDep,
        hub: HubDep,
        credential: Annotated[list[str] | None, Query()] = None,
        since: date | None = None,
    ) -> ReliabilityReport:
        """Second-read agreement, kappa, adjudication, validity and backreading figures per
        credential and assessor, with their weekly course."""
        require_role(user, "admin")
        try:
            with hub.db.read() as session:
                return reliability_report(session, credential, since)
        except LookupError as exc:
            raise Problem(404, "Not Found", str(exc)) from None

    return router
