"""The hub's calibration calls, through ``HubClient.call`` (its retries, timeouts, TLS,
typed errors and reply validation): sessions, reveal, results, consensus, qualification
and the answer key of a calibration assignment.

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
        return self.client.call("GET", "/calibration/sessions", SessionList, params=params)

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
        return self.client.call(
            "POST",
            "/calibration/sessions",
            SessionDetail,
            body=body,
            retry_statuses=frozenset({429}),
        )

    def session(self, session_id: str) -> SessionDetail:
        return self.client.call("GET", f"/calibration/sessions/{_id(session_id)}", SessionDetail)

    def reveal(self, session_id: str) -> SessionDetail:
        return self.client.call(
            "POST", f"/calibration/sessions/{_id(session_id)}/reveal", SessionDetail
        )

    def close_session(self, session_id: str) -> SessionDetail:
        return self.client.call(
            "POST", f"/calibration/sessions/{_id(session_id)}/close", SessionDetail
        )

    def results(self, session_id: str) -> SessionResults:
        """The matrix, statistics and consensus; ``Conflict`` (409) while still blind."""
        return self.client.call(
            "GET", f"/calibration/sessions/{_id(session_id)}/results", SessionResults
        )

    def put_consensus(self, session_id: str, update: ConsensusUpdate) -> SessionResults:
        """Replace the session's consensus levels and notes (the facilitator's call)."""
        path = f"/calibration/sessions/{_id(session_id)}/consensus"
        return self.client.call("PUT", path, SessionResults, body=update)

    def qualification(self) -> QualificationList:
        return self.client.call("GET", "/calibration/qualification", QualificationList)

    def key(self, assignment_id: str) -> AssignmentKey:
        """The master scores of a keyed calibration assignment; ``Conflict`` (409) until
        the caller's decision for it is on the hub, ``NotFound`` when it has no key."""
        return self.client.call("GET", f"/assignments/{_id(assignment_id)}/key", AssignmentKey)
