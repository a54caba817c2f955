from __future__ import annotations

import pytest

from edgewatch.uptime.scheduling import due

MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    ("interval", "last", "now", "expected"),
    [
        (MIN, None, T, True),
        (MIN, T, T, False),  # a repeated delivery of the same minute
        (MIN, T, T + MIN, True),
        (MIN, T, T + MIN - 3_000, True),  # cron jitter is absorbed
        (5 * MIN, T, T + 4 * MIN, False),
        (5 * MIN, T, T + 5 * MIN, True),
    ],
)
def test_due(interval: int, last: int | None, now: int, expected: bool) -> None:
    assert due(interval, last, now) is expected
