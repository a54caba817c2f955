from __future__ import annotations

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.logs.counts import CountRange, count_range, count_series
from edgewatch.logs.messages import MinuteCount

NOW = 1_795_737_630_000  # 30 s into a minute
MIN = 60_000


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, CountRange(NOW - 30_000 - 60 * MIN, NOW - 30_000 + MIN)),  # the last hour, whole minutes
        ({"from": str(NOW - 5 * MIN), "to": str(NOW)}, CountRange(NOW - 30_000 - 5 * MIN, NOW - 30_000 + MIN)),
        ({"to": str(NOW - 30_000)}, CountRange(NOW - 30_000 - 60 * MIN, NOW - 30_000 + MIN)),
    ],
)
def test_count_range(params: dict[str, str], expected: CountRange) -> None:
    assert count_range(params, NOW) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"from": str(NOW), "to": str(NOW)},  # empty
        {"from": str(NOW), "to": str(NOW - 1)},  # reversed
        {"from": str(NOW - 31 * 86_400_000 - 1), "to": str(NOW)},  # over 31 days
    ],
)
def test_bad_range(params: dict[str, str]) -> None:
    with pytest.raises(Unprocessable, match="from must be before to, at most 31 days apart"):
        count_range(params, NOW)


def test_count_series_sums_the_shards() -> None:
    rows = [
        MinuteCount("api", MIN, "info", 3.0, 1.0),
        MinuteCount("api", MIN, "error", 1.0, 1.0),
        MinuteCount("api", MIN, "info", 2.0, 2.0),  # the same cell from another shard
        MinuteCount("api", 0, "fatal", 1.0, 1.0),
        MinuteCount("web", 0, "debug", 4.0, 0.0),
    ]
    assert count_series(rows) == [
        {"service": "api", "minute": 0, "total": 1, "counts": {"fatal": 1}, "stored": {"fatal": 1}, "error_rate": 1.0},
        {
            "service": "api",
            "minute": MIN,
            "total": 6,
            "counts": {"info": 5, "error": 1},
            "stored": {"info": 3, "error": 1},
            "error_rate": 1 / 6,
        },
        {"service": "web", "minute": 0, "total": 4, "counts": {"debug": 4}, "stored": {"debug": 0}, "error_rate": 0.0},
    ]


def test_count_series_of_nothing() -> None:
    assert count_series([]) == []
