"""Agreement statistics at calibration-session scale, timed against the reference libraries.

A large session is about 30 criteria x 20 submissions x 12 assessors; the figures are
milliseconds per call for the statistics the session view recomputes on reveal.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from assessor_app.hub.calibration.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha
from benchmarks.result import Result

ITEMS = 30 * 20
RATERS = 12
CATEGORIES = 4
REPEATS = 50


def _ms_per_call(call: Callable[[], object]) -> float:
    call()
    start = time.perf_counter()
    for _ in range(REPEATS):
        call()
    return (time.perf_counter() - start) * 1000 / REPEATS


def run() -> list[Result]:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, CATEGORIES, ITEMS)
    ratings = np.clip(truth + rng.integers(-1, 2, (RATERS, ITEMS)), 0, CATEGORIES - 1)
    a, b = ratings[0].tolist(), ratings[1].tolist()
    counts = np.stack([(ratings == c).sum(axis=0) for c in range(CATEGORIES)], axis=1)
    data = ratings.astype(float)
    data[rng.random(data.shape) < 0.1] = np.nan

    kappa = _ms_per_call(lambda: cohen_kappa(a, b, "quadratic"))
    kappa_ref = _ms_per_call(lambda: cohen_kappa_score(a, b, weights="quadratic"))
    fleiss = _ms_per_call(lambda: fleiss_kappa(counts))
    fleiss_ref = _ms_per_call(lambda: statsmodels_fleiss_kappa(counts))
    alpha = _ms_per_call(lambda: krippendorff_alpha(data, "ordinal"))
    alpha_ref = _ms_per_call(
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    )
    return [
        Result(
            f"cohen_kappa quadratic, {ITEMS} items", kappa, "ms", "scikit-learn", kappa / kappa_ref
        ),
        Result(
            f"fleiss_kappa, {ITEMS} items x {RATERS} raters",
            fleiss,
            "ms",
            "statsmodels",
            fleiss / fleiss_ref,
        ),
        Result(
            f"krippendorff_alpha ordinal, {RATERS} x {ITEMS}, 10% missing",
            alpha,
            "ms",
            "krippendorff",
            alpha / alpha_ref,
        ),
    ]
