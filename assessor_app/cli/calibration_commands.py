"""``assessor calibration``: calibration from the command line.

    assessor calibration sessions [--json]          your sessions (state, who submitted)
    assessor calibration key ASSIGNMENT [--json]    your levels against the answer key
    assessor calibration report SESSION --out FILE.pdf [--no-drift]

``key`` shows a key kept on this computer without the network (and without asking for a
passphrase); it asks the hub only for a key not fetched yet. ``sessions`` and ``report``
ask the hub and fall back to what was last seen here when it cannot be reached, saying
so. Exit codes are those of ``assessor`` (see ``assessor --help``).
"""

from __future__ import annotations

import argparse
from argparse import Namespace
from pathlib import Path

from assessor_app.cli.commands import Console, profile_session, profile_store
from assessor_app.cli.errors import EXIT_CODES_HELP, CliError, ExitCode
from assessor_app.cli.output import indent, json_text, shorten, table
from assessor_app.domain.calibration_display import format_share
from assessor_app.services.calibration import (
    CalibrationService,
    KeyComparison,
    KeyNotReady,
    NoKey,
    SessionUnavailable,
)

HELP = """\
Calibration: sessions in which several assessors score the same submissions blind and
then compare, and answer keys that show how your levels compare with the master scores
of keyed calibration items (available once your decision has been uploaded)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``calibration`` and its actions to the ``assessor`` parser's subcommands."""
    parser = sub.add_parser(
        "calibration",
        help="calibration sessions, answer keys and the calibration report",
        description=HELP,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="calibration_command", metavar="ACTION", required=True)
    passphrase = {
        "action": "store_true",
        "help": "read the secrets file's passphrase from standard input (profiles that keep "
        "secrets in a passphrase file)",
    }

    sessions = actions.add_parser("sessions", help="list your calibration sessions")
    sessions.add_argument("--json", action="store_true", help="print JSON for scripts")
    sessions.add_argument("--passphrase-stdin", **passphrase)
    sessions.set_defaults(func=cmd_sessions)

    key = actions.add_parser(
        "key", help="compare your levels on a keyed calibration item with its answer key"
    )
    key.add_argument("assignment", metavar="ASSIGNMENT", help="the assignment id")
    key.add_argument("--json", action="store_true", help="print JSON for scripts")
    key.add_argument("--passphrase-stdin", **passphrase)
    key.set_defaults(func=cmd_key)

    report = actions.add_parser("report", help="write a session's calibration report (PDF)")
    report.add_argument("session", metavar="SESSION", help="the session id (see `sessions`)")
    report.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write it")
    report.add_argument(
        "--no-drift",
        action="store_true",
        help="leave out your own agreement with answer keys over time",
    )
    report.add_argument("--passphrase-stdin", **passphrase)
    report.set_defaults(func=cmd_report)


def cmd_sessions(args: Namespace, console: Console) -> int:
    with profile_session(args, console) as session:
        listing = CalibrationService.for_session(session).sessions()
    if args.json:
        console.out(
            json_text(
                {
                    "from_cache": listing.from_cache,
                    "sessions": [
                        {
                            "id": e.id,
                            "title": e.title,
                            "credential": e.credential_id,
                            "state": e.state,
                            "facilitator": e.facilitator,
                            "items": e.item_count,
                            "participants": e.participant_count,
                            "submitted": e.submitted_count,
                            "created_at": e.created_at.isoformat(),
                        }
                        for e in listing.entries
                    ],
                }
            )
        )
        return ExitCode.OK
    if listing.from_cache:
        console.err("The hub could not be reached: these are the sessions seen on this computer.")
    if not listing.entries:
        console.out("You take part in no calibration sessions yet.")
        return ExitCode.OK
    console.out(
        table(
            ["ID", "TITLE", "STATE", "SUBMITTED", "FACILITATOR"],
            [
                [
                    e.id,
                    shorten(e.title, 40),
                    e.state_words,
                    f"{e.submitted_count} of {e.participant_count}",
                    e.facilitator,
                ]
                for e in listing.entries
            ],
        )
    )
    return ExitCode.OK


def _key_json(comparison: KeyComparison) -> str:
    key = comparison.key
    return json_text(
        {
            "assignment": comparison.assignment_id,
            "submission": key.submission_id,
            "item": comparison.item_name,
            "decided_at": comparison.decided_at.isoformat(),
            "your_decision": str(key.your_decision),
            "key_decision": str(key.decision),
            "exact_share": comparison.exact_share,
            "adjacent_share": comparison.adjacent_share,
            "criteria": [
                {
                    "criterion": row.criterion_id,
                    "title": row.title,
                    "yours": row.yours,
                    "key": row.master,
                    "distance": row.distance,
                    "agreement": row.words,
                    "key_rationale": row.master_rationale,
                }
                for row in comparison.rows
            ],
        }
    )


def cmd_key(args: Namespace, console: Console) -> int:
    assignment_id = args.assignment
    with profile_store(args) as (profile, store):
        comparison = CalibrationService(store, None, profile.username).comparison(assignment_id)
    if comparison is None:
        with profile_session(args, console) as session:
            try:
                comparison = CalibrationService.for_session(session).fetch_key(assignment_id)
            except KeyNotReady:
                raise CliError(
                    ExitCode.USAGE,
                    "The key is shown once your decision for this assignment has reached the "
                    f"hub: finalize it (assessor finalize {assignment_id}) and run "
                    "`assessor sync`.",
                ) from None
            except NoKey:
                raise CliError(
                    ExitCode.USAGE,
                    f"{assignment_id} has no answer key (a peer session item or production "
                    "work has none). Nothing was changed.",
                ) from None
    if args.json:
        console.out(_key_json(comparison))
        return ExitCode.OK
    console.out(f"{comparison.item_name} · {assignment_id}")
    console.out(
        f"Exact: {format_share(comparison.exact_share)} of criteria · exact or adjacent: "
        f"{format_share(comparison.adjacent_share)}"
    )
    console.out(comparison.decision_words())
    for row in comparison.rows:
        console.out("")
        console.out(f"{row.symbol} {row.title}: yours {row.yours}, key {row.master}")
        console.out(f"  {row.words}")
        if row.master_rationale:
            console.out(indent(row.master_rationale, "  Why the key says so: "))
    return ExitCode.OK


def cmd_report(args: Namespace, console: Console) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise CliError(ExitCode.USAGE, f"--out must name a .pdf file, not {out}.")
    if not out.parent.is_dir():
        raise CliError(ExitCode.USAGE, f"There is no folder {out.parent}. Nothing was written.")
    with profile_session(args, console) as session:
        service = CalibrationService.for_session(session)
        try:
            view = service.write_report(args.session, out, drift=not args.no_drift)
        except SessionUnavailable as exc:
            raise CliError(ExitCode.UNREACHABLE, str(exc)) from None
    if view.from_cache:
        console.err(
            "The hub could not be reached: the report shows the session as last seen on "
            f"{view.fetched_at:%d %b %Y %H:%M} UTC."
        )
    if view.results is None:
        console.err("Scoring is still blind: the report shows who has submitted, no levels.")
    console.out(f"Wrote the calibration report of “{view.detail.title}” to {out}.")
    return ExitCode.OK
