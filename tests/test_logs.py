"""Secrets never reach the log file."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from assessor_app.logs import MAX_BYTES, configure_logging, enable_rotation, redact


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


def test_hub_text_reaches_the_log_without_escape_sequences(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs")
    log = logging.getLogger("assessor_app.test")
    log.info("GET /assignments -> 400 %s", "\x1b]0;pwned\x07<b>Bad\x1b[31m request")
    for handler in logging.getLogger("assessor_app").handlers:
        handler.flush()
    content = path.read_text()
    assert "GET /assignments -> 400 <b>Bad request" in content
    assert "\x1b" not in content and "pwned" not in content


def test_rotation_switched_on_later_keeps_every_record_in_one_file(tmp_path: Path) -> None:
    """The app logs to a plain file until its window has painted, then rotates: records
    from both sides land in the same file, redacted, and the file rotates at its size."""
    path = configure_logging(tmp_path / "logs", rotating=False)
    root = logging.getLogger("assessor_app")
    assert not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers)
    log = logging.getLogger("assessor_app.test")
    log.info("before the first paint, token=%s", "tok-before-1234")
    enable_rotation()
    rotating = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
    assert len(rotating) == 1
    assert isinstance(rotating[0], logging.handlers.RotatingFileHandler)
    assert rotating[0].baseFilename == str(path)
    log.info("after the first paint, token=%s", "tok-after-5678")
    rotating[0].flush()
    content = path.read_text()
    assert "before the first paint, token=[redacted]" in content
    assert "after the first paint, token=[redacted]" in content
    assert "tok-before" not in content and "tok-after" not in content
    for _ in range(MAX_BYTES // 50 + 10):
        log.info("x" * 50)
    assert (tmp_path / "logs" / "assessor.log.1").exists()
