"""How calibration numbers and items read: a statistic the hub left out for too few items
says so; items are named by credential and educator pseudonym."""

from __future__ import annotations

from assessor_app.domain.agreement import MINIMUM_ITEMS, TOO_FEW_ITEMS, enough_items
from assessor_app.domain.calibration_display import format_statistic, item_name


def test_a_statistic_left_out_for_too_few_items_says_so() -> None:
    assert format_statistic("cohen_kappa", None, 1) == TOO_FEW_ITEMS == "too few items"
    assert format_statistic("fleiss_kappa", None, 2) == "too few items"
    # Enough items, but nothing to compute from (e.g. one rater): not "too few items".
    assert format_statistic("cohen_kappa", None, 5) == "not enough data"
    assert format_statistic("cohen_kappa", None, None) == "not enough data"  # older hub
    assert format_statistic("exact_agreement", 1.0, 1) == "100%"
    assert format_statistic("cohen_kappa", 0.85, 4) == "0.85 (almost perfect)"


def test_chance_corrected_statistics_need_more_items_than_shares() -> None:
    assert enough_items("exact_agreement", 1) and enough_items("adjacent_agreement", 1)
    for name in ("cohen_kappa", "cohen_kappa_quadratic", "fleiss_kappa", "krippendorff_alpha"):
        assert not enough_items(name, MINIMUM_ITEMS[name] - 1)
        assert enough_items(name, MINIMUM_ITEMS[name])
        assert MINIMUM_ITEMS[name] >= 3


def test_items_are_named_by_credential_and_educator() -> None:
    assert item_name("Wait Time in Questioning", "E-7043", 1, "sub-cfu-e7043-a1") == (
        "Wait Time in Questioning · Educator E-7043"
    )
    assert item_name("Wait Time in Questioning", "E-7043", 2, "sub-x") == (
        "Wait Time in Questioning · Educator E-7043, attempt 2"
    )
    # A hub that does not say whose it is: the id is all there is.
    assert item_name("Wait Time", "", None, "sub-x") == "Wait Time · submission sub-x"
