"""The hub's FastAPI application: wire protocol v1 under ``/api/v1``.

Every request reads what it needs from the database; the process keeps no session state,
so any number of hub processes can serve one database behind a load balancer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assessor_app.hub.badges.api import badges_router
from assessor_app.hub.badges.public import public_badge_router
from assessor_app.hub.calibration.qualification import overall_status
from assessor_app.hub.calibration.router import calibration_router
from assessor_app.hub.calibration.service import facilitates_submission
from assessor_app.hub.config import HubSettings, ServeArtifacts, secure_data_dir
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    Database,
    SubmissionRow,
    Token,
    User,
    utcnow,
)
from assessor_app.hub.decisions import (
    assignment_item,
    credential_schema,
    record_decision,
    replayed_upload,
)
from assessor_app.hub.guards import BodyLimit, IncidentGuard, NulRefusal
from assessor_app.hub.headers import SecurityHeaders, install_docs
from assessor_app.hub.http_semantics import (
    BEARER_CHALLENGE,
    INVALID_TOKEN_CHALLENGE,
    EntityTag,
    MalformedHeader,
    if_none_match_holds,
    parse_tag_condition,
    servable_media_type,
)
from assessor_app.hub.migrate import upgrade_database
from assessor_app.hub.numbers import AsciiWhole, parse_number, parse_size
from assessor_app.hub.openapi_doc import install_openapi
from assessor_app.hub.operations import HubMetrics, operations_router
from assessor_app.hub.pathways.api import pathways_router
from assessor_app.hub.problems import (
    Problem,
    install_problem_handlers,
    problem_response,
    upload_conditions,
)
from assessor_app.hub.request_log import RequestContext
from assessor_app.hub.scoring.api import scoring_router
from assessor_app.hub.scoring.flows_api import flows_router
from assessor_app.hub.scoring.validity import recalibration_notices
from assessor_app.hub.security import (
    DUMMY_HASH,
    new_token,
    token_digest,
    verify_password,
)
from assessor_app.hub.signin_throttle import SigninKeys, begin_attempt, seconds_to_wait
from assessor_app.hub.signin_throttle import clear as clear_failures
from assessor_app.hub.signin_throttle import withdraw as withdraw_attempt
from assessor_app.hub.storage import ArtifactStorage, BlobNotFound, open_storage
from assessor_app.hub.workflow.api import workflow_router
from assessor_app.protocol.v1 import (
    API_PREFIX,
    ArtifactOut,
    AssignmentDelta,
    AssignmentStatus,
    DecisionReceipt,
    DecisionUpload,
    Me,
    PreviousAttemptOut,
    SubmissionOut,
    TokenRequest,
    TokenResponse,
    version_tag,
)

DEFAULT_PAGE = 100
MAX_PAGE = 500

_bearer = HTTPBearer(auto_error=False, description="The access_token from /auth/token")


def _not_found() -> Problem:
    """The one answer for both missing and not-yours, so neither can be told apart."""
    return Problem(404, "Not Found", "Nothing here: check the id and that it is assigned to you.")


class Hub:
    """What every request needs: database, storage and settings."""

    def __init__(self, settings: HubSettings, storage: ArtifactStorage | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.db_url, pool_size=settings.threads)
        self.storage = storage or open_storage(settings)
        # Where artifact GETs redirect to: the object storage's origin, unless the hub
        # is told to stream the bytes itself (``--serve-artifacts proxy``).
        self.artifact_origin = (
            self.storage.origin() if settings.serve_artifacts == ServeArtifacts.REDIRECT else None
        )


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(_hub)]


def current_user(
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    challenge = {"WWW-Authenticate": BEARER_CHALLENGE}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(
            401, "Unauthorized", "Sign in: send Authorization: Bearer <token>.", headers=challenge
        )
    with hub.db.read() as session:
        row = session.execute(
            select(Token, User)
            .join(User, User.id == Token.user_id)
            .where(Token.token_hash == token_digest(credentials.credentials))
        ).first()
    if row is None or row[0].expires_at <= utcnow():
        raise Problem(
            401,
            "Unauthorized",
            "The access token is unknown or has expired: sign in again.",
            headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE},
        )
    return row[1]


UserDep = Annotated[User, Depends(current_user)]
router = APIRouter(prefix=API_PREFIX)


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    tags=["auth"],
    responses={
        401: {"description": "Wrong user name or password"},
        429: {"description": "Too many failures"},
    },
)
def issue_token(body: TokenRequest, request: Request, hub: HubDep) -> TokenResponse:
    # request.client is the peer, or the forwarded client only from a trusted proxy
    # (``serve --forwarded-allow-ips``).
    client = request.client.host if request.client else "unknown"
    keys = SigninKeys.of(client, body.username)
    rules = hub.settings.signin_throttle
    now = utcnow()
    with hub.db.write() as session:
        attempt = begin_attempt(session, rules, keys, now)
    with hub.db.read() as session:
        wait = seconds_to_wait(session, rules, keys, attempt, now)
        user = session.scalar(select(User).where(User.username == body.username))
    if wait:
        with hub.db.write() as session:
            withdraw_attempt(session, attempt)
        raise Problem(
            429,
            "Too many failed sign-ins",
            f"Sign-in to this account is paused after failed attempts: try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    ok = verify_password(body.password, user.password_hash if user else DUMMY_HASH)
    if not ok or user is None:
        # The attempt stays noted as a failure.
        raise Problem(401, "Unauthorized", "Wrong user name or password.")
    token = new_token()
    expires = now + hub.settings.token_ttl
    with hub.db.write() as session:
        clear_failures(session, keys)
        session.execute(delete(Token).where(Token.user_id == user.id, Token.expires_at < now))
        session.add(
            Token(
                token_hash=token_digest(token), user_id=user.id, created_at=now, expires_at=expires
            )
        )
    return TokenResponse(access_token=token, expires_at=expires)


@router.post(
    "/auth/logout",
    status_code=204,
    tags=["auth"],
    responses={401: {"description": "No valid access token was sent"}},
)
def revoke_token(
    user: UserDep,
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """Revoke the presented token at once; the account's other tokens stay valid."""
    assert credentials is not None  # current_user has refused requests without one
    with hub.db.write() as session:
        session.execute(
            delete(Token).where(
                Token.token_hash == token_digest(credentials.credentials),
                Token.user_id == user.id,
            )
        )
    return Response(status_code=204)


