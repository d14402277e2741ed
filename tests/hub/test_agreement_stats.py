"""Agreement statistics: published worked examples, degenerate inputs and clear errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from assessor_app.hub.calibration.agreement import (
    AgreementMatrix,
    agreement_matrix,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)

NAN = math.nan

PairCall = Callable[[Sequence[object], Sequence[object]], object]

# Cohen (1960) style 2x2 example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
# p_o = 0.70, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.50, kappa = 0.40.
YES_NO_A = ["yes"] * 25 + ["no"] * 25
YES_NO_B = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15

# Fleiss (1971) as reproduced on Wikipedia: 10 items, 14 raters, 5 categories.
# P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
FLEISS_EXAMPLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units with gaps. Published: nominal 0.743, ordinal 0.815, interval 0.849.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


class TestPercentAgreement:
    def test_exact_and_adjacent(self) -> None:
        a = [0, 1, 2, 3, 3]
        b = [0, 2, 2, 1, 3]
        assert percent_agreement(a, b) == pytest.approx(3 / 5)
        assert percent_agreement(a, b, tolerance=1) == pytest.approx(4 / 5)
        assert percent_agreement(a, b, tolerance=2) == 1.0

    def test_level_ids_compare_by_equality(self) -> None:
        assert percent_agreement(["low", "high"], ["low", "mid"]) == 0.5

    def test_tolerance_needs_numeric_ranks(self) -> None:
        with pytest.raises(ValueError, match="numeric ratings"):
            percent_agreement(["low", "high"], ["low", "mid"], tolerance=1)

    @pytest.mark.parametrize("tolerance", [-1, -0.5, True, "1"])
    def test_invalid_tolerance(self, tolerance: object) -> None:
        with pytest.raises(ValueError, match="tolerance must be a number >= 0"):
            percent_agreement([1], [1], tolerance=tolerance)  # type: ignore[arg-type]


class TestCohenKappa:
    def test_published_two_by_two(self) -> None:
        assert cohen_kappa(YES_NO_A, YES_NO_B) == pytest.approx(0.4, abs=1e-12)

    def test_perfect_and_chance_agreement(self) -> None:
        assert cohen_kappa([1, 2, 3, 1], [1, 2, 3, 1]) == 1.0
        # Rater B always says the opposite: kappa is negative.
        assert cohen_kappa([0, 1, 0, 1], [1, 0, 1, 0]) == pytest.approx(-1.0)

    def test_weights_by_label_order_not_spelling(self) -> None:
        ranks = ["emerging", "developing", "proficient", "exemplary"]
        a = ["emerging", "developing", "proficient", "exemplary", "proficient"]
        b = ["developing", "developing", "exemplary", "exemplary", "emerging"]
        as_ints_a = [ranks.index(x) for x in a]
        as_ints_b = [ranks.index(x) for x in b]
        for weights in (None, "linear", "quadratic"):
            assert cohen_kappa(a, b, weights, labels=ranks) == pytest.approx(
                cohen_kappa(as_ints_a, as_ints_b, weights), abs=1e-12
            )

    def test_quadratic_weights_forgive_near_misses(self) -> None:
        a = [0, 1, 2, 3, 0, 1, 2, 3]
        b = [1, 1, 2, 2, 0, 2, 3, 3]
        assert cohen_kappa(a, b) < cohen_kappa(a, b, "linear") < cohen_kappa(a, b, "quadratic")

    def test_single_shared_category_is_perfect_agreement(self) -> None:
        for weights in (None, "linear", "quadratic"):
            assert cohen_kappa(["meets"] * 4, ["meets"] * 4, weights, labels=["meets"]) == 1.0
        # Unused labels do not change that both raters agreed on every item.
        assert cohen_kappa([2, 2, 2], [2, 2, 2], labels=[1, 2, 3]) == 1.0

    def test_each_rater_on_a_different_single_category_is_zero(self) -> None:
        assert cohen_kappa(["a"] * 5, ["b"] * 5) == 0.0

    def test_weighted_kappa_needs_an_order_for_words(self) -> None:
        with pytest.raises(ValueError, match="pass labels, lowest first"):
            cohen_kappa(["low", "high"], ["high", "high"], "linear")

    @pytest.mark.parametrize("weights", ["Linear", "squared", 2])
    def test_invalid_weights(self, weights: object) -> None:
        with pytest.raises(ValueError, match="weights must be None, 'linear' or 'quadratic'"):
            cohen_kappa([1, 2], [1, 2], weights)  # type: ignore[arg-type]

    def test_rating_outside_labels(self) -> None:
        with pytest.raises(ValueError, match=r"ratings \[9\] are not among the labels"):
            cohen_kappa([1, 2, 9], [1, 2, 2], labels=[1, 2, 3])

    def test_repeated_labels(self) -> None:
        with pytest.raises(ValueError, match="labels must not repeat"):
            cohen_kappa([1, 2], [1, 2], labels=[1, 2, 2])


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: percent_agreement(a, b),
        lambda a, b: cohen_kappa(a, b),
        lambda a, b: agreement_matrix(a, b),
    ],
    ids=["percent", "kappa", "matrix"],
)
class TestPairInputErrors:
    def test_unequal_lengths(self, call: PairCall) -> None:
        with pytest.raises(ValueError, match="same items: got 3 and 2 ratings"):
            call([1, 2, 3], [1, 2])

    def test_empty(self, call: PairCall) -> None:
        with pytest.raises(ValueError, match="no items to compare"):
            call([], [])

    @pytest.mark.parametrize("missing", [None, NAN, np.float32("nan")])
    def test_missing_rating(self, call: PairCall, missing: object) -> None:
        with pytest.raises(ValueError, match="second rater's rating 1 is missing"):
            call([1, 2], [1, missing])


class TestAgreementMatrix:
    def test_rows_are_the_first_rater(self) -> None:
        labels, counts = agreement_matrix([1, 1, 2, 3], [1, 2, 2, 1])
        assert labels == (1, 2, 3)
        assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
        assert counts.dtype == np.int64

    def test_labels_fix_order_and_add_empty_categories(self) -> None:
        result = agreement_matrix(["hi", "lo"], ["hi", "hi"], labels=["lo", "mid", "hi"])
        assert isinstance(result, AgreementMatrix)
        assert result.labels == ("lo", "mid", "hi")
        assert result.counts.tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 1]]

    def test_unsortable_values_keep_first_appearance(self) -> None:
        labels, counts = agreement_matrix(["b", 1, "b"], [1, "b", "b"])
        assert labels == ("b", 1)
        assert counts.tolist() == [[1, 1], [1, 0]]
        assert counts.sum() == 3


class TestFleissKappa:
    def test_published_example(self) -> None:
        assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.20993, abs=5e-6)

    def test_perfect_agreement_over_several_categories(self) -> None:
        assert fleiss_kappa([[3, 0], [0, 3], [3, 0]]) == pytest.approx(1.0)

    def test_single_category_is_perfect_agreement(self) -> None:
        assert fleiss_kappa([[4, 0, 0], [4, 0, 0]]) == 1.0
        assert fleiss_kappa([[2], [2], [2]]) == 1.0

    @pytest.mark.parametrize(
        ("counts", "message"),
        [
            ([[2, 1], [1, 1]], r"same number of raters; rows sum to \[2, 3\]"),
            ([[1, 0], [0, 1]], "at least 2 raters per item, got 1"),
            ([[0, 0], [0, 0]], "at least 2 raters per item, got 0"),
            ([[2, -1], [1, 0]], "whole numbers >= 0"),
            ([[1.5, 0.5], [1, 1]], "whole numbers >= 0"),
            ([[NAN, 2], [1, 1]], "finite"),
            ([1, 2, 3], "items x categories matrix, got 1 dims"),
            (np.zeros((0, 3)), r"empty \(0 items x 3 categories\)"),
            ([["a", "b"]], "matrix of numbers"),
        ],
        ids=[
            "uneven-raters",
            "one-rater",
            "no-raters",
            "negative",
            "fractional",
            "nan",
            "vector",
            "empty",
            "words",
        ],
    )
    def test_invalid_counts(self, counts: object, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            fleiss_kappa(counts)  # type: ignore[arg-type]


class TestKrippendorffAlpha:
    @pytest.mark.parametrize(
        ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
    )
    def test_published_example(self, level: str, published: float) -> None:
        value = krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level)  # type: ignore[arg-type]
        assert round(value, 3) == published

    def test_default_level_is_ordinal(self) -> None:
        assert krippendorff_alpha(KRIPPENDORFF_EXAMPLE) == krippendorff_alpha(
            KRIPPENDORFF_EXAMPLE, "ordinal"
        )

    def test_none_counts_as_missing(self) -> None:
        with_none = [[None if math.isnan(x) else x for x in row] for row in KRIPPENDORFF_EXAMPLE]
        assert krippendorff_alpha(with_none, "nominal") == krippendorff_alpha(
            KRIPPENDORFF_EXAMPLE, "nominal"
        )

    @pytest.mark.parametrize(
        "data",
        [
            [[NAN, NAN, NAN], [NAN, NAN, NAN]],
            [[1, NAN, 3], [NAN, 2, NAN]],
            [[1, 2, 3]],
        ],
        ids=["all-missing", "no-item-rated-twice", "one-rater"],
    )
    def test_nothing_to_compare_is_nan(self, data: list[list[float]]) -> None:
        for level in ("nominal", "ordinal", "interval"):
            assert math.isnan(krippendorff_alpha(data, level))  # type: ignore[arg-type]

    def test_one_value_throughout_is_perfect_agreement(self) -> None:
        # The lone 2 has no partner, so every comparable pair is (3, 3).
        data = [[3, 3, 2], [3, 3, NAN]]
        for level in ("nominal", "ordinal", "interval"):
            assert krippendorff_alpha(data, level) == 1.0  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("data", "level", "message"),
        [
            ([[1, 2]], "ratio", "level must be 'nominal', 'ordinal' or 'interval'"),
            ([[1, 2]], "Ordinal", "level must be"),
            ([1, 2, 3], "nominal", "raters x items matrix, got 1 dims"),
            (np.zeros((0, 4)), "nominal", r"empty \(0 raters x 4 items\)"),
            (np.zeros((2, 0)), "nominal", r"empty \(2 raters x 0 items\)"),
            ([[1, math.inf], [1, 2]], "interval", "infinities"),
            ([["low", "high"], ["low", "low"]], "nominal", "numbers \\(level ranks\\) or NaN"),
        ],
        ids=["ratio", "capitalised", "vector", "no-raters", "no-items", "infinity", "words"],
    )
    def test_invalid_input(self, data: object, level: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            krippendorff_alpha(data, level)  # type: ignore[arg-type]
