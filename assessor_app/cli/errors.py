"""The command line's exit codes and the error a command raises to end with one.

The codes are part of the interface scripts rely on; never renumber them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 1  # usage or bad input; nothing was changed
    SIGN_IN = 2  # not signed in, or the hub wants a new sign-in
    UNREACHABLE = 3  # the hub could not be reached, the disk is full, or the sync did not
    # finish; work kept
    CONFLICTS = 4  # decisions the hub refused need the assessor's attention
    FINALIZE_REFUSED = 5  # the sheet has problems (listed); nothing was recorded
    ROWS_REFUSED = 6  # worksheet rows refused (listed); the other rows were applied
    INTERNAL = 70  # an unexpected error; details in the log file
    INTERRUPTED = 130  # cancelled with Ctrl+C or SIGTERM; work saved so far is kept


EXIT_CODES_HELP = """\
exit codes:
  0   done
  1   usage or bad input (nothing was changed)
  2   not signed in, or sign in again (your work is kept)
  3   the hub could not be reached, the disk is full, or the sync did not finish
      (your work is kept)
  4   the hub refused uploaded decisions: they need your attention ("Needs attention")
  5   finalize refused: the sheet's problems are listed, nothing was recorded
  6   worksheet rows refused: they are listed, the other rows were applied
  70  unexpected error: your saved work is safe, details are in the log file
  130 cancelled with Ctrl+C or SIGTERM (your work is kept)"""


class CliError(Exception):
    """Ends a command with ``code`` after printing ``message`` (and ``details``, one per
    line) on standard error."""

    def __init__(self, code: ExitCode, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []
