"""Checks on a submission's manifest (its list of artifacts) before the profile keeps it.

The store keys artifacts by id and the downloader trusts each artifact's size and sha256,
so a manifest with repeated or malformed ids, an impossible size, or one content announced
with two sizes cannot be stored or downloaded as it is. Such a submission is refused as a
whole, with a message for the assessor, and nothing of it is kept: the next sync fetches
its manifest afresh, so a hub that has been corrected in between is simply used.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from assessor_app.protocol.v1 import SubmissionOut

__all__ = ["MAX_ARTIFACT_SIZE", "ManifestRefused", "check_manifest", "refusal_message"]

MAX_ARTIFACT_SIZE = 2**40
"""1 TiB: far beyond any recording or document a submission carries (an hour of 4K video
is tens of GB), and well inside what SQLite and the vault format can count."""

_ARTIFACT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,99}$")
"""What an artifact id may look like: it is a primary key here and part of a URL path."""


class ManifestRefused(Exception):
    """A manifest the profile cannot use; ``reason`` says why, in the assessor's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_manifest(submission: SubmissionOut, owners: Mapping[str, str]) -> None:
    """Raise ManifestRefused when ``submission``'s artifacts cannot be stored and
    downloaded as listed. ``owners`` maps artifact ids already in the profile to the
    submission that has them (an id is unique across the profile)."""
    artifacts = submission.artifacts
    bad = [a.id for a in artifacts if not _ARTIFACT_ID_RE.match(a.id)]
    if bad:
        raise ManifestRefused(_count(len(bad), "file has an invalid id", "files have invalid ids"))
    repeated = [i for i, n in Counter(a.id for a in artifacts).items() if n > 1]
    if repeated:
        raise ManifestRefused(
            _count(len(repeated), "file id is listed twice", "file ids are listed twice")
        )
    taken = [a.id for a in artifacts if owners.get(a.id, submission.id) != submission.id]
    if taken:
        raise ManifestRefused(
            _count(
                len(taken),
                "file id belongs to another submission",
                "file ids belong to another submission",
            )
        )
    huge = [a for a in artifacts if a.size > MAX_ARTIFACT_SIZE]
    if huge:
        raise ManifestRefused(f"“{huge[0].filename}” is listed with an impossible size")
    sizes: dict[str, int] = {}
    for artifact in artifacts:
        if sizes.setdefault(artifact.sha256, artifact.size) != artifact.size:
            raise ManifestRefused("two files with the same content are listed with different sizes")


def refusal_message(who: str, reason: str) -> str:
    """The report line for a refused manifest; ``who`` names the submission."""
    return (
        f"The submission {who} was not downloaded: the hub's list of its files is not usable "
        f"({reason}). Everything else was synced; the list is fetched again on the next sync. "
        "If this keeps happening, tell the hub's administrator."
    )


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"
