from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.reports import ReportPeriod, WeeklyDecision, parse_report_period, weekly_decision, weekly_slot

DAY = 86_400_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


NOW = ms("2026-12-02T16:20:00")  # a Wednesday


@pytest.mark.parametrize(
    ("params", "start", "end"),
    [
        ({}, NOW + 1 - 7 * DAY, NOW + 1),  # the last 7 days up to now
        ({"period": "1d"}, NOW + 1 - DAY, NOW + 1),
        ({"period": "7d", "to": "2026-11-30T00:00:00Z"}, ms("2026-11-23T00:00:00"), ms("2026-11-30T00:00:00")),
        (
            {"from": "2026-11-01T00:00:00Z", "to": "2026-11-08T00:00:00Z"},
            ms("2026-11-01T00:00:00"),
            ms("2026-11-08T00:00:00"),
        ),
        ({"from": str(NOW - 3 * DAY)}, NOW - 3 * DAY, NOW + 1),  # epoch ms, to defaults to now
        ({"to": "2026-11-30T00:00:00Z"}, ms("2026-11-23T00:00:00"), ms("2026-11-30T00:00:00")),
    ],
)
def test_the_period_of_a_query(params: dict[str, str], start: int, end: int) -> None:
    assert parse_report_period(params, NOW) == ReportPeriod(start, end)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-11-08T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "'from' must be before 'to'"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "'from' must be before 'to'"),
        ({"period": "abc"}, "period: invalid duration"),
        ({"period": "0d"}, "period: duration"),
        ({"period": "91d"}, "period must be between 1m and 90d"),
        ({"period": "30s"}, "period must be between 1m and 90d"),
        ({"period": "7d", "from": "2026-11-01T00:00:00Z"}, "either period or from"),
        ({"from": "last week"}, "from must be epoch milliseconds or RFC 3339"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "at most 90 days"),
    ],
)
def test_a_bad_query_is_a_422_naming_it(params: dict[str, str], message: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        parse_report_period(params, NOW)
    assert caught.value.status == 422
    assert message in str(caught.value)


def test_the_period_as_json() -> None:
    period = ReportPeriod(ms("2026-11-23T00:00:00"), ms("2026-11-30T00:00:00"))
    assert period.to_json() == {
        "from": period.start_ms,
        "to": period.end_ms,
        "from_iso": "2026-11-23T00:00:00Z",
        "to_iso": "2026-11-30T00:00:00Z",
        "days": 7.0,
        "label": "2026-11-23 to 2026-11-29",
    }
    assert ReportPeriod(ms("2026-11-23T00:00:00"), ms("2026-11-23T05:00:00")).label == "2026-11-23"


@pytest.mark.parametrize(
    ("scheduled", "weekday", "key", "day"),
    [
        ("2026-11-30T00:00:00", "monday", "weekly:2026-W49", "2026-11-30T00:00:00"),
        ("2026-11-30T00:10:00", "monday", "weekly:2026-W49", "2026-11-30T00:00:00"),  # a late delivery: same slot
        ("2026-11-30T23:59:59", "monday", "weekly:2026-W49", "2026-11-30T00:00:00"),
        ("2027-01-04T00:00:00", "monday", "weekly:2027-W01", "2027-01-04T00:00:00"),
        ("2026-12-28T00:00:00", "monday", "weekly:2026-W53", "2026-12-28T00:00:00"),  # ISO year with 53 weeks
        ("2026-12-04T00:00:00", "friday", "weekly:2026-W49", "2026-12-04T00:00:00"),
    ],
)
def test_the_weekly_slot(scheduled: str, weekday: str, key: str, day: str) -> None:
    slot = weekly_slot(ms(scheduled), weekday)
    assert slot is not None
    assert slot.key == key
    assert slot.day_ms == ms(day)
    assert slot.period == ReportPeriod(ms(day) - 7 * DAY, ms(day))


@pytest.mark.parametrize("scheduled", ["2026-12-01T00:00:00", "2026-11-29T23:59:59", "2026-12-06T00:00:00"])
def test_no_slot_on_other_days(scheduled: str) -> None:
    assert weekly_slot(ms(scheduled), "monday") is None


def test_the_weekly_decision() -> None:
    slot = weekly_slot(ms("2026-11-30T00:00:00"), "monday")
    # disabled wins over everything; then the day; then whether this week's report went out
    assert weekly_decision(False, slot, False) is WeeklyDecision.DISABLED
    assert weekly_decision(True, None, False) is WeeklyDecision.NOT_THE_DAY
    assert weekly_decision(True, slot, True) is WeeklyDecision.ALREADY_DELIVERED
    assert weekly_decision(True, slot, False) is WeeklyDecision.DELIVER
