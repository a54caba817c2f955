"""The stack's one quantile definition: nearest rank, the value at rank ceil(q * n)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.quantiles import nearest_rank, rank

CASES: list[tuple[list[float], float, float | None]] = [
    # (sorted values, q, expected)
    ([120, 180, 220, 900], 0.95, 900),  # rank ceil(3.8) = 4: the slow request, not 219 (rank q * (n - 1))
    ([120, 180, 220, 900], 0.5, 180),  # rank ceil(2) = 2: no interpolation between 180 and 220
    ([120, 180, 220, 900], 0.75, 220),  # rank 3
    ([120, 180, 220, 900], 0.76, 900),  # rank ceil(3.04) = 4
    ([7], 0.95, 7),  # a single value is every quantile
    ([7], 0.0, 7),
    ([120, 180, 220, 900], 0.0, 120),  # q = 0: the minimum
    ([120, 180, 220, 900], 1.0, 900),  # q = 1: the maximum
    ([120, 180, 220, 900], 0.001, 120),  # rank ceil(0.004) = 1
    ([float(v) for v in range(1, 101)], 0.5, 50),
    ([float(v) for v in range(1, 101)], 0.95, 95),
    ([float(v) for v in range(1, 101)], 0.07, 7),  # the float 0.07 * 100 is 7.000000000000001: still rank 7
    ([float(v) for v in range(1, 101)], 0.999, 100),  # rank ceil(99.9) = 100
    ([1.0, 2.0, 3.0, 4.0, 100.0], 0.95, 100),  # ceil(4.75) = 5th
    ([-5.0, -1.0, 0.0, 3.0], 0.5, -1.0),  # negatives are values like any other
    ([], 0.5, None),  # no values
]


@pytest.mark.parametrize(("values", "q", "expected"), CASES)
def test_nearest_rank(values: list[float], q: float, expected: float | None) -> None:
    assert nearest_rank(values, q) == expected


@pytest.mark.parametrize(
    ("q", "n", "expected"),
    [
        (0.95, 4, 4),
        (0.95, 20, 19),  # exactly 19: not 20
        (0.95, 21, 20),  # ceil(19.95)
        (0.5, 4, 2),
        (0.0, 10, 1),  # at least 1
        (1.0, 10, 10),
        (0.07, 100, 7),
        (0.29, 100, 29),  # 0.29 * 100 is 28.999999999999996 as a float
        (0.95, 20.0, 19),  # a total weight as a float
        (0.5, 2.5, 2),  # ceil(1.25) of a fractional weight
        (0.4, 2.5, 1),  # 0.4 * 2.5 is exactly 1 in decimals
        (0.14, 100, 14),  # the float 0.14 * 100 is 14.000000000000002
        (0.95, 10**12, 950_000_000_000),  # large counts stay exact
    ],
)
def test_rank(q: float, n: float, expected: int) -> None:
    assert rank(q, n) == expected


@pytest.mark.parametrize("q", [-0.01, 1.01])
def test_q_outside_0_1_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="within"):
        nearest_rank([1.0, 2.0], q)
    with pytest.raises(ValueError, match="within"):
        nearest_rank([], q)


VALUES = st.lists(st.integers(min_value=1, max_value=5000).map(float), min_size=1, max_size=60)


@given(VALUES, st.integers(min_value=1, max_value=99), st.integers(min_value=0, max_value=5000).map(float))
def test_pnn_above_t_iff_more_than_100_minus_nn_percent_exceed_t(values: list[float], nn: int, t: float) -> None:
    """The reason for nearest rank: ``pNN > T`` fires exactly when more than (100 - NN)% of the
    values exceed T, however few there are (compared in integers: no float rounding)."""
    ordered = sorted(values)
    p = nearest_rank(ordered, nn / 100)
    assert p is not None
    above = sum(v > t for v in values)
    assert (p > t) == (above * 100 > (100 - nn) * len(values))


def test_one_slow_request_in_four_fires_a_p95_rule() -> None:
    # 25% of the requests were slower than 2,000 ms: more than 5%, so p95 > 2000 must hold.
    assert (nearest_rank([120, 180, 220, 2500], 0.95) or 0) > 2000


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1), st.floats(0, 1))
def test_the_answer_is_a_value_with_rank_ceil_q_n(values: list[float], q: float) -> None:
    ordered = sorted(values)
    got = nearest_rank(ordered, q)
    assert got in values
    r = rank(q, len(values))
    assert sum(v <= got for v in values) >= r  # at least r values are <= it
    assert sum(v < got for v in values) < r  # and it is the r-th smallest
