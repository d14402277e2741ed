"""``assessor``: the assessor's command line, for headless machines, scripts and people
who prefer a terminal. It works on the same profiles as the desktop app.

Commands: ``login``, ``sync``, ``queue``, ``show``, ``score``, ``finalize``, ``reopen``,
``worksheet export|import``, ``report``, ``history export`` and ``logout``;
``assessor COMMAND --help`` explains each.
``--profile HUB_URL@USER`` picks a profile (default: the last one used).

Exit codes (stable; scripts may rely on them):

    0   done
    1   usage or bad input (nothing was changed)
    2   not signed in, or sign in again (work is kept)
    3   the hub could not be reached, the disk is full, or the sync did not finish
        (work is kept)
    4   the hub refused uploaded decisions: they need attention
    5   finalize refused: the sheet's problems (or the feedback check's findings) are
        listed, nothing was recorded
    6   worksheet rows refused: they are listed, the other rows were applied
    70  unexpected error: saved work is safe, details are in the log file
    130 cancelled with Ctrl+C or SIGTERM (work is kept)

Every failure prints what happened, what is safe and what to do, in one or a few lines;
tracebacks go only to the log file (``<data folder>/logs/assessor.log``), with secrets
redacted. Files the command line creates are private to the user (umask 077).

Secrets on standard input: ``login --password-stdin`` reads the password from the first
line; ``--passphrase-stdin`` reads the secrets file's passphrase from the next line (the
second when both are given; the first for ``sync`` and ``logout``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from assessor_app.cli import calibration_commands, commands, report_commands, scoring_commands
from assessor_app.cli.commands import Console
from assessor_app.cli.errors import EXIT_CODES_HELP, CliError, ExitCode
from assessor_app.domain.assignment_state import IllegalTransition
from assessor_app.logs import configure_logging
from assessor_app.services.account import SignInRequired
from assessor_app.services.queue import UnknownChoice
from assessor_app.services.scoring import NotReadyError
from assessor_app.services.worksheet import WorksheetFormatError
from assessor_app.store import NotFoundError, SheetLockedError, StoreError, data_root
from assessor_app.store.disk import DISK_FULL_MESSAGE, is_disk_full
from assessor_app.store.secrets import (
    KeyringUnavailable,
    SecretStoreError,
    WrongPassphrase,
)
from assessor_app.sync.errors import AuthExpired, HubError
from assessor_app.sync.trouble import trouble_words

log = logging.getLogger("assessor_app.cli")

Command = Callable[[argparse.Namespace, Console], int]


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage; here 2 means "sign in", so usage gets 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CliError(ExitCode.USAGE, f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="assessor",
        description="Score educators' micro-credential submissions from the command line, "
        "offline, and sync with your hub.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--profile",
        metavar="HUB_URL@USER",
        help="the profile to use (default: the last one used)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    def passphrase_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--passphrase-stdin",
            action="store_true",
            help="read the secrets file's passphrase from standard input (profiles that "
            "keep secrets in a passphrase file)",
        )

    login = command("login", commands.cmd_login, "sign in to a hub and remember the profile")
    login.add_argument("url", metavar="URL", help="the hub's address, e.g. https://hub.example.org")
    login.add_argument("--user", required=True, help="your user name on the hub")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )
    login.add_argument(
        "--secret-store",
        choices=["keyring", "passphrase-file"],
        help="where to keep the sign-in token and evidence key: the system keyring "
        "(default) or a file encrypted with a passphrase you type each time",
    )
    login.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="FILE",
        help="a PEM file of certificate authorities to trust for this hub, e.g. a district "
        "proxy's (kept with the profile)",
    )
    passphrase_option(login)

    sync = command("sync", commands.cmd_sync, "fetch new work and upload finalized decisions")
    direction = sync.add_mutually_exclusive_group()
    direction.add_argument("--down-only", action="store_true", help="only fetch, do not upload")
    direction.add_argument("--up-only", action="store_true", help="only upload, do not fetch")
    passphrase_option(sync)

    queue = command("queue", commands.cmd_queue, "list your assignments")
    queue.add_argument("--json", action="store_true", help="print JSON for scripts")

    show = command("show", commands.cmd_show, "show an assignment's rubric, sheet and problems")
    show.add_argument("id", metavar="ID", help="the assignment id (see `assessor queue`)")
    show.add_argument(
        "--json", action="store_true", help="print the sheet, citations and notes as JSON"
    )

    score = command(
        "score",
        commands.cmd_score,
        "record levels, rationales and feedback; each is saved at once",
    )
    score.add_argument("id", metavar="ID")
    score.add_argument(
        "--level",
        action="append",
        metavar="CRITERION=LEVEL",
        help="a criterion (id or number) and its level (id, label or 1-based number, "
        "lowest first); repeat for more criteria",
    )
    score.add_argument(
        "--rationale",
        action="append",
        metavar="CRITERION=TEXT",
        help="the rationale for a criterion's level; repeatable",
    )
    score.add_argument("--feedback", metavar="TEXT", help="the feedback to the educator")
    score.add_argument("--private-note", metavar="TEXT", help="a note for the hub only")

    finalize = command(
        "finalize", commands.cmd_finalize, "record the decision and queue it for upload"
    )
    finalize.add_argument("id", metavar="ID")
    finalize.add_argument(
        "--decision",
        choices=["auto", "pass", "not_yet", "return_incomplete"],
        help="auto: the rubric's result (clears an earlier override); a different decision "
        "than the rubric's needs --reason. Default: the sheet as it is.",
    )
    finalize.add_argument("--reason", metavar="TEXT", help="why you override the rubric")
    finalize.add_argument(
        "--accept-feedback-warnings",
        metavar="REASON",
        help="finalize although the feedback check found problems (they are listed); the "
        "reason is kept on this computer with the decision",
    )

    reopen = command("reopen", commands.cmd_reopen, "make a finalized sheet editable again")
    reopen.add_argument("id", metavar="ID")

    worksheet = sub.add_parser(
        "worksheet",
        help="the offline grading worksheet (CSV)",
        description=commands.WORKSHEET_HELP,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ws = worksheet.add_subparsers(dest="worksheet_command", metavar="ACTION", required=True)
    ws_export = ws.add_parser("export", help="write the worksheet of your editable sheets")
    ws_export.add_argument("file", metavar="FILE.csv")
    ws_export.set_defaults(func=commands.cmd_worksheet_export)
    ws_import = ws.add_parser(
        "import", help="apply a filled-in worksheet; rows changed elsewhere are refused"
    )
    ws_import.add_argument("file", metavar="FILE.csv")
    ws_import.set_defaults(func=commands.cmd_worksheet_import)

    report_commands.register(command, sub)
    scoring_commands.register(command)

    logout = command(
        "logout",
        commands.cmd_logout,
        "end the sign-in at the hub and forget it here; your work stays on this computer",
    )
    passphrase_option(logout)
    calibration_commands.register(sub)
    return parser


def _message(exc: BaseException) -> tuple[ExitCode, str] | None:
    """The exit code and the one message for an error a command let through; None for
    an error nobody expected."""
    if is_disk_full(exc):
        return ExitCode.UNREACHABLE, DISK_FULL_MESSAGE
    if isinstance(exc, SignInRequired | AuthExpired):
        return ExitCode.SIGN_IN, (
            "You need to sign in (again): assessor login HUB_URL --user NAME. Your work is "
            "kept on this computer."
        )
    if isinstance(exc, WrongPassphrase):
        return ExitCode.SIGN_IN, (
            "That passphrase does not unlock this profile's secrets file. Nothing was changed."
        )
    if isinstance(exc, KeyringUnavailable):
        return ExitCode.SIGN_IN, (
            f"{exc} On the command line, choose the passphrase file when you sign in: "
            "assessor login HUB_URL --user NAME --secret-store passphrase-file"
        )
    if isinstance(exc, SecretStoreError):
        return ExitCode.SIGN_IN, str(exc)
    if isinstance(exc, HubError):
        return ExitCode.UNREACHABLE, trouble_words(exc)
    if isinstance(exc, SheetLockedError):
        return ExitCode.USAGE, f"{exc}. Nothing was changed."
    if isinstance(exc, NotFoundError):
        return ExitCode.USAGE, f"There is {exc}. See `assessor queue` for your assignments."
    if isinstance(exc, UnknownChoice | NotReadyError | IllegalTransition | WorksheetFormatError):
        return ExitCode.USAGE, f"{exc}" + ("" if str(exc).endswith(".") else ".")
    if isinstance(exc, StoreError):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return ExitCode.USAGE, f"{exc.strerror or exc}{where}. Nothing was changed."
    return None


def _close_log(path: Path) -> None:
    logger = logging.getLogger("assessor_app")
    for handler in list(logger.handlers):
        if getattr(handler, "baseFilename", None) == str(path):
            logger.removeHandler(handler)
            handler.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (the console script exits with it)."""
    # Restored on return so calling main() in-process (tests, embedding) leaves the
    # caller's umask as it was.
    previous_umask = os.umask(0o077)
    console = commands.bind_console()
    log_path: Path | None = None
    try:
        args = build_parser().parse_args(argv)
        log_path = configure_logging(data_root() / "logs", verbose=args.verbose)
        log.info("command %s", args.command)
        return int(args.func(args, console))
    except CliError as exc:
        console.err(exc.message)
        for line in exc.details:
            console.err(line)
        return int(exc.code)
    except KeyboardInterrupt:
        console.err("\nInterrupted. Everything saved so far is kept.")
        return int(ExitCode.INTERRUPTED)
    except SystemExit as exc:  # --help and --version end through argparse
        return int(exc.code or 0) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    except Exception as exc:
        known = _message(exc)
        if known is None:
            log.exception("unexpected error")
            where = f" Details are in {log_path}." if log_path else ""
            console.err(
                f"Something unexpected went wrong ({type(exc).__name__}). Your saved work is "
                f"safe.{where}"
            )
            return int(ExitCode.INTERNAL)
        code, message = known
        log.warning("command failed: %s", type(exc).__name__, exc_info=True)
        console.err(message)
        return int(code)
    finally:
        if log_path is not None:
            _close_log(log_path)
        os.umask(previous_umask)


if __name__ == "__main__":
    sys.exit(main())
