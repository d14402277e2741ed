"""The errors the hub client raises, so callers can decide what to do without looking at
HTTP: try later, sign in again, show a conflict, or report a problem.

Every message is fit to show to the assessor; none contains a token or a password.
"""

from __future__ import annotations

from assessor_app.protocol.v1 import ProblemDetail

__all__ = [
    "AuthExpired",
    "Cancelled",
    "Conflict",
    "HubError",
    "HubHttpError",
    "HubProblem",
    "HubUnreachable",
    "MalformedReply",
    "NotFound",
]

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


class HubError(Exception):
    """Base class of everything the hub client raises."""

    @property
    def transient(self) -> bool:
        """True when the same call may well succeed later without any change."""
        return False


class HubUnreachable(HubError):
    """No answer from the hub: connection refused or dropped, DNS, TLS, or a timeout
    (after the client's bounded retries)."""

    @property
    def transient(self) -> bool:
        return True


class MalformedReply(HubError):
    """The hub answered something that does not follow protocol v1."""


class Cancelled(HubError):
    """The caller cancelled the operation."""


class HubHttpError(HubError):
    """The hub answered with an error status; ``problem`` is its RFC 9457 body (or one
    made from the status line when the hub sent none)."""

    def __init__(self, status: int, problem: ProblemDetail) -> None:
        self.status = status
        self.problem = problem
        self.retry_after: float | None = None
        """Seconds the hub asked us to wait (``Retry-After``), if it said."""
        text = problem.title
        if problem.detail:
            text = f"{text}: {problem.detail}"
        super().__init__(f"{text} (HTTP {status})")

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_STATUSES or self.status >= 500


class AuthExpired(HubHttpError):
    """401: the token is missing, expired or revoked; the assessor must sign in again."""


class NotFound(HubHttpError):
    """404: no such thing, or not assigned to this assessor (the hub does not say which)."""


class Conflict(HubHttpError):
    """409 / 410 / 412: the hub's state disagrees with ours (decided elsewhere, revoked,
    version moved on). ``problem`` carries the hub's current state."""


class HubProblem(HubHttpError):
    """Any other 4xx/5xx answer."""
