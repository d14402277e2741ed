"""What agreement numbers mean in words: the Landis & Koch bands for a kappa or alpha
value, as calibration views and reports show them. The statistics themselves are computed
by the hub (``assessor_app.hub.calibration.agreement``)."""

from __future__ import annotations

import math

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
