"""The revocation step of verifying a credential: each ``credentialStatus`` entry names a bit
in a Bitstring Status List; the list is read (from its URL, a file, or this hub's own
database), verified like a credential (signature, issuer, claims), and the bit looked up.

Where a list comes from is a ``StatusSource``: a function from the list's URL to its text,
the JSON the hub serves (``{"jwt": ..., "credential": ...}``) or the bare VC-JWT, raising
``StatusUnavailable`` when it cannot be had. A list that cannot be read or does not verify
is a problem, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from assessor_app.hub.badges.status_list import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    STATUS_PURPOSE,
    bit_is_set,
    decode_list,
)

REVOKED = "the credential is revoked: its issuer has withdrawn it"
STATUS_TIMEOUT_SECONDS = 10.0


class StatusUnavailable(Exception):
    """A status list could not be read; ``str()`` says why."""


StatusSource = Callable[[str], str]
ListVerifier = Callable[[str], tuple[list[str], dict[str, Any] | None]]
"""Verifies a status list's text: its problems and the signed document (when readable)."""


def http_source(timeout: float = STATUS_TIMEOUT_SECONDS) -> StatusSource:
    """Fetch lists from their URLs (http or https only; redirects are not followed)."""

    def read(url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise StatusUnavailable(f"{url!r} is not an http(s) address")
        try:
            response = httpx.get(url, headers={"Accept": "application/vc+jwt"}, timeout=timeout)
        except httpx.HTTPError as exc:
            raise StatusUnavailable(f"{url} could not be fetched ({exc})") from None
        if response.status_code != 200:
            raise StatusUnavailable(f"{url} answered HTTP {response.status_code}")
        return response.text

    return read


def file_source(path: Path) -> StatusSource:
    """Answer every list URL with the list saved in ``path`` (its id must then match)."""

    def read(url: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StatusUnavailable(f"{path} cannot be read: {exc}") from None

    return read


def _entries(credential: dict[str, Any]) -> list[Any]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    return status if isinstance(status, list) else [status]


def status_problems(
    credential: dict[str, Any], source: StatusSource, verify_list: ListVerifier
) -> list[str]:
    """What the credential's status entries say is wrong (``REVOKED`` among them when a
    revocation bit is set); a credential without one has nothing to check."""
    problems: list[str] = []
    for entry in _entries(credential):
        if not isinstance(entry, dict) or entry.get("type") != ENTRY_TYPE:
            kind = entry.get("type") if isinstance(entry, dict) else entry
            problems.append(f"credentialStatus of type {kind!r} cannot be checked")
            continue
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        index = entry.get("statusListIndex")
        if not isinstance(url, str) or not isinstance(index, str) or not index.isdecimal():
            problems.append(
                "credentialStatus needs a statusListCredential URL and a decimal statusListIndex"
            )
            continue
        try:
            text = source(url)
        except StatusUnavailable as exc:
            problems.append(f"the revocation status could not be checked: {exc}")
            continue
        problems, listing = verify_list(text)
        if problems or listing is None:
            problems += [f"the status list {url} does not verify: {p}" for p in problems]
            continue
        subject = listing.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        types = listing.get("type")
        if listing.get("id") != url or not isinstance(types, list):
            problems.append(f"the status list read for {url} is another list")
            continue
        if LIST_CREDENTIAL_TYPE not in types or subject.get("statusPurpose") != purpose:
            problems.append(f"{url} is not a {purpose!r} BitstringStatusListCredential")
            continue
        try:
            revoked = bit_is_set(decode_list(str(subject.get("encodedList", ""))), int(index))
        except ValueError as exc:
            problems.append(f"the status list {url} is unusable: {exc}")
            continue
        if revoked:
            problems.append(
                REVOKED if purpose == STATUS_PURPOSE else f"the credential's {purpose!r} is set"
            )
    return problems
