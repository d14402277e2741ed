"""What agreement numbers mean in words: the Landis & Koch bands for a kappa or alpha
value, as calibration views and reports show them, and how many items each statistic
needs before it means anything. The statistics themselves are computed by the hub
(``assessor_app.hub.calibration.agreement``), which leaves out any the items cannot
support; the views and the report then say "too few items"."""

from __future__ import annotations

import math

MINIMUM_ITEMS: dict[str, int] = {
    "exact_agreement": 1,
    "adjacent_agreement": 1,
    "cohen_kappa": 3,
    "cohen_kappa_quadratic": 3,
    "fleiss_kappa": 3,
    "krippendorff_alpha": 3,
}
"""Items (units scored by at least two assessors) each statistic needs. A share of
agreeing pairs is a plain count even on one item; a chance-corrected statistic on one or
two items swings to any value (one item gave Cohen 0.00, Fleiss -1.00 and a weighted
kappa of -0.50 for two adjacent levels), so it is not given."""

TOO_FEW_ITEMS = "too few items"


def enough_items(statistic: str, n_items: int) -> bool:
    """Whether ``n_items`` items are enough for ``statistic`` (a key of ``MINIMUM_ITEMS``)."""
    return n_items >= MINIMUM_ITEMS[statistic]


_BANDS = (
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
)


def kappa_band(k: float) -> str:
    """Landis & Koch (1977) words for a kappa or alpha value, for display.

    Below 0: "poor"; 0-0.20 "slight"; 0.21-0.40 "fair"; 0.41-0.60 "moderate";
    0.61-0.80 "substantial"; above 0.80 "almost perfect". Each upper bound belongs to
    its band (0.20 is slight, 0.2000001 is fair). NaN (no evidence) is "undefined".
    """
    if math.isnan(k):
        return "undefined"
    if k < 0:
        return "poor"
    for upper, word in _BANDS:
        if k <= upper:
            return word
    return "almost perfect"
