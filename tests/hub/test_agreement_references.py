"""Agreement statistics against reference implementations on seeded random data, to 1e-9:
scikit-learn's ``cohen_kappa_score``, statsmodels' ``fleiss_kappa`` and the ``krippendorff``
package. Cases where a reference is undefined must get our documented result instead."""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import numpy.typing as npt
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from assessor_app.hub.calibration.agreement import (
    KappaWeights,
    MeasurementLevel,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
)

TOLERANCE = 1e-9
CASES = 300
CATEGORY_COUNTS = (2, 3, 4, 5, 7)


def rater_pair(
    rng: np.random.Generator, categories: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Two raters over the same items: independent, close, or identical, so kappa spans
    its range."""
    items = int(rng.integers(1, 60))
    a = rng.integers(0, categories, items)
    mode = rng.integers(0, 3)
    if mode == 0:
        b = rng.integers(0, categories, items)
    elif mode == 1:
        b = np.clip(a + rng.integers(-1, 2, items), 0, categories - 1)
    else:
        b = a.copy()
        b[rng.random(items) < 0.1] = rng.integers(0, categories)
    return a, b


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_scikit_learn(weights: KappaWeights) -> None:
    rng = np.random.default_rng(20240601)
    compared = undefined = 0
    for case in range(CASES):
        categories = int(rng.choice(CATEGORY_COUNTS))
        a, b = rater_pair(rng, categories)
        labels = list(range(categories)) if rng.random() < 0.3 else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cohen_kappa_score(a, b, weights=weights, labels=labels)
        # Half the cases as plain lists of ints, half as numpy arrays.
        ours_a, ours_b = (a.tolist(), b.tolist()) if case % 2 else (a, b)
        actual = cohen_kappa(ours_a, ours_b, weights, labels)
        if math.isnan(expected):
            # scikit-learn leaves a single shared category undefined; we call it perfect.
            assert len(set(a.tolist()) | set(b.tolist())) == 1, (case, a, b)
            assert actual == 1.0
            undefined += 1
            continue
        assert abs(actual - expected) <= TOLERANCE, (case, weights, labels, a, b)
        compared += 1
    assert compared >= CASES * 0.9
    assert undefined >= 1  # the degenerate branch was exercised too


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_on_level_ids_matches_ranks(weights: KappaWeights) -> None:
    rng = np.random.default_rng(7)
    names = ["not-yet", "emerging", "developing", "proficient", "exemplary", "model", "beyond"]
    for _ in range(CASES // 3):
        categories = int(rng.choice(CATEGORY_COUNTS))
        a, b = rater_pair(rng, categories)
        if len(set(a.tolist()) | set(b.tolist())) == 1:
            continue
        ranks = names[:categories]
        expected = cohen_kappa_score(a, b, weights=weights, labels=list(range(categories)))
        actual = cohen_kappa(
            [ranks[i] for i in a],
            [ranks[i] for i in b],
            weights,
            labels=ranks,
        )
        assert abs(actual - expected) <= TOLERANCE


def test_fleiss_kappa_matches_statsmodels() -> None:
    rng = np.random.default_rng(19710501)
    compared = undefined = 0
    for case in range(CASES):
        items = int(rng.integers(1, 40))
        raters = int(rng.integers(2, 9))
        categories = int(rng.integers(2, 7))
        shares = rng.dirichlet(np.full(categories, float(rng.choice([0.3, 1.0, 5.0]))))
        table = rng.multinomial(raters, shares, size=items)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = statsmodels_fleiss_kappa(table, method="fleiss")
        counts = table if case % 2 else table.tolist()
        actual = fleiss_kappa(counts)
        if math.isnan(expected):
            assert np.count_nonzero(table.sum(axis=0)) == 1, (case, table)
            assert actual == 1.0
            undefined += 1
            continue
        assert abs(actual - expected) <= TOLERANCE, (case, table)
        compared += 1
    assert compared >= CASES * 0.9


def random_reliability_data(
    rng: np.random.Generator, level: MeasurementLevel
) -> npt.NDArray[np.float64]:
    raters = int(rng.integers(2, 7))
    items = int(rng.integers(1, 30))
    categories = int(rng.choice(CATEGORY_COUNTS))
    if level == "interval":
        # Unevenly spaced values, as points on a rubric might be.
        values = np.sort(rng.choice(np.arange(0.0, 20.0, 0.5), categories, replace=False))
    else:
        values = np.arange(1.0, categories + 1.0)
    truth = rng.integers(0, categories, items)
    spread = rng.integers(-1, 2, (raters, items)) * (rng.random((raters, items)) < 0.4)
    data = values[np.clip(truth + spread, 0, categories - 1)]
    data[rng.random((raters, items)) < rng.uniform(0.0, 0.6)] = np.nan
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_krippendorff_alpha_matches_the_krippendorff_package(level: MeasurementLevel) -> None:
    rng = np.random.default_rng({"nominal": 11, "ordinal": 12, "interval": 13}[level])
    compared = nothing_to_compare = one_value = 0
    for case in range(CASES):
        data = random_reliability_data(rng, level)
        actual = krippendorff_alpha(data, level)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        except ValueError:
            expected = math.nan
        if not math.isnan(expected):
            assert abs(actual - expected) <= TOLERANCE, (case, level, data)
            compared += 1
            continue
        rated_twice = (~np.isnan(data)).sum(axis=0) >= 2
        if not rated_twice.any():
            assert math.isnan(actual), (case, data)
            nothing_to_compare += 1
        else:
            comparable = data[:, rated_twice]
            assert np.unique(comparable[~np.isnan(comparable)]).size == 1, (case, data)
            assert actual == 1.0
            one_value += 1
    assert compared >= CASES * 0.85
    assert nothing_to_compare + one_value >= 1
