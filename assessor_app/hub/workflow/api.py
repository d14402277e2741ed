"""HTTP routes of the workflow: ``/api/v1/reviews`` (reviewer role), ``/api/v1/coaching``
(admin role) and ``/api/v1/submissions/{id}/report.pdf`` (the deciding assessor or an admin).

``workflow_router(user_dependency, hub_dependency)`` builds the router around the app's own
authentication and hub dependencies, so this package never imports the app module.
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Response

from assessor_app.hub.badges.issuer_url import pin_issuer_url
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import Database, User, utcnow
from assessor_app.hub.problems import Problem
from assessor_app.hub.workflow import review
from assessor_app.hub.workflow.report import ReportUnavailable, feedback_report_pdf
from assessor_app.protocol.v1 import API_PREFIX
from assessor_app.protocol.workflow import CoachingList, ReviewAction, ReviewList, ReviewOutcome


class HubLike(Protocol):
    db: Database
    settings: HubSettings


def require_role(user: User, role: str) -> None:
    if role not in user.roles:
        raise Problem(403, "Forbidden", f"This needs the {role} role.")


def workflow_router(
    user_dependency: Callable[..., User], hub_dependency: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    UserDep = Annotated[User, Depends(user_dependency)]
    HubDep = Annotated[HubLike, Depends(hub_dependency)]
    reviewer_only: dict[int | str, dict[str, Any]] = {
        403: {"description": "The caller is not a reviewer"}
    }

    @router.get("/reviews", response_model=ReviewList, tags=["reviews"], responses=reviewer_only)
    def list_reviews(user: UserDep, hub: HubDep) -> ReviewList:
        """Decisions waiting for second-level review, oldest first."""
        require_role(user, "reviewer")
        with hub.db.read() as session:
            return ReviewList(items=review.pending_reviews(session))

    def act(assignment_id: str, body: ReviewAction, user: User, hub: HubLike, ok: bool) -> Any:
        require_role(user, "reviewer")
        operation = review.approve if ok else review.return_to_assessor
        try:
            with hub.db.write() as session:
                return operation(session, assignment_id, user, body.comment, utcnow())
        except review.ReviewRefused as exc:
            raise Problem(exc.status, exc.title, exc.detail) from None

    responses: dict[int | str, dict[str, Any]] = {
        **reviewer_only,
        404: {"description": "No decision under review has this id"},
        409: {"description": "The decision is not waiting for review"},
    }

    @router.post(
        "/reviews/{assignment_id}/approve",
        response_model=ReviewOutcome,
        tags=["reviews"],
        responses=responses,
    )
    def approve(
        assignment_id: str, user: UserDep, hub: HubDep, body: ReviewAction | None = None
    ) -> ReviewOutcome:
        """Make the decision final (a Pass issues its Open Badges credential)."""
        outcome: ReviewOutcome = act(assignment_id, body or ReviewAction(), user, hub, True)
        return outcome

    @router.post(
        "/reviews/{assignment_id}/return",
        response_model=ReviewOutcome,
        tags=["reviews"],
        responses={**responses, 422: {"description": "The comment is empty"}},
    )
    def return_decision(
        assignment_id: str, body: ReviewAction, user: UserDep, hub: HubDep
    ) -> ReviewOutcome:
        """Send the decision back to its assessor with a comment; the assignment reopens as
        ``returned_for_revision`` in their next ``/assignments`` delta."""
        outcome: ReviewOutcome = act(assignment_id, body, user, hub, False)
        return outcome

    @router.get(
        "/coaching",
        response_model=CoachingList,
        tags=["reviews"],
        responses={403: {"description": "The caller is not an admin"}},
    )
    def coaching(user: UserDep, hub: HubDep, all: bool = False) -> CoachingList:
        """Educators flagged for coaching (``all=true``: every Not Yet count)."""
        require_role(user, "admin")
        with hub.db.read() as session:
            return CoachingList(items=review.coaching_flags(session, flagged_only=not all))

    @router.get(
        "/submissions/{submission_id}/report.pdf",
        tags=["submissions"],
        response_class=Response,
        responses={
            200: {"content": {"application/pdf": {}}, "description": "The feedback report"},
            404: {"description": "Not decided by the caller, or missing"},
            409: {"description": "The decision is waiting for review"},
        },
    )
    def report(submission_id: str, user: UserDep, hub: HubDep) -> Response:
        """The educator feedback report of a decided submission."""
        try:
            with hub.db.read() as session:
                pdf = feedback_report_pdf(
                    session, submission_id, user, pin_issuer_url(hub.settings.data_dir)
                )
        except ReportUnavailable as exc:
            title = "Not Found" if exc.status == 404 else "Not final yet"
            raise Problem(exc.status, title, exc.detail) from None
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="feedback-{submission_id}.pdf"',
                "Cache-Control": "private, no-store",
            },
        )

    return router
