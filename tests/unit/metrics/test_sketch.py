from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.metrics.sketch import QuantileSketch
from edgewatch.quantiles import nearest_rank

POSITIVE = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
ANY = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def exact(values: list[float], q: float) -> float:
    """The reference: the stack's nearest-rank quantile of the raw values (rank ceil(q * n))."""
    got = nearest_rank(sorted(values), q)
    assert got is not None
    return got


def within(got: float | None, want: float, accuracy: float) -> bool:
    assert got is not None
    return abs(got - want) <= accuracy * abs(want) + 1e-12


@settings(max_examples=200)
@given(st.lists(POSITIVE, min_size=1, max_size=400), st.sampled_from([0.01, 0.25, 0.5, 0.75, 0.95, 0.99]))
def test_relative_error_is_bounded(values: list[float], q: float) -> None:
    sketch = QuantileSketch(0.01)
    for v in values:
        sketch.add(v)
    assert within(sketch.quantile(q), exact(values, q), 0.01)


@settings(max_examples=100)
@given(st.lists(ANY, min_size=1, max_size=300), st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
def test_values_across_zero(values: list[float], q: float) -> None:
    sketch = QuantileSketch(0.01)
    for v in values:
        sketch.add(v)
    want = exact(values, q)
    got = sketch.quantile(q)
    assert got is not None
    assert abs(got - want) <= 0.01 * abs(want) + 1e-9


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        # (values, q, the nearest-rank value the sketch answers within 1%)
        ([120, 180, 220, 900], 0.95, 900),  # rank ceil(3.8) = 4: the slow request (ddsketch's q * (n - 1) gives 219)
        ([120, 180, 220, 900], 0.5, 180),  # rank 2
        ([120, 180, 220, 900], 0.75, 220),  # rank 3
        ([120, 180, 220, 2500], 0.95, 2500),  # one slow request in 4 is 25% > 5%: p95 > 2000 must fire
        ([250], 0.95, 250),  # a single value
        ([float(v) for v in range(1, 101)], 0.07, 7),  # rank 7 although the float 0.07 * 100 is above 7
        ([-3.0, -2.0, 0.0, 5.0], 0.5, -2.0),  # across zero: rank 2
        ([-3.0, -2.0, 0.0, 5.0], 0.75, 0.0),  # rank 3 is the zero
    ],
)
def test_quantiles_are_nearest_rank(values: list[float], q: float, expected: float) -> None:
    sketch = QuantileSketch(0.01)
    sketch.add_many([float(v) for v in values])
    assert within(sketch.quantile(q), expected, 0.01)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(POSITIVE, st.integers(min_value=1, max_value=50)), min_size=1, max_size=100),
    st.sampled_from([0.01, 0.5, 0.9, 0.95, 0.99]),
)
def test_weighted_values_count_as_that_many(pairs: list[tuple[float, int]], q: float) -> None:
    sketch = QuantileSketch(0.01)
    for value, weight in pairs:
        sketch.add(value, float(weight))
    expanded = [value for value, weight in pairs for _ in range(weight)]
    assert within(sketch.quantile(q), exact(expanded, q), 0.01)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=1, max_value=10_000).map(float), min_size=1, max_size=50))
def test_a_p95_rule_fires_when_more_than_5_percent_are_slower(values: list[float]) -> None:
    """p95 > T holds when more than 5% of the values exceed T (here T lies clear of the 1% error)."""
    sketch = QuantileSketch(0.01)
    sketch.add_many(values)
    got = sketch.quantile(0.95)
    assert got is not None
    for t in (100.0, 1000.0, 2000.0, 5000.0):
        above = sum(v > t for v in values)
        if all(abs(v - t) > 0.02 * t for v in values):  # no value within the sketch's error of T
            assert (got > t) == (above * 100 > 5 * len(values)), (t, above, len(values))


@given(st.lists(POSITIVE, max_size=200), st.lists(POSITIVE, max_size=200))
def test_merge_equals_the_union(a: list[float], b: list[float]) -> None:
    left, right, union = QuantileSketch(), QuantileSketch(), QuantileSketch()
    for v in a:
        left.add(v)
        union.add(v)
    for v in b:
        right.add(v)
        union.add(v)
    left.merge(right)
    assert left.to_json() | {"s": 0} == union.to_json() | {"s": 0}
    assert left.sum == pytest.approx(union.sum)


