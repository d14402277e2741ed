"""Agreement statistics of a calibration session, from ``agreement.py`` beside this file.

The input is a raters x units matrix of level ranks (None: not rated). How each number
is formed (pairwise means, complete units for Fleiss, NaN for Krippendorff) is the
contract documented in ``assessor_app.protocol.calibration``; this module is its only
implementation, so the hub and any reader of that contract agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

from assessor_app.domain.agreement import enough_items
from assessor_app.hub.calibration.agreement import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from assessor_app.protocol.calibration import AgreementStatistics

Ratings = Sequence[Sequence[int | None]]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def agreement_statistics(ratings: Ratings, n_levels: int) -> AgreementStatistics:
    """Statistics of ``ratings[r][u]`` (rater r's level rank on unit u, 0-based, below
    ``n_levels``). Numbers that the data cannot support, or that need more items than
    were rated by two or more (``MINIMUM_ITEMS``), are None."""
    labels = list(range(max(n_levels, 1)))
    exact: list[float] = []
    adjacent: list[float] = []
    kappa: list[float] = []
    kappa_quadratic: list[float] = []
    for first, second in combinations(ratings, 2):
        both = [
            (x, y) for x, y in zip(first, second, strict=True) if x is not None and y is not None
        ]
        if not both:
            continue
        a = [x for x, _ in both]
        b = [y for _, y in both]
        exact.append(percent_agreement(a, b, tolerance=0))
        adjacent.append(percent_agreement(a, b, tolerance=1))
        kappa.append(cohen_kappa(a, b, labels=labels))
        kappa_quadratic.append(cohen_kappa(a, b, weights="quadratic", labels=labels))

    n_units = len(ratings[0]) if ratings else 0
    complete = [u for u in range(n_units) if all(r[u] is not None for r in ratings)]
    fleiss: float | None = None
    if len(ratings) >= 2 and complete:
        counts = [[0] * len(labels) for _ in complete]
        for row, unit in zip(counts, complete, strict=True):
            for rater in ratings:
                rank = rater[unit]
                assert rank is not None  # complete units only
                row[rank] += 1
        fleiss = fleiss_kappa(counts)

    alpha: float | None = None
    if ratings and n_units:
        data = [[math.nan if x is None else float(x) for x in rater] for rater in ratings]
        alpha = _finite(krippendorff_alpha(data, level="ordinal"))

    n_items = sum(1 for u in range(n_units) if sum(r[u] is not None for r in ratings) >= 2)
    values = {
        "exact_agreement": _mean(exact),
        "adjacent_agreement": _mean(adjacent),
        "cohen_kappa": _mean(kappa),
        "cohen_kappa_quadratic": _mean(kappa_quadratic),
        "fleiss_kappa": fleiss,
        "krippendorff_alpha": alpha,
    }
    return AgreementStatistics(
        **{name: value if enough_items(name, n_items) else None for name, value in values.items()},
        n_ratings=sum(1 for rater in ratings for x in rater if x is not None),
        n_items=n_items,
    )
