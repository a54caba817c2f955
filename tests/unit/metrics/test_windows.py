from __future__ import annotations

import json
import random

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.metrics.windows import Window, bucket, check_agg, window_start
from edgewatch.quantiles import nearest_rank

W = 300_000  # 5 minutes


def test_window_start() -> None:
    assert window_start(1_795_737_900_123, W) == 1_795_737_900_000
    assert window_start(1_795_737_899_999, W) == 1_795_737_600_000


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("count", 4),
        ("sum", 100.0),
        ("avg", 25.0),
        ("min", 10.0),
        ("max", 40.0),
        ("last", 20.0),  # the value with the newest timestamp, not the last added
        ("rate", 4 / 300),  # timings: observations per second
    ],
)
def test_window_values(agg: str, expected: float) -> None:
    window = Window.new("timing")
    for value, ts in ((10.0, 1), (40.0, 3), (20.0, 4), (30.0, 2)):
        window.add(value, ts)
    assert window.value(agg, 300) == pytest.approx(expected)


def test_counter_rate_is_increments_per_second() -> None:
    window = Window.new("counter")
    for _ in range(60):
        window.add(5.0, 1)
    assert window.value("rate", 300) == pytest.approx(1.0)
    assert window.sketch is None


def test_percentiles_within_one_percent_of_exact() -> None:
    rng = random.Random(9)
    values = [rng.lognormvariate(5, 1) for _ in range(20_000)]
    window = Window.new("timing")
    for i, v in enumerate(values):
        window.add(v, i)
    ordered = sorted(values)
    for q in (50, 95, 99):
        exact = nearest_rank(ordered, q / 100)  # the stack's definition: rank ceil(q * n)
        assert exact is not None
        got = window.value(f"p{q}", 300)
        assert got is not None and abs(got - exact) <= 0.01 * exact


def test_merge_and_json_round_trip() -> None:
    a, b = Window.new("gauge"), Window.new("gauge")
    a.add(1.0, 10)
    b.add(7.0, 5)
    b.add(3.0, 20)
    a.merge(b)
    back = Window.from_json(json.loads(json.dumps(a.to_json())))
    assert (back.count, back.sum, back.min, back.max, back.last) == (3, 11.0, 1.0, 7.0, 3.0)
    assert back.value("p50", 1) == pytest.approx(3.0, rel=0.01)


def test_empty_window_has_no_values() -> None:
    assert Window.new("gauge").value("avg", 300) is None


def test_bucket_merges_windows_into_steps() -> None:
    windows = []
    for i in range(6):  # six 5-minute windows, values 1..6
        w = Window.new("gauge")
        w.add(float(i + 1), i)
        windows.append((i * W, w))
    steps = bucket(windows, 0, 6 * W, 3 * W)
    assert [t for t, _ in steps] == [0, 3 * W]
    assert [w.value("sum", 900) for _, w in steps] == [6.0, 15.0]
    assert bucket(windows, W, 2 * W, W)[0][1].value("sum", 1) == 2.0  # range filter


@pytest.mark.parametrize("agg", ["avg", "p50", "p99.9", "rate"])
def test_valid_aggregations(agg: str) -> None:
    assert check_agg(agg) == agg


@pytest.mark.parametrize("agg", ["median", "p0", "p100", "p", "avg;drop"])
def test_invalid_aggregations(agg: str) -> None:
    with pytest.raises(Unprocessable):
        check_agg(agg)
