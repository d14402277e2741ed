"""Administrative calibration operations for the ``assessor-hub`` command line: open a
session for a facilitator, and set a credential's qualification rules.

Unlike the API, an admin may name any account as facilitator: the facilitator role
guards who may open sessions over HTTP, not whom an admin may put in charge.
"""

from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.calibration import qualification, service
from assessor_app.hub.db import CredentialRow, User
from assessor_app.hub.problems import Problem
from assessor_app.protocol.calibration import QualificationRules, SessionCreate


def create_session(
    admin: HubAdmin,
    *,
    title: str,
    credential_id: str,
    submission_ids: list[str],
    participants: list[str],
    facilitator: str,
) -> str:
    """Open a calibration session; returns its id."""
    try:
        body = SessionCreate(
            title=title,
            credential_id=credential_id,
            submission_ids=submission_ids,
            participants=participants,
        )
    except ValueError as exc:
        raise HubAdminError(f"invalid session: {exc}") from None
    with admin.db.write() as session:
        user = session.scalar(select(User).where(User.username == facilitator))
        if user is None:
            raise HubAdminError(f"no account named {facilitator!r}: add it with add-assessor")
        try:
            session_id = service.create_session(session, user, body)
        except Problem as exc:
            raise HubAdminError(exc.detail or exc.title) from None
    admin.log(
        f"opened calibration session {session_id} ({len(submission_ids)} submissions x "
        f"{len(participants)} participants, facilitator {facilitator})"
    )
    return str(session_id)


def set_qualification(admin: HubAdmin, credential_id: str, rules: QualificationRules) -> None:
    """Store the qualification rules of one credential (replacing earlier ones)."""
    with admin.db.write() as session:
        if (
            session.scalar(select(CredentialRow.id).where(CredentialRow.id == credential_id))
            is None
        ):
            raise HubAdminError(
                f"credential {credential_id!r} is not imported: run import-credential first"
            )
        qualification.set_rules(session, credential_id, rules)
    admin.log(
        f"qualification for {credential_id}: exact >= {rules.exact_share:g}, "
        f"exact-or-adjacent >= {rules.adjacent_share:g}, at most {rules.max_distance} "
        f"level(s) off, {'same' if rules.same_decision else 'any'} decision"
    )
