from __future__ import annotations

import pytest

from edgewatch.logs.archive import object_key
from edgewatch.logs.retention import RetentionPolicy, RetentionReport, retention_problems, verify

DAY = 86_400_000
NOW = 1_795_737_600_000  # an hour boundary


def key(service: str, age_ms: int) -> str:
    return object_key(service, NOW - age_ms, "u")


@pytest.mark.parametrize(
    ("service", "age_ms", "expired"),
    [
        ("api", 29 * DAY, False),
        ("api", 30 * DAY, False),  # its hour ends an hour later: not yet all older than 30 d
        ("api", 30 * DAY + 3_600_000, True),  # the whole hour is older than 30 d
        ("auth", 60 * DAY, False),  # override: 90 d
        ("auth", 91 * DAY, True),
    ],
)
def test_expiry(service: str, age_ms: int, expired: bool) -> None:
    policy = RetentionPolicy.from_config("30d", {"auth": "90d"})
    assert policy.expired(key(service, age_ms), NOW) is expired


def test_foreign_keys_never_expire() -> None:
    assert not RetentionPolicy(DAY).expired("logs/readme.txt", NOW)


def test_verify_reports_oldest_and_violations() -> None:
    policy = RetentionPolicy.from_config("30d", {})
    keys = [key("api", DAY), key("api", 40 * DAY), "logs/notes.txt"]
    report = verify(policy, keys, NOW, RetentionReport(NOW, NOW))
    assert report.remaining == 2
    assert report.foreign == 1
    assert report.violations == 1
    assert report.oldest_key == keys[1]
    assert report.oldest_age_ms == 40 * DAY
    assert not report.ok


def report(**kw: object) -> RetentionReport:
    fields: dict[str, object] = {"ran_at_ms": NOW - DAY, "as_of_ms": NOW - DAY, **kw}
    return RetentionReport(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("last", "problems"),
    [
        (report(), []),  # ran yesterday, all well
        (report(ran_at_ms=NOW - 2 * DAY), []),  # exactly two days: not yet overdue
        (report(ran_at_ms=NOW - 2 * DAY - 1), ["the daily retention job has not run for more than two days"]),
        (report(violations=3), ["3 archived object(s) older than their retention"]),
        (report(errors=["delete failed: boom", "again"]), ["delete failed: boom"]),  # the first error only
        (
            report(ran_at_ms=0, violations=1, errors=["e"]),
            [
                "1 archived object(s) older than their retention",
                "the daily retention job has not run for more than two days",
                "e",
            ],
        ),
    ],
)
def test_retention_problems(last: RetentionReport, problems: list[str]) -> None:
    assert retention_problems(last, NOW) == problems


def test_report_round_trips_through_its_json() -> None:
    last = report(deleted=2, remaining=5, foreign=1, oldest_key="logs/k", oldest_age_ms=9, violations=1, errors=["x"])
    assert RetentionReport.from_json(last.to_json()) == last
