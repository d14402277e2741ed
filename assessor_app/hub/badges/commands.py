"""The badge commands of ``assessor-hub``: ``revoke-credential ID --reason TEXT``.
``cli`` adds them to its parser and hands them over here."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from assessor_app.domain.text import printable
from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.badges.revocation import RevocationRefused, revoke
from assessor_app.hub.badges.status_list import LIST_BITS
from assessor_app.hub.db import utcnow

COMMANDS = ("revoke-credential",)


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the badge commands to the ``assessor-hub`` subparsers ``sub``."""
    revoke_parser = sub.add_parser(
        "revoke-credential",
        parents=[common],
        help="revoke an issued Open Badges credential",
        description="Sets the credential's bit in the hub's revocation status list, so "
        "verifiers see it revoked. The reason stays on the hub. It cannot be undone.",
    )
    revoke_parser.add_argument("credential", metavar="ID", help="the credential's id (a uuid)")
    revoke_parser.add_argument("--reason", required=True, help="why it is revoked")


def run(args: argparse.Namespace, admin: HubAdmin, say: Callable[[str], None]) -> None:
    """Carry out one of ``COMMANDS``."""
    try:
        with admin.db.write() as session:
            issued = revoke(session, args.credential, args.reason, utcnow())
            number, position = divmod(issued.status_index, LIST_BITS)
            revoked_at = issued.revoked_at
    except RevocationRefused as exc:
        raise HubAdminError(printable(exc.detail)) from None
    say(
        f"Revoked credential {issued.id} on {revoked_at:%Y-%m-%d %H:%M} UTC "
        f"(status list {number}, bit {position})."
    )