def _calibration_status(session: Session, user_id: int) -> str:
    """The words are documented in ``assessor_app.protocol.calibration``."""
    return overall_status(session, user_id)


@router.get("/me", response_model=Me, tags=["account"])
def me(user: UserDep, hub: HubDep) -> Me:
    with hub.db.read() as session:
        status = _calibration_status(session, user.id)
        recalibration = recalibration_notices(session, user.id)
    return Me(
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        calibration_status=status,
        artifact_origin=hub.artifact_origin,
        recalibration=recalibration,
    )


@router.get("/assignments", response_model=AssignmentDelta, tags=["assignments"])
def assignments(
    user: UserDep,
    hub: HubDep,
    since: Annotated[
        str | None, Query(max_length=20, description="cursor from the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE), AsciiWhole] = DEFAULT_PAGE,
) -> AssignmentDelta:
    """What changed since ``since`` (oldest change first): new and updated assignments in
    ``items``, withdrawn ones in ``revoked``. Pass ``cursor`` back as ``since``."""
    start = 0
    if since:
        cursor = parse_number(since)
        if cursor is None:
            raise Problem(
                422,
                "Invalid request",
                "query parameter since: use the cursor of an earlier reply, or leave it out "
                "to start from the beginning.",
                errors=[
                    {"field": "query.since", "code": "invalid_cursor", "message": "not a cursor"}
                ],
            )
        start = cursor
    with hub.db.read() as session:
        rows = session.scalars(
            select(AssignmentRow)
            .where(AssignmentRow.user_id == user.id, AssignmentRow.change_seq > start)
            .order_by(AssignmentRow.change_seq)
            .limit(limit + 1)
        ).all()
    page = rows[:limit]
    return AssignmentDelta(
        items=[assignment_item(r) for r in page if r.status != AssignmentStatus.REVOKED],
        revoked=[r.id for r in page if r.status == AssignmentStatus.REVOKED],
        cursor=str(page[-1].change_seq if page else start),
        has_more=len(rows) > limit,
    )


def _visible_submission(session: Session, user_id: int, submission_id: str) -> SubmissionRow:
    row = session.execute(
        select(SubmissionRow)
        .join(AssignmentRow, AssignmentRow.submission_id == SubmissionRow.id)
        .where(
            SubmissionRow.id == submission_id,
            AssignmentRow.user_id == user_id,
            AssignmentRow.status != AssignmentStatus.REVOKED,
        )
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        raise _not_found()
    return row


def _readable_submission(session: Session, user_id: int, submission_id: str) -> SubmissionRow:
    """A submission the user is assigned to, or one in a calibration session the user
    facilitates (read-only: its artifacts stay with the assigned assessors)."""
    if facilitates_submission(session, user_id, submission_id):
        row = session.get(SubmissionRow, submission_id)
        if row is not None:
            return row
    return _visible_submission(session, user_id, submission_id)


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, tags=["submissions"])
def submission(submission_id: str, user: UserDep, hub: HubDep) -> SubmissionOut:
    with hub.db.read() as session:
        row = _readable_submission(session, user.id, submission_id)
        credential = credential_schema(session, row)
        artifacts = session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.submission_id == row.id)
            .order_by(ArtifactRow.position)
        ).all()
    return SubmissionOut(
        id=row.id,
        credential=credential,
        attempt=row.attempt,
        educator_pseudonym=row.educator_pseudonym,
        change_note=row.change_note,
        previous_attempts=[PreviousAttemptOut.model_validate(p) for p in row.previous_attempts],
        artifacts=[
            ArtifactOut(
                id=a.id,
                filename=a.filename,
                media_type=servable_media_type(a.media_type),
                size=a.size,
                sha256=a.sha256,
                title=a.title,
            )
            for a in artifacts
        ],
    )


