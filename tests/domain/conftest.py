"""Fixtures for the domain tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from domain_helpers import RUBRIC_FIXTURES


@pytest.fixture
def rubric_fixtures() -> Path:
    return RUBRIC_FIXTURES
