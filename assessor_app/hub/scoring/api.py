"""HTTP routes of scoring operations for the assessor's client:
``GET /api/v1/assignments/{id}/reads`` (an adjudication's two reads, a backread's decided
read) and ``POST /api/v1/assignments/{id}/decline``.

``scoring_router(user_dependency, hub_dependency)`` builds the router around the app's own
authentication and hub dependencies, so this package never imports the app module.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.hub.db import AssignmentRow, User, utcnow
from assessor_app.hub.problems import Problem, required_idempotency_key
from assessor_app.hub.scoring.adjudication import adjudication_reads
from assessor_app.hub.scoring.backread import decided_read
from assessor_app.hub.scoring.decline import DeclineRefused, decline
from assessor_app.hub.workflow.api import HubLike
from assessor_app.protocol.scoring import DeclineRequest, ReadsOut
from assessor_app.protocol.v1 import (
    API_PREFIX,
    AssignmentStatus,
)


def _not_found() -> Problem:
    return Problem(404, "Not Found", "Nothing here: check the id and that it is assigned to you.")


def scoring_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]

    @router.get(
        "/assignments/{assignment_id}/reads",
        response_model=ReadsOut,
        tags=["assignments"],
        responses={404: {"description": "Not the caller's adjudication or backread"}},
    )
    def reads(assignment_id: str, user: UserDep, hub: HubDep) -> ReadsOut:
        """For the caller's adjudication, its two reads ("Read A", "Read B"); for a
        backread, the decided read. Readers are never named."""
        with hub.db.read() as session:
            assignment = session.get(AssignmentRow, assignment_id)
            if (
                assignment is None
                or assignment.user_id != user.id
                or assignment.status == AssignmentStatus.REVOKED
            ):
                raise _not_found()
            if assignment.kind == AssignmentKind.ADJUDICATION.value:
                return adjudication_reads(session, assignment)
            if assignment.kind == AssignmentKind.BACKREAD.value:
                return decided_read(session, assignment.id) or ReadsOut(reads=[])
        raise _not_found()

    @router.post(
        "/assignments/{assignment_id}/decline",
        status_code=204,
        tags=["assignments"],
        responses={
            400: {"description": "Idempotency-Key missing or malformed"},
            404: {"description": "Not the caller's assignment"},
            409: {"description": "Decided, returned or calibration work: not declinable"},
        },
    )
    def decline_assignment(
        assignment_id: str,
        body: DeclineRequest,
        user: UserDep,
        hub: HubDep,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> Response:
        """The caller will not score this (``conflict_of_interest`` or ``cannot_score``):
        it leaves their queue (listed as revoked at the next sync) and goes back to the
        pool, never to them again."""
        key = required_idempotency_key(idempotency_key)
        try:
            with hub.db.write() as session:
                decline(session, assignment_id, user.id, body, key, utcnow())
        except DeclineRefused as exc:
            raise Problem(exc.status, exc.title, exc.detail) from None
        return Response(status_code=204)

    return router
