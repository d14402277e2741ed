"""The hub's revocation list as a W3C Bitstring Status List v1.0.

Every issued credential owns one bit, its ``status_index``, allocated once from a counter
(and unique in the database). Index ``i`` lives in list ``i // LIST_BITS`` at position
``i % LIST_BITS``; each list is a ``BitstringStatusListCredential`` the hub serves at
``/api/v1/credentials/status/{list}``, signed like the badges. A set bit means revoked.

The bitstring is ``LIST_BITS`` long, the specification's 16 KiB minimum, so a list does
not tell how many credentials the hub issued; bit 0 is the most significant bit of the
first byte. ``encodedList`` is the multibase (``u``) base64url form of its GZIP.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from assessor_app.hub.badges.credential import VC_CONTEXT, IssuerProfile, iso
from assessor_app.hub.db import Counter

STATUS_COUNTER = "status_list_index"
STATUS_PURPOSE = "revocation"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
LIST_BITS = 16 * 1024 * 8
MULTIBASE_BASE64URL = "u"
# A decoded list larger than this is refused: a verifier must not inflate a GZIP bomb.
MAX_LIST_BYTES = 16 * 1024 * 1024


def allocate_index(session: Session) -> int:
    """The next free status index. The counter row stays locked until the transaction ends,
    so two issues never get the same bit (the unique constraint would refuse it anyway)."""
    value = session.execute(
        update(Counter)
        .where(Counter.name == STATUS_COUNTER)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
    return int(value) - 1


def list_url(profile: IssuerProfile, number: int) -> str:
    return f"{profile.base_url}/api/v1/credentials/status/{number}"


def status_entry(profile: IssuerProfile, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of the credential owning bit ``index``."""
    number, position = divmod(index, LIST_BITS)
    url = list_url(profile, number)
    return {
        "id": f"{url}#{position}",
        "type": ENTRY_TYPE,
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(position),
        "statusListCredential": url,
    }


def encode_list(positions: Iterable[int]) -> str:
    """``encodedList`` with the bits at ``positions`` set."""
    bits = bytearray(LIST_BITS // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=")
    return MULTIBASE_BASE64URL + packed.decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; ValueError says what is wrong with it."""
    if not encoded.startswith(MULTIBASE_BASE64URL):
        raise ValueError("encodedList is not multibase base64url (it must start with 'u')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(packed, MAX_LIST_BYTES)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise ValueError(f"encodedList is not base64url-encoded GZIP ({exc})") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"encodedList inflates to more than {MAX_LIST_BYTES} bytes")
    if len(bits) * 8 < LIST_BITS:
        raise ValueError(f"the status list has {len(bits) * 8} bits, fewer than {LIST_BITS}")
    return bits


def bit_is_set(bits: bytes, position: int) -> bool:
    if not 0 <= position < len(bits) * 8:
        raise ValueError(f"statusListIndex {position} is outside the list")
    return bool(bits[position // 8] & (0x80 >> (position % 8)))


def status_list_credential(
    profile: IssuerProfile, number: int, revoked_positions: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` of list ``number``."""
    url = list_url(profile, number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": profile.document(),
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": LIST_TYPE,
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_list(revoked_positions),
        },
    }
