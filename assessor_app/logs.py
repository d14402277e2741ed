"""Logging for the app and the CLI: a rotating file in the data root, with secrets
redacted before any handler sees them.

Tokens and passwords must never reach a log (ARCHITECTURE.md, privacy); the filter is a
second line of defence behind code that simply never logs them.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

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
    """Rewrites each record's message with secrets replaced by ``[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(log_dir: Path, *, verbose: bool = False) -> Path:
    """Send the ``assessor_app`` loggers to ``log_dir/assessor.log`` (5 x 1 MiB, 0600)."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / "assessor.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_048_576, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("assessor_app")
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.FileHandler)]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if path.exists():
        path.chmod(0o600)
    return path
