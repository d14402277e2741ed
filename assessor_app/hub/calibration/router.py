"""HTTP routes of calibration: ``/api/v1/calibration/...`` and ``/api/v1/assignments/{id}/key``.

``calibration_router(user_dependency, hub_dependency)`` builds the router around the
app's own authentication and hub dependencies, so this package never imports the app
module (which includes this router).

Access: creating a session needs the ``facilitator`` role (403 otherwise). A session is
visible to its facilitator and participants only (404 for anyone else, the same as for a
missing session); reveal, consensus and close are the facilitator's (403 for a
participant).
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Response

from assessor_app.hub.calibration import qualification, service
from assessor_app.hub.db import Database, User
from assessor_app.hub.numbers import AsciiWhole
from assessor_app.hub.problems import Problem
from assessor_app.protocol.calibration import (
    AssignmentKey,
    ConsensusUpdate,
    QualificationList,
    SessionCreate,
    SessionDetail,
    SessionList,
    SessionResults,
)
from assessor_app.protocol.v1 import API_PREFIX

DEFAULT_PAGE = 50
MAX_PAGE = 200


class HubLike(Protocol):
    db: Database


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such session, or you take no part in it"}
}
_FACILITATOR: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only the facilitator may do this"},
    **_NOT_FOUND,
}


def calibration_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    """The calibration routes, authenticated by ``user_dependency``."""
    router = APIRouter(prefix=API_PREFIX, tags=["calibration"])
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]

    @router.post(
        "/calibration/sessions",
        response_model=SessionDetail,
        status_code=201,
        responses={403: {"description": "The caller is not a facilitator"}},
    )
    def create_session(
        body: SessionCreate, response: Response, user: UserDep, hub: HubDep
    ) -> SessionDetail:
        """Open a session: every participant gets a ``calibration`` assignment for every
        submission, delivered by the ordinary ``/assignments`` delta."""
        if service.FACILITATOR_ROLE not in user.roles:
            raise Problem(
                403, "Forbidden", "Only accounts with the facilitator role can open sessions."
            )
        with hub.db.write() as session:
            session_id = service.create_session(session, user, body)
            row = service.load_session(session, str(session_id), user)
            out = service.detail(session, row, user)
        response.headers["Location"] = f"{API_PREFIX}/calibration/sessions/{out.id}"
        return out

    @router.get("/calibration/sessions", response_model=SessionList)
    def list_sessions(
        user: UserDep,
        hub: HubDep,
        cursor: Annotated[str | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE), AsciiWhole] = DEFAULT_PAGE,
    ) -> SessionList:
        """Sessions the caller facilitates or takes part in, newest first."""
        with hub.db.read() as session:
            return service.list_sessions(session, user, cursor, limit)

    @router.get(
        "/calibration/sessions/{session_id}", response_model=SessionDetail, responses=_NOT_FOUND
    )
    def get_session(session_id: str, user: UserDep, hub: HubDep) -> SessionDetail:
        """State, items (with the caller's own assignment ids) and who has submitted."""
        with hub.db.read() as session:
            row = service.load_session(session, session_id, user)
            return service.detail(session, row, user)

    @router.post(
        "/calibration/sessions/{session_id}/reveal",
        response_model=SessionDetail,
        responses={**_FACILITATOR, 409: {"description": "The session is closed"}},
    )
    def reveal(session_id: str, user: UserDep, hub: HubDep) -> SessionDetail:
        """Show the results to everyone; undecided session assignments are withdrawn."""
        with hub.db.write() as session:
            row = service.load_session(session, session_id, user)
            service.reveal(session, row, user)
            return service.detail(session, row, user)

    @router.post(
        "/calibration/sessions/{session_id}/close",
        response_model=SessionDetail,
        responses={**_FACILITATOR, 409: {"description": "Not revealed yet"}},
    )
    def close(session_id: str, user: UserDep, hub: HubDep) -> SessionDetail:
        """Make results and consensus final."""
        with hub.db.write() as session:
            row = service.load_session(session, session_id, user)
            service.close(session, row, user)
            return service.detail(session, row, user)

    @router.get(
        "/calibration/sessions/{session_id}/results",
        response_model=SessionResults,
        responses={**_NOT_FOUND, 409: {"description": "Not revealed and not all submitted"}},
    )
    def results(session_id: str, user: UserDep, hub: HubDep) -> SessionResults:
        """The levels matrix, agreement statistics and consensus, once no longer blind."""
        with hub.db.read() as session:
            row = service.load_session(session, session_id, user)
            return service.results(session, row)

    @router.put(
        "/calibration/sessions/{session_id}/consensus",
        response_model=SessionResults,
        responses={
            **_FACILITATOR,
            409: {"description": "Not revealed yet, or closed"},
            422: {"description": "A level, criterion or item is not the session's"},
        },
    )
    def put_consensus(
        session_id: str, body: ConsensusUpdate, user: UserDep, hub: HubDep
    ) -> SessionResults:
        """Replace the consensus levels and notes."""
        with hub.db.write() as session:
            row = service.load_session(session, session_id, user)
            service.put_consensus(session, row, user, body)
            session.flush()
            return service.results(session, row)

    @router.get("/calibration/qualification", response_model=QualificationList, tags=["account"])
    def my_qualification(user: UserDep, hub: HubDep) -> QualificationList:
        """The caller's qualification per credential, and the overall ``/me`` status."""
        with hub.db.read() as session:
            items = qualification.credential_qualifications(session, user.id)
            status = qualification.overall_status(session, user.id, items)
        return QualificationList(status=status, items=items)

    @router.get(
        "/assignments/{assignment_id}/key",
        response_model=AssignmentKey,
        tags=["assignments"],
        responses={
            404: {"description": "Not your assignment, or it has no key"},
            409: {"description": "Your decision for it has not reached the hub"},
        },
    )
    def assignment_key(assignment_id: str, user: UserDep, hub: HubDep) -> AssignmentKey:
        """Master levels and rationales, and your agreement with them, criterion by
        criterion."""
        with hub.db.read() as session:
            return service.key(session, assignment_id, user)

    return router
