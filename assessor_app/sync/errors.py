"""The errors the hub client raises, so callers can decide what to do without looking at
HTTP: try later, sign in again, show a conflict, or report a problem.

Every message is fit to show to the assessor; none contains a token or a password.
"""

from __future__ import annotations

from assessor_app.domain.wording import plural
from assessor_app.protocol.v1 import ProblemDetail

__all__ = [
    "AuthExpired",
    "Cancelled",
    "Conflict",
    "HubBusy",
    "HubError",
    "HubHttpError",
    "HubNotAnswering",
    "HubProblem",
    "HubUnreachable",
    "MalformedReply",
    "NotFound",
    "Stalled",
    "UntrustedCertificate",
    "WrongSize",
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


class HubNotAnswering(HubUnreachable):
    """The hub accepted the connection but did not answer before the deadline: it is
    there, but frozen or overloaded (unlike a network that is down)."""


class Stalled(HubUnreachable):
    """A download's throughput stayed under the floor for a whole window; what arrived
    is kept and the download resumes from there."""


class HubBusy(HubError):
    """The hub asked to be left alone (``Retry-After``) for longer than a sync waits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        minutes = max(1, round(seconds / 60))
        super().__init__(f"The hub asked to wait {plural(minutes, 'minute')}; sync again later.")

    @property
    def transient(self) -> bool:
        return True


class UntrustedCertificate(HubUnreachable):
    """The hub's TLS certificate could not be verified; retrying cannot help, trusting
    the district's CA bundle can. The message says so."""


class MalformedReply(HubError):
    """The hub answered something that does not follow protocol v1."""


class WrongSize(MalformedReply):
    """An artifact's body, ``Content-Length`` or ``Content-Range`` disagrees with the size
    its manifest gives. Nothing past that size is written; the download is treated like
    one whose checksum did not match."""


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
