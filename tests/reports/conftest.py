"""Fixtures for the report tests: build a feedback report and read it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from report_kit import (
    DECIDED_AT,
    ISSUER,
    Rendered,
    credential,
    pdf_info,
    pdf_text,
    sheet,
    submission,
)

from assessor_app.domain import Decision
from assessor_app.reports import build_feedback_report


@pytest.fixture
def render(tmp_path: Path) -> Callable[..., Rendered]:
    """Build a report (defaults: attempt 1, a Pass sheet) and read it back."""

    def _render(name: str = "report", **kwargs: Any) -> Rendered:
        pdf = tmp_path / f"{name}.pdf"
        args: dict[str, Any] = {
            "credential": credential(),
            "submission": submission(),
            "sheet": sheet(),
            "decision": Decision.PASS,
            "decided_at": DECIDED_AT,
            "issuer": ISSUER,
        }
        args.update(kwargs)
        build_feedback_report(pdf, **args)
        return Rendered(pdf, pdf_text(pdf), pdf_info(pdf))

    return _render
