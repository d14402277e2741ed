"""Sync and hub errors in the assessor's words, for the GUI and the command line alike.

One home for what an assessor is told when the hub cannot be reached, does not answer,
refuses or sends something unreadable: what happened and what to do, without HTTP
methods, paths, status codes or exception names (those go to the log). ``trouble_of``
says which kind of contact trouble an error means, for the connection indicator.
"""

from __future__ import annotations

from enum import StrEnum

from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    Conflict,
    HubBusy,
    HubHttpError,
    HubNotAnswering,
    HubUnreachable,
    MalformedReply,
    NotFound,
    Stalled,
    UntrustedCertificate,
)

__all__ = ["SAVED_HERE", "HubTrouble", "trouble_of", "trouble_words"]

SAVED_HERE = "Your work is saved on this computer."


class HubTrouble(StrEnum):
    """Why the last contact with the hub failed."""

    OFFLINE = "offline"
    """No connection: the network is down, or the hub's address cannot be reached."""
    NOT_ANSWERING = "not_answering"
    """The hub accepted the connection but did not answer in time, or only said that it
    cannot serve now."""


def trouble_of(error: BaseException) -> HubTrouble | None:
    """The contact trouble ``error`` means, or None when the hub was reached and gave an
    answer it meant (even a refusal) or the error says nothing about contact. A hub that
    only says it is unavailable or busy (503, 429, a long ``Retry-After``) is as good as
    not answering."""
    if isinstance(error, HubNotAnswering | HubBusy):
        return HubTrouble.NOT_ANSWERING
    if isinstance(error, HubHttpError) and error.transient:
        return HubTrouble.NOT_ANSWERING
    if isinstance(error, Stalled):
        return None  # bytes did arrive, only too slowly: the hub was reached
    if isinstance(error, HubUnreachable):
        return HubTrouble.OFFLINE
    return None


def trouble_words(error: BaseException) -> str:
    """One or two sentences for the assessor: what happened, that the work is safe, and
    what to do next."""
    if isinstance(error, UntrustedCertificate | HubBusy):
        return f"{error} {SAVED_HERE}"
    if isinstance(error, Stalled):
        return f"The connection to the hub is too slow right now. {SAVED_HERE} Sync again later."
    if isinstance(error, HubNotAnswering):
        return f"The hub is not answering; it may be busy or down. {SAVED_HERE} Sync again later."
    if isinstance(error, HubUnreachable):
        return (
            f"Could not reach the hub. Check your internet connection. {SAVED_HERE} "
            "Sync again when you are online."
        )
    if isinstance(error, Cancelled):
        return "Sync cancelled. Everything saved so far is kept."
    if isinstance(error, AuthExpired):
        return f"Your sign-in has expired: sign in again to sync. {SAVED_HERE}"
    if isinstance(error, NotFound):
        return f"The hub no longer offers this to you. {SAVED_HERE}"
    if isinstance(error, Conflict):
        # Only the cause: what is kept (a decision, a verdict, a decline) is the caller's to say.
        return "The hub's copy has changed: it was decided elsewhere, withdrawn or reassigned."
    if isinstance(error, HubHttpError):
        if error.retry_after:
            # Worded as when the wait is too long to sit out (one home for that sentence).
            return f"{HubBusy(error.retry_after)} {SAVED_HERE}"
        if error.status == 429:
            return f"The hub is busy right now. {SAVED_HERE} Sync again later."
        if error.status >= 500:
            return f"The hub has a problem right now. {SAVED_HERE} Sync again later."
        return f"The hub refused the request (“{error.problem.title}”). {SAVED_HERE}"
    if isinstance(error, MalformedReply):
        return (
            "The hub's answer could not be understood; it may run a different version. "
            f"Nothing was changed. {SAVED_HERE}"
        )
    return f"Sync stopped unexpectedly. {SAVED_HERE} The details are in the log file."
