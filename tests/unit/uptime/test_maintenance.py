from __future__ import annotations

import pytest

from edgewatch.uptime.maintenance import RecurringWindow, ScheduledMaintenance, in_maintenance, maintenance_from_json

H, D, W = 3_600_000, 86_400_000, 604_800_000
MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z

# --- maintenance ---------------------------------------------------------------------------------

MON = 4 * D  # 1970-01-05 was a Monday; windows are plain ms so any origin works
WEEKLY = RecurringWindow(MON + 2 * H, MON + 4 * H, every_ms=W)  # Mondays 02:00-04:00
WEEKLY_UNTIL = RecurringWindow(MON + 2 * H, MON + 4 * H, every_ms=W, until_ms=MON + W + 2 * H)
LONG = RecurringWindow(0, 3 * H, every_ms=2 * H, until_ms=0)  # one occurrence longer than the period


@pytest.mark.parametrize(
    ("window", "t", "covered"),
    [
        (RecurringWindow(100, 200), 99, False),  # before
        (RecurringWindow(100, 200), 100, True),  # start is inclusive
        (RecurringWindow(100, 200), 199, True),
        (RecurringWindow(100, 200), 200, False),  # end is exclusive
        (WEEKLY, MON + 2 * H - 1, False),
        (WEEKLY, MON + 3 * H, True),  # first Monday
        (WEEKLY, MON + 10 * W + 3 * H, True),  # ten weeks later
        (WEEKLY, MON + 10 * W + 4 * H, False),  # just after it ends
        (WEEKLY, MON + 10 * W + D + 3 * H, False),  # Tuesday
        (WEEKLY, MON - W + 3 * H, False),  # the week before the series starts
        (WEEKLY_UNTIL, MON + W + 3 * H, True),  # second occurrence starts exactly at until: included
        (WEEKLY_UNTIL, MON + 2 * W + 3 * H, False),  # third is after until
        (LONG, 2 * H + 1, True),  # the first occurrence runs past the start of a later one
        (LONG, 3 * H, False),
    ],
)
def test_maintenance_covers(window: RecurringWindow, t: int, covered: bool) -> None:
    assert window.covers(t) is covered


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"start_ms": 10, "end_ms": 10}, "before it starts"),
        ({"start_ms": 0, "end_ms": 10, "every_ms": 0}, "every_ms must be positive"),
        ({"start_ms": 0, "end_ms": 10, "until_ms": 5}, "only applies to a recurring window"),
    ],
)
def test_maintenance_rejects(kwargs: dict[str, int], phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        RecurringWindow(**kwargs)


# --- maintenance ---------------------------------------------------------------------------------


def test_maintenance_from_json_iso_and_recurring() -> None:
    m = maintenance_from_json(
        {"id": "deploy", "start": "2026-11-29T02:00:00Z", "end": "2026-11-29T03:00:00+00:00", "every": "7d"}
    )
    assert m.window.end_ms - m.window.start_ms == 3_600_000
    assert m.window.every_ms == 7 * 86_400_000
    assert m.checks is None
    assert maintenance_from_json(m.to_json()) == m
    assert m.to_json()["start"] == "2026-11-29T02:00:00.000Z"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"id": "m", "start": 10, "end": 5}, "end:"),
        ({"id": "m", "start": 0, "end": 7_200_000, "every": "1h"}, "longer than its period"),
        ({"id": "m", "start": 0, "end": 5, "until": 100}, "until_ms only applies"),
        ({"id": "m", "start": "yesterday", "end": 5}, "not an ISO 8601"),
        ({"id": "m", "start": 0, "end": 5, "checks": []}, "checks: expected a non-empty list"),
        ({"id": "m", "end": 5}, "start: required"),
        ({"id": "m", "start": 0, "end": 5, "why": "x"}, "why: unknown field"),
    ],
)
def test_bad_maintenance(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        maintenance_from_json(data)


def test_in_maintenance_respects_the_check_list() -> None:
    windows = [
        ScheduledMaintenance("a", RecurringWindow(T, T + 10 * MIN), ("api",)),
        ScheduledMaintenance("b", RecurringWindow(T + 20 * MIN, T + 30 * MIN)),
    ]
    assert in_maintenance(windows, "api", T)
    assert not in_maintenance(windows, "web", T)
    assert in_maintenance(windows, "web", T + 25 * MIN)  # no list: every check
    assert not in_maintenance(windows, "api", T + 10 * MIN)  # end is exclusive
