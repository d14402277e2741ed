"""Logging for the app and the CLI: a rotating file in the data root, with secrets
redacted before any handler sees them.

Tokens and passwords must never reach a log (ARCHITECTURE.md, privacy); the filter is a
second line of defence behind code that simply never logs them.

The desktop app starts with a plain file handler and switches to the rotating one once
its window has painted (``enable_rotation``): ``logging.handlers`` imports sockets,
pickle and queues for handlers the app never uses, which the first paint should not
wait for. Both write the same file, so nothing logged in between is lost.
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


def configure_logging(log_dir: Path, *, verbose: bool = False, rotating: bool = True) -> Path:
    """Send the ``assessor_app`` loggers to ``log_dir/assessor.log`` (5 x 1 MiB, 0600).

    With ``rotating=False`` the file is not rotated until ``enable_rotation`` is called.
    """
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / LOG_FILE
    root = logging.getLogger("assessor_app")
    _replace_file_handler(
        root, _rotating_handler(path) if rotating else logging.FileHandler(path, encoding="utf-8")
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
        if type(handler) is logging.FileHandler:
            _replace_file_handler(root, _rotating_handler(Path(handler.baseFilename)))
            return


def _rotating_handler(path: Path) -> logging.Handler:
    import logging.handlers

    return logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )


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