def test_add_many_equals_add() -> None:
    rng = random.Random(3)
    values = [rng.lognormvariate(3, 1) for _ in range(5000)] + [0.0, -4.0, 2.5]
    one, many = QuantileSketch(), QuantileSketch()
    for v in values:
        one.add(v)
    many.add_many(values)
    assert one.to_json() | {"s": 0} == many.to_json() | {"s": 0}
    assert one.count == many.count == len(values)


def test_json_round_trip_is_exact() -> None:
    sketch = QuantileSketch()
    sketch.add_many([0.5, 1, 2, 2, 3, 1000, 0.0, -7.5])
    back = QuantileSketch.from_json(json.loads(json.dumps(sketch.to_json())))
    assert back.to_json() == sketch.to_json()
    assert back.quantile(0.5) == sketch.quantile(0.5)


def test_memory_is_bounded_and_high_quantiles_stay_accurate() -> None:
    sketch = QuantileSketch(0.01, max_buckets=128)
    values = [10 ** (i / 1000) for i in range(12000)]  # 12 decades: ~1400 buckets uncollapsed
    sketch.add_many(values)
    assert sketch.buckets <= 128
    assert within(sketch.quantile(0.99), exact(values, 0.99), 0.01)


def test_empty_and_extremes() -> None:
    sketch = QuantileSketch()
    assert sketch.quantile(0.5) is None and sketch.avg is None
    sketch.add_many([3.0, 9.0])
    assert sketch.quantile(0.0) == 3.0 and sketch.quantile(1.0) == 9.0
    assert sketch.avg == 6.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_invalid_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        QuantileSketch().add(bad)
    with pytest.raises(ValueError):
        QuantileSketch().add_many([1.0, bad])


def test_merging_different_accuracies_is_refused() -> None:
    with pytest.raises(ValueError):
        QuantileSketch(0.01).merge(QuantileSketch(0.02))


# --- the dense store's edges -------------------------------------------------------------------


def _state(sketch: QuantileSketch) -> dict[str, object]:
    return sketch.to_json()


def test_merge_with_disjoint_ranges_below_and_above() -> None:
    low, high, middle = QuantileSketch(), QuantileSketch(), QuantileSketch()
    low.add_many([0.001, 0.002])
    high.add_many([5000.0, 9000.0])
    middle.add_many([1.0, 2.0])
    expected = QuantileSketch()
    expected.add_many([0.001, 0.002, 5000.0, 9000.0, 1.0, 2.0])
    middle.merge(high)  # the other lies above
    middle.merge(low)  # ... and below
    assert _state(middle)["p"] == _state(expected)["p"]
    assert middle.count == 6


def test_merging_a_sketch_into_itself_doubles_it() -> None:
    sketch = QuantileSketch()
    sketch.add_many([1.0, 10.0, 100.0])
    sketch.merge(sketch)
    assert sketch.count == 6
    doubled = QuantileSketch()
    doubled.add_many([1.0, 10.0, 100.0] * 2)
    assert _state(sketch)["p"] == _state(doubled)["p"]


def test_a_value_below_a_collapsed_range_counts_in_the_lowest_bucket() -> None:
    sketch = QuantileSketch(0.01, max_buckets=16)
    sketch.add_many([1000.0 * 1.02**i for i in range(40)])  # a span of 40 keys: collapsed to 16
    assert sketch.buckets <= 16
    sketch.add(0.5)  # far below: extends, then collapses into the lowest bucket
    assert sketch.buckets <= 16
    assert sketch.count == 41
    # rank ceil(0.99 * 41) = 41: the largest of the 41 values, 1000 * 1.02**39; high quantiles stay accurate
    assert sketch.quantile(0.99) == pytest.approx(1000.0 * 1.02**39, rel=0.01)


def test_json_round_trip_keeps_gaps_and_bounds() -> None:
    sketch = QuantileSketch()
    sketch.add_many([0.01, 1e6])
    again = QuantileSketch.from_json(json.loads(json.dumps(sketch.to_json())))
    assert again.to_json() == sketch.to_json()
    assert again.quantile(0.0) == 0.01 and again.quantile(1.0) == 1e6
