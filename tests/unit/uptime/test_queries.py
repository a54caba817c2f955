from __future__ import annotations

import pytest

from edgewatch.errors import ApiError
from edgewatch.uptime.history import DAY_MS, HOUR_MS
from edgewatch.uptime.queries import SeriesRange, incidents_range, series_range

NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, SeriesRange(NOW - DAY_MS, NOW, 300_000, False)),  # the last 24 h of raw probes, 5-minute steps
        ({"from": str(NOW - 3 * DAY_MS)}, SeriesRange(NOW - 3 * DAY_MS, NOW, HOUR_MS, True)),  # older: per hour
        ({"from": str(NOW - 2 * DAY_MS)}, SeriesRange(NOW - 2 * DAY_MS, NOW, 300_000, False)),  # 48 h exactly: raw
        (
            {"from": str(NOW - 10 * DAY_MS), "to": str(NOW - 9 * DAY_MS), "step": str(2 * HOUR_MS)},
            SeriesRange(NOW - 10 * DAY_MS, NOW - 9 * DAY_MS, 2 * HOUR_MS, True),
        ),
        (
            {"to": str(NOW - HOUR_MS), "step": "60000"},
            SeriesRange(NOW - HOUR_MS - DAY_MS, NOW - HOUR_MS, 60_000, False),
        ),
    ],
)
def test_series_range(query: dict[str, str], expected: SeriesRange) -> None:
    assert series_range(query, NOW) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": str(NOW), "to": str(NOW)}, "'to' must be after 'from'"),
        ({"from": str(NOW - 3 * DAY_MS), "step": "600000"}, "use a multiple of 3600000 ms"),
        ({"step": "60000", "from": str(NOW - 2 * DAY_MS)}, "more than 2000 points"),
        ({"step": "1000"}, "step"),  # below a minute
        ({"from": "yesterday"}, "from"),
    ],
)
def test_series_range_refuses(query: dict[str, str], message: str) -> None:
    with pytest.raises(ApiError, match=message) as raised:
        series_range(query, NOW)
    assert raised.value.status in (400, 422)


def test_series_resolution() -> None:
    assert SeriesRange(0, 1, 1, True).resolution == "hour"
    assert SeriesRange(0, 1, 1, False).resolution == "probe"


def test_incidents_range() -> None:
    assert incidents_range({}, NOW) == (NOW + 1 - 91 * DAY_MS, NOW + 1)  # up to and including now
    assert incidents_range({"to": str(NOW - 5)}, NOW) == (NOW - 5 - 91 * DAY_MS, NOW - 5)
    assert incidents_range({"from": "1000", "to": "2000"}, NOW) == (1_000, 2_000)
