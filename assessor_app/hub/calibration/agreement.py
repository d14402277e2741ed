"""Agreement statistics for calibration: how far assessors agree on the levels they chose.

Entry points (all pure functions over plain sequences or arrays):

- ``percent_agreement(a, b, tolerance=0)``: share of items two raters scored within
  ``tolerance`` levels of each other (0: exact, 1: exact-or-adjacent);
- ``cohen_kappa(a, b, weights=None, labels=None)``: Cohen's kappa for two raters,
  unweighted or with linear / quadratic weights;
- ``fleiss_kappa(counts)``: Fleiss' kappa from an items x categories matrix of rater counts;
- ``krippendorff_alpha(reliability_data, level="ordinal")``: Krippendorff's alpha from a
  raters x items matrix with NaN for a missing rating;
- ``agreement_matrix(a, b, labels=None)``: the confusion matrix behind Cohen's kappa.

Only the hub computes them (``stats.py`` beside this file), so numpy and krippendorff are
the hub's dependencies, not the desktop app's. What the numbers mean in words is
``assessor_app.domain.agreement.kappa_band``.

Conventions shared by every function:

- Malformed input (unequal lengths, no items, a wrong shape, an unknown weighting or level
  of measurement, a rating outside ``labels``, negative or fractional counts) raises
  ``ValueError`` with a message that says what is wrong.
- When every rating falls in one single category, chance agreement is total and the
  textbook formulas divide zero by zero. The raters still agree on every item, so the
  kappas and alpha return ``1.0`` there. (scikit-learn returns NaN for Cohen's kappa and
  the ``krippendorff`` package raises; our callers show a number to facilitators, and
  "perfect agreement" is what the data say.)
- Krippendorff's alpha returns NaN when no item has two ratings to compare (everything
  missing, or every item rated by one rater only): there is no evidence either way.

numpy and krippendorff are imported inside the functions that compute with them, so that
importing this module costs nothing until a statistic is actually asked for.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "AgreementMatrix",
    "KappaWeights",
    "MeasurementLevel",
    "agreement_matrix",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
]

KappaWeights = Literal["linear", "quadratic"] | None
MeasurementLevel = Literal["nominal", "ordinal", "interval"]

_WEIGHTS = (None, "linear", "quadratic")
_LEVELS = ("nominal", "ordinal", "interval")


class AgreementMatrix(NamedTuple):
    """``counts[i, j]`` is how many items rater A put in ``labels[i]`` and rater B in
    ``labels[j]``; unpacks as ``labels, counts = agreement_matrix(a, b)``."""

    labels: tuple[Hashable, ...]
    counts: npt.NDArray[np.int64]


def _is_missing(value: object) -> bool:
    # NaN never equals itself, so it would silently become a new category in every count.
    return value is None or (isinstance(value, Real) and math.isnan(value))


def _check_pair(a: Sequence[Hashable], b: Sequence[Hashable]) -> None:
    if len(a) != len(b):
        raise ValueError(
            f"the two raters must score the same items: got {len(a)} and {len(b)} ratings"
        )
    if len(a) == 0:
        raise ValueError("no items to compare: both rating lists are empty")
    for rater, ratings in (("first", a), ("second", b)):
        for index, value in enumerate(ratings):
            if _is_missing(value):
                raise ValueError(
                    f"the {rater} rater's rating {index} is missing; "
                    "leave out items that either rater did not score"
                )


def _all_real(values: Sequence[Hashable]) -> bool:
    return all(isinstance(v, Real) and not isinstance(v, bool) for v in values)


def _resolve_labels(
    a: Sequence[Hashable], b: Sequence[Hashable], labels: Sequence[Hashable] | None
) -> tuple[Hashable, ...]:
    if labels is not None:
        resolved = tuple(labels)
        if len(set(resolved)) != len(resolved):
            raise ValueError(f"labels must not repeat, got {list(resolved)}")
        allowed = set(resolved)
        unknown = [v for v in dict.fromkeys([*a, *b]) if v not in allowed]
        if unknown:
            raise ValueError(f"ratings {unknown} are not among the labels {list(resolved)}")
        return resolved
    seen = list(dict.fromkeys([*a, *b]))
    try:
        return tuple(sorted(seen))  # type: ignore[type-var]
    except TypeError:
        # Mixed, unorderable values: order matters only for weighted kappa, which
        # insists on explicit labels for anything that is not numeric.
        return tuple(seen)


def agreement_matrix(
    a: Sequence[Hashable], b: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> AgreementMatrix:
    """The confusion matrix of two raters over the same items.

    Rows are rater ``a``'s categories, columns rater ``b``'s, both in ``labels`` order.
    Without ``labels`` the categories are the values either rater used, sorted (or in
    order of first appearance when they cannot be sorted). With ``labels``, categories
    nobody used get a row and column of zeros, and a rating outside ``labels`` is a
    ``ValueError``.
    """
    import numpy as np

    _check_pair(a, b)
    resolved = _resolve_labels(a, b, labels)
    index = {label: i for i, label in enumerate(resolved)}
    counts = np.zeros((len(resolved), len(resolved)), dtype=np.int64)
    for x, y in zip(a, b, strict=True):
        counts[index[x], index[y]] += 1
    return AgreementMatrix(resolved, counts)


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable], tolerance: int = 0) -> float:
    """Share (0..1) of items on which the two raters' levels differ by at most ``tolerance``.

    With ``tolerance=0`` the ratings may be any comparable values (level ids, ranks) and
    equality counts. A positive tolerance needs numeric ratings (level ranks, e.g. from
    ``Criterion.level_index``): ``tolerance=1`` is exact-or-adjacent agreement.
    """
    _check_pair(a, b)
    if isinstance(tolerance, bool) or not isinstance(tolerance, Real) or tolerance < 0:
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    if tolerance == 0:
        agreed = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    else:
        if not (_all_real(a) and _all_real(b)):
            raise ValueError("a tolerance above 0 needs numeric ratings (level ranks)")
        agreed = sum(1 for x, y in zip(a, b, strict=True) if abs(float(x) - float(y)) <= tolerance)
    return agreed / len(a)


def cohen_kappa(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    weights: KappaWeights = None,
    labels: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's kappa between two raters who scored the same items.

    ``weights`` is None (every disagreement counts fully), ``"linear"`` or ``"quadratic"``
    (a disagreement of *d* categories counts *d* or *d²*, by position in ``labels``).
    Weighted kappa needs the categories in rank order: pass ``labels`` lowest first, or
    numeric ratings, which are sorted. Matches scikit-learn's ``cohen_kappa_score``
    except that when both raters put every item in the same single category the result
    is ``1.0`` (perfect agreement) instead of NaN. Raters who each used one category, but
    different ones, get ``0.0``.
    """
    import numpy as np

    if weights not in _WEIGHTS:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    _check_pair(a, b)
    if weights is not None and labels is None and not (_all_real(a) and _all_real(b)):
        raise ValueError(
            "weighted kappa needs the categories in rank order: pass labels, lowest first"
        )
    _, confusion = agreement_matrix(a, b, labels)
    observed = confusion.astype(np.float64)
    n_classes = observed.shape[0]
    expected = np.outer(observed.sum(axis=0), observed.sum(axis=1)) / observed.sum()
    if weights is None:
        w = np.ones((n_classes, n_classes)) - np.eye(n_classes)
    else:
        rank = np.arange(n_classes, dtype=np.float64)
        distance = np.abs(rank[:, None] - rank[None, :])
        w = distance if weights == "linear" else distance**2
    expected_disagreement = float(np.sum(w * expected))
    if expected_disagreement == 0.0:
        # Only possible when both raters used one and the same category throughout,
        # so observed disagreement is zero as well.
        return 1.0
    return float(1.0 - np.sum(w * observed) / expected_disagreement)