_RANGE = re.compile(r"^\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*$", re.IGNORECASE)


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range asked for, inclusive; None for the whole file (no header, a
    header this server ignores, or several ranges). Raises ``Unsatisfiable``."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        suffix = parse_size(last) or 0
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = parse_size(first) or 0
    end = (parse_size(last) or 0) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: RFC 9110 says ignore the header
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


_ARTIFACT_RESPONSES: dict[int | str, dict[str, object]] = {
    206: {"description": "Partial content"},
    307: {
        "description": "Fetch the bytes from the object storage at `Location`: a presigned "
        "URL valid for minutes, on the origin `/me` names as `artifact_origin`. Send no "
        "Authorization there; ask here again for a fresh URL when it has expired (403)."
    },
    416: {"description": "Range not satisfiable"},
}


@router.get(
    "/artifacts/{artifact_id}/content",
    tags=["artifacts"],
    response_class=StreamingResponse,
    responses=_ARTIFACT_RESPONSES,
    operation_id="artifact_content",
)
@router.head(
    "/artifacts/{artifact_id}/content",
    tags=["artifacts"],
    responses=_ARTIFACT_RESPONSES,
    operation_id="artifact_content_head",
)
def artifact_content(
    artifact_id: str,
    request: Request,
    user: UserDep,
    hub: HubDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """The artifact's bytes, streamed. One ``Range`` is honoured (206); ``ETag`` is the
    sha256, so ``If-Range`` resumes a download only if the content is unchanged. With
    object storage (unless ``--serve-artifacts proxy``), a redirect (307) to a short-lived
    presigned URL of the storage instead, after the same authorization."""
    with hub.db.read() as session:
        artifact = session.execute(
            select(ArtifactRow)
            .join(AssignmentRow, AssignmentRow.submission_id == ArtifactRow.submission_id)
            .where(
                ArtifactRow.id == artifact_id,
                AssignmentRow.user_id == user.id,
                AssignmentRow.status != AssignmentStatus.REVOKED,
            )
            .limit(1)
        ).scalar_one_or_none()
    if artifact is None:
        raise _not_found()
    tag = EntityTag(artifact.sha256)
    etag = str(tag)
    size = artifact.size
    media_type = servable_media_type(artifact.media_type)
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(artifact.filename, safe='')}",
    }
    if if_none_match is not None:
        try:
            unchanged = not if_none_match_holds(
                parse_tag_condition(if_none_match, "If-None-Match"), tag
            )
        except MalformedHeader as exc:
            raise Problem(400, "Bad Request", str(exc)) from None
        if unchanged:
            return Response(status_code=304, headers=headers)
    if hub.artifact_origin is not None:
        location = hub.storage.presigned_get(
            artifact.sha256,
            filename_header=headers["Content-Disposition"],
            media_type=media_type,
            seconds=hub.settings.presign_seconds,
        )
        if location is not None:
            # 307: the client repeats the same GET (its Range included) at the storage.
            return Response(status_code=307, headers={"ETag": etag, "Location": location})
    if request.method == "HEAD":
        range_header = None  # RFC 9110 14.2: Range is defined for GET only
    if if_range is not None and if_range.strip() != etag:
        range_header = None  # the content changed (or a date was sent): send it whole
    try:
        wanted = parse_range(range_header, size)
    except Unsatisfiable:
        return problem_response(
            416,
            "Range Not Satisfiable",
            f"The artifact has {size} bytes; ask for a range inside it.",
            instance=request.url.path,
            headers={**headers, "Content-Range": f"bytes */{size}"},
        )
    status = 200
    start, end = 0, size - 1
    if wanted is not None:
        status = 206
        start, end = wanted
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1 if size else 0)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    try:
        chunks: Iterator[bytes] = (
            hub.storage.iter_range(artifact.sha256, start, end) if size else iter(())
        )
    except BlobNotFound:
        raise Problem(
            500, "Artifact content missing", "The hub's storage has lost this file: tell its admin."
        ) from None
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media_type)


