"""PlayedRanges: the union of played stretches, checked against a set of milliseconds."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessor_app.domain.coverage import PlayedRanges

intervals = st.lists(st.tuples(st.integers(-5, 120), st.integers(-5, 120)), min_size=0, max_size=25)


def _brute(pairs: list[tuple[int, int]]) -> set[int]:
    covered: set[int] = set()
    for start, end in pairs:
        covered.update(range(max(0, start), end))
    return covered


def _as_set(ranges: PlayedRanges) -> set[int]:
    return {ms for start, end in ranges for ms in range(start, end)}


@given(intervals)
def test_union_matches_a_set_of_milliseconds(pairs: list[tuple[int, int]]) -> None:
    ranges = PlayedRanges(pairs)
    assert _as_set(ranges) == _brute(pairs)
    assert ranges.total_ms == len(_brute(pairs))
    spans = list(ranges)
    # Sorted, non-empty, and neither overlapping nor touching.
    assert all(start < end for start, end in spans)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


@given(intervals, intervals)
def test_merge_is_the_union(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    left, right = PlayedRanges(a), PlayedRanges(b)
    merged = left.merge(right)
    assert _as_set(merged) == _brute(a) | _brute(b)
    assert merged == right.merge(left)
    assert left == PlayedRanges(a)  # operands untouched


@given(intervals, st.integers(0, 130))
def test_share_and_gaps(pairs: list[tuple[int, int]], duration: int) -> None:
    ranges = PlayedRanges(pairs)
    inside = {ms for ms in _brute(pairs) if ms < duration}
    expected = len(inside) / duration if duration else 0.0
    assert ranges.share(duration) == pytest.approx(expected)
    gap_ms = {ms for start, end in ranges.gaps(duration) for ms in range(start, end)}
    assert gap_ms == set(range(duration)) - inside


@given(intervals)
def test_round_trip_through_json(pairs: list[tuple[int, int]]) -> None:
    ranges = PlayedRanges(pairs)
    restored = PlayedRanges.from_list(json.loads(json.dumps(ranges.to_list())))
    assert restored == ranges


def test_adding_in_any_order() -> None:
    ranges = PlayedRanges()
    ranges.add(5000, 9000)
    ranges.add(0, 2000)
    ranges.add(2000, 3000)  # touches: merged
    ranges.add(8000, 12_000)
    ranges.add(20_000, 20_000)  # empty: ignored
    assert ranges.to_list() == [[0, 3000], [5000, 12_000]]
    assert ranges.total_ms == 10_000
    assert ranges.share(20_000) == 0.5
    assert ranges.gaps(20_000) == [(3000, 5000), (12_000, 20_000)]


def test_from_list_rejects_malformed_pairs() -> None:
    with pytest.raises(ValueError, match="pair of integers"):
        PlayedRanges.from_list([[0, 1, 2]])
    with pytest.raises(ValueError, match="pair of integers"):
        PlayedRanges.from_list([["0", "5"]])
    with pytest.raises(ValueError, match="pair of integers"):
        PlayedRanges.from_list([[True, 5]])
