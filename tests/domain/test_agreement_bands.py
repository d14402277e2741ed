"""The Landis & Koch words for a kappa or alpha value, at and around each band's bounds."""

from __future__ import annotations

import math

import pytest

from assessor_app.domain.agreement import kappa_band

NAN = math.nan


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-1.0, "poor"),
        (-0.0001, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.2001, "fair"),
        (0.4, "fair"),
        (0.41, "moderate"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (NAN, "undefined"),
    ],
)
def test_kappa_band(value: float, band: str) -> None:
    assert kappa_band(value) == band
