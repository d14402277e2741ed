"""What the assessor is told when a service call failed: trouble with the hub in the
sync layer's words (``sync.trouble``: what happened, that the work is safe, what to do),
anything else by its own message. The GUI shows these words and never looks at the sync
layer's error types itself."""

from __future__ import annotations

from assessor_app.sync.errors import HubError
from assessor_app.sync.trouble import trouble_words


def problem_words(error: BaseException) -> str:
    """One or two sentences for the assessor about ``error``."""
    return trouble_words(error) if isinstance(error, HubError) else str(error)
