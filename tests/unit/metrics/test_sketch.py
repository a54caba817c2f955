from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.metrics.sketch import QuantileSketch

POSITIVE = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
ANY = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[math.floor(q * (len(ordered) - 1))]


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
    # rank 0.99 * 40 = 39.6: the 40th smallest of the 41 values, 1000 * 1.02**38; high quantiles stay accurate
    assert sketch.quantile(0.99) == pytest.approx(1000.0 * 1.02**38, rel=0.01)


def test_json_round_trip_keeps_gaps_and_bounds() -> None:
    sketch = QuantileSketch()
    sketch.add_many([0.01, 1e6])
    again = QuantileSketch.from_json(json.loads(json.dumps(sketch.to_json())))
    assert again.to_json() == sketch.to_json()
    assert again.quantile(0.0) == 0.01 and again.quantile(1.0) == 1e6
