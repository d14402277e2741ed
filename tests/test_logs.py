"""Secrets never reach the log file."""

from __future__ import annotations

import logging
from pathlib import Path

from assessor_app.logs import configure_logging, redact


def test_redact_hides_bearer_tokens_and_passwords() -> None:
    text = redact(
        'Authorization: Bearer abc.def-123456 sent; {"password": "hunter22"} token=zz9zz9zz'
    )
    assert "abc.def-123456" not in text
    assert "hunter22" not in text
    assert "zz9zz9zz" not in text
    assert text.count("[redacted]") == 3


def test_log_file_is_private_and_redacted(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs")
    log = logging.getLogger("assessor_app.test")
    log.info("signing in with password=%s", "s3cret-pass")
    log.warning("hub said 401 for Bearer %s", "tok_0123456789abcdef")
    for handler in logging.getLogger("assessor_app").handlers:
        handler.flush()
    content = path.read_text()
    assert "signing in with password=[redacted]" in content
    assert "s3cret-pass" not in content
    assert "tok_0123456789abcdef" not in content
    assert path.stat().st_mode & 0o777 == 0o600
