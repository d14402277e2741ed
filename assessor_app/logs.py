"""Logging for the app and the CLI: a rotating file in the data root, with secrets
redacted before any handler sees them.

Tokens and passwords must never reach a log (ARCHITECTURE.md, privacy); the filter is a
second line of defence behind code that simply never logs them.

The desktop app starts with a plain file handler and switches to the rotating one once
its window has painted (``enable_rotation``): ``logging.handlers`` imports sockets,
pickle and queues for handlers the app never uses, which the first paint should not
wait for. Both write the same file, so nothing logged in between is lost.

A log line that cannot be written (a full disk, above all) is dropped and counted, never
reported on the terminal: Python's default prints "--- Logging error ---" with a
traceback for each one, which is noise at best and hides the message that matters. The
next line that can be written is preceded by a note of how many were dropped.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from assessor_app.domain.text import printable

LOG_FILE = "assessor.log"
MAX_BYTES = 1_048_576
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"

_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization:\s*bearer\s+)[^\s'\"]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access_token|password|token|passphrase)[\"']?\s*[:=]\s*[\"']?)[^\s,'\"}]+"
    ),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets replaced by ``[redacted]``, and
    without the escape sequences hub text may carry (someone will ``tail`` the log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = printable(redact(message), multiline=True)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _Dropping:
    """Mixed into a file handler: records it fails to write are counted, not printed."""

    dropped = 0

    def handleError(self, record: logging.LogRecord) -> None:
        self.dropped += 1

    def emit(self, record: logging.LogRecord) -> None:
        if self.dropped:
            count, self.dropped = self.dropped, 0
            note = logging.makeLogRecord(
                {
                    "name": __name__,
                    "levelno": logging.WARNING,
                    "levelname": "WARNING",
                    "msg": "%d log record(s) could not be written (disk full?) and were dropped",
                    "args": (count,),
                }
            )
            super().emit(note)  # type: ignore[misc]
        super().emit(record)  # type: ignore[misc]

    def flush(self) -> None:
        try:
            super().flush()  # type: ignore[misc]
        except OSError:
            self.dropped += 1

    def close(self) -> None:
        # Closing flushes what is buffered: on a full disk that fails, and the caller
        # (often a ``finally`` on the way out) must not get a traceback for it.
        try:
            super().close()  # type: ignore[misc]
        except OSError:
            self.dropped += 1


class _FileHandler(_Dropping, logging.FileHandler):
    pass


def configure_logging(log_dir: Path, *, verbose: bool = False, rotating: bool = True) -> Path:
    """Send the ``assessor_app`` loggers to ``log_dir/assessor.log`` (5 x 1 MiB, 0600).

    With ``rotating=False`` the file is not rotated until ``enable_rotation`` is called.
    """
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / LOG_FILE
    root = logging.getLogger("assessor_app")
    _replace_file_handler(
        root, _rotating_handler(path) if rotating else _FileHandler(path, encoding="utf-8")
    )
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if path.exists():
        path.chmod(0o600)
    return path


def enable_rotation() -> None:
    """Replace the plain file handler that ``configure_logging(rotating=False)`` set up
    with a rotating one on the same file."""
    root = logging.getLogger("assessor_app")
    for handler in root.handlers:
        if type(handler) is _FileHandler:
            _replace_file_handler(root, _rotating_handler(Path(handler.baseFilename)))
            return


def _rotating_handler(path: Path) -> logging.Handler:
    import logging.handlers

    class _RotatingFileHandler(_Dropping, logging.handlers.RotatingFileHandler):
        pass

    return _RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")


def _replace_file_handler(root: logging.Logger, handler: logging.Handler) -> None:
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter())
    old_handlers = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
    # The new handler goes in before the old ones go out: a record another thread logs
    # during the switch may be written twice, but never lost.
    root.addHandler(handler)
    for old in old_handlers:
        root.removeHandler(old)
        old.close()