def fleiss_kappa(counts: npt.ArrayLike) -> float:
    """Fleiss' kappa from ``counts[i, j]``: how many raters put item *i* in category *j*.

    Every item must be rated by the same number of raters, at least two. Counts must be
    non-negative whole numbers. Matches statsmodels' ``fleiss_kappa(table)``, except that
    when every rating is in one single category the result is ``1.0`` instead of NaN.
    """
    import numpy as np

    try:
        table = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"counts must be a matrix of numbers: {exc}") from None
    if table.ndim != 2:
        raise ValueError(f"counts must be an items x categories matrix, got {table.ndim} dims")
    n_items, n_categories = table.shape
    if n_items == 0 or n_categories == 0:
        raise ValueError(f"counts is empty ({n_items} items x {n_categories} categories)")
    if not np.all(np.isfinite(table)):
        raise ValueError("counts must be finite numbers")
    if np.any(table < 0) or np.any(table != np.round(table)):
        raise ValueError("counts must be whole numbers >= 0")
    per_item = table.sum(axis=1)
    raters = per_item[0]
    if np.any(per_item != raters):
        uneven = sorted({int(n) for n in per_item})
        raise ValueError(f"every item needs the same number of raters; rows sum to {uneven}")
    if raters < 2:
        raise ValueError(f"Fleiss' kappa needs at least 2 raters per item, got {int(raters)}")
    category_share = table.sum(axis=0) / table.sum()
    if np.count_nonzero(category_share) == 1:
        return 1.0
    per_item_agreement = (np.sum(table * table, axis=1) - raters) / (raters * (raters - 1.0))
    observed = float(per_item_agreement.mean())
    chance = float(np.sum(category_share * category_share))
    return (observed - chance) / (1.0 - chance)


def krippendorff_alpha(
    reliability_data: npt.ArrayLike, level: MeasurementLevel = "ordinal"
) -> float:
    """Krippendorff's alpha for ``reliability_data[r, i]``: rater *r*'s rating of item *i*.

    Ratings are numbers (for ordinal data, level ranks); NaN (or None) marks a rating
    that is missing. ``level`` is ``"nominal"``, ``"ordinal"`` or ``"interval"``.
    Computed by the ``krippendorff`` package, with these documented results where it
    would raise: NaN when no item has two ratings to compare (including all-missing
    data), and ``1.0`` when every comparable rating is the same value.
    """
    import krippendorff
    import numpy as np

    if level not in _LEVELS:
        raise ValueError(f"level must be 'nominal', 'ordinal' or 'interval', got {level!r}")
    try:
        data = np.asarray(reliability_data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"reliability data must be numbers (level ranks) or NaN: {exc}") from None
    if data.ndim != 2:
        raise ValueError(f"reliability data must be a raters x items matrix, got {data.ndim} dims")
    n_raters, n_items = data.shape
    if n_raters == 0 or n_items == 0:
        raise ValueError(f"reliability data is empty ({n_raters} raters x {n_items} items)")
    if np.any(np.isinf(data)):
        raise ValueError("reliability data must not contain infinities; use NaN for missing")
    rated = ~np.isnan(data)
    pairable = rated[:, rated.sum(axis=0) >= 2]
    if pairable.size == 0:
        return math.nan
    comparable = data[:, rated.sum(axis=0) >= 2][pairable]
    if np.unique(comparable).size == 1:
        return 1.0
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
