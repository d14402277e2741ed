"""``assessor decline`` and ``assessor backreading``: declining an assignment (sent at the
next sync) and the backreaders' findings on your own sheets (as of the last sync).

Both read and write only the profile's store, so they work offline. ``register`` adds
them to the command line's parser.
"""

from __future__ import annotations

import argparse
from argparse import Namespace
from collections.abc import Callable

from assessor_app.cli.commands import Console, profile_store
from assessor_app.cli.errors import CliError, ExitCode
from assessor_app.cli.output import indent, json_text, shorten, table, terminal_text
from assessor_app.domain.decline import DeclineReason
from assessor_app.services.scoring_ops import DeclineNotPossible, backreading_findings, decline
from assessor_app.store import NotFoundError

Command = Callable[[Namespace, Console], int]
CommandFactory = Callable[[str, Command, str], argparse.ArgumentParser]

_REASONS = {
    "conflict": DeclineReason.CONFLICT_OF_INTEREST,
    "cannot-score": DeclineReason.CANNOT_SCORE,
}


def cmd_decline(args: Namespace, console: Console) -> int:
    reason = _REASONS[args.reason]
    with profile_store(args) as (_profile, store):
        try:
            decline(store, args.id, reason, args.comment or "")
        except NotFoundError:
            raise CliError(
                ExitCode.USAGE, f"There is no assignment {args.id} here (see `assessor queue`)."
            ) from None
        except DeclineNotPossible as refused:
            raise CliError(ExitCode.USAGE, f"{args.id} was not declined. {refused}") from None
    console.out(
        f"Declined {args.id} ({reason.label}). The decline is sent at the next "
        "`assessor sync`; the assignment then leaves your queue."
    )
    return ExitCode.OK


def cmd_backreading(args: Namespace, console: Console) -> int:
    with profile_store(args) as (_profile, store):
        rows = backreading_findings(store)
    if args.json:
        console.out(
            json_text(
                [
                    {
                        "assignment": r.assignment_id,
                        "credential": r.credential_title,
                        "educator": r.educator_pseudonym,
                        "criterion": r.criterion_title,
                        "your_level": r.own_level,
                        "backreader_level": r.backreader_level,
                        "comment": r.comment,
                        "recorded_at": r.recorded_at.isoformat(),
                    }
                    for r in rows
                ]
            )
        )
        return ExitCode.OK
    if not rows:
        console.out(
            "No backreader has disagreed with your sheets (as of your last `assessor sync`)."
        )
        return ExitCode.OK
    console.out(
        table(
            ["ID", "CREDENTIAL", "EDUCATOR", "CRITERION", "YOUR LEVEL", "BACKREADER"],
            [
                [
                    r.assignment_id,
                    shorten(r.credential_title, 30),
                    r.educator_pseudonym,
                    shorten(r.criterion_title, 30),
                    r.own_level,
                    r.backreader_level,
                ]
                for r in rows
            ],
        )
    )
    for r in rows:
        if r.comment.strip():
            console.out(
                indent(terminal_text(r.comment), f"{r.assignment_id} · {r.criterion_title}: ")
            )
    return ExitCode.OK


def register(command: CommandFactory) -> None:
    """Add ``decline`` and ``backreading``; ``command`` makes a top-level command the way
    ``main.build_parser`` does."""
    declining = command(
        "decline",
        cmd_decline,
        "decline an assignment (a conflict of interest, or you cannot score it); it is "
        "sent at the next sync and goes back to the pool",
    )
    declining.add_argument("id", metavar="ID", help="the assignment id (see `assessor queue`)")
    declining.add_argument(
        "--reason",
        required=True,
        choices=sorted(_REASONS),
        help="conflict: a conflict of interest; cannot-score: you cannot score this",
    )
    declining.add_argument(
        "--comment", required=True, metavar="TEXT", help="why, in a sentence (the hub keeps it)"
    )
    findings = command(
        "backreading",
        cmd_backreading,
        "backreaders' disagreements with your own sheets (as of the last sync)",
    )
    findings.add_argument("--json", action="store_true", help="print JSON for scripts")
