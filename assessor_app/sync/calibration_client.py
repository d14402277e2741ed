"""The hub's calibration calls, on top of ``HubClient``'s transport (retries, timeouts,
TLS, typed errors): sessions, reveal, results, consensus, qualification and the answer
key of a calibration assignment.

Replies are validated against :mod:`assessor_app.protocol.calibration`. The hub's "not
yet" answers are HTTP 409 and arrive as ``Conflict``: results before the reveal (or before
everyone submitted), a key before the caller's own decision reached the hub.
Synchronous; run it off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from assessor_app.protocol.calibration import (
    AssignmentKey,
    ConsensusUpdate,
    QualificationList,
    SessionCreate,
    SessionDetail,
    SessionList,
    SessionResults,
    SessionSummary,
)
from assessor_app.sync.client import HubClient

__all__ = ["CalibrationClient"]

# The hub pages sessions newest first; a generous stop keeps a misbehaving cursor finite.
_MAX_PAGES = 100


def _id(value: str) -> str:
    return quote(value, safe="")


class CalibrationClient:
    """Calibration endpoints of one signed-in ``HubClient`` (which it does not close)."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    def sessions_page(self, cursor: str | None = None, limit: int = 50) -> SessionList:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = self.client._request("GET", "/calibration/sessions", params=params)
        return self.client._parse(response, SessionList)

    def sessions(self) -> list[SessionSummary]:
        """Every session the caller facilitates or takes part in, newest first."""
        return list(self._all_sessions())

    def _all_sessions(self) -> Iterator[SessionSummary]:
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = self.sessions_page(cursor)
            yield from page.items
            if not page.next_cursor or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    def create_session(self, body: SessionCreate) -> SessionDetail:
        """Open a session (facilitators only: 403 arrives as ``HubProblem``). Not
        retried on a 5xx answer: the hub may have opened it already, and a second try
        would open a second session."""
        response = self.client._request(
            "POST",
            "/calibration/sessions",
            json=body.model_dump(mode="json"),
            retry_statuses=frozenset({429}),
        )
        return self.client._parse(response, SessionDetail)

    def session(self, session_id: str) -> SessionDetail:
        response = self.client._request("GET", f"/calibration/sessions/{_id(session_id)}")
        return self.client._parse(response, SessionDetail)

    def reveal(self, session_id: str) -> SessionDetail:
        response = self.client._request("POST", f"/calibration/sessions/{_id(session_id)}/reveal")
        return self.client._parse(response, SessionDetail)

    def close_session(self, session_id: str) -> SessionDetail:
        response = self.client._request("POST", f"/calibration/sessions/{_id(session_id)}/close")
        return self.client._parse(response, SessionDetail)

    def results(self, session_id: str) -> SessionResults:
        """The matrix, statistics and consensus; ``Conflict`` (409) while still blind."""
        response = self.client._request("GET", f"/calibration/sessions/{_id(session_id)}/results")
        return self.client._parse(response, SessionResults)

    def put_consensus(self, session_id: str, update: ConsensusUpdate) -> SessionResults:
        """Replace the session's consensus levels and notes (the facilitator's call)."""
        response = self.client._request(
            "PUT",
            f"/calibration/sessions/{_id(session_id)}/consensus",
            json=update.model_dump(mode="json"),
        )
        return self.client._parse(response, SessionResults)

    def qualification(self) -> QualificationList:
        response = self.client._request("GET", "/calibration/qualification")
        return self.client._parse(response, QualificationList)

    def key(self, assignment_id: str) -> AssignmentKey:
        """The master scores of a keyed calibration assignment; ``Conflict`` (409) until
        the caller's decision for it is on the hub, ``NotFound`` when it has no key."""
        response = self.client._request("GET", f"/assignments/{_id(assignment_id)}/key")
        return self.client._parse(response, AssignmentKey)