@router.put(
    "/assignments/{assignment_id}/decision",
    response_model=DecisionReceipt,
    tags=["assignments"],
    responses={
        400: {"description": "Idempotency-Key missing or malformed, or If-Match malformed"},
        409: {"description": "Already decided under another key"},
        410: {"description": "Assignment revoked"},
        412: {"description": "If-Match does not name the current version"},
        428: {"description": "If-Match missing"},
    },
)
def put_decision(
    assignment_id: str,
    upload: DecisionUpload,
    response: Response,
    user: UserDep,
    hub: HubDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> DecisionReceipt:
    key, condition = upload_conditions(idempotency_key, if_match)
    # A retry is answered from a read transaction, not queued behind every upload's write.
    with hub.db.read() as session:
        outcome = replayed_upload(session, assignment_id, user.id, upload, key)
    if outcome is None:
        with hub.db.write() as session:
            outcome = record_decision(session, assignment_id, user.id, upload, key, condition)
    response.headers["ETag"] = version_tag(outcome.receipt.version)
    return outcome.receipt


def request_threads(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: route handlers (run in threads) ``threads`` at a time; the
    others wait their turn in order (see ``config.DEFAULT_THREADS``)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def create_app(settings: HubSettings, *, migrate: bool = True, docs: bool = False) -> FastAPI:
    """The hub app for ``settings``; ``migrate`` brings the database schema up to date;
    ``docs`` serves Swagger UI at ``/docs`` (off by default: it is a page for developers)."""
    secure_data_dir(settings)
    if migrate:
        upgrade_database(settings.db_url)
    hub = Hub(settings)
    app = FastAPI(
        lifespan=request_threads(settings.threads),
        title="Assessor hub",
        version="1",
        summary="Assignments, submissions, artifacts and decisions for Assessor clients.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub
    install_problem_handlers(app)
    app.add_middleware(NulRefusal)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, idle_seconds=settings.body_idle_seconds
    )
    app.add_middleware(IncidentGuard)  # outside everything that can fail: it sees every failure
    app.add_middleware(SecurityHeaders)  # so problem answers are stamped too
    # Outermost: it times the whole answer and stamps every one with the request id.
    metrics = HubMetrics()
    app.state.hub_metrics = metrics
    app.add_middleware(RequestContext, observer=metrics)
    if docs:
        install_docs(app)
    install_openapi(app)
    app.include_router(router)
    app.include_router(calibration_router(current_user, _hub))
    app.include_router(workflow_router(current_user, _hub))
    app.include_router(badges_router(current_user, _hub))
    app.include_router(public_badge_router(_hub))
    app.include_router(pathways_router(current_user, _hub))
    app.include_router(flows_router(current_user, _hub))
    app.include_router(scoring_router(current_user, _hub))
    app.include_router(
        operations_router(lambda: hub.db, lambda: hub.storage, metrics, settings.metrics_token)
    )
    return app
