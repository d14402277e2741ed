"""``assessor report`` and ``assessor history export``: the educator feedback report of a
decided assignment as a PDF, and the assessor's own decision history as CSV.

Both read only the profile's store: they work offline and need no keyring. ``register``
adds them to the command line's parser.
"""

from __future__ import annotations

import argparse
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

from assessor_app.cli.commands import Console, profile_store
from assessor_app.cli.errors import EXIT_CODES_HELP, CliError, ExitCode
from assessor_app.domain.wording import plural
from assessor_app.reports import COLUMNS
from assessor_app.services.reports import (
    NoDecisionError,
    SubmissionMissingError,
    feedback_report,
    history_csv,
)

Command = Callable[[Namespace, Console], int]
CommandFactory = Callable[[str, Command, str], argparse.ArgumentParser]

HISTORY_HELP = (
    "Write your decisions (finalized, queued, uploaded or needing attention) as CSV, one row "
    "per decision, oldest first. The columns are stable; new ones are only added at the end: "
    + ", ".join(COLUMNS)
    + "."
)


def _target(path_text: str, suffix: str) -> Path:
    path = Path(path_text)
    if path.is_dir():
        raise CliError(ExitCode.USAGE, f"{path} is a folder; give a file name ending in {suffix}.")
    if not path.parent.is_dir():
        raise CliError(ExitCode.USAGE, f"There is no folder {path.parent}. Nothing was written.")
    return path


def cmd_report(args: Namespace, console: Console) -> int:
    out = _target(args.out, ".pdf")
    with profile_store(args) as (_profile, store):
        try:
            info = feedback_report(store, args.id, out)
        except (NoDecisionError, SubmissionMissingError) as exc:
            raise CliError(ExitCode.USAGE, f"{exc}. Nothing was written.") from None
    console.out(
        f"Wrote the feedback report for {args.id} ({info.credential_title}, attempt "
        f"{info.attempt}: {info.decision.label}) to {out}."
    )
    return ExitCode.OK


def cmd_history_export(args: Namespace, console: Console) -> int:
    out = _target(args.file, ".csv")
    with profile_store(args) as (_profile, store):
        count = history_csv(store, out, excel_bom=args.excel)
    what = "no decisions yet" if count == 0 else plural(count, "decision")
    console.out(f"Wrote {what} to {out}.")
    return ExitCode.OK


def register(command: CommandFactory, sub: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``history export`` to the parser; ``command`` makes a top-level
    command the way ``main.build_parser`` does."""
    report = command(
        "report",
        cmd_report,
        "write the educator feedback report (PDF) of a finalized or uploaded assignment",
    )
    report.add_argument("id", metavar="ID", help="the assignment id (see `assessor queue`)")
    report.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")

    history = sub.add_parser(
        "history",
        help="your own decision history",
        description=HISTORY_HELP,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="write your decisions as CSV", description=HISTORY_HELP
    )
    export.add_argument("file", metavar="FILE.csv")
    export.add_argument(
        "--excel",
        action="store_true",
        help="start the file with a byte-order mark, which older Excel needs to read UTF-8",
    )
    export.set_defaults(func=cmd_history_export)
