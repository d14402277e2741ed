"""Synchronisation with the hub: the HTTP client (``client``), its typed errors
(``errors``), and the sync engine built on them."""

from assessor_app.sync.client import DownloadResult, DownloadSink, HubClient, Timeouts
from assessor_app.sync.errors import (
    AuthExpired,
    Cancelled,
    Conflict,
    HubError,
    HubHttpError,
    HubProblem,
    HubUnreachable,
    MalformedReply,
    NotFound,
)

__all__ = [
    "AuthExpired",
    "Cancelled",
    "Conflict",
    "DownloadResult",
    "DownloadSink",
    "HubClient",
    "HubError",
    "HubHttpError",
    "HubProblem",
    "HubUnreachable",
    "MalformedReply",
    "NotFound",
    "Timeouts",
]
